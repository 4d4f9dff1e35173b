import { err, ok, type Result } from "neverthrow";
import { errnoName } from "../../libc/errno-name.ts";
import { type Libc, LINUX } from "../../libc/libc.ts";

/** Options of {@link openTun}. */
export interface OpenTunOptions {
  /**
   * Ask for offloads: a virtio-net header on every packet (IFF_VNET_HDR),
   * TCP segmentation (TSO) and checksum offload, so the kernel hands over
   * 64 KiB TCP super-packets. Default true; when the kernel refuses the
   * offloads the device still works, without them.
   */
  readonly offload?: boolean;
}

/** An attached TUN device. */
export interface OpenedTun {
  /** The descriptor (O_NONBLOCK, O_CLOEXEC); closing it removes a device that is not persistent. */
  readonly fd: number;
  /** The device's name as the kernel gave it. */
  readonly name: string;
  /** Whether packets carry a virtio-net header. */
  readonly vnetHeader: boolean;
  /** Whether TSO and checksum offload are on. */
  readonly offload: boolean;
}

/** Why a TUN device could not be created. */
export interface TunOpenError {
  readonly kind: "tun-open";
  readonly name: string;
  /** The call that failed. */
  readonly step: "name" | "open" | "TUNSETIFF";
  readonly errno: number;
  readonly message: string;
}

const ASCII_NAME = /^[A-Za-z0-9_.%-]+$/;

/**
 * Why a TUN device cannot have this name, or undefined when it can.
 *
 * @param name the device name asked for
 * @returns the reason, or undefined
 * @example
 * ```ts
 * import { tunNameProblem } from "./open-tun.ts";
 * tunNameProblem("flannel0"); // undefined
 * tunNameProblem("a/b"); // "must be 1 to 15 letters, digits, or . _ - %"
 * ```
 */
export function tunNameProblem(name: string): string | undefined {
  return name.length === 0 || name.length >= LINUX.IFNAMSIZ || !ASCII_NAME.test(name) ? "must be 1 to 15 letters, digits, or . _ - %" : undefined;
}

/**
 * Creates (or attaches to) the TUN device `name`: IFF_TUN without packet
 * information, as flanneld's flannel0. A device it creates is not
 * persistent: it disappears when the descriptor is closed. A persistent
 * device that exists already is attached to and stays when it is closed.
 *
 * @param libc the C library calls
 * @param name the device name, up to 15 characters (`%d` lets the kernel number it)
 * @param options see {@link OpenTunOptions}
 * @returns the device, or a {@link TunOpenError} with the errno
 */
export function openTun(libc: Libc, name: string, options: OpenTunOptions = {}): Result<OpenedTun, TunOpenError> {
  const fail = (step: TunOpenError["step"], errno: number, message: string): Result<OpenedTun, TunOpenError> => err({ kind: "tun-open", name, step, errno, message });
  const badName = tunNameProblem(name);
  if (badName !== undefined) return fail("name", 0, `TUN name "${name}" ${badName}`);
  const path = new Uint8Array(new ArrayBuffer(16));
  path.set(new TextEncoder().encode("/dev/net/tun"));
  const fd = libc.open(libc.addressOf(path), LINUX.O_RDWR | LINUX.O_NONBLOCK | LINUX.O_CLOEXEC);
  if (fd < 0) {
    const errno = libc.errno();
    return fail("open", errno, `cannot open /dev/net/tun: ${errnoName(errno)}; the TUN driver and root (CAP_NET_ADMIN) are needed`);
  }
  const offload = options.offload ?? true;
  const ifreq = new Uint8Array(new ArrayBuffer(40));
  ifreq.set(new TextEncoder().encode(name));
  const flags = LINUX.IFF_TUN | LINUX.IFF_NO_PI | (offload ? LINUX.IFF_VNET_HDR : 0);
  ifreq[16] = flags & 0xff;
  ifreq[17] = flags >> 8;
  if (libc.ioctl(fd, LINUX.TUNSETIFF, libc.addressOf(ifreq)) < 0) {
    const errno = libc.errno();
    libc.close(fd);
    return fail("TUNSETIFF", errno, `cannot create TUN device "${name}": ${errnoName(errno)}`);
  }
  const end = ifreq.indexOf(0);
  const actual = new TextDecoder().decode(ifreq.subarray(0, end < 0 || end > 15 ? 15 : end));
  let offloaded = false;
  if (offload) {
    // The virtio-net header is little-endian; the pure code reads it so.
    const one = new Uint8Array(new ArrayBuffer(4));
    one[0] = 1;
    const littleEndian = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
    const le = libc.ioctl(fd, LINUX.TUNSETVNETLE, libc.addressOf(one)) === 0 || littleEndian;
    offloaded = le && libc.ioctl(fd, LINUX.TUNSETOFFLOAD, LINUX.TUN_F_CSUM | LINUX.TUN_F_TSO4 | LINUX.TUN_F_TSO_ECN) === 0;
  }
  return ok({ fd, name: actual, vnetHeader: offload, offload: offloaded });
}
