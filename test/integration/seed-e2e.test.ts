// The seed, end to end: two Docker hosts that start from the seed's
// daemon.json, etcd with {"Network":"172.20.0.0/16"} under /atomic.io/network,
// and `flannel-ts agent --docker-config` in each host. Containers on the two
// hosts then reach each other across the overlay: over UDP (flanneld's
// default backend, the seed's config), then over VXLAN (the same config with
// Backend vxlan). The hosts run with CAP_NET_ADMIN (the kit's --cap-add=ALL)
// and the machine's kernel has the vxlan module, so the VXLAN device is made
// inside each host as on a real one.
//
// Needs root, a running dockerd and `npm run build` (the hosts run dist/).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEED_DAEMON_JSON } from "../../src/demo/seed-daemon-json.ts";
import { parseSubnetKey } from "../../src/subnet/index.ts";
import { type AgentHosts, type DockerHost, innerBusyboxImage, inspectContainerNetwork, inspectHostNetwork, runAgentHosts } from "../../src/testing/index.ts";

// The seed's daemon.json (its mirror hosts renamed under .invalid so that
// nothing ever tries to reach them), the same text the demo starts from.
const seedDaemonJson = SEED_DAEMON_JSON;

const agentArgs = [
  "--docker-config",
  "/etc/docker/daemon.json",
  // DinD hosts have no systemd; dockerd-ctl restarts dockerd and waits for it.
  "--docker-restart-command",
  "/usr/local/bin/dockerd-ctl restart",
  // The seed's tcp://0.0.0.0:2375 is a security finding; the seed keeps it.
  "--docker-allow-findings",
];

const gateway = (subnet: string): string => subnet.replace(/\.0\/24$/, ".1");
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

async function run(host: DockerHost, cmd: readonly string[]): Promise<string> {
  const r = await host.exec(cmd);
  if (r.exitCode !== 0) throw new Error(`${host.name}: ${cmd.join(" ")} exited ${r.exitCode}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/**
 * Runs a busybox container on each host and checks its eth0: an address in
 * the host's subnet, the overlay's MTU. Then each pings the other (three
 * pings each way) and a full-size packet (MTU less IP and ICMP headers)
 * crosses unfragmented.
 */
async function containersPingAcross(flannel: AgentHosts, subnets: readonly string[], mtu: number): Promise<void> {
  const addresses: string[] = [];
  for (const [i, host] of flannel.hosts.entries()) {
    await run(host, ["docker", "run", "-d", "--name", "seed", innerBusyboxImage, "sleep", "3600"]);
    const eth0 = (await inspectContainerNetwork(host, "seed")).interfaces.find((x) => x.name === "eth0");
    const address = eth0?.addresses.find((a) => a.family === "inet");
    expect(address?.cidr).toMatch(new RegExp(`^${escape(subnets[i]!.replace(/0\/24$/, ""))}\\d+/24$`));
    expect(eth0?.mtu).toBe(mtu);
    addresses.push(address!.address);
  }
  const [h1, h2] = flannel.hosts;
  const ping1 = await h1!.exec(["docker", "exec", "seed", "ping", "-c", "3", "-W", "3", addresses[1]!]);
  expect(ping1.stdout, ping1.stdout + ping1.stderr).toMatch(/3 packets transmitted, 3 packets received, 0% packet loss/);
  const ping2 = await h2!.exec(["docker", "exec", "seed", "ping", "-c", "3", "-W", "3", addresses[0]!]);
  expect(ping2.stdout, ping2.stdout + ping2.stderr).toMatch(/3 packets transmitted, 3 packets received, 0% packet loss/);
  const big = await h1!.exec(["docker", "exec", "seed", "ping", "-c", "1", "-W", "3", "-s", String(mtu - 28), addresses[1]!]);
  expect(big.stdout, big.stdout + big.stderr).toMatch(/1 packets received/);
}

describe("over UDP", () => {
  let flannel: AgentHosts;
  let subnets: string[];
  const log = (i: number): string => flannel.agents[i]!.log;

  beforeAll(async () => {
    flannel = await runAgentHosts({ count: 2, prefix: "/atomic.io/network", config: '{"Network":"172.20.0.0/16"}', daemonJson: seedDaemonJson, agentArgs });
    subnets = flannel.agents.map((a) => a.subnet ?? "");
  });

  afterAll(async () => {
    await flannel?.stop();
  });

  describe("the seed, end to end", () => {
    it("gives the two hosts distinct /24 leases of 172.20.0.0/16 under /atomic.io/network", async () => {
      expect(subnets[0]).toMatch(/^172\.20\.\d+\.0\/24$/);
      expect(subnets[1]).toMatch(/^172\.20\.\d+\.0\/24$/);
      expect(subnets[0]).not.toBe(subnets[1]);
      expect(flannel.agents.map((a) => a.backend)).toEqual(["udp", "udp"]);
      const listing = (await flannel.registry.listLeases())._unsafeUnwrap();
      expect(listing.leases.map((l) => [l.key, l.value]).sort()).toEqual(
        flannel.hosts
          .map((h, i) => [`/atomic.io/network/subnets/${subnets[i]!.replace("/", "-")}`, `{"PublicIP":"${h.ipAddress}","PublicIPv6":null}`])
          .sort(),
      );
    });

    it("writes subnet.env on each host as flanneld does (MTU 1500 - 28)", async () => {
      for (const [i, host] of flannel.hosts.entries()) {
        expect(await host.readFile("/run/flannel/subnet.env")).toBe(
          `FLANNEL_NETWORK=172.20.0.0/16\nFLANNEL_SUBNET=${gateway(subnets[i]!)}/24\nFLANNEL_MTU=1472\nFLANNEL_IPMASQ=false\n`,
        );
      }
    });

    it("merges bip and mtu into daemon.json and keeps everything else", async () => {
      for (const [i, host] of flannel.hosts.entries()) {
        expect(JSON.parse(await host.readFile("/etc/docker/daemon.json"))).toEqual({
          "registry-mirrors": ["https://docker-mirror.example.invalid"],
          "insecure-registries": ["docker-registry.example.invalid:5000"],
          hosts: ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"],
          bip: `${gateway(subnets[i]!)}/24`,
          mtu: 1472,
        });
        expect(await host.readFile("/etc/docker/daemon.json.flannel-ts.bak")).toBe(seedDaemonJson);
      }
    });

    it("restarted dockerd, which now has docker0 on the lease", async () => {
      for (const [i, host] of flannel.hosts.entries()) {
        expect((await host.dockerdLog()).match(/=== dockerd-ctl start/g)).toHaveLength(2);
        expect(log(i)).toMatch(
          new RegExp(`docker configured: /etc/docker/daemon\\.json now has bip ${escape(gateway(subnets[i]!))}/24 and mtu 1472; dockerd restarted and verified`),
        );
        expect(await run(host, ["ip", "-o", "-4", "addr", "show", "docker0"])).toContain(`inet ${gateway(subnets[i]!)}/24`);
        const bridge = JSON.parse(await run(host, ["docker", "network", "inspect", "bridge", "--format", "{{json .}}"])) as {
          IPAM: { Config: Array<{ Subnet: string; Gateway: string }> };
          Options: Record<string, string>;
        };
        expect(bridge.IPAM.Config[0]).toMatchObject({ Subnet: subnets[i], Gateway: gateway(subnets[i]!) });
        expect(bridge.Options["com.docker.network.driver.mtu"]).toBe("1472");
      }
    });

    it("puts the TUN device on the lease with the network routed through it", async () => {
      for (const [i, host] of flannel.hosts.entries()) {
        const link = await run(host, ["ip", "-o", "link", "show", "flannel0"]);
        expect(link).toMatch(/mtu 1472/);
        expect(await run(host, ["ip", "-o", "-4", "addr", "show", "flannel0"])).toContain(`inet ${subnets[i]!.replace("/24", "/32")}`);
        expect(await run(host, ["ip", "route", "show", "172.20.0.0/16"])).toMatch(/172\.20\.0\.0\/16 dev flannel0/);
        expect(await run(host, ["iptables", "-S", "FLANNEL-FWD"])).toContain('-A FLANNEL-FWD -s 172.20.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT');
      }
    });

    it("gives a container on each host an address in its host's subnet, and they ping each other across the overlay", async () => {
      await containersPingAcross(flannel, subnets, 1472);
    });

    it("each agent logged the other host as a peer", () => {
      expect(log(0)).toContain(`peer added: subnet ${subnets[1]} via PublicIP ${flannel.hosts[1]!.ipAddress}`);
      expect(log(1)).toContain(`peer added: subnet ${subnets[0]} via PublicIP ${flannel.hosts[0]!.ipAddress}`);
    });

    it("deleting host 2's lease removes its route on host 1, and host 2's agent acquires it again", async () => {
      const [a1, a2] = flannel.agents;
      const from1 = a1!.log.length;
      const from2 = a2!.log.length;
      const key = parseSubnetKey(subnets[1]!.replace("/", "-"))._unsafeUnwrap();
      expect((await flannel.registry.deleteLease(key))._unsafeUnwrap()).toBe(true);
      await a1!.waitForLog(`peer removed: subnet ${subnets[1]} (was via PublicIP ${flannel.hosts[1]!.ipAddress})`, { after: from1 });
      await a2!.waitForLog(`lease lost: subnet ${subnets[1]}`, { after: from2 });
      await a2!.waitForLog(`lease acquired again: subnet ${subnets[1]} (the same)`, { after: from2 });
      await a1!.waitForLog(`peer added: subnet ${subnets[1]} via PublicIP ${flannel.hosts[1]!.ipAddress}`, { after: from1 });
      const lease = (await flannel.registry.getLease(key))._unsafeUnwrap();
      expect(lease?.value).toBe(`{"PublicIP":"${flannel.hosts[1]!.ipAddress}","PublicIPv6":null}`);
      // Traffic flows again.
      const address2 = (await inspectContainerNetwork(flannel.hosts[1]!, "seed")).interfaces.find((x) => x.name === "eth0")!.addresses.find((a) => a.family === "inet")!.address;
      const ping = await flannel.hosts[0]!.exec(["docker", "exec", "seed", "ping", "-c", "2", "-W", "3", address2]);
      expect(ping.stdout, ping.stdout + ping.stderr).toMatch(/2 packets received/);
    });

    it("SIGTERM stops an agent cleanly: TUN device and rules removed, lease kept", async () => {
      const [a1] = flannel.agents;
      const host = flannel.hosts[0]!;
      expect(await a1!.stop("TERM")).toBe(0);
      expect(a1!.log).toMatch(/stopping: SIGTERM[\s\S]*lease kept: subnet[\s\S]*iptables rules removed[\s\S]*UDP engine stopped: flannel0 removed[\s\S]*stopped cleanly/);
      expect((await host.exec(["ip", "link", "show", "flannel0"])).exitCode).not.toBe(0);
      expect((await host.exec(["iptables", "-S", "FLANNEL-FWD"])).exitCode).not.toBe(0);
      const key = parseSubnetKey(subnets[0]!.replace("/", "-"))._unsafeUnwrap();
      expect((await flannel.registry.getLease(key))._unsafeUnwrap()?.subnet.ipv4).toBeDefined();
    });
  });

  // Docker's local network modes, as the seed looks at them, on host 2 once
  // its agent has given dockerd the lease.
  describe("Docker's network modes on a seed host", () => {
    it("bridge: an address on docker0's subnet, which is the lease, with the lease's MTU and docker0 as gateway", async () => {
      const host = flannel.hosts[1]!;
      const bridged = await inspectContainerNetwork(host, "seed");
      expect(bridged.networkMode).toMatch(/^(bridge|default)$/);
      const eth0 = bridged.interfaces.find((i) => i.name === "eth0");
      expect(eth0?.mtu).toBe(1472);
      expect(eth0?.addresses.map((a) => a.cidr)).toEqual([expect.stringMatching(new RegExp(`^${escape(subnets[1]!.replace(/0\/24$/, ""))}\\d+/24$`))]);
      expect(bridged.routes).toContainEqual(expect.objectContaining({ destination: "default", via: gateway(subnets[1]!) }));
    });

    it("host: the host's own interfaces, flannel0 and docker0 among them", async () => {
      const host = flannel.hosts[1]!;
      await run(host, ["docker", "run", "-d", "--name", "host-mode", "--network", "host", innerBusyboxImage, "sleep", "3600"]);
      const view = await inspectContainerNetwork(host, "host-mode");
      expect(view.networkMode).toBe("host");
      const names = view.interfaces.map((i) => i.name);
      expect(names).toEqual((await inspectHostNetwork(host)).interfaces.map((i) => i.name));
      expect(names).toEqual(expect.arrayContaining(["lo", "docker0", "flannel0"]));
    });

    it("none: only lo", async () => {
      const host = flannel.hosts[1]!;
      await run(host, ["docker", "run", "-d", "--name", "none-mode", "--network", "none", innerBusyboxImage, "sleep", "3600"]);
      const view = await inspectContainerNetwork(host, "none-mode");
      expect(view.networkMode).toBe("none");
      expect(view.interfaces.map((i) => i.name)).toEqual(["lo"]);
    });

    it("container:<id>: the other container's namespace, same interfaces and addresses", async () => {
      const host = flannel.hosts[1]!;
      const seed = await inspectContainerNetwork(host, "seed");
      await run(host, ["docker", "run", "-d", "--name", "joined", "--network", `container:${seed.id}`, innerBusyboxImage, "sleep", "3600"]);
      const joined = await inspectContainerNetwork(host, "joined");
      expect(joined.networkMode).toBe(`container:${seed.id}`);
      expect(joined.interfaces).toEqual(seed.interfaces);
    });
  });
});

// The same seed with Backend vxlan: flannel.1 on each host (VNI 1, port
// 8472, MTU 1500 - 50), the VtepMAC in the lease, and per peer the route,
// neighbour and FDB entry flanneld programs.
describe("over VXLAN", () => {
  let flannel: AgentHosts;
  let subnets: string[];
  const mac = async (host: DockerHost): Promise<string> => (await run(host, ["cat", "/sys/class/net/flannel.1/address"])).trim();

  beforeAll(async () => {
    flannel = await runAgentHosts({ count: 2, prefix: "/atomic.io/network", config: '{"Network":"172.20.0.0/16"}', backend: "vxlan", daemonJson: seedDaemonJson, agentArgs });
    subnets = flannel.agents.map((a) => a.subnet ?? "");
  });

  afterAll(async () => {
    await flannel?.stop();
  });

  it("gives the two hosts distinct /24 leases whose values carry VNI 1 and each host's VtepMAC", async () => {
    expect(flannel.agents.map((a) => a.backend)).toEqual(["vxlan", "vxlan"]);
    expect(subnets[0]).toMatch(/^172\.20\.\d+\.0\/24$/);
    expect(subnets[1]).toMatch(/^172\.20\.\d+\.0\/24$/);
    expect(subnets[0]).not.toBe(subnets[1]);
    const listing = (await flannel.registry.listLeases())._unsafeUnwrap();
    const expected: string[][] = [];
    for (const [i, h] of flannel.hosts.entries()) {
      expected.push([
        `/atomic.io/network/subnets/${subnets[i]!.replace("/", "-")}`,
        `{"PublicIP":"${h.ipAddress}","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"${await mac(h)}"}}`,
      ]);
    }
    expect(listing.leases.map((l) => [l.key, l.value]).sort()).toEqual(expected.sort());
  });

  it("writes subnet.env with MTU 1500 - 50 and gives dockerd that bip and mtu", async () => {
    for (const [i, host] of flannel.hosts.entries()) {
      expect(await host.readFile("/run/flannel/subnet.env")).toBe(
        `FLANNEL_NETWORK=172.20.0.0/16\nFLANNEL_SUBNET=${gateway(subnets[i]!)}/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=false\n`,
      );
      expect(JSON.parse(await host.readFile("/etc/docker/daemon.json"))).toMatchObject({ bip: `${gateway(subnets[i]!)}/24`, mtu: 1450 });
      expect(await run(host, ["ip", "-o", "-4", "addr", "show", "docker0"])).toContain(`inet ${gateway(subnets[i]!)}/24`);
    }
  });

  it("makes flannel.1 on the lease and programs the other host: route, neighbour, FDB entry", async () => {
    for (const [i, host] of flannel.hosts.entries()) {
      const other = 1 - i;
      const peer = subnets[other]!;
      const peerVtep = peer.replace("/24", "");
      const details = await run(host, ["ip", "-d", "-o", "link", "show", "flannel.1"]);
      expect(details).toMatch(/mtu 1450 /);
      expect(details).toMatch(new RegExp(`vxlan id 1 local ${escape(host.ipAddress)} dev eth\\d+ srcport 0 0 dstport 8472 .*\\bnolearning\\b`));
      expect(await run(host, ["ip", "-o", "-4", "addr", "show", "flannel.1"])).toContain(`inet ${subnets[i]!.replace("/24", "/32")}`);
      await flannel.agents[i]!.waitForLog(`peer added: subnet ${peer} via PublicIP ${flannel.hosts[other]!.ipAddress}`);
      expect((await run(host, ["ip", "route", "show", peer])).trim()).toBe(`${peer} via ${peerVtep} dev flannel.1 onlink`);
      const peerMac = await mac(flannel.hosts[other]!);
      expect((await run(host, ["ip", "neigh", "show", peerVtep, "dev", "flannel.1"])).trim()).toBe(`${peerVtep} lladdr ${peerMac} PERMANENT`);
      expect(await run(host, ["bridge", "fdb", "show", "dev", "flannel.1"])).toContain(`${peerMac} dst ${flannel.hosts[other]!.ipAddress} self permanent`);
    }
  });

  it("gives a container on each host an address in its host's subnet, and they ping each other across the VXLAN overlay", async () => {
    await containersPingAcross(flannel, subnets, 1450);
  });

  it("SIGTERM stops an agent cleanly: flannel.1 and the rules removed, lease kept", async () => {
    const [a1] = flannel.agents;
    const host = flannel.hosts[0]!;
    expect(await a1!.stop("TERM")).toBe(0);
    expect(a1!.log).toMatch(/stopping: SIGTERM[\s\S]*lease kept: subnet[\s\S]*stopped cleanly/);
    expect((await host.exec(["ip", "link", "show", "flannel.1"])).exitCode).not.toBe(0);
    expect((await host.exec(["iptables", "-S", "FLANNEL-FWD"])).exitCode).not.toBe(0);
    const key = parseSubnetKey(subnets[0]!.replace("/", "-"))._unsafeUnwrap();
    expect((await flannel.registry.getLease(key))._unsafeUnwrap()?.subnet.ipv4).toBeDefined();
  });
});
