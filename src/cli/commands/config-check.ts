/**
 * `flannel-ts config check`: the config with flanneld's defaults, or every problem.
 *
 * @module
 */
import { describeNetworkConfig, formatNetworkConfig } from "../../subnet/network-config.ts";
import { findDockerConflicts } from "../../subnet/docker-address-pools.ts";
import { readNetworkConfigArg } from "../args.ts";
import { defineCommand } from "../define-command.ts";
import { configCheckSpec } from "../specs/config-check.ts";

export default defineCommand(configCheckSpec, async ({ values, positionals, io, report }) => {
  const arg = await readNetworkConfigArg(positionals[0] ?? "");
  if (arg.isErr()) {
    for (const problem of arg.error) report.error(problem);
    return 1;
  }
  const { config } = arg.value;
  io.out(values.json ? `${formatNetworkConfig(config, { indent: 2 })}\n` : describeNetworkConfig(config));
  // Not errors (flanneld accepts these networks), but worth knowing on a Docker host.
  for (const network of [config.ipv4?.network, config.ipv6?.network]) {
    if (network === undefined) continue;
    for (const conflict of findDockerConflicts(network)) report.warning(conflict.message);
  }
  return 0;
});
