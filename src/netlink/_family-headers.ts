// The fixed headers that follow nlmsghdr in rtnetlink messages, with their
// sizes (Linux, any 64-bit ABI: these structs have no pointers).
import { err, ok, type Result } from "neverthrow";
import { type ByteWriter, i32, u16, u32 } from "./_bytes.ts";
import { type NetlinkDecodeError, truncated } from "./decode-error.ts";

/** struct ifinfomsg: family, pad, type, index, flags, change. */
export const IFINFOMSG_LENGTH = 16;
/** struct ifaddrmsg: family, prefixlen, flags, scope, index. */
export const IFADDRMSG_LENGTH = 8;
/** struct rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type, flags. */
export const RTMSG_LENGTH = 12;
/** struct ndmsg: family, pad, pad, ifindex, state, flags, type. */
export const NDMSG_LENGTH = 12;

export interface IfInfoMsg {
  readonly family: number;
  readonly type: number;
  readonly index: number;
  readonly flags: number;
  readonly change: number;
}

export interface IfAddrMsg {
  readonly family: number;
  readonly prefixLength: number;
  readonly flags: number;
  readonly scope: number;
  readonly index: number;
}

export interface RtMsg {
  readonly family: number;
  readonly dstLength: number;
  readonly srcLength: number;
  readonly tos: number;
  readonly table: number;
  readonly protocol: number;
  readonly scope: number;
  readonly type: number;
  readonly flags: number;
}

export interface NdMsg {
  readonly family: number;
  readonly index: number;
  readonly state: number;
  readonly flags: number;
  readonly type: number;
}

function need(payload: Uint8Array, length: number, what: string): Result<void, NetlinkDecodeError> {
  return payload.length < length ? err(truncated(what, 0, length, payload.length)) : ok(undefined);
}

export function writeIfInfoMsg(w: ByteWriter, h: IfInfoMsg): void {
  w.u8(h.family).u8(0).u16(h.type).u32(h.index).u32(h.flags).u32(h.change);
}

export function readIfInfoMsg(p: Uint8Array): Result<IfInfoMsg, NetlinkDecodeError> {
  return need(p, IFINFOMSG_LENGTH, "ifinfomsg").map(() => ({ family: p[0]!, type: u16(p, 2), index: i32(p, 4), flags: u32(p, 8), change: u32(p, 12) }));
}

export function writeIfAddrMsg(w: ByteWriter, h: IfAddrMsg): void {
  w.u8(h.family).u8(h.prefixLength).u8(h.flags).u8(h.scope).u32(h.index);
}

export function readIfAddrMsg(p: Uint8Array): Result<IfAddrMsg, NetlinkDecodeError> {
  return need(p, IFADDRMSG_LENGTH, "ifaddrmsg").map(() => ({ family: p[0]!, prefixLength: p[1]!, flags: p[2]!, scope: p[3]!, index: u32(p, 4) }));
}

export function writeRtMsg(w: ByteWriter, h: RtMsg): void {
  w.u8(h.family).u8(h.dstLength).u8(h.srcLength).u8(h.tos).u8(h.table).u8(h.protocol).u8(h.scope).u8(h.type).u32(h.flags);
}

export function readRtMsg(p: Uint8Array): Result<RtMsg, NetlinkDecodeError> {
  return need(p, RTMSG_LENGTH, "rtmsg").map(() => ({
    family: p[0]!,
    dstLength: p[1]!,
    srcLength: p[2]!,
    tos: p[3]!,
    table: p[4]!,
    protocol: p[5]!,
    scope: p[6]!,
    type: p[7]!,
    flags: u32(p, 8),
  }));
}

export function writeNdMsg(w: ByteWriter, h: NdMsg): void {
  w.u8(h.family).u8(0).u16(0).u32(h.index).u16(h.state).u8(h.flags).u8(h.type);
}

export function readNdMsg(p: Uint8Array): Result<NdMsg, NetlinkDecodeError> {
  return need(p, NDMSG_LENGTH, "ndmsg").map(() => ({ family: p[0]!, index: i32(p, 4), state: u16(p, 8), flags: p[10]!, type: p[11]! }));
}
