import fc from "fast-check";
import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { expectDecoded } from "../../test/helpers/netlink-kernel.ts";
import { CAPTURED, hexBytes } from "../../test/helpers/netlink-captures.ts";
import { NLM_F, RTM } from "./constants.ts";
import { malformed, truncated } from "./decode-error.ts";
import { decodeAck, encodeAck } from "./netlink-ack.ts";
import { type NetlinkMessage, parseMessages } from "./netlink-message.ts";

const first = (hex: string): NetlinkMessage => parseMessages(hexBytes(hex))._unsafeUnwrap()[0]!;

describe("decodeAck, on the kernel's answers as captured", () => {
  it.each([
    ["an ACK, capped", CAPTURED.ackNewLinkVxlan4, { errno: 0, request: { type: RTM.NEWLINK, flags: 0x605, seq: 0x6b0f49fe, pid: 0 } }],
    [
      "ENETUNREACH with the kernel's explanation",
      CAPTURED.errorNetUnreachExtAck,
      { errno: 101, errnoName: "ENETUNREACH", request: { type: RTM.NEWROUTE, flags: 0x605, seq: 0x6b0f49ff, pid: 0 }, kernelMessage: "Nexthop has invalid gateway" },
    ],
    ["EEXIST with the request echoed whole", CAPTURED.errorExistUncapped, {
      errno: 17,
      errnoName: "EEXIST",
      request: { type: RTM.NEWROUTE, flags: 0x605, seq: 0x6b0f49ff, pid: 0 },
    }],
    ["ESRCH to a delete", CAPTURED.errorNoSuchRoute, { errno: 3, errnoName: "ESRCH", request: { type: RTM.DELROUTE, flags: 0x5, seq: 0x6b0f4a00, pid: 0 } }],
  ])("reads %s", (_, hex, ack) => {
    expect(decodeAck(first(hex))).toEqual(ok(ack));
  });

  it("refuses other message types, short payloads, positive codes and a cut extended ACK", () => {
    const done = first(CAPTURED.addressDump4Done);
    expect(decodeAck(done)).toEqual(err(malformed("nlmsgerr", 0, "message type 3 is not NLMSG_ERROR (2)")));
    const short = first("1800000002000000010000000000000000000000ffffffff");
    expect(decodeAck(short)).toEqual(err(truncated("nlmsgerr", 16, 20, 8)));
    const positive = encodeAck({ type: RTM.NEWROUTE, flags: 0x505, seq: 1, pid: 0 }, 0);
    new DataView(positive.buffer).setInt32(16, 5, true);
    expect(decodeAck(parseMessages(positive)._unsafeUnwrap()[0]!)).toEqual(err(malformed("nlmsgerr", 16, "error 5 is positive (expected 0 or a negative errno)")));
    // ENETUNREACH with NLM_F_ACK_TLVS but its attribute cut off after 6 of 32 bytes.
    const cut = hexBytes(CAPTURED.errorNetUnreachExtAck).slice(0, 70);
    new DataView(cut.buffer).setUint32(0, 70, true);
    expect(decodeAck(parseMessages(cut)._unsafeUnwrap()[0]!)).toEqual(err(truncated("nlattr of type 1", 64, 32, 6)));
  });

  it("reads back what encodeAck writes", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 16, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.nat({ max: 0xffffffff }),
        fc.integer({ min: 0, max: 4095 }),
        (type, flags, seq, errno) => {
          const ack = decodeAck(parseMessages(encodeAck({ type, flags, seq, pid: 0 }, errno))._unsafeUnwrap()[0]!)._unsafeUnwrap();
          expect([ack.errno, ack.request]).toEqual([errno, { type, flags, seq, pid: 0 }]);
          expect(ack.errnoName === undefined).toBe(errno === 0);
        },
      ),
    );
    const bytes = encodeAck({ type: RTM.NEWROUTE, flags: 0x505, seq: 3, pid: 0 }, 0);
    expect(bytes[6]! | (bytes[7]! << 8)).toBe(NLM_F.CAPPED);
  });

  it("never throws on random payloads", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.integer({ min: 0, max: 0xffff }), (payload, flags) => {
        expectDecoded(decodeAck({ type: 2, flags, seq: 1, pid: 0, payload, offset: 0 }));
      }),
    );
  });
});
