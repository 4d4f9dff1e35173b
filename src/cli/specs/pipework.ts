/**
 * `flannel-ts pipework`, declared: pipework's positional grammar
 * (`<host-bridge> <container> <address>/<prefix>[@<gateway>] [<mac>]`) on
 * the one flag layer, with `-i`, `--mtu`, `--remove` and `--json` as flags.
 * The positionals are read by pipework's own parser (`src/pipework`), so
 * that the request the command runs and the checks the flag layer makes
 * are one reading. Light: no Engine API, no `ip`.
 *
 * @module
 */
import { ok, type Result } from "neverthrow";
import { MAX_MTU, MIN_MTU_IPV4, parsePipeworkArgs, type PipeworkArgError } from "../../pipework/parse-pipework-args.ts";
import { parseInterfaceName } from "../../pipework/parse-interface-name.ts";
import { DEFAULT_CONTAINER_INTERFACE, type PipeworkRequest } from "../../pipework/pipework-request.ts";
import { quoteExcerpt } from "../../text/quote-excerpt.ts";
import { defineSpec } from "../command-spec.ts";
import { boolFlag, type FlagError, type FlagType, type FlagValues, optionalFlag, valueFlag, withFlag } from "../flag-spec.ts";
import { flagTypes } from "../flag-types.ts";
import { jsonFlag } from "../shared-flags.ts";

// A veth takes up to 65535, more than the UDP data path's 65507 (flagTypes.mtu); IPv6's 1280 is checked with the address.
const vethMtu: FlagType<number> = {
  placeholder: "N",
  parse: (text) =>
    flagTypes
      .integer(MIN_MTU_IPV4, MAX_MTU)
      .parse(text)
      .mapErr((reason) => (reason === "is not an integer" ? reason : `is out of range: give an MTU from ${MIN_MTU_IPV4} (IPv4's minimum) to ${MAX_MTU} (a veth's maximum)`)),
};

const interfaceName: FlagType<string> = {
  placeholder: "NAME",
  parse: (text) => parseInterfaceName(text).mapErr((e) => `is not an interface name: ${e.reason}`),
};

/** The flags of `flannel-ts pipework`. */
export const pipeworkFlags = {
  interface: valueFlag("interface", { short: "i", type: interfaceName, default: DEFAULT_CONTAINER_INTERFACE, help: "the interface's name in the container" }),
  mtu: optionalFlag("mtu", { type: vethMtu, help: "the interface's MTU (both veth ends); at least 1280 for an IPv6 address", defaultText: "the bridge's; 1500 for a new bridge" }),
  remove: boolFlag("remove", { help: "take the interface out again; the address and MAC, when given, must match what is there" }),
  json: withFlag(jsonFlag, { help: "print the report as JSON on stdout; errors as JSON objects on stderr (a failed step with the commands done and undone)" }),
};

const flagOf: Readonly<Record<string, string>> = { "-i": "--interface", "--mtu": "--mtu" };

/**
 * A complaint of pipework's parser as the flag layer reports it: a flag's
 * value names the flag, a positional names the argument (`<address>`).
 *
 * @param error what pipework's parser said
 * @returns the flag layer's error
 */
function toFlagError(error: PipeworkArgError): FlagError {
  switch (error.kind) {
    case "invalid-argument": {
      const flag = flagOf[error.argument];
      // A flag as the flag layer names it ("--mtu: ..."), a positional as pipework does ("<address> ...").
      const message = `${flag === undefined ? error.argument : `${flag}:`} ${quoteExcerpt(error.value)}: ${error.reason}`;
      return flag === undefined ? { kind: "bad-value", argument: error.argument, message } : { kind: "bad-value", flag, message };
    }
    case "missing-argument":
      return { kind: "missing-argument", argument: error.argument, message: `${error.message}; run flannel-ts pipework --help for usage` };
    case "unexpected-argument":
      return { kind: "unexpected-argument", message: `unexpected argument ${quoteExcerpt(error.argument)}: pipework takes <host-bridge> <container> <address> [<mac>]` };
    case "unknown-flag":
    case "missing-flag-value":
    case "repeated-flag":
      // The words handed to the parser are built from parsed flags, then "--": none of these can come back.
      throw new Error(`pipework's parser refused the flags the flag layer built: ${error.message}`);
  }
}

/**
 * The request that checked flags and positionals describe, read by
 * pipework's own parser.
 *
 * @param values the parsed flags
 * @param positionals `<host-bridge> <container> [<address>] [<mac>]`
 * @returns the request, or the flag layer's error naming the flag or argument at fault
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ok } from "neverthrow";
 * import { pipeworkRequestOf } from "./pipework.ts";
 * const request = pipeworkRequestOf({ interface: "eth1", mtu: undefined, remove: false, json: false }, ["br1", "web", "10.9.0.2/24"]);
 * assert.deepEqual(request.map((r) => r.action), ok("add"));
 * ```
 */
export function pipeworkRequestOf(values: FlagValues<typeof pipeworkFlags>, positionals: readonly string[]): Result<PipeworkRequest, FlagError> {
  const words = ["-i", values.interface, ...(values.mtu === undefined ? [] : ["--mtu", String(values.mtu)]), ...(values.remove ? ["--remove"] : []), "--", ...positionals];
  return parsePipeworkArgs(words).mapErr(toFlagError);
}

/** The spec of `flannel-ts pipework`. */
export const pipeworkSpec = defineSpec({
  name: "pipework",
  synopsis: "<host-bridge> [-i <container-interface>] <container> <address>/<prefix>[@<gateway>] [<mac>] [--mtu N] [--remove] [--json]",
  description: `Gives a running container one more network interface without restarting it:
a veth pair with one end on the host's Linux bridge <host-bridge> (created
when missing) and the other in the container, named <container-interface>,
with the address, the MAC and the MTU given; with a gateway, the container's
default route goes through it. The same command again changes nothing. A
name or address already taken in the container is an error, and nothing is
left half made: if a step fails, the steps before it are taken back.
--remove takes the interface out again, puts back the default route it
replaced, and deletes the bridge if flannel-ts created it and nothing else
is on it; with --remove the address and MAC may be left out.

Needs root, iproute2's ip and nsenter; the container is found through the
Engine API (DOCKER_HOST, else /var/run/docker.sock).`,
  positionals: {
    name: "<host-bridge> <container> <address>/<prefix>[@<gateway>] [<mac>]",
    help:
      "a Linux bridge of the host (e.g. docker0 or br1); the container's name or ID; its address, IPv4 or IPv6, with the prefix and an optional gateway inside it (for IPv6 also link-local), e.g. 10.9.0.2/24@10.9.0.1 or fd00:9::2/64; a unicast MAC (default: the kernel picks one)",
    // Counted by pipework's parser in the check, which names the missing one.
    min: 0,
    max: 4,
    missing: "",
    extra: "pipework takes <host-bridge> <container> <address> [<mac>]",
  },
  flags: pipeworkFlags,
  footer: `Exit status: 0 done (or nothing to do); 1 failed (anything done is undone);
2 bad arguments (nothing looked at).

Examples:
  flannel-ts pipework br1 web 192.168.1.2/24
  flannel-ts pipework docker0 -i eth1 web 172.20.59.200/24@172.20.59.1
  flannel-ts pipework --remove docker0 -i eth1 web`,
  check: (values, positionals) => pipeworkRequestOf(values, positionals).andThen(() => ok(undefined)),
});
