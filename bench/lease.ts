/**
 * Lease acquisition latency and watch propagation against one local etcd
 * (a container from the test kit), with baselines measured in the same run:
 * the in-memory registry running the same policy, and a plain etcd3 put (the
 * least a write to etcd costs from this client).
 *
 * - 1,000 sequential acquisitions, each by another host (PublicIP), on
 *   10.0.0.0/8 at /24;
 * - 200 concurrent acquisitions, each host with its own client, on that
 *   network and on a /16 of /24s (254 subnets), where picks collide and
 *   the losers retry;
 * - watch propagation: 100 watchers, each with its own client; a lease is
 *   created and the time until each watcher has it is recorded (20 leases,
 *   2,000 samples).
 *
 * Run: npx tsx bench/lease.ts
 *      npx tsx bench/lease.ts --quick    (a tenth of the work, for a smoke test)
 */
import { cpus } from "node:os";
import { Etcd3 } from "etcd3";
import { Etcd3Registry } from "../src/etcd/etcd3-registry.ts";
import { MemoryRegistry } from "../src/etcd/memory-registry.ts";
import type { Registry } from "../src/etcd/registry.ts";
import { acquireLease } from "../src/flannel/lease-acquire.ts";
import { watchPeerLeases } from "../src/flannel/lease-peer-watch.ts";
import { ip4 } from "../src/subnet/ip.ts";
import { seededRandom } from "../src/subnet/random.ts";
import { parseSubnetKey } from "../src/subnet/subnet-key.ts";
import { startEtcd } from "../src/testing/index.ts";

const quick = process.argv.includes("--quick");
const SEQUENTIAL = quick ? 100 : 1_000;
const CONCURRENT = quick ? 20 : 200;
const WATCHERS = quick ? 10 : 100;
const WATCHED_LEASES = quick ? 5 : 20;
const CONFIG = '{"Network":"10.0.0.0/8","SubnetLen":24}';

const host = (n: number) => ({ publicIp: ip4(0xc6120000 + n) }); // 198.18.0.0/15, benchmarking addresses

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

function summary(name: string, samples: readonly number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  const f = (x: number) => x.toFixed(2).padStart(8);
  return `| ${name.padEnd(58)} | ${String(s.length).padStart(5)} | ${f(percentile(s, 50))} | ${f(percentile(s, 99))} | ${f(s.at(-1) ?? Number.NaN)} | ${f(mean)} |`;
}

const HEADER = `| ${"what".padEnd(58)} | ${"n".padStart(5)} | ${"p50 ms".padStart(8)} | ${"p99 ms".padStart(8)} | ${"max ms".padStart(8)} | ${"mean ms".padStart(8)} |\n|${
  "-".repeat(60)
}|-------|----------|----------|----------|----------|`;

async function timed<T>(work: () => PromiseLike<T>): Promise<[number, T]> {
  const t = performance.now();
  const result = await work();
  return [performance.now() - t, result];
}

async function sequential(registry: Registry, count: number, seed: number): Promise<number[]> {
  const random = seededRandom(seed);
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const [ms, r] = await timed(() => acquireLease({ registry, attrs: host(i), ttlSeconds: 3600, random }));
    if (r.isErr()) throw new Error(`acquisition ${i} failed: ${r.error.message}`);
    samples.push(ms);
  }
  return samples;
}

async function concurrent(registries: readonly Registry[], offset: number, maxAttempts = 10): Promise<{ samples: number[]; retried: number; wall: number }> {
  const start = performance.now();
  const results = await Promise.all(
    registries.map(async (registry, i) => {
      const [ms, r] = await timed(() => acquireLease({ registry, attrs: host(offset + i), ttlSeconds: 3600, random: seededRandom(offset + i), maxAttempts }));
      if (r.isErr()) throw new Error(`concurrent acquisition ${i} failed: ${r.error.message}`);
      return { ms, attempts: r.value.attempts };
    }),
  );
  return { samples: results.map((r) => r.ms), retried: results.filter((r) => r.attempts > 1).length, wall: performance.now() - start };
}

async function main(): Promise<void> {
  console.error(`machine: ${cpus().length} x ${cpus()[0]?.model ?? "?"}, Node.js ${process.version}`);
  console.error("starting etcd (test kit)...");
  const etcd = await startEtcd();
  const raw = new Etcd3({ hosts: [...etcd.endpoints] });
  const closers: (() => Promise<void>)[] = [() => Promise.resolve(raw.close()), () => etcd.stop()];
  const rows: string[] = [];
  try {
    // Sequential: etcd, the in-memory registry, a plain put.
    const seqEtcd = new Etcd3Registry({ endpoints: etcd.endpoints, prefix: "/bench-seq/coreos.com/network" });
    closers.unshift(() => seqEtcd.close());
    (await seqEtcd.putConfig(CONFIG))._unsafeUnwrap();
    for (let i = 0; i < 20; i++) await raw.put(`/warmup/${i}`).value("x");
    console.error(`${SEQUENTIAL} sequential acquisitions...`);
    rows.push(summary(`sequential acquireLease, etcd`, await sequential(seqEtcd, SEQUENTIAL, 1)));
    const memory = new MemoryRegistry({ prefix: "/bench-seq/coreos.com/network" });
    memory.putRaw("/bench-seq/coreos.com/network/config", CONFIG);
    rows.push(summary(`sequential acquireLease, in-memory registry`, await sequential(memory, SEQUENTIAL, 1)));
    await memory.close();
    const puts: number[] = [];
    for (let i = 0; i < SEQUENTIAL; i++) puts.push((await timed(() => raw.put(`/bench-put/${i}`).value('{"PublicIP":"198.18.0.1","PublicIPv6":null}')))[0]);
    rows.push(summary(`baseline: sequential plain etcd3 put`, puts));

    // Concurrent: one client per host.
    console.error(`${CONCURRENT} concurrent acquisitions...`);
    const clients = Array.from({ length: CONCURRENT }, () => new Etcd3Registry({ endpoints: etcd.endpoints, prefix: "/bench-conc/coreos.com/network" }));
    closers.unshift(async () => void (await Promise.all(clients.map((c) => c.close()))));
    (await clients[0]!.putConfig(CONFIG))._unsafeUnwrap();
    // Connect every client first, so that connection setup is not measured.
    await Promise.all(clients.map((c) => c.getConfig()));
    const conc = await concurrent(clients, 10_000);
    rows.push(summary(`${CONCURRENT} concurrent acquireLease, etcd (${conc.retried} retried)`, conc.samples));
    // The same on a /16 of /24s (254 subnets): most hosts collide with others and retry.
    const contended = Array.from({ length: CONCURRENT }, () => new Etcd3Registry({ endpoints: etcd.endpoints, prefix: "/bench-contended/coreos.com/network" }));
    closers.unshift(async () => void (await Promise.all(contended.map((c) => c.close()))));
    (await contended[0]!.putConfig('{"Network":"10.5.0.0/16"}'))._unsafeUnwrap();
    await Promise.all(contended.map((c) => c.getConfig()));
    const hot = await concurrent(contended, 20_000, 30);
    rows.push(summary(`${CONCURRENT} concurrent acquireLease, etcd, 254 subnets (${hot.retried} retried)`, hot.samples));
    const memoryConc = new MemoryRegistry({ prefix: "/bench-conc/coreos.com/network" });
    memoryConc.putRaw("/bench-conc/coreos.com/network/config", CONFIG);
    const concMem = await concurrent(Array(CONCURRENT).fill(memoryConc) as Registry[], 10_000);
    rows.push(summary(`${CONCURRENT} concurrent acquireLease, in-memory (${concMem.retried} retried)`, concMem.samples));
    await memoryConc.close();
    const putClients = Array.from({ length: CONCURRENT }, () => new Etcd3({ hosts: [...etcd.endpoints] }));
    closers.unshift(() => Promise.resolve(putClients.forEach((c) => c.close())));
    await Promise.all(putClients.map((c, i) => c.put(`/bench-cput-warm/${i}`).value("x")));
    const cputs = await Promise.all(putClients.map(async (c, i) => (await timed(() => c.put(`/bench-cput/${i}`).value("x")))[0]));
    rows.push(summary(`baseline: ${CONCURRENT} concurrent plain etcd3 puts`, cputs));

    // Watch propagation.
    console.error(`watch propagation to ${WATCHERS} watchers...`);
    const prefix = "/bench-watch/coreos.com/network";
    const writer = new Etcd3Registry({ endpoints: etcd.endpoints, prefix });
    closers.unshift(() => writer.close());
    const arrivals = new Map<string, number[]>();
    const watchClients = Array.from({ length: WATCHERS }, () => new Etcd3Registry({ endpoints: etcd.endpoints, prefix }));
    closers.unshift(async () => void (await Promise.all(watchClients.map((c) => c.close()))));
    let ready = 0;
    const watches = watchClients.map((registry) =>
      watchPeerLeases({
        registry,
        onEvent: (e) => {
          if (e.kind === "snapshot") ready++;
          if (e.kind === "added") (arrivals.get(e.lease.key) ?? arrivals.set(e.lease.key, []).get(e.lease.key)!).push(performance.now());
        },
      })
    );
    closers.unshift(async () => void (await Promise.all(watches.map((w) => w.close()))));
    const rawArrivals = new Map<string, number[]>();
    const rawWatchers = await Promise.all(
      Array.from({ length: WATCHERS }, async () => {
        const client = new Etcd3({ hosts: [...etcd.endpoints] });
        const w = await client.watch().prefix("/bench-rawwatch/").create();
        w.on("put", (kv) => {
          const key = kv.key.toString();
          (rawArrivals.get(key) ?? rawArrivals.set(key, []).get(key)!).push(performance.now());
        });
        return { client, w };
      }),
    );
    closers.unshift(async () => {
      await Promise.all(rawWatchers.map((r) => r.w.cancel()));
      rawWatchers.forEach((r) => r.client.close());
    });
    while (ready < WATCHERS) await new Promise((r) => setTimeout(r, 20));
    const propagation: number[] = [];
    const rawPropagation: number[] = [];
    for (let i = 0; i < WATCHED_LEASES; i++) {
      const subnet = parseSubnetKey(`10.200.${i}.0-24`)._unsafeUnwrap();
      const sent = performance.now();
      const created = (await writer.createLease(subnet, host(50_000 + i), { ttlSeconds: 3600 }))._unsafeUnwrap();
      while ((arrivals.get(created.key)?.length ?? 0) < WATCHERS) await new Promise((r) => setTimeout(r, 1));
      for (const t of arrivals.get(created.key)!) propagation.push(t - sent);
      const rawKey = `/bench-rawwatch/${i}`;
      const rawSent = performance.now();
      await raw.put(rawKey).value("x");
      while ((rawArrivals.get(rawKey)?.length ?? 0) < WATCHERS) await new Promise((r) => setTimeout(r, 1));
      for (const t of rawArrivals.get(rawKey)!) rawPropagation.push(t - rawSent);
    }
    rows.push(summary(`watch propagation, createLease to ${WATCHERS} peer watches`, propagation));
    rows.push(summary(`baseline: plain put to ${WATCHERS} plain etcd3 watchers`, rawPropagation));
    console.log(HEADER);
    for (const r of rows) console.log(r);
    console.log(`\nconcurrent wall time: etcd ${conc.wall.toFixed(0)} ms, in-memory ${concMem.wall.toFixed(0)} ms`);
  } finally {
    for (const close of closers) await close().catch(() => undefined);
  }
}

await main();
