import { err, errAsync, ok, okAsync, type Result, type ResultAsync, safeTry } from "neverthrow";
import { type Clock, sleep, systemClock } from "../core/clock.ts";
import { errnoName, errnoSymbol } from "../libc/errno-name.ts";
import { ERRNO, type Libc, writeU64 } from "../libc/libc.ts";
import { AF } from "./constants.ts";
import type { NetlinkTransport, NetlinkTransportError } from "./netlink-transport.ts";

const SOCK_RAW = 3;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const NETLINK_ROUTE = 0;
const SOL_SOCKET = 1;
const SO_RCVBUF = 8;
const SO_RCVBUFFORCE = 33;
const SOL_NETLINK = 270;
const NETLINK_CAP_ACK = 10;
const NETLINK_EXT_ACK = 11;
const NETLINK_GET_STRICT_CHK = 12;
const MSG_TRUNC = 0x20;
const MSG_DONTWAIT = 0x40;
const POLLIN = 0x1;
const EMSGSIZE = 90;
/** Bytes of `struct sockaddr_nl`: family, pad, port id, groups. */
const SOCKADDR_NL_LENGTH = 12;
/** Bytes of `struct msghdr` on 64-bit Linux. */
const MSGHDR_LENGTH = 56;
/** The kernel fills a dump datagram up to 32 KiB; twice that leaves room. */
const RECEIVE_BUFFER = 64 * 1024;
/** Datagrams read in one receive before the event loop gets a turn. */
const DRAIN_LIMIT = 512;
/** How long one poll(2) may hold the thread while the kernel has not answered yet. */
const POLL_GUARD_MS = 2;

/** How {@link openLibcNetlinkSocket} sets the socket up. */
export interface NetlinkSocketOptions {
  /**
   * The receive buffer to ask for, in bytes: SO_RCVBUFFORCE (root), else
   * SO_RCVBUF (capped by net.core.rmem_max). Default 1 MiB, as iproute2.
   */
  readonly receiveBuffer?: number;
  /** Paces the waits of `receive`. Default the system clock. */
  readonly clock?: Clock;
}

function offHeap(length: number): Uint8Array {
  return new Uint8Array(new ArrayBuffer(length));
}

function failure(operation: string, errno: number, detail = ""): NetlinkTransportError {
  return { kind: "netlink-transport", operation, errno, errnoName: errnoSymbol(errno), message: `netlink socket: ${operation}: ${errnoName(errno)}${detail}` };
}

/**
 * An rtnetlink socket over the C library: AF_NETLINK, SOCK_RAW, non-blocking,
 * bound to a port the kernel picks, with extended and capped ACKs and strict
 * dump checking turned on. The kernel handles a request inside `send`, so
 * `receive` finds the answers queued; it reads them without blocking and
 * otherwise waits in short polls, giving the event loop its turn between
 * them.
 */
export class LibcNetlinkSocket implements NetlinkTransport {
  private sendBuffer = offHeap(32 * 1024);
  private readonly receiveBuffer = offHeap(RECEIVE_BUFFER);
  private readonly message = offHeap(MSGHDR_LENGTH);
  private readonly iovec = offHeap(16);
  private readonly pollfd = offHeap(8);
  private readonly kernel = offHeap(SOCKADDR_NL_LENGTH);
  private closed = false;

  /**
   * @param libc the C library calls
   * @param fd an open, bound AF_NETLINK socket (O_NONBLOCK)
   * @param clock paces the waits of `receive`
   */
  constructor(
    private readonly libc: Libc,
    readonly fd: number,
    private readonly clock: Clock,
  ) {
    this.kernel[0] = AF.NETLINK;
    writeU64(this.iovec, 0, libc.addressOf(this.receiveBuffer));
    writeU64(this.iovec, 8, RECEIVE_BUFFER);
    writeU64(this.message, 16, libc.addressOf(this.iovec));
    writeU64(this.message, 24, 1);
    new DataView(this.pollfd.buffer).setInt32(0, fd, true);
    this.pollfd[4] = POLLIN;
  }

  /** Sends one datagram to the kernel (sendto, again after EINTR). */
  send(datagram: Uint8Array): Result<void, NetlinkTransportError> {
    if (datagram.length > this.sendBuffer.length) this.sendBuffer = offHeap(2 ** Math.ceil(Math.log2(datagram.length)));
    this.sendBuffer.set(datagram);
    for (;;) {
      const sent = this.libc.sendto(this.fd, this.libc.addressOf(this.sendBuffer), datagram.length, 0, this.libc.addressOf(this.kernel), SOCKADDR_NL_LENGTH);
      if (sent === datagram.length) return ok(undefined);
      if (sent >= 0) return err(failure("sendto", EMSGSIZE, `: sent ${sent} of ${datagram.length} bytes`));
      const errno = this.libc.errno();
      if (errno !== ERRNO.EINTR) return err(failure("sendto", errno));
    }
  }

  /** Every queued datagram; waits up to `timeoutMs` for the first in short polls. */
  receive(timeoutMs: number): ResultAsync<readonly Uint8Array[], NetlinkTransportError> {
    const first = this.drain();
    if (first.isErr()) return errAsync(first.error);
    if (first.value.length > 0) return okAsync(first.value);
    const clock = this.clock;
    const deadline = clock.now() + timeoutMs;
    const poll = (): void => {
      this.pollfd[6] = 0;
      this.pollfd[7] = 0;
      this.libc.poll(this.libc.addressOf(this.pollfd), 1, Math.max(0, Math.min(POLL_GUARD_MS, deadline - clock.now())));
    };
    const drain = (): Result<Uint8Array[], NetlinkTransportError> => this.drain();
    return safeTry(async function* () {
      for (;;) {
        poll();
        const datagrams = yield* drain();
        if (datagrams.length > 0 || clock.now() >= deadline) return ok(datagrams);
        await sleep(clock, 1);
      }
    });
  }

  /** Reads every queued datagram without blocking (up to a limit). */
  private drain(): Result<Uint8Array[], NetlinkTransportError> {
    const datagrams: Uint8Array[] = [];
    const message = this.libc.addressOf(this.message);
    while (datagrams.length < DRAIN_LIMIT) {
      const length = this.libc.recvmsg(this.fd, message, MSG_DONTWAIT | MSG_TRUNC);
      if (length < 0) {
        const errno = this.libc.errno();
        if (errno === ERRNO.EAGAIN) break;
        if (errno === ERRNO.EINTR) continue;
        return err(failure("recvmsg", errno, errno === ERRNO.ENOBUFS ? ": the receive buffer overflowed and the kernel dropped answers" : ""));
      }
      if (length > RECEIVE_BUFFER) return err(failure("recvmsg", EMSGSIZE, `: a datagram of ${length} bytes does not fit the ${RECEIVE_BUFFER}-byte buffer`));
      datagrams.push(this.receiveBuffer.slice(0, length));
    }
    return ok(datagrams);
  }

  /** Closes the socket; safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.libc.close(this.fd);
  }
}

/**
 * Opens an rtnetlink socket through a C library binding (koffi on Node.js,
 * Deno.dlopen on Deno; flannel-ts/node and flannel-ts/deno wrap this).
 *
 * @param libc the C library calls
 * @param options receive buffer and clock
 * @returns the socket, or the call that failed with its errno
 * @example
 * ```ts ignore
 * import { openLibcNetlinkSocket } from "flannel-ts/netlink";
 * import { koffiLibc } from "flannel-ts/node";
 * // Loads libc through koffi (Node.js): type-checked, not run.
 * const socket = openLibcNetlinkSocket(koffiLibc());
 * if (socket.isErr()) console.error(socket.error.message);
 * else socket.value.close();
 * ```
 */
export function openLibcNetlinkSocket(libc: Libc, options: NetlinkSocketOptions = {}): Result<LibcNetlinkSocket, NetlinkTransportError> {
  const fd = libc.socket(AF.NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
  if (fd < 0) return err(failure("socket", libc.errno()));
  const value = offHeap(4);
  const view = new DataView(value.buffer);
  const set = (level: number, name: number, v: number): boolean => {
    view.setInt32(0, v, true);
    return libc.setsockopt(fd, level, name, libc.addressOf(value), 4) === 0;
  };
  const size = options.receiveBuffer ?? 1024 * 1024;
  if (!set(SOL_SOCKET, SO_RCVBUFFORCE, size)) set(SOL_SOCKET, SO_RCVBUF, size);
  // Best effort: kernels before 4.12 (extended ACK) or 4.20 (strict checks)
  // refuse them, and the codec reads answers with or without them.
  set(SOL_NETLINK, NETLINK_EXT_ACK, 1);
  set(SOL_NETLINK, NETLINK_CAP_ACK, 1);
  set(SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1);
  const local = offHeap(SOCKADDR_NL_LENGTH);
  local[0] = AF.NETLINK;
  if (libc.bind(fd, libc.addressOf(local), SOCKADDR_NL_LENGTH) !== 0) {
    const errno = libc.errno();
    libc.close(fd);
    return err(failure("bind", errno));
  }
  return ok(new LibcNetlinkSocket(libc, fd, options.clock ?? systemClock));
}
