import fc from "fast-check";
import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { type Cidr, cidr4, cidr6, cidrOverlaps, formatCidr, parseCidr } from "./cidr.ts";
import { ip4, ip6 } from "./ip.ts";
import { parseNetworkConfig, type SubnetRange, subnetRangeSize } from "./network-config.ts";
import { seededRandom } from "./random.ts";
import { createSubnetPool, type SubnetPoolStrategy } from "./subnet-pool.ts";

const c = (text: string): Cidr => parseCidr(text)._unsafeUnwrap();
const config = (text: string) => parseNetworkConfig(text)._unsafeUnwrap();

/** Every subnet of the range, from SubnetMin to SubnetMax: the model the pool is checked against. */
function candidates(range: SubnetRange): Cidr[] {
  const bits = range.network.family === 4 ? 32 : 128;
  const size = 1n << BigInt(bits - range.subnetLen);
  const out: Cidr[] = [];
  for (let a = BigInt(range.subnetMin.value); a <= BigInt(range.subnetMax.value); a += size) {
    out.push(range.network.family === 4 ? cidr4(Number(a), range.subnetLen) : cidr6(a, range.subnetLen));
  }
  return out;
}
const freeModel = (range: SubnetRange, taken: readonly Cidr[]): string[] =>
  candidates(range)
    .filter((s) => !taken.some((t) => cidrOverlaps(s, t)))
    .map(formatCidr);

/** A small range of either family (at most 2^9 subnets in the network) and subnets near it of every length. */
const scenario = fc
  .record({
    family: fc.constantFrom(4 as const, 6 as const),
    prefix: fc.integer({ min: 8, max: 20 }),
    extra: fc.integer({ min: 2, max: 9 }),
    seed: fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }),
    lo: fc.nat(),
    hi: fc.nat(),
  })
  .chain(({ family, prefix, extra, seed, lo, hi }) => {
    const bits = family === 4 ? 32 : 128;
    const p = family === 4 ? prefix : prefix + 40;
    const len = p + extra;
    const host = BigInt(bits - p);
    const net = ((seed % (1n << BigInt(bits))) >> host) << host;
    const count = 1 << extra;
    const [a, b] = [lo % count, hi % count].sort((x, y) => x - y) as [number, number];
    const size = 1n << BigInt(bits - len);
    const mk = (address: bigint, prefixLen: number): Cidr => (family === 4 ? cidr4(Number(address), prefixLen) : cidr6(address, prefixLen));
    const range: SubnetRange = family === 4
      ? { network: cidr4(Number(net), p), subnetLen: len, subnetMin: ip4(Number(net + BigInt(a) * size)), subnetMax: ip4(Number(net + BigInt(b) * size)) }
      : { network: cidr6(net, p), subnetLen: len, subnetMin: ip6(net + BigInt(a) * size), subnetMax: ip6(net + BigInt(b) * size) };
    // Taken subnets: mostly inside the network, some around it, of any length from the network's prefix - 2 to host routes.
    const takenOne = fc
      .record({ offset: fc.bigInt({ min: -(1n << host), max: (2n << host) - 1n }), length: fc.integer({ min: p - 2, max: bits }) })
      .map(({ offset, length }) => {
        const address = (((net + offset) % (1n << BigInt(bits))) + (1n << BigInt(bits))) % (1n << BigInt(bits));
        return mk(address, length);
      });
    return fc.record({ range: fc.constant(range), taken: fc.array(takenOne, { maxLength: 40 }), other: fc.constant(family === 4 ? c("fc00::/7") : c("10.0.0.0/8")) });
  });

const strategies: SubnetPoolStrategy[] = ["tree", "sample"];

describe.each(strategies)("createSubnetPool (%s)", (strategy) => {
  it("agrees with a brute-force model: free count, isFree, pick never taken, overlapping or out of range", () => {
    fc.assert(
      fc.property(scenario, fc.integer(), ({ range, taken, other }, seed) => {
        const pool = createSubnetPool(range, [...taken, other], { strategy });
        const free = freeModel(range, taken);
        expect(pool.total).toBe(subnetRangeSize(range));
        expect(pool.freeCount()).toBe(BigInt(free.length));
        expect(candidates(range).filter((s) => pool.isFree(s)).map(formatCidr)).toEqual(free);
        const random = seededRandom(seed);
        for (let i = 0; i < 5; i++) {
          const picked = pool.pick(random);
          if (free.length === 0) {
            expect(picked.isErr()).toBe(true);
          } else {
            expect(free).toContain(formatCidr(picked._unsafeUnwrap()));
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("stays right as subnets are taken and released", () => {
    fc.assert(
      fc.property(scenario, fc.array(fc.tuple(fc.boolean(), fc.nat()), { maxLength: 60 }), fc.integer(), ({ range, taken }, steps, seed) => {
        const pool = createSubnetPool(range, [], { strategy });
        const held: Cidr[] = [];
        const random = seededRandom(seed);
        for (const [takeOne, n] of steps) {
          if (takeOne || held.length === 0) {
            // Take a listed subnet, or the one the pool picks (as a lease manager does).
            const subnet = taken.length > 0 && n % 2 === 0 ? taken[n % taken.length]! : pool.pick(random).unwrapOr(undefined);
            if (subnet === undefined) continue;
            pool.take(subnet);
            held.push(subnet);
          } else {
            const [subnet] = held.splice(n % held.length, 1);
            // Subnets that miss the network were never counted, so releasing them changes nothing.
            expect(pool.release(subnet!)).toBe(cidrOverlaps(subnet!, range.network));
          }
          expect(pool.freeCount()).toBe(BigInt(freeModel(range, held).length));
        }
        expect(candidates(range).filter((s) => pool.isFree(s)).map(formatCidr)).toEqual(freeModel(range, held));
      }),
      { numRuns: 150 },
    );
  });

  it("finds the single free subnet when only one is left, and fails exactly when none is", () => {
    fc.assert(
      fc.property(scenario, fc.nat(), fc.integer(), ({ range }, n, seed) => {
        const all = candidates(range);
        const keep = all[n % all.length]!;
        const pool = createSubnetPool(range, all.filter((s) => s !== keep), { strategy });
        expect(pool.pick(seededRandom(seed))).toEqual(ok(keep));
        pool.take(keep);
        expect(pool.pick(seededRandom(seed)).isErr()).toBe(true);
        expect(pool.release(keep)).toBe(true);
        expect(pool.pick(seededRandom(seed))).toEqual(ok(keep));
      }),
      { numRuns: 100 },
    );
  });

  it("is uniform over the free subnets (chi-square, fixed seed)", () => {
    // 15 subnets (10.0.0.16/28 .. 10.0.0.240/28), 5 taken: 10 free, 20,000 picks.
    const range = config(`{"Network": "10.0.0.0/24", "SubnetLen": 28}`).ipv4!;
    const pool = createSubnetPool(range, ["10.0.0.32/28", "10.0.0.64/27", "10.0.0.200/30", "10.0.0.240/28"].map(c), { strategy });
    expect(pool.freeCount()).toBe(10n);
    const counts = new Map<string, number>();
    const random = seededRandom(2024);
    for (let i = 0; i < 20_000; i++) {
      const key = formatCidr(pool.pick(random)._unsafeUnwrap());
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(10);
    const chi2 = [...counts.values()].reduce((s, n) => s + (n - 2000) ** 2 / 2000, 0);
    expect(chi2).toBeLessThan(27.88); // p = 0.001 for 9 degrees of freedom
  });
});

describe("createSubnetPool", () => {
  const range = config(`{"Network": "10.5.0.0/16"}`).ipv4!;

  it("says how many subnets the full range holds", () => {
    const pool = createSubnetPool(range, [c("10.0.0.0/8")]);
    expect(pool.pick(seededRandom(1))).toEqual(
      err({
        kind: "out-of-subnets",
        family: 4,
        total: 255n,
        message: "out of subnets: all 255 IPv4 subnets of /24 from 10.5.1.0 to 10.5.255.0 are taken (or overlap a taken subnet)",
      }),
    );
  });

  it("counts a subnet taken twice until it is released twice", () => {
    const pool = createSubnetPool(range, [c("10.5.7.0/24"), c("10.5.7.0/24")]);
    expect([pool.release(c("10.5.7.0/24")), pool.isFree(c("10.5.7.0/24"))]).toEqual([true, false]);
    expect([pool.release(c("10.5.7.0/24")), pool.isFree(c("10.5.7.0/24"))]).toEqual([true, true]);
    expect(pool.release(c("10.5.7.0/24"))).toBe(false);
    expect(pool.release(c("10.5.8.0/25"))).toBe(false);
  });

  it("treats a taken host address or a wider block as overlapping", () => {
    const pool = createSubnetPool(range, [c("10.5.9.77/32"), c("10.5.64.0/18"), c("192.168.0.0/16"), c("fc00::/7")]);
    expect(pool.freeCount()).toBe(255n - 1n - 64n);
    expect(["10.5.9.0/24", "10.5.100.0/24", "10.5.10.0/24", "10.5.0.0/24", "10.5.10.0/25"].map((s) => pool.isFree(c(s)))).toEqual([false, false, true, false, false]);
  });

  it("handles IPv6 ranges too large to count: 2^56 subnets of fc00::/8 with all but one blocked", () => {
    const v6 = config(`{"Network": "10.5.0.0/16", "EnableIPv6": true, "IPv6Network": "fc00::/8"}`).ipv6!;
    const keep = 0x12_3456_789a_bcden; // index of the one subnet left free
    const depth = 56;
    const siblings = Array.from({ length: depth }, (_, i) => {
      const k = i + 1;
      const index = (keep >> BigInt(depth - k)) ^ 1n;
      return cidr6((0xfcn << 120n) + (index << BigInt(128 - 8 - k)), 8 + k);
    });
    const pool = createSubnetPool(v6, siblings);
    expect([pool.total, pool.freeCount()]).toEqual([(1n << 56n) - 1n, 1n]);
    expect(pool.pick(seededRandom(3)).map(formatCidr)).toEqual(ok("fc12:3456:789a:bcde::/64"));
    expect(() => createSubnetPool(v6, [], { strategy: "tree" })).toThrow(RangeError);
  });

  it("picks from a huge, nearly empty IPv6 range by sampling", () => {
    const v6 = config(`{"Network": "10.5.0.0/16", "EnableIPv6": true, "IPv6Network": "fc00::/7"}`).ipv6!;
    const pool = createSubnetPool(v6, [c("fc00::/8")]);
    const picked = pool.pick(seededRandom(5))._unsafeUnwrap();
    expect([picked.prefix, formatCidr(picked).startsWith("fd")]).toEqual([64, true]);
    expect(pool.freeCount()).toBe(1n << 56n);
  });
});
