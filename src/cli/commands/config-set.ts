/**
 * `flannel-ts config set`: the network config into etcd, checked first.
 *
 * @module
 */
import { readNetworkConfigArg } from "../args.ts";
import { defineCommand } from "../define-command.ts";
import { openEtcdRegistry, type OpenRegistry, withRegistry } from "../open-etcd-registry.ts";
import { configSetSpec } from "../specs/config-set.ts";

/**
 * The `config set` command over a registry opener (tests pass an in-memory registry).
 *
 * @param open opens the registry from the etcd flags; default etcd
 * @returns the command
 */
export function configSetCommand(open: OpenRegistry = openEtcdRegistry) {
  return defineCommand(configSetSpec, async (run) => {
    const { values, positionals, io, report } = run;
    const arg = await readNetworkConfigArg(positionals[0] ?? "");
    if (arg.isErr()) {
      for (const problem of arg.error) report.error(problem);
      return report.error({ kind: "not-written", message: "nothing written" });
    }
    const { text } = arg.value;
    return withRegistry(run, open, async (registry) => {
      const written = await registry.putConfig(text, { overwrite: values.force });
      if (written.isErr()) return report.error(written.error);
      io.out(values.json ? `${JSON.stringify({ key: `${registry.prefix}/config`, written: true })}\n` : `wrote ${registry.prefix}/config\n`);
      return 0;
    });
  });
}

export default configSetCommand();
