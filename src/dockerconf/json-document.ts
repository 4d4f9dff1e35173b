/**
 * JSON text kept as written: a parse tree with the offset of every token, so
 * that one value can be replaced or one member added without touching a
 * byte elsewhere (key order, indentation, spacing, line ends, a byte-order
 * mark). The grammar is RFC 8259's, as Go's encoding/json (and so dockerd)
 * reads it; syntax errors carry a line and column and Go's wording.
 *
 * @module
 */
import { err, ok, type Result } from "neverthrow";

interface NodeBase {
  /** Offset of the value's first character in the document's text. */
  readonly start: number;
  /** Offset just past the value's last character. */
  readonly end: number;
}

/** A JSON object; `members` in file order, repeated keys included. */
export interface JsonObjectNode extends NodeBase {
  readonly type: "object";
  readonly members: readonly JsonMember[];
}
/** A JSON array. */
export interface JsonArrayNode extends NodeBase {
  readonly type: "array";
  readonly items: readonly JsonNode[];
}
/** A JSON string; `value` is unescaped. */
export interface JsonStringNode extends NodeBase {
  readonly type: "string";
  readonly value: string;
}
/** A JSON number; `raw` is its text (`1450`, `1450.0` and `1.45e3` differ to Go's int fields). */
export interface JsonNumberNode extends NodeBase {
  readonly type: "number";
  readonly value: number;
  readonly raw: string;
}
/** `true` or `false`. */
export interface JsonBooleanNode extends NodeBase {
  readonly type: "boolean";
  readonly value: boolean;
}
/** `null`. */
export interface JsonNullNode extends NodeBase {
  readonly type: "null";
}
/** Any JSON value with its position. */
export type JsonNode = JsonObjectNode | JsonArrayNode | JsonStringNode | JsonNumberNode | JsonBooleanNode | JsonNullNode;

/** One `"key": value` of an object. */
export interface JsonMember {
  readonly key: string;
  /** Offset of the key's opening quote. */
  readonly keyStart: number;
  /** Offset just past the key's closing quote. */
  readonly keyEnd: number;
  readonly line: number;
  readonly column: number;
  readonly value: JsonNode;
}

/** A key that appears more than once in the same object (Go keeps the last). */
export interface JsonDuplicateKey {
  /** Dotted path of the object holding it, `""` for the top level. */
  readonly parent: string;
  readonly key: string;
  readonly line: number;
  readonly column: number;
  readonly firstLine: number;
  readonly firstColumn: number;
}

/** A parsed JSON text. `root` is undefined for a text of only whitespace. */
export interface JsonDocument {
  readonly text: string;
  /** True when the text starts with U+FEFF (a UTF-8 byte-order mark in the file). */
  readonly bom: boolean;
  readonly root: JsonNode | undefined;
  readonly duplicates: readonly JsonDuplicateKey[];
}

/** Why a text is not JSON: line and column (from 1, the byte-order mark not counted) and what to change. */
export interface JsonSyntaxError {
  readonly kind: "json-syntax";
  readonly line: number;
  readonly column: number;
  readonly offset: number;
  /** Go's encoding/json message for the same text, as dockerd prints it. */
  readonly goMessage: string;
  readonly message: string;
}

/**
 * The line and column (from 1) of an offset in a text; a leading byte-order
 * mark is not counted.
 *
 * @param text the text
 * @param offset an offset into it
 * @returns the position
 */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  const from = text.startsWith("\ufeff") ? 1 : 0;
  let line = 1;
  let lineStart = from;
  for (let i = from; i < offset && i < text.length; i++) {
    if (text[i] === "\n") {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: Math.max(1, offset - lineStart + 1) };
}

// Go's quoteChar: how encoding/json shows an offending character.
function goChar(c: string): string {
  if (c === "'") return "'\\''";
  if (c === '"') return "'\"'";
  const escapes: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f", "\v": "\\v", "\u0007": "\\a", "\\": "\\\\" };
  const known = escapes[c];
  if (known !== undefined) return `'${known}'`;
  const code = c.codePointAt(0) ?? 0;
  if (code < 0x20 || code === 0x7f) return `'\\x${code.toString(16).padStart(2, "0")}'`;
  if (c === "\ufeff") return "'ï'";
  return `'${c}'`;
}

class SyntaxFailure extends Error {
  constructor(
    readonly offset: number,
    readonly goMessage: string,
    readonly hint: string | undefined,
  ) {
    super(goMessage);
  }
}

const isWs = (c: string | undefined): boolean => c === " " || c === "\t" || c === "\n" || c === "\r";

class Parser {
  pos: number;
  readonly duplicates: JsonDuplicateKey[] = [];
  constructor(readonly text: string) {
    this.pos = text.startsWith("\ufeff") ? 1 : 0;
  }

  fail(offset: number, goMessage: string, hint?: string): never {
    throw new SyntaxFailure(offset, goMessage, hint);
  }

  unexpected(context: string): never {
    const c = this.text[this.pos];
    if (c === undefined) this.fail(this.pos, "unexpected end of JSON input", "the text ends too early; close every { and [");
    const g = `invalid character ${goChar(c)} ${context}`;
    if (c === "/" && (this.text[this.pos + 1] === "/" || this.text[this.pos + 1] === "*")) this.fail(this.pos, g, "comments are not allowed in JSON; remove the comment");
    this.fail(this.pos, g);
  }

  ws(): void {
    while (isWs(this.text[this.pos])) this.pos++;
  }

  value(path: string): JsonNode {
    this.ws();
    const c = this.text[this.pos];
    if (c === "{") return this.object(path);
    if (c === "[") return this.array(path);
    if (c === '"') return this.string();
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return this.number();
    if (c === "t") return this.literal("true", { type: "boolean", value: true });
    if (c === "f") return this.literal("false", { type: "boolean", value: false });
    if (c === "n") return this.literal("null", { type: "null" });
    this.unexpected("looking for beginning of value");
  }

  literal(word: string, node: { type: "boolean"; value: boolean } | { type: "null" }): JsonNode {
    const start = this.pos;
    for (let i = 0; i < word.length; i++) {
      const c = this.text[this.pos];
      if (c !== word[i]) {
        if (c === undefined) this.fail(this.pos, "unexpected end of JSON input");
        this.fail(this.pos, `invalid character ${goChar(c)} in literal ${word} (expecting ${goChar(word[i] ?? "")})`);
      }
      this.pos++;
    }
    return { ...node, start, end: this.pos };
  }

  number(): JsonNumberNode {
    const start = this.pos;
    const t = this.text;
    const digit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";
    if (t[this.pos] === "-") {
      this.pos++;
      if (!digit(t[this.pos])) {
        if (t[this.pos] === undefined) this.fail(this.pos, "unexpected end of JSON input");
        this.unexpected("in numeric literal");
      }
    }
    if (t[this.pos] === "0") this.pos++;
    else while (digit(t[this.pos])) this.pos++;
    if (t[this.pos] === ".") {
      this.pos++;
      if (!digit(t[this.pos])) {
        if (t[this.pos] === undefined) this.fail(this.pos, "unexpected end of JSON input");
        this.unexpected("after decimal point in numeric literal");
      }
      while (digit(t[this.pos])) this.pos++;
    }
    if (t[this.pos] === "e" || t[this.pos] === "E") {
      this.pos++;
      if (t[this.pos] === "+" || t[this.pos] === "-") this.pos++;
      if (!digit(t[this.pos])) {
        if (t[this.pos] === undefined) this.fail(this.pos, "unexpected end of JSON input");
        this.unexpected("in exponent of numeric literal");
      }
      while (digit(t[this.pos])) this.pos++;
    }
    const raw = t.slice(start, this.pos);
    return { type: "number", value: Number(raw), raw, start, end: this.pos };
  }

  string(): JsonStringNode {
    const start = this.pos;
    this.pos++;
    let value = "";
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined) this.fail(this.pos, "unexpected end of JSON input", "a string is not closed; add the closing quote");
      if (c === '"') {
        this.pos++;
        return { type: "string", value, start, end: this.pos };
      }
      if (c < " ") this.fail(this.pos, `invalid character ${goChar(c)} in string literal`, "control characters must be escaped inside strings (a string cannot span lines)");
      if (c === "\\") {
        const e = this.text[this.pos + 1];
        const simple: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
        if (e === undefined) this.fail(this.pos + 1, "unexpected end of JSON input");
        const s = simple[e];
        if (s !== undefined) {
          value += s;
          this.pos += 2;
          continue;
        }
        if (e === "u") {
          const hex = this.text.slice(this.pos + 2, this.pos + 6);
          for (let i = 0; i < 4; i++) {
            const h = hex[i];
            if (h === undefined) this.fail(this.pos + 2 + i, "unexpected end of JSON input");
            if (!/[0-9a-fA-F]/.test(h)) this.fail(this.pos + 2 + i, `invalid character ${goChar(h)} in \\u hexadecimal character escape`);
          }
          value += String.fromCharCode(parseInt(hex, 16));
          this.pos += 6;
          continue;
        }
        this.fail(this.pos + 1, `invalid character ${goChar(e)} in string escape code`);
      }
      value += c;
      this.pos++;
    }
  }

  object(path: string): JsonObjectNode {
    const start = this.pos;
    this.pos++;
    const members: JsonMember[] = [];
    const seen = new Map<string, JsonMember>();
    this.ws();
    if (this.text[this.pos] === "}") {
      this.pos++;
      return { type: "object", members, start, end: this.pos };
    }
    for (;;) {
      this.ws();
      if (this.text[this.pos] !== '"') {
        if (this.text[this.pos] === "}" && members.length > 0) {
          this.fail(this.pos, "invalid character '}' looking for beginning of object key string", "trailing commas are not allowed in JSON; remove the comma before }");
        }
        this.unexpected("looking for beginning of object key string");
      }
      const keyStart = this.pos;
      const key = this.string().value;
      const keyEnd = this.pos;
      this.ws();
      if (this.text[this.pos] !== ":") this.unexpected("after object key");
      this.pos++;
      const value = this.value(path === "" ? key : `${path}.${key}`);
      const { line, column } = positionOf(this.text, keyStart);
      const member: JsonMember = { key, keyStart, keyEnd, line, column, value };
      const first = seen.get(key);
      if (first !== undefined) {
        this.duplicates.push({ parent: path, key, line, column, firstLine: first.line, firstColumn: first.column });
      } else {
        seen.set(key, member);
      }
      members.push(member);
      this.ws();
      const c = this.text[this.pos];
      if (c === ",") {
        this.pos++;
        continue;
      }
      if (c === "}") {
        this.pos++;
        return { type: "object", members, start, end: this.pos };
      }
      this.unexpected("after object key:value pair");
    }
  }

  array(path: string): JsonArrayNode {
    const start = this.pos;
    this.pos++;
    const items: JsonNode[] = [];
    this.ws();
    if (this.text[this.pos] === "]") {
      this.pos++;
      return { type: "array", items, start, end: this.pos };
    }
    for (;;) {
      this.ws();
      if (this.text[this.pos] === "]" && items.length > 0) {
        this.fail(this.pos, "invalid character ']' looking for beginning of value", "trailing commas are not allowed in JSON; remove the comma before ]");
      }
      items.push(this.value(`${path}[${items.length}]`));
      this.ws();
      const c = this.text[this.pos];
      if (c === ",") {
        this.pos++;
        continue;
      }
      if (c === "]") {
        this.pos++;
        return { type: "array", items, start, end: this.pos };
      }
      this.unexpected("after array element");
    }
  }
}

/**
 * Parses JSON text keeping every token's position. A text of only
 * whitespace gives a document with no root; a leading U+FEFF is skipped and
 * remembered.
 *
 * @param text the text
 * @returns the document (with the repeated keys it found), or a
 *   {@link JsonSyntaxError} with line, column and Go's message
 * @example
 * ```ts
 * import { parseJsonDocument } from "./json-document.ts";
 * parseJsonDocument('{"mtu": 1450,\n}').mapErr((e) => e.message);
 * // err("line 2, column 1: trailing commas are not allowed in JSON; remove the comma before } (dockerd: invalid character '}' looking for beginning of object key string)")
 * ```
 */
export function parseJsonDocument(text: string): Result<JsonDocument, JsonSyntaxError> {
  const parser = new Parser(text);
  const bom = text.startsWith("\ufeff");
  try {
    parser.ws();
    if (parser.pos >= text.length) return ok({ text, bom, root: undefined, duplicates: [] });
    const root = parser.value("");
    parser.ws();
    if (parser.pos < text.length) parser.unexpected("after top-level value");
    return ok({ text, bom, root, duplicates: parser.duplicates });
  } catch (cause) {
    if (!(cause instanceof SyntaxFailure)) throw cause;
    const { line, column } = positionOf(text, cause.offset);
    const what = cause.hint === undefined ? cause.goMessage : `${cause.hint} (dockerd: ${cause.goMessage})`;
    return err({ kind: "json-syntax", line, column, offset: cause.offset, goMessage: cause.goMessage, message: `line ${line}, column ${column}: ${what}` });
  }
}

/** A plain JSON value (what `JSON.parse` gives). */
export type PlainJson = null | boolean | number | string | PlainJson[] | { [key: string]: PlainJson };

/**
 * The plain value of a node; of repeated keys the last wins, as in Go.
 *
 * @param node a parsed node
 * @returns its value
 */
export function jsonNodeValue(node: JsonNode): PlainJson {
  switch (node.type) {
    case "object": {
      const out: { [key: string]: PlainJson } = {};
      // defineProperty: a key named "__proto__" is data, not a prototype.
      for (const m of node.members) Object.defineProperty(out, m.key, { value: jsonNodeValue(m.value), enumerable: true, writable: true, configurable: true });
      return out;
    }
    case "array":
      return node.items.map(jsonNodeValue);
    case "null":
      return null;
    default:
      return node.value;
  }
}
