// What the backend benchmarks share: an etcd in a container, two hosts as
// network namespaces (`fl-vx-a-*`, `fl-vx-b-*`) on a TEST-NET veth pair,
// the real `flannel-ts agent` CLI running inside a host's namespace (its
// rtnetlink socket and iptables rules are the namespace's own), and a relay
// that lets it reach etcd: a Unix socket in this process forwards to
// etcd's mapped port, and a small process inside the namespace listens on
// 127.0.0.1:2379 and forwards to that socket (Unix sockets are not bound to
// a network namespace).
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createConnection, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import koffi from "koffi";
import { openRtnetlink } from "../../src/node/index.ts";
import type { Rtnetlink } from "../../src/netlink/index.ts";
import { type EtcdNode, startEtcd } from "../../src/testing/index.ts";
import { createUnderlay, type Started, type Underlay } from "../../test/helpers/netns.ts";

export const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

const CLONE_NEWNET = 0x40000000;
const setns = koffi.load("libc.so.6").func("int setns(int fd, int nstype)") as (fd: number, nstype: number) => number;

/** An rtnetlink socket inside the namespace `ns` (this thread goes there for the socket call and comes back). */
export function rtnetlinkIn(ns: string): Rtnetlink {
  const home = openSync("/proc/thread-self/ns/net", "r");
  const target = openSync(`/run/netns/${ns}`, "r");
  try {
    if (setns(target, CLONE_NEWNET) !== 0) throw new Error(`setns into ${ns}: errno ${koffi.errno()}`);
    const opened = openRtnetlink();
    if (setns(home, CLONE_NEWNET) !== 0) throw new Error(`setns back from ${ns}: errno ${koffi.errno()}`);
    if (opened.isErr()) throw new Error(opened.error.message);
    return opened.value;
  } finally {
    closeSync(home);
    closeSync(target);
  }
}

// The namespace side of the relay, run with `node -e`; the socket path comes in FL_VX_RELAY.
const NAMESPACE_RELAY = `
const net = require("node:net");
net.createServer((c) => {
  const u = net.connect(process.env.FL_VX_RELAY);
  c.pipe(u).pipe(c);
  c.on("error", () => u.destroy());
  u.on("error", () => c.destroy());
}).listen(2379, "127.0.0.1", () => console.log("relay listening"));
`;

export interface Site {
  readonly etcd: EtcdNode;
  readonly underlay: Underlay;
  readonly dir: string;
  /** etcd's client URL from this process (the mapped port). */
  readonly endpoint: string;
  /** Starts `flannel-ts agent` in a host's namespace; resolves with its subnet once it runs. */
  startAgent(ns: string, veth: string, prefix: string, name: string): Promise<{ readonly process: Started; readonly subnet: string }>;
  destroy(): Promise<void>;
}

/** etcd, two namespaces, and the relay into both. */
export async function openSite(): Promise<Site> {
  const dir = mkdtempSync(join(tmpdir(), "fl-vx-bench-"));
  const etcd = await startEtcd({ name: "fl-vx-bench-etcd" });
  const endpoint = etcd.endpoints[0]!;
  const port = Number(new URL(endpoint).port);
  const socketPath = join(dir, "etcd.sock");
  const relay: Server = createServer((c) => {
    const u = createConnection(port, "127.0.0.1");
    c.pipe(u).pipe(c);
    c.on("error", () => u.destroy());
    u.on("error", () => c.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(socketPath, resolve));
  const underlay = await createUnderlay("fl-vx");
  for (const ns of [underlay.a, underlay.b]) {
    const inner = underlay.start(ns, "env", [`FL_VX_RELAY=${socketPath}`, process.execPath, "-e", NAMESPACE_RELAY]);
    await inner.waitFor(/relay listening/);
  }
  return {
    etcd,
    underlay,
    dir,
    endpoint,
    startAgent: async (ns, veth, prefix, name) => {
      const subnetFile = join(dir, `${name}.env`);
      const agent = underlay.start(ns, process.execPath, [
        CLI,
        "agent",
        "--etcd-endpoints",
        "http://127.0.0.1:2379",
        "--etcd-prefix",
        prefix,
        "--iface",
        veth,
        "--subnet-file",
        subnetFile,
      ]);
      const running = await agent.waitFor(/running: subnet (\S+)/, 30_000);
      return { process: agent, subnet: running[1]! };
    },
    destroy: async () => {
      await underlay.destroy();
      await new Promise<void>((resolve) => relay.close(() => resolve()));
      await etcd.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of the line; 12 and 13 after the name.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Resident and peak resident memory of a process, in MiB. */
export function memoryMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { rss: kib("VmRSS") / 1024, peak: kib("VmHWM") / 1024 };
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
