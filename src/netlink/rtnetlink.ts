import { errAsync, okAsync, ResultAsync } from "neverthrow";
import type { AddressInfo } from "./address-info.ts";
import { type AddressFilter, dumpAddresses } from "./address-requests.ts";
import { applyRequests, type BatchResult } from "./apply-requests.ts";
import type { FdbEntry } from "./fdb-entry.ts";
import { dumpFdb } from "./fdb-requests.ts";
import type { LinkInfo } from "./link-info.ts";
import { dumpLinks, getLink } from "./link-requests.ts";
import type { LinkRef } from "./link-ref.ts";
import type { NeighbourInfo } from "./neighbour-info.ts";
import { dumpNeighbours, type NeighbourFilter } from "./neighbour-requests.ts";
import type { NetlinkBatchError } from "./netlink-errors.ts";
import type { NetlinkQuery, NetlinkRequest } from "./netlink-request.ts";
import type { NetlinkTransport } from "./netlink-transport.ts";
import type { RouteInfo } from "./route-info.ts";
import type { Ip } from "../subnet/ip.ts";
import { ERRNO } from "../libc/libc.ts";
import { dumpRoutes, getRoute, type RouteFilter } from "./route-requests.ts";
import { runQuery } from "./run-query.ts";
import { SequenceNumbers } from "./sequence-numbers.ts";

/** A get's one value, or undefined when the kernel refuses it with `errno` (no such device, no route). */
function oneOrNone<T>(answer: ResultAsync<T[], NetlinkBatchError>, errno: number): ResultAsync<T | undefined, NetlinkBatchError> {
  return answer
    .map((values): T | undefined => values[0])
    .orElse((e) => (e.kind === "netlink-query-refused" && e.failure.errno === errno ? okAsync(undefined) : errAsync(e)));
}

/** Limits of the {@link Rtnetlink} facade; each has the batch layer's default. */
export interface RtnetlinkOptions {
  /** How long to wait for more answers, in ms. Default 2000. */
  readonly timeoutMs?: number;
  /** Change requests per sendmsg. Default 128. */
  readonly requestsPerSend?: number;
  /** Bytes per sendmsg. Default 32 KiB. */
  readonly bytesPerSend?: number;
  /** How often to read a dump that changed while it was read. Default 5. */
  readonly dumpAttempts?: number;
  /** The first sequence number. Default 1. */
  readonly firstSeq?: number;
}

/**
 * The kernel's routing tables as flannel's backends use them: apply many
 * changes in one batch (each checked by its ACK) and read devices,
 * addresses, routes, neighbours and FDB entries back. Exchanges on one
 * socket run one after another, in call order.
 *
 * @example
 * ```ts ignore
 * import { openRtnetlink } from "flannel-ts/node";
 * import { replaceRoute } from "flannel-ts/netlink";
 * import { parseCidr, parseIp } from "flannel-ts/subnet";
 *
 * // As root: a route through flannel.1, then every route out of it.
 * const rtnl = openRtnetlink()._unsafeUnwrap();
 * const device = (await rtnl.linkByName("flannel.1"))._unsafeUnwrap()!;
 * const result = await rtnl.apply([
 *   replaceRoute({ dst: parseCidr("10.5.2.0/24")._unsafeUnwrap(), gateway: parseIp("10.5.2.0")._unsafeUnwrap(), oif: device, onlink: true }),
 * ]);
 * for (const failure of result._unsafeUnwrap().failures) console.error(failure.message);
 * console.log(await rtnl.routes({ family: 4, oif: device }));
 * rtnl.close();
 * ```
 */
export class Rtnetlink {
  private readonly sequence: SequenceNumbers;
  private tail: Promise<unknown> = Promise.resolve();

  /**
   * @param transport the socket (`openNetlinkSocket` in flannel-ts/node or flannel-ts/deno)
   * @param options limits
   */
  constructor(
    private readonly transport: NetlinkTransport,
    private readonly options: RtnetlinkOptions = {},
  ) {
    this.sequence = new SequenceNumbers(options.firstSeq ?? 1);
  }

  /** Runs exchanges one at a time: answers on one socket must not interleave. */
  private serial<T>(exchange: () => ResultAsync<T, NetlinkBatchError>): ResultAsync<T, NetlinkBatchError> {
    const run = this.tail.then(() => exchange());
    this.tail = run.then(
      () => undefined,
      () => undefined,
    );
    return new ResultAsync(run);
  }

  /**
   * Sends change requests (`replaceRoute`, `replaceNeighbour`, `replaceFdb`,
   * `newLinkVxlan`, ...) in few sendmsg calls and checks every ACK.
   *
   * @param requests the changes, applied in order
   * @returns how many the kernel applied and each refusal with its errno and description, or why the batch could not complete
   */
  apply(requests: readonly NetlinkRequest[]): ResultAsync<BatchResult, NetlinkBatchError> {
    return this.serial(() => applyRequests(this.transport, requests, { sequence: this.sequence, ...this.options }));
  }

  /**
   * Runs a query (a dump or a get) and collects its values.
   *
   * @param query e.g. `dumpRoutes({ family: 4 })`
   * @returns the values
   */
  query<T>(query: NetlinkQuery<T>): ResultAsync<T[], NetlinkBatchError> {
    return this.serial(() => runQuery(this.transport, query, { sequence: this.sequence, ...this.options }));
  }

  /**
   * Every network device.
   *
   * @returns the devices
   */
  links(): ResultAsync<LinkInfo[], NetlinkBatchError> {
    return this.query(dumpLinks());
  }

  /**
   * One device by name.
   *
   * @param name e.g. "flannel.1"
   * @returns the device, or undefined when there is none (ENODEV)
   */
  linkByName(name: string): ResultAsync<LinkInfo | undefined, NetlinkBatchError> {
    return oneOrNone(this.query(getLink(name)), ERRNO.ENODEV);
  }

  /**
   * Addresses, of one family or device when asked.
   *
   * @param filter family and device
   * @returns the addresses
   */
  addresses(filter: AddressFilter = {}): ResultAsync<AddressInfo[], NetlinkBatchError> {
    return this.query(dumpAddresses(filter));
  }

  /**
   * Routes of one family, of one table and device when asked.
   *
   * @param filter family, table, device
   * @returns the routes
   */
  routes(filter: RouteFilter): ResultAsync<RouteInfo[], NetlinkBatchError> {
    return this.query(dumpRoutes(filter));
  }

  /**
   * One device by index.
   *
   * @param index e.g. a route's `oif`
   * @returns the device, or undefined when there is none (ENODEV)
   */
  linkByIndex(index: number): ResultAsync<LinkInfo | undefined, NetlinkBatchError> {
    return oneOrNone(this.query(getLink(index)), ERRNO.ENODEV);
  }

  /**
   * The route the kernel would take to one address, as `ip route get` shows it.
   *
   * @param destination the address
   * @returns the route, with its device (`oif`) and source address (`prefsrc`); undefined when the kernel has no route to it (ENETUNREACH)
   */
  routeTo(destination: Ip): ResultAsync<RouteInfo | undefined, NetlinkBatchError> {
    return oneOrNone(this.query(getRoute(destination)), ERRNO.ENETUNREACH);
  }

  /**
   * ARP and NDP entries, of one family or device when asked.
   *
   * @param filter family and device
   * @returns the entries
   */
  neighbours(filter: NeighbourFilter = {}): ResultAsync<NeighbourInfo[], NetlinkBatchError> {
    return this.query(dumpNeighbours(filter));
  }

  /**
   * FDB entries, of one device when asked.
   *
   * @param filter the device
   * @returns the entries
   */
  fdb(filter: { readonly link?: LinkRef } = {}): ResultAsync<FdbEntry[], NetlinkBatchError> {
    return this.query(dumpFdb(filter));
  }

  /** Closes the socket, when the transport has one. */
  close(): void {
    this.transport.close?.();
  }
}
