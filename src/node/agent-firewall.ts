/**
 * The agent's {@link Firewall} through the iptables binary.
 *
 * @module
 */
import type { ResultAsync } from "neverthrow";
import type { CommandStartError } from "../core/command-runner.ts";
import type { Firewall } from "../flannel/agent-ports.ts";
import type { IptablesRule } from "../flannel/iptables-rules.ts";
import { ensureIptablesRules, type IptablesError, type IptablesOptions, removeIptablesRules } from "./iptables.ts";

/**
 * A firewall that installs and removes rules with `iptables`, and IPv6
 * rules with `ip6tables` (idempotent: `-C` before `-A`, chains created when
 * missing, flushed and deleted on removal).
 *
 * @param options the command runner; default the binaries run as child processes (`binary` is ignored: the family picks it)
 * @returns the firewall port for `startAgent`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { iptablesFirewall } from "flannel-ts/node";
 * const firewall = iptablesFirewall(); // runs iptables/ip6tables only when the agent calls it
 * assert.equal(typeof firewall, "object");
 * ```
 */
export function iptablesFirewall(options: IptablesOptions = {}): Firewall {
  const byFamily = (
    rules: readonly IptablesRule[],
    step: (rules: readonly IptablesRule[], options: IptablesOptions) => ResultAsync<void, IptablesError | CommandStartError>,
  ): ResultAsync<void, IptablesError | CommandStartError> => {
    const v4 = rules.filter((r) => r.family === 4);
    const v6 = rules.filter((r) => r.family === 6);
    const first = step(v4, { ...options, binary: "iptables" });
    return v6.length === 0 ? first : first.andThen(() => step(v6, { ...options, binary: "ip6tables" }));
  };
  return {
    ensure: (rules) => byFamily(rules, ensureIptablesRules),
    remove: (rules) => byFamily(rules, removeIptablesRules),
  };
}
