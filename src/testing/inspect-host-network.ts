import type { ExecResult } from "testcontainers";
import { type IpAddress, parseIpAddr } from "./parse-ip-addr.ts";
import { type IpLink, parseIpLink } from "./parse-ip-link.ts";
import { type IpRoute, parseIpRoute } from "./parse-ip-route.ts";

/** An interface with its addresses, as `ip -o link` and `ip -o addr` show them. */
export interface NetworkInterface extends IpLink {
  readonly addresses: readonly IpAddress[];
}

/** A network namespace as `ip` shows it: interfaces with addresses, and the main routing table. */
export interface NetworkView {
  readonly interfaces: readonly NetworkInterface[];
  readonly routes: readonly IpRoute[];
}

/** Anything that runs a command and reports its output, e.g. a `DockerHost`. */
export interface ExecTarget {
  exec(cmd: readonly string[]): Promise<ExecResult>;
}

/**
 * Shows a Docker-in-Docker host's own network: `ip -o link`, `ip -o addr`
 * and `ip route` run inside it, parsed.
 *
 * @param host The host (or anything with `exec`).
 * @returns Interfaces in index order, each with its addresses, and routes.
 * @throws Error when `ip` fails.
 *
 * @example
 * ```ts ignore
 * // Type-checked, not run by `deno test --doc`: it needs a running dockerd.
 * import { inspectHostNetwork, startDockerHost } from "flannel-ts/testing";
 * const host = await startDockerHost();
 * const view = await inspectHostNetwork(host);
 * const docker0 = view.interfaces.find((i) => i.name === "docker0");
 * await host.stop();
 * ```
 */
export async function inspectHostNetwork(host: ExecTarget): Promise<NetworkView> {
  return networkView((args) => host.exec(["ip", ...args]), "host");
}

/** Runs the three `ip` commands through `ip(args)` and merges their output. */
export async function networkView(ip: (args: string[]) => Promise<ExecResult>, where: string): Promise<NetworkView> {
  const run = async (args: string[]): Promise<string> => {
    const r = await ip(args);
    if (r.exitCode !== 0) throw new Error(`ip ${args.join(" ")} in ${where} failed (${r.exitCode}): ${r.stderr.trim()}`);
    return r.stdout;
  };
  const [links, addrs, routes] = [parseIpLink(await run(["-o", "link"])), parseIpAddr(await run(["-o", "addr"])), parseIpRoute(await run(["route"]))];
  return {
    interfaces: links.map((link) => ({ ...link, addresses: addrs.filter((a) => a.index === link.index) })),
    routes,
  };
}
