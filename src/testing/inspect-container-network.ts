import { type ExecTarget, type NetworkView, networkView } from "./inspect-host-network.ts";

/** A container's attachment to one Docker network, from `docker inspect`. */
export interface DockerNetworkAttachment {
  readonly networkId: string;
  /** "" when Docker gave no address (e.g. mode none). */
  readonly ipAddress: string;
  readonly prefixLength: number;
  readonly gateway: string;
  readonly macAddress: string;
}

/** An inner container's network as Docker and `ip` inside it show it. */
export interface ContainerNetworkView extends NetworkView {
  readonly id: string;
  /** Container name without the leading slash. */
  readonly name: string;
  /** `HostConfig.NetworkMode`: "bridge" (or "default"), "host", "none", "container:<id>", or a network name. */
  readonly networkMode: string;
  /** `NetworkSettings.Networks` by network name (empty for host, none and container: modes). */
  readonly dockerNetworks: Readonly<Record<string, DockerNetworkAttachment>>;
}

interface InspectJson {
  Id: string;
  Name: string;
  HostConfig: { NetworkMode: string };
  NetworkSettings: { Networks?: Record<string, { NetworkID: string; IPAddress: string; IPPrefixLen: number; Gateway: string; MacAddress: string }> | null };
}

/**
 * Shows the network of a container running inside a Docker-in-Docker host
 * the way one would inspect it by hand: `docker inspect` for its network
 * mode and Docker's view of its addresses, and `ip -o link`, `ip -o addr`,
 * `ip route` run inside it (through `docker exec`; the image needs `ip`, as
 * busybox has).
 *
 * @param host The host whose dockerd runs the container (or anything with `exec`).
 * @param container Container id or name in that dockerd.
 * @returns Network mode, Docker's attachments, interfaces with addresses, routes.
 * @throws Error when the container does not exist or `ip` fails in it.
 *
 * @example
 * ```ts ignore
 * // Type-checked, not run by `deno test --doc`: it needs a running dockerd.
 * import { inspectContainerNetwork, startDockerHost } from "flannel-ts/testing";
 * const host = await startDockerHost();
 * await host.exec(["docker", "run", "-d", "--name", "c1", "flannel-ts/busybox:latest", "sleep", "600"]);
 * const view = await inspectContainerNetwork(host, "c1");
 * // view.networkMode === "bridge"; view.interfaces has lo and eth0 with an address on docker0's subnet
 * await host.stop();
 * ```
 */
export async function inspectContainerNetwork(host: ExecTarget, container: string): Promise<ContainerNetworkView> {
  const r = await host.exec(["docker", "inspect", "--type", "container", container]);
  if (r.exitCode !== 0) throw new Error(`docker inspect ${container} failed (${r.exitCode}): ${r.stderr.trim()}`);
  const [info] = JSON.parse(r.stdout) as [InspectJson];
  const view = await networkView((args) => host.exec(["docker", "exec", info.Id, "ip", ...args]), `container ${container}`);
  const dockerNetworks = Object.fromEntries(
    Object.entries(info.NetworkSettings.Networks ?? {}).map(([name, n]) => [
      name,
      { networkId: n.NetworkID, ipAddress: n.IPAddress, prefixLength: n.IPPrefixLen, gateway: n.Gateway, macAddress: n.MacAddress },
    ]),
  );
  return { id: info.Id, name: info.Name.replace(/^\//, ""), networkMode: info.HostConfig.NetworkMode, dockerNetworks, ...view };
}
