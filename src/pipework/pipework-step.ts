import { type Cidr6, formatCidr } from "../subnet/index.ts";

/**
 * One thing `pipework` does: an `ip` (iproute2) command on the host or in
 * the container's network namespace; turning IPv6 on for an interface in
 * the container (dockerd 20.10 starts containers with IPv6 off on every
 * interface, and a new one inherits that); or a wait for IPv6 duplicate
 * address detection to finish.
 */
export type PipeworkStep =
  | {
    readonly kind: "ip";
    /** `host`: run `ip ARGS`; `container`: run it in the container's network namespace. */
    readonly where: "host" | "container";
    readonly args: readonly string[];
  }
  | {
    readonly kind: "enable-ipv6";
    /** The interface in the container. */
    readonly interface: string;
  }
  | {
    readonly kind: "await-dad";
    readonly interface: string;
    readonly address: Cidr6;
  };

// Words a POSIX shell takes as they are; anything else is single-quoted.
const plain = /^[A-Za-z0-9_@%+=:,./-]+$/;
const quote = (word: string): string => (plain.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

/**
 * The shell script that turns IPv6 on for the interface named by its first
 * argument. It runs in the container's network namespace: /proc/sys/net
 * shows the namespace of the process that opens it.
 */
export const ENABLE_IPV6_SCRIPT = 'echo 0 > /proc/sys/net/ipv6/conf/"$1"/disable_ipv6';

/**
 * Shows a step as the shell command that does the same, for logs, `--json`
 * and the docs: container steps run under `nsenter -t PID -n`, which enters
 * only the network namespace, so the host's `ip` does the work.
 *
 * @param step the step
 * @param pid the container's PID
 * @returns e.g. `"nsenter -t 4242 -n ip addr add 10.9.0.2/24 dev eth1"`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatPipeworkStep } from "./pipework-step.ts";
 * const line = formatPipeworkStep({ kind: "ip", where: "container", args: ["link", "set", "dev", "eth1", "up"] }, 4242);
 * assert.equal(line, "nsenter -t 4242 -n ip link set dev eth1 up");
 * ```
 */
export function formatPipeworkStep(step: PipeworkStep, pid: number): string {
  if (step.kind === "await-dad") return `wait until ${formatCidr(step.address)} on ${step.interface} passes duplicate address detection`;
  if (step.kind === "enable-ipv6") return ["nsenter", "-t", String(pid), "-n", "sh", "-c", ENABLE_IPV6_SCRIPT, "sh", step.interface].map(quote).join(" ");
  const ip = ["ip", ...step.args].map(quote).join(" ");
  return step.where === "host" ? ip : `nsenter -t ${pid} -n ${ip}`;
}
