import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { CAPTURED, hexBytes } from "../../test/helpers/netlink-captures.ts";
import { scriptedKernel, withSeq } from "../../test/helpers/netlink-kernel.ts";
import { formatIp } from "../subnet/ip.ts";
import { formatCidr } from "../subnet/cidr.ts";
import { dumpAddresses } from "./address-requests.ts";
import { NLM_F, NLMSG } from "./constants.ts";
import { getLink } from "./link-requests.ts";
import { encodeAck } from "./netlink-ack.ts";
import { encodeMessage } from "./netlink-message.ts";
import { dumpNeighbours } from "./neighbour-requests.ts";
import { runQuery } from "./run-query.ts";
import { SequenceNumbers } from "./sequence-numbers.ts";

const done = (seq: number, code = 0): Uint8Array => {
  const payload = new Uint8Array(4);
  new DataView(payload.buffer).setInt32(0, code, true);
  return encodeMessage({ type: NLMSG.DONE, flags: NLM_F.MULTI, seq, pid: 0 }, payload);
};
/** Sets NLM_F_DUMP_INTR on every message of a datagram. */
const interrupted = (datagram: Uint8Array): Uint8Array => {
  const copy = datagram.slice();
  const view = new DataView(copy.buffer);
  for (let at = 0; at + 16 <= copy.length; at += (view.getUint32(at, true) + 3) & ~3) view.setUint16(at + 6, view.getUint16(at + 6, true) | NLM_F.DUMP_INTR, true);
  return copy;
};

describe("runQuery", () => {
  it("collects a dump spread over datagrams up to NLMSG_DONE, keeping what the query keeps", async () => {
    const kernel = scriptedKernel((request) => [withSeq(hexBytes(CAPTURED.addressDump4), request.seq), withSeq(hexBytes(CAPTURED.addressDump4Done), request.seq)], 1);
    const addresses = await runQuery(kernel, dumpAddresses({ family: 4 }), { sequence: new SequenceNumbers() });
    expect(addresses.map((list) => list.map((a) => formatCidr(a.address)))).toEqual(ok(["10.5.1.0/32"]));
  });

  it("reads a dump whose NLMSG_DONE shares the datagram, and skips late parts of an earlier dump", async () => {
    const kernel = scriptedKernel((request) => [withSeq(hexBytes(CAPTURED.neighbourDump6), request.seq - 1), withSeq(hexBytes(CAPTURED.neighbourDump6), request.seq)]);
    const neighbours = await runQuery(kernel, dumpNeighbours({ family: 6, link: 5 }), { sequence: new SequenceNumbers(7) });
    expect(neighbours.map((list) => list.map((n) => formatIp(n.ip)))).toEqual(ok(["fd10:0:0:2::", "ff02::1:ff84:5a00", "ff02::16"]));
  });

  it("reads a dump again when the kernel says it changed meanwhile", async () => {
    let attempt = 0;
    const kernel = scriptedKernel((request) => {
      attempt++;
      const parts = withSeq(hexBytes(CAPTURED.neighbourDump6), request.seq);
      return [attempt === 1 ? interrupted(parts) : parts];
    });
    const neighbours = await runQuery(kernel, dumpNeighbours({ family: 6 }), { sequence: new SequenceNumbers() });
    expect(neighbours.map((list) => list.length)).toEqual(ok(3));
    expect(kernel.sent).toHaveLength(2);
  });

  it("gives up on a dump that keeps changing", async () => {
    const kernel = scriptedKernel((request) => [interrupted(withSeq(hexBytes(CAPTURED.neighbourDump6), request.seq))]);
    expect(await runQuery(kernel, dumpNeighbours({ family: 6 }), { sequence: new SequenceNumbers(), dumpAttempts: 3 })).toEqual(
      err({
        kind: "netlink-dump-interrupted",
        attempts: 3,
        description: "dump IPv6 neighbours",
        message: "netlink: dump IPv6 neighbours: the table changed while it was read, 3 times in a row",
      }),
    );
    expect(kernel.sent).toHaveLength(3);
  });

  it("returns the one reply to a get, and the kernel's refusal as netlink-query-refused", async () => {
    const kernel = scriptedKernel((
      request,
    ) => [new TextDecoder().decode(request.payload).includes("nlv1") ? withSeq(hexBytes(CAPTURED.getLinkReplyVxlan4), request.seq) : encodeAck(request, 19)]);
    const found = await runQuery(kernel, getLink("nlv1"), { sequence: new SequenceNumbers() });
    expect(found.map((links) => links.map((l) => [l.index, l.name, l.vxlan?.id]))).toEqual(ok([[4, "nlv1", 1]]));
    const query = getLink("nope");
    const missing = await runQuery(kernel, query, { sequence: new SequenceNumbers() });
    expect(missing).toEqual(
      err({
        kind: "netlink-query-refused",
        failure: { kind: "netlink-request-failed", index: 0, request: query, errno: 19, errnoName: "ENODEV", message: "get link nope: ENODEV" },
        message: "netlink: get link nope: ENODEV",
      }),
    );
  });

  it("reports an error the kernel puts in NLMSG_DONE, and a dump that never ends", async () => {
    const failing = scriptedKernel((request) => [done(request.seq, -95)]);
    expect((await runQuery(failing, dumpAddresses(), { sequence: new SequenceNumbers() })).mapErr((e) => e.message)).toEqual(err("netlink: dump addresses: EOPNOTSUPP"));
    const endless = scriptedKernel((request) => [withSeq(hexBytes(CAPTURED.addressDump4), request.seq)]);
    expect((await runQuery(endless, dumpAddresses(), { sequence: new SequenceNumbers(), timeoutMs: 5 })).mapErr((e) => e.message)).toEqual(
      err("netlink: no end of the dump within 5 ms: dump addresses"),
    );
  });
});
