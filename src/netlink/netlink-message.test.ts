import fc from "fast-check";
import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { expectDecoded } from "../../test/helpers/netlink-kernel.ts";
import { CAPTURED, hexBytes } from "../../test/helpers/netlink-captures.ts";
import { NLM_F, NLMSG, RTM } from "./constants.ts";
import { malformed, truncated } from "./decode-error.ts";
import { encodeMessage, parseMessages } from "./netlink-message.ts";

describe("parseMessages", () => {
  it("splits a captured dump datagram into its messages (three neighbours, the permanent one first, then NLMSG_DONE)", () => {
    const datagram = hexBytes(CAPTURED.neighbourDump4);
    const messages = parseMessages(datagram)._unsafeUnwrap();
    expect(messages.map((m) => [m.type, m.flags, m.seq, m.offset, m.payload.length])).toEqual([
      [RTM.NEWNEIGH, NLM_F.MULTI | NLM_F.DUMP_FILTERED, 0x6b0f4a00, 0, 76 - 16],
      [RTM.NEWNEIGH, NLM_F.MULTI | NLM_F.DUMP_FILTERED, 0x6b0f4a00, 76, 88 - 16],
      [RTM.NEWNEIGH, NLM_F.MULTI | NLM_F.DUMP_FILTERED, 0x6b0f4a00, 164, 88 - 16],
      [RTM.NEWNEIGH, NLM_F.MULTI | NLM_F.DUMP_FILTERED, 0x6b0f4a00, 252, 88 - 16],
      [NLMSG.DONE, NLM_F.MULTI, 0x6b0f4a00, 340, 4],
    ]);
    expect(messages[0]!.pid).toBe(0x975);
  });

  it("reads an empty datagram as no messages", () => {
    expect(parseMessages(new Uint8Array(0))).toEqual(ok([]));
  });

  it.each([
    ["a header cut short", hexBytes("1400000003000200"), truncated("nlmsghdr", 0, 16, 8)],
    ["a length below the header's", hexBytes("0800000003000200000000000000000000000000"), malformed("nlmsghdr", 0, "nlmsg_len 8 is below 16")],
    ["a length past the end", hexBytes("1800000003000200000000000000000000000000"), truncated("message of type 3", 0, 24, 20)],
    [
      "a second message cut short",
      hexBytes(CAPTURED.addressDump4Done + "140000000300"),
      truncated("nlmsghdr", 20, 16, 6),
    ],
  ])("refuses %s", (_, bytes, error) => {
    expect(parseMessages(bytes)).toEqual(err(error));
  });

  it("never throws on random bytes", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      expectDecoded(parseMessages(bytes));
    }));
  });

  it("reads back what encodeMessage wrote, several messages in one datagram", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            type: fc.integer({ min: 0, max: 0xffff }),
            flags: fc.integer({ min: 0, max: 0xffff }),
            seq: fc.nat({ max: 0xffffffff }),
            pid: fc.nat({ max: 0xffffffff }),
            payload: fc.uint8Array({ maxLength: 40 }),
          }),
          { maxLength: 5 },
        ),
        (messages) => {
          const parts = messages.map((m) => {
            const bytes = encodeMessage(m, m.payload);
            const padded = new Uint8Array((bytes.length + 3) & ~3);
            padded.set(bytes);
            return padded;
          });
          const datagram = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
          parts.reduce((at, p) => (datagram.set(p, at), at + p.length), 0);
          const parsed = parseMessages(datagram)._unsafeUnwrap();
          expect(parsed.map(({ type, flags, seq, pid, payload }) => ({ type, flags, seq, pid, payload: [...payload] }))).toEqual(
            messages.map(({ type, flags, seq, pid, payload }) => ({ type, flags, seq, pid, payload: [...payload] })),
          );
        },
      ),
    );
  });
});
