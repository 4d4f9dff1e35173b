import { ERRNO, type Libc, LINUX, readU64, SOCKADDR_IN_LENGTH, writeSockaddrIn, writeU64 } from "../../libc/libc.ts";
import { type DatagramSocket, type DatagramSource, PORT_GONE, PORT_IDLE, type TunDevice } from "./packet-ports.ts";

function offHeap(length: number): Uint8Array {
  return new Uint8Array(new ArrayBuffer(length));
}

/** How long a write waits for room in a full queue before giving up on the packet. */
const WRITE_WAIT_MS = 20;

/** Remembers the address of the last buffer used: the engine reuses a handful. */
class AddressCache {
  private buffer: ArrayBufferLike | undefined;
  private base = 0;
  constructor(private readonly libc: Libc) {}
  of(bytes: Uint8Array): number {
    if (bytes.buffer !== this.buffer) {
      this.buffer = bytes.buffer;
      this.base = this.libc.addressOf(new Uint8Array(bytes.buffer));
    }
    return this.base + bytes.byteOffset;
  }
}

/** poll(2) on one descriptor. */
class Poller {
  private readonly pollfd = offHeap(8);
  private readonly address: number;
  constructor(
    private readonly libc: Libc,
    fd: number,
  ) {
    this.address = libc.addressOf(this.pollfd);
    this.pollfd[0] = fd & 0xff;
    this.pollfd[1] = (fd >>> 8) & 0xff;
    this.pollfd[2] = (fd >>> 16) & 0xff;
    this.pollfd[3] = fd >>> 24;
  }
  /** Waits until the descriptor is ready for `events`; returns false on timeout or error. */
  wait(events: number, timeoutMs: number): boolean {
    this.pollfd[4] = events;
    this.pollfd[6] = 0;
    return this.libc.poll(this.address, 1, timeoutMs) > 0;
  }
}

function readI32(bytes: Uint8Array, offset: number): number {
  return bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24);
}

/** Read errors after which the descriptor is no use: the loop stops. */
function isGone(errno: number): boolean {
  return errno !== ERRNO.EAGAIN && errno !== ERRNO.EINTR && errno !== ERRNO.ENOMEM && errno !== ERRNO.ENOBUFS;
}

/**
 * A {@link TunDevice} over a TUN file descriptor opened non-blocking:
 * read(2) and write(2), poll(2) while there is nothing to read.
 */
export class LibcTun implements TunDevice {
  private readonly addresses: AddressCache;
  private readonly poller: Poller;

  /**
   * @param libc the C library calls
   * @param fd the TUN descriptor (O_NONBLOCK)
   * @param vnetHeader whether it was opened with IFF_VNET_HDR
   */
  constructor(
    private readonly libc: Libc,
    readonly fd: number,
    readonly vnetHeader: boolean,
  ) {
    this.addresses = new AddressCache(libc);
    this.poller = new Poller(libc, fd);
  }

  read(buffer: Uint8Array, offset: number, capacity: number, timeoutMs: number): number {
    const address = this.addresses.of(buffer) + offset;
    let n = this.libc.read(this.fd, address, capacity);
    if (n >= 0) return n;
    let errno = this.libc.errno();
    if (errno === ERRNO.EAGAIN && this.poller.wait(LINUX.POLLIN, timeoutMs)) {
      n = this.libc.read(this.fd, address, capacity);
      if (n >= 0) return n;
      errno = this.libc.errno();
    }
    return isGone(errno) ? PORT_GONE : PORT_IDLE;
  }

  write(buffer: Uint8Array, offset: number, length: number): boolean {
    const address = this.addresses.of(buffer) + offset;
    if (this.libc.write(this.fd, address, length) === length) return true;
    if (this.libc.errno() !== ERRNO.EAGAIN || !this.poller.wait(LINUX.POLLOUT, WRITE_WAIT_MS)) return false;
    return this.libc.write(this.fd, address, length) === length;
  }
}

/** What the socket can do; see {@link LibcUdpSocket}. */
export interface LibcUdpSocketFeatures {
  /** The most datagrams per send (UDP_SEGMENT); 1 without UDP GSO. */
  readonly maxSegments: number;
  /** Whether UDP_GRO is on (receives may return trains). */
  readonly gro: boolean;
}

const MSGHDR_LENGTH = 56;
const CMSG_HEADER = 16;
const CONTROL_LENGTH = 64;

/**
 * A {@link DatagramSocket} over a bound non-blocking IPv4 UDP socket:
 * sendto(2) for one datagram, sendmsg(2) with a UDP_SEGMENT control message
 * for a train (GSO), recvmsg(2) that reads the UDP_GRO segment size.
 */
export class LibcUdpSocket implements DatagramSocket {
  readonly maxSegments: number;
  private readonly addresses: AddressCache;
  private readonly poller: Poller;
  // Send side: destination, one iovec, a UDP_SEGMENT control message, the msghdr.
  private readonly sendName = offHeap(SOCKADDR_IN_LENGTH);
  private readonly sendNameAddress: number;
  private readonly sendIov = offHeap(16);
  private readonly sendControl = offHeap(24);
  private readonly sendMsg = offHeap(MSGHDR_LENGTH);
  private readonly sendMsgAddress: number;
  // Receive side: source, one iovec, room for control messages, the msghdr.
  private readonly recvName = offHeap(SOCKADDR_IN_LENGTH);
  private readonly recvIov = offHeap(16);
  private readonly recvControl = offHeap(CONTROL_LENGTH);
  private readonly recvMsg = offHeap(MSGHDR_LENGTH);
  private readonly recvMsgAddress: number;
  private lastPeer = -1;
  private lastPort = -1;

  /**
   * @param libc the C library calls
   * @param fd the socket (bound, SOCK_NONBLOCK)
   * @param features what the kernel allowed when it was opened
   */
  constructor(
    private readonly libc: Libc,
    readonly fd: number,
    features: LibcUdpSocketFeatures,
  ) {
    this.maxSegments = features.maxSegments;
    this.addresses = new AddressCache(libc);
    this.poller = new Poller(libc, fd);
    this.sendNameAddress = libc.addressOf(this.sendName);
    this.sendMsgAddress = libc.addressOf(this.sendMsg);
    writeU64(this.sendMsg, 0, this.sendNameAddress);
    writeU64(this.sendMsg, 8, SOCKADDR_IN_LENGTH);
    writeU64(this.sendMsg, 16, libc.addressOf(this.sendIov));
    writeU64(this.sendMsg, 24, 1);
    writeU64(this.sendMsg, 32, libc.addressOf(this.sendControl));
    writeU64(this.sendMsg, 40, this.sendControl.length);
    writeU64(this.sendControl, 0, CMSG_HEADER + 2);
    this.sendControl[8] = LINUX.SOL_UDP;
    this.sendControl[12] = LINUX.UDP_SEGMENT;

    this.recvMsgAddress = libc.addressOf(this.recvMsg);
    writeU64(this.recvMsg, 0, libc.addressOf(this.recvName));
    writeU64(this.recvMsg, 16, libc.addressOf(this.recvIov));
    writeU64(this.recvMsg, 24, 1);
    writeU64(this.recvMsg, 32, features.gro ? libc.addressOf(this.recvControl) : 0);
  }

  send(buffer: Uint8Array, offset: number, length: number, address: number, port: number, segmentSize: number): boolean {
    if (address !== this.lastPeer || port !== this.lastPort) {
      writeSockaddrIn(this.sendName, 0, address, port);
      this.lastPeer = address;
      this.lastPort = port;
    }
    const data = this.addresses.of(buffer) + offset;
    if (this.trySend(data, length, segmentSize)) return true;
    if (this.libc.errno() !== ERRNO.EAGAIN || !this.poller.wait(LINUX.POLLOUT, WRITE_WAIT_MS)) return false;
    return this.trySend(data, length, segmentSize);
  }

  private trySend(data: number, length: number, segmentSize: number): boolean {
    if (segmentSize === 0 || segmentSize >= length) {
      return this.libc.sendto(this.fd, data, length, 0, this.sendNameAddress, SOCKADDR_IN_LENGTH) >= 0;
    }
    writeU64(this.sendIov, 0, data);
    writeU64(this.sendIov, 8, length);
    this.sendControl[16] = segmentSize & 0xff;
    this.sendControl[17] = segmentSize >> 8;
    return this.libc.sendmsg(this.fd, this.sendMsgAddress, 0) >= 0;
  }

  receive(buffer: Uint8Array, offset: number, capacity: number, from: DatagramSource, timeoutMs: number): number {
    const data = this.addresses.of(buffer) + offset;
    writeU64(this.recvIov, 0, data);
    writeU64(this.recvIov, 8, capacity);
    let n = this.tryReceive();
    if (n < 0) {
      let errno = this.libc.errno();
      if (errno === ERRNO.EAGAIN && this.poller.wait(LINUX.POLLIN, timeoutMs)) {
        n = this.tryReceive();
        if (n < 0) errno = this.libc.errno();
      }
      if (n < 0) return isGone(errno) ? PORT_GONE : PORT_IDLE;
    }
    const name = this.recvName;
    from.port = (name[2]! << 8) | name[3]!;
    from.address = ((name[4]! << 24) | (name[5]! << 16) | (name[6]! << 8) | name[7]!) >>> 0;
    from.segmentSize = this.groSegmentSize();
    return n;
  }

  private tryReceive(): number {
    const msg = this.recvMsg;
    writeU64(msg, 8, SOCKADDR_IN_LENGTH);
    writeU64(msg, 40, readU64(msg, 32) === 0 ? 0 : CONTROL_LENGTH);
    return this.libc.recvmsg(this.fd, this.recvMsgAddress, 0);
  }

  private groSegmentSize(): number {
    const length = readU64(this.recvMsg, 40);
    const control = this.recvControl;
    for (let p = 0; p + CMSG_HEADER <= length;) {
      const cmsgLength = readU64(control, p);
      if (cmsgLength < CMSG_HEADER) return 0;
      if (readI32(control, p + 8) === LINUX.SOL_UDP && readI32(control, p + 12) === LINUX.UDP_GRO && cmsgLength >= CMSG_HEADER + 2) {
        return control[p + 16]! | (control[p + 17]! << 8);
      }
      p += (cmsgLength + 7) & ~7;
    }
    return 0;
  }
}
