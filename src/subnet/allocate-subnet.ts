/**
 * Subnet allocation for a whole network config: an IPv4 subnet and, on
 * dual-stack networks, an IPv6 subnet, each uniform over the free ones.
 *
 * @module
 */
import { err, ok, type Result } from "neverthrow";
import type { Cidr, Cidr4, Cidr6 } from "./cidr.ts";
import type { NetworkConfig } from "./network-config.ts";
import type { Random } from "./random.ts";
import type { SubnetKey } from "./subnet-key.ts";
import { createSubnetPool, type OutOfSubnetsError, type SubnetPool, type SubnetPoolOptions } from "./subnet-pool.ts";

/**
 * The subnets picked for one host: `ipv4` when the config enables IPv4,
 * `ipv6` when it enables IPv6. With IPv4 on, this is a {@link SubnetKey}.
 */
export interface AllocatedSubnet {
  readonly ipv4?: Cidr4;
  readonly ipv6?: Cidr6;
}

/** What counts as taken: a subnet of either family, or a lease's key (both of its subnets). */
export type TakenSubnet = Cidr | SubnetKey;

/**
 * Both families' pools of a config, fed the same taken subnets. Build it once
 * from the leases and reservations, then keep it current with
 * {@link SubnetAllocator.take} and {@link SubnetAllocator.release} as leases
 * come and go.
 */
export interface SubnetAllocator {
  readonly config: NetworkConfig;
  /** Present when the config enables IPv4. */
  readonly ipv4?: SubnetPool<Cidr4>;
  /** Present when the config enables IPv6. */
  readonly ipv6?: SubnetPool<Cidr6>;
  /** Marks a subnet, or both subnets of a lease key, as taken. */
  take(taken: TakenSubnet): void;
  /** Undoes one take; false when nothing was released. */
  release(taken: TakenSubnet): boolean;
  /**
   * Picks a free subnet of every enabled family, or fails with the first
   * family that is full. Nothing is taken: call {@link SubnetAllocator.take}
   * once the lease is written.
   */
  pick(random: Random): Result<AllocatedSubnet, OutOfSubnetsError>;
}

function subnetsOf(taken: TakenSubnet): Cidr[] {
  if ("family" in taken) return [taken];
  return taken.ipv6 === undefined ? [taken.ipv4] : [taken.ipv4, taken.ipv6];
}

/**
 * Creates the allocator of a network config.
 *
 * @param config a checked config
 * @param taken subnets already leased or reserved, or lease keys
 * @param options passed to each family's {@link createSubnetPool}
 * @returns the allocator
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createSubnetAllocator, parseNetworkConfig, parseSubnetKey, seededRandom } from "flannel-ts/subnet";
 * const config = parseNetworkConfig('{"Network": "10.5.0.0/16"}')._unsafeUnwrap();
 * const allocator = createSubnetAllocator(config, [parseSubnetKey("10.5.34.0-24")._unsafeUnwrap()]);
 * const picked = allocator.pick(seededRandom(7));
 * assert.ok(picked.isOk() && picked.value.ipv4 !== undefined);
 * allocator.take(picked.value.ipv4);
 * assert.equal(allocator.ipv4?.freeCount(), 253n); // 255 in the range, one taken before, one now
 * ```
 */
export function createSubnetAllocator(config: NetworkConfig, taken: Iterable<TakenSubnet> = [], options: SubnetPoolOptions = {}): SubnetAllocator {
  const ipv4 = config.ipv4 === undefined ? undefined : createSubnetPool(config.ipv4, [], options);
  const ipv6 = config.ipv6 === undefined ? undefined : createSubnetPool(config.ipv6, [], options);
  const allocator: { -readonly [K in keyof SubnetAllocator]: SubnetAllocator[K] } = {
    config,
    take(t) {
      for (const subnet of subnetsOf(t)) (subnet.family === 4 ? ipv4 : ipv6)?.take(subnet);
    },
    release(t) {
      let released = false;
      for (const subnet of subnetsOf(t)) released = ((subnet.family === 4 ? ipv4 : ipv6)?.release(subnet) ?? false) || released;
      return released;
    },
    pick(random) {
      const out: { ipv4?: Cidr4; ipv6?: Cidr6 } = {};
      if (ipv4 !== undefined) {
        const picked = ipv4.pick(random);
        if (picked.isErr()) return err(picked.error);
        out.ipv4 = picked.value;
      }
      if (ipv6 !== undefined) {
        const picked = ipv6.pick(random);
        if (picked.isErr()) return err(picked.error);
        out.ipv6 = picked.value;
      }
      return ok(Object.freeze(out));
    },
  };
  if (ipv4 !== undefined) allocator.ipv4 = ipv4;
  if (ipv6 !== undefined) allocator.ipv6 = ipv6;
  for (const t of taken) allocator.take(t);
  return allocator;
}

/**
 * Picks a free subnet (and a free IPv6 subnet on dual-stack networks) in one
 * call. It builds the pools from `taken` each time: to allocate repeatedly,
 * keep a {@link createSubnetAllocator} instead.
 *
 * Unlike flanneld, which picks among the first 100 free subnets from
 * SubnetMin (crowding the low end of the range), every free subnet is
 * equally likely.
 *
 * @param config a checked config
 * @param taken subnets already leased or reserved, or lease keys
 * @param random the random source (e.g. {@link seededRandom} in tests)
 * @returns the subnets, or an {@link OutOfSubnetsError} saying how many subnets the full range holds
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { allocateSubnet, formatSubnetKey, parseNetworkConfig, seededRandom } from "flannel-ts/subnet";
 * const config = parseNetworkConfig('{"Network": "10.5.0.0/16"}')._unsafeUnwrap();
 * const key = allocateSubnet(config, [], seededRandom(1)).map((s) => (s.ipv4 ? formatSubnetKey({ ipv4: s.ipv4 }) : ""));
 * assert.match(key._unsafeUnwrap(), /^10\.5\.\d+\.0-24$/);
 * ```
 */
export function allocateSubnet(config: NetworkConfig, taken: Iterable<TakenSubnet>, random: Random): Result<AllocatedSubnet, OutOfSubnetsError> {
  return createSubnetAllocator(config, taken).pick(random);
}
