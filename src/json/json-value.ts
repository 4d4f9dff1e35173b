/**
 * JSON values as plain data, converted from a tree and written back as
 * text without recursion: `JSON.stringify` overflows the call stack on
 * values nested a few thousand levels deep, which Go (and so flanneld and
 * dockerd) accepts up to 10,000.
 *
 * @module
 */
import type { JsonNode } from "./parse-json-tree.ts";

/** A JSON value as plain data. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** A JSON object as plain data. */
export type JsonObject = { readonly [key: string]: JsonValue };

/** A container being filled while a tree is converted. */
interface ValueFrame {
  readonly node: JsonNode & { type: "object" | "array" };
  readonly out: JsonValue[] | Record<string, JsonValue>;
  index: number;
}

function setOwn(out: Record<string, JsonValue>, key: string, value: JsonValue): void {
  // A key such as "__proto__" must become an own property, not the prototype.
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * The plain value of a node (of repeated keys the last wins, as in Go),
 * frozen, at any depth.
 *
 * @param node a parsed node
 * @returns its value
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jsonValue } from "./json-value.ts";
 * import { parseJsonTree } from "./parse-json-tree.ts";
 * const doc = parseJsonTree('{"a": [1, {"b": null}], "a": true}');
 * assert.ok(doc.isOk() && doc.value.root !== undefined);
 * assert.deepEqual(jsonValue(doc.value.root), { a: true });
 * ```
 */
export function jsonValue(node: JsonNode): JsonValue {
  const scalar = (n: JsonNode): JsonValue | undefined => (n.type === "null" ? null : n.type === "object" || n.type === "array" ? undefined : n.value);
  const start = scalar(node);
  if (start !== undefined) return start;
  const frame = (n: JsonNode & { type: "object" | "array" }): ValueFrame => ({ node: n, out: n.type === "object" ? {} : [], index: 0 });
  const stack: ValueFrame[] = [frame(node as JsonNode & { type: "object" | "array" })];
  let done: JsonValue = null;
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as ValueFrame;
    const children = top.node.type === "object" ? top.node.members : top.node.items;
    if (top.index >= children.length) {
      stack.pop();
      done = Object.freeze(top.out);
      const parent = stack[stack.length - 1];
      if (parent !== undefined) put(parent, done);
      continue;
    }
    const child = top.node.type === "object" ? top.node.members[top.index]?.value : top.node.items[top.index];
    if (child === undefined) throw new Error("bug: child out of range");
    const value = scalar(child);
    if (value === undefined) stack.push(frame(child as JsonNode & { type: "object" | "array" }));
    else put(top, value);
  }
  return done;

  function put(f: ValueFrame, value: JsonValue): void {
    if (Array.isArray(f.out)) f.out.push(value);
    else if (f.node.type === "object") setOwn(f.out, f.node.members[f.index]?.key ?? "", value);
    f.index++;
  }
}

/**
 * JSON text of a value, as `JSON.stringify(value, null, indent)` writes it,
 * at any depth.
 *
 * @param value a plain JSON value
 * @param indent spaces per level (at most 10, as JSON.stringify); 0, the default, writes one line
 * @returns its text
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeJson, type JsonValue } from "./json-value.ts";
 * let deep: JsonValue = [];
 * for (let i = 0; i < 10_000; i++) deep = [deep];
 * assert.equal(writeJson(deep).length, 20_002);
 * assert.equal(writeJson({ a: [1, "x", null] }), '{"a":[1,"x",null]}');
 * assert.equal(writeJson({ a: [1], b: {} }, 2), '{\n  "a": [\n    1\n  ],\n  "b": {}\n}');
 * ```
 */
export function writeJson(value: JsonValue, indent = 0): string {
  const gap = " ".repeat(Math.max(0, Math.min(10, Math.floor(indent))));
  const parts: string[] = [];
  // Each entry is a value to write at a depth, or a piece of text to emit as it is.
  type Item = { readonly text: string } | { readonly value: JsonValue; readonly depth: number };
  const stack: Item[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop() as Item;
    if ("text" in item) {
      parts.push(item.text);
      continue;
    }
    const v = item.value;
    if (v === null || typeof v !== "object") {
      parts.push(typeof v === "number" && !Number.isFinite(v) ? "null" : JSON.stringify(v));
      continue;
    }
    const array = Array.isArray(v);
    const entries: [string | undefined, JsonValue][] = array ? (v as readonly JsonValue[]).map((x) => [undefined, x]) : Object.entries(v as { readonly [key: string]: JsonValue });
    if (entries.length === 0) {
      parts.push(array ? "[]" : "{}");
      continue;
    }
    const lead = gap === "" ? "" : `\n${gap.repeat(item.depth + 1)}`;
    stack.push({ text: `${gap === "" ? "" : `\n${gap.repeat(item.depth)}`}${array ? "]" : "}"}` });
    for (let i = entries.length - 1; i >= 0; i--) {
      const [k, child] = entries[i] as [string | undefined, JsonValue];
      stack.push({ value: child, depth: item.depth + 1 });
      stack.push({ text: `${i > 0 ? "," : ""}${lead}${k === undefined ? "" : `${JSON.stringify(k)}:${gap === "" ? "" : " "}`}` });
    }
    parts.push(array ? "[" : "{");
  }
  return parts.join("");
}

/**
 * Whether two values are equal as JSON data: the same scalars, arrays item
 * by item, objects key by key in any order. Any depth: it does not recurse.
 *
 * @param a a value
 * @param b another value
 * @returns true when they are equal
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jsonEquals } from "./json-value.ts";
 * assert.equal(jsonEquals({ a: [1, { b: 2 }], c: null }, { c: null, a: [1, { b: 2 }] }), true);
 * assert.equal(jsonEquals({ a: 1 }, { a: 1, b: 2 }), false);
 * ```
 */
export function jsonEquals(a: JsonValue, b: JsonValue): boolean {
  const pairs: [JsonValue, JsonValue][] = [[a, b]];
  while (pairs.length > 0) {
    const [x, y] = pairs.pop() as [JsonValue, JsonValue];
    if (x === null || y === null || typeof x !== "object" || typeof y !== "object") {
      if (x !== y) return false;
      continue;
    }
    if (Array.isArray(x) !== Array.isArray(y)) return false;
    if (Array.isArray(x)) {
      const xs = x as readonly JsonValue[];
      const ys = y as readonly JsonValue[];
      if (xs.length !== ys.length) return false;
      xs.forEach((v, i) => pairs.push([v, ys[i] ?? null]));
      continue;
    }
    const xo = x as { readonly [key: string]: JsonValue };
    const yo = y as { readonly [key: string]: JsonValue };
    const keys = Object.keys(xo);
    if (keys.length !== Object.keys(yo).length) return false;
    for (const k of keys) {
      if (!Object.prototype.hasOwnProperty.call(yo, k)) return false;
      pairs.push([xo[k] ?? null, yo[k] ?? null]);
    }
  }
  return true;
}

/**
 * Whether a value is a JSON object (not null, not an array).
 *
 * @param value a value
 * @returns true for an object
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isJsonObject } from "./json-value.ts";
 * assert.deepEqual([isJsonObject({}), isJsonObject([]), isJsonObject(null)], [true, false, false]);
 * ```
 */
export function isJsonObject(value: JsonValue): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Whether a value is a JSON array.
 *
 * @param value a value
 * @returns true for an array
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isJsonArray } from "./json-value.ts";
 * assert.deepEqual([isJsonArray([]), isJsonArray({})], [true, false]);
 * ```
 */
export function isJsonArray(value: JsonValue): value is readonly JsonValue[] {
  return Array.isArray(value);
}
