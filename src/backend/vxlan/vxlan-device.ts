import { errAsync, okAsync, type ResultAsync } from "neverthrow";
import { deleteLink, newLinkVxlan, setLink } from "../../netlink/link-requests.ts";
import type { LinkInfo } from "../../netlink/link-info.ts";
import { formatMac, type Mac, mac as makeMac } from "../../netlink/mac.ts";
import type { NetlinkRequest } from "../../netlink/netlink-request.ts";
import { formatIp, type Ip, ipEquals } from "../../subnet/ip.ts";
import type { Random } from "../../subnet/random.ts";
import type { RtnetlinkPort } from "../rtnetlink-port.ts";

/** The VXLAN device a family needs: flanneld's flannel.<VNI> or flannel-v6.<VNI>. */
export interface VxlanDeviceSpec {
  readonly name: string;
  readonly vni: number;
  /** The UDP port (8472 unless `Backend.Port`). */
  readonly port: number;
  /** The external interface's address of the family: the source of encapsulated packets. */
  readonly local: Ip;
  /** The external interface (the device's lower link). */
  readonly underlay: { readonly index: number; readonly name: string };
  readonly learning: boolean;
  readonly gbp: boolean;
  readonly mtu: number;
}

/** What {@link ensureVxlanDevice} found and did. */
export interface EnsuredVxlanDevice {
  /** The device as the kernel has it now (its MAC is the lease's VtepMAC). */
  readonly link: LinkInfo;
  /** `reused`: a compatible device was there; `created`: there was none; `replaced`: one with other settings was deleted first. */
  readonly outcome: "reused" | "created" | "replaced";
  /** For the log, e.g. "flannel.1 replaced (it had VNI 2, wanted 1)". */
  readonly note: string;
}

/** The MAC choices of {@link ensureVxlanDevice}. */
export interface EnsureVxlanDeviceOptions {
  /** The MAC the lease names (the previous lease's VtepMAC), when there is one. */
  readonly mac?: Mac;
  /** The MAC of a new device when neither `mac` nor a replaced device gives one (a random one). */
  readonly fallbackMac: Mac;
  /** Set `mac` on a reused device whose MAC differs. Default false (flanneld keeps the device's MAC). */
  readonly requireMac?: boolean;
}

/** Why the device could not be made ready. */
export interface VxlanDeviceError {
  readonly kind: "vxlan-device";
  readonly device: string;
  readonly message: string;
}

/** The kernel's IFNAMSIZ less the NUL: the longest device name. */
const MAX_NAME = 15;

/**
 * flanneld's name of the VXLAN device of a family: `flannel.<VNI>` over
 * IPv4, `flannel-v6.<VNI>` over IPv6.
 *
 * @param vni the VNI
 * @param family the underlay's family
 * @returns the name, or undefined when it is longer than a device name may be (VNIs of 8 digits and more; 5 and more for IPv6)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { vxlanDeviceName } from "flannel-ts/backend";
 * assert.equal(vxlanDeviceName(1, 6), "flannel-v6.1");
 * assert.equal(vxlanDeviceName(16777215, 4), undefined);
 * ```
 */
export function vxlanDeviceName(vni: number, family: 4 | 6): string | undefined {
  const name = family === 4 ? `flannel.${vni}` : `flannel-v6.${vni}`;
  return name.length > MAX_NAME ? undefined : name;
}

/**
 * A random MAC for a new VXLAN device: unicast, locally administered (as
 * flanneld's `mac.NewHardwareAddr`).
 *
 * @param random the random source
 * @returns the MAC
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { randomVtepMac } from "flannel-ts/backend";
 * import { seededRandom } from "flannel-ts/subnet";
 * const first = Math.floor(randomVtepMac(seededRandom(1)).value / 2 ** 40);
 * assert.equal(first & 0b11, 0b10); // locally administered, unicast
 * ```
 */
export function randomVtepMac(random: Random): Mac {
  let value = (random.int(256) & 0xfe) | 0x02;
  for (let i = 0; i < 5; i++) value = value * 256 + random.int(256);
  return makeMac(value);
}

/** Why an existing VXLAN device cannot serve as this one, or undefined when it can. */
function incompatibility(existing: NonNullable<LinkInfo["vxlan"]>, spec: VxlanDeviceSpec): string | undefined {
  const local = spec.local.family === 4 ? existing.local : existing.local6;
  const problems = [
    existing.id === spec.vni ? undefined : `VNI ${existing.id}, wanted ${spec.vni}`,
    existing.port === spec.port ? undefined : `port ${existing.port}, wanted ${spec.port}`,
    local === undefined || ipEquals(local, spec.local) ? undefined : `local ${formatIp(local)}, wanted ${formatIp(spec.local)}`,
    existing.link === undefined || existing.link === spec.underlay.index
      ? undefined
      : `lower device ifindex ${existing.link}, wanted ${spec.underlay.name} (ifindex ${spec.underlay.index})`,
    existing.gbp === spec.gbp ? undefined : `GBP ${existing.gbp ? "on" : "off"}, wanted ${spec.gbp ? "on" : "off"}`,
    existing.learning === spec.learning ? undefined : `learning ${existing.learning ? "on" : "off"}, wanted ${spec.learning ? "on" : "off"}`,
  ].filter((p): p is string => p !== undefined);
  return problems.length === 0 ? undefined : problems.join(", ");
}

const failed = (spec: VxlanDeviceSpec, message: string): VxlanDeviceError => ({ kind: "vxlan-device", device: spec.name, message: `${spec.name}: ${message}` });

/**
 * Makes the VXLAN device of a family ready, as flanneld does: a compatible
 * device of that name is reused with its MAC (so peers' entries stay
 * right); one with another VNI, port, local address, lower device, GBP or
 * learning setting is deleted and created again; a device of that name
 * that is not VXLAN is an error and is left alone. A created device gets
 * `mac` (the previous lease's VtepMAC), else the MAC of the device it
 * replaces, else `fallbackMac` (a random one). Either way it ends up up,
 * with the spec's MTU; with `requireMac` (a device recreated under a lease
 * that already names its MAC) a reused device gets `mac` too.
 *
 * @param rtnl the kernel
 * @param spec the device wanted
 * @param options `mac` and `fallbackMac` for a new device; `requireMac` to set `mac` on a reused one too
 * @returns the device and what was done, or why not
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ensureVxlanDevice, MemoryRtnetlink } from "flannel-ts/backend";
 * import { parseMac } from "flannel-ts/netlink";
 * import { parseIp } from "flannel-ts/subnet";
 *
 * const kernel = new MemoryRtnetlink({ links: [{ index: 2, name: "eth0", type: 1, flags: 1, up: true, mtu: 1500 }] });
 * const spec = { name: "flannel.1", vni: 1, port: 8472, local: parseIp("192.0.2.1")._unsafeUnwrap(), underlay: { index: 2, name: "eth0" }, learning: false, gbp: false, mtu: 1450 };
 * const mac = parseMac("be:45:e5:5e:b1:4e")._unsafeUnwrap();
 * const fallbackMac = parseMac("02:00:00:00:00:01")._unsafeUnwrap();
 * const first = (await ensureVxlanDevice(kernel, spec, { mac, fallbackMac }))._unsafeUnwrap();
 * const again = (await ensureVxlanDevice(kernel, spec, { fallbackMac }))._unsafeUnwrap();
 * assert.deepEqual([first.outcome, again.outcome, again.link.mac?.value], ["created", "reused", mac.value]);
 * ```
 */
export function ensureVxlanDevice(rtnl: RtnetlinkPort, spec: VxlanDeviceSpec, options: EnsureVxlanDeviceOptions): ResultAsync<EnsuredVxlanDevice, VxlanDeviceError> {
  const create = (mac: Mac, before: NetlinkRequest[]): ResultAsync<LinkInfo, VxlanDeviceError> => {
    const request = newLinkVxlan({
      name: spec.name,
      vni: spec.vni,
      local: spec.local,
      port: spec.port,
      learning: spec.learning,
      gbp: spec.gbp,
      underlay: spec.underlay,
      mtu: spec.mtu,
      mac,
      up: true,
    });
    return run(rtnl, spec, [...before, request]).andThen(() => lookUp(rtnl, spec, "was created but cannot be found"));
  };
  return rtnl
    .linkByName(spec.name)
    .mapErr((e) => failed(spec, e.message))
    .andThen((existing): ResultAsync<EnsuredVxlanDevice, VxlanDeviceError> => {
      if (existing === undefined) return create(options.mac ?? options.fallbackMac, []).map((link) => ({ link, outcome: "created" as const, note: `${spec.name} created` }));
      if (existing.kind !== "vxlan" || existing.vxlan === undefined) {
        return errAsync(
          failed(
            spec,
            `a device of that name exists and is ${
              existing.kind === undefined ? "not a VXLAN device" : `of kind ${existing.kind}, not vxlan`
            }; it was left alone: remove it (ip link del ${spec.name}) or use another VNI`,
          ),
        );
      }
      const why = incompatibility(existing.vxlan, spec);
      if (why !== undefined) {
        return create(options.mac ?? existing.mac ?? options.fallbackMac, [deleteLink(existing)]).map((link) => ({
          link,
          outcome: "replaced" as const,
          note: `${spec.name} replaced (it had ${why})`,
        }));
      }
      const mac = options.requireMac === true && options.mac !== undefined && existing.mac?.value !== options.mac.value ? options.mac : undefined;
      const change = existing.up && existing.mtu === spec.mtu && mac === undefined
        ? []
        : [setLink({ link: existing, up: true, mtu: spec.mtu, ...(mac === undefined ? {} : { mac }) })];
      if (change.length === 0) return okAsync({ link: existing, outcome: "reused" as const, note: `${spec.name} reused` });
      return run(rtnl, spec, change)
        .andThen(() => lookUp(rtnl, spec, "disappeared while it was set up"))
        .map((link) => ({ link, outcome: "reused" as const, note: `${spec.name} reused${mac === undefined ? "" : ` (its MAC set back to ${formatMac(mac)})`}` }));
    });
}

function run(rtnl: RtnetlinkPort, spec: VxlanDeviceSpec, requests: readonly NetlinkRequest[]): ResultAsync<void, VxlanDeviceError> {
  return rtnl
    .apply(requests)
    .mapErr((e) => failed(spec, e.message))
    .andThen((result) => {
      const first = result.failures[0];
      return first === undefined ? okAsync(undefined) : errAsync(failed(spec, `the kernel refused ${first.message}`));
    });
}

function lookUp(rtnl: RtnetlinkPort, spec: VxlanDeviceSpec, missing: string): ResultAsync<LinkInfo, VxlanDeviceError> {
  return rtnl
    .linkByName(spec.name)
    .mapErr((e) => failed(spec, e.message))
    .andThen((link) => (link === undefined ? errAsync(failed(spec, missing)) : okAsync(link)));
}
