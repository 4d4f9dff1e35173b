// A strict JSON reader (RFC 8259, as strict as Go's encoding/json: no
// comments, no trailing commas, no BOM) that keeps where every value and key
// starts and the literal text of numbers, so that config errors can name a
// line and column and tell `24` from `24.0` as Go does.
import { err, ok, type Result } from "neverthrow";

/** A position in the input: 1-based line and column (UTF-16 units). */
export interface JsonPosition {
  readonly line: number;
  readonly column: number;
}

/** One key of an object, with where the key starts. */
export interface JsonEntry {
  readonly key: string;
  readonly keyAt: JsonPosition;
  readonly value: JsonNode;
}

/** A parsed JSON value with its position. */
export type JsonNode =
  | { readonly type: "object"; readonly at: JsonPosition; readonly entries: readonly JsonEntry[] }
  | { readonly type: "array"; readonly at: JsonPosition; readonly items: readonly JsonNode[] }
  | { readonly type: "string"; readonly at: JsonPosition; readonly value: string }
  | { readonly type: "number"; readonly at: JsonPosition; readonly value: number; readonly raw: string }
  | { readonly type: "boolean"; readonly at: JsonPosition; readonly value: boolean }
  | { readonly type: "null"; readonly at: JsonPosition };

/** A JSON value as plain data. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** A JSON object as plain data. */
export type JsonObject = { readonly [key: string]: JsonValue };

/** Why a text is not JSON. */
export interface JsonSyntaxError {
  readonly line: number;
  readonly column: number;
  readonly reason: string;
}

// Thrown inside the recursive reader only and caught in parseJsonNode, which returns it as a Result.
class Failure extends Error {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

const MAX_DEPTH = 512;

/**
 * Parses JSON text into positioned nodes.
 *
 * @param text the JSON text
 * @returns the root node, or the first syntax error with its line and column
 */
export function parseJsonNode(text: string): Result<JsonNode, JsonSyntaxError> {
  let i = 0;
  const lineStarts = [0];
  for (let k = 0; k < text.length; k++) if (text.charCodeAt(k) === 10) lineStarts.push(k + 1);
  const position = (offset: number): JsonPosition => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (lineStarts[lo] ?? 0) + 1 };
  };
  const describe = (offset: number): string => {
    if (offset >= text.length) return "end of input";
    const ch = text[offset] ?? "";
    return ch === "\n" ? "a line break" : `'${ch}'`;
  };
  const fail = (reason: string, offset = i): never => {
    throw new Failure(offset, reason);
  };
  const skipSpace = (): void => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else return;
    }
  };
  const expectWord = (word: string): void => {
    if (text.startsWith(word, i)) i += word.length;
    else fail(`unexpected ${describe(i)}, expected a value`);
  };
  const readString = (): string => {
    const start = i;
    i++;
    let out = "";
    for (;;) {
      if (i >= text.length) fail("unterminated string", start);
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return out;
      }
      if (c < 0x20) fail("control character in string; escape it (\\n, \\t, \\u00XX)");
      if (c !== 0x5c) {
        out += text[i];
        i++;
        continue;
      }
      const e = text[i + 1];
      const simple: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
      if (e !== undefined && e in simple) {
        out += simple[e];
        i += 2;
      } else if (e === "u") {
        const hex = text.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail("invalid \\u escape: expected 4 hex digits");
        out += String.fromCharCode(parseInt(hex, 16));
        i += 6;
      } else {
        fail(`invalid escape '\\${e ?? ""}' in string`);
      }
    }
  };
  const readNumber = (): JsonNode => {
    const at = position(i);
    const match = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (match === null || match[0] === "-") fail(`unexpected ${describe(i)}, expected a value`);
    const start = i;
    const raw = (match as RegExpExecArray)[0];
    i += raw.length;
    if (/[0-9.eE+-]/.test(text[i] ?? "")) {
      const token = /^[0-9.eE+-]+/.exec(text.slice(start))?.[0] ?? raw;
      fail(/^-?0[0-9]/.test(token) ? `malformed number ${token}: leading zeros are not allowed` : `malformed number ${token}`, start);
    }
    return { type: "number", at, value: Number(raw), raw };
  };
  const readValue = (depth: number): JsonNode => {
    skipSpace();
    if (depth > MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH} levels`);
    const at = position(i);
    const c = text[i];
    switch (c) {
      case "{": {
        i++;
        const entries: JsonEntry[] = [];
        skipSpace();
        if (text[i] === "}") {
          i++;
          return { type: "object", at, entries };
        }
        for (;;) {
          skipSpace();
          if (text[i] !== '"') fail(`unexpected ${describe(i)}, expected a key in double quotes`);
          const keyAt = position(i);
          const key = readString();
          skipSpace();
          if (text[i] !== ":") fail(`unexpected ${describe(i)} after key "${key}", expected ':'`);
          i++;
          entries.push({ key, keyAt, value: readValue(depth + 1) });
          skipSpace();
          if (text[i] === ",") {
            const comma = i++;
            skipSpace();
            if (text[i] === "}") fail("trailing comma before '}'", comma);
            continue;
          }
          if (text[i] === "}") {
            i++;
            return { type: "object", at, entries };
          }
          fail(`unexpected ${describe(i)} after the value of "${key}", expected ',' or '}'`);
        }
      }
      case "[": {
        i++;
        const items: JsonNode[] = [];
        skipSpace();
        if (text[i] === "]") {
          i++;
          return { type: "array", at, items };
        }
        for (;;) {
          items.push(readValue(depth + 1));
          skipSpace();
          if (text[i] === ",") {
            const comma = i++;
            skipSpace();
            if (text[i] === "]") fail("trailing comma before ']'", comma);
            continue;
          }
          if (text[i] === "]") {
            i++;
            return { type: "array", at, items };
          }
          fail(`unexpected ${describe(i)} in array, expected ',' or ']'`);
        }
      }
      case '"':
        return { type: "string", at, value: readString() };
      case "t":
        expectWord("true");
        return { type: "boolean", at, value: true };
      case "f":
        expectWord("false");
        return { type: "boolean", at, value: false };
      case "n":
        expectWord("null");
        return { type: "null", at };
      default:
        return readNumber();
    }
  };
  try {
    skipSpace();
    if (i >= text.length) fail("empty input, expected a JSON object");
    const node = readValue(0);
    skipSpace();
    if (i < text.length) fail(`unexpected ${describe(i)} after the end of the JSON value`);
    return ok(node);
  } catch (cause) {
    if (!(cause instanceof Failure)) throw cause;
    const { line, column } = position(cause.offset);
    return err({ line, column, reason: cause.reason });
  }
}

/**
 * The plain value of a node (duplicate keys: the last one wins, as in Go).
 *
 * @param node a parsed node
 * @returns its value as plain, frozen data
 */
export function jsonValue(node: JsonNode): JsonValue {
  switch (node.type) {
    case "object": {
      const out: Record<string, JsonValue> = {};
      for (const e of node.entries) {
        // A key such as "__proto__" must become an own property, not the prototype.
        Object.defineProperty(out, e.key, { value: jsonValue(e.value), enumerable: true, writable: true, configurable: true });
      }
      return Object.freeze(out);
    }
    case "array":
      return Object.freeze(node.items.map(jsonValue));
    case "null":
      return null;
    default:
      return node.value;
  }
}

/**
 * Folds a key the way Go's encoding/json matches struct fields: case-insensitive,
 * with the two non-ASCII letters that fold onto ASCII ones (the Kelvin sign onto k,
 * long s onto s).
 */
export function foldKey(key: string): string {
  return key.replace(/\u212a/g, "k").replace(/\u017f/g, "s").toLowerCase();
}
