// 1,000 peer leases written to etcd in a burst, and the time until an
// agent has every one's route, neighbour and FDB entry in the kernel,
// against the time the writes took; then the agent's CPU and memory with
// those 1,000 peers. One host (a namespace) runs `flannel-ts agent` on the
// vxlan backend; the leases are written as flanneld writes them, through
// etcd's JSON gateway (`POST /v3/kv/txn`, 125 puts per transaction, under
// etcd's default limit of 128 operations), one transaction after another.
// The kernel's tables are read from this process through an rtnetlink
// socket in the host's namespace, every 20 ms. Each round deletes the
// leases again (125 deletes per transaction) and times their removal too.
// Needs root, iproute2 and `npm run build`.
//
//   npx tsx bench/backends/burst.ts [--rounds 3] [--peers 1000] [--idle 30]
import { parseArgs } from "node:util";
import { type LinkInfo, RT_TABLE, type Rtnetlink } from "../../src/netlink/index.ts";
import { cpuSeconds, median, memoryMiB, openSite, rtnetlinkIn, sleep } from "./_site.ts";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "3" }, peers: { type: "string", default: "1000" }, idle: { type: "string", default: "30" } } });
const rounds = Number(values.rounds);
const peers = Number(values.peers);
const idleSeconds = Number(values.idle);
const PER_TXN = 125;
const prefix = "/fl-vx-bench-burst/network";

const b64 = (text: string): string => Buffer.from(text).toString("base64");
const hex = (n: number, width: number): string => n.toString(16).padStart(width, "0");

/** The i-th peer: a /24 of 10.0.0.0/8 from 10.1.0.0 on, a VtepMAC, a PublicIP in 198.18.0.0/15 (never sent to). */
function lease(i: number): { key: string; value: string } {
  const subnet = `10.${1 + (i >> 8)}.${i & 255}.0`;
  return {
    key: `${prefix}/subnets/${subnet}-24`,
    value: `{"PublicIP":"198.18.${i >> 8}.${i & 255}","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"0a:58:00:00:${hex(i >> 8, 2)}:${
      hex(i & 255, 2)
    }"}}`,
  };
}

async function post(endpoint: string, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${endpoint}${path}`, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}: ${await response.text()}`);
  await response.arrayBuffer();
}

/** Routes, neighbours and FDB entries to peers on the device. */
async function counts(rtnl: Rtnetlink, device: LinkInfo): Promise<{ routes: number; neighbours: number; fdb: number }> {
  const routes = (await rtnl.routes({ family: 4, table: RT_TABLE.MAIN, oif: device }))._unsafeUnwrap().filter((r) => r.gateway !== undefined).length;
  const neighbours = (await rtnl.neighbours({ family: 4, link: device }))._unsafeUnwrap().length;
  const fdb = (await rtnl.fdb({ link: device }))._unsafeUnwrap().filter((e) => e.dst !== undefined).length;
  return { routes, neighbours, fdb };
}

async function until(rtnl: Rtnetlink, device: LinkInfo, done: (c: { routes: number; neighbours: number; fdb: number }) => boolean, t0: number): Promise<number> {
  for (;;) {
    const c = await counts(rtnl, device);
    if (done(c)) return performance.now() - t0;
    if (performance.now() - t0 > 120_000) throw new Error(`gave up after 120 s: ${JSON.stringify(c)}`);
    await sleep(20);
  }
}

const site = await openSite();
const net = site.underlay;
try {
  await site.etcd.etcdctl(["put", `${prefix}/config`, '{"Network":"10.0.0.0/8","SubnetLen":24,"Backend":{"Type":"vxlan"}}']);
  const agent = await site.startAgent(net.a, net.vethA, prefix, "a");
  const pid = agent.process.child.pid!;
  const rtnl = rtnetlinkIn(net.a);
  const device = (await rtnl.linkByName("flannel.1"))._unsafeUnwrap()!;
  const leases = Array.from({ length: peers + 1 }, (_, i) => lease(i)).filter((l) => !l.key.endsWith(`/${agent.subnet.replace("/", "-")}`)).slice(0, peers);
  const txns: unknown[] = [];
  for (let i = 0; i < leases.length; i += PER_TXN) {
    txns.push({ success: leases.slice(i, i + PER_TXN).map((l) => ({ requestPut: { key: b64(l.key), value: b64(l.value) } })) });
  }
  const before = { cpu: cpuSeconds(pid), memory: memoryMiB(pid) };
  console.log(`agent pid ${pid}, subnet ${agent.subnet}; idle with no peers: RSS ${before.memory.rss.toFixed(1)} MiB`);
  const results: { writesMs: number; programmedMs: number; cpu: number; removedMs: number }[] = [];
  for (let round = 1; round <= rounds; round++) {
    const cpu0 = cpuSeconds(pid);
    const t0 = performance.now();
    for (const txn of txns) await post(site.endpoint, "/v3/kv/txn", txn);
    const writesMs = performance.now() - t0;
    const programmedMs = await until(rtnl, device, (c) => c.routes === peers && c.neighbours === peers && c.fdb === peers, t0);
    const cpu = cpuSeconds(pid) - cpu0;
    const memory = memoryMiB(pid);
    const t1 = performance.now();
    for (let i = 0; i < leases.length; i += PER_TXN) {
      await post(site.endpoint, "/v3/kv/txn", { success: leases.slice(i, i + PER_TXN).map((l) => ({ requestDeleteRange: { key: b64(l.key) } })) });
    }
    const removedMs = await until(rtnl, device, (c) => c.routes === 0 && c.neighbours === 0 && c.fdb === 0, t1);
    results.push({ writesMs, programmedMs, cpu, removedMs });
    console.log(
      `round ${round}: ${peers} leases written in ${writesMs.toFixed(0)} ms (${txns.length} txns); all routes, neighbours and FDB entries in place after ${
        programmedMs.toFixed(0)
      } ms ` +
        `(limit 1.5 x writes + 1 s = ${(1.5 * writesMs + 1000).toFixed(0)} ms); agent CPU ${cpu.toFixed(2)} s; RSS ${memory.rss.toFixed(1)} MiB; removed again after ${
          removedMs.toFixed(0)
        } ms`,
    );
    await sleep(1500);
  }
  // Steady state with the peers in place: renewals none, a reconcile every 10 s.
  for (const txn of txns) await post(site.endpoint, "/v3/kv/txn", txn);
  await until(rtnl, device, (c) => c.routes === peers && c.neighbours === peers && c.fdb === peers, performance.now());
  await sleep(2000);
  const idle0 = cpuSeconds(pid);
  await sleep(idleSeconds * 1000);
  const idleCpu = cpuSeconds(pid) - idle0;
  const steady = memoryMiB(pid);
  rtnl.close();
  console.log(`\n| round | writes | all programmed | limit (1.5 x writes + 1 s) | agent CPU during the burst | removal |`);
  results.forEach((r, i) =>
    console.log(
      `| ${i + 1} | ${r.writesMs.toFixed(0)} ms | ${r.programmedMs.toFixed(0)} ms | ${(1.5 * r.writesMs + 1000).toFixed(0)} ms | ${r.cpu.toFixed(2)} s | ${
        r.removedMs.toFixed(0)
      } ms |`,
    )
  );
  console.log(`median: writes ${median(results.map((r) => r.writesMs)).toFixed(0)} ms, programmed ${median(results.map((r) => r.programmedMs)).toFixed(0)} ms`);
  console.log(
    `idle with ${peers} peers for ${idleSeconds} s (reconcile every 10 s): CPU ${((idleCpu / idleSeconds) * 100).toFixed(2)} % of a core; RSS ${steady.rss.toFixed(1)} MiB, peak ${
      steady.peak.toFixed(1)
    } MiB`,
  );
  agent.process.signal("SIGTERM");
  await agent.process.exited;
  await site.etcd.etcdctl(["del", "--prefix", `${prefix}/`]);
} finally {
  await site.destroy();
}
