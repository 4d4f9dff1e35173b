import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { parseCidr4 } from "../subnet/cidr.ts";
import { defaultBridgeExpectation, type EngineNetworkApi, verifyDefaultBridge } from "./engine-verify.ts";

const expected = defaultBridgeExpectation({ bip: parseCidr4("10.5.52.1/24")._unsafeUnwrap(), mtu: 1472 });
const engine = (inspect: unknown): EngineNetworkApi => ({
  getNetwork: (id) => ({ inspect: () => (id === "bridge" ? Promise.resolve(inspect) : Promise.reject(new Error(`no network ${id}`))) }),
});
// The shape of GET /networks/bridge (trimmed).
const bridge = (subnet: string, gateway: string, mtu: string) => ({
  Name: "bridge",
  Driver: "bridge",
  IPAM: { Driver: "default", Options: null, Config: [{ Subnet: subnet, Gateway: gateway }] },
  Options: { "com.docker.network.bridge.name": "docker0", "com.docker.network.driver.mtu": mtu },
});

describe("verifyDefaultBridge", () => {
  it("matches the lease's subnet, gateway and MTU", async () => {
    expect(await verifyDefaultBridge(engine(bridge("10.5.52.0/24", "10.5.52.1", "1472")), expected)).toEqual(
      ok({ subnet: "10.5.52.0/24", gateway: "10.5.52.1", mtu: "1472", mismatches: [] }),
    );
  });

  it("reports every field that differs", async () => {
    const result = await verifyDefaultBridge(engine(bridge("172.18.0.0/16", "172.18.0.1", "1500")), expected);
    expect(result).toEqual(
      err({
        kind: "bridge-mismatch",
        report: {
          subnet: "172.18.0.0/16",
          gateway: "172.18.0.1",
          mtu: "1500",
          mismatches: [
            { field: "subnet", expected: "10.5.52.0/24", actual: "172.18.0.0/16" },
            { field: "gateway", expected: "10.5.52.1", actual: "172.18.0.1" },
            { field: "mtu", expected: "1472", actual: "1500" },
          ],
        },
        message:
          "the default bridge does not match the lease: subnet is 172.18.0.0/16, expected 10.5.52.0/24; gateway is 172.18.0.1, expected 10.5.52.1; mtu is 1500, expected 1472 (was dockerd restarted after daemon.json changed?)",
      }),
    );
  });

  it("a missing IPAM config or MTU option is a mismatch, not a crash", async () => {
    const result = await verifyDefaultBridge(engine({ Name: "bridge" }), expected);
    expect(result._unsafeUnwrapErr()).toMatchObject({ kind: "bridge-mismatch", report: { subnet: undefined, gateway: undefined, mtu: undefined } });
  });

  it("an unreachable engine is an error", async () => {
    const down: EngineNetworkApi = { getNetwork: () => ({ inspect: () => Promise.reject(new Error("connect ENOENT /var/run/docker.sock")) }) };
    expect(await verifyDefaultBridge(down, expected)).toEqual(
      err({ kind: "engine-unreachable", message: "cannot inspect the default bridge network through the Engine API: connect ENOENT /var/run/docker.sock" }),
    );
  });
});
