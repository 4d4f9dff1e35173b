import type { Result } from "neverthrow";
import { openLibcNetlinkSocket, Rtnetlink, type LibcNetlinkSocket, type NetlinkSocketOptions, type NetlinkTransportError, type RtnetlinkOptions } from "../netlink/index.ts";
import { denoLibc } from "./deno-libc.ts";

/**
 * Opens an rtnetlink socket on Deno (libc through Deno.dlopen; needs
 * `--allow-ffi`): AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
 * NETLINK_ROUTE, in the network namespace of the calling thread.
 *
 * @param options receive buffer and clock
 * @returns the socket, or the call that failed with its errno
 * @example
 * ```ts
 * import { openNetlinkSocket } from "./netlink-socket.ts";
 * const socket = openNetlinkSocket();
 * if (socket.isOk()) socket.value.close();
 * ```
 */
export function openNetlinkSocket(options: NetlinkSocketOptions = {}): Result<LibcNetlinkSocket, NetlinkTransportError> {
  return openLibcNetlinkSocket(denoLibc(), options);
}

/**
 * Opens an rtnetlink socket on Deno and puts the {@link Rtnetlink} facade
 * on it (`close()` closes the socket).
 *
 * @param options the facade's limits and the socket's settings
 * @returns the facade, or the call that failed with its errno
 * @example
 * ```ts
 * import { openRtnetlink } from "./netlink-socket.ts";
 * const rtnl = openRtnetlink();
 * if (rtnl.isOk()) {
 *   console.log((await rtnl.value.linkByName("lo")).map((link) => link?.index)); // ok(1)
 *   rtnl.value.close();
 * }
 * ```
 */
export function openRtnetlink(options: RtnetlinkOptions & NetlinkSocketOptions = {}): Result<Rtnetlink, NetlinkTransportError> {
  return openNetlinkSocket(options).map((socket) => new Rtnetlink(socket, options));
}
