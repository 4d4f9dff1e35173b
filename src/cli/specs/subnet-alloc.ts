/**
 * `flannel-ts subnet alloc`, declared: flags and help.
 *
 * @module
 */
import { err, ok } from "neverthrow";
import { defineSpec } from "../command-spec.ts";
import { type FlagType, listFlag, optionalFlag, requiredFlag } from "../flag-spec.ts";
import { flagTypes } from "../flag-types.ts";
import { jsonFlag } from "../shared-flags.ts";
import type { TakenSubnet } from "../../subnet/allocate-subnet.ts";
import { parseCidr } from "../../subnet/cidr.ts";
import { parseSubnetKey } from "../../subnet/subnet-key.ts";

const takenSubnet: FlagType<TakenSubnet> = {
  placeholder: "KEY",
  parse: (text) => {
    const asKey = parseSubnetKey(text);
    if (asKey.isOk()) return ok(asKey.value);
    const asCidr = parseCidr(text);
    if (asCidr.isOk()) return ok(asCidr.value);
    return err(`is neither a lease key (${asKey.error.reason}) nor a CIDR (${asCidr.error.reason})`);
  },
};

/** The spec of `flannel-ts subnet alloc`. */
export const subnetAllocSpec = defineSpec({
  name: "subnet alloc",
  synopsis: "--config <json | @file> [--taken KEY ...] [--seed N] [--json]",
  description: `Picks one free subnet of a network config, uniformly among all free subnets
between SubnetMin and SubnetMax, and prints its lease key as flanneld names it
(10.5.34.0-24, or 10.5.34.0-24&fd00:0:0:22::-64 on dual-stack networks).
Nothing is written anywhere. Exits 1 with "out of subnets" when none is free.`,
  flags: {
    config: requiredFlag("config", { type: flagTypes.text, placeholder: "<json | @file>", help: "the network config, inline or @path" }),
    taken: listFlag("taken", {
      type: takenSubnet,
      help: "a subnet already leased or reserved: a lease key (10.5.34.0-24) or a CIDR of any length (10.5.0.0/20); repeat the flag for more",
    }),
    seed: optionalFlag("seed", {
      type: flagTypes.integer(-(2 ** 31), 2 ** 32 - 1),
      placeholder: "N",
      help: "draw from a seeded generator (reproducible)",
      defaultText: "the system's cryptographic random source",
    }),
    json: jsonFlag,
  },
  footer: `With --json: {"key", "subnet", "ipv6Subnet"} on stdout.

Example:
  flannel-ts subnet alloc --config '{"Network": "10.5.0.0/16"}' --taken 10.5.1.0-24 --seed 7`,
});
