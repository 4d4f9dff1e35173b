// Parses the one-line-per-address output of `ip -o addr` (iproute2 and busybox).

/** One address from `ip -o addr`. */
export interface IpAddress {
  /** Interface index, e.g. 2. */
  readonly index: number;
  /** Interface name without its `@peer` suffix, e.g. "eth0". */
  readonly interface: string;
  readonly family: "inet" | "inet6";
  /** The address alone, e.g. "10.5.52.2". */
  readonly address: string;
  /** Prefix length, e.g. 24 (from the address, else from its `peer`, else 32/128). */
  readonly prefixLength: number;
  /** `address/prefixLength`, e.g. "10.5.52.2/24". */
  readonly cidr: string;
  /** The `peer` address of a point-to-point link, if any. */
  readonly peer?: string;
  /** `scope` (global, link, host), if printed. */
  readonly scope?: string;
}

const line = /^(\d+):\s+(\S+?)(?:@\S+)?\s+(inet6?)\s+(\S+)(.*)$/;

/**
 * Parses `ip -o addr` output into addresses, in output order. Lines that
 * are not address lines are skipped.
 *
 * @param text The command's stdout.
 * @returns One entry per address line.
 *
 * @example
 * ```ts
 * import { parseIpAddr } from "flannel-ts/testing";
 * parseIpAddr("3: eth0    inet 10.5.52.2/24 brd 10.5.52.255 scope global eth0\\       valid_lft forever preferred_lft forever");
 * // [{ index: 3, interface: "eth0", family: "inet", address: "10.5.52.2", prefixLength: 24, cidr: "10.5.52.2/24", scope: "global" }]
 * ```
 */
export function parseIpAddr(text: string): IpAddress[] {
  const out: IpAddress[] = [];
  for (const raw of text.split("\n")) {
    const m = line.exec(raw.trim());
    if (m === null) continue;
    const [, index, name, family, token, rest] = m as unknown as [string, string, string, "inet" | "inet6", string, string];
    const [address, ownLength] = token.split("/") as [string, string | undefined];
    const peerMatch = /\bpeer\s+(\S+)/.exec(rest);
    const [peer, peerLength] = peerMatch?.[1]?.split("/") ?? [undefined, undefined];
    const prefixLength = Number(ownLength ?? peerLength ?? (family === "inet" ? 32 : 128));
    const scope = /\bscope\s+(\S+)/.exec(rest)?.[1];
    out.push({
      index: Number(index),
      interface: name,
      family,
      address,
      prefixLength,
      cidr: `${address}/${prefixLength}`,
      ...(peer === undefined ? {} : { peer }),
      ...(scope === undefined ? {} : { scope }),
    });
  }
  return out;
}
