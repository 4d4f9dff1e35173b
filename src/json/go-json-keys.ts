/**
 * Go's key folding: how encoding/json matches an object's keys to a
 * struct's fields (flanneld's config and lease values). A key matches a
 * field exactly or without regard to case, with the two non-ASCII letters
 * that fold onto ASCII ones (the Kelvin sign onto k, the long s onto s);
 * every matching key is decoded in turn, so the last one wins.
 *
 * @module
 */
import type { JsonMember, JsonObjectNode } from "./parse-json-tree.ts";

/**
 * Folds a key as Go compares it with an ASCII field name.
 *
 * @param key the key as written
 * @returns its folded form; two keys match the same field when their folded forms are equal
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { foldGoKey } from "./go-json-keys.ts";
 * assert.deepEqual(["SubnetLen", "SUBNETLEN", "ſubnetLen", "\u212Aey"].map(foldGoKey), ["subnetlen", "subnetlen", "subnetlen", "key"]);
 * ```
 */
export function foldGoKey(key: string): string {
  return key.replace(/\u212a/g, "k").replace(/\u017f/g, "s").toLowerCase();
}

/**
 * The members of an object that Go decodes into the field `name`, in file order.
 *
 * @param object an object node
 * @param name the field's name (ASCII)
 * @returns the matching members; the last is the one whose value stays
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { goFieldMembers } from "./go-json-keys.ts";
 * import { parseJsonTree } from "./parse-json-tree.ts";
 * const doc = parseJsonTree('{"port": 1, "Other": 2, "PORT": 3}');
 * assert.ok(doc.isOk() && doc.value.root?.type === "object");
 * assert.deepEqual(goFieldMembers(doc.value.root, "Port").map((m) => m.key), ["port", "PORT"]);
 * ```
 */
export function goFieldMembers(object: JsonObjectNode, name: string): JsonMember[] {
  const folded = foldGoKey(name);
  return object.members.filter((m) => m.key === name || foldGoKey(m.key) === folded);
}
