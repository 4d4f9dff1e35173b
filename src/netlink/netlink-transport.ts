import type { Result, ResultAsync } from "neverthrow";

/** A failed socket call: which one, and the errno it set. */
export interface NetlinkTransportError {
  readonly kind: "netlink-transport";
  /** The call that failed, e.g. "sendto" or "recvmsg". */
  readonly operation: string;
  readonly errno: number;
  /** The errno's symbol, e.g. "ENOBUFS". */
  readonly errnoName: string;
  readonly message: string;
}

/**
 * A netlink socket as the batch layer needs it: send a datagram (one or
 * more messages) to the kernel, receive what the kernel queued. The runtime
 * adapters (`openNetlinkSocket` in flannel-ts/node and flannel-ts/deno)
 * implement it over libc; tests implement it in memory.
 */
export interface NetlinkTransport {
  /**
   * Sends one datagram to the kernel. The kernel handles rtnetlink
   * requests inside this call, so their replies are queued when it returns.
   */
  send(datagram: Uint8Array): Result<void, NetlinkTransportError>;
  /**
   * The datagrams queued for this socket (possibly several), each a copy.
   * Waits up to `timeoutMs` for the first one without blocking the event
   * loop for long; resolves to an empty array when none came.
   */
  receive(timeoutMs: number): ResultAsync<readonly Uint8Array[], NetlinkTransportError>;
  /** Releases the socket, when the transport has one. */
  close?(): void;
}
