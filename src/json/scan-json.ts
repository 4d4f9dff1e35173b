/**
 * The one JSON scanner: RFC 8259 as Go's encoding/json reads it (flanneld's
 * config and lease values, dockerd's daemon.json), checked token by token
 * with an explicit stack, so that no input can exhaust the call stack. It
 * reports tokens to a {@link JsonSink}; the views (a tree with positions,
 * Go's key folding, the raw members of a lease value) are built on it.
 *
 * Go's rules it keeps: only space, tab, CR and LF are whitespace; no
 * comments, trailing commas, single quotes, leading zeros, `NaN` or a
 * byte-order mark (unless asked to skip one, as dockerd 23+ does); control
 * characters must be escaped inside strings; nesting is limited to 10,000
 * levels (Go's `maxNestingDepth`); error messages are Go's words.
 *
 * @module
 */
import { err, ok, type Result } from "neverthrow";

/** Go's encoding/json nesting limit (`maxNestingDepth`), which dockerd inherits. */
export const GO_JSON_MAX_DEPTH = 10_000;

/**
 * The size limit for JSON kept in etcd (network configs, lease values):
 * etcd's default request limit (`--max-request-bytes`), 1.5 MiB, so that
 * nothing etcd can hold is refused.
 */
export const ETCD_JSON_MAX_BYTES = 1_572_864;

/**
 * The size limit for daemon.json: 4 MiB. dockerd sets none; real files are a
 * few KiB, and this bounds the work of a read (and of a file pointed at
 * something endless) far above any plausible file.
 */
export const DAEMON_JSON_MAX_BYTES = 4 * 1024 * 1024;

/** Limits and leniencies of a scan. */
export interface JsonScanOptions {
  /** Most UTF-8 bytes the text may have. Default {@link ETCD_JSON_MAX_BYTES}. */
  readonly maxBytes?: number;
  /** Deepest nesting of objects and arrays. Default {@link GO_JSON_MAX_DEPTH}, as Go. */
  readonly maxDepth?: number;
  /** A leading U+FEFF: `"refuse"` it as Go does (the default) or `"skip"` it as dockerd 23+ does. */
  readonly byteOrderMark?: "refuse" | "skip";
  /** Accept a text of only whitespace (dockerd 23+ reads an empty daemon.json as `{}`). Default false, as Go. */
  readonly allowEmpty?: boolean;
  /**
   * Accept any Unicode space (U+00A0, U+2003, vertical tab, ...) before and
   * after the value, as dockerd 23+ trims the file with Go's
   * `bytes.TrimSpace`. Default false: Go's decoder takes only space, tab,
   * CR and LF.
   */
  readonly trimUnicodeSpace?: boolean;
}

/** The type of a scalar token. */
export type JsonScalarType = "string" | "number" | "true" | "false" | "null";

/**
 * What a scan reports, in text order. Offsets count UTF-16 units from the
 * start of the text; `end` is just past the token; lines and columns count
 * from 1 (a skipped byte-order mark is not a column). `plain` says that a
 * string token has no escape and no lone surrogate, so that its value is
 * the text between its quotes.
 */
export interface JsonSink {
  open(type: "object" | "array", start: number, line: number, column: number): void;
  close(type: "object" | "array", end: number): void;
  key(start: number, end: number, plain: boolean, line: number, column: number): void;
  scalar(type: JsonScalarType, start: number, end: number, plain: boolean, line: number, column: number): void;
}

/** Where a problem is: the offset (UTF-16 units from 0), line and column (from 1). */
export interface JsonPosition {
  readonly offset: number;
  readonly line: number;
  readonly column: number;
}

/** The text is not JSON. `goMessage` is Go's encoding/json error for it; `hint` says what to change, when there is more to say. */
export interface JsonSyntaxError extends JsonPosition {
  readonly kind: "json-syntax";
  readonly goMessage: string;
  readonly hint?: string;
  readonly message: string;
}

/** Objects and arrays are nested deeper than the limit; the position is the bracket that passes it. */
export interface JsonTooDeepError extends JsonPosition {
  readonly kind: "json-too-deep";
  readonly limit: number;
  readonly goMessage: string;
  readonly message: string;
}

/** The text has more UTF-8 bytes than the limit; the position is the first character past it. */
export interface JsonTooLargeError extends JsonPosition {
  readonly kind: "json-too-large";
  readonly limit: number;
  readonly message: string;
}

/** Why a text was not read. */
export type JsonReadError = JsonSyntaxError | JsonTooDeepError | JsonTooLargeError;

/**
 * How Go's encoding/json shows an offending character (its `quoteChar`,
 * which quotes the first byte of the character's UTF-8 form: a byte-order
 * mark shows as `'ï'`).
 *
 * @param text the text
 * @param offset where the character is
 * @returns e.g. `'x'`, `'\n'`, `'\x00'`, `'ï'`
 */
export function goQuoteChar(text: string, offset: number): string {
  const c = text.codePointAt(offset) ?? 0;
  if (c === 0x27) return "'\\''";
  if (c === 0x22) return "'\"'";
  if (c < 0x80) {
    const named: Record<number, string> = { 7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r", 0x5c: "\\\\" };
    const known = named[c];
    if (known !== undefined) return `'${known}'`;
    if (c < 0x20 || c === 0x7f) return `'\\x${c.toString(16).padStart(2, "0")}'`;
    return `'${String.fromCharCode(c)}'`;
  }
  // A lone surrogate reaches Go as U+FFFD (EF BF BD).
  const cp = c >= 0xd800 && c <= 0xdfff ? 0xfffd : c;
  const lead = cp < 0x800 ? 0xc0 | (cp >> 6) : cp < 0x10000 ? 0xe0 | (cp >> 12) : 0xf0 | (cp >> 18);
  return `'${String.fromCharCode(lead)}'`;
}

/** Go's unicode.IsSpace. */
const isGoSpace = (c: number): boolean =>
  (c >= 0x09 && c <= 0x0d) || c === 0x20 || c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f ||
  c === 0x205f || c === 0x3000;

const OBJECT = 1;
const ARRAY = 2;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isHex = (c: number): boolean => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

/** Counts UTF-8 bytes up to a limit; returns the offset of the first character past it, or -1. */
function offsetPastLimit(text: string, limit: number): number {
  // Each UTF-16 unit is at least one byte, at most three.
  if (text.length > limit) return limitOffset(text, limit);
  if (text.length * 3 <= limit) return -1;
  return limitOffset(text, limit);
}

function limitOffset(text: string, limit: number): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const start = i;
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
    if (bytes > limit) return start;
  }
  return -1;
}

/** The scan's state; one per call. */
class Scanner {
  pos = 0;
  line = 1;
  lineStart = 0;
  error: JsonReadError | undefined;
  readonly stack: number[] = [];
  /** Where a number's integer part "0" ended, to explain `024`. */
  zeroEnd = -1;

  constructor(
    readonly text: string,
    readonly sink: JsonSink,
    readonly maxDepth: number,
    readonly trimUnicodeSpace: boolean,
  ) {}

  /** Skips Go's Unicode spaces where the file is trimmed (before and after the value). */
  skipTrimmed(): void {
    if (!this.trimUnicodeSpace) return;
    const t = this.text;
    while (this.pos < t.length && isGoSpace(t.charCodeAt(this.pos))) {
      if (t.charCodeAt(this.pos) === 0x0a) {
        this.line++;
        this.lineStart = this.pos + 1;
      }
      this.pos++;
    }
  }

  position(offset: number): JsonPosition {
    return { offset, line: this.line, column: offset - this.lineStart + 1 };
  }

  fail(offset: number, goMessage: string, hint?: string): false {
    const at = this.position(offset);
    const message = `line ${at.line}, column ${at.column}: ${hint ?? goMessage}`;
    this.error = hint === undefined ? { kind: "json-syntax", ...at, goMessage, message } : { kind: "json-syntax", ...at, goMessage, hint, message };
    return false;
  }

  /**
   * Go's error for the end of input inside a token: Go's scanner feeds a
   * space at the end, so a number, literal or escape cut short reads as an
   * invalid ' ' rather than as the end of input.
   */
  cutShort(offset: number, context: string): false {
    return this.fail(offset, `invalid character ' ' ${context}`, "the text ends in the middle of a value");
  }

  /** Go's error for the character at `offset` in a context, or the end of input. */
  unexpected(offset: number, context: string, hint?: string): false {
    const t = this.text;
    if (offset >= t.length) return this.fail(offset, "unexpected end of JSON input", this.stack.length > 0 ? "the text ends too early; close every { and [" : hint);
    const c = t.charCodeAt(offset);
    if (c === 0x2f && (t.charCodeAt(offset + 1) === 0x2f || t.charCodeAt(offset + 1) === 0x2a)) hint ??= "comments are not allowed in JSON; remove the comment";
    if (c === 0x27) hint ??= "JSON strings and keys are written in double quotes";
    if (c === 0) hint ??= "a NUL character: this is not a text file";
    return this.fail(offset, `invalid character ${goQuoteChar(t, offset)} ${context}`, hint);
  }

  skipWhitespace(): void {
    const t = this.text;
    for (;;) {
      const c = t.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x09 || c === 0x0d) this.pos++;
      else if (c === 0x0a) {
        this.pos++;
        this.line++;
        this.lineStart = this.pos;
      } else return;
    }
  }

  /** Scans the string token at `pos`; returns whether it is plain, or undefined when reported. */
  string(): boolean | undefined {
    const t = this.text;
    let i = this.pos + 1;
    let plain = true;
    for (;;) {
      if (i >= t.length) return void this.unexpected(i, "");
      const c = t.charCodeAt(i);
      if (c === 0x22) {
        this.pos = i + 1;
        return plain;
      }
      if (c < 0x20) {
        return void this.fail(
          i,
          `invalid character ${goQuoteChar(t, i)} in string literal`,
          c === 0 ? "a NUL character: this is not a text file" : "control characters must be escaped inside strings (a string cannot span lines)",
        );
      }
      if (c === 0x5c) {
        plain = false;
        const e = t.charCodeAt(i + 1);
        if (i + 1 >= t.length) return void this.cutShort(i + 1, "in string escape code");
        if (e === 0x75) {
          for (let k = 2; k < 6; k++) {
            if (i + k >= t.length) return void this.cutShort(i + k, "in \\u hexadecimal character escape");
            if (!isHex(t.charCodeAt(i + k))) return void this.fail(i + k, `invalid character ${goQuoteChar(t, i + k)} in \\u hexadecimal character escape`);
          }
          i += 6;
          continue;
        }
        // " \ / b f n r t
        if (e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
          i += 2;
          continue;
        }
        return void this.fail(i + 1, `invalid character ${goQuoteChar(t, i + 1)} in string escape code`);
      }
      if (c >= 0xd800 && c <= 0xdfff) {
        if (c <= 0xdbff && (t.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i += 2;
        else {
          plain = false;
          i++;
        }
        continue;
      }
      i++;
    }
  }

  /** Scans the number at `pos`; returns false when reported. */
  number(): boolean {
    const t = this.text;
    let i = this.pos;
    if (t.charCodeAt(i) === 0x2d) {
      i++;
      if (!isDigit(t.charCodeAt(i))) return i >= t.length ? this.cutShort(i, "in numeric literal") : this.unexpected(i, "in numeric literal");
    }
    const zero = t.charCodeAt(i) === 0x30;
    if (zero) i++;
    else while (isDigit(t.charCodeAt(i))) i++;
    this.zeroEnd = zero ? i : -1;
    if (t.charCodeAt(i) === 0x2e) {
      i++;
      if (!isDigit(t.charCodeAt(i))) {
        return i >= t.length ? this.cutShort(i, "after decimal point in numeric literal") : this.unexpected(i, "after decimal point in numeric literal");
      }
      while (isDigit(t.charCodeAt(i))) i++;
    }
    const e = t.charCodeAt(i);
    if (e === 0x65 || e === 0x45) {
      i++;
      const s = t.charCodeAt(i);
      if (s === 0x2b || s === 0x2d) i++;
      if (!isDigit(t.charCodeAt(i))) return i >= t.length ? this.cutShort(i, "in exponent of numeric literal") : this.unexpected(i, "in exponent of numeric literal");
      while (isDigit(t.charCodeAt(i))) i++;
    }
    this.pos = i;
    return true;
  }

  /** Scans `true`, `false` or `null` at `pos`; returns false when reported. */
  literal(word: string): boolean {
    const t = this.text;
    for (let k = 1; k < word.length; k++) {
      const i = this.pos + k;
      if (i >= t.length) return this.cutShort(i, `in literal ${word} (expecting ${goQuoteChar(word, k)})`);
      if (t.charCodeAt(i) !== word.charCodeAt(k)) return this.fail(i, `invalid character ${goQuoteChar(t, i)} in literal ${word} (expecting ${goQuoteChar(word, k)})`);
    }
    this.pos += word.length;
    return true;
  }

  /** Scans one value at `pos` (after whitespace); containers are opened, not finished. Returns false when reported. */
  value(afterComma: boolean): boolean {
    const t = this.text;
    const start = this.pos;
    const line = this.line;
    const column = start - this.lineStart + 1;
    const c = t.charCodeAt(start);
    switch (c) {
      case 0x7b: // {
      case 0x5b: {
        // [
        if (this.stack.length >= this.maxDepth) {
          const at = this.position(start);
          const goMessage = `invalid character ${goQuoteChar(t, start)} exceeded max depth`;
          this.error = {
            kind: "json-too-deep",
            ...at,
            limit: this.maxDepth,
            goMessage,
            message: `line ${at.line}, column ${at.column}: objects and arrays are nested more than ${this.maxDepth} levels deep`,
          };
          return false;
        }
        const type = c === 0x7b ? "object" : "array";
        this.stack.push(c === 0x7b ? OBJECT : ARRAY);
        this.sink.open(type, start, line, column);
        this.pos++;
        return true;
      }
      case 0x22: {
        const plain = this.string();
        if (plain === undefined) return false;
        this.sink.scalar("string", start, this.pos, plain, line, column);
        return true;
      }
      case 0x74:
      case 0x66:
      case 0x6e: {
        const word = c === 0x74 ? "true" : c === 0x66 ? "false" : "null";
        if (!this.literal(word)) return false;
        this.sink.scalar(word, start, this.pos, true, line, column);
        return true;
      }
      default:
        if (c === 0x2d || isDigit(c)) {
          if (!this.number()) return false;
          this.sink.scalar("number", start, this.pos, true, line, column);
          return true;
        }
        return this.unexpected(
          start,
          "looking for beginning of value",
          afterComma && c === 0x5d ? "trailing commas are not allowed in JSON; remove the comma before ]" : undefined,
        );
    }
  }

  /** Scans an object key and its colon at `pos` (after whitespace). */
  key(afterComma: boolean): boolean {
    const t = this.text;
    const start = this.pos;
    if (t.charCodeAt(start) !== 0x22) {
      const hint = afterComma && t.charCodeAt(start) === 0x7d ? "trailing commas are not allowed in JSON; remove the comma before }" : undefined;
      return this.unexpected(start, "looking for beginning of object key string", hint);
    }
    const line = this.line;
    const column = start - this.lineStart + 1;
    const plain = this.string();
    if (plain === undefined) return false;
    this.sink.key(start, this.pos, plain, line, column);
    this.skipWhitespace();
    if (t.charCodeAt(this.pos) !== 0x3a) return this.unexpected(this.pos, "after object key");
    this.pos++;
    return true;
  }

  run(from: number, allowEmpty: boolean): boolean {
    const t = this.text;
    this.pos = from;
    this.lineStart = from;
    this.skipTrimmed();
    this.skipWhitespace();
    if (this.pos >= t.length) return allowEmpty ? true : this.unexpected(this.pos, "", "the text is empty");
    let mode: "value" | "key" | "after" = "value";
    let afterComma = false;
    for (;;) {
      if (mode === "key") {
        if (!this.key(afterComma)) return false;
        this.skipWhitespace();
        mode = "value";
        afterComma = false;
        continue;
      }
      if (mode === "value") {
        const depth = this.stack.length;
        if (!this.value(afterComma)) return false;
        afterComma = false;
        mode = "after";
        if (this.stack.length > depth) {
          // Just opened: an empty container closes at once, else its first key or item follows.
          this.skipWhitespace();
          const object = this.stack[depth] === OBJECT;
          if (t.charCodeAt(this.pos) !== (object ? 0x7d : 0x5d)) mode = object ? "key" : "value";
        }
        continue;
      }
      this.skipWhitespace();
      const top = this.stack[this.stack.length - 1];
      if (top === undefined) this.skipTrimmed();
      const c = t.charCodeAt(this.pos);
      const leadingZero = this.pos === this.zeroEnd && isDigit(c) ? "numbers are written without leading zeros (24, not 024)" : undefined;
      if (top === undefined) return this.pos >= t.length || this.unexpected(this.pos, "after top-level value", leadingZero);
      const object = top === OBJECT;
      if (c === (object ? 0x7d : 0x5d)) {
        this.stack.pop();
        this.pos++;
        this.sink.close(object ? "object" : "array", this.pos);
      } else if (c === 0x2c) {
        this.pos++;
        this.skipWhitespace();
        mode = object ? "key" : "value";
        afterComma = true;
      } else return this.unexpected(this.pos, object ? "after object key:value pair" : "after array element", leadingZero);
    }
  }
}

/**
 * Scans a JSON text, reporting its tokens to a sink, within limits.
 *
 * @param text the text
 * @param sink receives the tokens in order (nothing after an error)
 * @param options limits and leniencies
 * @returns ok when the whole text is one JSON value (or, with `allowEmpty`,
 *   only whitespace); else the first problem, with its position
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { scanJson, type JsonSink } from "./scan-json.ts";
 * let depth = 0;
 * let deepest = 0;
 * const sink: JsonSink = {
 *   open: () => void (deepest = Math.max(deepest, ++depth)),
 *   close: () => void depth--,
 *   key: () => undefined,
 *   scalar: () => undefined,
 * };
 * assert.ok(scanJson('{"a": [[1]]}', sink).isOk());
 * assert.equal(deepest, 3);
 * assert.equal(scanJson("[".repeat(20), sink, { maxDepth: 10 })._unsafeUnwrapErr().kind, "json-too-deep");
 * ```
 */
export function scanJson(text: string, sink: JsonSink, options: JsonScanOptions = {}): Result<void, JsonReadError> {
  const maxBytes = options.maxBytes ?? ETCD_JSON_MAX_BYTES;
  const past = offsetPastLimit(text, maxBytes);
  if (past >= 0) {
    let line = 1;
    let lineStart = 0;
    for (let i = text.indexOf("\n"); i >= 0 && i < past; i = text.indexOf("\n", i + 1)) {
      line++;
      lineStart = i + 1;
    }
    const column = past - lineStart + 1;
    return err({
      kind: "json-too-large",
      offset: past,
      line,
      column,
      limit: maxBytes,
      message: `line ${line}, column ${column}: the text is larger than ${maxBytes} bytes, the most read here`,
    });
  }
  const scanner = new Scanner(text, sink, options.maxDepth ?? GO_JSON_MAX_DEPTH, options.trimUnicodeSpace ?? false);
  const bom = text.charCodeAt(0) === 0xfeff;
  const from = bom && options.byteOrderMark === "skip" ? 1 : 0;
  if (bom && from === 0) {
    scanner.fail(0, `invalid character ${goQuoteChar(text, 0)} looking for beginning of value`, "the text starts with a byte-order mark (U+FEFF); save it without one");
    return err(scanner.error as JsonReadError);
  }
  if (scanner.run(from, options.allowEmpty ?? false)) return ok(undefined);
  return err(scanner.error as JsonReadError);
}

const SIMPLE_ESCAPES: Readonly<Record<number, string>> = { 0x22: '"', 0x5c: "\\", 0x2f: "/", 0x62: "\b", 0x66: "\f", 0x6e: "\n", 0x72: "\r", 0x74: "\t" };

/**
 * The value of a string token that {@link scanJson} accepted, decoded as Go
 * decodes it: a `\u` escape of a surrogate pair is one character, and a
 * lone surrogate (escaped or not) becomes U+FFFD.
 *
 * @param text the scanned text
 * @param start the offset of the opening quote
 * @param end the offset just past the closing quote
 * @param plain the sink's `plain` flag: true skips the decoding
 * @returns the string's value
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jsonStringValue } from "./scan-json.ts";
 * const text = String.raw`"a\n\ud83d\ude00\ud800"`;
 * assert.equal(jsonStringValue(text, 0, text.length, false), "a\n😀\ufffd");
 * ```
 */
export function jsonStringValue(text: string, start: number, end: number, plain: boolean): string {
  if (plain) return text.slice(start + 1, end - 1);
  let out = "";
  let run = start + 1;
  const last = end - 1;
  const hex = (at: number): number => {
    const h = text.slice(at, at + 4);
    return text.charCodeAt(at - 2) === 0x5c && text.charCodeAt(at - 1) === 0x75 && /^[0-9a-fA-F]{4}$/.test(h) ? parseInt(h, 16) : -1;
  };
  for (let i = start + 1; i < last;) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) {
      out += text.slice(run, i);
      const e = text.charCodeAt(i + 1);
      if (e !== 0x75) {
        out += SIMPLE_ESCAPES[e] ?? "";
        i += 2;
      } else {
        const unit = hex(i + 2);
        i += 6;
        if (unit >= 0xd800 && unit <= 0xdfff) {
          const low = i + 6 <= last ? hex(i + 2) : -1;
          if (unit <= 0xdbff && low >= 0xdc00 && low <= 0xdfff) {
            out += String.fromCharCode(unit, low);
            i += 6;
          } else out += "\ufffd";
        } else out += String.fromCharCode(unit);
      }
      run = i;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      if (c <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00 && i + 1 < last) {
        i += 2;
        continue;
      }
      out += `${text.slice(run, i)}\ufffd`;
      i++;
      run = i;
      continue;
    }
    i++;
  }
  return out + text.slice(run, last);
}
