/**
 * Hands out netlink sequence numbers (32-bit, wrapping, never 0 so that a
 * reply to an unnumbered request is never taken for ours). One per socket:
 * replies are matched to requests by them.
 */
export class SequenceNumbers {
  private last: number;

  /**
   * @param first the first number handed out (default 1)
   */
  constructor(first = 1) {
    this.last = (first - 1) >>> 0;
  }

  /**
   * The next number.
   *
   * @returns a number from 1 to 2^32 - 1
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { SequenceNumbers } from "flannel-ts/netlink";
   * const numbers = new SequenceNumbers(0xffffffff);
   * assert.deepEqual([numbers.next(), numbers.next()], [0xffffffff, 1]);
   * ```
   */
  next(): number {
    this.last = (this.last + 1) >>> 0;
    if (this.last === 0) this.last = 1;
    return this.last;
  }
}
