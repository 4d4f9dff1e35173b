/**
 * Subnet allocation benchmark: this library's pool against flannel's own
 * algorithm, side by side in one run, on 10.0.0.0/8 at /24 (65,535 subnets
 * from 10.0.1.0 to 10.255.255.0) with 0, 10,000 and 60,000 subnets taken.
 * Also: how long a pool takes to build, and ip-cidr against the integer path
 * for the operations an allocator repeats.
 *
 * Run: npx tsx bench/alloc.ts
 *      npx tsx bench/alloc.ts --quick    (fewer rounds, for a smoke test)
 */
import { cpus } from "node:os";
import IPCIDR from "ip-cidr";
import {
  type Cidr4,
  cidr4,
  cidrContainsIp,
  createSubnetAllocator,
  createSubnetPool,
  formatIp,
  ip4,
  parseCidr,
  parseNetworkConfig,
  type Random,
  seededRandom,
} from "../src/subnet/index.ts";

const quick = process.argv.includes("--quick");
const config = parseNetworkConfig('{"Network": "10.0.0.0/8"}')._unsafeUnwrap();
const range = config.ipv4!;
const SIZE = 256; // a /24
const MIN = range.subnetMin.value;
const MAX = range.subnetMax.value;
const COUNT = (MAX - MIN) / SIZE + 1;

interface Lease {
  readonly ip: number;
  readonly prefix: number;
}

/**
 * flannel's LocalManager.allocateSubnet (pkg/subnet/etcd/local_manager.go):
 * walk from SubnetMin; a candidate is free when no lease Overlaps it (a scan
 * of every lease, in etcd's key order); stop after 100 free ones or at
 * SubnetMax; pick one of those at random.
 */
function flannelAllocate(leases: readonly Lease[], random: Random): number | undefined {
  const available: number[] = [];
  outer: for (let ip = MIN; ip <= MAX && available.length < 100; ip += SIZE) {
    for (const l of leases) {
      const mask = l.prefix < 24 ? (0xffffffff << (32 - l.prefix)) >>> 0 : 0xffffff00;
      if ((ip & mask) >>> 0 === (l.ip & mask) >>> 0) continue outer;
    }
    available.push(ip);
  }
  return available.length === 0 ? undefined : available[random.int(available.length)];
}

/** The same walk with an O(1) lookup per candidate instead of a scan of the leases. */
function flannelWalkWithSet(taken: ReadonlySet<number>, random: Random): number | undefined {
  const available: number[] = [];
  for (let ip = MIN; ip <= MAX && available.length < 100; ip += SIZE) if (!taken.has(ip)) available.push(ip);
  return available.length === 0 ? undefined : available[random.int(available.length)];
}

/** Runs `fn` until `rounds` calls or `budgetMs` have passed (at least `minRounds`), after a warm-up; returns µs per call. */
function measure(fn: () => unknown, options: { rounds: number; budgetMs: number; minRounds?: number; warmup?: number }): { us: number; rounds: number } {
  for (let i = 0; i < (options.warmup ?? Math.min(1000, options.rounds)); i++) fn();
  const start = performance.now();
  let n = 0;
  while (n < options.rounds && (n < (options.minRounds ?? 1) || performance.now() - start < options.budgetMs)) {
    fn();
    n++;
  }
  return { us: ((performance.now() - start) * 1000) / n, rounds: n };
}

function takenSet(count: number, layout: "random" | "packed"): Cidr4[] {
  const indices = Array.from({ length: COUNT }, (_, i) => i);
  if (layout === "random") {
    const r = seededRandom(1234);
    for (let i = indices.length - 1; i > 0; i--) {
      const j = r.int(i + 1);
      [indices[i], indices[j]] = [indices[j]!, indices[i]!];
    }
  }
  return indices.slice(0, count).map((i) => cidr4(MIN + i * SIZE, 24));
}

const fmt = (us: number): string => (us >= 1000 ? `${(us / 1000).toFixed(1)} ms` : `${us.toFixed(2)} µs`);

console.log(`# Subnet allocation: 10.0.0.0/8 at /24, ${COUNT} subnets (${formatIp(range.subnetMin)} .. ${formatIp(range.subnetMax)})`);
console.log(`node ${process.version}, ${cpus()[0]?.model ?? "unknown CPU"} x${cpus().length}${quick ? ", --quick" : ""}`);
console.log("");
console.log(
  "| taken | layout | pool build | pool pick | pick + take + release | one-shot allocateSubnet | flannel (scan leases) | flannel walk + hash set | flannel's picks span |",
);
console.log("|---:|---|---:|---:|---:|---:|---:|---:|---|");

for (const count of [0, 10_000, 60_000]) {
  for (const layout of ["random", "packed"] as const) {
    if (count === 0 && layout === "packed") continue;
    const taken = takenSet(count, layout);
    const random = seededRandom(99);

    const build = measure(() => createSubnetPool(range, taken), { rounds: quick ? 3 : 20, budgetMs: 3000, warmup: 2 });
    const pool = createSubnetPool(range, taken);
    const pick = measure(() => pool.pick(random), { rounds: quick ? 20_000 : 500_000, budgetMs: 2000 });
    const cycle = measure(
      () => {
        const s = pool.pick(random)._unsafeUnwrap();
        pool.take(s);
        pool.release(s);
      },
      { rounds: quick ? 20_000 : 200_000, budgetMs: 2000 },
    );
    const allocator = () => createSubnetAllocator(config, taken).pick(random);
    const oneShot = measure(allocator, { rounds: quick ? 3 : 20, budgetMs: 3000, warmup: 2 });

    // flannel's leases come from an etcd range read, sorted by key ("10.0.1.0-24" < "10.0.10.0-24" < ...).
    const leases: Lease[] = taken
      .map((c) => ({ ip: c.address, prefix: c.prefix, key: `${formatIp(ip4(c.address))}-${c.prefix}` }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    // One call is already millions of overlap checks, so no warm-up call (the slowest case takes seconds).
    const flannel = measure(() => flannelAllocate(leases, random), { rounds: quick ? 2 : 50, budgetMs: quick ? 1000 : 8000, warmup: 0 });
    const set = new Set(taken.map((c) => c.address));
    const walk = measure(() => flannelWalkWithSet(set, random), { rounds: quick ? 200 : 5000, budgetMs: 2000, warmup: 10 });

    // Where flannel's picks land: always within the first 100 free subnets from SubnetMin.
    let highest = MIN;
    for (let i = 0; i < 200; i++) highest = Math.max(highest, flannelWalkWithSet(set, random) ?? MIN);
    const span = `${formatIp(range.subnetMin)} .. ${formatIp(ip4(highest))}`;

    console.log(
      `| ${count.toLocaleString("en")} | ${layout} | ${fmt(build.us)} | ${fmt(pick.us)} | ${fmt(cycle.us)} | ${fmt(oneShot.us)} | ${fmt(flannel.us)} (${flannel.rounds} runs) | ${
        fmt(walk.us)
      } | ${span} |`,
    );
  }
}

console.log("");
console.log("# ip-cidr against the integer path");
console.log("");
console.log("| operation | ip-cidr | integers (this library) |");
console.log("|---|---:|---:|");
{
  const texts = Array.from({ length: 10_000 }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.0/24`);
  let k = 0;
  const parseIc = measure(() => new IPCIDR(texts[k++ % texts.length]!), { rounds: quick ? 20_000 : 200_000, budgetMs: 2000 });
  k = 0;
  const parseInts = measure(() => parseCidr(texts[k++ % texts.length]!), { rounds: quick ? 20_000 : 200_000, budgetMs: 2000 });
  console.log(`| parse a CIDR ("10.x.y.0/24") | ${fmt(parseIc.us)} | ${fmt(parseInts.us)} |`);

  // The allocator's inner question: does a taken network contain this candidate?
  const outerIc = new IPCIDR("10.128.0.0/9");
  const outer = parseCidr("10.128.0.0/9")._unsafeUnwrap();
  const candidates = Array.from({ length: 4096 }, (_, i) => MIN + i * 4099 * SIZE);
  const candidateTexts = candidates.map((a) => formatIp(ip4(a % 2 ** 32)));
  k = 0;
  const containsIc = measure(() => outerIc.contains(candidateTexts[k++ % 4096]!), { rounds: quick ? 20_000 : 500_000, budgetMs: 2000 });
  k = 0;
  const containsInt = measure(() => cidrContainsIp(outer, ip4(candidates[k++ % 4096]! % 2 ** 32)), { rounds: quick ? 20_000 : 500_000, budgetMs: 2000 });
  console.log(`| contains(network, address) | ${fmt(containsIc.us)} | ${fmt(containsInt.us)} |`);

  // flannel's whole walk with 60,000 taken, once with ip-cidr objects and once with integers.
  const taken = takenSet(60_000, "random");
  const takenIc = taken.map((c) => new IPCIDR(`${formatIp(ip4(c.address))}/24`));
  const takenInt: Lease[] = taken.map((c) => ({ ip: c.address, prefix: 24 }));
  const firstFive = Array.from({ length: 5 }, (_, i) => MIN + i * SIZE);
  const scanIc = measure(
    () => {
      let free = 0;
      for (const ip of firstFive) if (!takenIc.some((t) => t.contains(formatIp(ip4(ip))))) free++;
      return free;
    },
    { rounds: quick ? 1 : 5, budgetMs: 10_000, warmup: 1 },
  );
  const scanInt = measure(
    () => {
      let free = 0;
      for (const ip of firstFive) if (!takenInt.some((t) => ((ip & 0xffffff00) >>> 0) === t.ip)) free++;
      return free;
    },
    { rounds: quick ? 5 : 50, budgetMs: 10_000, warmup: 1 },
  );
  console.log(`| 5 candidates checked against 60,000 taken (flannel's scan) | ${fmt(scanIc.us)} | ${fmt(scanInt.us)} |`);
}
