import { describe, expect, it } from "vitest";
import { percentile, summarize } from "./percentiles.ts";

describe("percentile (nearest rank)", () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
  const twenty = Array.from({ length: 20 }, (_, i) => (i + 1) * 10);
  it.each([
    { name: "p50 of 1..100", sorted: hundred, p: 50, want: 50 },
    { name: "p99 of 1..100", sorted: hundred, p: 99, want: 99 },
    { name: "p100 of 1..100", sorted: hundred, p: 100, want: 100 },
    { name: "p0 is the smallest", sorted: hundred, p: 0, want: 1 },
    { name: "p99 of 20 samples is the largest", sorted: twenty, p: 99, want: 200 },
    { name: "p50 of 20 samples is the 10th", sorted: twenty, p: 50, want: 100 },
    { name: "one sample", sorted: [7], p: 99, want: 7 },
    { name: "no samples", sorted: [], p: 50, want: Number.NaN },
  ])("$name", ({ sorted, p, want }) => {
    expect(percentile(sorted, p)).toEqual(want);
  });

  it("refuses a percentile outside 0..100", () => {
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });
});

describe("summarize", () => {
  it.each([
    { samples: [3, 1, 2], want: { count: 3, p50: 2, p99: 3, max: 3, mean: 2 } },
    { samples: [10, 10, 10, 1000], want: { count: 4, p50: 10, p99: 1000, max: 1000, mean: 257.5 } },
    { samples: [], want: { count: 0, p50: Number.NaN, p99: Number.NaN, max: Number.NaN, mean: Number.NaN } },
  ])("$samples", ({ samples, want }) => {
    const before = [...samples];
    expect(summarize(samples)).toEqual(want);
    expect(samples).toEqual(before);
  });
});
