import { parseArgs } from "node:util";
import { describeNetworkConfig, formatNetworkConfig, parseNetworkConfig } from "../../subnet/network-config.ts";
import { ETCD_FLAG_OPTIONS, ETCD_FLAGS_HELP, openEtcdRegistry, withRegistry, type OpenRegistry } from "../etcd-flags.ts";
import type { CliCommand } from "../io.ts";

const usage = `Usage: flannel-ts config get [--check | --json] [etcd flags]

Prints the network config stored at <prefix>/config, as stored.

Flags:
  --check          check it as flanneld would and print it with the defaults filled in
  --json           like --check, as JSON with flannel's field names
  -h, --help       show this help

${ETCD_FLAGS_HELP}`;

/**
 * The `config get` command over a registry opener (tests pass an in-memory registry).
 *
 * @param open opens the registry from the etcd flags; default etcd
 * @returns the command
 */
export function configGetCommand(open: OpenRegistry = openEtcdRegistry): CliCommand {
  return {
    summary: "Print the network config stored in etcd",
    usage,
    run: async (argv, io) => {
      const fail = (message: string, code: number): number => {
        io.err(`flannel-ts config get: ${message}\n`);
        return code;
      };
      let parsed;
      try {
        parsed = parseArgs({
          args: [...argv],
          options: { ...ETCD_FLAG_OPTIONS, check: { type: "boolean" }, json: { type: "boolean" } },
          allowPositionals: false,
          strict: true,
        });
      } catch (cause) {
        return fail(`${cause instanceof Error ? cause.message : String(cause)}; run with --help for usage`, 2);
      }
      return withRegistry("config get", io, parsed.values, open, async (registry) => {
        const text = await registry.getConfig();
        if (text.isErr()) return fail(text.error.message, 1);
        if (parsed.values.check !== true && parsed.values.json !== true) {
          io.out(text.value.endsWith("\n") ? text.value : `${text.value}\n`);
          return 0;
        }
        const config = parseNetworkConfig(text.value);
        if (config.isErr()) {
          for (const problem of config.error) io.err(`flannel-ts config get: ${registry.prefix}/config: ${problem.message}\n`);
          return 1;
        }
        io.out(parsed.values.json === true ? `${formatNetworkConfig(config.value, { indent: 2 })}\n` : describeNetworkConfig(config.value));
        return 0;
      });
    },
  };
}

export default configGetCommand();
