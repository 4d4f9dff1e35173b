// `flannel-ts agent` with the lease manager's timing shortened, for fault
// tests that need renewals and expiries within seconds: the same command
// (flags, log, signals, exit codes), with `leaseTiming` taken as JSON from
// FAULTS_LEASE_TIMING, e.g. {"ttlSeconds":6,"renewMarginSeconds":4,"retryIntervalSeconds":1}.
//
// Run: node --import tsx test/helpers/faults-agent.ts [agent flags]
import { defaultAgentCommandDeps, runAgentCommand } from "../../src/cli/commands/agent.ts";
import type { NodeAgentOptions } from "../../src/node/agent-node.ts";

const timing = JSON.parse(process.env["FAULTS_LEASE_TIMING"] ?? "{}") as NonNullable<NodeAgentOptions["leaseTiming"]>;

process.exitCode = await runAgentCommand(
  process.argv.slice(2),
  { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), env: process.env },
  { ...defaultAgentCommandDeps, agentOptions: { leaseTiming: timing } },
);
