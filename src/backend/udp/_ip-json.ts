/**
 * Readers of iproute2's JSON output (`ip -j`), for what the UDP engine looks
 * at before it changes the host. Pure.
 *
 * @module
 */
import { err, ok, type Result } from "neverthrow";

/** A device as `ip -j -d link show dev NAME` reports it. */
export interface IpLink {
  readonly ifindex: number;
  readonly name: string;
  readonly mtu: number;
  /** Administratively up (IFF_UP). */
  readonly up: boolean;
  /** `linkinfo.info_kind`, e.g. "tun"; undefined for a plain device. */
  readonly kind: string | undefined;
  /** For a TUN: whether it is persistent (stays without a process). */
  readonly persist: boolean;
  /** How IPv6 link-local addresses are made ("eui64", "random", ...), when `ip` says. */
  readonly addrGenMode: string | undefined;
}

/** A route as `ip -j route show` reports it. */
export interface IpRoute {
  /** "10.5.0.0/16", or "default". */
  readonly dst: string;
  /** The device, undefined for e.g. a blackhole route. */
  readonly dev: string | undefined;
  /** "unicast" unless `ip` says otherwise (blackhole, unreachable, ...). */
  readonly type: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function array(text: string, what: string): Result<Record<string, unknown>[], string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text === "" ? "[]" : text);
  } catch {
    return err(`${what}: the output of ip is not JSON`);
  }
  if (!Array.isArray(parsed) || !parsed.every(isRecord)) return err(`${what}: the output of ip is not a JSON array of objects`);
  return ok(parsed);
}

/**
 * The devices in the output of `ip -j -d link show`.
 *
 * @param text the output
 * @returns the devices, or why the output is not what `ip` writes
 * @example
 * ```ts
 * import { parseIpLinks } from "./_ip-json.ts";
 * parseIpLinks('[{"ifindex":2,"ifname":"flannel0","flags":["UP"],"mtu":1472,"linkinfo":{"info_kind":"tun","info_data":{"persist":true}}}]');
 * // ok([{ ifindex: 2, name: "flannel0", mtu: 1472, up: true, kind: "tun", persist: true, addrGenMode: undefined }])
 * ```
 */
export function parseIpLinks(text: string): Result<IpLink[], string> {
  return array(text, "ip link").andThen((items) => {
    const links: IpLink[] = [];
    for (const item of items) {
      const { ifindex, ifname, mtu, flags, linkinfo, inet6_addr_gen_mode: addrGenMode } = item;
      if (typeof ifindex !== "number" || typeof ifname !== "string" || typeof mtu !== "number" || !Array.isArray(flags)) {
        return err("ip link: a device without ifindex, ifname, mtu or flags");
      }
      const info = isRecord(linkinfo) ? linkinfo : {};
      const data = isRecord(info.info_data) ? info.info_data : {};
      links.push({
        ifindex,
        name: ifname,
        mtu,
        up: flags.includes("UP"),
        kind: typeof info.info_kind === "string" ? info.info_kind : undefined,
        persist: data.persist === true,
        addrGenMode: typeof addrGenMode === "string" ? addrGenMode : undefined,
      });
    }
    return ok(links);
  });
}

/**
 * The IPv4 addresses (as "a.b.c.d/len") in the output of `ip -j addr show`.
 *
 * @param text the output
 * @returns the addresses, or why the output is not what `ip` writes
 * @example
 * ```ts
 * import { parseIpAddrs } from "./_ip-json.ts";
 * parseIpAddrs('[{"ifname":"flannel0","addr_info":[{"family":"inet","local":"10.5.1.0","prefixlen":32}]}]'); // ok(["10.5.1.0/32"])
 * ```
 */
export function parseIpAddrs(text: string): Result<string[], string> {
  return array(text, "ip addr").map((items) =>
    items.flatMap((item) =>
      (Array.isArray(item.addr_info) ? item.addr_info : []).filter(isRecord).filter((a) => a.family === "inet" && typeof a.local === "string" && typeof a.prefixlen === "number")
        .map((a) => `${String(a.local)}/${String(a.prefixlen)}`)
    )
  );
}

/**
 * The routes in the output of `ip -j route show`.
 *
 * @param text the output
 * @returns the routes, or why the output is not what `ip` writes
 * @example
 * ```ts
 * import { parseIpRoutes } from "./_ip-json.ts";
 * parseIpRoutes('[{"dst":"10.5.0.0/16","dev":"flannel0","scope":"link"}]'); // ok([{ dst: "10.5.0.0/16", dev: "flannel0", type: "unicast" }])
 * ```
 */
export function parseIpRoutes(text: string): Result<IpRoute[], string> {
  return array(text, "ip route").andThen((items) => {
    const routes: IpRoute[] = [];
    for (const item of items) {
      if (typeof item.dst !== "string") return err("ip route: a route without dst");
      routes.push({ dst: item.dst, dev: typeof item.dev === "string" ? item.dev : undefined, type: typeof item.type === "string" ? item.type : "unicast" });
    }
    return ok(routes);
  });
}
