import { describe, expect, it } from "vitest";
import { parseCidr } from "../subnet/index.ts";
import { chainsOf, forwardRules, masqRules } from "./iptables-rules.ts";

const net = parseCidr("172.20.0.0/16")._unsafeUnwrap();
const own = parseCidr("172.20.59.0/24")._unsafeUnwrap();
const lines = (rules: ReturnType<typeof forwardRules>): string[] => rules.map((r) => `-t ${r.table} -A ${r.chain} ${r.rulespec.join(" ")}`);

describe("iptables rules as flanneld installs them", () => {
  it("forward rules", () => {
    expect(lines(forwardRules(net))).toEqual([
      "-t filter -A FORWARD -m comment --comment flanneld forward -j FLANNEL-FWD",
      "-t filter -A FLANNEL-FWD -s 172.20.0.0/16 -m comment --comment flanneld forward -j ACCEPT",
      "-t filter -A FLANNEL-FWD -d 172.20.0.0/16 -m comment --comment flanneld forward -j ACCEPT",
    ]);
  });
  it("masquerade rules", () => {
    expect(lines(masqRules(net, own))).toEqual([
      "-t nat -A POSTROUTING -m comment --comment flanneld masq -j FLANNEL-POSTRTG",
      "-t nat -A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment flanneld masq -j RETURN",
      "-t nat -A FLANNEL-POSTRTG -s 172.20.59.0/24 -d 172.20.0.0/16 -m comment --comment flanneld masq -j RETURN",
      "-t nat -A FLANNEL-POSTRTG -s 172.20.0.0/16 -d 172.20.59.0/24 -m comment --comment flanneld masq -j RETURN",
      "-t nat -A FLANNEL-POSTRTG ! -s 172.20.0.0/16 -d 172.20.59.0/24 -m comment --comment flanneld masq -j RETURN",
      "-t nat -A FLANNEL-POSTRTG -s 172.20.0.0/16 ! -d 224.0.0.0/4 -m comment --comment flanneld masq -j MASQUERADE",
      "-t nat -A FLANNEL-POSTRTG ! -s 172.20.0.0/16 -d 172.20.0.0/16 -m comment --comment flanneld masq -j MASQUERADE",
    ]);
    expect(masqRules(net, own, { randomFully: true }).at(-1)?.rulespec.slice(-3)).toEqual(["-j", "MASQUERADE", "--random-fully"]);
  });
  it("names the chains to create", () => {
    expect(chainsOf([...forwardRules(net), ...masqRules(net, own)])).toEqual([
      { table: "filter", chain: "FLANNEL-FWD" },
      { table: "nat", chain: "FLANNEL-POSTRTG" },
    ]);
  });
});
