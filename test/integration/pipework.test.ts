// flannel-ts pipework against a real dockerd: a Docker-in-Docker host from
// the test kit runs busybox containers, and the CLI (this checkout's dist/,
// mounted into the host) puts them on bridges of the host. Addresses are
// TEST-NET and ULA ranges, all inside the host's own network namespace.
//
// Needs root, a running dockerd and `npm run build` (the host runs dist/).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DockerHost, FLANNEL_TS_IN_HOST, flannelTsMounts, innerBusyboxImage, startDockerHost } from "../../src/testing/index.ts";

let host: DockerHost;

async function sh(script: string): Promise<string> {
  const r = await host.sh(script);
  if (r.exitCode !== 0) throw new Error(`${script} exited ${r.exitCode}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Runs `flannel-ts pipework ARGS` in the host. */
async function pipework(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await host.exec(["node", `${FLANNEL_TS_IN_HOST}/dist/cli/main.js`, "pipework", ...args]);
  return { code: r.exitCode, out: r.stdout, err: r.stderr };
}

/** The same with --json, its report parsed: on stdout when it worked, else the error object on stderr's first line. */
async function pipeworkJson(...args: string[]): Promise<{ code: number; report: Record<string, unknown> }> {
  const r = await pipework(...args, "--json");
  try {
    return { code: r.code, report: JSON.parse(r.code === 0 ? r.out : (r.err.split("\n")[0] ?? "")) as Record<string, unknown> };
  } catch {
    throw new Error(`pipework ${args.join(" ")} printed no JSON (exit ${r.code}): ${r.out}${r.err}`);
  }
}

const containers = ["pw-a", "pw-b", "pw-c", "pw-d"];
const pids = new Map<string, string>();

interface Link {
  ifindex: number;
  ifname: string;
  flags: string[];
  mtu: number;
  master?: string;
  address?: string;
  link_index?: number;
  ifalias?: string;
  linkinfo?: { info_kind?: string };
  addr_info?: { family: string; local: string; prefixlen: number }[];
}

/** What `ip -d -j` shows of a namespace, without what changes by itself (timers, counters, DAD's progress). */
function ipState([addrs, v4, v6]: string[]): unknown {
  const links = JSON.parse(addrs!) as Link[];
  return {
    links: links.map((l) => ({
      ifindex: l.ifindex,
      ifname: l.ifname,
      flags: l.flags,
      mtu: l.mtu,
      master: l.master,
      mac: l.address,
      peer: l.link_index,
      alias: l.ifalias,
      kind: l.linkinfo?.info_kind,
      addresses: (l.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`),
    })),
    routes: [JSON.parse(v4!) as unknown, JSON.parse(v6!) as unknown],
  };
}

/** The host's and every container's interfaces, addresses and default routes (one exec: each takes a while). */
async function state(): Promise<Record<string, unknown>> {
  const namespaces: [string, string][] = [["host", ""], ...containers.map((name): [string, string] => [name, `nsenter -t ${pids.get(name)} -n`])];
  const script = namespaces.map(([, enter]) => `${enter} ip -d -j addr show; ${enter} ip -j -4 route show default; ${enter} ip -j -6 route show default`).join("; ");
  const outputs = (await sh(script)).trim().split("\n");
  expect(outputs).toHaveLength(namespaces.length * 3);
  return Object.fromEntries(namespaces.map(([name], i) => [name, ipState(outputs.slice(i * 3, i * 3 + 3))]));
}

const hostLinks = async (): Promise<string[]> => (JSON.parse(await sh("ip -j link show")) as Link[]).map((l) => l.ifname);
const ping = (from: string, to: string): Promise<string> => sh(`${from === "host" ? "" : `docker exec ${from} `}ping -c 2 -W 3 ${to}`);

beforeAll(async () => {
  host = await startDockerHost({ name: "pipework-host", mounts: flannelTsMounts() });
  for (const name of containers) {
    await sh(`docker run -d --name ${name} --network ${name === "pw-c" ? "bridge" : "none"} ${innerBusyboxImage} sleep 3600`);
    pids.set(name, (await sh(`docker inspect -f '{{.State.Pid}}' ${name}`)).trim());
  }
  await sh(`docker create --name pw-stopped ${innerBusyboxImage} sleep 1`);
  // Docker sets FORWARD to DROP on many hosts, and with br_netfilter that
  // filters traffic between two ports of any bridge but its own: the rule
  // docs/pipework.md gives for that.
  await sh("iptables -I DOCKER-USER -i pwbr0 -o pwbr0 -j ACCEPT");
});

afterAll(async () => {
  await host?.stop();
});

describe("flannel-ts pipework", () => {
  it("puts eth1 into a container without a network, on a bridge it creates; the host pings it; the default route points at the gateway", async () => {
    expect(await hostLinks()).not.toContain("pwbr0");
    const { code, report } = await pipeworkJson("pwbr0", "pw-a", "198.51.100.2/24@198.51.100.1");
    expect(code, JSON.stringify(report)).toBe(0);
    expect(report).toMatchObject({
      action: "add",
      changed: true,
      bridgeCreated: true,
      interface: "eth1",
      bridge: "pwbr0",
      address: "198.51.100.2/24",
      gateway: "198.51.100.1",
      mtu: 1500,
    });
    const [bridge] = JSON.parse(await sh("ip -d -j link show pwbr0")) as Link[];
    expect(bridge).toMatchObject({ ifalias: "flannel-ts pipework", linkinfo: { info_kind: "bridge" } });
    expect(JSON.parse(await sh("ip -j link show master pwbr0"))).toEqual([expect.objectContaining({ ifname: report["hostInterface"] })]);
    expect(await sh("docker exec pw-a ip -o addr show eth1")).toContain("inet 198.51.100.2/24 brd 198.51.100.255");
    expect(await sh("docker exec pw-a ip route")).toContain("default via 198.51.100.1 dev eth1");

    await sh("ip addr add 198.51.100.1/24 dev pwbr0");
    expect(await ping("host", "198.51.100.2")).toMatch(/2 packets transmitted, 2 received/);
  });

  it("run again with the same arguments, changes nothing and says so", async () => {
    const before = await state();
    expect(await pipework("pwbr0", "pw-a", "198.51.100.2/24@198.51.100.1")).toEqual({
      code: 0,
      out: expect.stringMatching(
        /^nothing to do: eth1 of pw-a is on pwbr0 \(host end fp[0-9a-f]{12}\): 198\.51\.100\.2\/24, gateway 198\.51\.100\.1, MAC [0-9a-f:]{17}, MTU 1500\n$/,
      ) as string,
      err: "",
    });
    expect(await state()).toEqual(before);
  });

  it("puts a second container on the same bridge with a MAC and an MTU; it reaches the first", async () => {
    const { code, report } = await pipeworkJson("pwbr0", "pw-b", "198.51.100.3/24", "02:42:C6:33:64:03", "--mtu", "1500");
    expect(code, JSON.stringify(report)).toBe(0);
    expect(report).toMatchObject({ changed: true, bridgeCreated: false, address: "198.51.100.3/24", mac: "02:42:c6:33:64:03", mtu: 1500 });
    expect(await sh("docker exec pw-b ip -o link show eth1")).toContain("link/ether 02:42:c6:33:64:03");
    expect(await ping("pw-b", "198.51.100.2")).toMatch(/2 packets transmitted, 2 packets received/);
  });

  it.each([
    ["an unknown container", ["pwbr9", "pw-nope", "198.51.100.9/24"], 1, { kind: "container-not-found" }],
    ["a stopped container", ["pwbr9", "pw-stopped", "198.51.100.9/24"], 1, { kind: "container-not-running", status: "created" }],
    ["an address in use in the container", ["pwbr9", "-i", "eth2", "pw-a", "198.51.100.2/24"], 1, { kind: "address-in-use", address: "198.51.100.2", interface: "eth1" }],
    ["a name in use in the container", ["pwbr9", "-i", "lo", "pw-a", "198.51.100.9/24"], 1, { kind: "interface-in-use", interface: "lo" }],
    ["eth1 from before with another address", ["pwbr0", "pw-a", "198.51.100.9/24"], 1, {
      kind: "interface-differs",
      differences: ["it has 198.51.100.2/24, not 198.51.100.9/24", "the IPv4 default route goes through it (via 198.51.100.1 dev eth1) though no gateway was asked for"],
    }],
    ["the bridge's own address", ["pwbr0", "pw-d", "198.51.100.1/24"], 1, { kind: "address-on-bridge" }],
    ["a bad prefix", ["pwbr9", "pw-d", "198.51.100.9/33"], 2, {
      kind: "bad-value",
      argument: "<address>",
      message: '<address> "198.51.100.9/33": prefix length 33 is above 32',
      exitCode: 2,
    }],
  ])("refuses %s and leaves nothing behind (no veth, no bridge)", async (_, args, exit, error) => {
    const before = await state();
    const { code, report } = await pipeworkJson(...args);
    expect(code).toBe(exit);
    expect(report["error"]).toMatchObject(error);
    expect(await state()).toEqual(before);
    expect(await hostLinks()).not.toContain("pwbr9");
  });

  it("IPv6 on a bridge that exists: its MTU, the default route; a duplicate address fails part-way and is taken back", async () => {
    // The host's own address on the bridge, to ping from; its namespace may start new interfaces with IPv6 off.
    await sh(
      "ip link add name pwbr1 mtu 1400 type bridge && ip link set dev pwbr1 up && sysctl -qw net.ipv6.conf.pwbr1.disable_ipv6=0 && ip -6 addr add fd00:77::1/64 dev pwbr1 nodad",
    );
    const { code, report } = await pipeworkJson("pwbr1", "-i", "eth2", "pw-a", "fd00:77::2/64@fd00:77::1");
    expect(code, JSON.stringify(report)).toBe(0);
    expect(report).toMatchObject({ changed: true, bridgeCreated: false, interface: "eth2", address: "fd00:77::2/64", gateway: "fd00:77::1", mtu: 1400 });
    expect(await sh(`nsenter -t ${pids.get("pw-a")} -n ip -6 route show default`)).toMatch(/^default via fd00:77::1 dev eth2/);
    expect(await ping("host", "fd00:77::2")).toMatch(/2 packets transmitted, 2 received/);

    const before = await state();
    const duplicate = await pipeworkJson("pwbr1", "-i", "eth2", "pw-b", "fd00:77::2/64");
    expect(duplicate.code).toBe(1);
    expect(duplicate.report["error"]).toMatchObject({
      kind: "step-failed",
      step: "wait until fd00:77::2/64 on eth2 passes duplicate address detection",
      reason: "fd00:77::2/64 is already used on the link: IPv6 duplicate address detection failed on eth2",
      undone: [expect.stringMatching(/^ip link del dev fp[0-9a-f]{12}$/)],
      undoFailures: [],
    });
    expect(await state()).toEqual(before);
  });

  it("the seed's use: a container without a network onto docker0 at an address of its subnet, reached from a container Docker put there", async () => {
    const [docker0] = JSON.parse(await sh("ip -j -4 addr show docker0")) as Link[];
    const gateway = docker0!.addr_info![0]!;
    const address = gateway.local.replace(/\.\d+$/, ".200");
    const { code, report } = await pipeworkJson("docker0", "-i", "eth1", "pw-d", `${address}/${gateway.prefixlen}@${gateway.local}`);
    expect(code, JSON.stringify(report)).toBe(0);
    expect(report).toMatchObject({ changed: true, bridgeCreated: false, address: `${address}/${gateway.prefixlen}`, gateway: gateway.local, mtu: docker0!.mtu });
    expect(await ping("pw-c", address)).toMatch(/2 packets transmitted, 2 packets received/);
  });

  it("--remove undoes it: the default route it replaced comes back, the bridge it made goes; again, nothing to do", async () => {
    const before = await state();
    const added = await pipeworkJson("pwbr2", "pw-c", "203.0.113.2/24@203.0.113.1");
    expect(added.code, JSON.stringify(added.report)).toBe(0);
    expect(added.report["notes"]).toEqual([expect.stringMatching(/^replaces the IPv4 default route via \S+ dev eth0 \(--remove puts it back\)$/)]);
    expect(await sh("docker exec pw-c ip route")).toContain("default via 203.0.113.1 dev eth1");

    const removed = await pipeworkJson("--remove", "pwbr2", "pw-c", "203.0.113.2/24@203.0.113.1");
    expect(removed.code, JSON.stringify(removed.report)).toBe(0);
    expect(removed.report).toMatchObject({ action: "remove", changed: true, interfaceRemoved: true, bridgeRemoved: true });
    expect(await state()).toEqual(before);

    expect(await pipework("--remove", "pwbr2", "pw-c")).toEqual({ code: 0, out: "nothing to do: pw-c has no eth1 from flannel-ts pipework\n", err: "" });
  });

  it("--remove keeps a bridge that is still in use", async () => {
    const removed = await pipeworkJson("--remove", "pwbr0", "pw-b");
    expect(removed.code, JSON.stringify(removed.report)).toBe(0);
    expect(removed.report).toMatchObject({
      changed: true,
      interfaceRemoved: true,
      bridgeRemoved: false,
      notes: [expect.stringMatching(/^keeps the bridge pwbr0: fp[0-9a-f]{12} is on it too$/)],
    });
    expect(await sh("docker exec pw-b ip -o link")).not.toContain("eth1");
  });
});
