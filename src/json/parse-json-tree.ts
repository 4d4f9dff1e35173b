/**
 * The positions view of {@link scanJson}: a tree of JSON values, each with
 * its offsets in the text and its line and column, so that errors can name
 * where a value is and edits can replace one value without touching
 * another byte. Repeated keys are kept, in file order, and listed.
 *
 * @module
 */
import { err, ok, type Result } from "neverthrow";
import { type JsonReadError, type JsonScanOptions, type JsonSink, jsonStringValue, scanJson } from "./scan-json.ts";

interface JsonNodeBase {
  /** Offset of the value's first character in the text. */
  readonly start: number;
  /** Offset just past the value's last character. */
  readonly end: number;
  /** Line of the first character (from 1). */
  readonly line: number;
  /** Column of the first character (from 1, in UTF-16 units). */
  readonly column: number;
}

/** A JSON object; `members` in file order, repeated keys included. */
export interface JsonObjectNode extends JsonNodeBase {
  readonly type: "object";
  readonly members: readonly JsonMember[];
}
/** A JSON array. */
export interface JsonArrayNode extends JsonNodeBase {
  readonly type: "array";
  readonly items: readonly JsonNode[];
}
/** A JSON string; `value` is unescaped. */
export interface JsonStringNode extends JsonNodeBase {
  readonly type: "string";
  readonly value: string;
}
/**
 * A JSON number; `raw` is its text (`1450`, `1450.0` and `1.45e3` differ to
 * Go's int fields); `value` is `Number(raw)`, which is ±Infinity where Go's
 * float64 overflows.
 */
export interface JsonNumberNode extends JsonNodeBase {
  readonly type: "number";
  readonly value: number;
  readonly raw: string;
}
/** `true` or `false`. */
export interface JsonBooleanNode extends JsonNodeBase {
  readonly type: "boolean";
  readonly value: boolean;
}
/** `null`. */
export interface JsonNullNode extends JsonNodeBase {
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
  /** Where the key starts (from 1). */
  readonly line: number;
  readonly column: number;
  readonly value: JsonNode;
}

/** A key that appears more than once in the same object (Go keeps the last). */
export interface JsonDuplicateKey {
  /**
   * Dotted path of the object holding it, `""` for the top level (array
   * items as `[i]`); deeper than 8 levels, `…` and the last 8.
   */
  readonly parent: string;
  readonly key: string;
  readonly line: number;
  readonly column: number;
  readonly firstLine: number;
  readonly firstColumn: number;
}

/** A parsed JSON text. `root` is undefined for a text of only whitespace (with `allowEmpty`). */
export interface JsonDocument {
  readonly text: string;
  /** True when the text starts with U+FEFF (a UTF-8 byte-order mark in the file), skipped with `byteOrderMark: "skip"`. */
  readonly bom: boolean;
  readonly root: JsonNode | undefined;
  readonly duplicates: readonly JsonDuplicateKey[];
}

/** How many levels a duplicate key's `parent` path shows. */
const PATH_LEVELS = 8;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** An open object or array while the tree is built. */
interface Frame {
  readonly node: Mutable<JsonObjectNode> | Mutable<JsonArrayNode>;
  readonly members: JsonMember[];
  readonly items: JsonNode[];
  /** The key this container is the value of (or its index), for duplicate paths. */
  readonly label: string;
  readonly seen: Map<string, JsonMember> | undefined;
  key: { key: string; keyStart: number; keyEnd: number; line: number; column: number } | undefined;
}

class TreeBuilder implements JsonSink {
  root: JsonNode | undefined;
  readonly duplicates: JsonDuplicateKey[] = [];
  readonly frames: Frame[] = [];

  constructor(readonly text: string) {}

  private attach(node: JsonNode): void {
    const frame = this.frames[this.frames.length - 1];
    if (frame === undefined) {
      this.root = node;
      return;
    }
    if (frame.node.type === "array") {
      frame.items.push(node);
      return;
    }
    const k = frame.key;
    if (k === undefined) throw new Error("bug: a value in an object without a key");
    frame.key = undefined;
    const member: JsonMember = { ...k, value: node };
    const first = frame.seen?.get(k.key);
    if (first === undefined) frame.seen?.set(k.key, member);
    else this.duplicates.push({ parent: this.path(), key: k.key, line: k.line, column: k.column, firstLine: first.line, firstColumn: first.column });
    frame.members.push(member);
  }

  /** The open object's path; only its last levels when deep, so that a duplicate costs the same at any depth. */
  private path(): string {
    const from = Math.max(1, this.frames.length - PATH_LEVELS);
    let out = from > 1 ? "…" : "";
    for (const f of this.frames.slice(from)) out += f.label.startsWith("[") || out === "" ? f.label : `.${f.label}`;
    return out;
  }

  private label(): string {
    const frame = this.frames[this.frames.length - 1];
    if (frame === undefined) return "";
    return frame.node.type === "array" ? `[${frame.items.length}]` : (frame.key?.key ?? "");
  }

  open(type: "object" | "array", start: number, line: number, column: number): void {
    const members: JsonMember[] = [];
    const items: JsonNode[] = [];
    const node: Mutable<JsonObjectNode> | Mutable<JsonArrayNode> = type === "object"
      ? { type, start, end: start, line, column, members }
      : { type, start, end: start, line, column, items };
    this.frames.push({ node, members, items, label: this.label(), seen: type === "object" ? new Map() : undefined, key: undefined });
  }

  close(_type: "object" | "array", end: number): void {
    const frame = this.frames.pop();
    if (frame === undefined) throw new Error("bug: close without open");
    frame.node.end = end;
    this.attach(frame.node);
  }

  key(start: number, end: number, plain: boolean, line: number, column: number): void {
    const frame = this.frames[this.frames.length - 1];
    if (frame !== undefined) frame.key = { key: jsonStringValue(this.text, start, end, plain), keyStart: start, keyEnd: end, line, column };
  }

  scalar(type: "string" | "number" | "true" | "false" | "null", start: number, end: number, plain: boolean, line: number, column: number): void {
    switch (type) {
      case "string":
        return this.attach({ type, value: jsonStringValue(this.text, start, end, plain), start, end, line, column });
      case "number": {
        const raw = this.text.slice(start, end);
        return this.attach({ type, value: Number(raw), raw, start, end, line, column });
      }
      case "null":
        return this.attach({ type, start, end, line, column });
      default:
        return this.attach({ type: "boolean", value: type === "true", start, end, line, column });
    }
  }
}

/**
 * Parses JSON text into a tree of positioned nodes, within the scan's
 * limits (10,000 levels, a size default of 1.5 MiB: see
 * {@link JsonScanOptions}). Repeated keys stay in the tree, in file order,
 * and are listed in `duplicates`.
 *
 * @param text the text
 * @param options limits and leniencies
 * @returns the document, or where and why the text was not read
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseJsonTree } from "./parse-json-tree.ts";
 * const doc = parseJsonTree('{\n  "mtu": 1400,\n  "mtu": 1450\n}');
 * assert.ok(doc.isOk());
 * assert.deepEqual(doc.value.duplicates, [{ parent: "", key: "mtu", line: 3, column: 3, firstLine: 2, firstColumn: 3 }]);
 * assert.equal(parseJsonTree('{"mtu": 1450,}').isErr(), true);
 * ```
 */
export function parseJsonTree(text: string, options: JsonScanOptions = {}): Result<JsonDocument, JsonReadError> {
  const builder = new TreeBuilder(text);
  const scanned = scanJson(text, builder, options);
  if (scanned.isErr()) return err(scanned.error);
  return ok({ text, bom: text.charCodeAt(0) === 0xfeff, root: builder.root, duplicates: builder.duplicates });
}
