import { describe, expect, it } from "vitest";
import { ManualClock, sleep, systemClock } from "./clock.ts";

describe("ManualClock", () => {
  it("fires timers in due order, then creation order, with now() at the due time", () => {
    const clock = new ManualClock(1_000);
    const fired: Array<[string, number]> = [];
    clock.setTimer(30, () => fired.push(["c", clock.now()]));
    clock.setTimer(10, () => fired.push(["a", clock.now()]));
    clock.setTimer(10, () => fired.push(["b", clock.now()]));
    clock.advance(25);
    expect(fired).toEqual([
      ["a", 1010],
      ["b", 1010],
    ]);
    expect(clock.now()).toBe(1025);
    clock.advance(5);
    expect(fired.at(-1)).toEqual(["c", 1030]);
    expect(clock.pendingTimers).toBe(0);
  });

  it("runs timers that callbacks set when they fall inside the advance", () => {
    const clock = new ManualClock();
    const fired: number[] = [];
    clock.setTimer(10, () => {
      fired.push(clock.now());
      clock.setTimer(10, () => fired.push(clock.now()));
      clock.setTimer(100, () => fired.push(clock.now()));
    });
    clock.advance(50);
    expect(fired).toEqual([10, 20]);
    expect(clock.nextTimerAt()).toBe(110);
  });

  it("does not fire cancelled timers", () => {
    const clock = new ManualClock();
    let fired = false;
    const timer = clock.setTimer(10, () => (fired = true));
    timer.cancel();
    clock.advance(20);
    expect(fired).toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });

  it("refuses to go backwards", () => {
    expect(() => new ManualClock().advance(-1)).toThrow(RangeError);
  });

  it("lets awaiting code run between timers in advanceAsync", async () => {
    const clock = new ManualClock();
    const seen: number[] = [];
    const loop = async (): Promise<void> => {
      for (let i = 0; i < 3; i++) {
        await sleep(clock, 100);
        await Promise.resolve();
        seen.push(clock.now());
      }
    };
    const done = loop();
    await clock.advanceAsync(1_000);
    await done;
    expect(seen).toEqual([100, 200, 300]);
  });
});

describe("sleep", () => {
  it("resolves true when the time passed and false when aborted", async () => {
    const clock = new ManualClock();
    const passed = sleep(clock, 10);
    clock.advance(10);
    expect(await passed).toBe(true);

    const controller = new AbortController();
    const aborted = sleep(clock, 10, controller.signal);
    controller.abort();
    expect(await aborted).toBe(false);
    expect(clock.pendingTimers).toBe(0);
    expect(await sleep(clock, 10, controller.signal)).toBe(false);
  });

  it("works on the system clock", async () => {
    const start = systemClock.now();
    expect(await sleep(systemClock, 5)).toBe(true);
    expect(systemClock.now() - start).toBeGreaterThanOrEqual(4);
  });
});
