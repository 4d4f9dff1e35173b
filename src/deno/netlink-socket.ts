import type { Result } from "neverthrow";
import { type LibcNetlinkSocket, type NetlinkSocketOptions, type NetlinkTransportError, openLibcNetlinkSocket, Rtnetlink, type RtnetlinkOptions } from "../netlink/index.ts";
import { denoLibc } from "./deno-libc.ts";

/**
 * Opens an rtnetlink socket on Deno (libc through Deno.dlopen; needs
 * `--allow-ffi`): AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
 * NETLINK_ROUTE, in the network namespace of the calling thread.
 *
 * @param options receive buffer and clock
 * @returns the socket, or the call that failed with its errno
 * @example
 * ```ts ignore
 * import { openNetlinkSocket } from "flannel-ts/deno";
 * // Opens a netlink socket (--allow-ffi): type-checked, not run.
 * const socket = openNetlinkSocket();
 * if (socket.isErr()) console.error(socket.error.message);
 * else socket.value.close();
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
 * ```ts ignore
 * import assert from "node:assert/strict";
 * import { ok } from "flannel-ts/core";
 * import { openRtnetlink } from "flannel-ts/deno";
 * // Opens a netlink socket (--allow-ffi): type-checked, not run.
 * const rtnl = openRtnetlink();
 * if (rtnl.isErr()) throw new Error(rtnl.error.message);
 * assert.deepEqual((await rtnl.value.linkByName("lo")).map((link) => link?.index), ok(1)); // lo is the first link
 * rtnl.value.close();
 * ```
 */
export function openRtnetlink(options: RtnetlinkOptions & NetlinkSocketOptions = {}): Result<Rtnetlink, NetlinkTransportError> {
  return openNetlinkSocket(options).map((socket) => new Rtnetlink(socket, options));
}
