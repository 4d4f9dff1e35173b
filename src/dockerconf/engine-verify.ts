/**
 * Checking a live dockerd through the Engine API: after a restart with the
 * merged daemon.json, the default bridge network must have the lease's
 * subnet, gateway and MTU. Takes the API client as a parameter: a dockerode
 * `Docker` instance fits {@link EngineNetworkApi}.
 *
 * @module
 */
import { errAsync, okAsync, ResultAsync } from "neverthrow";
import { type Cidr4, cidrNetwork, formatCidr } from "../subnet/cidr.ts";
import { formatIp, type Ip4, ip4 } from "../subnet/ip.ts";
import type { DockerNetworkSettings } from "./network-settings.ts";

/** The part of an Engine API client this module uses (dockerode's `Docker` has it). */
export interface EngineNetworkApi {
  getNetwork(id: string): { inspect(): Promise<unknown> };
}

/** What the default bridge should look like. */
export interface DefaultBridgeExpectation {
  /** The bridge's IPAM subnet, e.g. 10.5.52.0/24. */
  readonly subnet: Cidr4;
  /** Its gateway, docker0's address, e.g. 10.5.52.1. */
  readonly gateway: Ip4;
  /** Its `com.docker.network.driver.mtu` option. */
  readonly mtu: number;
}

/** One field of the bridge that differs from the expectation. */
export interface BridgeMismatch {
  readonly field: "subnet" | "gateway" | "mtu";
  readonly expected: string;
  /** What the engine reports; undefined when it reports nothing. */
  readonly actual: string | undefined;
}

/** What the engine reports for the default bridge. */
export interface DefaultBridgeReport {
  readonly subnet: string | undefined;
  readonly gateway: string | undefined;
  readonly mtu: string | undefined;
  readonly mismatches: readonly BridgeMismatch[];
}

/** Why the check failed. */
export type EngineVerifyError =
  | { readonly kind: "engine-unreachable"; readonly message: string }
  | { readonly kind: "bridge-mismatch"; readonly report: DefaultBridgeReport; readonly message: string };

/** The option the bridge driver keeps its MTU in. */
export const BRIDGE_MTU_OPTION = "com.docker.network.driver.mtu";

/**
 * The default bridge a daemon started with these settings has.
 *
 * @param settings the merged settings (bip and mtu)
 * @returns subnet, gateway and MTU
 */
export function defaultBridgeExpectation(settings: DockerNetworkSettings): DefaultBridgeExpectation {
  return { subnet: cidrNetwork(settings.bip), gateway: ip4(settings.bip.address), mtu: settings.mtu };
}

const record = (v: unknown): Record<string, unknown> => (typeof v === "object" && v !== null ? (v as Record<string, unknown>) : {});
const text = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/**
 * Reads the default bridge (`GET /networks/bridge`) and compares its first
 * IPAM config's Subnet and Gateway and its `com.docker.network.driver.mtu`
 * option with the expectation.
 *
 * @param engine an Engine API client (e.g. `new Docker({ socketPath: "/var/run/docker.sock" })`)
 * @param expected from {@link defaultBridgeExpectation}
 * @returns the report when everything matches, otherwise a `bridge-mismatch` error holding it
 * @example
 * ```ts ignore
 * import Docker from "dockerode";
 * import { defaultBridgeExpectation, verifyDefaultBridge } from "flannel-ts/dockerconf";
 * import { parseCidr4 } from "flannel-ts/subnet";
 * // Needs a running dockerd: type-checked, not run.
 * const bip = parseCidr4("10.5.52.1/24");
 * if (bip.isErr()) throw new Error(bip.error.message);
 * const result = await verifyDefaultBridge(new Docker(), defaultBridgeExpectation({ bip: bip.value, mtu: 1472 }));
 * if (result.isErr()) console.error(result.error.message);
 * else console.log(result.value);
 * ```
 */
export function verifyDefaultBridge(engine: EngineNetworkApi, expected: DefaultBridgeExpectation): ResultAsync<DefaultBridgeReport, EngineVerifyError> {
  return ResultAsync.fromPromise(
    Promise.resolve().then(() => engine.getNetwork("bridge").inspect()),
    (cause): EngineVerifyError => ({
      kind: "engine-unreachable",
      message: `cannot inspect the default bridge network through the Engine API: ${cause instanceof Error ? cause.message : String(cause)}`,
    }),
  ).andThen((inspect) => {
    const network = record(inspect);
    const ipamConfig = record(network["IPAM"])["Config"];
    const first = record(Array.isArray(ipamConfig) ? ipamConfig[0] : undefined);
    const report = {
      subnet: text(first["Subnet"]),
      gateway: text(first["Gateway"]),
      mtu: text(record(network["Options"])[BRIDGE_MTU_OPTION]),
    };
    const want = { subnet: formatCidr(expected.subnet), gateway: formatIp(expected.gateway), mtu: String(expected.mtu) };
    const mismatches: BridgeMismatch[] = (["subnet", "gateway", "mtu"] as const)
      .filter((field) => report[field] !== want[field])
      .map((field) => ({ field, expected: want[field], actual: report[field] }));
    const full: DefaultBridgeReport = { ...report, mismatches };
    if (mismatches.length === 0) return okAsync(full);
    const what = mismatches.map((m) => `${m.field} is ${m.actual ?? "not set"}, expected ${m.expected}`).join("; ");
    return errAsync<DefaultBridgeReport, EngineVerifyError>({
      kind: "bridge-mismatch",
      report: full,
      message: `the default bridge does not match the lease: ${what} (was dockerd restarted after daemon.json changed?)`,
    });
  });
}
