import type { NetlinkDecodeError } from "./decode-error.ts";
import type { NetlinkRequest } from "./netlink-request.ts";
import type { NetlinkTransportError } from "./netlink-transport.ts";

/** The kernel refused one request of a batch: which one, with which errno, in words. */
export interface NetlinkRequestError {
  readonly kind: "netlink-request-failed";
  /** The request's position in the batch given to `applyRequests`. */
  readonly index: number;
  readonly request: NetlinkRequest;
  readonly errno: number;
  /** e.g. "ENETUNREACH". */
  readonly errnoName: string;
  /** The kernel's explanation, when it gave one (extended ACK). */
  readonly kernelMessage?: string;
  /** e.g. "replace route 10.5.2.0/24 via 10.5.2.0 dev flannel.1 onlink: ENETUNREACH (Nexthop has invalid gateway)". */
  readonly message: string;
}

/**
 * Why a batch or a query did not complete: the socket failed, the kernel
 * did not answer in time, its answer could not be read, it refused a query,
 * or a dump kept changing while it was read. Requests of a batch that the
 * kernel refused are not this: they are {@link NetlinkRequestError} values
 * in the batch's result.
 */
export type NetlinkBatchError =
  | NetlinkTransportError
  | NetlinkDecodeError
  | {
    readonly kind: "netlink-timeout";
    /** Requests still without an answer. */
    readonly unanswered: number;
    /** The first of them. */
    readonly description: string;
    readonly message: string;
  }
  | {
    readonly kind: "netlink-query-refused";
    readonly failure: NetlinkRequestError;
    readonly message: string;
  }
  | {
    readonly kind: "netlink-dump-interrupted";
    readonly attempts: number;
    readonly description: string;
    readonly message: string;
  };
