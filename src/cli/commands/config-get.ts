/**
 * `flannel-ts config get`: the network config stored in etcd.
 *
 * @module
 */
import { describeNetworkConfig, formatNetworkConfig, parseNetworkConfig } from "../../subnet/network-config.ts";
import { defineCommand } from "../define-command.ts";
import { openEtcdRegistry, type OpenRegistry, withRegistry } from "../open-etcd-registry.ts";
import { configGetSpec } from "../specs/config-get.ts";

/**
 * The `config get` command over a registry opener (tests pass an in-memory registry).
 *
 * @param open opens the registry from the etcd flags; default etcd
 * @returns the command
 */
export function configGetCommand(open: OpenRegistry = openEtcdRegistry) {
  return defineCommand(configGetSpec, (run) =>
    withRegistry(run, open, async (registry) => {
      const { values, io, report } = run;
      const text = await registry.getConfig();
      if (text.isErr()) return report.error(text.error);
      if (!values.check && !values.json) {
        io.out(text.value.endsWith("\n") ? text.value : `${text.value}\n`);
        return 0;
      }
      const config = parseNetworkConfig(text.value);
      if (config.isErr()) {
        for (const problem of config.error) report.error({ ...problem, message: `${registry.prefix}/config: ${problem.message}` });
        return 1;
      }
      io.out(values.json ? `${formatNetworkConfig(config.value, { indent: 2 })}\n` : describeNetworkConfig(config.value));
      return 0;
    }));
}

export default configGetCommand();
