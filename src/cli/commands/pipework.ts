/**
 * `flannel-ts pipework`: give a running container one more interface on a
 * Linux bridge of the host (pipework's arguments), or take it out again
 * with --remove. A thin shell over `pipework` in src/node; the arguments
 * are parsed and checked by the flag layer (specs/pipework.ts).
 */
import type { PipeworkReport } from "../../pipework/pipework-report.ts";
import { formatPipeworkStep, type PipeworkStep } from "../../pipework/pipework-step.ts";
import type { PipeworkError, PipeworkOptions } from "../../node/pipework.ts";
import { defineCommand, type DefinedCommand } from "../define-command.ts";
import { EXIT } from "../exit-codes.ts";
import { pipeworkFlags, pipeworkRequestOf, pipeworkSpec } from "../specs/pipework.ts";

function describeDone(report: PipeworkReport): string {
  const what = `${report.interface} of ${report.container.name}`;
  if (report.action === "remove") {
    if (!report.changed) return `nothing to do: ${report.container.name} has no ${report.interface} from flannel-ts pipework\n`;
    const parts: string[] = [];
    if (report.interfaceRemoved) parts.push(`removed ${what}`);
    if (report.bridgeRemoved) parts.push(`deleted the bridge ${report.bridge}`);
    return `${parts.length === 0 ? "deleted the veth an interrupted run left" : parts.join("; ")}\n`;
  }
  const details = [
    report.address,
    report.gateway === undefined ? undefined : `gateway ${report.gateway}`,
    report.mac === undefined ? undefined : `MAC ${report.mac}`,
    report.mtu === undefined ? undefined : `MTU ${report.mtu}`,
  ].filter((d) => d !== undefined);
  const on = `${what} is on ${report.bridge} (host end ${report.hostInterface}): ${details.join(", ")}`;
  if (!report.changed) return `nothing to do: ${on}\n`;
  return `${on}${report.bridgeCreated ? `; created the bridge ${report.bridge}` : ""}\n`;
}

/** A failure's fields as `--json` prints them: steps as shell commands, everything else as it is. */
function errorJson(error: PipeworkError): Record<string, unknown> {
  if (error.kind !== "step-failed" && error.kind !== "not-settled") return { ...error };
  const pid = error.container.pid;
  const show = (steps: readonly PipeworkStep[]): string[] => steps.map((s) => formatPipeworkStep(s, pid));
  const { kind, message, container } = error;
  if (error.kind === "not-settled") return { kind, message, container, done: show(error.done), undone: show(error.undone) };
  return {
    kind,
    message,
    container,
    step: formatPipeworkStep(error.step, pid),
    reason: error.reason,
    done: show(error.done),
    undone: show(error.undone),
    undoFailures: error.undoFailures.map((f) => ({ step: formatPipeworkStep(f.step, pid), reason: f.reason })),
  };
}

/**
 * The command with its Engine API and command runner replaceable, for tests.
 *
 * @param options passed to `pipework` (engine, run, clock); default: the real ones
 * @returns the command
 */
export function pipeworkCommand(options: Omit<PipeworkOptions, "onStep"> = {}): DefinedCommand<typeof pipeworkFlags> {
  return defineCommand(pipeworkSpec, async ({ values, positionals, io, report }) => {
    const request = pipeworkRequestOf(values, positionals);
    if (request.isErr()) return report.error(request.error, EXIT.usage);
    const { pipework } = await import("../../node/pipework.ts");
    const result = await pipework(request.value, { ...options, ...(!report.json && { onStep: (command: string) => io.err(`+ ${command}\n`) }) });
    if (result.isErr()) {
      const error = errorJson(result.error);
      return report.error({ ...error, kind: result.error.kind, message: result.error.message }, EXIT.failed);
    }
    const done = result.value;
    if (report.json) io.out(`${JSON.stringify(done, null, 2)}\n`);
    else {
      for (const note of done.notes) io.err(`flannel-ts pipework: note: ${note}\n`);
      io.out(describeDone(done));
    }
    return EXIT.ok;
  });
}

export default pipeworkCommand();
