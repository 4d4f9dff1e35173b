import { err, ok, type Result } from "neverthrow";
import { errnoName } from "../../libc/errno-name.ts";
import { type Libc, LINUX, SOCKADDR_IN_LENGTH, writeSockaddrIn } from "../../libc/libc.ts";
import { formatIp, ip4 } from "../../subnet/index.ts";
import type { LibcUdpSocketFeatures } from "./libc-ports.ts";

/** Options of {@link openUdpSocket}. */
export interface OpenUdpSocketOptions {
  /** Turn on UDP GSO (sends of many datagrams at once) and GRO (receives of trains). Default true. */
  readonly offload?: boolean;
  /** Send and receive buffer size in bytes. Default 4 MiB (as root beyond net.core.[rw]mem_max). */
  readonly bufferBytes?: number;
}

/** A bound UDP socket and what the kernel allowed on it. */
export interface OpenedUdpSocket extends LibcUdpSocketFeatures {
  readonly fd: number;
}

/** Why the UDP socket could not be opened. */
export interface UdpSocketOpenError {
  readonly kind: "udp-socket";
  readonly step: "socket" | "bind";
  /** The address and port it was to be bound to, e.g. "192.0.2.1:8285". */
  readonly address: string;
  readonly errno: number;
  readonly message: string;
}

/** The most segments one UDP GSO send may carry (UDP_MAX_SEGMENTS of Linux 4.18 to 6.x). */
export const UDP_MAX_SEGMENTS = 64;

/**
 * Opens a non-blocking IPv4 UDP socket bound to `address:port`, with large
 * buffers and, when asked and the kernel has them, UDP GSO and GRO.
 *
 * @param libc the C library calls
 * @param address the local address (uint32; 0 for any)
 * @param port the UDP port
 * @param options see {@link OpenUdpSocketOptions}
 * @returns the socket, or a {@link UdpSocketOpenError} with the errno
 */
export function openUdpSocket(libc: Libc, address: number, port: number, options: OpenUdpSocketOptions = {}): Result<OpenedUdpSocket, UdpSocketOpenError> {
  const where = `${formatIp(ip4(address))}:${port}`;
  const fd = libc.socket(LINUX.AF_INET, LINUX.SOCK_DGRAM | LINUX.SOCK_NONBLOCK | LINUX.SOCK_CLOEXEC, 0);
  if (fd < 0) {
    const errno = libc.errno();
    return err({ kind: "udp-socket", step: "socket", address: where, errno, message: `cannot create a UDP socket: ${errnoName(errno)}` });
  }
  const int = new Uint8Array(new ArrayBuffer(4));
  const intAddress = libc.addressOf(int);
  const setInt = (level: number, name: number, value: number): boolean => {
    new DataView(int.buffer).setInt32(0, value, true);
    return libc.setsockopt(fd, level, name, intAddress, 4) === 0;
  };
  const bytes = options.bufferBytes ?? 4 * 1024 * 1024;
  if (!setInt(LINUX.SOL_SOCKET, LINUX.SO_RCVBUFFORCE, bytes)) setInt(LINUX.SOL_SOCKET, LINUX.SO_RCVBUF, bytes);
  if (!setInt(LINUX.SOL_SOCKET, LINUX.SO_SNDBUFFORCE, bytes)) setInt(LINUX.SOL_SOCKET, LINUX.SO_SNDBUF, bytes);
  const name = new Uint8Array(new ArrayBuffer(SOCKADDR_IN_LENGTH));
  writeSockaddrIn(name, 0, address, port);
  if (libc.bind(fd, libc.addressOf(name), SOCKADDR_IN_LENGTH) < 0) {
    const errno = libc.errno();
    libc.close(fd);
    return err({ kind: "udp-socket", step: "bind", address: where, errno, message: `cannot bind UDP ${where}: ${errnoName(errno)}` });
  }
  const offload = options.offload ?? true;
  // Setting UDP_SEGMENT to 0 changes nothing and fails where GSO is missing.
  const gso = offload && setInt(LINUX.SOL_UDP, LINUX.UDP_SEGMENT, 0);
  const gro = offload && setInt(LINUX.SOL_UDP, LINUX.UDP_GRO, 1);
  return ok({ fd, maxSegments: gso ? UDP_MAX_SEGMENTS : 1, gro });
}
