/**
 * Editing a {@link JsonDocument} in place: replace one member's value or add
 * a member at the end of an object, in the file's own style (indentation
 * unit, `": "` or `":"`, one member per line or all on one line, line ends),
 * leaving every other byte as it was.
 *
 * @module
 */
import type { JsonValue } from "./json-value.ts";
import type { JsonDocument, JsonObjectNode } from "./parse-json-tree.ts";

/** How a JSON text is laid out, as far as an edit needs to know. */
export interface JsonStyle {
  /** One level of indentation, e.g. `"  "`, `"    "` or `"\t"`. */
  readonly indent: string;
  /** `"\n"` or `"\r\n"`. */
  readonly newline: string;
  /** What stands between a key and its value, e.g. `": "`. */
  readonly keySeparator: string;
  /** What stands between members or items on one line, e.g. `", "`. */
  readonly itemSeparator: string;
}

/** The layout of a new file: two spaces, `"\n"`, `": "`, `", "`. */
export const DEFAULT_JSON_STYLE: JsonStyle = { indent: "  ", newline: "\n", keySeparator: ": ", itemSeparator: ", " };

const isBlank = (c: number): boolean => c === 0x20 || c === 0x09;

/** The spaces and tabs that start the line `offset` is on, up to `offset`. */
function lineIndent(text: string, offset: number): string {
  let start = offset;
  while (start > 0 && text.charCodeAt(start - 1) !== 0x0a) start--;
  let end = start;
  while (end < offset && isBlank(text.charCodeAt(end))) end++;
  return text.slice(start, end);
}

/** Whether only spaces and tabs stand between the previous line break and `offset`. */
function onOwnLine(text: string, offset: number): boolean {
  let i = offset;
  while (i > 0 && isBlank(text.charCodeAt(i - 1))) i--;
  return i > 0 && text.charCodeAt(i - 1) === 0x0a;
}

/**
 * Reads the layout of a document from its objects' members: the first
 * member on its own line gives the indentation unit, the first top-level
 * member the key separator (a nested one when the top level has none).
 *
 * @param doc a parsed document
 * @returns its style; missing parts fall back to {@link DEFAULT_JSON_STYLE}
 */
export function detectJsonStyle(doc: JsonDocument): JsonStyle {
  const text = doc.text;
  const newline = text.includes("\r\n") ? "\r\n" : "\n";
  let indent: string | undefined;
  let keySeparator: string | undefined;
  let nestedKeySeparator: string | undefined;
  let itemSeparator: string | undefined;
  // Depth first, in file order, with an explicit stack: objects may be nested 10,000 deep.
  // Each object's own indentation is read only when a member on its own line needs it: a line may be megabytes long.
  const stack: { readonly object: JsonObjectNode; readonly top: boolean; base: string | undefined; index: number }[] = [];
  if (doc.root?.type === "object") stack.push({ object: doc.root, top: true, base: undefined, index: 0 });
  while (stack.length > 0 && (indent === undefined || keySeparator === undefined || itemSeparator === undefined)) {
    const frame = stack[stack.length - 1] as (typeof stack)[number];
    const { object, top } = frame;
    const i = frame.index++;
    const m = object.members[i];
    if (m === undefined) {
      stack.pop();
      continue;
    }
    if (indent === undefined && onOwnLine(text, m.keyStart)) {
      const own = lineIndent(text, m.keyStart);
      const base = (frame.base ??= lineIndent(text, object.start));
      if (own.startsWith(base) && own.length > base.length) indent = own.slice(base.length);
    }
    const sep = text.slice(m.keyEnd, m.value.start);
    if (/^[ \t]*:[ \t]*$/.test(sep)) {
      if (top) keySeparator ??= sep;
      else nestedKeySeparator ??= sep;
    }
    const prev = object.members[i - 1];
    if (itemSeparator === undefined && prev !== undefined) {
      const between = text.slice(prev.value.end, m.keyStart);
      if (/^[ \t]*,[ \t]*$/.test(between)) itemSeparator = between;
    }
    if (m.value.type === "object") stack.push({ object: m.value, top: false, base: undefined, index: 0 });
  }
  return {
    indent: indent ?? DEFAULT_JSON_STYLE.indent,
    newline,
    keySeparator: keySeparator ?? nestedKeySeparator ?? DEFAULT_JSON_STYLE.keySeparator,
    itemSeparator: itemSeparator ?? DEFAULT_JSON_STYLE.itemSeparator,
  };
}

/**
 * Serializes a value in a style. Multi-line: objects and arrays with
 * members get one member per line, indented from `baseIndent`; empty ones
 * stay `{}`/`[]`, and arrays of scalars stay on one line as people write
 * them (`["a", "b"]`). Any depth: it does not recurse.
 *
 * @param value the value
 * @param style the layout
 * @param multiline one member per line
 * @param baseIndent the indentation of the line the value starts on
 * @returns the text
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_JSON_STYLE, formatJsonValue } from "./json-edit.ts";
 * assert.equal(formatJsonValue({ a: ["x", "y"], b: {} }, DEFAULT_JSON_STYLE, true), '{\n  "a": ["x", "y"],\n  "b": {}\n}');
 * assert.equal(formatJsonValue({ a: [1, { b: 2 }] }, DEFAULT_JSON_STYLE, false), '{"a": [1, {"b": 2}]}');
 * ```
 */
export function formatJsonValue(value: JsonValue, style: JsonStyle, multiline: boolean, baseIndent = ""): string {
  type Item = { readonly text: string } | { readonly value: JsonValue; readonly multiline: boolean; readonly indent: string };
  const parts: string[] = [];
  const stack: Item[] = [{ value, multiline, indent: baseIndent }];
  const isScalar = (v: JsonValue): boolean => v === null || typeof v !== "object";
  while (stack.length > 0) {
    const item = stack.pop() as Item;
    if ("text" in item) {
      parts.push(item.text);
      continue;
    }
    const v = item.value;
    if (isScalar(v)) {
      parts.push(typeof v === "number" && !Number.isFinite(v) ? "null" : JSON.stringify(v));
      continue;
    }
    const inner = item.indent + style.indent;
    // Children are pushed in reverse, each preceded by its separator.
    const later: Item[] = [];
    if (Array.isArray(v)) {
      const items = v as readonly JsonValue[];
      if (items.length === 0) {
        parts.push("[]");
        continue;
      }
      const ml = item.multiline && !items.every(isScalar);
      items.forEach((child, i) => {
        later.push({ text: ml ? `${i > 0 ? "," : ""}${style.newline}${inner}` : i > 0 ? style.itemSeparator : "" });
        later.push({ value: child, multiline: ml, indent: inner });
      });
      later.push({ text: ml ? `${style.newline}${item.indent}]` : "]" });
      parts.push("[");
    } else {
      const entries = Object.entries(v as { readonly [key: string]: JsonValue });
      if (entries.length === 0) {
        parts.push("{}");
        continue;
      }
      const ml = item.multiline;
      entries.forEach(([k, child], i) => {
        const lead = ml ? `${i > 0 ? "," : ""}${style.newline}${inner}` : i > 0 ? style.itemSeparator : "";
        later.push({ text: `${lead}${JSON.stringify(k)}${style.keySeparator}` });
        later.push({ value: child, multiline: ml, indent: ml ? inner : "" });
      });
      later.push({ text: ml ? `${style.newline}${item.indent}}` : "}" });
      parts.push("{");
    }
    for (let i = later.length - 1; i >= 0; i--) stack.push(later[i] as Item);
  }
  return parts.join("");
}

/**
 * Sets `key` in an object of the document: replaces the value of its last
 * occurrence (the one Go reads), or appends a member after the last one,
 * matching the object's layout (an empty object becomes one member per
 * line). Every other byte stays.
 *
 * @param doc the document
 * @param object an object node of `doc` (e.g. its root)
 * @param key the key
 * @param value the new value
 * @returns the new text
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { setJsonMember } from "./json-edit.ts";
 * import { parseJsonTree } from "./parse-json-tree.ts";
 * const doc = parseJsonTree('{\n    "debug": true\n}\n');
 * assert.ok(doc.isOk() && doc.value.root?.type === "object");
 * assert.equal(setJsonMember(doc.value, doc.value.root, "mtu", 1472), '{\n    "debug": true,\n    "mtu": 1472\n}\n');
 * ```
 */
export function setJsonMember(doc: JsonDocument, object: JsonObjectNode, key: string, value: JsonValue): string {
  const text = doc.text;
  const style = detectJsonStyle(doc);
  const existing = [...object.members].reverse().find((m) => m.key === key);
  if (existing !== undefined) {
    const multiline = existing.value.type === "object" || existing.value.type === "array"
      ? text.slice(existing.value.start, existing.value.end).includes("\n") || onOwnLine(text, existing.keyStart)
      : false;
    const formatted = formatJsonValue(value, style, multiline, lineIndent(text, existing.keyStart));
    return text.slice(0, existing.value.start) + formatted + text.slice(existing.value.end);
  }
  const last = object.members[object.members.length - 1];
  if (last === undefined) {
    const base = lineIndent(text, object.start);
    const inner = base + style.indent;
    const member = `${JSON.stringify(key)}${style.keySeparator}${formatJsonValue(value, style, true, inner)}`;
    return `${text.slice(0, object.start)}{${style.newline}${inner}${member}${style.newline}${base}}${text.slice(object.end)}`;
  }
  const multiline = onOwnLine(text, last.keyStart);
  const indent = multiline ? lineIndent(text, last.keyStart) : "";
  const member = `${JSON.stringify(key)}${style.keySeparator}${formatJsonValue(value, style, multiline, indent)}`;
  const joint = multiline ? `,${style.newline}${indent}` : `,${style.itemSeparator.replace(/^[ \t]*,/, "")}`;
  return text.slice(0, last.value.end) + joint + member + text.slice(last.value.end);
}
