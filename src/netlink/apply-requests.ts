import { err, ok, type ResultAsync, safeTry } from "neverthrow";
import { align4 } from "./_bytes.ts";
import { requestError } from "./_request-error.ts";
import { NLM_F, NLMSG } from "./constants.ts";
import { decodeAck } from "./netlink-ack.ts";
import type { NetlinkBatchError, NetlinkRequestError } from "./netlink-errors.ts";
import { NLMSG_HEADER_LENGTH, parseMessages, writeHeader } from "./netlink-message.ts";
import type { NetlinkRequest } from "./netlink-request.ts";
import type { NetlinkTransport } from "./netlink-transport.ts";
import type { SequenceNumbers } from "./sequence-numbers.ts";

/** How {@link applyRequests} talks to the kernel. */
export interface BatchOptions {
  /** The socket's sequence numbers. */
  readonly sequence: SequenceNumbers;
  /** How long to wait for more answers before giving up, in ms. Default 2000. */
  readonly timeoutMs?: number;
  /**
   * Requests per sendmsg. Every request is answered by its own ACK, and the
   * ACKs of one send wait together in the socket's receive buffer (each
   * costs about 800 bytes of it, skb overhead included): too many and the
   * kernel drops ACKs (ENOBUFS). Default 128, safe with the kernel's
   * default 208 KiB buffer.
   */
  readonly requestsPerSend?: number;
  /** Bytes per sendmsg (the kernel refuses a datagram larger than the send buffer). Default 32 KiB. */
  readonly bytesPerSend?: number;
}

/** What the kernel said to a batch: how many requests it applied, and every refusal. */
export interface BatchResult {
  readonly applied: number;
  /** In request order. */
  readonly failures: readonly NetlinkRequestError[];
}

/** [start, end) ranges of requests that fit one send each. */
function chunks(requests: readonly NetlinkRequest[], perSend: number, bytesPerSend: number): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < requests.length; i++) {
    const size = NLMSG_HEADER_LENGTH + align4(requests[i]!.payload.length);
    if (i > start && (i - start >= perSend || bytes + size > bytesPerSend)) {
      ranges.push([start, i]);
      start = i;
      bytes = 0;
    }
    bytes += size;
  }
  if (start < requests.length) ranges.push([start, requests.length]);
  return ranges;
}

/**
 * Sends change requests to the kernel in few sendmsg calls, each request
 * with NLM_F_ACK and its own sequence number, and matches every ACK to its
 * request. A request the kernel refuses does not stop the others (each is
 * handled on its own, in order); its errno and description come back in
 * `failures`.
 *
 * @param transport the socket
 * @param requests the changes, e.g. `replaceRoute(...)` values (each is sent with NLM_F_ACK)
 * @param options sequence numbers and limits
 * @returns how many were applied and which failed, or why the batch could not complete
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { applyRequests, deleteLink, encodeAck, parseMessages, type NetlinkTransport } from "flannel-ts/netlink";
 * import { SequenceNumbers } from "./sequence-numbers.ts";
 * import { ok, okAsync } from "flannel-ts/core";
 *
 * // A stand-in kernel that answers every request with ENODEV (19).
 * let queued: Uint8Array[] = [];
 * const transport: NetlinkTransport = {
 *   send: (datagram) => {
 *     for (const request of parseMessages(datagram)._unsafeUnwrap()) queued.push(encodeAck(request, 19));
 *     return ok(undefined);
 *   },
 *   receive: () => okAsync(queued.splice(0)),
 * };
 * const result = await applyRequests(transport, [deleteLink({ index: 9, name: "nlv9" })], { sequence: new SequenceNumbers() });
 * assert.equal(result._unsafeUnwrap().failures[0]?.message, "delete link nlv9: ENODEV");
 * ```
 */
export function applyRequests(transport: NetlinkTransport, requests: readonly NetlinkRequest[], options: BatchOptions): ResultAsync<BatchResult, NetlinkBatchError> {
  const timeoutMs = options.timeoutMs ?? 2000;
  return safeTry(async function* () {
    const failures: NetlinkRequestError[] = [];
    let applied = 0;
    for (const [start, end] of chunks(requests, options.requestsPerSend ?? 128, options.bytesPerSend ?? 32 * 1024)) {
      const pending = new Map<number, number>();
      let size = 0;
      for (let i = start; i < end; i++) size += NLMSG_HEADER_LENGTH + align4(requests[i]!.payload.length);
      const datagram = new Uint8Array(size);
      let at = 0;
      for (let i = start; i < end; i++) {
        const request = requests[i]!;
        const seq = options.sequence.next();
        pending.set(seq, i);
        // Without NLM_F_ACK a successful change would never be answered, and the batch would wait for it.
        writeHeader(datagram, at, { type: request.type, flags: request.flags | NLM_F.ACK, seq, pid: 0 }, NLMSG_HEADER_LENGTH + request.payload.length);
        datagram.set(request.payload, at + NLMSG_HEADER_LENGTH);
        at += NLMSG_HEADER_LENGTH + align4(request.payload.length);
      }
      yield* transport.send(datagram);
      while (pending.size > 0) {
        const datagrams = yield* transport.receive(timeoutMs);
        if (datagrams.length === 0) {
          const first = requests[Math.min(...pending.values())]!;
          return err({
            kind: "netlink-timeout" as const,
            unanswered: pending.size,
            description: first.description,
            message: `netlink: no answer within ${timeoutMs} ms to ${pending.size} request(s), the first: ${first.description}`,
          });
        }
        for (const received of datagrams) {
          for (const message of yield* parseMessages(received)) {
            const index = message.type === NLMSG.ERROR ? pending.get(message.seq) : undefined;
            // Anything else is a late answer to an earlier, abandoned exchange.
            if (index === undefined) continue;
            const ack = yield* decodeAck(message);
            pending.delete(message.seq);
            if (ack.errno === 0) applied++;
            else failures.push(requestError(index, requests[index]!, ack));
          }
        }
      }
    }
    failures.sort((a, b) => a.index - b.index);
    return ok({ applied, failures });
  });
}
