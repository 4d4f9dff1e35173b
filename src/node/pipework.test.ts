import { errAsync, okAsync } from "neverthrow";
import { describe, expect, it } from "vitest";
import type { Clock } from "../core/clock.ts";
import type { CommandRunner } from "../core/command-runner.ts";
import { parsePipeworkArgs } from "../pipework/parse-pipework-args.ts";
import { vethNames } from "../pipework/veth-names.ts";
import { type ContainerInspectApi, findPipeworkContainer } from "./pipework-container.ts";
import { pipework } from "./pipework.ts";

const ID = "c1db2501df57a5347766636cecbfcec7a079d2477f03a68fbdda30f59d7e9eee";
const { host: FP, peer: FC } = vethNames(ID, "eth1");
const running = { Id: ID, Name: "/web", State: { Status: "running", Running: true, Restarting: false, Pid: 4242 } };

/** An Engine API that knows one container. */
function engine(inspected: unknown, status?: number): ContainerInspectApi {
  return {
    getContainer: (id) => ({
      inspect:
        () => (status === undefined && (id === "web" || id === ID)
          ? Promise.resolve(inspected)
          : Promise.reject(Object.assign(new Error(`(HTTP code ${status ?? 404}) no such container`), { statusCode: status ?? 404 }))),
    }),
  };
}

describe("findPipeworkContainer", () => {
  it("gives the full ID, the name without its slash, and the PID of a running container", async () => {
    expect((await findPipeworkContainer(engine(running), "web"))._unsafeUnwrap()).toEqual({ id: ID, name: "web", pid: 4242 });
  });

  it.each([
    ["an unknown container", engine(running), "db", { kind: "container-not-found", container: "db", message: "no container db: the engine knows no container by that name or ID" }],
    [
      "a stopped container",
      engine({ ...running, State: { Status: "exited", Running: false, Pid: 0 } }),
      "web",
      {
        kind: "container-not-running",
        container: "web",
        status: "exited",
        message: "container web is not running (exited): only a running container has a network namespace to add an interface to",
      },
    ],
    [
      "a restarting container",
      engine({ ...running, State: { Status: "restarting", Running: true, Restarting: true, Pid: 0 } }),
      "web",
      {
        kind: "container-not-running",
        container: "web",
        status: "restarting",
        message: "container web is not running (restarting): only a running container has a network namespace to add an interface to",
      },
    ],
    ["an engine that fails", engine(running, 500), "web", { kind: "engine", message: "cannot inspect container web: (HTTP code 500) no such container" }],
  ])("refuses %s", async (_, api, name, error) => {
    expect((await findPipeworkContainer(api, name))._unsafeUnwrapErr()).toEqual(error);
  });
});

const lo = { ifindex: 1, ifname: "lo", flags: ["LOOPBACK", "UP"], mtu: 65536, link_type: "loopback", addr_info: [{ family: "inet", local: "127.0.0.1", prefixlen: 8 }] };
const bridge = {
  ifindex: 5,
  ifname: "br-test",
  flags: ["BROADCAST", "UP"],
  mtu: 1500,
  link_type: "ether",
  address: "6a:1e:97:ff:4c:ad",
  linkinfo: { info_kind: "bridge" },
  ifalias: "flannel-ts pipework",
  addr_info: [],
};
const hostEnd = {
  ifindex: 40,
  link_index: 41,
  ifname: FP,
  flags: ["BROADCAST", "UP"],
  mtu: 1500,
  master: "br-test",
  link_type: "ether",
  address: "6a:1e:97:ff:4c:ad",
  linkinfo: { info_kind: "veth" },
  addr_info: [],
};
const eth1 = (addr: Record<string, unknown>) => ({
  ifindex: 41,
  link_index: 40,
  ifname: "eth1",
  flags: ["BROADCAST", "UP", "LOWER_UP"],
  mtu: 1500,
  link_type: "ether",
  address: "76:88:b3:8c:b8:6c",
  linkinfo: { info_kind: "veth" },
  addr_info: [addr],
});

interface World {
  host: unknown[];
  container: unknown[];
  v4: unknown[];
  v6: unknown[];
}

/**
 * A runner over a pretend host: observations print `before` until the first
 * step has run, `after` from then on; steps matching `failing` fail; `dad`
 * gives the answers to the DAD polls in turn.
 */
function fakeHost(before: World, after: World, more: { failing?: RegExp; dad?: unknown[][] } = {}) {
  const steps: string[] = [];
  const dad = [...(more.dad ?? [])];
  const run: CommandRunner = (command, args) => {
    const line = [command, ...args].join(" ");
    const world = steps.length === 0 ? before : after;
    const json = (v: unknown) => okAsync({ code: 0, stdout: JSON.stringify(v), stderr: "" });
    if (line === "ip -d -j addr show") return json(world.host);
    if (line === "nsenter -t 4242 -n ip -d -j addr show") return json(world.container);
    if (line === "nsenter -t 4242 -n ip -j -4 route show default") return json(world.v4);
    if (line === "nsenter -t 4242 -n ip -j -6 route show default") return json(world.v6);
    if (line === "nsenter -t 4242 -n ip -j -6 addr show dev eth1") return json(dad.shift() ?? []);
    steps.push(line);
    if (more.failing?.test(line) === true) return okAsync({ code: 2, stdout: "", stderr: "RTNETLINK answers: File exists\n" });
    return okAsync({ code: 0, stdout: "", stderr: "" });
  };
  return { run, steps };
}

/** A clock whose timers fire at once, moving time forward. */
function hurriedClock(): Clock {
  let t = 0;
  return {
    now: () => t,
    setTimer: (ms, callback) => {
      t += ms;
      queueMicrotask(callback);
      return { cancel: () => undefined };
    },
  };
}

const empty: World = { host: [], container: [lo], v4: [], v6: [] };
const done4: World = {
  host: [bridge, hostEnd],
  container: [lo, eth1({ family: "inet", local: "10.9.0.2", prefixlen: 24 })],
  v4: [{ dst: "default", gateway: "10.9.0.1", dev: "eth1" }],
  v6: [],
};
const request = (...argv: string[]) => parsePipeworkArgs(argv)._unsafeUnwrap();

describe("pipework", () => {
  it("adds: runs the plan, checks the result, reports the interface as it is now", async () => {
    const host = fakeHost(empty, done4);
    const seen: string[] = [];
    const report = (await pipework(request("br-test", "web", "10.9.0.2/24@10.9.0.1"), { engine: engine(running), run: host.run, onStep: (s) => seen.push(s) }))._unsafeUnwrap();
    expect(host.steps).toEqual([
      "ip link add name br-test type bridge",
      "ip link set dev br-test alias flannel-ts pipework up",
      `ip link add name ${FP} mtu 1500 type veth peer name ${FC} mtu 1500`,
      `ip link set dev ${FP} master br-test up`,
      `ip link set dev ${FC} netns 4242`,
      `nsenter -t 4242 -n ip link set dev ${FC} name eth1`,
      "nsenter -t 4242 -n ip link set dev eth1 alias flannel-ts pipework",
      "nsenter -t 4242 -n ip addr add 10.9.0.2/24 brd + dev eth1",
      "nsenter -t 4242 -n ip link set dev eth1 up",
      "nsenter -t 4242 -n ip -4 route add default via 10.9.0.1 dev eth1",
    ]);
    expect(seen).toEqual(report.steps);
    expect(report).toMatchObject({ action: "add", changed: true, bridgeCreated: true, address: "10.9.0.2/24", gateway: "10.9.0.1", mac: "76:88:b3:8c:b8:6c", mtu: 1500 });
  });

  it("does nothing the second time", async () => {
    const host = fakeHost(done4, done4);
    const report = (await pipework(request("br-test", "web", "10.9.0.2/24@10.9.0.1"), { engine: engine(running), run: host.run }))._unsafeUnwrap();
    expect(host.steps).toEqual([]);
    expect(report).toMatchObject({ changed: false, bridgeCreated: false, steps: [], address: "10.9.0.2/24", gateway: "10.9.0.1" });
  });

  it("runs nothing for an unknown container, or when the plan fails", async () => {
    const host = fakeHost(empty, done4);
    expect((await pipework(request("br-test", "db", "10.9.0.2/24"), { engine: engine(running), run: host.run }))._unsafeUnwrapErr().kind).toBe("container-not-found");
    const taken: World = { ...empty, container: [lo, { ...eth1({ family: "inet", local: "10.9.0.2", prefixlen: 16 }), ifname: "eth0", link_index: 99 }] };
    const error = (await pipework(request("br-test", "web", "10.9.0.2/24"), { engine: engine(running), run: fakeHost(taken, taken).run }))._unsafeUnwrapErr();
    expect(error).toEqual({ kind: "address-in-use", address: "10.9.0.2", interface: "eth0", message: "container web already has 10.9.0.2 (as 10.9.0.2/16 on eth0)" });
    expect(host.steps).toEqual([]);
  });

  it("takes back what it did when a step fails", async () => {
    const host = fakeHost(empty, done4, { failing: /netns/ });
    const error = (await pipework(request("br-test", "web", "10.9.0.2/24"), { engine: engine(running), run: host.run }))._unsafeUnwrapErr();
    expect(host.steps.slice(-3)).toEqual([`ip link set dev ${FC} netns 4242`, `ip link del dev ${FP}`, "ip link del dev br-test"]);
    expect(error.message).toBe(`ip link set dev ${FC} netns 4242 exited 2: RTNETLINK answers: File exists; what was done is undone`);
  });

  it("takes everything back when the result is not what was planned", async () => {
    const host = fakeHost(empty, empty);
    const error = (await pipework(request("br-test", "web", "10.9.0.2/24"), { engine: engine(running), run: host.run }))._unsafeUnwrapErr();
    expect(error.kind).toBe("not-settled");
    expect(error.message).toMatch(/^the steps ran, but the result is not what was asked \(still to do: ip link add name br-test type bridge; .*\); they were taken back$/);
    expect(host.steps.slice(-2)).toEqual([`ip link del dev ${FP}`, "ip link del dev br-test"]);
  });

  describe("IPv6", () => {
    const v6 = (state: Record<string, boolean>) => [eth1({ family: "inet6", local: "fd00:9::2", prefixlen: 64, ...state })];
    const done6: World = { host: [bridge, hostEnd], container: [lo, ...v6({})], v4: [], v6: [] };

    it("turns IPv6 on for the interface and waits while the address is tentative", async () => {
      const host = fakeHost(empty, done6, { dad: [v6({ tentative: true }), v6({ tentative: true }), v6({})] });
      const report = (await pipework(request("br-test", "web", "fd00:9::2/64"), { engine: engine(running), run: host.run, clock: hurriedClock() }))._unsafeUnwrap();
      expect(host.steps).toContain(`nsenter -t 4242 -n sh -c echo 0 > /proc/sys/net/ipv6/conf/"$1"/disable_ipv6 sh eth1`);
      expect(report.steps.at(-1)).toBe("wait until fd00:9::2/64 on eth1 passes duplicate address detection");
    });

    it("fails and takes back when another holder of the address answers, or when DAD does not finish in time", async () => {
      const duplicate = fakeHost(empty, done6, { dad: [v6({ tentative: true }), v6({ tentative: true, dadfailed: true })] });
      const error = (await pipework(request("br-test", "web", "fd00:9::2/64"), { engine: engine(running), run: duplicate.run, clock: hurriedClock() }))._unsafeUnwrapErr();
      expect(error.message).toBe("fd00:9::2/64 is already used on the link: IPv6 duplicate address detection failed on eth1; what was done is undone");
      expect(duplicate.steps.slice(-2)).toEqual([`ip link del dev ${FP}`, "ip link del dev br-test"]);

      const slow = fakeHost(empty, done6, { dad: Array.from({ length: 100 }, () => v6({ tentative: true })) });
      const late = (await pipework(request("br-test", "web", "fd00:9::2/64"), { engine: engine(running), run: slow.run, clock: hurriedClock(), dadTimeoutMs: 1000 }))
        ._unsafeUnwrapErr();
      expect(late.message).toBe("fd00:9::2/64 on eth1 is still tentative after 1000 ms (is the bridge up and forwarding?); what was done is undone");
    });
  });

  it("a runner that cannot start a program fails the step with its message", async () => {
    const run: CommandRunner = (
      command,
      args,
    ) => (command === "ip" && args[0] === "link"
      ? errAsync({ kind: "command-start", command, message: "cannot run ip: spawn ip ENOENT" })
      : fakeHost(empty, done4).run(command, args));
    const error = (await pipework(request("br-test", "web", "10.9.0.2/24"), { engine: engine(running), run }))._unsafeUnwrapErr();
    expect(error.message).toBe("cannot run ip: spawn ip ENOENT; nothing needed undoing");
  });
});
