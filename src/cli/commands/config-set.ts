import { parseArgs } from "node:util";
import { readNetworkConfigArg } from "../args.ts";
import { ETCD_FLAG_OPTIONS, ETCD_FLAGS_HELP, openEtcdRegistry, withRegistry, type OpenRegistry } from "../etcd-flags.ts";
import type { CliCommand } from "../io.ts";

const usage = `Usage: flannel-ts config set <json | @file> [--force] [etcd flags]

Writes the network config to <prefix>/config (flanneld reads it from there),
exactly as given, after checking it the way flanneld does. An existing config
is left alone unless --force is given. The seed's
  etcdctl mk /atomic.io/network/config '{"Network":"172.20.0.0/16"}'
is
  flannel-ts config set --etcd-prefix /atomic.io/network '{"Network":"172.20.0.0/16"}'

Arguments:
  <json | @file>   the config as inline JSON, or @path to read it from a file

Flags:
  --force          replace an existing config
  -h, --help       show this help

${ETCD_FLAGS_HELP}`;

/**
 * The `config set` command over a registry opener (tests pass an in-memory registry).
 *
 * @param open opens the registry from the etcd flags; default etcd
 * @returns the command
 */
export function configSetCommand(open: OpenRegistry = openEtcdRegistry): CliCommand {
  return {
    summary: "Write the network config to etcd (validated first; --force to replace one)",
    usage,
    run: async (argv, io) => {
      const fail = (message: string, code: number): number => {
        io.err(`flannel-ts config set: ${message}\n`);
        return code;
      };
      let parsed;
      try {
        parsed = parseArgs({ args: [...argv], options: { ...ETCD_FLAG_OPTIONS, force: { type: "boolean" } }, allowPositionals: true, strict: true });
      } catch (cause) {
        return fail(`${cause instanceof Error ? cause.message : String(cause)}; run with --help for usage`, 2);
      }
      const arg = readNetworkConfigArg(parsed.positionals);
      if (arg.isErr()) {
        for (const message of arg.error.messages) io.err(`flannel-ts config set: ${message}\n`);
        return arg.error.exitCode === 2 ? arg.error.exitCode : fail("nothing written", 1);
      }
      const { text } = arg.value;
      return withRegistry("config set", io, parsed.values, open, async (registry) => {
        const written = await registry.putConfig(text, { overwrite: parsed.values.force === true });
        if (written.isErr()) return fail(written.error.message, 1);
        io.out(`wrote ${registry.prefix}/config\n`);
        return 0;
      });
    },
  };
}

export default configSetCommand();
