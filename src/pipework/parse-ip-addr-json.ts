import { err, ok, type Result } from "neverthrow";
import { type Cidr, cidr4, cidr6, parseIp } from "../subnet/index.ts";
import type { ObservedAddress, ObservedLink } from "./pipework-observation.ts";

/** Why the output of an `ip -j` command could not be read. */
export interface IpJsonError {
  readonly kind: "ip-output";
  readonly message: string;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

function parseAddress(entry: Json): ObservedAddress | undefined {
  const family = entry["family"];
  const local = entry["local"];
  const prefix = entry["prefixlen"];
  if ((family !== "inet" && family !== "inet6") || typeof local !== "string" || typeof prefix !== "number") return undefined;
  const ip = parseIp(local);
  if (ip.isErr() || ip.value.family !== (family === "inet" ? 4 : 6)) return undefined;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > (ip.value.family === 4 ? 32 : 128)) return undefined;
  const cidr: Cidr = ip.value.family === 4 ? cidr4(ip.value.value, prefix) : cidr6(ip.value.value, prefix);
  return { cidr, tentative: entry["tentative"] === true, dadFailed: entry["dadfailed"] === true };
}

/**
 * Reads the output of `ip -d -j addr show` (iproute2 4.14 or later): every
 * interface with its kind, bridge, veth peer index, MTU, MAC, UP flag,
 * alias and addresses. Entries `ip` prints without an address (as some
 * versions do for interfaces in another state) are skipped.
 *
 * @param text the command's standard output
 * @returns the interfaces in the order `ip` listed them, or an {@link IpJsonError}
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ok } from "flannel-ts/core";
 * import { parseIpAddrJson } from "./parse-ip-addr-json.ts";
 * const links = parseIpAddrJson('[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP"],"mtu":65536,"addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8}]}]');
 * assert.deepEqual(links.map((l) => l.map((x) => x.name)), ok(["lo"]));
 * ```
 */
export function parseIpAddrJson(text: string): Result<ObservedLink[], IpJsonError> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    return err({ kind: "ip-output", message: `ip -j addr printed no JSON: ${cause instanceof Error ? cause.message : String(cause)}` });
  }
  if (!Array.isArray(parsed)) return err({ kind: "ip-output", message: "ip -j addr printed no list of interfaces" });
  const links: ObservedLink[] = [];
  for (const [i, entry] of parsed.entries()) {
    if (!isObject(entry)) return err({ kind: "ip-output", message: `ip -j addr: entry ${i} is not an object` });
    const { ifindex: index, ifname: name, mtu, flags } = entry;
    if (typeof index !== "number" || typeof name !== "string" || typeof mtu !== "number" || !Array.isArray(flags)) {
      return err({ kind: "ip-output", message: `ip -j addr: entry ${i} lacks ifindex, ifname, mtu or flags` });
    }
    const info = entry["linkinfo"];
    const kind = isObject(info) && typeof info["info_kind"] === "string" ? info["info_kind"] : undefined;
    const { master, link_index: peerIndex, address: mac, ifalias: alias, link_type: linkType } = entry;
    const addrInfo = Array.isArray(entry["addr_info"]) ? entry["addr_info"] : [];
    links.push({
      index,
      name,
      ...(kind !== undefined && { kind }),
      ...(typeof master === "string" && { master }),
      ...(typeof peerIndex === "number" && kind === "veth" && { peerIndex }),
      mtu,
      ...(typeof mac === "string" && linkType === "ether" && { mac: mac.toLowerCase() }),
      up: flags.includes("UP"),
      ...(typeof alias === "string" && { alias }),
      addresses: addrInfo.flatMap((a) => {
        const address = isObject(a) ? parseAddress(a) : undefined;
        return address === undefined ? [] : [address];
      }),
    });
  }
  return ok(links);
}
