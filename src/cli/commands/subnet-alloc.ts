import { parseArgs } from "node:util";
import { readTextArg } from "../args.ts";
import type { CliCommand } from "../io.ts";
import {
  allocateSubnet,
  cryptoRandom,
  formatSubnetKey,
  parseCidr,
  parseNetworkConfig,
  parseSubnetKey,
  seededRandom,
  type TakenSubnet,
} from "../../subnet/index.ts";

const usage = `Usage: flannel-ts subnet alloc --config <json | @file> [--taken KEY ...] [--seed N]

Picks one free subnet of a network config, uniformly among all free subnets
between SubnetMin and SubnetMax, and prints its lease key as flanneld names it
(10.5.34.0-24, or 10.5.34.0-24&fd00:0:0:22::-64 on dual-stack networks).
Nothing is written anywhere. Exits 1 with "out of subnets" when none is free.

Flags:
  --config <json | @file>   the network config, inline or @path (required)
  --taken KEY               a subnet already leased or reserved: a lease key
                            (10.5.34.0-24) or a CIDR of any length (10.5.0.0/20);
                            repeat the flag for more
  --seed N                  draw from a seeded generator (reproducible); by
                            default the system's cryptographic random source
  -h, --help                show this help

Example:
  flannel-ts subnet alloc --config '{"Network": "10.5.0.0/16"}' --taken 10.5.1.0-24 --seed 7
`;

const command: CliCommand = {
  summary: "Allocate one free subnet from a network config",
  usage,
  run: (argv, io) => {
    const fail = (message: string, code: number): Promise<number> => {
      io.err(`flannel-ts subnet alloc: ${message}\n`);
      return Promise.resolve(code);
    };
    let parsed;
    try {
      parsed = parseArgs({
        args: [...argv],
        options: { config: { type: "string" }, taken: { type: "string", multiple: true }, seed: { type: "string" } },
        allowPositionals: false,
        strict: true,
      });
    } catch (cause) {
      return fail(`${cause instanceof Error ? cause.message : String(cause)}; run with --help for usage`, 2);
    }
    const { values } = parsed;
    if (values.config === undefined) return fail("missing --config <json | @file>; run with --help for usage", 2);
    let random = cryptoRandom();
    if (values.seed !== undefined) {
      if (!/^-?[0-9]{1,10}$/.test(values.seed)) return fail(`--seed "${values.seed}" is not an integer`, 2);
      random = seededRandom(Number(values.seed));
    }
    const taken: TakenSubnet[] = [];
    for (const text of values.taken ?? []) {
      const asKey = parseSubnetKey(text);
      if (asKey.isOk()) {
        taken.push(asKey.value);
        continue;
      }
      const asCidr = parseCidr(text);
      if (asCidr.isErr()) return fail(`--taken "${text}" is neither a lease key (${asKey.error.reason}) nor a CIDR (${asCidr.error.reason})`, 1);
      taken.push(asCidr.value);
    }
    const text = readTextArg(values.config);
    if (text.isErr()) return fail(text.error.message, 1);
    const config = parseNetworkConfig(text.value);
    if (config.isErr()) {
      for (const problem of config.error) io.err(`flannel-ts subnet alloc: ${problem.message}\n`);
      return Promise.resolve(1);
    }
    if (config.value.ipv4 === undefined) {
      return fail("the config is IPv6-only (EnableIPv4 false), and flannel's lease keys start with an IPv4 subnet: enable IPv4 to lease through etcd", 1);
    }
    const picked = allocateSubnet(config.value, taken, random);
    if (picked.isErr()) return fail(picked.error.message, 1);
    const { ipv4, ipv6 } = picked.value;
    if (ipv4 === undefined) throw new Error("subnet alloc: an IPv4 config gave no IPv4 subnet");
    io.out(`${formatSubnetKey(ipv6 === undefined ? { ipv4 } : { ipv4, ipv6 })}\n`);
    return Promise.resolve(0);
  },
};
export default command;
