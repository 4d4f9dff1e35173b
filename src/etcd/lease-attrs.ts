import { err, ok, type Result } from "neverthrow";
import { formatIp, type Ip4, ip4, type Ip6, parseIp4, parseIp6 } from "../subnet/ip.ts";
import { foldGoKey } from "../json/go-json-keys.ts";
import { compactGoJson, goJsonString } from "../json/go-json-encode.ts";
import { readRawMembers } from "../json/read-raw-members.ts";
import { ETCD_JSON_MAX_BYTES, type JsonReadError, jsonStringValue } from "../json/scan-json.ts";
import { quoteExcerpt } from "../text/quote-excerpt.ts";

declare const rawJsonBrand: unique symbol;

/**
 * Valid JSON text kept as text (Go's `json.RawMessage`): backend data and
 * unknown fields travel through flannel-ts byte for byte. Make one with
 * {@link parseRawJson} or {@link toRawJson}.
 */
export type RawJson = string & { readonly [rawJsonBrand]: true };

/**
 * What a lease says about its host: the value stored at
 * `<prefix>/subnets/<subnet key>`, flanneld's `LeaseAttrs`.
 */
export interface LeaseAttrs {
  /** `PublicIP`: the host's IPv4 address that peers send encapsulated traffic to. */
  readonly publicIp: Ip4;
  /** `PublicIPv6`: written as `null` when absent. */
  readonly publicIpv6?: Ip6;
  /** `BackendType`, e.g. `"vxlan"`; left out when absent or empty (flanneld's UDP backend writes none). */
  readonly backendType?: string;
  /** `BackendData`, e.g. `{"VNI":1,"VtepMAC":"..."}` from vxlan; left out when absent. */
  readonly backendData?: RawJson;
  /** `BackendV6Data`; left out when absent. */
  readonly backendV6Data?: RawJson;
  /**
   * Fields flanneld does not define, in the order read, kept so that a
   * newer writer's data survives; written after the known fields.
   */
  readonly extraFields?: readonly (readonly [string, RawJson])[];
}

/** Why a stored lease value cannot be read. */
export interface LeaseValueError {
  readonly kind: "invalid-lease-value";
  /** The value as stored. */
  readonly value: string;
  /** The field at fault, when one is. */
  readonly field?: string;
  readonly reason: string;
  /** Names the value by an excerpt (at most 60 characters, control characters escaped). */
  readonly message: string;
}

const invalid = (value: string, reason: string, field?: string): LeaseValueError => ({
  kind: "invalid-lease-value",
  value,
  ...(field === undefined ? {} : { field }),
  reason,
  message: `invalid lease value ${quoteExcerpt(value)}: ${field === undefined ? "" : `${field}: `}${reason}`,
});

/** Why a text is not JSON, in Go's words, with the offset (from 0) where Go's decoder stopped. */
const notJson = (e: JsonReadError): string =>
  e.kind === "json-syntax"
    ? `${e.goMessage} at offset ${e.offset}`
    : e.kind === "json-too-deep"
    ? `nested more than ${e.limit} levels deep at offset ${e.offset}`
    : `larger than ${e.limit} bytes (etcd's request limit)`;

/**
 * Checks that a text is one JSON value and brands it as {@link RawJson}.
 *
 * @param text JSON text
 * @returns the same text, or the reason it is not JSON
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRawJson } from "flannel-ts/etcd";
 * assert.equal(parseRawJson('{"VNI":1}').isOk(), true);
 * assert.equal(parseRawJson("{VNI:1}").isErr(), true); // keys must be quoted
 * ```
 */
export function parseRawJson(text: string): Result<RawJson, { readonly kind: "invalid-json"; readonly offset: number; readonly message: string }> {
  return readRawMembers(text, { maxBytes: ETCD_JSON_MAX_BYTES })
    .map(() => text as RawJson)
    .mapErr((e) => ({ kind: "invalid-json" as const, offset: e.offset, message: `invalid JSON: ${notJson(e)}` }));
}

/**
 * Encodes a JSON-compatible value as {@link RawJson}.
 *
 * @param value anything `JSON.stringify` accepts and turns into text
 * @returns its JSON text
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toRawJson } from "flannel-ts/etcd";
 * assert.equal(toRawJson({ VNI: 1, VtepMAC: "0e:2a:1c:3b:4d:5e" }), '{"VNI":1,"VtepMAC":"0e:2a:1c:3b:4d:5e"}');
 * ```
 */
export function toRawJson(value: unknown): RawJson {
  const text = JSON.stringify(value) as string | undefined;
  if (text === undefined) throw new TypeError("toRawJson: the value has no JSON form");
  return text as RawJson;
}

type Known = "PublicIP" | "PublicIPv6" | "BackendType" | "BackendData" | "BackendV6Data";
const KNOWN: readonly Known[] = ["PublicIP", "PublicIPv6", "BackendType", "BackendData", "BackendV6Data"];
const FOLDED = new Map<string, Known>(KNOWN.map((k) => [foldGoKey(k), k]));

function fieldOf(key: string): Known | undefined {
  return (KNOWN as readonly string[]).includes(key) ? (key as Known) : FOLDED.get(foldGoKey(key));
}

// flanneld's ip.IP4/IP6 UnmarshalJSON strips every leading and trailing quote
// from the raw token and parses what is left, so `null` and numbers fail.
function unquote(raw: string): string {
  let start = 0;
  let end = raw.length;
  while (start < end && raw.charCodeAt(start) === 0x22) start++;
  while (end > start && raw.charCodeAt(end - 1) === 0x22) end--;
  return raw.slice(start, end);
}

// The longest address text worth parsing: an IPv6 address with an embedded IPv4 part.
const MAX_ADDRESS_TEXT = 45;

/**
 * Reads a lease value as flanneld's `json.Unmarshal` into `LeaseAttrs` reads
 * it: field names matched exactly, else without regard to case; the last of
 * duplicate fields wins; `PublicIP` required to be an IPv4 address (a missing
 * one is an error here, where flanneld would read 0.0.0.0); `PublicIPv6` an
 * IPv6 address or `null`. Fields flanneld does not define are kept in
 * {@link LeaseAttrs.extraFields}.
 *
 * @param value the stored value
 * @returns the attributes, or a {@link LeaseValueError} naming the field
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ok } from "flannel-ts/core";
 * import { formatLeaseAttrs, parseLeaseAttrs } from "flannel-ts/etcd";
 * const attrs = parseLeaseAttrs('{"PublicIP":"192.0.2.1","PublicIPv6":null}');
 * assert.deepEqual(attrs.map(formatLeaseAttrs), ok('{"PublicIP":"192.0.2.1","PublicIPv6":null}'));
 * ```
 */
export function parseLeaseAttrs(value: string): Result<LeaseAttrs, LeaseValueError> {
  const top = readRawMembers(value, { maxBytes: ETCD_JSON_MAX_BYTES });
  if (top.isErr()) return err(invalid(value, `not JSON: ${notJson(top.error)}`));
  if (top.value.type !== "object") return err(invalid(value, `expected a JSON object, found ${quoteExcerpt(top.value.raw, { max: 20, quote: false })}`));
  let publicIp: Ip4 | undefined;
  let publicIpv6: Ip6 | undefined;
  let backendType: string | undefined;
  let backendData: RawJson | undefined;
  let backendV6Data: RawJson | undefined;
  const extra: (readonly [string, RawJson])[] = [];
  for (const { key, raw } of top.value.members) {
    const field = fieldOf(key);
    switch (field) {
      case "PublicIP": {
        const text = unquote(raw);
        const parsed = text.length <= MAX_ADDRESS_TEXT ? parseIp4(text) : undefined;
        if (parsed === undefined || parsed.isErr()) {
          return err(invalid(value, `${quoteExcerpt(raw, { max: 50, quote: false })} is not an IPv4 address (${parsed?.error.reason ?? "too long"})`, field));
        }
        publicIp = parsed.value;
        break;
      }
      case "PublicIPv6": {
        if (raw === "null") {
          publicIpv6 = undefined;
          break;
        }
        const text = unquote(raw);
        const parsed = text.length <= MAX_ADDRESS_TEXT ? parseIp6(text) : undefined;
        if (parsed === undefined || parsed.isErr()) {
          return err(invalid(value, `${quoteExcerpt(raw, { max: 50, quote: false })} is not an IPv6 address or null (${parsed?.error.reason ?? "too long"})`, field));
        }
        publicIpv6 = parsed.value;
        break;
      }
      case "BackendType": {
        if (raw === "null") break;
        if (!raw.startsWith('"')) return err(invalid(value, `${quoteExcerpt(raw, { max: 50, quote: false })} is not a string`, field));
        backendType = jsonStringValue(raw, 0, raw.length, false);
        break;
      }
      case "BackendData":
        backendData = raw as RawJson;
        break;
      case "BackendV6Data":
        backendV6Data = raw as RawJson;
        break;
      case undefined:
        extra.push([key, raw as RawJson]);
        break;
    }
  }
  if (publicIp === undefined) return err(invalid(value, "missing: every lease names its host's IPv4 address", "PublicIP"));
  return ok({
    publicIp,
    ...(publicIpv6 === undefined ? {} : { publicIpv6 }),
    ...(backendType === undefined || backendType === "" ? {} : { backendType }),
    ...(backendData === undefined ? {} : { backendData }),
    ...(backendV6Data === undefined ? {} : { backendV6Data }),
    ...(extra.length === 0 ? {} : { extraFields: extra }),
  });
}

// Go's net.IP.String writes IPv4-mapped IPv6 addresses in dotted form.
function formatIpv6AsGo(ip: Ip6): string {
  if (ip.value >> 32n === 0xffffn) return formatIp(ip4(Number(ip.value & 0xffffffffn)));
  return formatIp(ip);
}

/**
 * Writes a lease value byte for byte as flanneld's `json.Marshal` of
 * `LeaseAttrs` does: `PublicIP`, `PublicIPv6` (`null` when absent), then
 * `BackendType`, `BackendData`, `BackendV6Data` when present (raw JSON
 * compacted), then any {@link LeaseAttrs.extraFields}.
 *
 * @param attrs the lease's attributes
 * @returns the JSON text to store
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatLeaseAttrs, toRawJson } from "flannel-ts/etcd";
 * import { parseIp4 } from "flannel-ts/subnet";
 * const publicIp = parseIp4("192.0.2.1")._unsafeUnwrap();
 * assert.equal(formatLeaseAttrs({ publicIp }), '{"PublicIP":"192.0.2.1","PublicIPv6":null}');
 * assert.equal(
 *   formatLeaseAttrs({ publicIp, backendType: "vxlan", backendData: toRawJson({ VNI: 1 }) }),
 *   '{"PublicIP":"192.0.2.1","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1}}',
 * );
 * ```
 */
export function formatLeaseAttrs(attrs: LeaseAttrs): string {
  let out = `{"PublicIP":"${formatIp(attrs.publicIp)}","PublicIPv6":`;
  out += attrs.publicIpv6 === undefined ? "null" : `"${formatIpv6AsGo(attrs.publicIpv6)}"`;
  if (attrs.backendType !== undefined && attrs.backendType !== "") out += `,"BackendType":${goJsonString(attrs.backendType)}`;
  if (attrs.backendData !== undefined && attrs.backendData !== "") out += `,"BackendData":${compactGoJson(attrs.backendData)}`;
  if (attrs.backendV6Data !== undefined && attrs.backendV6Data !== "") out += `,"BackendV6Data":${compactGoJson(attrs.backendV6Data)}`;
  for (const [key, raw] of attrs.extraFields ?? []) out += `,${goJsonString(key)}:${compactGoJson(raw)}`;
  return `${out}}`;
}
