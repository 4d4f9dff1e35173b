// JSON text as Go's encoding/json reads and writes it, for lease values that
// must match flanneld byte for byte: a strict scanner that keeps the raw text
// of every top-level member (json.RawMessage keeps bytes, not values), Go's
// compaction of embedded raw JSON and Go's string quoting (HTML-safe).
import { err, ok, type Result } from "neverthrow";

/** One member of a JSON object: its decoded key and the raw text of its value. */
export interface RawMember {
  readonly key: string;
  readonly raw: string;
}

/** The top level of a JSON text: the members of an object, or the raw text of any other value. */
export type TopLevel =
  | { readonly type: "object"; readonly members: readonly RawMember[] }
  | { readonly type: "other"; readonly raw: string };

/** Where and why a text is not JSON. `offset` counts UTF-16 units from 0. */
export interface GoJsonSyntaxError {
  readonly offset: number;
  readonly reason: string;
}

class Fail extends Error {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

const MAX_DEPTH = 10_000;
const isWs = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

/**
 * Scans a JSON text with Go's strictness (RFC 8259; only space, tab, CR and
 * LF as whitespace) and returns its top-level members with their raw text.
 */
export function scanTopLevel(text: string): Result<TopLevel, GoJsonSyntaxError> {
  let i = 0;
  const describe = (at: number): string => (at >= text.length ? "end of input" : `character ${JSON.stringify(text[at])}`);
  const skipWs = (): void => {
    while (i < text.length && isWs(text.charCodeAt(i))) i++;
  };
  const expectChar = (ch: string): void => {
    if (text[i] !== ch) throw new Fail(i, `expected "${ch}", found ${describe(i)}`);
    i++;
  };
  const scanString = (): string => {
    const start = i;
    expectChar('"');
    for (;;) {
      if (i >= text.length) throw new Fail(start, "unterminated string");
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return text.slice(start, i);
      }
      if (c < 0x20) throw new Fail(i, `control character U+${c.toString(16).padStart(4, "0")} inside a string`);
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) throw new Fail(i, "\\u must be followed by four hex digits");
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
          i += 2;
        } else {
          throw new Fail(i, `invalid escape "\\${e ?? ""}"`);
        }
        continue;
      }
      i++;
    }
  };
  const scanNumber = (): void => {
    const m = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(text.slice(i));
    if (m === null || m[0] === "" || m[0] === "-") throw new Fail(i, `invalid number starting with ${describe(i)}`);
    i += m[0].length;
  };
  const scanValue = (depth: number): void => {
    if (depth > MAX_DEPTH) throw new Fail(i, "nested too deeply");
    skipWs();
    const c = text[i];
    if (c === "{") {
      i++;
      skipWs();
      if (text[i] === "}") {
        i++;
        return;
      }
      for (;;) {
        skipWs();
        scanString();
        skipWs();
        expectChar(":");
        scanValue(depth + 1);
        skipWs();
        if (text[i] === ",") {
          i++;
          continue;
        }
        expectChar("}");
        return;
      }
    }
    if (c === "[") {
      i++;
      skipWs();
      if (text[i] === "]") {
        i++;
        return;
      }
      for (;;) {
        scanValue(depth + 1);
        skipWs();
        if (text[i] === ",") {
          i++;
          continue;
        }
        expectChar("]");
        return;
      }
    }
    if (c === '"') {
      scanString();
      return;
    }
    for (const word of ["true", "false", "null"]) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) {
      scanNumber();
      return;
    }
    throw new Fail(i, `unexpected ${describe(i)}`);
  };
  const finish = (): void => {
    skipWs();
    if (i < text.length) throw new Fail(i, `unexpected ${describe(i)} after the top-level value`);
  };

  try {
    skipWs();
    if (text[i] !== "{") {
      const start = i;
      scanValue(0);
      const raw = text.slice(start, i);
      finish();
      return ok({ type: "other", raw });
    }
    i++;
    const members: RawMember[] = [];
    skipWs();
    if (text[i] === "}") {
      i++;
    } else {
      for (;;) {
        skipWs();
        const key = JSON.parse(scanString()) as string;
        skipWs();
        expectChar(":");
        skipWs();
        const start = i;
        scanValue(1);
        members.push({ key, raw: text.slice(start, i) });
        skipWs();
        if (text[i] === ",") {
          i++;
          continue;
        }
        expectChar("}");
        break;
      }
    }
    finish();
    return ok({ type: "object", members });
  } catch (e) {
    if (e instanceof Fail) return err({ offset: e.offset, reason: e.reason });
    throw e;
  }
}

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

/**
 * Go's case folding for matching JSON keys to struct fields, enough for
 * ASCII field names: Go tries the exact name first, then a case-insensitive
 * match (the Kelvin sign and the long s fold to k and s).
 */
export function foldGoKey(key: string): string {
  return key.replace(/\u212a/g, "k").replace(/\u017f/g, "s").toLowerCase();
}
