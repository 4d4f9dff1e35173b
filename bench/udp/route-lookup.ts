// Route lookup with many peers: RouteTable.lookup (a hash lookup per
// distinct prefix length) against a linear scan with move-to-front, the
// way flanneld's UDP proxy finds a route, in the same run.
//
//   npx tsx bench/udp/route-lookup.ts [--peers 10000] [--lookups 2000000]
import { parseArgs } from "node:util";
import { RouteTable } from "../../src/backend/index.ts";
import { cidr4, ip4 } from "../../src/subnet/index.ts";

const { values } = parseArgs({ options: { peers: { type: "string", default: "10000" }, lookups: { type: "string", default: "2000000" } } });
const peers = Number(values.peers);
const lookups = Number(values.lookups);
const BASE = 0x0a000000; // 10.0.0.0, /24 subnets

const table = new RouteTable();
const scan: { network: number; mask: number; address: number }[] = [];
for (let i = 0; i < peers; i++) {
  table.set(cidr4(BASE + i * 256, 24), ip4(0x64400000 + i));
  scan.push({ network: BASE + i * 256, mask: 0xffffff00, address: 0x64400000 + i });
}

function scanLookup(destination: number): number | undefined {
  for (let i = 0; i < scan.length; i++) {
    const route = scan[i]!;
    if (((destination & route.mask) >>> 0) === route.network) {
      if (i !== 0) [scan[0], scan[i]] = [route, scan[0]!];
      return route.address;
    }
  }
  return undefined;
}

// Destinations: every lookup a different peer (no cache helps), or bursts of 64 to one peer.
const spread = Uint32Array.from({ length: 1 << 16 }, (_, i) => BASE + ((i * 7919) % peers) * 256 + (i & 0xff));
const bursty = Uint32Array.from({ length: 1 << 16 }, (_, i) => BASE + ((Math.floor(i / 64) * 7919) % peers) * 256 + (i & 0xff));

function time(name: string, lookup: (d: number) => unknown, destinations: Uint32Array, n: number): void {
  let found = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) if (lookup(destinations[i & 0xffff]!) !== undefined) found++;
  const ns = Number(process.hrtime.bigint() - started) / n;
  if (found !== n) throw new Error(`${name}: ${n - found} lookups missed`);
  console.log(`| ${name} | ${ns.toFixed(1)} |`);
}

console.log(`${peers} peers (/24 subnets), ns per lookup\n`);
console.log("| lookup | ns |");
console.log("|---|---|");
for (const [pattern, destinations] of [["spread", spread], ["bursts of 64", bursty]] as const) {
  time(`RouteTable.lookup, ${pattern}`, (d) => table.lookup(d), destinations, lookups);
  // The scan is thousands of times slower with spread destinations: fewer rounds.
  time(`linear scan with move-to-front, ${pattern}`, scanLookup, destinations, pattern === "spread" ? Math.max(1000, Math.floor(lookups / 1000)) : lookups);
}
