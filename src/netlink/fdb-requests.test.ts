import fc from "fast-check";
import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { expectDecoded } from "../../test/helpers/netlink-kernel.ts";
import { bytesHex, CAPTURED, hexBytes, seqOf } from "../../test/helpers/netlink-captures.ts";
import { ip4, ip6, parseIp } from "../subnet/ip.ts";
import { AF, NTF, NUD, RTM } from "./constants.ts";
import { malformed } from "./decode-error.ts";
import { decodeFdbEntry } from "./fdb-entry.ts";
import { appendFdb, deleteFdb, dumpFdb, replaceFdb } from "./fdb-requests.ts";
import { mac, parseMac } from "./mac.ts";
import { encodeRequest, type NetlinkRequest } from "./netlink-request.ts";
import { type NetlinkMessage, parseMessages } from "./netlink-message.ts";

const ip = (text: string) => parseIp(text)._unsafeUnwrap();
const hw = (text: string) => parseMac(text)._unsafeUnwrap();
const messages = (bytes: Uint8Array): NetlinkMessage[] => parseMessages(bytes)._unsafeUnwrap();
// `bridge fdb ... permanent` asks for NOARP as well; flanneld asks for PERMANENT alone.
const BRIDGE_PERMANENT = NUD.PERMANENT | NUD.NOARP;

describe("FDB requests: the bytes bridge(8) sends", () => {
  it.each<[string, NetlinkRequest, string]>([
    [
      "bridge fdb replace be:45:e5:5e:b1:4e dev nlv1 dst 192.0.2.2 self permanent",
      replaceFdb({ link: 4, mac: hw("be:45:e5:5e:b1:4e"), dst: ip("192.0.2.2"), state: BRIDGE_PERMANENT }),
      CAPTURED.replaceFdb4,
    ],
    [
      "bridge fdb replace 0e:53:d2:3d:53:65 dev nlv6 dst 2001:db8::2 self permanent",
      replaceFdb({ link: 5, mac: hw("0e:53:d2:3d:53:65"), dst: ip("2001:db8::2"), state: BRIDGE_PERMANENT }),
      CAPTURED.replaceFdb6,
    ],
    [
      "bridge fdb del be:45:e5:5e:b1:4e dev nlv1 dst 192.0.2.2 self",
      deleteFdb({ link: 4, mac: hw("be:45:e5:5e:b1:4e"), dst: ip("192.0.2.2"), state: BRIDGE_PERMANENT }),
      CAPTURED.deleteFdb4,
    ],
    ["bridge fdb show dev nlv1 (the dump request)", dumpFdb({ link: 4 }), CAPTURED.dumpFdbOf4],
  ])("%s", (_, request, captured) => {
    expect(bytesHex(encodeRequest(request, seqOf(captured)))).toBe(captured);
  });

  it("describes them, with NTF_SELF and NUD_PERMANENT by default", () => {
    const requests = [
      replaceFdb({ link: { index: 7, name: "flannel.1" }, mac: hw("be:45:e5:5e:b1:4e"), dst: ip("192.0.2.2") }),
      appendFdb({ link: 7, mac: mac(0), dst: ip("192.0.2.3") }),
      deleteFdb({ link: 7, mac: hw("be:45:e5:5e:b1:4e") }),
    ];
    expect(requests.map((r) => [r.description, r.payload[0], r.payload[8], r.payload[10]])).toEqual([
      ["replace fdb be:45:e5:5e:b1:4e dev flannel.1 dst 192.0.2.2", AF.BRIDGE, NUD.PERMANENT, NTF.SELF],
      ["append fdb 00:00:00:00:00:00 dev ifindex 7 dst 192.0.2.3", AF.BRIDGE, NUD.PERMANENT, NTF.SELF],
      ["delete fdb be:45:e5:5e:b1:4e dev ifindex 7", AF.BRIDGE, NUD.PERMANENT, NTF.SELF],
    ]);
  });
});

describe("decodeFdbEntry, on the kernel's dump replies as captured", () => {
  it.each([
    ["an IPv4 remote", CAPTURED.fdbDump4, { index: 4, mac: hw("be:45:e5:5e:b1:4e"), dst: ip("192.0.2.2"), state: BRIDGE_PERMANENT, flags: NTF.SELF }],
    ["an IPv6 remote", CAPTURED.fdbDump6, { index: 5, mac: hw("0e:53:d2:3d:53:65"), dst: ip("2001:db8::2"), state: BRIDGE_PERMANENT, flags: NTF.SELF }],
  ])("reads %s", (_, hex, entry) => {
    expect(messages(hexBytes(hex)).map(decodeFdbEntry)).toEqual([ok(entry)]);
  });

  it("keeps only the device the filter asks for", () => {
    const [entry] = messages(hexBytes(CAPTURED.fdbDump4));
    expect([dumpFdb({ link: 4 }).decode(entry!).map((e) => e?.index), dumpFdb({ link: 5 }).decode(entry!), dumpFdb().decode(entry!).map((e) => e?.index)]).toEqual([
      ok(4),
      ok(undefined),
      ok(4),
    ]);
  });

  it("reads back every FDB request it encodes", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.nat({ max: 0xffffffff }).map(ip4), fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }).map(ip6)),
        fc.integer({ min: 0, max: 2 ** 48 - 1 }).map(mac),
        fc.integer({ min: 1, max: 0x7fffffff }),
        (dst, lladdr, link) => {
          const [message] = messages(encodeRequest(replaceFdb({ link, mac: lladdr, dst }), 1));
          expect(decodeFdbEntry(message!)).toEqual(ok({ index: link, mac: lladdr, dst, state: NUD.PERMANENT, flags: NTF.SELF }));
        },
      ),
    );
  });

  it("never throws on random bytes, and refuses other families", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 120 }), (payload) => {
      expectDecoded(decodeFdbEntry({ type: RTM.NEWNEIGH, flags: 0, seq: 0, pid: 0, payload, offset: 0 }));
    }));
    expect(decodeFdbEntry(messages(hexBytes(CAPTURED.replaceNeighbour4))[0]!)).toEqual(err(malformed("ndmsg", 16, "address family 2 is not AF_BRIDGE")));
  });
});
