/**
 * Docker's daemon.json as a {@link JsonDocument}: parsed without losing a
 * byte, read the way dockerd reads it (the last of repeated keys wins; the
 * members of most object values count as top-level keys).
 *
 * @module
 */
import { err, ok, type Result } from "neverthrow";
import { type DockerdVersion, flatDaemonJsonKeys } from "./dockerd-flags.ts";
import { type JsonValue, jsonValue } from "../json/json-value.ts";
import { type JsonDocument, type JsonMember, type JsonNode, type JsonObjectNode, parseJsonTree } from "../json/parse-json-tree.ts";
import { DAEMON_JSON_MAX_BYTES, type JsonReadError } from "../json/scan-json.ts";

/** A parsed daemon.json. `root` is undefined for an empty (or only blank) file, which dockerd 23 and later accept as `{}`. */
export interface DaemonJson {
  readonly document: JsonDocument;
  readonly root: JsonObjectNode | undefined;
}

/**
 * Why a text is not a daemon.json: not JSON (Go's message in `goMessage`,
 * as dockerd prints it), nested or sized past the reader's limits, or not
 * an object.
 */
export type DaemonJsonError = JsonReadError | {
  readonly kind: "not-an-object";
  readonly line: number;
  readonly column: number;
  readonly goMessage: string;
  readonly message: string;
};

/** Options of {@link parseDaemonJson}. */
export interface ParseDaemonJsonOptions {
  /** The most UTF-8 bytes read. Default {@link DAEMON_JSON_MAX_BYTES} (4 MiB). */
  readonly maxBytes?: number;
}

/**
 * Parses daemon.json: JSON (a UTF-8 byte-order mark and Unicode spaces
 * around the value are accepted and kept, as dockerd 23+ accepts them; comments and trailing commas are errors with line
 * and column, as dockerd refuses them) whose top level is an object, nested
 * at most 10,000 levels (dockerd's limit too) and at most 4 MiB by default.
 *
 * @param text the file's text (empty for a missing file)
 * @param options the size limit
 * @returns the document, or a {@link DaemonJsonError}
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDaemonJson } from "flannel-ts/dockerconf";
 * assert.ok(parseDaemonJson('{"bip": "10.5.52.1/24"}').isOk());
 * const notObject = parseDaemonJson("[1]");
 * assert.equal(notObject.isErr() && notObject.error.kind, "not-an-object");
 * const comma = parseDaemonJson('{"mtu": 1450,\n}');
 * assert.equal(
 *   comma.isErr() && comma.error.message,
 *   "line 2, column 1: trailing commas are not allowed in JSON; remove the comma before } (dockerd: invalid character '}' looking for beginning of object key string)",
 * );
 * ```
 */
export function parseDaemonJson(text: string, options: ParseDaemonJsonOptions = {}): Result<DaemonJson, DaemonJsonError> {
  const parsed = parseJsonTree(text, { byteOrderMark: "skip", allowEmpty: true, trimUnicodeSpace: true, maxBytes: options.maxBytes ?? DAEMON_JSON_MAX_BYTES });
  if (parsed.isErr()) {
    const e = parsed.error;
    const where = `line ${e.line}, column ${e.column}: `;
    if (e.kind === "json-syntax") return err({ ...e, message: `${where}${e.hint === undefined ? e.goMessage : `${e.hint} (dockerd: ${e.goMessage})`}` });
    if (e.kind === "json-too-deep") return err({ ...e, message: `${where}objects and arrays are nested more than ${e.limit} levels deep (dockerd: ${e.goMessage})` });
    return err({ ...e, message: `${where}daemon.json is larger than ${e.limit} bytes, the most flannel-ts reads; a real one is a few KiB` });
  }
  const root = parsed.value.root;
  if (root === undefined) return ok({ document: parsed.value, root: undefined });
  if (root.type !== "object") {
    const { line, column } = root;
    const goMessage = `json: cannot unmarshal ${root.type === "boolean" ? "bool" : root.type} into Go value of type map[string]interface {}`;
    return err({
      kind: "not-an-object",
      line,
      column,
      goMessage,
      message: `line ${line}, column ${column}: daemon.json must be a JSON object ({...}), not ${root.type === "array" ? "an" : "a"} ${root.type} (dockerd: ${goMessage})`,
    });
  }
  return ok({ document: parsed.value, root });
}

/**
 * The member dockerd reads for a top-level key: the last one when repeated.
 *
 * @param doc the daemon.json
 * @param key the key
 * @returns the member, or undefined
 */
export function daemonJsonMember(doc: DaemonJson, key: string): JsonMember | undefined {
  const members = doc.root?.members ?? [];
  for (let i = members.length - 1; i >= 0; i--) if (members[i]?.key === key) return members[i];
  return undefined;
}

/** One setting as dockerd sees it, with the top-level member it was read from. */
export interface DaemonJsonSetting {
  readonly key: string;
  readonly value: JsonValue;
  /** The value's node (for the positions of items inside it). */
  readonly node: JsonNode;
  readonly member: JsonMember;
  /** True when it is a member of an object value (such as `"proxies": {"http-proxy": ...}`). */
  readonly nested: boolean;
}

/**
 * The settings dockerd checks against its flags: each top-level key, except
 * that an object value is replaced by its members unless the key is one of
 * dockerd's flat options (`log-opts`, `runtimes`, ...). Later settings
 * replace earlier ones of the same key; order is the file's.
 *
 * @param doc the daemon.json
 * @param version the dockerd release
 * @returns the settings
 */
export function daemonJsonSettings(doc: DaemonJson, version: DockerdVersion): DaemonJsonSetting[] {
  const flat = flatDaemonJsonKeys(version);
  const out = new Map<string, DaemonJsonSetting>();
  const put = (s: DaemonJsonSetting): void => {
    out.delete(s.key);
    out.set(s.key, s);
  };
  for (const member of doc.root?.members ?? []) {
    if (member.value.type === "object" && !flat.has(member.key)) {
      for (const inner of member.value.members) put({ key: inner.key, value: jsonValue(inner.value), node: inner.value, member, nested: true });
    } else {
      put({ key: member.key, value: jsonValue(member.value), node: member.value, member, nested: false });
    }
  }
  return [...out.values()];
}
