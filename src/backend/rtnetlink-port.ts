/**
 * What the kernel backends (vxlan, host-gw) need of rtnetlink, as a port:
 * the public methods of `Rtnetlink` from `flannel-ts/netlink`, so that a
 * socket (`openRtnetlink` of `flannel-ts/node` or `flannel-ts/deno`) and
 * an in-memory kernel ({@link MemoryRtnetlink}) both fit.
 *
 * @module
 */
import type { Result } from "neverthrow";
import type { Rtnetlink } from "../netlink/rtnetlink.ts";

/**
 * The kernel's tables as a backend uses them: one batch of changes checked
 * by their ACKs, and typed dumps.
 */
export type RtnetlinkPort = Pick<Rtnetlink, "apply" | "linkByName" | "addresses" | "routes" | "neighbours" | "fdb" | "close">;

/** Why no rtnetlink socket could be opened (the socket call's errno, or a C library that did not load). */
export interface RtnetlinkOpenError {
  readonly kind: string;
  readonly message: string;
}

/**
 * Opens the rtnetlink socket a backend programs the kernel through; called
 * once, when the backend opens, so that an agent running another backend
 * never opens one.
 */
export type OpenRtnetlinkPort = () => Result<RtnetlinkPort, RtnetlinkOpenError>;
