// Parses `ip route` (or `ip -o route`) output (iproute2 and busybox).

/** One route from `ip route`. */
export interface IpRoute {
  /** Destination as printed: "default", "10.5.0.0/16", "10.5.52.3" (a host route). */
  readonly destination: string;
  /** Route type when printed first (e.g. "unreachable", "blackhole", "local"), else undefined. */
  readonly type?: string;
  readonly via?: string;
  readonly dev?: string;
  readonly src?: string;
  readonly proto?: string;
  readonly scope?: string;
  readonly metric?: number;
  readonly mtu?: number;
  /** The line as printed, trimmed. */
  readonly raw: string;
}

const routeTypes = new Set(["unicast", "local", "broadcast", "multicast", "throw", "unreachable", "prohibit", "blackhole", "nat", "anycast"]);

/**
 * Parses `ip route` output into routes, in output order. Continuation lines
 * (multipath `nexthop` lines) are skipped.
 *
 * @param text The command's stdout.
 * @returns One entry per route line.
 *
 * @example
 * ```ts
 * import { parseIpRoute } from "flannel-ts/testing";
 * parseIpRoute("10.5.0.0/16 dev flannel0 scope link");
 * // [{ destination: "10.5.0.0/16", dev: "flannel0", scope: "link", raw: "10.5.0.0/16 dev flannel0 scope link" }]
 * ```
 */
export function parseIpRoute(text: string): IpRoute[] {
  const out: IpRoute[] = [];
  for (const raw of text.split("\n")) {
    if (raw.trim() === "" || /^\s/.test(raw)) continue;
    const words = raw.trim().split(/\s+/);
    const type = routeTypes.has(words[0] ?? "") ? words.shift() : undefined;
    const destination = words.shift() ?? "";
    const field = (key: string): string | undefined => {
      const i = words.indexOf(key);
      return i >= 0 ? words[i + 1] : undefined;
    };
    const num = (key: string): number | undefined => {
      const v = field(key);
      return v === undefined ? undefined : Number(v);
    };
    const entries = {
      type,
      via: field("via"),
      dev: field("dev"),
      src: field("src"),
      proto: field("proto"),
      scope: field("scope"),
      metric: num("metric"),
      mtu: num("mtu"),
    };
    const defined = Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined));
    out.push({ destination, ...defined, raw: raw.trim() });
  }
  return out;
}
