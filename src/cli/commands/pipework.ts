/**
 * `flannel-ts pipework`: give a running container one more interface on a
 * Linux bridge of the host (pipework's arguments), or take it out again
 * with --remove. A thin shell over `pipework` in src/node.
 */
import { DEFAULT_CONTAINER_INTERFACE } from "../../pipework/pipework-request.ts";
import { parsePipeworkArgs, type PipeworkArgError } from "../../pipework/parse-pipework-args.ts";
import type { PipeworkReport } from "../../pipework/pipework-report.ts";
import { formatPipeworkStep, type PipeworkStep } from "../../pipework/pipework-step.ts";
import type { PipeworkError, PipeworkOptions } from "../../node/pipework.ts";
import type { CliCommand } from "../io.ts";

const usage = `Usage: flannel-ts pipework <host-bridge> [-i <container-interface>] <container> <address>/<prefix>[@<gateway>] [<mac>] [--mtu N] [--json]
       flannel-ts pipework --remove <host-bridge> [-i <container-interface>] <container> [<address>/<prefix>[@<gateway>]] [<mac>] [--json]

Gives a running container one more network interface without restarting it:
a veth pair with one end on the host's Linux bridge <host-bridge> (created
when missing) and the other in the container, named <container-interface>,
with the address, the MAC and the MTU given; with a gateway, the container's
default route goes through it. The same command again changes nothing. A
name or address already taken in the container is an error, and nothing is
left half made: if a step fails, the steps before it are taken back.
--remove takes the interface out again, puts back the default route it
replaced, and deletes the bridge if flannel-ts created it and nothing else
is on it; values given with --remove must match what is there.

Needs root, iproute2's ip and nsenter; the container is found through the
Engine API (DOCKER_HOST, else /var/run/docker.sock).

Arguments:
  <host-bridge>                 a Linux bridge of the host, e.g. docker0 or br1
  <container>                   the container's name or ID
  <address>/<prefix>[@<gateway>]  IPv4 or IPv6, e.g. 10.9.0.2/24@10.9.0.1 or
                                fd00:9::2/64; the gateway must lie inside the
                                prefix (for IPv6 it may also be link-local)
  <mac>                         a unicast MAC address, e.g. 02:42:0a:09:00:02
                                (default: the kernel picks one)

Flags:
  -i, --interface NAME  the interface's name in the container (default ${DEFAULT_CONTAINER_INTERFACE})
  --mtu N               its MTU (default: the bridge's; 1500 for a new bridge)
  --remove              take the interface out again
  --json                print one JSON report on stdout
  -h, --help            show this help

Exit status: 0 done (or nothing to do), 1 failed (anything done is undone),
2 bad arguments.

Examples:
  flannel-ts pipework br1 web 192.168.1.2/24
  flannel-ts pipework docker0 -i eth1 web 172.20.59.200/24@172.20.59.1
  flannel-ts pipework --remove docker0 -i eth1 web
`;

function describeDone(report: PipeworkReport): string {
  const what = `${report.interface} of ${report.container.name}`;
  if (report.action === "remove") {
    if (!report.changed) return `nothing to do: ${report.container.name} has no ${report.interface} from flannel-ts pipework\n`;
    const parts: string[] = [];
    if (report.interfaceRemoved) parts.push(`removed ${what}`);
    if (report.bridgeRemoved) parts.push(`deleted the bridge ${report.bridge}`);
    return `${parts.length === 0 ? "deleted the veth an interrupted run left" : parts.join("; ")}\n`;
  }
  const details = [report.address, report.gateway === undefined ? undefined : `gateway ${report.gateway}`, report.mac === undefined ? undefined : `MAC ${report.mac}`, report.mtu === undefined ? undefined : `MTU ${report.mtu}`].filter((d) => d !== undefined);
  const on = `${what} is on ${report.bridge} (host end ${report.hostInterface}): ${details.join(", ")}`;
  if (!report.changed) return `nothing to do: ${on}\n`;
  return `${on}${report.bridgeCreated ? `; created the bridge ${report.bridge}` : ""}\n`;
}

/** A failure as `--json` prints it: steps as shell commands, everything else as it is. */
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
export function pipeworkCommand(options: Omit<PipeworkOptions, "onStep"> = {}): CliCommand {
  return {
    usage,
    run: async (argv, io) => {
      const json = argv.includes("--json");
      const args = argv.filter((a) => a !== "--json");
      const parsed = parsePipeworkArgs(args);
      if (parsed.isErr()) {
        const e: PipeworkArgError = parsed.error;
        if (json) io.out(`${JSON.stringify({ error: e }, null, 2)}\n`);
        else io.err(`flannel-ts pipework: ${e.message}; run with --help for usage\n`);
        return 2;
      }
      const { pipework } = await import("../../node/pipework.ts");
      const result = await pipework(parsed.value, { ...options, ...(!json && { onStep: (command: string) => io.err(`+ ${command}\n`) }) });
      if (result.isErr()) {
        if (json) io.out(`${JSON.stringify({ error: errorJson(result.error) }, null, 2)}\n`);
        else io.err(`flannel-ts pipework: ${result.error.message}\n`);
        return 1;
      }
      const report = result.value;
      if (json) io.out(`${JSON.stringify(report, null, 2)}\n`);
      else {
        for (const note of report.notes) io.err(`flannel-ts pipework: note: ${note}\n`);
        io.out(describeDone(report));
      }
      return 0;
    },
  };
}

export default pipeworkCommand();
