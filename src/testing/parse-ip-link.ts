// Parses the one-line-per-interface output of `ip -o link` (iproute2 and busybox).

/** One interface from `ip -o link`. */
export interface IpLink {
  /** Interface index. */
  readonly index: number;
  /** Name without the `@peer` suffix, e.g. "eth0". */
  readonly name: string;
  /** What followed `@`, e.g. "if9" for a veth end whose peer has index 9 in another namespace. */
  readonly peer?: string;
  /** Flags between `<>`, e.g. ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"]. */
  readonly flags: readonly string[];
  readonly mtu: number;
  /** `state` (UP, DOWN, UNKNOWN), if printed. */
  readonly state?: string;
  /** Link type after `link/`, e.g. "ether", "loopback", "none" (TUN). */
  readonly linkType?: string;
  /** Hardware address, when the link type has one. */
  readonly mac?: string;
}

const line = /^(\d+):\s+([^:@\s]+)(?:@([^:\s]+))?:\s+<([^>]*)>(.*)$/;

/**
 * Parses `ip -o link` output into interfaces, in output order.
 *
 * @param text The command's stdout.
 * @returns One entry per interface line.
 *
 * @example
 * ```ts
 * import { parseIpLink } from "flannel-ts/testing";
 * parseIpLink("1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00");
 * // [{ index: 1, name: "lo", flags: ["LOOPBACK", "UP", "LOWER_UP"], mtu: 65536, state: "UNKNOWN", linkType: "loopback", mac: "00:00:00:00:00:00" }]
 * ```
 */
export function parseIpLink(text: string): IpLink[] {
  const out: IpLink[] = [];
  for (const raw of text.split("\n")) {
    const m = line.exec(raw.trim());
    if (m === null) continue;
    const [, index, name, peer, flags, rest] = m as unknown as [string, string, string, string | undefined, string, string];
    const state = /\bstate\s+(\S+)/.exec(rest)?.[1];
    const link = /\blink\/(\S+)(?:\s+([0-9a-f]{2}(?::[0-9a-f]{2})+))?/.exec(rest);
    out.push({
      index: Number(index),
      name,
      ...(peer === undefined ? {} : { peer }),
      flags: flags === "" ? [] : flags.split(","),
      mtu: Number(/\bmtu\s+(\d+)/.exec(rest)?.[1] ?? NaN),
      ...(state === undefined ? {} : { state }),
      ...(link?.[1] === undefined ? {} : { linkType: link[1] }),
      ...(link?.[2] === undefined ? {} : { mac: link[2] }),
    });
  }
  return out;
}
