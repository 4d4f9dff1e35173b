import { err, ok, type ResultAsync, safeTry } from "neverthrow";
import { i32 } from "./_bytes.ts";
import { errnoSymbol } from "../libc/errno-name.ts";
import { requestError } from "./_request-error.ts";
import { NLM_F, NLMSG } from "./constants.ts";
import { decodeAck } from "./netlink-ack.ts";
import type { NetlinkBatchError } from "./netlink-errors.ts";
import { encodeMessage, parseMessages } from "./netlink-message.ts";
import type { NetlinkQuery } from "./netlink-request.ts";
import type { NetlinkTransport } from "./netlink-transport.ts";
import type { SequenceNumbers } from "./sequence-numbers.ts";

/** How {@link runQuery} talks to the kernel. */
export interface QueryOptions {
  /** The socket's sequence numbers. */
  readonly sequence: SequenceNumbers;
  /** How long to wait for more of the answer before giving up, in ms. Default 2000. */
  readonly timeoutMs?: number;
  /** How often to read a dump that changed while it was read (NLM_F_DUMP_INTR). Default 5. */
  readonly dumpAttempts?: number;
}

type Exchange<T> = { readonly values: T[]; readonly interrupted: boolean };

/**
 * Sends a query and collects its answer: every part of a dump up to
 * NLMSG_DONE, or the one reply to a get. A dump that the kernel marks as
 * interrupted (the table changed while it was read) is read again.
 *
 * @param transport the socket
 * @param query e.g. `dumpRoutes({ family: 4 })` or `getLink("flannel.1")`
 * @param options sequence numbers and limits
 * @returns the values the query keeps, or why it could not complete (a refusal, e.g. ENODEV for a get, is `netlink-query-refused`)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dumpLinks, encodeMessage, NLM_F, NLMSG, parseMessages, runQuery, type NetlinkTransport } from "flannel-ts/netlink";
 * import { SequenceNumbers } from "./sequence-numbers.ts";
 * import { ok, okAsync } from "flannel-ts/core";
 *
 * // A stand-in kernel with no devices: every dump is just NLMSG_DONE.
 * let queued: Uint8Array[] = [];
 * const transport: NetlinkTransport = {
 *   send: (datagram) => {
 *     const [request] = parseMessages(datagram)._unsafeUnwrap();
 *     queued.push(encodeMessage({ type: NLMSG.DONE, flags: NLM_F.MULTI, seq: request!.seq, pid: 0 }, new Uint8Array(4)));
 *     return ok(undefined);
 *   },
 *   receive: () => okAsync(queued.splice(0)),
 * };
 * assert.deepEqual((await runQuery(transport, dumpLinks(), { sequence: new SequenceNumbers() }))._unsafeUnwrap(), []);
 * ```
 */
export function runQuery<T>(transport: NetlinkTransport, query: NetlinkQuery<T>, options: QueryOptions): ResultAsync<T[], NetlinkBatchError> {
  const attempts = options.dumpAttempts ?? 5;
  return safeTry(async function* () {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const answer = yield* exchange(transport, query, options);
      if (!answer.interrupted) return ok(answer.values);
    }
    return err({
      kind: "netlink-dump-interrupted" as const,
      attempts,
      description: query.description,
      message: `netlink: ${query.description}: the table changed while it was read, ${attempts} times in a row`,
    });
  });
}

/** One request and its whole answer. */
function exchange<T>(transport: NetlinkTransport, query: NetlinkQuery<T>, options: QueryOptions): ResultAsync<Exchange<T>, NetlinkBatchError> {
  const timeoutMs = options.timeoutMs ?? 2000;
  const dump = (query.flags & NLM_F.DUMP) === NLM_F.DUMP;
  return safeTry(async function* () {
    const seq = options.sequence.next();
    yield* transport.send(encodeMessage({ type: query.type, flags: query.flags, seq, pid: 0 }, query.payload));
    const values: T[] = [];
    let interrupted = false;
    for (;;) {
      const datagrams = yield* transport.receive(timeoutMs);
      if (datagrams.length === 0) {
        return err({
          kind: "netlink-timeout" as const,
          unanswered: 1,
          description: query.description,
          message: `netlink: no ${dump ? "end of the dump" : "answer"} within ${timeoutMs} ms: ${query.description}`,
        });
      }
      for (const received of datagrams) {
        for (const message of yield* parseMessages(received)) {
          // Late parts of an earlier, abandoned exchange carry other numbers.
          if (message.seq !== seq) continue;
          if ((message.flags & NLM_F.DUMP_INTR) !== 0) interrupted = true;
          if (message.type === NLMSG.ERROR) {
            const ack = yield* decodeAck(message);
            if (ack.errno === 0) return ok({ values, interrupted });
            const failure = requestError(0, query, ack);
            return err({ kind: "netlink-query-refused" as const, failure, message: `netlink: ${failure.message}` });
          }
          if (message.type === NLMSG.DONE) {
            const code = message.payload.length >= 4 ? i32(message.payload, 0) : 0;
            if (code >= 0) return ok({ values, interrupted });
            const failure = requestError(0, query, { errno: -code, errnoName: errnoSymbol(-code), request: message });
            return err({ kind: "netlink-query-refused" as const, failure, message: `netlink: ${failure.message}` });
          }
          if (message.type < 16) continue; // NLMSG_NOOP and other control messages carry no value
          const value = yield* query.decode(message);
          if (value !== undefined) values.push(value);
          if (!dump) return ok({ values, interrupted });
        }
      }
    }
  });
}
