/**
 * Docker's default address pools, and the checks that keep a flannel network
 * clear of them and of the host's routes.
 *
 * @module
 */
import { type Cidr, type Cidr4, cidr4, cidrOverlaps, formatCidr } from "./cidr.ts";

/** A base network that dockerd splits into networks of `size` (daemon.json `default-address-pools`). */
export interface AddressPool {
  readonly base: Cidr4;
  readonly size: number;
}

const pool = (a: number, b: number, prefix: number, size: number): AddressPool => Object.freeze({ base: cidr4(((a << 24) | (b << 16)) >>> 0, prefix), size });

/**
 * dockerd's built-in local pools (libnetwork ipamutils), used for docker0 when
 * no `bip` is set and for `docker network create` without `--subnet`:
 * 172.17.0.0/16, 172.18.0.0/16, 172.19.0.0/16, 172.20.0.0/14, 172.24.0.0/14
 * and 172.28.0.0/14 split into /16s (172.17 ... 172.31), and 192.168.0.0/16
 * split into /20s. The same list in Docker 20.10 and 26.
 */
export const DOCKER_DEFAULT_ADDRESS_POOLS: readonly AddressPool[] = Object.freeze([
  pool(172, 17, 16, 16),
  pool(172, 18, 16, 16),
  pool(172, 19, 16, 16),
  pool(172, 20, 14, 16),
  pool(172, 24, 14, 16),
  pool(172, 28, 14, 16),
  pool(192, 168, 16, 20),
]);

/** dockerd's global-scope pool (swarm overlay networks): 10.0.0.0/8 split into /24s. */
export const DOCKER_GLOBAL_SCOPE_POOLS: readonly AddressPool[] = Object.freeze([pool(10, 0, 8, 24)]);

/**
 * The networks a list of pools yields, in dockerd's order.
 *
 * @param pools default {@link DOCKER_DEFAULT_ADDRESS_POOLS}
 * @returns e.g. 172.17.0.0/16 ... 172.31.0.0/16, 192.168.0.0/20 ... 192.168.240.0/20 (31 networks)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dockerPoolNetworks, formatCidr } from "flannel-ts/subnet";
 * assert.deepEqual(dockerPoolNetworks().map(formatCidr).slice(0, 2), ["172.17.0.0/16", "172.18.0.0/16"]);
 * ```
 */
export function dockerPoolNetworks(pools: readonly AddressPool[] = DOCKER_DEFAULT_ADDRESS_POOLS): Cidr4[] {
  const out: Cidr4[] = [];
  for (const { base, size } of pools) {
    if (size < base.prefix || size > 32) throw new RangeError(`dockerPoolNetworks: size /${size} does not split ${formatCidr(base)}`);
    const step = 2 ** (32 - size);
    for (let i = 0; i < 2 ** (size - base.prefix); i++) out.push(cidr4(base.address + i * step, size));
  }
  return out;
}

/** Something a flannel network (or subnet) overlaps on a Docker host. */
export interface DockerConflict {
  readonly kind: "docker-address-pool" | "host-route";
  /** The pool network or route destination that overlaps. */
  readonly overlaps: Cidr;
  readonly message: string;
}

/** What {@link findDockerConflicts} compares against. */
export interface DockerConflictOptions {
  /** Pools dockerd allocates from; default {@link DOCKER_DEFAULT_ADDRESS_POOLS}. Pass [] to skip. */
  readonly pools?: readonly AddressPool[];
  /** Destinations of the host's routes (the default route 0.0.0.0/0 is skipped); default none. */
  readonly routes?: Iterable<Cidr>;
}

/**
 * Lists what a flannel network or subnet overlaps: networks dockerd may hand
 * out from its address pools (so `docker network create` could shadow part of
 * the overlay), and destinations of the host's routes (a LAN or VPN that
 * overlay traffic would be confused with).
 *
 * @param cidr the flannel network or a host's subnet
 * @param options the pools and routes to compare against
 * @returns the conflicts, each with a message saying what to change; empty when clear
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { findDockerConflicts, parseCidr } from "flannel-ts/subnet";
 * const network = parseCidr("172.20.0.0/16")._unsafeUnwrap();
 * assert.deepEqual(findDockerConflicts(network).map((c) => c.kind), ["docker-address-pool"]);
 * ```
 */
export function findDockerConflicts(cidr: Cidr, options: DockerConflictOptions = {}): DockerConflict[] {
  const out: DockerConflict[] = [];
  const shown = formatCidr(cidr);
  for (const network of dockerPoolNetworks(options.pools ?? DOCKER_DEFAULT_ADDRESS_POOLS)) {
    if (!cidrOverlaps(cidr, network)) continue;
    out.push({
      kind: "docker-address-pool",
      overlaps: network,
      message: `${shown} overlaps ${
        formatCidr(network)
      } from Docker's address pools: dockerd may give it to a new network; pick a flannel network outside the pools or set "default-address-pools" in daemon.json`,
    });
  }
  for (const route of options.routes ?? []) {
    if (route.prefix === 0 || !cidrOverlaps(cidr, route)) continue;
    out.push({
      kind: "host-route",
      overlaps: route,
      message: `${shown} overlaps the host route to ${formatCidr(route)}: traffic for those addresses would be ambiguous; pick a flannel network that no route covers`,
    });
  }
  return out;
}
