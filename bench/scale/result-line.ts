// The benchmark's last line: one run as `key=value` fields, for scripts.
import { err, ok, type Result } from "neverthrow";

/** One field's value: a count, a measurement, or a word. */
export type FieldValue = number | string | boolean;

const KEY = /^[a-z][a-z0-9_]*$/;
const WORD = /^[A-Za-z0-9_.:,+-]+$/;

/**
 * Formats one run as `key=value` fields separated by single spaces. Integers
 * are written as they are, other numbers with one decimal, NaN as `nan`,
 * booleans as `yes`/`no`.
 *
 * @param fields the fields in the order to print
 * @returns the line, without a newline
 * @throws RangeError for a key that is not lower-case snake case or a word with spaces or `=`
 * @example
 * ```ts
 * import { formatResultLine } from "./result-line.ts";
 * formatResultLine([["hosts", 300], ["fanout_p99_ms", 412.345], ["check", true]]); // "hosts=300 fanout_p99_ms=412.3 check=yes"
 * ```
 */
export function formatResultLine(fields: readonly (readonly [string, FieldValue])[]): string {
  return fields
    .map(([key, value]) => {
      if (!KEY.test(key)) throw new RangeError(`result line: key ${JSON.stringify(key)} is not lower-case snake case`);
      return `${key}=${formatValue(key, value)}`;
    })
    .join(" ");
}

function formatValue(key: string, value: FieldValue): string {
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "nan";
    if (!Number.isFinite(value)) throw new RangeError(`result line: ${key} is ${value}`);
    return Number.isInteger(value) ? String(value) : value.toFixed(1);
  }
  if (!WORD.test(value)) throw new RangeError(`result line: ${key}=${JSON.stringify(value)} is not one word`);
  return value;
}

/** Why a line is not a result line. */
export interface ResultLineError {
  readonly kind: "invalid-result-line";
  /** The 1-based position of the field at fault. */
  readonly field: number;
  readonly message: string;
}

/**
 * Reads a line written by {@link formatResultLine} back into its fields.
 *
 * @param line one line
 * @returns the fields by key, values as written, or which field is not `key=value`
 * @example
 * ```ts
 * import { parseResultLine } from "./result-line.ts";
 * parseResultLine("hosts=50 duplicates=0").map((f) => f.get("duplicates")); // ok("0")
 * ```
 */
export function parseResultLine(line: string): Result<ReadonlyMap<string, string>, ResultLineError> {
  const fields = new Map<string, string>();
  const parts = line.trim().split(" ");
  for (const [i, part] of parts.entries()) {
    const eq = part.indexOf("=");
    const key = eq < 0 ? part : part.slice(0, eq);
    const value = part.slice(eq + 1);
    if (eq < 0 || !KEY.test(key) || !WORD.test(value)) {
      return err({ kind: "invalid-result-line", field: i + 1, message: `field ${i + 1} ${JSON.stringify(part.slice(0, 40))} is not key=value` });
    }
    if (fields.has(key)) return err({ kind: "invalid-result-line", field: i + 1, message: `field ${i + 1}: ${key} appears twice` });
    fields.set(key, value);
  }
  return ok(fields);
}
