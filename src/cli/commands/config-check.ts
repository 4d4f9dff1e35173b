import { parseArgs } from "node:util";
import { readNetworkConfigArg } from "../args.ts";
import type { CliCommand } from "../io.ts";
import { describeNetworkConfig, findDockerConflicts, formatNetworkConfig } from "../../subnet/index.ts";

const usage = `Usage: flannel-ts config check <json | @file> [--json]

Checks a flannel network config (the JSON stored at <prefix>/config) the way
flanneld does and prints it with every default filled in. Every problem is
reported at once, one per line on stderr, and the exit status is 1.

Arguments:
  <json | @file>   the config as inline JSON, or @path to read it from a file

Flags:
  --json           print JSON with flannel's field names instead of text
  -h, --help       show this help

Examples:
  flannel-ts config check '{"Network": "10.5.0.0/16"}'
  flannel-ts config check @network.json --json
`;

const command: CliCommand = {
  summary: "Validate a network config and print it with flannel's defaults filled in",
  usage,
  run: (argv, io) => {
    const fail = (message: string, code: number): Promise<number> => {
      io.err(`flannel-ts config check: ${message}\n`);
      return Promise.resolve(code);
    };
    let parsed;
    try {
      parsed = parseArgs({ args: [...argv], options: { json: { type: "boolean" } }, allowPositionals: true, strict: true });
    } catch (cause) {
      return fail(`${cause instanceof Error ? cause.message : String(cause)}; run with --help for usage`, 2);
    }
    const arg = readNetworkConfigArg(parsed.positionals);
    if (arg.isErr()) {
      for (const message of arg.error.messages) io.err(`flannel-ts config check: ${message}\n`);
      return Promise.resolve(arg.error.exitCode);
    }
    const { config } = arg.value;
    io.out(parsed.values.json === true ? `${formatNetworkConfig(config, { indent: 2 })}\n` : describeNetworkConfig(config));
    // Not errors (flanneld accepts these networks), but worth knowing on a Docker host.
    for (const network of [config.ipv4?.network, config.ipv6?.network]) {
      if (network === undefined) continue;
      for (const conflict of findDockerConflicts(network)) io.err(`flannel-ts config check: warning: ${conflict.message}\n`);
    }
    return Promise.resolve(0);
  },
};
export default command;
