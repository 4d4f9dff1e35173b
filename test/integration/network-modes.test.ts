// Docker's local network modes as the seed inspects them, inside one
// Docker-in-Docker host from the test kit: bridge (eth0 on docker0's
// subnet), host (the host's own interfaces), none (only lo) and
// container:<id> (the other container's namespace). Every view comes from
// `docker inspect` plus `ip` run inside the container, through the kit's
// inspect helpers.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEED_DAEMON_JSON } from "../../src/demo/seed-daemon-json.ts";
import { cidrContainsIp, parseCidr4, parseIp4 } from "../../src/subnet/index.ts";
import {
  inspectContainerNetwork,
  inspectHostNetwork,
  innerBusyboxImage,
  startDockerHost,
  type ContainerNetworkView,
  type DockerHost,
  type NetworkInterface,
  type NetworkView,
} from "../../src/testing/index.ts";

// The seed's daemon.json as flannel leaves it (bip and mtu from a lease),
// without its `hosts`: a plain-TCP API makes dockerd wait 15 s at every
// start, and the modes do not depend on where the API listens.
const { hosts: _hosts, ...seed } = JSON.parse(SEED_DAEMON_JSON) as Record<string, unknown>;
const daemonJson = JSON.stringify({ ...seed, bip: "172.20.7.1/24", mtu: 1472 }, null, 2);

const names = { bridged: "modes-bridge", host: "modes-host", none: "modes-none", joined: "modes-joined" } as const;

// What two views of one namespace must share: each interface's name, index
// and addresses. (Flags and state are printed differently by busybox's `ip`
// and iproute2's, so they are left out of the comparison.)
const shape = (view: NetworkView): unknown[] =>
  view.interfaces.map((i: NetworkInterface) => ({ index: i.index, name: i.name, mtu: i.mtu, addresses: i.addresses.map((a) => a.cidr).sort() }));

describe("Docker's local network modes in one host", () => {
  let host: DockerHost | undefined;
  let hostView: NetworkView;
  let bridged: ContainerNetworkView;
  let hostMode: ContainerNetworkView;
  let none: ContainerNetworkView;
  let joined: ContainerNetworkView;

  const run = async (h: DockerHost, args: string[]): Promise<string> => {
    const r = await h.exec(["docker", "run", "-d", ...args, innerBusyboxImage, "sleep", "600"]);
    if (r.exitCode !== 0) throw new Error(`docker run ${args.join(" ")} failed: ${r.stderr}`);
    return r.stdout.trim();
  };
  const netns = async (h: DockerHost, container: string): Promise<string> => {
    const r = await h.exec(["docker", "exec", container, "readlink", "/proc/self/ns/net"]);
    if (r.exitCode !== 0) throw new Error(`readlink in ${container} failed: ${r.stderr}`);
    return r.stdout.trim();
  };

  beforeAll(async () => {
    host = await startDockerHost({ name: "modes-host", daemonJson });
    const h = host;
    const bridgedId = await run(h, ["--name", names.bridged]);
    await run(h, ["--name", names.host, "--network", "host"]);
    await run(h, ["--name", names.none, "--network", "none"]);
    await run(h, ["--name", names.joined, "--network", `container:${bridgedId}`]);
    // Every container is up before any view is taken, so that the host's
    // interfaces (veth ends included) do not change between two views.
    hostView = await inspectHostNetwork(h);
    bridged = await inspectContainerNetwork(h, names.bridged);
    hostMode = await inspectContainerNetwork(h, names.host);
    none = await inspectContainerNetwork(h, names.none);
    joined = await inspectContainerNetwork(h, names.joined);
  });

  afterAll(async () => {
    if (host === undefined) return;
    // busybox's sleep ignores SIGTERM as PID 1; remove with SIGKILL rather than wait for dockerd's 10 s per container.
    await host.exec(["docker", "rm", "-f", ...Object.values(names)]).catch(() => undefined);
    await host.stop();
  });

  it("bridge: eth0 has one address on docker0's subnet, the default route goes through docker0's address", () => {
    const docker0 = hostView.interfaces.find((i) => i.name === "docker0");
    expect(docker0?.addresses.filter((a) => a.family === "inet").map((a) => a.cidr)).toEqual(["172.20.7.1/24"]);
    const subnet = parseCidr4("172.20.7.0/24")._unsafeUnwrap();

    expect(bridged.networkMode).toMatch(/^(bridge|default)$/);
    expect(bridged.interfaces.map((i) => i.name)).toEqual(["lo", "eth0"]);
    const eth0 = bridged.interfaces.find((i) => i.name === "eth0")!;
    const v4 = eth0.addresses.filter((a) => a.family === "inet");
    expect(v4).toHaveLength(1);
    expect(v4[0]!.prefixLength).toBe(24);
    expect(cidrContainsIp(subnet, parseIp4(v4[0]!.address)._unsafeUnwrap())).toBe(true);
    expect(v4[0]!.address).not.toBe("172.20.7.1");
    expect(eth0.mtu).toBe(1472);
    expect(bridged.dockerNetworks.bridge).toMatchObject({ ipAddress: v4[0]!.address, prefixLength: 24, gateway: "172.20.7.1" });
    expect(bridged.routes).toContainEqual(expect.objectContaining({ destination: "default", via: "172.20.7.1" }));
  });

  it("host: the container sees the host's own interfaces and addresses, docker0 included, and Docker gives it no address of its own", async () => {
    expect(hostMode.networkMode).toBe("host");
    expect(Object.keys(hostMode.dockerNetworks)).toEqual(["host"]);
    expect(hostMode.dockerNetworks.host?.ipAddress).toBe("");
    expect(shape(hostMode)).toEqual(shape(hostView));
    expect(hostMode.interfaces.map((i) => i.name)).toContain("docker0");
    expect(await netns(host!, names.host)).toBe((await host!.exec(["readlink", "/proc/self/ns/net"])).stdout.trim());
  });

  it("none: only lo, with the loopback address", () => {
    expect(none.networkMode).toBe("none");
    expect(none.interfaces.map((i) => i.name)).toEqual(["lo"]);
    expect(none.interfaces[0]!.addresses.filter((a) => a.family === "inet").map((a) => a.cidr)).toEqual(["127.0.0.1/8"]);
    expect(none.routes).toEqual([]);
  });

  it("container:<id>: the joined container has the other's namespace: the same interfaces, addresses and routes", async () => {
    expect(joined.networkMode).toBe(`container:${bridged.id}`);
    expect(joined.interfaces).toEqual(bridged.interfaces);
    expect(joined.routes).toEqual(bridged.routes);
    expect(await netns(host!, names.joined)).toBe(await netns(host!, names.bridged));
    expect(await netns(host!, names.joined)).not.toBe(await netns(host!, names.none));
  });
});
