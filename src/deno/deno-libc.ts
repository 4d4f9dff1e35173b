import type { Libc } from "../libc/libc.ts";

const SYMBOLS = {
  open: { parameters: ["usize", "i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  ioctl: { parameters: ["i32", "usize", "usize"], result: "i32" },
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  bind: { parameters: ["i32", "usize", "u32"], result: "i32" },
  setsockopt: { parameters: ["i32", "i32", "i32", "usize", "u32"], result: "i32" },
  // ssize_t results fit in 32 bits here (at most 64 KiB, or -1).
  read: { parameters: ["i32", "usize", "usize"], result: "i32" },
  write: { parameters: ["i32", "usize", "usize"], result: "i32" },
  sendto: { parameters: ["i32", "usize", "usize", "i32", "usize", "u32"], result: "i32" },
  sendmsg: { parameters: ["i32", "usize", "i32"], result: "i32" },
  recvmsg: { parameters: ["i32", "usize", "i32"], result: "i32" },
  poll: { parameters: ["usize", "usize", "i32"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
} as const;

let loaded: Libc | undefined;

/**
 * The C library calls of the UDP data path through Deno.dlopen, for this
 * thread (each worker opens its own; errno is read from this thread's
 * `__errno_location()`). Deno passes 64-bit arguments as bigint, so
 * addresses are converted per call. Needs `--allow-ffi`.
 *
 * @returns the binding (opened once per thread)
 * @example
 * ```ts ignore
 * import assert from "node:assert/strict";
 * import { denoLibc } from "flannel-ts/deno";
 * // Opens libc through Deno.dlopen (--allow-ffi): type-checked, not run.
 * const libc = denoLibc();
 * assert.ok(libc.addressOf(new Uint8Array(new ArrayBuffer(16))) > 0);
 * ```
 */
export function denoLibc(): Libc {
  if (loaded !== undefined) return loaded;
  const { symbols: c } = Deno.dlopen("libc.so.6", SYMBOLS);
  const errnoView = new Deno.UnsafePointerView(c.__errno_location()!);
  loaded = {
    addressOf: (bytes) => Number(Deno.UnsafePointer.value(Deno.UnsafePointer.of(bytes as Uint8Array<ArrayBuffer>))),
    errno: () => errnoView.getInt32(),
    open: (path, flags) => c.open(BigInt(path), flags),
    close: (fd) => c.close(fd),
    ioctl: (fd, request, arg) => c.ioctl(fd, BigInt(request), BigInt(arg)),
    socket: (domain, type, protocol) => c.socket(domain, type, protocol),
    bind: (fd, address, length) => c.bind(fd, BigInt(address), length),
    setsockopt: (fd, level, name, value, length) => c.setsockopt(fd, level, name, BigInt(value), length),
    read: (fd, buffer, count) => c.read(fd, BigInt(buffer), BigInt(count)),
    write: (fd, buffer, count) => c.write(fd, BigInt(buffer), BigInt(count)),
    sendto: (fd, buffer, length, flags, address, addressLength) => c.sendto(fd, BigInt(buffer), BigInt(length), flags, BigInt(address), addressLength),
    sendmsg: (fd, message, flags) => c.sendmsg(fd, BigInt(message), flags),
    recvmsg: (fd, message, flags) => c.recvmsg(fd, BigInt(message), flags),
    poll: (fds, count, timeout) => c.poll(BigInt(fds), BigInt(count), timeout),
  };
  return loaded;
}
