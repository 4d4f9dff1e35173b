import fc from "fast-check";
import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { expectDecoded } from "../../test/helpers/netlink-kernel.ts";
import { bytesHex, CAPTURED, hexBytes, seqOf } from "../../test/helpers/netlink-captures.ts";
import { ip4, ip6, parseIp } from "../subnet/ip.ts";
import { NUD, RTM, RTN } from "./constants.ts";
import { malformed } from "./decode-error.ts";
import { mac, parseMac } from "./mac.ts";
import { decodeNeighbour } from "./neighbour-info.ts";
import { deleteNeighbour, dumpNeighbours, replaceNeighbour } from "./neighbour-requests.ts";
import { encodeRequest, type NetlinkRequest } from "./netlink-request.ts";
import { type NetlinkMessage, parseMessages } from "./netlink-message.ts";

const ip = (text: string) => parseIp(text)._unsafeUnwrap();
const hw = (text: string) => parseMac(text)._unsafeUnwrap();
const messages = (bytes: Uint8Array): NetlinkMessage[] => parseMessages(bytes)._unsafeUnwrap();

describe("neighbour requests: the bytes iproute2 sends", () => {
  it.each<[string, NetlinkRequest, string]>([
    [
      "ip neigh replace 10.5.2.0 lladdr be:45:e5:5e:b1:4e dev nlv1 nud permanent",
      replaceNeighbour({ link: 4, ip: ip("10.5.2.0"), mac: hw("be:45:e5:5e:b1:4e") }),
      CAPTURED.replaceNeighbour4,
    ],
    [
      "ip -6 neigh replace fd10:0:0:2:: lladdr 0e:53:d2:3d:53:65 dev nlv6 nud permanent",
      replaceNeighbour({ link: 5, ip: ip("fd10:0:0:2::"), mac: hw("0e:53:d2:3d:53:65") }),
      CAPTURED.replaceNeighbour6,
    ],
    ["ip neigh del 10.5.2.0 dev nlv1", deleteNeighbour({ link: 4, ip: ip("10.5.2.0") }), CAPTURED.deleteNeighbour4],
    ["ip neigh show dev nlv1 (the dump request)", dumpNeighbours({ link: 4 }), CAPTURED.dumpNeighboursOf4],
    ["ip -6 neigh show dev nlv6 (the dump request)", dumpNeighbours({ family: 6, link: 5 }), CAPTURED.dumpNeighbours6Of5],
  ])("%s", (_, request, captured) => {
    expect(bytesHex(encodeRequest(request, seqOf(captured)))).toBe(captured);
  });

  it("describes them", () => {
    const flannel1 = { index: 7, name: "flannel.1" };
    expect([
      replaceNeighbour({ link: flannel1, ip: ip("10.5.2.0"), mac: hw("be:45:e5:5e:b1:4e") }).description,
      replaceNeighbour({ link: flannel1, ip: ip("10.5.2.0"), mac: hw("be:45:e5:5e:b1:4e"), state: NUD.REACHABLE }).description,
      deleteNeighbour({ link: flannel1, ip: ip("fd10:0:0:2::") }).description,
      dumpNeighbours().description,
    ]).toEqual([
      "replace neighbour 10.5.2.0 lladdr be:45:e5:5e:b1:4e dev flannel.1 nud permanent",
      "replace neighbour 10.5.2.0 lladdr be:45:e5:5e:b1:4e dev flannel.1 nud reachable",
      "delete neighbour fd10:0:0:2:: dev flannel.1",
      "dump neighbours",
    ]);
  });
});

describe("decodeNeighbour, on the kernel's dump replies as captured", () => {
  const multicast = (group: string, address: string) => ok({ index: 4, ip: ip(group), mac: hw(address), state: NUD.NOARP, flags: 0, type: RTN.MULTICAST });

  it("reads the permanent entry and the IPv6 multicast ones of an AF_UNSPEC dump", () => {
    const [a, b, c, d] = messages(hexBytes(CAPTURED.neighbourDump4));
    expect([a!, b!, c!, d!].map(decodeNeighbour)).toEqual([
      ok({ index: 4, ip: ip("10.5.2.0"), mac: hw("be:45:e5:5e:b1:4e"), state: NUD.PERMANENT, flags: 0, type: RTN.UNICAST }),
      multicast("ff02::16", "33:33:00:00:00:16"),
      multicast("ff02::2", "33:33:00:00:00:02"),
      multicast("ff02::1:ff94:2d71", "33:33:ff:94:2d:71"),
    ]);
  });

  it("keeps only the family and device the filter asks for", () => {
    const all = messages(hexBytes(CAPTURED.neighbourDump4)).slice(0, 4);
    const keep = (filter: Parameters<typeof dumpNeighbours>[0]) => all.flatMap((m) => dumpNeighbours(filter).decode(m)._unsafeUnwrap() ?? []).length;
    expect([keep({ family: 4 }), keep({ family: 6 }), keep({ link: 4 }), keep({ link: 5 }), keep({})]).toEqual([1, 3, 4, 0, 4]);
  });

  it("reads back every neighbour request it encodes", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.nat({ max: 0xffffffff }).map(ip4), fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }).map(ip6)),
        fc.integer({ min: 0, max: 2 ** 48 - 1 }).map(mac),
        fc.integer({ min: 1, max: 0x7fffffff }),
        fc.constantFrom(NUD.PERMANENT, NUD.REACHABLE, NUD.NOARP),
        (address, lladdr, link, state) => {
          const [message] = messages(encodeRequest(replaceNeighbour({ link, ip: address, mac: lladdr, state }), 1));
          expect(decodeNeighbour(message!)).toEqual(ok({ index: link, ip: address, mac: lladdr, state, flags: 0, type: 0 }));
        },
      ),
    );
  });

  it("never throws on random bytes, and refuses an entry without address", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 120 }), (payload) => {
      expectDecoded(decodeNeighbour({ type: RTM.NEWNEIGH, flags: 0, seq: 0, pid: 0, payload, offset: 0 }));
    }));
    const payload = new Uint8Array(12);
    payload[0] = 2;
    expect(decodeNeighbour({ type: RTM.NEWNEIGH, flags: 0, seq: 0, pid: 0, payload, offset: 0 })).toEqual(err(malformed("ndmsg", 16, "no NDA_DST")));
  });
});
