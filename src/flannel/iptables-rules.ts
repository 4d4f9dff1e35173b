import { type Cidr, formatCidr } from "../subnet/index.ts";

/** One iptables rule: table, chain and the rule's arguments after `-A <chain>`. */
export interface IptablesRule {
  /** Which tables: iptables' (4) or ip6tables' (6). */
  readonly family: 4 | 6;
  readonly table: "filter" | "nat";
  readonly chain: string;
  readonly rulespec: readonly string[];
}

/** flanneld's chain for its FORWARD accepts (filter table). */
export const FORWARD_CHAIN = "FLANNEL-FWD";
/** flanneld's chain for its masquerading rules (nat table). */
export const MASQ_CHAIN = "FLANNEL-POSTRTG";
/** The mark kube-proxy puts on packets it already masqueraded; flanneld leaves them alone. */
export const KUBE_PROXY_MARK = "0x4000/0x4000";

const comment = (text: string): string[] => ["-m", "comment", "--comment", text];

/**
 * The FORWARD rules flanneld installs (with `--iptables-forward-rules`, its
 * default): a jump from FORWARD to FLANNEL-FWD, then accept everything from
 * and to the flannel network. Docker sets the FORWARD policy to DROP, so
 * without these, traffic from the TUN to docker0 is dropped.
 *
 * @param network the flannel network, e.g. 172.20.0.0/16
 * @returns the rules in the order they are appended
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { forwardRules } from "flannel-ts/flannel";
 * import { parseCidr } from "flannel-ts/subnet";
 * const rules = forwardRules(parseCidr("172.20.0.0/16")._unsafeUnwrap());
 * assert.equal(rules[1]?.rulespec.join(" "), "-s 172.20.0.0/16 -m comment --comment flanneld forward -j ACCEPT");
 * ```
 */
export function forwardRules(network: Cidr): readonly IptablesRule[] {
  const net = formatCidr(network);
  const family = network.family;
  return [
    { family, table: "filter", chain: "FORWARD", rulespec: [...comment("flanneld forward"), "-j", FORWARD_CHAIN] },
    { family, table: "filter", chain: FORWARD_CHAIN, rulespec: ["-s", net, ...comment("flanneld forward"), "-j", "ACCEPT"] },
    { family, table: "filter", chain: FORWARD_CHAIN, rulespec: ["-d", net, ...comment("flanneld forward"), "-j", "ACCEPT"] },
  ];
}

/** Options of {@link masqRules}. */
export interface MasqOptions {
  /** Use `--random-fully` on MASQUERADE (flanneld does when iptables supports it). Default false. */
  readonly randomFully?: boolean;
}

/**
 * The masquerading rules flanneld installs with `--ip-masq`: traffic inside
 * the overlay is left alone; traffic from the network to the outside
 * (except multicast) and from the host into the network is masqueraded.
 *
 * @param network the flannel network
 * @param subnet this host's leased subnet
 * @param options see {@link MasqOptions}
 * @returns the rules in the order they are appended
 */
export function masqRules(network: Cidr, subnet: Cidr, options: MasqOptions = {}): readonly IptablesRule[] {
  const net = formatCidr(network);
  const own = formatCidr(subnet);
  const multicast = network.family === 4 ? "224.0.0.0/4" : "ff00::/8";
  const masquerade = options.randomFully === true ? ["-j", "MASQUERADE", "--random-fully"] : ["-j", "MASQUERADE"];
  const c = comment("flanneld masq");
  const family = network.family;
  return [
    { family, table: "nat", chain: "POSTROUTING", rulespec: [...c, "-j", MASQ_CHAIN] },
    { family, table: "nat", chain: MASQ_CHAIN, rulespec: ["-m", "mark", "--mark", KUBE_PROXY_MARK, ...c, "-j", "RETURN"] },
    { family, table: "nat", chain: MASQ_CHAIN, rulespec: ["-s", own, "-d", net, ...c, "-j", "RETURN"] },
    { family, table: "nat", chain: MASQ_CHAIN, rulespec: ["-s", net, "-d", own, ...c, "-j", "RETURN"] },
    { family, table: "nat", chain: MASQ_CHAIN, rulespec: ["!", "-s", net, "-d", own, ...c, "-j", "RETURN"] },
    { family, table: "nat", chain: MASQ_CHAIN, rulespec: ["-s", net, "!", "-d", multicast, ...c, ...masquerade] },
    { family, table: "nat", chain: MASQ_CHAIN, rulespec: ["!", "-s", net, "-d", net, ...c, ...masquerade] },
  ];
}

/** The chains (table and name) that flannel's rules jump to and that must exist first. */
export function chainsOf(rules: readonly IptablesRule[]): ReadonlyArray<{ readonly table: IptablesRule["table"]; readonly chain: string }> {
  const own = new Map<string, { table: IptablesRule["table"]; chain: string }>();
  for (const r of rules) {
    if (r.chain === FORWARD_CHAIN || r.chain === MASQ_CHAIN) own.set(`${r.table}/${r.chain}`, { table: r.table, chain: r.chain });
  }
  return [...own.values()];
}
