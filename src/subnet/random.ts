/**
 * Random sources for the allocator (and anything else that draws lots):
 * an interface, a seeded deterministic implementation for tests and
 * reproducible runs, and one over the Web Crypto API for production. The
 * allocator never reaches for global randomness; it is handed a {@link Random}.
 *
 * @module
 */

/** A source of uniform random integers. */
export interface Random {
  /**
   * A uniform integer in [0, maxExclusive).
   *
   * @param maxExclusive a safe integer, at least 1
   */
  int(maxExclusive: number): number;
  /**
   * A uniform bigint in [0, maxExclusive).
   *
   * @param maxExclusive at least 1n
   */
  bigint(maxExclusive: bigint): bigint;
}

const TWO_32 = 0x1_0000_0000;

/**
 * Builds a {@link Random} over a generator of uniform 32-bit words. Draws are
 * unbiased: values that would favour the low end are rejected and redrawn.
 *
 * @param nextUint32 returns a uniform integer in [0, 2^32) on each call
 * @returns the random source
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { randomFromUint32 } from "./random.ts";
 * let state = 1;
 * const counter = randomFromUint32(() => (state = (state * 69069 + 1) >>> 0));
 * const roll = counter.int(6);
 * assert.ok(roll >= 0 && roll < 6);
 * ```
 */
export function randomFromUint32(nextUint32: () => number): Random {
  const int = (maxExclusive: number): number => {
    if (!Number.isSafeInteger(maxExclusive) || maxExclusive < 1) {
      throw new RangeError(`Random.int: ${maxExclusive} is not a safe integer >= 1`);
    }
    if (maxExclusive <= TWO_32) {
      // Largest multiple of maxExclusive that fits in 32 bits: draws at or above it are biased.
      const limit = TWO_32 - (TWO_32 % maxExclusive);
      for (;;) {
        const x = nextUint32();
        if (x < limit) return x % maxExclusive;
      }
    }
    return Number(bigint(BigInt(maxExclusive)));
  };
  const bigint = (maxExclusive: bigint): bigint => {
    if (maxExclusive < 1n) throw new RangeError(`Random.bigint: ${maxExclusive} is not >= 1n`);
    if (maxExclusive <= BigInt(TWO_32)) return BigInt(int(Number(maxExclusive)));
    const bits = (maxExclusive - 1n).toString(2).length;
    const words = Math.ceil(bits / 32);
    const excess = BigInt(words * 32 - bits);
    // Draw exactly `bits` random bits and reject values past the range: at most 2 tries on average.
    for (;;) {
      let x = 0n;
      for (let i = 0; i < words; i++) x = (x << 32n) | BigInt(nextUint32());
      x >>= excess;
      if (x < maxExclusive) return x;
    }
  };
  return { int, bigint };
}

/**
 * A deterministic {@link Random}: xoshiro128** seeded through splitmix32.
 * The same seed always gives the same sequence, on every runtime.
 *
 * @param seed any integer (taken modulo 2^32)
 * @returns the random source
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { seededRandom } from "flannel-ts/subnet";
 * const a = seededRandom(42);
 * const b = seededRandom(42);
 * assert.equal(a.int(1000), b.int(1000)); // the same seed, the same sequence
 * ```
 */
export function seededRandom(seed: number): Random {
  let s = seed >>> 0;
  const splitmix32 = (): number => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix32();
  let b = splitmix32();
  let c = splitmix32();
  let d = splitmix32();
  if ((a | b | c | d) === 0) a = 1;
  const next = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result;
  };
  return randomFromUint32(next);
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** The part of the Web Crypto API that {@link cryptoRandom} needs. */
export interface RandomValuesSource {
  getRandomValues<T extends Uint32Array>(array: T): T;
}

/**
 * A {@link Random} over `crypto.getRandomValues` (Web Crypto, present in
 * Node.js 20 and Deno as `globalThis.crypto`). Words are fetched 256 at a time.
 *
 * @param source the Web Crypto object; defaults to `globalThis.crypto`
 * @returns the random source
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cryptoRandom } from "flannel-ts/subnet";
 * const byte = cryptoRandom().int(256);
 * assert.ok(byte >= 0 && byte < 256);
 * ```
 */
export function cryptoRandom(source?: RandomValuesSource): Random {
  // Read through a cast so that the module type-checks without DOM or runtime typings.
  const crypto = source ?? (globalThis as { crypto?: RandomValuesSource }).crypto;
  if (crypto === undefined) throw new Error("cryptoRandom: this runtime has no globalThis.crypto; pass a Web Crypto object");
  const buffer = new Uint32Array(256);
  let used = buffer.length;
  return randomFromUint32(() => {
    if (used === buffer.length) {
      crypto.getRandomValues(buffer);
      used = 0;
    }
    return buffer[used++] ?? 0;
  });
}
