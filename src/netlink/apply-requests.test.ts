import { err, errAsync, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { CAPTURED, hexBytes } from "../../test/helpers/netlink-captures.ts";
import { scriptedKernel, withSeq } from "../../test/helpers/netlink-kernel.ts";
import { cidr4 } from "../subnet/cidr.ts";
import { ip4 } from "../subnet/ip.ts";
import { applyRequests } from "./apply-requests.ts";
import { NLM_F } from "./constants.ts";
import { truncated } from "./decode-error.ts";
import { deleteLink } from "./link-requests.ts";
import { encodeAck } from "./netlink-ack.ts";
import { type NetlinkMessage, parseMessages } from "./netlink-message.ts";
import { replaceRoute } from "./route-requests.ts";
import type { NetlinkTransport } from "./netlink-transport.ts";
import { SequenceNumbers } from "./sequence-numbers.ts";

const flannel1 = { index: 7, name: "flannel.1" };
/** Routes to 10.5.N.0/24 via 10.5.N.0 dev flannel.1 onlink, N = 0 .. count-1 (N above 255 goes to the next octet). */
const routes = (count: number) =>
  Array.from({ length: count }, (_, n) => replaceRoute({ dst: cidr4(0x0a050000 + n * 256, 24), gateway: ip4(0x0a050000 + n * 256), oif: flannel1, onlink: true }));
/** The third octet of the route a request message carries. */
const octet = (request: NetlinkMessage): number => request.payload[12 + 4 + 2]!;
const count = (datagram: Uint8Array): number => parseMessages(datagram)._unsafeUnwrap().length;

describe("applyRequests", () => {
  it("sends 300 changes in three sendmsg calls and matches all 300 ACKs", async () => {
    const kernel = scriptedKernel((request) => [encodeAck(request, 0)]);
    const result = await applyRequests(kernel, routes(300), { sequence: new SequenceNumbers() });
    expect(result).toEqual(ok({ applied: 300, failures: [] }));
    expect(kernel.sent.map(count)).toEqual([128, 128, 44]);
  });

  it("cuts sends at the byte limit too, and numbers every request", async () => {
    const kernel = scriptedKernel((request) => [encodeAck(request, 0)]);
    const result = await applyRequests(kernel, routes(10), { sequence: new SequenceNumbers(41), bytesPerSend: 3 * 52 });
    expect(result.map((r) => r.applied)).toEqual(ok(10));
    expect(kernel.sent.map(count)).toEqual([3, 3, 3, 1]);
    expect(kernel.sent.flatMap((d) => parseMessages(d)._unsafeUnwrap().map((m) => m.seq))).toEqual([41, 42, 43, 44, 45, 46, 47, 48, 49, 50]);
  });

  it("returns each refusal with its errno, the kernel's words and the request's description, and applies the rest", async () => {
    const netUnreach = hexBytes(CAPTURED.errorNetUnreachExtAck);
    const kernel = scriptedKernel((request) => {
      if (octet(request) === 3) return [withSeq(netUnreach, request.seq)];
      if (octet(request) === 5) return [encodeAck(request, 17)];
      return [encodeAck(request, 0)];
    });
    const requests = routes(8);
    const result = await applyRequests(kernel, requests, { sequence: new SequenceNumbers() });
    expect(result).toEqual(
      ok({
        applied: 6,
        failures: [
          {
            kind: "netlink-request-failed",
            index: 3,
            request: requests[3],
            errno: 101,
            errnoName: "ENETUNREACH",
            kernelMessage: "Nexthop has invalid gateway",
            message: "replace route 10.5.3.0/24 via 10.5.3.0 dev flannel.1 onlink: ENETUNREACH (Nexthop has invalid gateway)",
          },
          {
            kind: "netlink-request-failed",
            index: 5,
            request: requests[5],
            errno: 17,
            errnoName: "EEXIST",
            message: "replace route 10.5.5.0/24 via 10.5.5.0 dev flannel.1 onlink: EEXIST",
          },
        ],
      }),
    );
  });

  it("matches ACKs that come in another order, one datagram at a time, among late answers to earlier exchanges", async () => {
    const stale = encodeAck({ type: 24, flags: 0x505, seq: 999, pid: 0 }, 17);
    const kernel = scriptedKernel((request) => [encodeAck(request, octet(request) === 2 ? 2 : 0)], 1);
    const reordering: NetlinkTransport = {
      send: (datagram) =>
        kernel.send(datagram).map(() => {
          kernel.queue.reverse();
          kernel.queue.unshift(stale);
        }),
      receive: (timeoutMs) => kernel.receive(timeoutMs),
    };
    const result = await applyRequests(reordering, routes(4), { sequence: new SequenceNumbers() });
    expect(result.map((r) => [r.applied, r.failures.map((f) => f.message)])).toEqual(ok([3, ["replace route 10.5.2.0/24 via 10.5.2.0 dev flannel.1 onlink: ENOENT"]]));
  });

  it("gives up when an ACK does not come, naming the first request without one", async () => {
    const kernel = scriptedKernel((request) => (octet(request) === 1 ? [] : [encodeAck(request, 0)]));
    const result = await applyRequests(kernel, routes(3), { sequence: new SequenceNumbers(), timeoutMs: 5 });
    expect(result).toEqual(
      err({
        kind: "netlink-timeout",
        unanswered: 1,
        description: "replace route 10.5.1.0/24 via 10.5.1.0 dev flannel.1 onlink",
        message: "netlink: no answer within 5 ms to 1 request(s), the first: replace route 10.5.1.0/24 via 10.5.1.0 dev flannel.1 onlink",
      }),
    );
  });

  it("stops at a socket error and at an answer it cannot read", async () => {
    const failing = {
      ...scriptedKernel(() => []),
      receive: () => errAsync({ kind: "netlink-transport" as const, operation: "recvmsg", errno: 105, errnoName: "ENOBUFS", message: "recvmsg: ENOBUFS" }),
    };
    expect(await applyRequests(failing, [deleteLink(7)], { sequence: new SequenceNumbers() })).toEqual(
      err({ kind: "netlink-transport", operation: "recvmsg", errno: 105, errnoName: "ENOBUFS", message: "recvmsg: ENOBUFS" }),
    );
    const garbled = scriptedKernel(() => [new Uint8Array([36, 0, 0, 0, 2, 0])]);
    expect(await applyRequests(garbled, [deleteLink(7)], { sequence: new SequenceNumbers() })).toEqual(err(truncated("nlmsghdr", 0, 16, 6)));
  });

  it("asks for an ACK even when a request's flags leave it out", async () => {
    const kernel = scriptedKernel((request) => ((request.flags & NLM_F.ACK) !== 0 ? [encodeAck(request, 0)] : []));
    const quiet = { ...deleteLink(7), flags: NLM_F.REQUEST };
    expect(await applyRequests(kernel, [quiet], { sequence: new SequenceNumbers(), timeoutMs: 5 })).toEqual(ok({ applied: 1, failures: [] }));
  });

  it("sends nothing for no requests", async () => {
    const kernel = scriptedKernel(() => []);
    expect(await applyRequests(kernel, [], { sequence: new SequenceNumbers() })).toEqual(ok({ applied: 0, failures: [] }));
    expect(kernel.sent).toEqual([]);
  });
});
