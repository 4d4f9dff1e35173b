/**
 * A pool of the subnets one family of a network config can lease, kept up to
 * date as subnets are taken and released, that picks a free subnet uniformly
 * at random in O(log n).
 *
 * @module
 */
import { err, ok, type Result } from "neverthrow";
import { type Cidr, type Cidr4, cidr4, type Cidr6, cidr6, cidrNetwork } from "./cidr.ts";
import { formatIp, ip4, ip6 } from "./ip.ts";
import type { SubnetRange, SubnetRange4, SubnetRange6 } from "./network-config.ts";
import type { Random } from "./random.ts";

/** No subnet of the range is free. */
export interface OutOfSubnetsError {
  readonly kind: "out-of-subnets";
  /** The family whose range is full. */
  readonly family: 4 | 6;
  /** How many subnets the range [SubnetMin, SubnetMax] holds. */
  readonly total: bigint;
  readonly message: string;
}

/**
 * The subnets of one family's range, [SubnetMin, SubnetMax] at SubnetLen,
 * with the ones that overlap a taken subnet set aside.
 *
 * Taken subnets may have any length and may overlap each other: a taken /16
 * blocks every /24 inside it, a taken /28 blocks the /24 around it. A subnet
 * taken twice must be released twice. Subnets of the other family or outside
 * the network are accepted and change nothing.
 */
export interface SubnetPool<C extends Cidr = Cidr> {
  /** The range the pool hands out. */
  readonly range: SubnetRange;
  /** How many subnets the range holds, free or not. */
  readonly total: bigint;
  /** How many of them overlap nothing taken. */
  freeCount(): bigint;
  /** Marks a subnet (leased or reserved, any length) as taken. */
  take(subnet: Cidr): void;
  /** Undoes one {@link SubnetPool.take} of exactly this subnet; false when it was not taken. */
  release(subnet: Cidr): boolean;
  /** True when `subnet` is one the pool hands out (in range, of SubnetLen) and overlaps nothing taken. */
  isFree(subnet: Cidr): boolean;
  /**
   * Picks a free subnet, each free one equally likely. The pool is not
   * changed: call {@link SubnetPool.take} once the subnet is really leased.
   */
  pick(random: Random): Result<C, OutOfSubnetsError>;
}

/** How a pool finds free subnets. */
export type SubnetPoolStrategy =
  /** A counting binary tree over the candidates: exact, O(depth) per pick and update. Needs at most 2^52 candidates. */
  | "tree"
  /** Random probes checked against the taken set, then an exact sweep if 64 probes miss. For astronomically large IPv6 ranges. */
  | "sample"
  /** "tree" when the network holds at most 2^52 subnets, otherwise "sample". */
  | "auto";

/** Options of {@link createSubnetPool}. */
export interface SubnetPoolOptions {
  /** Default "auto". */
  readonly strategy?: SubnetPoolStrategy;
}

/**
 * Candidate subnets are numbered from the network's first subnet; a taken
 * subnet becomes a block: a depth (its prefix minus the network's, at most
 * SubnetLen minus the network's) and its index at that depth. Blocks of CIDRs
 * are nested or disjoint, which is what both engines rely on.
 */
interface Engine {
  add(depth: number, index: bigint | number): void;
  remove(depth: number, index: bigint | number): boolean;
  isFree(index: bigint): boolean;
  freeCount(): bigint;
  pick(random: Random): bigint | undefined;
}

interface TreeNode {
  cover: number;
  free: number;
  left: TreeNode | null;
  right: TreeNode | null;
}

/** Most subnets a "tree" pool can count exactly with float64 integers. */
const TREE_MAX_DEPTH = 52;

// A sparse binary tree over candidate indices [0, 2^depth). A node exists only
// where something was taken below it; `cover` counts taken blocks that are
// exactly this node, `free` the free candidates of [first, last] under it.
// Missing subtrees are wholly free, and their count is plain arithmetic.
function treeEngine(depth: number, first: number, last: number): Engine {
  const span = (lo: number, size: number): number => Math.max(0, Math.min(last, lo + size - 1) - Math.max(first, lo) + 1);
  const root: TreeNode = { cover: 0, free: span(0, 2 ** depth), left: null, right: null };
  // The path of the last walk, by level (preallocated: updates allocate nothing but new nodes).
  const nodes = new Array<TreeNode>(depth + 1).fill(root);
  const los = new Float64Array(depth + 1);
  const sizes = new Float64Array(depth + 1);
  const recount = (node: TreeNode, lo: number, size: number): void => {
    if (node.cover > 0) node.free = 0;
    else if (size === 1) node.free = span(lo, 1);
    else {
      const half = size / 2;
      node.free = (node.left === null ? span(lo, half) : node.left.free) + (node.right === null ? span(lo + half, half) : node.right.free);
    }
  };
  // Walks to the block at depth k, recording the path; creates missing nodes when asked.
  const walk = (k: number, index: number, create: boolean): TreeNode | undefined => {
    let node = root;
    let lo = 0;
    let size = 2 ** depth;
    const target = index * 2 ** (depth - k);
    for (let level = 0; level < k; level++) {
      nodes[level] = node;
      los[level] = lo;
      sizes[level] = size;
      size /= 2;
      const right = target >= lo + size;
      if (right) lo += size;
      let child = right ? node.right : node.left;
      if (child === null) {
        if (!create) return undefined;
        child = { cover: 0, free: span(lo, size), left: null, right: null };
        if (right) node.right = child;
        else node.left = child;
      }
      node = child;
    }
    nodes[k] = node;
    los[k] = lo;
    sizes[k] = size;
    return node;
  };
  const recountPath = (k: number, prune: boolean): void => {
    for (let i = k; i >= 0; i--) {
      const node = nodes[i]!;
      recount(node, los[i]!, sizes[i]!);
      if (prune && i > 0 && node.cover === 0 && node.left === null && node.right === null) {
        const parent = nodes[i - 1]!;
        if (parent.left === node) parent.left = null;
        else parent.right = null;
      }
    }
  };
  return {
    add(k, index) {
      const node = walk(k, Number(index), true)!;
      node.cover++;
      recountPath(k, false);
    },
    remove(k, index) {
      const node = walk(k, Number(index), false);
      if (node === undefined || node.cover === 0) return false;
      node.cover--;
      recountPath(k, true);
      return true;
    },
    isFree(index) {
      const i = Number(index);
      if (i < first || i > last) return false;
      let node: TreeNode | null = root;
      let lo = 0;
      let size = 2 ** depth;
      while (node !== null) {
        if (node.cover > 0) return false;
        if (size === 1) return true;
        size /= 2;
        if (i >= lo + size) {
          lo += size;
          node = node.right;
        } else node = node.left;
      }
      return true;
    },
    freeCount: () => BigInt(root.free),
    pick(random) {
      if (root.free === 0) return undefined;
      let r = random.int(root.free);
      let node = root;
      let lo = 0;
      let size = 2 ** depth;
      for (;;) {
        if (size === 1) return BigInt(lo);
        size /= 2;
        const leftFree = node.left === null ? span(lo, size) : node.left.free;
        if (r < leftFree) {
          if (node.left === null) return BigInt(Math.max(first, lo) + r);
          node = node.left;
        } else {
          r -= leftFree;
          lo += size;
          if (node.right === null) return BigInt(Math.max(first, lo) + r);
          node = node.right;
        }
      }
    },
  };
}

const PROBES = 64;

// For ranges too large to count in a float64 (IPv6 networks holding more than
// 2^52 subnets). Taken blocks are kept in one hash set per depth; a pick draws
// uniform candidates and keeps the first free one. Only when every probe hits
// a taken block (the free share is tiny: a few large reserved blocks) does it
// merge the blocks into intervals and draw among the gaps exactly. Either way
// the result is uniform over the free candidates.
function sampleEngine(depth: number, first: bigint, last: bigint): Engine {
  const byDepth = new Map<number, Map<bigint, number>>();
  let depths: number[] = [];
  let gaps: { lo: bigint; hi: bigint }[] | undefined;
  let free = 0n;
  const sweep = (): { lo: bigint; hi: bigint }[] => {
    if (gaps !== undefined) return gaps;
    const blocks: { lo: bigint; hi: bigint }[] = [];
    for (const [k, indices] of byDepth) {
      const shift = BigInt(depth - k);
      for (const index of indices.keys()) blocks.push({ lo: index << shift, hi: ((index + 1n) << shift) - 1n });
    }
    blocks.sort((x, y) => (x.lo < y.lo ? -1 : x.lo > y.lo ? 1 : 0));
    const out: { lo: bigint; hi: bigint }[] = [];
    let next = first;
    for (const { lo, hi } of blocks) {
      if (hi < next) continue;
      if (lo > last) break;
      if (lo > next) out.push({ lo: next, hi: lo - 1n });
      next = hi + 1n;
      if (next > last) break;
    }
    if (next <= last) out.push({ lo: next, hi: last });
    free = out.reduce((s, g) => s + g.hi - g.lo + 1n, 0n);
    gaps = out;
    return out;
  };
  const isFree = (index: bigint): boolean => {
    if (index < first || index > last) return false;
    for (const k of depths) if (byDepth.get(k)!.has(index >> BigInt(depth - k))) return false;
    return true;
  };
  return {
    add(k, blockIndex) {
      const index = BigInt(blockIndex);
      let indices = byDepth.get(k);
      if (indices === undefined) {
        indices = new Map();
        byDepth.set(k, indices);
        depths = [...byDepth.keys()].sort((x, y) => x - y);
      }
      indices.set(index, (indices.get(index) ?? 0) + 1);
      gaps = undefined;
    },
    remove(k, blockIndex) {
      const index = BigInt(blockIndex);
      const indices = byDepth.get(k);
      const count = indices?.get(index);
      if (indices === undefined || count === undefined) return false;
      if (count > 1) indices.set(index, count - 1);
      else {
        indices.delete(index);
        if (indices.size === 0) {
          byDepth.delete(k);
          depths = [...byDepth.keys()].sort((x, y) => x - y);
        }
      }
      gaps = undefined;
      return true;
    },
    isFree,
    freeCount() {
      sweep();
      return free;
    },
    pick(random) {
      const size = last - first + 1n;
      if (gaps === undefined || free > 0n) {
        for (let probe = 0; probe < PROBES; probe++) {
          const index = first + random.bigint(size);
          if (isFree(index)) return index;
        }
      }
      const open = sweep();
      if (free === 0n) return undefined;
      let r = random.bigint(free);
      for (const g of open) {
        const n = g.hi - g.lo + 1n;
        if (r < n) return g.lo + r;
        r -= n;
      }
      throw new Error("sampleEngine: free count and gaps disagree");
    },
  };
}

/**
 * Creates a pool over one family's range of a network config.
 *
 * @param range `config.ipv4` or `config.ipv6` of a {@link NetworkConfig}
 * @param taken subnets already leased or reserved (any length, either family)
 * @param options the strategy (default "auto")
 * @returns the pool
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createSubnetPool, formatCidr, parseCidr, parseNetworkConfig, seededRandom } from "flannel-ts/subnet";
 * const config = parseNetworkConfig('{"Network": "10.5.0.0/16"}')._unsafeUnwrap();
 * if (config.ipv4 === undefined) throw new Error("an IPv4 network has an IPv4 range");
 * const pool = createSubnetPool(config.ipv4, [parseCidr("10.5.0.0/17")._unsafeUnwrap()]);
 * assert.equal(pool.freeCount(), 128n); // 10.5.128.0/24 .. 10.5.255.0/24
 * const subnet = pool.pick(seededRandom(1))._unsafeUnwrap();
 * assert.match(formatCidr(subnet), /^10\.5\.(1[3-9]\d|2\d\d)\.0\/24$/);
 * pool.take(subnet); // once the lease is written
 * assert.equal(pool.freeCount(), 127n);
 * ```
 */
export function createSubnetPool(range: SubnetRange4, taken?: Iterable<Cidr>, options?: SubnetPoolOptions): SubnetPool<Cidr4>;
export function createSubnetPool(range: SubnetRange6, taken?: Iterable<Cidr>, options?: SubnetPoolOptions): SubnetPool<Cidr6>;
export function createSubnetPool(range: SubnetRange, taken?: Iterable<Cidr>, options?: SubnetPoolOptions): SubnetPool;
export function createSubnetPool(range: SubnetRange, taken: Iterable<Cidr> = [], options: SubnetPoolOptions = {}): SubnetPool {
  const family = range.network.family;
  const bits = family === 4 ? 32 : 128;
  const net = BigInt(range.network.address);
  const netPrefix = range.network.prefix;
  const len = range.subnetLen;
  const depth = len - netPrefix;
  const shift = BigInt(bits - len);
  const first = (BigInt(range.subnetMin.value) - net) >> shift;
  const last = (BigInt(range.subnetMax.value) - net) >> shift;
  const total = last - first + 1n;
  const strategy = options.strategy ?? "auto";
  const useTree = strategy === "tree" || (strategy === "auto" && depth <= TREE_MAX_DEPTH);
  if (useTree && depth > TREE_MAX_DEPTH) throw new RangeError(`createSubnetPool: "tree" needs at most 2^${TREE_MAX_DEPTH} subnets in the network, this one has 2^${depth}`);
  const engine = useTree ? treeEngine(depth, Number(first), Number(last)) : sampleEngine(depth, first, last);

  const net4 = Number(net);
  const block = (subnet: Cidr): { depth: number; index: bigint | number } | undefined => {
    if (subnet.family !== family) return undefined;
    const p = subnet.prefix;
    if (subnet.family === 4) {
      // The same as below in float64 arithmetic, which is exact for 32-bit values and much cheaper than bigint.
      const address = subnet.address;
      if (p <= netPrefix) {
        const outer = 2 ** (32 - p);
        return Math.floor(address / outer) === Math.floor(net4 / outer) ? { depth: 0, index: 0 } : undefined;
      }
      const unit = 2 ** (32 - netPrefix);
      if (Math.floor(address / unit) !== Math.floor(net4 / unit)) return undefined;
      const q = Math.min(p, len);
      return { depth: q - netPrefix, index: Math.floor((address - net4) / 2 ** (32 - q)) };
    }
    const address = BigInt(cidrNetwork(subnet).address);
    if (p <= netPrefix) {
      const outer = BigInt(bits - p);
      return address >> outer === net >> outer ? { depth: 0, index: 0n } : undefined;
    }
    if (address >> BigInt(bits - netPrefix) !== net >> BigInt(bits - netPrefix)) return undefined;
    const q = Math.min(p, len);
    return { depth: q - netPrefix, index: (address - net) >> BigInt(bits - q) };
  };
  const toSubnet = (index: bigint): Cidr => {
    const address = net + (index << shift);
    return family === 4 ? cidr4(Number(address), len) : cidr6(address, len);
  };
  const show = (value: bigint): string => formatIp(family === 4 ? ip4(Number(value)) : ip6(value));

  const pool: SubnetPool = {
    range,
    total,
    freeCount: () => engine.freeCount(),
    take(subnet) {
      const b = block(subnet);
      if (b !== undefined) engine.add(b.depth, b.index);
    },
    release(subnet) {
      const b = block(subnet);
      return b !== undefined && engine.remove(b.depth, b.index);
    },
    isFree(subnet) {
      if (subnet.family !== family || subnet.prefix !== len) return false;
      const address = BigInt(subnet.address);
      if (address < net || (address - net) % (1n << shift) !== 0n) return false;
      return engine.isFree((address - net) >> shift);
    },
    pick(random) {
      const index = engine.pick(random);
      if (index !== undefined) return ok(toSubnet(index));
      const min = show(BigInt(range.subnetMin.value));
      const max = show(BigInt(range.subnetMax.value));
      return err({
        kind: "out-of-subnets",
        family,
        total,
        message: `out of subnets: all ${total} IPv${family} subnets of /${len} from ${min} to ${max} are taken (or overlap a taken subnet)`,
      });
    },
  };
  for (const subnet of taken) pool.take(subnet);
  return pool;
}
