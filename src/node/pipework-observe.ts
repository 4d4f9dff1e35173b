import { errAsync, okAsync, ResultAsync } from "neverthrow";
import type { CommandRunner, CommandStartError } from "../core/command-runner.ts";
import { type IpJsonError, parseIpAddrJson } from "../pipework/parse-ip-addr-json.ts";
import { parseIpRouteJson } from "../pipework/parse-ip-route-json.ts";
import type { ContainerRef, ObservedLink, PipeworkObservation } from "../pipework/pipework-observation.ts";

/** A command exited with a failure. */
export interface PipeworkCommandError {
  readonly kind: "command-failed";
  /** The command line, as a shell would write it. */
  readonly command: string;
  readonly code: number;
  readonly stderr: string;
  readonly message: string;
}

/** Why the host or the container could not be looked at. */
export type PipeworkObserveError = PipeworkCommandError | CommandStartError | IpJsonError;

/**
 * The program and arguments that run `ip ARGS` on the host, or in the
 * network namespace of the process `pid` (`nsenter -t PID -n`: only the
 * network namespace is entered, so the host's `ip` runs, whatever the
 * container's image has; no `/var/run/netns` link is made, unlike
 * pipework's `ip netns exec`).
 *
 * @param pid the container's PID, or undefined for the host
 * @param args the arguments of `ip`
 * @returns the program and its arguments
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ipCommand } from "./pipework-observe.ts";
 * assert.deepEqual(ipCommand(4242, ["-j", "addr"]), ["nsenter", ["-t", "4242", "-n", "ip", "-j", "addr"]]);
 * ```
 */
export function ipCommand(pid: number | undefined, args: readonly string[]): [string, string[]] {
  return pid === undefined ? ["ip", [...args]] : ["nsenter", ["-t", String(pid), "-n", "ip", ...args]];
}

/**
 * Runs `ip ARGS` (on the host, or in the container's network namespace)
 * and returns its standard output; a non-zero exit is an error.
 *
 * @param run the command runner
 * @param pid the container's PID, or undefined for the host
 * @param args the arguments of `ip`
 * @returns its standard output
 */
export function runIp(run: CommandRunner, pid: number | undefined, args: readonly string[]): ResultAsync<string, PipeworkCommandError | CommandStartError> {
  const [program, argv] = ipCommand(pid, args);
  return run(program, argv).andThen((out) => {
    if (out.code === 0) return okAsync(out.stdout);
    const command = [program, ...argv].join(" ");
    return errAsync({ kind: "command-failed" as const, command, code: out.code, stderr: out.stderr.trim(), message: `${command} exited ${out.code}: ${out.stderr.trim()}` });
  });
}

/**
 * Looks at the host and the container as the planner needs them: the
 * host's interfaces (`ip -d -j addr show`), the container's interfaces and
 * its IPv4 and IPv6 default routes (`ip -j -4|-6 route show default` in its
 * network namespace).
 *
 * @param container from `findPipeworkContainer`
 * @param run the command runner (needs root: `nsenter` enters another namespace)
 * @returns the observation, or a {@link PipeworkObserveError}
 * @example
 * ```ts ignore
 * import { observePipework, runCommand } from "flannel-ts/node";
 * // Runs ip in the container's namespace (as root): type-checked, not run.
 * const seen = await observePipework({ id: "45ab2b0db5bc", name: "web", pid: 4242 }, runCommand);
 * if (seen.isErr()) console.error(seen.error.message);
 * else console.log(seen.value.containerLinks.map((l) => l.name));
 * ```
 */
export function observePipework(container: ContainerRef, run: CommandRunner): ResultAsync<PipeworkObservation, PipeworkObserveError> {
  const links = (pid: number | undefined): ResultAsync<ObservedLink[], PipeworkObserveError> =>
    runIp(run, pid, ["-d", "-j", "addr", "show"]).andThen((text) => parseIpAddrJson(text));
  const routes = (family: 4 | 6) => runIp(run, container.pid, ["-j", `-${family}`, "route", "show", "default"]).andThen((text) => parseIpRouteJson(text, family));
  return links(undefined).andThen((host) =>
    links(container.pid).andThen((containerLinks) =>
      routes(4).andThen((v4) => routes(6).map((v6): PipeworkObservation => ({ container, host, containerLinks, containerRoutes: [...v4, ...v6] })))
    )
  );
}
