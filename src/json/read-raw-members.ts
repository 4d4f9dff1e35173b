/**
 * The json.RawMessage view of {@link scanJson}: the top-level members of an
 * object with the raw text of each value, the whole text checked but no
 * tree built (a lease value keeps its backend data as bytes, as flanneld's
 * `LeaseAttrs` does).
 *
 * @module
 */
import { err, ok, type Result } from "neverthrow";
import { type JsonReadError, type JsonScalarType, type JsonScanOptions, type JsonSink, jsonStringValue, scanJson } from "./scan-json.ts";

/** One member of a JSON object: its decoded key and the raw text of its value. */
export interface RawMember {
  readonly key: string;
  readonly raw: string;
  /** Offset of the value in the text. */
  readonly offset: number;
}

/** The top level of a JSON text: the members of an object, or the raw text of any other value. */
export type RawTopLevel = { readonly type: "object"; readonly members: readonly RawMember[] } | { readonly type: "other"; readonly raw: string };

class RawMembers implements JsonSink {
  depth = 0;
  object = false;
  rootStart = -1;
  rootEnd = -1;
  pendingKey = "";
  valueStart = -1;
  readonly members: RawMember[] = [];

  constructor(readonly text: string) {}

  private begin(start: number): void {
    if (this.depth === 0) this.rootStart = start;
    else if (this.depth === 1 && this.object) this.valueStart = start;
  }

  private finish(end: number): void {
    if (this.depth === 0) this.rootEnd = end;
    else if (this.depth === 1 && this.object) this.members.push({ key: this.pendingKey, raw: this.text.slice(this.valueStart, end), offset: this.valueStart });
  }

  open(type: "object" | "array", start: number): void {
    this.begin(start);
    if (this.depth === 0) this.object = type === "object";
    this.depth++;
  }

  close(_type: "object" | "array", end: number): void {
    this.depth--;
    this.finish(end);
  }

  key(start: number, end: number, plain: boolean): void {
    if (this.depth === 1) this.pendingKey = jsonStringValue(this.text, start, end, plain);
  }

  scalar(_type: JsonScalarType, start: number, end: number): void {
    this.begin(start);
    this.finish(end);
  }
}

/**
 * Reads the top level of a JSON text: an object's members with their raw
 * value text (repeated keys kept, in order), or the raw text of another
 * value. The whole text is checked, within the scan's limits.
 *
 * @param text the text
 * @param options limits (default: 1.5 MiB, 10,000 levels)
 * @returns the top level, or where and why the text was not read
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readRawMembers } from "./read-raw-members.ts";
 * const top = readRawMembers('{"PublicIP": "192.0.2.1", "BackendData": {"VNI": 1}}');
 * assert.deepEqual(top.isOk() && top.value, {
 *   type: "object",
 *   members: [
 *     { key: "PublicIP", raw: '"192.0.2.1"', offset: 13 },
 *     { key: "BackendData", raw: '{"VNI": 1}', offset: 41 },
 *   ],
 * });
 * ```
 */
export function readRawMembers(text: string, options: JsonScanOptions = {}): Result<RawTopLevel, JsonReadError> {
  const sink = new RawMembers(text);
  const scanned = scanJson(text, sink, options);
  if (scanned.isErr()) return err(scanned.error);
  return ok(sink.object ? { type: "object", members: sink.members } : { type: "other", raw: text.slice(sink.rootStart, sink.rootEnd) });
}
