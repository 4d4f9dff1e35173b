// etcd's /metrics (Prometheus text format): just enough to read counters and
// gauges by name and labels.

/** One sample: a metric name, its labels and its value. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/**
 * Reads the samples of a Prometheus text exposition; comments and lines that
 * are not samples are skipped.
 *
 * @param text the body of a /metrics answer
 * @returns the samples in order
 * @example
 * ```ts
 * import { parsePrometheusText } from "./prometheus-text.ts";
 * parsePrometheusText('# TYPE x counter\nx{a="1"} 2\n'); // [{ name: "x", labels: { a: "1" }, value: 2 }]
 * ```
 */
export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = LINE.exec(line);
    if (m === null) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(LABEL)) labels[l[1] as string] = (l[2] as string).replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    const value = m[3] === "+Inf" ? Number.POSITIVE_INFINITY : m[3] === "-Inf" ? Number.NEGATIVE_INFINITY : Number(m[3]);
    samples.push({ name: m[1] as string, labels, value });
  }
  return samples;
}

/**
 * The sum of the samples of one metric whose labels match.
 *
 * @param samples from {@link parsePrometheusText}
 * @param name the metric name
 * @param match labels that must have these values; default none
 * @returns the sum, 0 when nothing matches
 * @example
 * ```ts
 * import { parsePrometheusText, sumMetric } from "./prometheus-text.ts";
 * const s = parsePrometheusText('r{t="unary"} 2\nr{t="unary"} 3\nr{t="stream"} 7\n');
 * sumMetric(s, "r", { t: "unary" }); // 5
 * ```
 */
export function sumMetric(samples: readonly Sample[], name: string, match: Readonly<Record<string, string>> = {}): number {
  let sum = 0;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (Object.entries(match).every(([k, v]) => s.labels[k] === v)) sum += s.value;
  }
  return sum;
}
