/**
 * Quoting what a user gave (a flag's value, a file's line, an etcd key) for
 * a one-line message: control characters escaped, long values cut to a
 * short excerpt, so that a hostile or binary value can neither break the
 * line nor flood the terminal. Pure.
 *
 * @module
 */

/** How many characters of a value a message quotes before it cuts. */
export const EXCERPT_CHARS = 60;

// C0 and C1 controls, DEL, the Unicode line and paragraph separators, and
// the marks and overrides that change the direction of the rest of a line.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const SHORT: Readonly<Record<string, string>> = { "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r" };

const escapeChar = (c: string): string => SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;

/**
 * Escapes control characters, direction marks and lone surrogates as JSON
 * does (and `"` and `\`), so that the text stays on one line and reads back
 * unambiguously.
 *
 * @param text any text
 * @returns the text with `\n`, `\t`, `\u0000` ... in place of the characters
 * @example
 * ```ts
 * import { escapeControl } from "./quote-value.ts";
 * const line: string = escapeControl("a\nb"); // "a\\nb"
 * ```
 */
export function escapeControl(text: string): string {
  return text.replace(/["\\]/g, (c) => `\\${c}`).replace(UNSAFE, escapeChar);
}

/**
 * Quotes a value for a message: in double quotes, control characters
 * escaped, at most {@link EXCERPT_CHARS} characters (code points) of it,
 * then `…` and the total length when it was cut. (The same text as
 * src/text/quote-excerpt.ts of branch json, which can replace it.)
 *
 * @param text the value as given
 * @param max how many characters to keep (default {@link EXCERPT_CHARS})
 * @returns e.g. `"10.5.0.0/33"`, or `"{{{{{{{{…" (14000 characters)`
 * @example
 * ```ts
 * import { quoteValue } from "./quote-value.ts";
 * const short: string = quoteValue("x\u0000y"); // "\"x\\u0000y\""
 * const long: string = quoteValue("a".repeat(100), 5); // "\"aaaaa…\" (100 characters)"
 * ```
 */
export function quoteValue(text: string, max: number = EXCERPT_CHARS): string {
  const chars = [...text];
  if (chars.length <= max) return `"${escapeControl(text)}"`;
  return `"${escapeControl(chars.slice(0, max).join(""))}…" (${chars.length} characters)`;
}

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
 * import { oneLine } from "./quote-value.ts";
 * const line: string = oneLine("cannot read\n/etc/x"); // "cannot read\\n/etc/x"
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
 * import { maskUrlPasswords } from "./quote-value.ts";
 * const safe: string = maskUrlPasswords("etcd at https://root:s3cret@10.0.0.1:2379 did not answer"); // "... https://root:***@10.0.0.1:2379 ..."
 * ```
 */
export function maskUrlPasswords(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s/:@"]*):[^\s/@"]*@/gi, "$1:***@");
}
