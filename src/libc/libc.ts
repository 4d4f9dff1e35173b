/**
 * The few C library calls the data path makes, as an interface: the Node
 * adapter implements it with koffi, the Deno adapter with Deno.dlopen.
 * Pointers are plain numbers (user-space addresses fit in 53 bits), so a
 * call allocates nothing. Linux on a 64-bit little-endian machine (x86-64,
 * arm64): the struct layouts below are that ABI's.
 *
 * @module
 */

/** C library calls on file descriptors; every pointer argument is an address from {@link Libc.addressOf}. */
export interface Libc {
  /**
   * The address of `bytes[0]`. The bytes must not move: give each buffer
   * an ArrayBuffer of its own (V8 never moves those) and keep it alive.
   */
  addressOf(bytes: Uint8Array): number;
  /** The calling thread's errno after the last failed call. */
  errno(): number;
  open(path: number, flags: number): number;
  close(fd: number): number;
  ioctl(fd: number, request: number, arg: number): number;
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, address: number, addressLength: number): number;
  setsockopt(fd: number, level: number, name: number, value: number, valueLength: number): number;
  read(fd: number, buffer: number, count: number): number;
  write(fd: number, buffer: number, count: number): number;
  sendto(fd: number, buffer: number, length: number, flags: number, address: number, addressLength: number): number;
  sendmsg(fd: number, message: number, flags: number): number;
  recvmsg(fd: number, message: number, flags: number): number;
  poll(fds: number, count: number, timeoutMs: number): number;
}

/** errno values (Linux). */
export const ERRNO = { EINTR: 4, EIO: 5, EBADF: 9, EAGAIN: 11, ENOMEM: 12, EFAULT: 14, ENODEV: 19, EINVAL: 22, ENOBUFS: 105, ENETUNREACH: 101 } as const;

/** Linux constants used to open and drive the TUN device and the UDP socket. */
export const LINUX = {
  O_RDWR: 0o2,
  O_NONBLOCK: 0o4000,
  O_CLOEXEC: 0o2000000,
  AF_INET: 2,
  SOCK_DGRAM: 2,
  SOCK_NONBLOCK: 0o4000,
  SOCK_CLOEXEC: 0o2000000,
  SOL_SOCKET: 1,
  SO_SNDBUF: 7,
  SO_RCVBUF: 8,
  SO_SNDBUFFORCE: 32,
  SO_RCVBUFFORCE: 33,
  SOL_UDP: 17,
  UDP_SEGMENT: 103,
  UDP_GRO: 104,
  POLLIN: 0x1,
  POLLOUT: 0x4,
  IFF_TUN: 0x0001,
  IFF_NO_PI: 0x1000,
  IFF_VNET_HDR: 0x4000,
  TUNSETIFF: 0x400454ca,
  TUNSETOFFLOAD: 0x400454d0,
  TUNSETVNETLE: 0x400454dc,
  TUN_F_CSUM: 0x01,
  TUN_F_TSO4: 0x02,
  TUN_F_TSO_ECN: 0x08,
  IFNAMSIZ: 16,
} as const;

/** Bytes of `struct sockaddr_in`. */
export const SOCKADDR_IN_LENGTH = 16;

/**
 * Writes a `struct sockaddr_in`.
 *
 * @param bytes the buffer
 * @param offset where the struct starts
 * @param address IPv4 address (uint32)
 * @param port UDP port
 */
export function writeSockaddrIn(bytes: Uint8Array, offset: number, address: number, port: number): void {
  bytes[offset] = LINUX.AF_INET;
  bytes[offset + 1] = 0;
  bytes[offset + 2] = port >> 8;
  bytes[offset + 3] = port & 0xff;
  bytes[offset + 4] = address >>> 24;
  bytes[offset + 5] = (address >>> 16) & 0xff;
  bytes[offset + 6] = (address >>> 8) & 0xff;
  bytes[offset + 7] = address & 0xff;
  bytes.fill(0, offset + 8, offset + 16);
}

/**
 * Writes a 64-bit little-endian value that fits in a JS number (an address or a length).
 *
 * @param bytes the buffer
 * @param offset where the value goes
 * @param value 0 to 2^53 - 1
 */
export function writeU64(bytes: Uint8Array, offset: number, value: number): void {
  const low = value % 0x100000000;
  const high = Math.floor(value / 0x100000000);
  bytes[offset] = low & 0xff;
  bytes[offset + 1] = (low >>> 8) & 0xff;
  bytes[offset + 2] = (low >>> 16) & 0xff;
  bytes[offset + 3] = low >>> 24;
  bytes[offset + 4] = high & 0xff;
  bytes[offset + 5] = (high >>> 8) & 0xff;
  bytes[offset + 6] = (high >>> 16) & 0xff;
  bytes[offset + 7] = high >>> 24;
}

/**
 * Reads a 64-bit little-endian value below 2^53.
 *
 * @param bytes the buffer
 * @param offset where the value is
 */
export function readU64(bytes: Uint8Array, offset: number): number {
  const low = (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>> 0;
  const high = (bytes[offset + 4]! | (bytes[offset + 5]! << 8) | (bytes[offset + 6]! << 16) | (bytes[offset + 7]! << 24)) >>> 0;
  return high * 0x100000000 + low;
}
