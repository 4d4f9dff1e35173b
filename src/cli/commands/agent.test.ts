import command, { type AgentCommandDeps, defaultAgentCommandDeps, runAgentCommand } from "./agent.ts";
import { EventEmitter } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { errAsync, ok, okAsync } from "neverthrow";
import { afterEach, describe, expect, it } from "vitest";
import type { UdpEngineSpec } from "../../backend/udp/udp-backend.ts";
import { MemoryRegistry } from "../../etcd/memory-registry.ts";
import { parseIp4, parseIp6 } from "../../subnet/ip.ts";
import type { CliIo } from "../io.ts";

function capture(env: Record<string, string> = {}): CliIo & { readonly stdout: () => string; readonly stderr: () => string } {
  let out = "";
  let errText = "";
  return { out: (t) => (out += t), err: (t) => (errText += t), env, stdout: () => out, stderr: () => errText };
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function fixture(config?: string) {
  const dir = mkdtempSync(join(tmpdir(), "flannel-ts-agent-"));
  dirs.push(dir);
  const registry = new MemoryRegistry({ prefix: "/atomic.io/network" });
  if (config !== undefined) void registry.putConfig(config);
  const signals = new EventEmitter();
  const opened: UdpEngineSpec[] = [];
  const firewall: string[] = [];
  // The command closes its registry at exit; this one stays open for the test to read.
  const kept = new Proxy(registry, {
    get(target, property) {
      if (property === "close") return () => Promise.resolve();
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  const deps: AgentCommandDeps = {
    openRegistry: () => okAsync(kept),
    signals: signals,
    agentOptions: {
      interfaces: [{ name: "eth0", mtu: 1500, addresses: [parseIp4("192.0.2.1")._unsafeUnwrap()] }],
      defaultRouteInterface: "eth0",
      openUdpEngine: (spec) => {
        opened.push(spec);
        return okAsync({ setRoute: () => undefined, deleteRoute: () => undefined, close: () => Promise.resolve() });
      },
      firewall: {
        ensure: (rules) => {
          firewall.push(`ensure ${rules.length}`);
          return okAsync(undefined);
        },
        remove: (rules) => {
          firewall.push(`remove ${rules.length}`);
          return okAsync(undefined);
        },
      },
    },
  };
  return { dir, registry, signals, opened, firewall, deps };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const waitFor = async (check: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error("condition not met in 2 s");
};

describe("flannel-ts agent", () => {
  it("--help lists the flags (through the CLI's usage)", () => {
    expect(command.usage).toContain("Usage: flannel-ts agent [flags]");
    expect(command.usage).toContain("--etcd-endpoints string");
  });

  it("exits 2 on a bad flag, without touching the registry", async () => {
    const io = capture();
    const f = fixture();
    expect(await runAgentCommand(["--ip-masq=maybe"], io, f.deps)).toBe(2);
    expect(io.stderr()).toBe('flannel-ts agent: --ip-masq: "maybe" is not a boolean (use true or false)\n');
  });

  it("exits 2 on an etcd endpoint that is not a URL (the shared etcd flags' check)", async () => {
    const io = capture();
    expect(await runAgentCommand(["--etcd-endpoints", "etcd:2379"], io, defaultAgentCommandDeps)).toBe(2);
    expect(io.stderr()).toBe(
      'flannel-ts agent: --etcd-endpoints: "etcd:2379" has an endpoint without http:// or https:// in front; give comma-separated URLs such as http://127.0.0.1:2379\n',
    );
  });

  it("exits 2 on an unusable restart command", async () => {
    const io = capture();
    const f = fixture();
    expect(await runAgentCommand(["--docker-config", "--docker-restart-command", " "], io, f.deps)).toBe(2);
    expect(io.stderr()).toBe('flannel-ts agent: --docker-restart-command: " " is empty: give the command that restarts dockerd, e.g. "systemctl restart docker"\n');
  });

  it("runs the Docker step with the lease and exits 1 when it refuses", async () => {
    const io = capture();
    const f = fixture('{"Network":"172.20.0.0/16"}');
    const asked: string[] = [];
    const deps: AgentCommandDeps = {
      ...f.deps,
      dockerStep: (flags) => {
        asked.push(`${flags.dockerConfig} ${flags.dockerRestartCommand}`);
        return ok(() => errAsync({ kind: "docker-config-refused", message: "/etc/docker/daemon.json not changed: hosts is set both as a flag and in the file" }));
      },
    };
    expect(await runAgentCommand(["--docker-config", "--subnet-file", join(f.dir, "subnet.env")], io, deps)).toBe(1);
    expect(asked).toEqual(["/etc/docker/daemon.json systemctl restart docker"]);
    expect(io.stderr().split("\n").slice(-2)).toEqual(["flannel-ts agent: /etc/docker/daemon.json not changed: hosts is set both as a flag and in the file", ""]);
    // What was set up is undone: the rules were removed again.
    expect(f.firewall).toEqual(["ensure 3", "remove 3"]);
  });

  it("runs until SIGTERM, writes subnet.env, stops cleanly and exits 0", async () => {
    const io = capture({ FLANNELD_IP_MASQ: "true" });
    const f = fixture('{"Network":"172.20.0.0/16"}');
    const subnetFile = join(f.dir, "run", "subnet.env");
    const exit = runAgentCommand(["--subnet-file", subnetFile, "--tun-name", "flannel9"], io, f.deps);
    await waitFor(() => io.stderr().includes("running: subnet"));
    const text = readFileSync(subnetFile, "utf8");
    expect(text).toMatch(/^FLANNEL_NETWORK=172\.20\.0\.0\/16\nFLANNEL_SUBNET=172\.20\.\d+\.1\/24\nFLANNEL_MTU=1472\nFLANNEL_IPMASQ=true\n$/);
    expect(f.opened.map((s) => [s.device, s.mtu, s.port])).toEqual([["flannel9", 1472, 8285]]);
    f.signals.emit("SIGTERM");
    expect(await exit).toBe(0);
    expect(f.firewall).toEqual(["ensure 10", "remove 10"]);
    const lines = io.stderr().trimEnd().split("\n");
    expect(lines.every((l) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (INFO|WARN|ERROR) /.test(l))).toBe(true);
    expect(lines.slice(-5).map((l) => l.replace(/^\S+ /, ""))).toEqual([
      "INFO stopping: SIGTERM",
      expect.stringMatching(/^INFO lease kept: subnet 172\.20\.\d+\.0\/24 stays leased/),
      "INFO iptables rules removed: 10 rules",
      "INFO UDP engine stopped: flannel9 removed",
      "INFO stopped cleanly",
    ]);
    expect(f.signals.listenerCount("SIGTERM")).toBe(0);
    // The lease is still in the store.
    expect((await f.registry.listLeases())._unsafeUnwrap().leases).toHaveLength(1);
  });

  it("asks for the subnet of the previous subnet.env, and --release gives it back", async () => {
    const io = capture();
    const f = fixture('{"Network":"172.20.0.0/16"}');
    const subnetFile = join(f.dir, "subnet.env");
    writeFileSync(subnetFile, "FLANNEL_NETWORK=172.20.0.0/16\nFLANNEL_SUBNET=172.20.77.1/24\nFLANNEL_MTU=1472\nFLANNEL_IPMASQ=false\n");
    const exit = runAgentCommand(["--subnet-file", subnetFile, "--release"], io, f.deps);
    await waitFor(() => io.stderr().includes("running: subnet"));
    expect(io.stderr()).toContain(`${subnetFile} names subnet 172.20.77.0/24: asking for it again`);
    expect(io.stderr()).toContain("running: subnet 172.20.77.0/24");
    f.signals.emit("SIGINT");
    expect(await exit).toBe(0);
    expect(io.stderr()).toContain("lease released: subnet 172.20.77.0/24 deleted from the store");
    expect((await f.registry.listLeases())._unsafeUnwrap().leases).toHaveLength(0);
  });

  it("waits for the config and exits 0 when stopped meanwhile, as flanneld does", async () => {
    const io = capture();
    const f = fixture();
    const exit = runAgentCommand(["--subnet-file", join(f.dir, "subnet.env")], io, f.deps);
    await waitFor(() => io.stderr().includes("couldn't fetch network config"));
    f.signals.emit("SIGTERM");
    expect(await exit).toBe(0);
    expect(f.opened).toEqual([]);
  });

  it("serves /healthz like flanneld: 503 while waiting for the config, 200 once running", async () => {
    const io = capture();
    const f = fixture();
    const port = await freePort();
    const exit = runAgentCommand(["--healthz-ip", "127.0.0.1", "--healthz-port", String(port), "--subnet-file", join(f.dir, "subnet.env")], io, f.deps);
    await waitFor(() => io.stderr().includes("couldn't fetch network config"));
    const waiting = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect([waiting.status, await waiting.text()]).toEqual([503, "not healthy: starting: waiting for the network config and the lease"]);
    (await f.registry.putConfig('{"Network":"172.20.0.0/16"}'))._unsafeUnwrap();
    await waitFor(() => io.stderr().includes("running: subnet"));
    const running = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect([running.status, await running.text()]).toEqual([200, "flanneld is running"]);
    f.signals.emit("SIGTERM");
    expect(await exit).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });

  it.each([
    [
      ["--iptables-resync", "99999999999"],
      {},
      '--iptables-resync: "99999999999" is out of range: give seconds from 1 to 2147483 (a timer holds at most 2^31-1 ms, about 24.8 days)',
    ],
    [["--iptables-resync", "2147484"], {}, '--iptables-resync: "2147484" is out of range: give seconds from 1 to 2147483 (a timer holds at most 2^31-1 ms, about 24.8 days)'],
    [[], { FLANNELD_PUBLIC_IP: "0.0.0.0" }, 'FLANNELD_PUBLIC_IP (for --public-ip): "0.0.0.0" is not a unicast address (0.0.0.0 means any address)'],
    [["--iface-regex", "(eth"], {}, '--iface-regex: "(eth" is not a regular expression (Unterminated group)'],
    [["--healthz-ip", "localhost"], {}, '--healthz-ip: "localhost" is not an IP address (expected 4 dot-separated octets, found 1)'],
    [["--etcd-password", "s3cr\u0000t", "--etcd-prefix", "nope"], {}, '--etcd-prefix: "nope" does not start with /; give a key prefix such as /coreos.com/network'],
  ])("refuses %j %j with exit 2 before it opens anything", async (argv, env, message) => {
    const io = capture(env);
    const f = fixture();
    let opened = false;
    expect(await runAgentCommand(argv, io, { ...f.deps, openRegistry: (flags) => ((opened = true), f.deps.openRegistry(flags)) })).toBe(2);
    expect(io.stderr()).toBe(`flannel-ts agent: ${message}\n`);
    expect(opened).toBe(false);
  });

  it("--json logs JSON lines and stops cleanly", async () => {
    const io = capture();
    const f = fixture('{"Network":"172.20.0.0/16"}');
    const exit = runAgentCommand(["--json", "--subnet-file", join(f.dir, "subnet.env")], io, f.deps);
    await waitFor(() => io.stderr().includes("running: subnet"));
    f.signals.emit("SIGTERM");
    expect(await exit).toBe(0);
    const lines = io.stderr().trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.every((l) => typeof l["time"] === "string" && ["info", "warning", "error"].includes(String(l["level"])) && typeof l["event"] === "string")).toBe(true);
    expect(lines.at(-1)).toMatchObject({ level: "info", event: "stopped", message: "stopped cleanly" });
  });

  it("exits 1 when the interface asked for does not exist", async () => {
    const io = capture();
    const f = fixture('{"Network":"172.20.0.0/16"}');
    expect(await runAgentCommand(["--iface", "eth7", "--subnet-file", join(f.dir, "subnet.env")], io, f.deps)).toBe(1);
    expect(io.stderr()).toBe('flannel-ts agent: no interface matches --iface ["eth7"] or --iface-regex []; interfaces: eth0\n');
  });

  it.each([
    ["--public-ipv6", ["--public-ipv6", "2001:db8::5"], {}, "2001:db8::5"],
    ["FLANNELD_PUBLIC_IPV6", [], { FLANNELD_PUBLIC_IPV6: "2001:db8::6" }, "2001:db8::6"],
    ["neither: the interface's own", [], {}, "2001:db8::1"],
  ])("takes the public IPv6 address from %s", async (_name, argv, env, expected) => {
    const io = capture(env);
    const f = fixture('{"Network":"172.20.0.0/16","EnableIPv6":true,"IPv6Network":"fd00:20::/56"}');
    const deps: AgentCommandDeps = {
      ...f.deps,
      agentOptions: {
        ...f.deps.agentOptions,
        interfaces: [{ name: "eth0", mtu: 1500, addresses: [parseIp4("192.0.2.1")._unsafeUnwrap(), parseIp6("2001:db8::1")._unsafeUnwrap()] }],
      },
    };
    // The UDP backend refuses a dual-stack network, after the external interface is chosen and logged.
    expect(await runAgentCommand([...argv, "--subnet-file", join(f.dir, "subnet.env")], io, deps)).toBe(1);
    expect(io.stderr()).toMatch(new RegExp(`as external interface; PublicIP 192\\.0\\.2\\.1, PublicIPv6 ${expected.replaceAll(".", "\\.")}\n`));
  });
});
