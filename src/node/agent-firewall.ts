/**
 * The agent's {@link Firewall} through the iptables binary.
 *
 * @module
 */
import type { Firewall } from "../flannel/agent-ports.ts";
import { ensureIptablesRules, removeIptablesRules, type IptablesOptions } from "./iptables.ts";

/**
 * A firewall that installs and removes rules with `iptables` (idempotent:
 * `-C` before `-A`, chains created when missing, flushed and deleted on removal).
 *
 * @param options the binary and the command runner; default `iptables` run as a child process
 * @returns the firewall port for `startAgent`
 * @example
 * ```ts
 * import { iptablesFirewall } from "./agent-firewall.ts";
 * const firewall = iptablesFirewall();
 * ```
 */
export function iptablesFirewall(options: IptablesOptions = {}): Firewall {
  return {
    ensure: (rules) => ensureIptablesRules(rules, options),
    remove: (rules) => removeIptablesRules(rules, options),
  };
}
