import { err, ok, type Result } from "neverthrow";

/** The longest interface name Linux takes: IFNAMSIZ (16) less the terminating NUL. */
export const MAX_INTERFACE_NAME_BYTES = 15;

/** Why a text is not a usable network interface name. */
export interface InterfaceNameError {
  readonly kind: "invalid-interface-name";
  readonly input: string;
  readonly reason: string;
  readonly message: string;
}

/**
 * Checks a network interface name (a bridge on the host, or the interface
 * inside the container). Linux refuses names longer than 15 bytes, `.` and
 * `..`, and names with `/`, `:` or white space; this takes fewer still:
 * ASCII letters, digits, `_`, `.` and `-`, not starting with `-` (which a
 * command line would read as a flag).
 *
 * @param text e.g. `"eth1"` or `"docker0"`
 * @returns the name unchanged, or an {@link InterfaceNameError} saying what is wrong with it
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ok } from "flannel-ts/core";
 * import { parseInterfaceName } from "./parse-interface-name.ts";
 * assert.deepEqual(parseInterfaceName("br-web"), ok("br-web"));
 * assert.equal(parseInterfaceName("a-very-long-bridge").isErr(), true); // 18 bytes, at most 15
 * ```
 */
export function parseInterfaceName(text: string): Result<string, InterfaceNameError> {
  const fail = (reason: string): Result<string, InterfaceNameError> =>
    err({ kind: "invalid-interface-name", input: text, reason, message: `invalid interface name "${text}": ${reason}` });
  if (text === "") return fail("it is empty");
  const bad = /[^A-Za-z0-9_.-]/.exec(text);
  if (bad !== null) return fail(`character ${JSON.stringify(bad[0])} is not allowed (use letters, digits, "_", "." and "-")`);
  if (text.length > MAX_INTERFACE_NAME_BYTES) return fail(`${text.length} bytes, at most ${MAX_INTERFACE_NAME_BYTES}`);
  if (text.startsWith("-")) return fail('it starts with "-"');
  if (text === "." || text === "..") return fail(`"${text}" is not a name Linux allows`);
  return ok(text);
}
