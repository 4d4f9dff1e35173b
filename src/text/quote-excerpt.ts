/**
 * Quoting a value inside a message: short, on one line and unable to
 * control the terminal, whatever the value holds.
 *
 * @module
 */

/** Options of {@link quoteExcerpt}. */
export interface QuoteExcerptOptions {
  /** The most characters (code points) shown before `…`. Default 60. */
  readonly max?: number;
  /**
   * Put the excerpt in double quotes, escaping `"` and `\` (the default);
   * false shows text that is already quoted, such as a JSON token, as it is
   * (control characters are escaped either way).
   */
  readonly quote?: boolean;
}

const SHORT: Readonly<Record<number, string>> = { 0x08: "\\b", 0x09: "\\t", 0x0a: "\\n", 0x0c: "\\f", 0x0d: "\\r", 0x22: '\\"', 0x5c: "\\\\" };

// Characters a terminal acts on or that change how the rest of a line reads: C0 and C1 controls,
// DEL, bidirectional overrides and isolates, line and paragraph separators.
const needsEscape = (c: number): boolean =>
  c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c === 0x2028 || c === 0x2029 || c === 0x200e || c === 0x200f ||
  c === 0x061c;

/**
 * Quotes a value for a message: in double quotes, with `"`, `\`, control
 * characters, bidirectional overrides and lone surrogates escaped as in
 * JSON (`\n`, `\u001b`, `\ud800`), and when it is longer than `max`
 * characters, only its start followed by `…` and its full length.
 *
 * @param value the offending value
 * @param options how much to show
 * @returns e.g. `"10.5.0.0/33"`, `"a\nb"`, `"aaaa…" (1048576 characters)`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { quoteExcerpt } from "./quote-excerpt.ts";
 * assert.equal(quoteExcerpt("10.5.0.0/33"), '"10.5.0.0/33"');
 * assert.equal(quoteExcerpt("\u001b[2Jx\n"), '"\\u001b[2Jx\\n"');
 * assert.equal(quoteExcerpt("x".repeat(100), { max: 5 }), '"xxxxx…" (100 characters)');
 * assert.equal(quoteExcerpt('"a\tb"', { quote: false }), '"a\\tb"');
 * ```
 */
export function quoteExcerpt(value: string, options: QuoteExcerptOptions = {}): string {
  const max = options.max ?? 60;
  const quote = options.quote ?? true;
  const mark = quote ? '"' : "";
  let out = mark;
  let shown = 0;
  let i = 0;
  for (; i < value.length && shown < max; shown++) {
    const c = value.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && (value.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      out += value.slice(i, i + 2);
      i += 2;
      continue;
    }
    const short = quote || (c !== 0x22 && c !== 0x5c) ? SHORT[c] : undefined;
    if (short !== undefined) out += short;
    else if (needsEscape(c) || (c >= 0xd800 && c <= 0xdfff)) out += `\\u${c.toString(16).padStart(4, "0")}`;
    else out += value[i];
    i++;
  }
  if (i >= value.length) return `${out}${mark}`;
  return `${out}…${mark} (${codePoints(value)} characters)`;
}

function codePoints(value: string): number {
  let n = value.length;
  for (let i = 0; i < value.length - 1; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && (value.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n--;
      i++;
    }
  }
  return n;
}
