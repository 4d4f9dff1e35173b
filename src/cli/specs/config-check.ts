/**
 * `flannel-ts config check`, declared: flags and help.
 *
 * @module
 */
import { defineSpec } from "../command-spec.ts";
import { jsonFlag } from "../shared-flags.ts";
import { CONFIG_ARGUMENT } from "./config-arg.ts";

/** The spec of `flannel-ts config check`. */
export const configCheckSpec = defineSpec({
  name: "config check",
  synopsis: "<json | @file> [--json]",
  description: `Checks a flannel network config (the JSON stored at <prefix>/config) the way
flanneld does and prints it with every default filled in. Every problem is
reported at once, one per line on stderr, and the exit status is 1.`,
  positionals: CONFIG_ARGUMENT,
  flags: { json: jsonFlag },
  footer: `Examples:
  flannel-ts config check '{"Network": "10.5.0.0/16"}'
  flannel-ts config check @network.json --json`,
});
