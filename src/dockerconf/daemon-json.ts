/**
 * Docker's daemon.json as a {@link JsonDocument}: parsed without losing a
 * byte, read the way dockerd reads it (the last of repeated keys wins; the
 * members of most object values count as top-level keys).
 *
 * @module
 */
import { err, ok, type Result } from "neverthrow";
import { flatDaemonJsonKeys, type DockerdVersion } from "./dockerd-flags.ts";
import { jsonNodeValue, parseJsonDocument, positionOf, type JsonDocument, type JsonMember, type JsonObjectNode, type JsonSyntaxError, type PlainJson } from "./json-document.ts";

/** A parsed daemon.json. `root` is undefined for an empty (or only blank) file, which dockerd 23 and later accept as `{}`. */
export interface DaemonJson {
  readonly document: JsonDocument;
  readonly root: JsonObjectNode | undefined;
}

/** Why a text is not a daemon.json. */
export type DaemonJsonError =
  | JsonSyntaxError
  | { readonly kind: "not-an-object"; readonly line: number; readonly column: number; readonly goMessage: string; readonly message: string };

/**
 * Parses daemon.json: JSON (a UTF-8 byte-order mark is accepted and kept;
 * comments and trailing commas are errors with line and column, as dockerd
 * refuses them) whose top level is an object.
 *
 * @param text the file's text (empty for a missing file)
 * @returns the document, or a {@link DaemonJsonError}
 * @example
 * ```ts
 * import { parseDaemonJson } from "./daemon-json.ts";
 * parseDaemonJson('{"bip": "10.5.52.1/24"}').isOk(); // true
 * parseDaemonJson("[1]").isErr(); // true: the top level must be an object
 * ```
 */
export function parseDaemonJson(text: string): Result<DaemonJson, DaemonJsonError> {
  const parsed = parseJsonDocument(text);
  if (parsed.isErr()) return err(parsed.error);
  const root = parsed.value.root;
  if (root === undefined) return ok({ document: parsed.value, root: undefined });
  if (root.type !== "object") {
    const { line, column } = positionOf(text, root.start);
    const goMessage = `json: cannot unmarshal ${root.type === "boolean" ? "bool" : root.type} into Go value of type map[string]interface {}`;
    return err({ kind: "not-an-object", line, column, goMessage, message: `line ${line}, column ${column}: daemon.json must be a JSON object ({...}), not ${root.type === "array" ? "an" : "a"} ${root.type} (dockerd: ${goMessage})` });
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
  readonly value: PlainJson;
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
      for (const inner of member.value.members) put({ key: inner.key, value: jsonNodeValue(inner.value), member, nested: true });
    } else {
      put({ key: member.key, value: jsonNodeValue(member.value), member, nested: false });
    }
  }
  return [...out.values()];
}
