import { okAsync, type ResultAsync } from "neverthrow";
import { errnoSymbol } from "../libc/errno-name.ts";
import type { AddressInfo } from "../netlink/address-info.ts";
import { decodeAddress } from "../netlink/address-info.ts";
import type { AddressFilter } from "../netlink/address-requests.ts";
import type { BatchResult } from "../netlink/apply-requests.ts";
import { Attributes } from "../netlink/attributes.ts";
import { AF, IFF, NLM_F, NUD, RT_SCOPE, RT_TABLE, RTM, RTN } from "../netlink/constants.ts";
import { decodeFdbEntry, type FdbEntry } from "../netlink/fdb-entry.ts";
import { decodeLink, type LinkInfo } from "../netlink/link-info.ts";
import { linkIndex, type LinkRef } from "../netlink/link-ref.ts";
import { mac as makeMac } from "../netlink/mac.ts";
import { decodeNeighbour, type NeighbourInfo } from "../netlink/neighbour-info.ts";
import type { NeighbourFilter } from "../netlink/neighbour-requests.ts";
import type { NetlinkBatchError, NetlinkRequestError } from "../netlink/netlink-errors.ts";
import { type NetlinkMessage, parseMessages } from "../netlink/netlink-message.ts";
import { encodeRequest, type NetlinkRequest } from "../netlink/netlink-request.ts";
import { decodeRoute, type RouteInfo } from "../netlink/route-info.ts";
import type { RouteFilter } from "../netlink/route-requests.ts";
import { cidrEquals } from "../subnet/cidr.ts";
import { type Ip, ipEquals } from "../subnet/ip.ts";
import { lookupRoute } from "./lookup-route.ts";
import type { RtnetlinkPort } from "./rtnetlink-port.ts";

const E = { ESRCH: 3, ENOENT: 2, EEXIST: 17, ENODEV: 19, EINVAL: 22, ENETDOWN: 100, ENETUNREACH: 101, EADDRNOTAVAIL: 99 } as const;
// ifinfomsg is 16 bytes; IFLA_ADDRESS and IFLA_MTU (linux/if_link.h).
const IFINFOMSG = 16;
const IFLA_ADDRESS = 1;
const IFLA_MTU = 4;

/** The kernel's tables as {@link MemoryRtnetlink} holds them; tests read and change them directly. */
export interface MemoryTables {
  links: LinkInfo[];
  addresses: AddressInfo[];
  /** Every table's routes. */
  routes: RouteInfo[];
  neighbours: NeighbourInfo[];
  fdb: FdbEntry[];
}

/** Options of {@link MemoryRtnetlink}. */
export interface MemoryRtnetlinkOptions {
  /** The devices present from the start (e.g. the external interface). Default none. */
  readonly links?: readonly LinkInfo[];
  /** Routes present from the start (e.g. the external interface's subnet, the default route). Default none. */
  readonly routes?: readonly RouteInfo[];
  /** Answers a request with an errno instead of applying it; 0 or undefined applies it. Default: every request is applied. */
  readonly refuse?: (request: NetlinkRequest) => number | undefined;
}

/**
 * An in-memory kernel behind the {@link RtnetlinkPort}: it decodes each
 * request with the netlink decoders and applies it to its tables with the
 * kernel's rules that the backends meet (EEXIST for a taken device name,
 * ENODEV for a missing device, ENETUNREACH for a gateway that is not on a
 * link, ENETDOWN for an onlink route through a device that is down, ESRCH and
 * ENOENT for deletes of what is not there; deleting a device takes its
 * addresses, routes, neighbours and FDB entries along). It fills in no
 * kernel defaults: a new link needs its MTU and, for VXLAN, its port. Every
 * request is kept in `requests`. For unit tests and examples; no root needed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryRtnetlink } from "flannel-ts/backend";
 * import { newLinkVxlan, replaceRoute } from "flannel-ts/netlink";
 * import { parseCidr, parseIp } from "flannel-ts/subnet";
 *
 * const kernel = new MemoryRtnetlink();
 * (await kernel.apply([newLinkVxlan({ name: "flannel.1", vni: 1, port: 8472, mtu: 1450, up: true })]))._unsafeUnwrap();
 * const device = (await kernel.linkByName("flannel.1"))._unsafeUnwrap()!;
 * const route = replaceRoute({ dst: parseCidr("10.5.2.0/24")._unsafeUnwrap(), gateway: parseIp("10.5.2.0")._unsafeUnwrap(), oif: device, onlink: true });
 * assert.equal((await kernel.apply([route]))._unsafeUnwrap().applied, 1);
 * assert.equal(kernel.tables.routes.length, 1);
 * ```
 */
export class MemoryRtnetlink implements RtnetlinkPort {
  /** The tables, to read or change by hand. */
  readonly tables: MemoryTables;
  /** Every request applied or refused, in order. */
  readonly requests: NetlinkRequest[] = [];
  /** Whether `close()` was called. */
  closed = false;
  readonly #refuse: ((request: NetlinkRequest) => number | undefined) | undefined;
  #nextIndex: number;
  #nextMac = 0x02aa00000001;

  /** @param options devices and routes present from the start, and refusals */
  constructor(options: MemoryRtnetlinkOptions = {}) {
    this.tables = { links: [...(options.links ?? [])], addresses: [], routes: [...(options.routes ?? [])], neighbours: [], fdb: [] };
    this.#refuse = options.refuse;
    this.#nextIndex = Math.max(1, ...this.tables.links.map((l) => l.index)) + 1;
  }

  /**
   * Applies requests one by one, as the kernel handles a batch.
   *
   * @param requests the changes
   * @returns how many were applied and each refusal
   */
  apply(requests: readonly NetlinkRequest[]): ResultAsync<BatchResult, NetlinkBatchError> {
    const failures: NetlinkRequestError[] = [];
    let applied = 0;
    requests.forEach((request, index) => {
      this.requests.push(request);
      const errno = this.#refuse?.(request) || this.#handle(request);
      if (errno === 0) {
        applied++;
        return;
      }
      const errnoName = errnoSymbol(errno);
      failures.push({ kind: "netlink-request-failed", index, request, errno, errnoName, message: `${request.description}: ${errnoName}` });
    });
    return okAsync({ applied, failures });
  }

  /**
   * @param name the device's name
   * @returns the device, or undefined
   */
  linkByName(name: string): ResultAsync<LinkInfo | undefined, NetlinkBatchError> {
    return okAsync(this.tables.links.find((l) => l.name === name));
  }

  /**
   * @param filter family and device
   * @returns the addresses
   */
  addresses(filter: AddressFilter = {}): ResultAsync<AddressInfo[], NetlinkBatchError> {
    return okAsync(
      this.tables.addresses.filter((a) => (filter.family === undefined || a.address.family === filter.family) && (filter.link === undefined || a.index === linkIndex(filter.link))),
    );
  }

  /**
   * @param filter family, table, device
   * @returns the routes
   */
  routes(filter: RouteFilter): ResultAsync<RouteInfo[], NetlinkBatchError> {
    return okAsync(
      this.tables.routes.filter(
        (r) => r.dst.family === filter.family && (filter.table === undefined || r.table === filter.table) && (filter.oif === undefined || r.oif === linkIndex(filter.oif)),
      ),
    );
  }

  /**
   * @param filter family and device
   * @returns the entries
   */
  neighbours(filter: NeighbourFilter = {}): ResultAsync<NeighbourInfo[], NetlinkBatchError> {
    return okAsync(
      this.tables.neighbours.filter((n) => (filter.family === undefined || n.ip.family === filter.family) && (filter.link === undefined || n.index === linkIndex(filter.link))),
    );
  }

  /**
   * @param filter the device
   * @returns the entries
   */
  fdb(filter: { readonly link?: LinkRef } = {}): ResultAsync<FdbEntry[], NetlinkBatchError> {
    return okAsync(this.tables.fdb.filter((e) => filter.link === undefined || e.index === linkIndex(filter.link)));
  }

  /** Marks the kernel closed. */
  close(): void {
    this.closed = true;
  }

  /** Applies one request; the errno, 0 when applied. */
  #handle(request: NetlinkRequest): number {
    const parsed = parseMessages(encodeRequest(request, 1));
    const message = parsed.isOk() ? parsed.value[0] : undefined;
    if (message === undefined) return E.EINVAL;
    const create = (request.flags & NLM_F.CREATE) !== 0;
    switch (request.type) {
      case RTM.NEWLINK:
        return create ? this.#newLink(message, (request.flags & NLM_F.EXCL) !== 0) : this.#setLink(message.payload);
      case RTM.DELLINK:
        return this.#deleteLink(new DataView(message.payload.buffer, message.payload.byteOffset).getInt32(4, true));
      case RTM.NEWADDR:
        return this.#newAddress(message, (request.flags & NLM_F.EXCL) !== 0);
      case RTM.DELADDR:
        return this.#deleteAddress(message);
      case RTM.NEWROUTE:
        return this.#newRoute(message, (request.flags & NLM_F.REPLACE) !== 0);
      case RTM.DELROUTE:
        return this.#deleteRoute(message);
      case RTM.NEWNEIGH:
      case RTM.DELNEIGH:
        return message.payload[0] === AF.BRIDGE
          ? this.#fdbChange(message, request.type === RTM.NEWNEIGH, (request.flags & NLM_F.APPEND) !== 0)
          : this.#neighbourChange(message, request.type === RTM.NEWNEIGH);
      default:
        return E.EINVAL;
    }
  }

  #link(index: number | undefined): LinkInfo | undefined {
    return index === undefined ? undefined : this.tables.links.find((l) => l.index === index);
  }

  #newLink(message: NetlinkMessage, exclusive: boolean): number {
    const decoded = decodeLink(message);
    if (decoded.isErr()) return E.EINVAL;
    const spec = decoded.value;
    if (this.tables.links.some((l) => l.name === spec.name)) return exclusive ? E.EEXIST : 0;
    if (spec.vxlan?.link !== undefined && this.#link(spec.vxlan.link) === undefined) return E.ENODEV;
    const index = this.#nextIndex++;
    const mac = spec.mac ?? makeMac(this.#nextMac++);
    this.tables.links.push({ ...spec, index, type: 1, mac });
    return 0;
  }

  #setLink(payload: Uint8Array): number {
    if (payload.length < IFINFOMSG) return E.EINVAL;
    const view = new DataView(payload.buffer, payload.byteOffset, payload.length);
    const index = view.getInt32(4, true);
    const flags = view.getUint32(8, true);
    const change = view.getUint32(12, true);
    const link = this.#link(index);
    if (link === undefined) return E.ENODEV;
    const attributes = Attributes.parse(payload, IFINFOMSG, payload.length);
    if (attributes.isErr()) return E.EINVAL;
    const mtu = attributes.value.u32(IFLA_MTU, "IFLA_MTU");
    const mac = attributes.value.has(IFLA_ADDRESS) ? attributes.value.mac(IFLA_ADDRESS, "IFLA_ADDRESS") : undefined;
    if (mtu.isErr() || mac?.isErr() === true) return E.EINVAL;
    const up = (change & IFF.UP) !== 0 ? (flags & IFF.UP) !== 0 : link.up;
    const updated: LinkInfo = {
      ...link,
      up,
      flags: up ? link.flags | IFF.UP : link.flags & ~IFF.UP,
      ...(mtu.value === undefined ? {} : { mtu: mtu.value }),
      ...(mac === undefined || mac.isErr() || mac.value === undefined ? {} : { mac: mac.value }),
    };
    this.tables.links = this.tables.links.map((l) => (l.index === index ? updated : l));
    return 0;
  }

  #deleteLink(index: number): number {
    if (this.#link(index) === undefined) return E.ENODEV;
    const t = this.tables;
    t.links = t.links.filter((l) => l.index !== index);
    t.addresses = t.addresses.filter((a) => a.index !== index);
    t.routes = t.routes.filter((r) => r.oif !== index);
    t.neighbours = t.neighbours.filter((n) => n.index !== index);
    t.fdb = t.fdb.filter((e) => e.index !== index);
    return 0;
  }

  #newAddress(message: NetlinkMessage, exclusive: boolean): number {
    const decoded = decodeAddress(message);
    if (decoded.isErr()) return E.EINVAL;
    const address = decoded.value;
    if (this.#link(address.index) === undefined) return E.ENODEV;
    const same = (a: AddressInfo): boolean => a.index === address.index && cidrEquals(a.address, address.address);
    if (this.tables.addresses.some(same)) return exclusive ? E.EEXIST : 0;
    this.tables.addresses.push(address);
    return 0;
  }

  #deleteAddress(message: NetlinkMessage): number {
    const decoded = decodeAddress(message);
    if (decoded.isErr()) return E.EINVAL;
    const address = decoded.value;
    const before = this.tables.addresses.length;
    this.tables.addresses = this.tables.addresses.filter((a) => !(a.index === address.index && cidrEquals(a.address, address.address)));
    return this.tables.addresses.length === before ? E.EADDRNOTAVAIL : 0;
  }

  #newRoute(message: NetlinkMessage, replace: boolean): number {
    const decoded = decodeRoute(message);
    if (decoded.isErr()) return E.EINVAL;
    const route = decoded.value;
    const device = this.#link(route.oif);
    if (route.oif !== undefined && device === undefined) return E.ENODEV;
    if (route.gateway !== undefined) {
      if (route.onlink) {
        if (device === undefined) return E.ENODEV;
        if (!device.up) return E.ENETDOWN;
      } else if (!this.#onLink(route.gateway, route.oif)) {
        return E.ENETUNREACH;
      }
    }
    const same = (r: RouteInfo): boolean => r.table === route.table && cidrEquals(r.dst, route.dst) && (r.priority ?? 0) === (route.priority ?? 0);
    const existing = this.tables.routes.findIndex(same);
    if (existing >= 0 && !replace) return E.EEXIST;
    if (existing >= 0) this.tables.routes[existing] = route;
    else this.tables.routes.push(route);
    return 0;
  }

  /** Whether a link-scope route of the main table reaches `gateway` (through `oif` when given). */
  #onLink(gateway: Ip, oif: number | undefined): boolean {
    const main = this.tables.routes.filter((r) => r.table === RT_TABLE.MAIN && (oif === undefined || r.oif === oif));
    const best = lookupRoute(main, gateway);
    return best !== undefined && best.gateway === undefined && best.type === RTN.UNICAST && (best.scope === RT_SCOPE.LINK || best.scope === RT_SCOPE.HOST);
  }

  #deleteRoute(message: NetlinkMessage): number {
    const decoded = decodeRoute(message);
    if (decoded.isErr()) return E.EINVAL;
    const key = decoded.value;
    const gateway = key.gateway;
    const index = this.tables.routes.findIndex(
      (r) =>
        r.table === key.table &&
        cidrEquals(r.dst, key.dst) &&
        (key.oif === undefined || r.oif === key.oif) &&
        (gateway === undefined || (r.gateway !== undefined && ipEquals(r.gateway, gateway))),
    );
    if (index < 0) return E.ESRCH;
    this.tables.routes.splice(index, 1);
    return 0;
  }

  #neighbourChange(message: NetlinkMessage, add: boolean): number {
    const decoded = decodeNeighbour(message);
    if (decoded.isErr()) return E.EINVAL;
    const entry = decoded.value;
    if (this.#link(entry.index) === undefined) return E.ENODEV;
    const same = (n: NeighbourInfo): boolean => n.index === entry.index && ipEquals(n.ip, entry.ip);
    const rest = this.tables.neighbours.filter((n) => !same(n));
    if (!add) {
      if (rest.length === this.tables.neighbours.length) return E.ENOENT;
      this.tables.neighbours = rest;
      return 0;
    }
    this.tables.neighbours = [...rest, { ...entry, type: RTN.UNICAST, state: entry.state === 0 ? NUD.PERMANENT : entry.state }];
    return 0;
  }

  #fdbChange(message: NetlinkMessage, add: boolean, append: boolean): number {
    const decoded = decodeFdbEntry(message);
    if (decoded.isErr()) return E.EINVAL;
    const entry = decoded.value;
    if (this.#link(entry.index) === undefined) return E.ENODEV;
    const sameMac = (e: FdbEntry): boolean => e.index === entry.index && e.mac.value === entry.mac.value;
    const dst = entry.dst;
    const sameDst = (e: FdbEntry): boolean => dst === undefined || (e.dst !== undefined && ipEquals(e.dst, dst));
    if (!add) {
      const rest = this.tables.fdb.filter((e) => !(sameMac(e) && sameDst(e)));
      if (rest.length === this.tables.fdb.length) return E.ENOENT;
      this.tables.fdb = rest;
      return 0;
    }
    // A VXLAN device's replace changes the first remote of the MAC; append adds one more.
    const first = append ? -1 : this.tables.fdb.findIndex(sameMac);
    if (first >= 0) this.tables.fdb[first] = entry;
    else if (!this.tables.fdb.some((e) => sameMac(e) && sameDst(e))) this.tables.fdb.push(entry);
    return 0;
  }
}
