import { err, type Result } from "neverthrow";
import type { BackendKind, OpenBackend } from "../backend/backend.ts";
import { hostGwBackend } from "../backend/host-gw/host-gw-backend.ts";
import type { OpenRtnetlinkPort, RtnetlinkOpenError, RtnetlinkPort } from "../backend/rtnetlink-port.ts";
import { vxlanBackend } from "../backend/vxlan/vxlan-backend.ts";
import { cryptoRandom, type Random } from "../subnet/random.ts";
import { openRtnetlink } from "./netlink-socket.ts";

/** Options of {@link denoKernelBackends}. */
export interface KernelBackendsOptions {
  /** Opens the rtnetlink socket when a backend opens. Default: `openRtnetlink()` in this thread's network namespace. */
  readonly openRtnetlink?: OpenRtnetlinkPort;
  /** Draws the MAC of a new VXLAN device. Default: Web Crypto. */
  readonly random?: Random;
}

/**
 * The rtnetlink opener of the Deno backends: a socket in the calling
 * thread's network namespace. A C library that cannot be loaded, or a
 * socket the kernel refuses, is an error value, never a throw (a missing
 * CAP_NET_ADMIN shows later, as refused requests).
 *
 * @returns the opener
 * @example
 * ```ts ignore
 * import { denoRtnetlinkOpener } from "flannel-ts/deno";
 * // Opens a netlink socket (--allow-ffi): type-checked, not run.
 * const rtnl = denoRtnetlinkOpener()();
 * if (rtnl.isErr()) console.error(rtnl.error.message);
 * else rtnl.value.close();
 * ```
 */
export function denoRtnetlinkOpener(): OpenRtnetlinkPort {
  return (): Result<RtnetlinkPort, RtnetlinkOpenError> => {
    try {
      return openRtnetlink();
    } catch (cause) {
      return err({
        kind: "netlink-unavailable",
        message: `the C library could not be loaded through Deno.dlopen (run with --allow-ffi): ${cause instanceof Error ? cause.message : String(cause)}`,
      });
    }
  };
}

/**
 * flannel's kernel backends on Deno: VXLAN and host-gw over an
 * rtnetlink socket that is opened only when one of them opens (an agent on
 * the UDP backend never opens one), and closed when it closes.
 *
 * @param options the socket's opener and the random source for new VXLAN MACs
 * @returns `vxlan` and `host-gw` openers, for an agent's `backends`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { denoKernelBackends } from "flannel-ts/deno";
 * assert.deepEqual(Object.keys(denoKernelBackends()), ["vxlan", "host-gw"]);
 * ```
 */
export function denoKernelBackends(options: KernelBackendsOptions = {}): Readonly<Record<Extract<BackendKind, "vxlan" | "host-gw">, OpenBackend>> {
  const rtnetlink = options.openRtnetlink ?? denoRtnetlinkOpener();
  return {
    vxlan: vxlanBackend({ rtnetlink, random: options.random ?? cryptoRandom() }),
    "host-gw": hostGwBackend({ rtnetlink }),
  };
}
