import fc from "fast-check";
import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { expectDecoded } from "../../test/helpers/netlink-kernel.ts";
import { bytesHex, CAPTURED, hexBytes, seqOf } from "../../test/helpers/netlink-captures.ts";
import { cidr4, cidr6, parseCidr } from "../subnet/cidr.ts";
import { decodeAddress } from "./address-info.ts";
import { deleteAddress, dumpAddresses, newAddress, replaceAddress } from "./address-requests.ts";
import { IFA_F, RT_SCOPE, RTM } from "./constants.ts";
import { malformed } from "./decode-error.ts";
import { encodeRequest, type NetlinkRequest } from "./netlink-request.ts";
import { type NetlinkMessage, parseMessages } from "./netlink-message.ts";

const cidr = (text: string) => parseCidr(text)._unsafeUnwrap();
const messages = (bytes: Uint8Array): NetlinkMessage[] => parseMessages(bytes)._unsafeUnwrap();

describe("address requests: the bytes iproute2 sends", () => {
  it.each<[string, NetlinkRequest, string]>([
    ["ip addr add 10.5.1.0/32 dev nlv1", newAddress({ link: 4, address: cidr("10.5.1.0/32") }), CAPTURED.newAddress4],
    ["ip addr add fd10:0:0:1::/128 dev nlv6 nodad", newAddress({ link: 5, address: cidr("fd10:0:0:1::/128"), flags: IFA_F.NODAD }), CAPTURED.newAddress6],
    ["ip addr del 10.5.1.0/32 dev nlv1", deleteAddress({ link: 4, address: cidr("10.5.1.0/32") }), CAPTURED.deleteAddress4],
    ["ip addr show dev nlv1 (the dump request)", dumpAddresses({ link: 4 }), CAPTURED.dumpAddressesOf4],
  ])("%s", (_, request, captured) => {
    expect(bytesHex(encodeRequest(request, seqOf(captured)))).toBe(captured);
  });

  it("describes them", () => {
    expect([replaceAddress({ link: { index: 4, name: "nlv1" }, address: cidr("10.5.1.0/32") }).description, dumpAddresses().description]).toEqual([
      "replace address 10.5.1.0/32 dev nlv1",
      "dump addresses",
    ]);
  });
});

describe("decodeAddress, on the kernel's dump replies as captured", () => {
  it("reads the IPv4 address and the link-local IPv6 one of nlv1", () => {
    expect(messages(hexBytes(CAPTURED.addressDump4)).map(decodeAddress)).toEqual([
      ok({ index: 4, address: cidr("10.5.1.0/32"), scope: RT_SCOPE.UNIVERSE, flags: IFA_F.PERMANENT, label: "nlv1" }),
      ok({ index: 4, address: cidr("fe80::98f9:8eff:fe94:2d71/64"), scope: RT_SCOPE.LINK, flags: IFA_F.PERMANENT | IFA_F.TENTATIVE }),
    ]);
  });

  it("keeps only what the dump's filter asks for", () => {
    const dump = dumpAddresses({ family: 6, link: 5 });
    const [first, second] = messages(hexBytes(CAPTURED.addressDump6)); // then NLMSG_DONE
    expect([first!, second!].map((m) => dump.decode(m))).toEqual([
      ok({ index: 5, address: cidr("fd10:0:0:1::/128"), scope: RT_SCOPE.UNIVERSE, flags: IFA_F.PERMANENT | IFA_F.NODAD }),
      ok({ index: 5, address: cidr("fe80::6c74:b6ff:fe84:5a00/64"), scope: RT_SCOPE.LINK, flags: IFA_F.PERMANENT | IFA_F.TENTATIVE }),
    ]);
    const onlyV4 = dumpAddresses({ family: 4 });
    expect(messages(hexBytes(CAPTURED.addressDump4)).map((m) => onlyV4.decode(m).map((a) => a?.address))).toEqual([ok(cidr("10.5.1.0/32")), ok(undefined)]);
  });

  it("reads back every address request it encodes (a request has the kernel's layout)", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.tuple(fc.nat({ max: 0xffffffff }), fc.integer({ min: 0, max: 32 })).map(([a, p]) => cidr4(a, p)),
          fc.tuple(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), fc.integer({ min: 0, max: 128 })).map(([a, p]) => cidr6(a, p)),
        ),
        fc.integer({ min: 1, max: 0x7fffffff }),
        fc.constantFrom(0, IFA_F.NODAD, IFA_F.NOPREFIXROUTE | IFA_F.NODAD),
        fc.constantFrom(RT_SCOPE.UNIVERSE, RT_SCOPE.LINK, RT_SCOPE.HOST),
        (address, link, flags, scope) => {
          const request = newAddress({ link, address, flags, scope });
          const [message] = messages(encodeRequest(request, 1));
          expect(decodeAddress({ ...message!, type: RTM.NEWADDR })).toEqual(ok({ index: link, address, scope, flags }));
        },
      ),
    );
  });

  it("never throws on random bytes, and refuses unknown families", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 120 }), (payload) => {
      expectDecoded(decodeAddress({ type: RTM.NEWADDR, flags: 0, seq: 0, pid: 0, payload, offset: 0 }));
    }));
    expect(decodeAddress({ type: RTM.NEWADDR, flags: 0, seq: 0, pid: 0, payload: new Uint8Array(8), offset: 0 })).toEqual(
      err(malformed("ifaddrmsg", 16, "address family 0 is not AF_INET or AF_INET6")),
    );
  });
});
