/**
 * JSON as Go's encoding/json writes it, for lease values that must match
 * flanneld byte for byte: Go's compaction of embedded raw JSON and Go's
 * string quoting (HTML-safe). Neither recurses.
 *
 * @module
 */
const isWs = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  "<": "\\u003c",
  ">": "\\u003e",
  "&": "\\u0026",
  "\u2028": "\\u2028",
  "\u2029": "\\u2029",
};

/**
 * Compacts valid JSON text as Go's `json.Marshal` does with a
 * `json.RawMessage`: whitespace outside strings goes, `<`, `>`, `&`, U+2028
 * and U+2029 inside strings become `\u003c` and so on. Everything else stays.
 *
 * @param raw valid JSON text
 * @returns the compact text
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compactGoJson } from "./go-json-encode.ts";
 * assert.equal(compactGoJson('{ "a" : "<b>" ,\n "c": [1, 2] }'), '{"a":"\\u003cb\\u003e","c":[1,2]}');
 * ```
 */
export function compactGoJson(raw: string): string {
  let out = "";
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i] as string;
    if (inString) {
      if (ch === "\\") {
        out += ch + (raw[i + 1] ?? "");
        i++;
        continue;
      }
      if (ch === '"') inString = false;
      out += HTML_ESCAPES[ch] ?? ch;
      continue;
    }
    if (isWs(ch.charCodeAt(0))) continue;
    if (ch === '"') inString = true;
    out += ch;
  }
  return out;
}

const SHORT_ESCAPES: Readonly<Record<number, string>> = { 0x08: "\\b", 0x09: "\\t", 0x0a: "\\n", 0x0c: "\\f", 0x0d: "\\r" };

/**
 * Quotes a string as Go's `json.Marshal` does (Go 1.22 and later): `"` and
 * `\` escaped, control characters as `\n`-style or `\u00XX` escapes, `<`, `>`,
 * `&`, U+2028 and U+2029 as `\u` escapes, lone surrogates as U+FFFD.
 *
 * @param s the string
 * @returns its JSON text, quotes included
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { goJsonString } from "./go-json-encode.ts";
 * assert.equal(goJsonString('a<"b">'), '"a\\u003c\\"b\\"\\u003e"');
 * ```
 */
export function goJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i] as string;
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += "\\\\";
    else if (c < 0x20) out += SHORT_ESCAPES[c] ?? `\\u00${c.toString(16).padStart(2, "0")}`;
    else if (HTML_ESCAPES[ch] !== undefined) out += HTML_ESCAPES[ch];
    else if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += ch + (s[i + 1] as string);
        i++;
      } else {
        out += "\ufffd";
      }
    } else if (c >= 0xdc00 && c <= 0xdfff) out += "\ufffd";
    else out += ch;
  }
  return `${out}"`;
}
