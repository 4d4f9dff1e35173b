// A stand-in for the kernel's side of a netlink socket, for the batch
// layer's tests: each sent datagram is split into its requests, and a
// handler decides each request's answer (datagrams queued for receive).
import { ok, okAsync, type Result } from "neverthrow";
import { type NetlinkMessage, type NetlinkTransport, type NetlinkTransportError, parseMessages } from "../../src/netlink/index.ts";

export interface ScriptedKernel extends NetlinkTransport {
  /** Every datagram sent, in order. */
  readonly sent: Uint8Array[];
  /** Datagrams waiting to be received. */
  readonly queue: Uint8Array[];
}

/**
 * A transport whose kernel answers each request with what `answer` returns
 * (datagrams), queued in order. `receive` hands out at most `perReceive`
 * datagrams at a time.
 */
export function scriptedKernel(answer: (request: NetlinkMessage) => Uint8Array[], perReceive = Infinity): ScriptedKernel {
  const sent: Uint8Array[] = [];
  const queue: Uint8Array[] = [];
  return {
    sent,
    queue,
    send: (datagram): Result<void, NetlinkTransportError> => {
      sent.push(datagram.slice());
      for (const request of parseMessages(datagram)._unsafeUnwrap()) queue.push(...answer(request));
      return ok(undefined);
    },
    receive: () => okAsync(queue.splice(0, perReceive)),
  };
}

/** A copy of a captured datagram with every message's sequence number set to `seq`. */
export function withSeq(datagram: Uint8Array, seq: number): Uint8Array {
  const copy = datagram.slice();
  const view = new DataView(copy.buffer);
  for (let at = 0; at + 16 <= copy.length;) {
    view.setUint32(at + 8, seq, true);
    at += (view.getUint32(at, true) + 3) & ~3;
  }
  return copy;
}

/**
 * What a decoder must give for any input: a value, or an error that says
 * where ("netlink: ... at byte N") and is one of the two decode kinds.
 */
export function expectDecoded(result: Result<unknown, { kind: string; message: string }>): void {
  if (result.isOk()) return;
  if (!["truncated-message", "malformed-message"].includes(result.error.kind) || !/^netlink: .* at byte \d+/.test(result.error.message)) {
    throw new Error(`not a decode error: ${JSON.stringify(result.error)}`);
  }
}
