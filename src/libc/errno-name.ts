const NAMES: Readonly<Record<number, string>> = {
  1: "EPERM (operation not permitted)",
  2: "ENOENT (no such file or directory)",
  4: "EINTR (interrupted)",
  5: "EIO (input/output error)",
  9: "EBADF (bad file descriptor)",
  11: "EAGAIN (try again)",
  12: "ENOMEM (out of memory)",
  13: "EACCES (permission denied)",
  16: "EBUSY (device or resource busy)",
  19: "ENODEV (no such device)",
  22: "EINVAL (invalid argument)",
  24: "EMFILE (too many open files)",
  92: "ENOPROTOOPT (protocol not available)",
  95: "EOPNOTSUPP (operation not supported)",
  97: "EAFNOSUPPORT (address family not supported)",
  98: "EADDRINUSE (address already in use)",
  99: "EADDRNOTAVAIL (cannot assign requested address)",
  105: "ENOBUFS (no buffer space available)",
};

/**
 * Names a Linux errno value for an error message.
 *
 * @param errno the value
 * @returns e.g. "EADDRINUSE (address already in use)", or "errno 123"
 * @example
 * ```ts
 * import { errnoName } from "./errno-name.ts";
 * errnoName(98); // "EADDRINUSE (address already in use)"
 * ```
 */
export function errnoName(errno: number): string {
  return NAMES[errno] ?? `errno ${errno}`;
}
