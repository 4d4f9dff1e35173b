/**
 * The dotenv forms flanneld's subnet.env reader accepts. flanneld reads the
 * file with godotenv (v1.5): blank lines, `#` comment lines, an optional
 * `export ` prefix, `KEY=value` or `KEY: value`, single- or double-quoted
 * values (which may span lines), ` #` inline comments after unquoted values,
 * `\n`/`\r` escapes in double quotes and `$VAR`/`${VAR}` expansion in
 * unquoted and double-quoted values. Pure: expansion looks only at keys
 * earlier in the file and at the `environment` the caller passes. Bounded:
 * the text and the expanded values have size limits (variables that double
 * each other would otherwise fill memory), each a typed error.
 *
 * @module
 */
import { err, ok, type Result } from "neverthrow";
import { quoteExcerpt } from "../text/quote-excerpt.ts";

/**
 * The most characters a dotenv text may have by default: 64 KiB. flanneld
 * writes about 150 bytes; `/proc/sys/kernel/...`-sized files are welcome,
 * a log file by mistake is not.
 */
export const DOTENV_MAX_LENGTH = 64 * 1024;

/**
 * The most characters all values together may have after `$VAR`
 * expansion by default: 256 KiB (four times the text's limit), so that a
 * file of variables that double each other ends in an error, not in
 * gigabytes.
 */
export const DOTENV_MAX_EXPANDED_LENGTH = 256 * 1024;

/** One `KEY=value` statement: the key, its value after unquoting and expansion, and the line the key is on (from 1). */
export interface DotenvEntry {
  readonly key: string;
  readonly value: string;
  readonly line: number;
}

/** Why a text is not a dotenv file, with the line and column (from 1) of the offending character. */
export interface DotenvSyntaxError {
  readonly kind: "dotenv-syntax";
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/** The text is longer than the limit; the position is the first character past it. */
export interface DotenvTooLargeError {
  readonly kind: "dotenv-too-large";
  readonly limit: number;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/** Expanding `$variable` in the value of `key` (on `line`) took the values past the limit. */
export interface DotenvExpansionError {
  readonly kind: "dotenv-expansion-too-large";
  readonly limit: number;
  readonly key: string;
  readonly variable: string;
  readonly line: number;
  readonly message: string;
}

/** Why a dotenv text was not read. */
export type DotenvError = DotenvSyntaxError | DotenvTooLargeError | DotenvExpansionError;

/** Options of {@link parseDotenv}. */
export interface ParseDotenvOptions {
  /**
   * Variables `$VAR` may name when no earlier key of the file has that name
   * (godotenv falls back to the process environment). Default: none, so an
   * unknown `$VAR` expands to the empty string.
   */
  readonly environment?: Readonly<Record<string, string | undefined>>;
  /** The most characters the text may have. Default {@link DOTENV_MAX_LENGTH} (64 Ki). */
  readonly maxLength?: number;
  /** The most characters all values may have together after expansion. Default {@link DOTENV_MAX_EXPANDED_LENGTH} (256 Ki). */
  readonly maxExpandedLength?: number;
}

// godotenv's "space but not line break" set.
const isSpace = (c: string | undefined): boolean => c === " " || c === "\t" || c === "\v" || c === "\f" || c === "\r" || c === "\u0085" || c === "\u00a0";
const isKeyChar = (c: string): boolean => /^[\p{L}\p{N}_.]$/u.test(c);
const expandPattern = /(\\)?(\$)(\()?\{?([A-Z0-9_]+)?\}?/g;

/** Expands `$VAR` as godotenv does, within a budget of characters; the variable that passed it otherwise. */
function expand(
  value: string,
  known: ReadonlyMap<string, string>,
  environment: Readonly<Record<string, string | undefined>>,
  budget: number,
): { value: string } | { over: string } {
  let out = "";
  let from = 0;
  expandPattern.lastIndex = 0;
  for (let m = expandPattern.exec(value); m !== null; m = expandPattern.exec(value)) {
    const [match, escaped, , paren, name] = m;
    if (match === "") {
      expandPattern.lastIndex++;
      continue;
    }
    const replacement = escaped !== undefined || paren !== undefined ? match.slice(1) : name === undefined ? match : (known.get(name) ?? environment[name] ?? "");
    if (out.length + (m.index - from) + replacement.length > budget) return { over: name ?? match };
    out += value.slice(from, m.index) + replacement;
    from = m.index + match.length;
  }
  if (out.length + (value.length - from) > budget) return { over: "" };
  return { value: out + value.slice(from) };
}

function unescapeDoubleQuoted(value: string): string {
  return value
    .replace(/\\./gs, (m) => (m === "\\n" ? "\n" : m === "\\r" ? "\r" : m))
    .replace(/\\([^$])/gs, "$1");
}

/**
 * Parses dotenv text the way flanneld's reader (godotenv) does, but strictly:
 * a statement must start on its own line, a key is letters, digits, `_` and
 * `.`, and nothing but a comment may follow a closing quote.
 *
 * @param text the file's text (CRLF line ends are accepted)
 * @param options where `$VAR` may also be looked up, and the size limits
 * @returns the statements in file order (a repeated key appears twice; the
 *   last one is the one godotenv keeps), or a {@link DotenvError}
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ok } from "flannel-ts/core";
 * import { parseDotenv } from "./subnet-env-dotenv.ts";
 * assert.deepEqual(parseDotenv('# flannel\nexport FLANNEL_MTU="1472"\n').map((es) => es[0]?.value), ok("1472"));
 * const noEquals = parseDotenv("FLANNEL_MTU\n");
 * assert.equal(noEquals.isErr() && noEquals.error.line, 1); // line 1 has no "="
 * ```
 * @example Expansion is bounded
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDotenv } from "./subnet-env-dotenv.ts";
 * const doubling = ["A=xxxxxxxx", "B=$A$A", "C=$B$B", "D=$C$C"].join("\n");
 * const result = parseDotenv(doubling, { maxExpandedLength: 40 });
 * assert.deepEqual(result.isErr() && [result.error.kind, result.error.line], ["dotenv-expansion-too-large", 3]);
 * ```
 */
export function parseDotenv(text: string, options: ParseDotenvOptions = {}): Result<DotenvEntry[], DotenvError> {
  const maxLength = options.maxLength ?? DOTENV_MAX_LENGTH;
  const src = text.replace(/\r\n/g, "\n");
  const environment = options.environment ?? {};
  const entries: DotenvEntry[] = [];
  const known = new Map<string, string>();
  let budget = options.maxExpandedLength ?? DOTENV_MAX_EXPANDED_LENGTH;
  let pos = 0;
  const lineStarts = [0];
  for (let i = src.indexOf("\n"); i >= 0; i = src.indexOf("\n", i + 1)) lineStarts.push(i + 1);
  const lineOf = (at: number): { line: number; column: number } => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] ?? 0) <= at) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: at - (lineStarts[lo] ?? 0) + 1 };
  };
  if (src.length > maxLength) {
    const { line, column } = lineOf(maxLength);
    return err({ kind: "dotenv-too-large", limit: maxLength, line, column, message: `line ${line}: the text is longer than ${maxLength} characters, the most read here` });
  }
  const fail = (at: number, message: string): Result<DotenvEntry[], DotenvError> => {
    const { line, column } = lineOf(at);
    return err({ kind: "dotenv-syntax", line, column, message: `line ${line}: ${message}` });
  };
  const show = (c: string | undefined): string => (c === undefined ? "end of file" : c === "\n" ? "end of line" : quoteExcerpt(c));
  // Every value counts against the budget; only unquoted and double-quoted ones are expanded.
  const expanded = (key: string, line: number, value: string, expandVariables = true): Result<string, DotenvError> => {
    const result = expandVariables ? expand(value, known, environment, budget) : value.length > budget ? { over: "" } : { value };
    if ("over" in result) {
      const limit = options.maxExpandedLength ?? DOTENV_MAX_EXPANDED_LENGTH;
      const variable = result.over;
      const what = variable === "" ? "its own text" : `$${variable}`;
      return err({
        kind: "dotenv-expansion-too-large",
        limit,
        key,
        variable,
        line,
        message: `line ${line}: expanding ${what} in ${key} takes the values past ${limit} characters, the most expanded here; variables that repeat each other grow without end`,
      });
    }
    budget -= result.value.length;
    return ok(result.value);
  };

  while (pos < src.length) {
    const c = src[pos] ?? "";
    if (/\s/u.test(c)) {
      pos++;
      continue;
    }
    if (c === "#") {
      while (pos < src.length && src[pos] !== "\n") pos++;
      continue;
    }
    if (src.startsWith("export", pos) && isSpace(src[pos + 6])) {
      pos += 6;
      while (isSpace(src[pos])) pos++;
    }
    const keyStart = pos;
    while (pos < src.length && isKeyChar(src[pos] ?? "")) pos++;
    const key = src.slice(keyStart, pos);
    const keyLine = lineOf(keyStart).line;
    while (isSpace(src[pos])) pos++;
    const sep = src[pos];
    if (key === "") return fail(pos, `unexpected character ${show(sep)} where a variable name should start`);
    if (sep !== "=" && sep !== ":") {
      return fail(pos, `expected "=" after ${key}, found ${show(sep)} (names are letters, digits, "_" and ".")`);
    }
    pos++;
    while (isSpace(src[pos]) && src[pos] !== "\r") pos++;
    const quote = src[pos];
    let value: Result<string, DotenvError>;
    if (quote === '"' || quote === "'") {
      const open = pos;
      let close = -1;
      for (let i = pos + 1; i < src.length; i++) {
        if (src[i] === quote && src[i - 1] !== "\\") {
          close = i;
          break;
        }
      }
      if (close < 0) return fail(open, `unterminated quoted value for ${key}: no closing ${quote}`);
      const inner = src.slice(open + 1, close);
      value = quote === '"' ? expanded(key, keyLine, unescapeDoubleQuoted(inner)) : expanded(key, keyLine, inner, false);
      pos = close + 1;
      while (isSpace(src[pos])) pos++;
      if (pos < src.length && src[pos] !== "\n" && src[pos] !== "#") {
        return fail(pos, `unexpected ${show(src[pos])} after the closing quote of ${key}; only a # comment may follow`);
      }
      while (pos < src.length && src[pos] !== "\n") pos++;
    } else {
      let end = pos;
      while (end < src.length && src[end] !== "\n" && src[end] !== "\r") end++;
      const chars = Array.from(src.slice(pos, end));
      let stop = chars.length;
      for (let i = chars.length - 1; i > 0; i--) {
        if (chars[i] === "#" && isSpace(chars[i - 1])) {
          stop = i;
          break;
        }
      }
      let first = 0;
      let last = stop;
      while (first < last && isSpace(chars[first])) first++;
      while (last > first && isSpace(chars[last - 1])) last--;
      value = expanded(key, keyLine, chars.slice(first, last).join(""));
      pos = end;
      while (pos < src.length && src[pos] !== "\n") pos++;
    }
    if (value.isErr()) return err(value.error);
    entries.push({ key, value: value.value, line: keyLine });
    known.set(key, value.value);
  }
  return ok(entries);
}
