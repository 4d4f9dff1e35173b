/**
 * Making any message safe to print as one line: control characters
 * escaped (what a library put into its own message included) and passwords
 * in URLs masked. Values inside messages are quoted with quoteExcerpt
 * (src/text). Pure.
 *
 * @module
 */

// C0 and C1 controls, DEL, the Unicode line and paragraph separators, and
// the marks and overrides that change the direction of the rest of a line.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const SHORT: Readonly<Record<string, string>> = { "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r" };

const escapeChar = (c: string): string => SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;

/** The longest message line the CLI prints; longer ones are cut. */
export const MAX_MESSAGE_CHARS = 2000;

/**
 * Makes a message safe to print as one line: control characters escaped
 * (a quoted value inside was quoted already; this catches what a library
 * put into its own message), cut at {@link MAX_MESSAGE_CHARS}.
 *
 * @param message a message from anywhere
 * @returns one line
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { oneLine } from "./one-line.ts";
 * assert.equal(oneLine("cannot read\n/etc/x"), "cannot read\\n/etc/x");
 * ```
 */
export function oneLine(message: string): string {
  const escaped = message.replace(UNSAFE, escapeChar);
  return escaped.length <= MAX_MESSAGE_CHARS ? escaped : `${escaped.slice(0, MAX_MESSAGE_CHARS)}… (message cut at ${MAX_MESSAGE_CHARS} characters)`;
}

/**
 * Hides the password of a URL's user information (`http://user:pw@host`
 * becomes `http://user:***@host`) wherever one appears in the text.
 *
 * @param text a message or a URL
 * @returns the text without passwords
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { maskUrlPasswords } from "./one-line.ts";
 * assert.equal(maskUrlPasswords("etcd at https://root:s3cret@10.0.0.1:2379 did not answer"), "etcd at https://root:***@10.0.0.1:2379 did not answer");
 * ```
 */
export function maskUrlPasswords(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s/:@"]*):[^\s/@"]*@/gi, "$1:***@");
}
