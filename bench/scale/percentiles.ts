// Percentiles of latency samples, as the scale benchmark reports them.

/** A summary of samples in milliseconds. */
export interface Summary {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/**
 * The nearest-rank percentile of sorted samples: the smallest sample with at
 * least `p` percent of the samples at or below it. With 20 samples, p99 is
 * the largest; with none, NaN.
 *
 * @param sorted samples in ascending order
 * @param p the percentile, 0 to 100
 * @returns the sample at that rank
 * @example
 * ```ts
 * import { percentile } from "./percentiles.ts";
 * percentile([1, 2, 3, 4], 50); // 2
 * ```
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile: ${p} is not between 0 and 100`);
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

/**
 * Count, p50, p99, max and mean of samples in any order.
 *
 * @param samples the samples (not changed)
 * @returns the summary; NaN figures when there are no samples
 * @example
 * ```ts
 * import { summarize } from "./percentiles.ts";
 * summarize([3, 1, 2]); // { count: 3, p50: 2, p99: 3, max: 3, mean: 2 }
 * ```
 */
export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length === 0 ? Number.NaN : (sorted[sorted.length - 1] as number),
    mean: sorted.length === 0 ? Number.NaN : sum / sorted.length,
  };
}
