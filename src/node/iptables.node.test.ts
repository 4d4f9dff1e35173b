import { okAsync } from "neverthrow";
import { describe, expect, it } from "vitest";
import type { CommandRunner } from "../core/command-runner.ts";
import { forwardRules } from "../flannel/iptables-rules.ts";
import { parseCidr } from "../subnet/index.ts";
import { ensureIptablesRules, removeIptablesRules } from "./iptables.ts";

// A fake iptables that keeps a rule list, so that ensure/remove can be
// checked for idempotence without touching the host's firewall.
function fakeIptables(): { run: CommandRunner; rules: Set<string>; chains: Set<string>; calls: string[] } {
  const rules = new Set<string>();
  const chains = new Set<string>(["filter/FORWARD"]);
  const calls: string[] = [];
  const run: CommandRunner = (_cmd, args) => {
    const a = args.slice(2);
    calls.push(a.join(" "));
    const table = a[1] ?? "";
    const op = a[2];
    const chain = a[3] ?? "";
    const key = `${table} ${a.slice(3).join(" ")}`;
    const done = (code: number) => okAsync({ code, stdout: "", stderr: "" });
    switch (op) {
      case "-N":
        if (chains.has(`${table}/${chain}`)) return done(1);
        chains.add(`${table}/${chain}`);
        return done(0);
      case "-C":
        return done(rules.has(key) ? 0 : 1);
      case "-A":
        rules.add(key);
        return done(0);
      case "-D":
        return done(rules.delete(key) ? 0 : 1);
      case "-F":
        return done(0);
      case "-X":
        return done(chains.delete(`${table}/${chain}`) ? 0 : 1);
      default:
        return done(2);
    }
  };
  return { run, rules, chains, calls };
}

describe("ensureIptablesRules / removeIptablesRules", () => {
  const rules = forwardRules(parseCidr("10.5.0.0/16")._unsafeUnwrap());

  it("adds each rule once, however often it runs, and removes them all", async () => {
    const fake = fakeIptables();
    expect((await ensureIptablesRules(rules, { run: fake.run })).isOk()).toBe(true);
    expect((await ensureIptablesRules(rules, { run: fake.run })).isOk()).toBe(true);
    expect(fake.rules.size).toBe(3);
    expect(fake.chains.has("filter/FLANNEL-FWD")).toBe(true);
    expect((await removeIptablesRules(rules, { run: fake.run })).isOk()).toBe(true);
    expect(fake.rules.size).toBe(0);
    expect(fake.chains.has("filter/FLANNEL-FWD")).toBe(false);
  });

  it("reports a failing call with its arguments", async () => {
    const run: CommandRunner = () => okAsync({ code: 4, stdout: "", stderr: "Permission denied (you must be root)" });
    const result = await ensureIptablesRules(rules, { run });
    expect(result._unsafeUnwrapErr()).toEqual({
      kind: "iptables",
      args: ["-w", "5", "-t", "filter", "-N", "FLANNEL-FWD"],
      message: "iptables -w 5 -t filter -N FLANNEL-FWD exited 4: Permission denied (you must be root)",
    });
  });
});
