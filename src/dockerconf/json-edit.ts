/**
 * Editing a {@link JsonDocument} in place: replace one member's value or add
 * a member at the end of an object, in the file's own style (indentation
 * unit, `": "` or `":"`, one member per line or all on one line, line ends),
 * leaving every other byte as it was.
 *
 * @module
 */
import type { JsonDocument, JsonObjectNode, PlainJson } from "./json-document.ts";

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

const lineIndent = (text: string, offset: number): string => {
  const start = text.lastIndexOf("\n", offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(start, offset))?.[0] ?? "";
};
const onOwnLine = (text: string, offset: number): boolean => /^[ \t]*$/.test(text.slice(text.lastIndexOf("\n", offset - 1) + 1, offset)) && text.lastIndexOf("\n", offset - 1) >= 0;

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
  const visit = (object: JsonObjectNode, top: boolean): void => {
    const base = lineIndent(text, object.start);
    object.members.forEach((m, i) => {
      if (indent === undefined && onOwnLine(text, m.keyStart)) {
        const own = lineIndent(text, m.keyStart);
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
      if (m.value.type === "object") visit(m.value, false);
    });
  };
  if (doc.root?.type === "object") visit(doc.root, true);
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
 * them (`["a", "b"]`).
 *
 * @param value the value
 * @param style the layout
 * @param multiline one member per line
 * @param baseIndent the indentation of the line the value starts on
 * @returns the text
 */
export function formatJsonValue(value: PlainJson, style: JsonStyle, multiline: boolean, baseIndent = ""): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  const inner = baseIndent + style.indent;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const scalars = value.every((v) => v === null || typeof v !== "object");
    if (!multiline || scalars) return `[${value.map((v) => formatJsonValue(v, style, false)).join(style.itemSeparator)}]`;
    return `[${style.newline}${value.map((v) => inner + formatJsonValue(v, style, true, inner)).join(`,${style.newline}`)}${style.newline}${baseIndent}]`;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return "{}";
  const member = ([k, v]: [string, PlainJson], indent: string, ml: boolean): string => `${JSON.stringify(k)}${style.keySeparator}${formatJsonValue(v, style, ml, indent)}`;
  if (!multiline) return `{${entries.map((e) => member(e, "", false)).join(style.itemSeparator)}}`;
  return `{${style.newline}${entries.map((e) => inner + member(e, inner, true)).join(`,${style.newline}`)}${style.newline}${baseIndent}}`;
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
 * import { parseJsonDocument } from "./json-document.ts";
 * import { setJsonMember } from "./json-edit.ts";
 * const doc = parseJsonDocument('{\n    "debug": true\n}\n')._unsafeUnwrap();
 * if (doc.root?.type === "object") setJsonMember(doc, doc.root, "mtu", 1472);
 * // '{\n    "debug": true,\n    "mtu": 1472\n}\n'
 * ```
 */
export function setJsonMember(doc: JsonDocument, object: JsonObjectNode, key: string, value: PlainJson): string {
  const text = doc.text;
  const style = detectJsonStyle(doc);
  const existing = [...object.members].reverse().find((m) => m.key === key);
  if (existing !== undefined) {
    const multiline = existing.value.type === "object" || existing.value.type === "array" ? text.slice(existing.value.start, existing.value.end).includes("\n") || onOwnLine(text, existing.keyStart) : false;
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
