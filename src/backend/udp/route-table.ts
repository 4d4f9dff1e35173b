import { DEFAULT_UDP_PORT } from "../../core/defaults.ts";
import { type Cidr4, cidr4, cidrNetwork, type Ip4, ip4, mask4 } from "../../subnet/index.ts";

/** Where packets for a subnet go: the peer's public address (uint32) and UDP port. */
export interface RoutePeer {
  readonly address: number;
  readonly port: number;
}

/** One route as the table lists it: a subnet and the peer that holds it. */
export interface Route {
  /** The peer's subnet (its network address, host bits cleared). */
  readonly subnet: Cidr4;
  /** The peer's public IP (flannel's PublicIP of the lease). */
  readonly peer: Ip4;
  readonly port: number;
}

/**
 * One change to a route table as plain numbers, the form in which a table
 * is replicated to the threads that forward packets.
 */
export type RouteChange =
  | { readonly op: "set"; readonly network: number; readonly prefix: number; readonly address: number; readonly port: number }
  | { readonly op: "delete"; readonly network: number; readonly prefix: number }
  | { readonly op: "clear" };

/** Options of {@link RouteTable}. */
export interface RouteTableOptions {
  /** The UDP port of routes set without one. Default {@link DEFAULT_UDP_PORT} (8285). */
  readonly defaultPort?: number;
}

/**
 * The engine's routes: which peer holds which subnet. Lookup is a longest
 * prefix match with one hash lookup per distinct prefix length in the table
 * (one, for a flannel network, whose subnets share a length), so it stays
 * flat with 10,000 peers; a one-entry cache serves bursts to one destination.
 * The set of peer addresses doubles as the inbound source filter.
 *
 * The table is driven by lease events: `set` on a lease added or updated,
 * `delete` on a lease removed. Changes are published to subscribers as
 * {@link RouteChange} records, which is how the forwarding threads follow.
 *
 * @example
 * ```ts
 * import { RouteTable } from "./route-table.ts";
 * import { parseCidr4, parseIp4 } from "../../subnet/index.ts";
 * const routes = new RouteTable();
 * routes.set(parseCidr4("10.5.2.0/24")._unsafeUnwrap(), parseIp4("192.0.2.2")._unsafeUnwrap());
 * routes.lookup(0x0a050207); // { address: 3221225986, port: 8285 } (192.0.2.2)
 * routes.hasPeer(0xc0000202); // true
 * routes.delete(parseCidr4("10.5.2.0/24")._unsafeUnwrap()); // true
 * routes.lookup(0x0a050207); // undefined
 * ```
 */
export class RouteTable {
  /** The UDP port of routes set without one. */
  readonly defaultPort: number;
  // Per distinct prefix length, longest first: the mask and a map from
  // network address to peer. Parallel arrays keep the lookup loop tight.
  private prefixes: number[] = [];
  private masks: number[] = [];
  private tables: Map<number, RoutePeer>[] = [];
  private readonly peerCounts = new Map<number, number>();
  private readonly listeners = new Set<(change: RouteChange) => void>();
  private count = 0;
  private cachedDestination = -1;
  private cachedPeer: RoutePeer | undefined = undefined;

  /**
   * @param routes routes to start with (e.g. the CLI's static list)
   * @param options see {@link RouteTableOptions}
   */
  constructor(routes: Iterable<Route> = [], options: RouteTableOptions = {}) {
    this.defaultPort = options.defaultPort ?? DEFAULT_UDP_PORT;
    for (const route of routes) this.set(route.subnet, route.peer, route.port);
  }

  /** The number of routes. */
  get size(): number {
    return this.count;
  }

  /**
   * Adds or replaces the route for `subnet` (host bits are cleared).
   *
   * @param subnet the peer's subnet
   * @param peer the peer's public IP
   * @param port the peer's UDP port (default: the table's default port)
   */
  set(subnet: Cidr4, peer: Ip4, port: number = this.defaultPort): void {
    const network = cidrNetwork(subnet);
    this.apply({ op: "set", network: network.address, prefix: network.prefix, address: peer.value, port });
  }

  /**
   * Removes the route for `subnet` (host bits are cleared).
   *
   * @returns whether there was one
   */
  delete(subnet: Cidr4): boolean {
    const network = cidrNetwork(subnet);
    const had = this.get(network) !== undefined;
    if (had) this.apply({ op: "delete", network: network.address, prefix: network.prefix });
    return had;
  }

  /** Removes every route. */
  clear(): void {
    this.apply({ op: "clear" });
  }

  /**
   * The route for exactly `subnet` (host bits are cleared), if any.
   *
   * @returns the route, or undefined
   */
  get(subnet: Cidr4): Route | undefined {
    const network = cidrNetwork(subnet);
    const i = this.prefixes.indexOf(network.prefix);
    const peer = i < 0 ? undefined : this.tables[i]!.get(network.address);
    return peer === undefined ? undefined : { subnet: network, peer: ip4(peer.address), port: peer.port };
  }

  /**
   * Finds the peer whose subnet holds `destination` (longest prefix wins).
   *
   * @param destination an IPv4 address as a 32-bit unsigned integer
   * @returns the peer, or undefined when no subnet holds the address
   */
  lookup(destination: number): RoutePeer | undefined {
    if (destination === this.cachedDestination) return this.cachedPeer;
    const prefixes = this.prefixes.length;
    for (let i = 0; i < prefixes; i++) {
      const peer = this.tables[i]!.get((destination & this.masks[i]!) >>> 0);
      if (peer !== undefined) {
        this.cachedDestination = destination;
        this.cachedPeer = peer;
        return peer;
      }
    }
    return undefined;
  }

  /**
   * Whether `address` is the public IP of any route's peer: the inbound
   * source filter.
   *
   * @param address an IPv4 address as a 32-bit unsigned integer
   */
  hasPeer(address: number): boolean {
    return this.peerCounts.has(address);
  }

  /** Every route, ordered by subnet. */
  routes(): Route[] {
    const all: Route[] = [];
    for (let i = 0; i < this.prefixes.length; i++) {
      const prefix = this.prefixes[i]!;
      for (const [network, peer] of this.tables[i]!) all.push({ subnet: cidr4(network, prefix), peer: ip4(peer.address), port: peer.port });
    }
    return all.sort((a, b) => a.subnet.address - b.subnet.address || a.subnet.prefix - b.subnet.prefix);
  }

  /**
   * Calls `listener` with every change from now on.
   *
   * @returns a function that unsubscribes
   */
  subscribe(listener: (change: RouteChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Applies a change made elsewhere (a replica following its primary) and
   * publishes it to this table's subscribers.
   *
   * @param change the change; values out of range are a bug and throw
   */
  apply(change: RouteChange): void {
    switch (change.op) {
      case "set":
        this.applySet(change.network, change.prefix, change.address, change.port);
        break;
      case "delete":
        this.applyDelete(change.network, change.prefix);
        break;
      case "clear":
        this.prefixes = [];
        this.masks = [];
        this.tables = [];
        this.peerCounts.clear();
        this.count = 0;
        break;
    }
    this.cachedDestination = -1;
    this.cachedPeer = undefined;
    for (const listener of this.listeners) listener(change);
  }

  private applySet(network: number, prefix: number, address: number, port: number): void {
    cidr4(network, prefix);
    ip4(address);
    if (!Number.isInteger(port) || port < 1 || port > 0xffff) throw new RangeError(`RouteTable: port ${port} is not 1..65535`);
    const masked = (network & mask4(prefix)) >>> 0;
    let i = this.prefixes.indexOf(prefix);
    if (i < 0) {
      i = this.prefixes.findIndex((p) => p < prefix);
      if (i < 0) i = this.prefixes.length;
      this.prefixes.splice(i, 0, prefix);
      this.masks.splice(i, 0, mask4(prefix));
      this.tables.splice(i, 0, new Map());
    }
    const table = this.tables[i]!;
    const old = table.get(masked);
    if (old !== undefined) this.releasePeer(old.address);
    else this.count++;
    table.set(masked, Object.freeze({ address, port }));
    this.peerCounts.set(address, (this.peerCounts.get(address) ?? 0) + 1);
  }

  private applyDelete(network: number, prefix: number): void {
    const i = this.prefixes.indexOf(prefix);
    if (i < 0) return;
    const table = this.tables[i]!;
    const masked = (network & mask4(prefix)) >>> 0;
    const old = table.get(masked);
    if (old === undefined) return;
    table.delete(masked);
    this.releasePeer(old.address);
    this.count--;
    if (table.size === 0) {
      this.prefixes.splice(i, 1);
      this.masks.splice(i, 1);
      this.tables.splice(i, 1);
    }
  }

  private releasePeer(address: number): void {
    const n = this.peerCounts.get(address) ?? 0;
    if (n <= 1) this.peerCounts.delete(address);
    else this.peerCounts.set(address, n - 1);
  }
}
