/**
 * Time as an injected dependency: the {@link Clock} interface, the system
 * clock, and a {@link ManualClock} that tests move by hand so that lease TTLs,
 * renewals and retries run in microseconds and always the same way.
 *
 * @module
 */

/** A pending timer, from {@link Clock.setTimer}. */
export interface Timer {
  /** Stops the timer; nothing happens if it already fired or was cancelled. */
  cancel(): void;
}

/** A source of the current time and of timers. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /**
   * Calls `callback` once, `ms` milliseconds from now.
   *
   * @param ms the delay; negative counts as 0
   * @param callback what to run
   * @returns a handle to cancel the timer
   */
  setTimer(ms: number, callback: () => void): Timer;
}

/**
 * The real clock: `Date.now()` and the runtime's `setTimeout` (a web standard,
 * in Node.js and Deno alike).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { systemClock } from "flannel-ts/core";
 * let fired = false;
 * const timer = systemClock.setTimer(1000, () => (fired = true));
 * timer.cancel(); // before it fires: the callback never runs
 * assert.equal(fired, false);
 * assert.ok(systemClock.now() > 0);
 * ```
 */
export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  setTimer: (ms: number, callback: () => void): Timer => {
    const handle = setTimeout(callback, Math.max(0, ms));
    return { cancel: () => clearTimeout(handle) };
  },
});

/** Why {@link sleep} ended early. */
export interface SleepAborted {
  readonly kind: "aborted";
}

/**
 * Waits `ms` milliseconds on `clock`.
 *
 * @param clock the clock whose timer to use
 * @param ms how long to wait
 * @param signal ends the wait early (the promise then resolves to `false`)
 * @returns `true` when the time passed, `false` when aborted
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ManualClock, sleep } from "flannel-ts/core";
 * const clock = new ManualClock();
 * const done = sleep(clock, 500);
 * clock.advance(500);
 * assert.equal(await done, true); // slept the whole time
 * ```
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted === true) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      timer.cancel();
      resolve(false);
    };
    const timer = clock.setTimer(ms, () => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    });
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

interface Pending {
  readonly due: number;
  readonly seq: number;
  readonly callback: () => void;
  cancelled: boolean;
}

/**
 * A clock that moves only when told to. Timers fire in order of due time
 * (then of creation) during {@link ManualClock.advance}, with `now()` set to
 * each timer's due time while it runs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ManualClock } from "flannel-ts/core";
 * const clock = new ManualClock(1_000);
 * const fired: number[] = [];
 * clock.setTimer(50, () => fired.push(clock.now()));
 * clock.advance(100);
 * assert.deepEqual(fired, [1050]); // the timer ran at its own time
 * assert.equal(clock.now(), 1100);
 * ```
 */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  #pending: Pending[] = [];

  /**
   * @param start the initial time in milliseconds since the epoch; default 0
   */
  constructor(start = 0) {
    this.#now = start;
  }

  /** The clock's time. */
  now(): number {
    return this.#now;
  }

  /** Registers a timer that fires when the clock is advanced past its due time. */
  setTimer(ms: number, callback: () => void): Timer {
    const entry: Pending = { due: this.#now + Math.max(0, ms), seq: this.#seq++, callback, cancelled: false };
    this.#pending.push(entry);
    return {
      cancel: () => {
        entry.cancelled = true;
      },
    };
  }

  /** How many timers are waiting to fire. */
  get pendingTimers(): number {
    return this.#pending.filter((p) => !p.cancelled).length;
  }

  /** When the next timer is due, or undefined when none waits. */
  nextTimerAt(): number | undefined {
    return this.#next()?.due;
  }

  /**
   * Moves the clock forward by `ms`, firing every timer that falls due on the
   * way, including timers those callbacks set.
   *
   * @param ms a non-negative number of milliseconds
   */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`ManualClock.advance: ${ms} is not a non-negative number`);
    const target = this.#now + ms;
    for (;;) {
      const next = this.#next();
      if (next === undefined || next.due > target) break;
      this.#fire(next);
    }
    this.#now = target;
  }

  /**
   * Like {@link ManualClock.advance}, but lets promise callbacks and other
   * queued work run after each timer (a real macrotask turn), so code that
   * awaits between timers makes progress as it would in real time.
   *
   * @param ms a non-negative number of milliseconds
   * @returns once the clock has reached its new time
   */
  async advanceAsync(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`ManualClock.advanceAsync: ${ms} is not a non-negative number`);
    const target = this.#now + ms;
    await settle();
    for (;;) {
      const next = this.#next();
      if (next === undefined || next.due > target) break;
      this.#fire(next);
      await settle();
    }
    this.#now = target;
    await settle();
  }

  #next(): Pending | undefined {
    this.#pending = this.#pending.filter((p) => !p.cancelled);
    let best: Pending | undefined;
    for (const p of this.#pending) {
      if (best === undefined || p.due < best.due || (p.due === best.due && p.seq < best.seq)) best = p;
    }
    return best;
  }

  #fire(entry: Pending): void {
    entry.cancelled = true;
    this.#now = Math.max(this.#now, entry.due);
    entry.callback();
  }
}

// Several macrotask turns: enough for chains of awaits (each `await` on a
// resolved promise takes a microtask; a turn drains them all) that start new
// work from a resolved promise in turn.
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setTimeout(resolve, 0));
}
