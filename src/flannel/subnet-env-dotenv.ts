/**
 * The dotenv forms flanneld's subnet.env reader accepts. flanneld reads the
 * file with godotenv (v1.5): blank lines, `#` comment lines, an optional
 * `export ` prefix, `KEY=value` or `KEY: value`, single- or double-quoted
 * values (which may span lines), ` #` inline comments after unquoted values,
 * `\n`/`\r` escapes in double quotes and `$VAR`/`${VAR}` expansion in
 * unquoted and double-quoted values. Pure: expansion looks only at keys
 * earlier in the file and at the `environment` the caller passes.
 *
 * @module
 */
import { err, ok, type Result } from "neverthrow";

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

/** Options of {@link parseDotenv}. */
export interface ParseDotenvOptions {
  /**
   * Variables `$VAR` may name when no earlier key of the file has that name
   * (godotenv falls back to the process environment). Default: none, so an
   * unknown `$VAR` expands to the empty string.
   */
  readonly environment?: Readonly<Record<string, string | undefined>>;
}

// godotenv's "space but not line break" set.
const isSpace = (c: string | undefined): boolean =>
  c === " " || c === "\t" || c === "\v" || c === "\f" || c === "\r" || c === "\u0085" || c === "\u00a0";
const isKeyChar = (c: string): boolean => /^[\p{L}\p{N}_.]$/u.test(c);
const expandPattern = /(\\)?(\$)(\()?\{?([A-Z0-9_]+)?\}?/g;

function expand(value: string, known: ReadonlyMap<string, string>, environment: Readonly<Record<string, string | undefined>>): string {
  return value.replace(expandPattern, (match: string, escaped: string | undefined, _dollar: string, paren: string | undefined, name: string | undefined) => {
    if (escaped !== undefined || paren !== undefined) return match.slice(1);
    if (name === undefined) return match;
    return known.get(name) ?? environment[name] ?? "";
  });
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
 * @param options where `$VAR` may also be looked up
 * @returns the statements in file order (a repeated key appears twice; the
 *   last one is the one godotenv keeps), or a {@link DotenvSyntaxError}
 * @example
 * ```ts
 * import { parseDotenv } from "./subnet-env-dotenv.ts";
 * parseDotenv('# flannel\nexport FLANNEL_MTU="1472"\n').map((es) => es[0]?.value); // ok("1472")
 * parseDotenv("FLANNEL_MTU\n").isErr(); // true: line 1 has no "="
 * ```
 */
export function parseDotenv(text: string, options: ParseDotenvOptions = {}): Result<DotenvEntry[], DotenvSyntaxError> {
  const src = text.replace(/\r\n/g, "\n");
  const environment = options.environment ?? {};
  const entries: DotenvEntry[] = [];
  const known = new Map<string, string>();
  let pos = 0;
  const lineOf = (at: number): { line: number; column: number } => {
    const before = src.slice(0, at);
    const line = before.split("\n").length;
    return { line, column: at - (before.lastIndexOf("\n") + 1) + 1 };
  };
  const fail = (at: number, message: string): Result<DotenvEntry[], DotenvSyntaxError> => {
    const { line, column } = lineOf(at);
    return err({ kind: "dotenv-syntax", line, column, message: `line ${line}: ${message}` });
  };
  const show = (c: string | undefined): string => (c === undefined ? "end of file" : c === "\n" ? "end of line" : JSON.stringify(c));

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
    let value: string;
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
      value = quote === '"' ? expand(unescapeDoubleQuoted(inner), known, environment) : inner;
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
      let raw = chars.slice(0, stop).join("");
      while (raw.length > 0 && isSpace(raw[0])) raw = raw.slice(1);
      while (raw.length > 0 && isSpace(raw[raw.length - 1])) raw = raw.slice(0, -1);
      value = expand(raw, known, environment);
      pos = end;
      while (pos < src.length && src[pos] !== "\n") pos++;
    }
    entries.push({ key, value, line: keyLine });
    known.set(key, value);
  }
  return ok(entries);
}
