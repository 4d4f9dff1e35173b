// The Docker half of the test kit against a real engine: a Docker-in-Docker
// host takes its daemon.json (bip, mtu), runs inner busybox containers
// without a registry, restarts dockerd after a change, runs a long-lived
// process; several hosts and etcd share one network; teardown leaves nothing.
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { type DockerHost, innerBusyboxImage, inspectContainerNetwork, inspectHostNetwork, startDockerHost, startDockerHosts } from "../../src/testing/index.ts";

const ours = { label: [`org.flannel-ts.testing.pid=${process.pid}`] };
const kitContainers = async (): Promise<string[]> => (await new Docker().listContainers({ all: true, filters: ours })).map((c) => c.Id);

describe("startDockerHost", () => {
  let host: DockerHost;
  beforeAll(async () => {
    host = await startDockerHost({ daemonJson: JSON.stringify({ bip: "10.5.52.1/24", mtu: 1472 }, null, 2) });
  });
  afterAll(() => host?.stop());

  it("runs dockerd with the daemon.json: docker0 on the bip, the bridge network with the mtu", async () => {
    const view = await inspectHostNetwork(host);
    const docker0 = view.interfaces.find((i) => i.name === "docker0");
    expect(docker0?.addresses.map((a) => a.cidr)).toEqual(["10.5.52.1/24"]);
    expect(view.routes).toContainEqual(expect.objectContaining({ destination: "10.5.52.0/24", dev: "docker0" }));
    const bridge = await host.exec(["docker", "network", "inspect", "bridge", "--format", '{{json .IPAM.Config}} {{index .Options "com.docker.network.driver.mtu"}}']);
    expect(bridge).toMatchObject({ exitCode: 0, stdout: '[{"Subnet":"10.5.52.0/24","Gateway":"10.5.52.1"}] 1472\n' });
    expect(await host.readFile("/etc/docker/daemon.json")).toBe('{\n  "bip": "10.5.52.1/24",\n  "mtu": 1472\n}');
  });

  it("runs an inner busybox container on docker0's subnet, and shows every network mode", async () => {
    const run = await host.exec(["docker", "run", "-d", "--name", "c1", innerBusyboxImage, "sleep", "600"]);
    expect(run.exitCode, run.stderr).toBe(0);
    const bridged = await inspectContainerNetwork(host, "c1");
    expect(bridged.networkMode).toMatch(/^(bridge|default)$/);
    const eth0 = bridged.interfaces.find((i) => i.name === "eth0");
    expect(eth0?.mtu).toBe(1472);
    expect(eth0?.addresses.map((a) => a.cidr)).toEqual([expect.stringMatching(/^10\.5\.52\.\d+\/24$/)]);
    expect(bridged.dockerNetworks.bridge).toMatchObject({ gateway: "10.5.52.1", prefixLength: 24, ipAddress: eth0?.addresses[0]?.address });
    expect(bridged.routes).toContainEqual(expect.objectContaining({ destination: "default", via: "10.5.52.1" }));

    await host.exec(["docker", "run", "-d", "--name", "none1", "--network", "none", innerBusyboxImage, "sleep", "600"]);
    const none = await inspectContainerNetwork(host, "none1");
    expect(none.networkMode).toBe("none");
    expect(none.interfaces.map((i) => i.name)).toEqual(["lo"]);

    await host.exec(["docker", "run", "-d", "--name", "host1", "--network", "host", innerBusyboxImage, "sleep", "600"]);
    const hostMode = await inspectContainerNetwork(host, "host1");
    expect(hostMode.networkMode).toBe("host");
    expect(hostMode.interfaces.map((i) => i.name)).toEqual((await inspectHostNetwork(host)).interfaces.map((i) => i.name));

    await host.exec(["docker", "run", "-d", "--name", "joined", "--network", "container:c1", innerBusyboxImage, "sleep", "600"]);
    const joined = await inspectContainerNetwork(host, "joined");
    expect(joined.networkMode).toBe(`container:${bridged.id}`);
    expect(joined.interfaces).toEqual(bridged.interfaces);
    // busybox's sleep ignores SIGTERM as PID 1: without this, dockerd's next stop waits 10 s per container.
    expect((await host.exec(["docker", "rm", "-f", "c1", "none1", "host1", "joined"])).exitCode).toBe(0);
  });

  it("restartDockerd() applies a changed daemon.json; a broken one is reported with dockerd's log", async () => {
    await host.writeFile("/etc/docker/daemon.json", '{"bip":"10.5.53.1/24","mtu":1472}\n');
    await host.restartDockerd();
    const docker0 = (await inspectHostNetwork(host)).interfaces.find((i) => i.name === "docker0");
    expect(docker0?.addresses.map((a) => a.cidr)).toEqual(["10.5.53.1/24"]);

    await host.writeFile("/etc/docker/daemon.json", '{"bip":"10.5.53.1/24","mtu":"1472"}\n');
    await expect(host.restartDockerd()).rejects.toThrow(/dockerd exited[\s\S]*mtu/);
    await host.writeFile("/etc/docker/daemon.json", '{"bip":"10.5.53.1/24","mtu":1472}\n');
    await host.restartDockerd();
    expect((await host.exec(["docker", "image", "inspect", innerBusyboxImage])).exitCode).toBe(0);
  });

  it("spawn() runs a long-lived process, captures its output and signals it", async () => {
    const proc = await host.spawn(["sh", "-c", "echo starting; echo oops >&2; trap 'echo got TERM; exit 3' TERM; while :; do sleep 0.1; done"]);
    await proc.waitForOutput("starting");
    await proc.waitForOutput(/oops/);
    await proc.kill("TERM");
    expect(await proc.exited).toBe(3);
    expect(proc.stdout).toBe("starting\ngot TERM\n");
    expect(proc.stderr).toBe("oops\n");
    await expect(proc.waitForOutput("never", 1000)).rejects.toThrow(/ended without printing/);
  });
});

describe("startDockerHosts", () => {
  it("puts etcd and two hosts on one network, and stop() removes them all", async () => {
    const env = await startDockerHosts({ count: 2, etcd: true });
    onTestFinished(() => env.stop());
    expect(env.hosts.map((h) => h.name)).toEqual(["host-1", "host-2"]);
    expect(env.etcd?.networkEndpoints).toEqual(["http://etcd:2379"]);
    const [h1, h2] = env.hosts as [DockerHost, DockerHost];
    expect(h1.ipAddress).not.toBe(h2.ipAddress);

    const ping = await h1.exec(["ping", "-c", "1", "-W", "2", "host-2"]);
    expect(ping.stdout).toContain(`(${h2.ipAddress}): icmp_seq=1`);
    const version = await h2.exec(["busybox", "wget", "-q", "-O", "-", "http://etcd:2379/version"]);
    expect(version.stdout).toMatch(/"etcdserver":"3\./);
    expect(await env.each(async (h) => (await h.exec(["docker", "image", "inspect", "-f", "ok", innerBusyboxImage])).stdout)).toEqual(["ok\n", "ok\n"]);

    const networkId = env.network.getId();
    await env.stop();
    await env.stop();
    expect(await kitContainers()).toEqual([]);
    await expect(new Docker().getNetwork(networkId).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });
});

afterAll(async () => {
  // Nothing the kit started from this process may outlive it.
  expect(await kitContainers()).toEqual([]);
});
