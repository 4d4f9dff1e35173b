/**
 * flannel's host-gw backend behind the {@link Backend} interface: no
 * encapsulation, a route to each peer's subnet via its PublicIP on the
 * external interface, through rtnetlink. It works only between hosts on one
 * link; a peer whose PublicIP is not on it is left out, as flanneld does.
 *
 * @module
 */
import { errAsync, ok, okAsync, ResultAsync, safeTry } from "neverthrow";
import type { LeaseRecord } from "../../etcd/registry.ts";
import { RT_TABLE, RTN } from "../../netlink/constants.ts";
import type { LinkRef } from "../../netlink/link-ref.ts";
import type { RouteInfo } from "../../netlink/route-info.ts";
import { type Cidr, cidrContains } from "../../subnet/cidr.ts";
import { formatIp, type Ip, ipEquals } from "../../subnet/ip.ts";
import { deleteRequest, type KernelView } from "../_kernel-entries.ts";
import { type OwnedEntries, PeerProgrammer } from "../_peer-programmer.ts";
import type { Backend, BackendError, BackendLease, BackendReport, OpenBackend, PeerChange } from "../backend.ts";
import { lookupRoute } from "../lookup-route.ts";
import type { KernelEntry, PeerPlan } from "../peer-plan.ts";
import type { OpenRtnetlinkPort, RtnetlinkPort } from "../rtnetlink-port.ts";

/** Options of {@link hostGwBackend}. */
export interface HostGwBackendOptions {
  /** Opens the rtnetlink socket, once, when the backend opens (`openRtnetlink` of `flannel-ts/node` or `flannel-ts/deno`, or a {@link MemoryRtnetlink}). */
  readonly rtnetlink: OpenRtnetlinkPort;
}

const failure = (step: BackendError["step"], message: string): BackendError => ({ kind: "backend", backend: "host-gw", step, message });

interface Family {
  readonly family: 4 | 6;
  readonly network: Cidr;
  readonly subnetLen: number;
}

/** A family's routes of the main table, to decide which peers are on the external interface's link. */
type Lookups = Readonly<Partial<Record<4 | 6, readonly RouteInfo[]>>>;

/**
 * Why a peer's PublicIP cannot be a gateway on the external interface, or
 * undefined when it can: the way to it must be a link route of that
 * interface, without a gateway (flannel's on-link test).
 */
function offLink(routes: readonly RouteInfo[], publicIp: Ip, external: { readonly index: number; readonly name: string }): string | undefined {
  const route = lookupRoute(routes, publicIp);
  const where = `PublicIP ${formatIp(publicIp)} is not on ${external.name}'s link`;
  if (route === undefined) return `${where}: this host has no route to it`;
  if (route.type !== RTN.UNICAST) return `${where}: the route to it is not a unicast route`;
  if (route.gateway !== undefined) return `${where}: the route to it goes via ${formatIp(route.gateway)}`;
  if (route.oif !== external.index) return `${where}: it is reached through ifindex ${route.oif ?? "?"}`;
  return undefined;
}

/**
 * What flanneld's host-gw backend puts in the kernel for a peer: a route to
 * its subnet via its PublicIP on the external interface (and to its IPv6
 * subnet via its PublicIPv6 on dual-stack networks). A lease of another
 * backend, or a peer whose address is not on the interface's link, is left
 * out with the reason.
 *
 * @param lease the peer's lease
 * @param external the external interface
 * @param lookups the main table's routes per family this host carries
 * @returns the routes, or why the peer is left out
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hostGwPeerPlan } from "flannel-ts/backend";
 * import { parseLeaseAttrs } from "flannel-ts/etcd";
 * import { RT_SCOPE, RT_TABLE, RTN, RTPROT } from "flannel-ts/netlink";
 * import { parseCidr, parseCidr4 } from "flannel-ts/subnet";
 *
 * const link = { dst: parseCidr("192.0.2.0/24")._unsafeUnwrap(), oif: 2, onlink: false, table: RT_TABLE.MAIN, protocol: RTPROT.KERNEL, scope: RT_SCOPE.LINK, type: RTN.UNICAST, flags: 0 };
 * const value = '{"PublicIP":"192.0.2.2","PublicIPv6":null,"BackendType":"host-gw"}';
 * const lease = { key: "/coreos.com/network/subnets/10.5.2.0-24", subnet: { ipv4: parseCidr4("10.5.2.0/24")._unsafeUnwrap() }, attrs: parseLeaseAttrs(value)._unsafeUnwrap(), value, createRevision: 1, modRevision: 1 };
 * const plan = hostGwPeerPlan(lease, { index: 2, name: "eth0" }, { 4: [link] });
 * assert.deepEqual("entries" in plan && plan.entries.map((e) => e.kind), ["route"]);
 * ```
 */
export function hostGwPeerPlan(lease: LeaseRecord, external: { readonly index: number; readonly name: string }, lookups: Lookups): PeerPlan {
  const { attrs, subnet } = lease;
  if (attrs.backendType !== "host-gw") {
    return { skip: `its BackendType is ${attrs.backendType === undefined ? "absent" : `"${attrs.backendType}"`}, not "host-gw" (flanneld ignores such leases)` };
  }
  const entries: KernelEntry[] = [];
  const v4 = lookups[4];
  if (v4 !== undefined) {
    const why = offLink(v4, attrs.publicIp, external);
    if (why !== undefined) return { skip: why };
    entries.push({ kind: "route", dst: subnet.ipv4, gateway: attrs.publicIp, oif: external, onlink: false });
  }
  const v6 = lookups[6];
  if (v6 !== undefined && subnet.ipv6 !== undefined) {
    if (attrs.publicIpv6 === undefined) return { skip: "its lease has an IPv6 subnet but no PublicIPv6" };
    const why = offLink(v6, attrs.publicIpv6, external);
    if (why !== undefined) return { skip: why };
    entries.push({ kind: "route", dst: subnet.ipv6, gateway: attrs.publicIpv6, oif: external, onlink: false });
  }
  return { entries };
}

/**
 * The host-gw backend, compatible with flanneld's: lease BackendType
 * "host-gw" with no BackendData, the external interface's MTU, and a route
 * per peer via its PublicIP (PublicIPv6) on the external interface. Like
 * flanneld it refuses a PublicIP that differs from the interface's address
 * (NAT). A peer not on the interface's link is skipped with the reason
 * (the agent logs it once and counts it); a reconcile removes routes into
 * the flannel network through the interface that no lease has and puts
 * back missing ones; closing removes the routes it made.
 *
 * @param options how to open the rtnetlink socket
 * @returns the backend's opener, for the agent's `backends["host-gw"]`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ok } from "flannel-ts/core";
 * import { hostGwBackend, MemoryRtnetlink } from "flannel-ts/backend";
 * import { parseIp4, parseNetworkConfig } from "flannel-ts/subnet";
 *
 * const kernel = new MemoryRtnetlink({ links: [{ index: 2, name: "eth0", type: 1, flags: 1, up: true, mtu: 1500 }] });
 * const ip = parseIp4("192.0.2.1")._unsafeUnwrap();
 * const config = parseNetworkConfig('{"Network":"10.5.0.0/16","Backend":{"Type":"host-gw"}}')._unsafeUnwrap();
 * const backend = (await hostGwBackend({ rtnetlink: () => ok(kernel) })({ config, external: { name: "eth0", mtu: 1500, ifaceAddress: ip, publicIp: ip } }))._unsafeUnwrap();
 * assert.deepEqual([backend.mtu, backend.leaseAttrs], [1500, { backendType: "host-gw" }]);
 * ```
 */
export function hostGwBackend(options: HostGwBackendOptions): OpenBackend {
  return (context) => {
    const { config, external } = context;
    if (config.backend.kind !== "host-gw") return errAsync(failure("open", `the config's Backend.Type is "${config.backend.type}", not host-gw`));
    if (!ipEquals(external.publicIp, external.ifaceAddress)) {
      return errAsync(
        failure(
          "open",
          `PublicIP ${formatIp(external.publicIp)} differs from ${external.name}'s address ${
            formatIp(external.ifaceAddress)
          } (NAT): host-gw routes to peers' PublicIPs directly and cannot work behind NAT; use vxlan`,
        ),
      );
    }
    const families: Family[] = [];
    if (config.ipv4 !== undefined) families.push({ family: 4, network: config.ipv4.network, subnetLen: config.ipv4.subnetLen });
    if (config.ipv6 !== undefined) {
      if (external.publicIpv6 === undefined) {
        return errAsync(failure("open", `the network is dual-stack (EnableIPv6) but interface ${external.name} has no IPv6 address: give it one, or pass --public-ipv6`));
      }
      families.push({ family: 6, network: config.ipv6.network, subnetLen: config.ipv6.subnetLen });
    }
    const opened = options.rtnetlink();
    if (opened.isErr()) return errAsync(failure("open", `cannot open an rtnetlink socket: ${opened.error.message}`));
    const rtnl = opened.value;
    const index = external.index !== undefined ? okAsync<number, BackendError>(external.index) : rtnl
      .linkByName(external.name)
      .mapErr((e) => failure("open", `cannot look up interface ${external.name}: ${e.message}`))
      .andThen((link) => (link === undefined ? errAsync(failure("open", `interface ${external.name} does not exist`)) : okAsync(link.index)));
    return index
      .map((i): Backend => new HostGwBackend(rtnl, { index: i, name: external.name }, external.mtu, families))
      .orElse((error) => {
        rtnl.close();
        return errAsync(error);
      });
  };
}

class HostGwBackend implements Backend {
  readonly kind = "host-gw" as const;
  readonly name = "host-gw";
  readonly leaseAttrs = { backendType: "host-gw" };
  readonly mtu: number;
  readonly #rtnl: RtnetlinkPort;
  readonly #external: { readonly index: number; readonly name: string };
  readonly #families: readonly Family[];
  readonly #programmer: PeerProgrammer;

  constructor(rtnl: RtnetlinkPort, external: { readonly index: number; readonly name: string }, mtu: number, families: readonly Family[]) {
    this.#rtnl = rtnl;
    this.#external = external;
    this.mtu = mtu;
    this.#families = families;
    this.#programmer = new PeerProgrammer(rtnl, "host-gw", (index): LinkRef => (index === external.index ? external : index));
  }

  attach(_lease: BackendLease): ResultAsync<string, BackendError> {
    return okAsync(`routes to the peers' subnets via their PublicIPs on ${this.#external.name}, MTU ${this.mtu}`);
  }

  apply(changes: readonly PeerChange[]): ResultAsync<BackendReport, BackendError> {
    const adds = changes.some((c) => c.kind !== "removed");
    return this.#lookups(adds, "apply").andThen((lookups) => this.#programmer.apply(changes, (lease) => hostGwPeerPlan(lease, this.#external, lookups)));
  }

  reconcile(peers: readonly LeaseRecord[]): ResultAsync<BackendReport, BackendError> {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the generator below is not an arrow
    const self = this;
    return safeTry(async function* () {
      const lookups = yield* self.#lookups(true, "reconcile");
      const view: KernelView = { routes: Object.values(lookups).flat(), neighbours: [], fdb: [] };
      return ok(yield* self.#programmer.reconcile(peers, (lease) => hostGwPeerPlan(lease, self.#external, lookups), view, self.#owned()));
    });
  }

  /** The main table's routes of each family (none needed for a batch of removals only). */
  #lookups(needed: boolean, step: "apply" | "reconcile"): ResultAsync<Lookups, BackendError> {
    if (!needed) return okAsync(Object.fromEntries(this.#families.map((f) => [f.family, []])));
    return ResultAsync.combine(this.#families.map((f) => this.#rtnl.routes({ family: f.family, table: RT_TABLE.MAIN }).map((routes) => [f.family, routes] as const)))
      .mapErr((e) => failure(step, e.message))
      .map((pairs) => Object.fromEntries(pairs));
  }

  /** Routes this backend made: lease-shaped, into the flannel network, with a gateway, through the external interface. */
  #owned(): OwnedEntries {
    const external = this.#external.index;
    return {
      route: (r) =>
        r.table === RT_TABLE.MAIN && r.oif === external && r.gateway !== undefined && this.#families.some((f) => r.dst.prefix === f.subnetLen && cidrContains(f.network, r.dst)),
      neighbour: () => false,
      fdb: () => false,
    };
  }

  async close(): Promise<string> {
    const routes = this.#programmer.entries();
    const result = await this.#rtnl.apply(routes.map(deleteRequest));
    this.#rtnl.close();
    if (result.isErr()) return `routes to peers not removed: ${result.error.message}`;
    const gone = result.value.failures.filter((f) => f.errno !== 3).map((f) => f.message);
    const removed = `${routes.length} route${routes.length === 1 ? "" : "s"} to peers removed`;
    return gone.length === 0 ? removed : `${removed}, except: ${gone.join("; ")}`;
  }
}
