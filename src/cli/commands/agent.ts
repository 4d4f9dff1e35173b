/**
 * `flannel-ts agent`: flanneld's job on this host, with flanneld's flags.
 *
 * @module
 */
import { err, ok, type Result, type ResultAsync } from "neverthrow";
import type { Registry } from "../../etcd/registry.ts";
import type { DockerStep } from "../../flannel/agent-ports.ts";
import type { AgentExit } from "../../flannel/agent.ts";
import { splitUnitWords } from "../../dockerconf/systemd-unit.ts";
import { dockerStep } from "../../node/agent-docker-step.ts";
import { agentLogWriter } from "../../node/agent-log.ts";
import { type NodeAgentOptions, startNodeAgent } from "../../node/agent-node.ts";
import { agentJsonLogWriter } from "../agent-json-log.ts";
import { defineCommand } from "../define-command.ts";
import type { CliIo } from "../io.ts";
import { openEtcdRegistry, type OpenRegistryError } from "../open-etcd-registry.ts";
import { type AgentFlags, agentFlagsOf, agentSpec } from "../specs/agent.ts";

/** Where the process's SIGINT and SIGTERM come from; tests pass an emitter. */
export interface SignalSource {
  on(signal: "SIGINT" | "SIGTERM", listener: () => void): unknown;
  off(signal: "SIGINT" | "SIGTERM", listener: () => void): unknown;
}

/** What `flannel-ts agent` is built from; tests replace parts. */
export interface AgentCommandDeps {
  /** Opens the registry the flags name. Default: etcd v3 with the flags' TLS files and credentials. */
  readonly openRegistry: (flags: AgentFlags) => ResultAsync<Registry, OpenRegistryError>;
  /** Builds the Docker step for `--docker-config`. Default: {@link dockerStep} with the flags' restart command and dockerd arguments. */
  readonly dockerStep?: (flags: AgentFlags & { readonly dockerConfig: string }) => Result<DockerStep, string>;
  /** Extra options of the Node agent (interfaces, data path, firewall, clock). Default none. */
  readonly agentOptions?: Partial<NodeAgentOptions>;
  /** SIGINT/SIGTERM. Default: the process. */
  readonly signals: SignalSource;
}

function nodeDockerStep(flags: AgentFlags & { readonly dockerConfig: string }): Result<DockerStep, string> {
  // The flag layer checked that the command splits into at least one word.
  const words = splitUnitWords(flags.dockerRestartCommand);
  if (words.isErr()) return err(`--docker-restart-command: ${words.error}`);
  return ok(
    dockerStep({
      path: flags.dockerConfig,
      restartCommand: words.value,
      allowFindings: flags.dockerAllowFindings,
      ...(flags.dockerdArgs === undefined ? {} : { dockerd: { args: flags.dockerdArgs } }),
    }),
  );
}

/** The defaults of {@link agentCommand}: etcd v3, the Node Docker step, the process's signals. */
export const defaultAgentCommandDeps: AgentCommandDeps = { openRegistry: openEtcdRegistry, dockerStep: nodeDockerStep, signals: process };

/**
 * `flannel-ts agent` over its parts: runs until SIGINT/SIGTERM (exit 0
 * after a clean stop) or a failure (exit 1); bad flags exit 2.
 *
 * @param deps what it is built from; see {@link AgentCommandDeps}
 * @returns the command
 */
export function agentCommand(deps: AgentCommandDeps = defaultAgentCommandDeps) {
  return defineCommand(agentSpec, async ({ values, io, report }) => {
    const flags = agentFlagsOf(values);
    const dockerConfig = flags.dockerConfig;
    let docker: DockerStep | undefined;
    if (dockerConfig !== undefined) {
      const built = (deps.dockerStep ?? nodeDockerStep)({ ...flags, dockerConfig });
      if (built.isErr()) return report.error({ kind: "docker-step", message: built.error }, 2);
      docker = built.value;
    }
    const opened = await deps.openRegistry(flags);
    if (opened.isErr()) return report.error(opened.error);
    const registry = opened.value;
    const controller = new AbortController();
    let stopSignal: string | undefined;
    let onStop: (signal: string) => void = (signal) => {
      stopSignal = signal;
      controller.abort();
    };
    const onInt = (): void => onStop("SIGINT");
    const onTerm = (): void => onStop("SIGTERM");
    deps.signals.on("SIGINT", onInt);
    deps.signals.on("SIGTERM", onTerm);
    try {
      const started = await startNodeAgent({
        registry,
        log: flags.json ? agentJsonLogWriter(io.err) : agentLogWriter(io.err),
        iface: flags.iface,
        ifaceRegex: flags.ifaceRegex,
        ...(flags.ifaceCanReach === undefined ? {} : { ifaceCanReach: flags.ifaceCanReach }),
        ...(flags.publicIp === undefined ? {} : { publicIp: flags.publicIp }),
        ...(flags.publicIpv6 === undefined ? {} : { publicIpv6: flags.publicIpv6 }),
        subnetFile: flags.subnetFile,
        renewMarginMinutes: flags.subnetLeaseRenewMarginMinutes,
        ipMasq: flags.ipMasq,
        forwardRules: flags.iptablesForwardRules,
        iptablesResyncSeconds: flags.iptablesResyncSeconds,
        healthz: { ip: flags.healthzIp, port: flags.healthzPort },
        tunName: flags.tunName,
        sourceFilter: flags.sourceFilter,
        ...(docker === undefined ? {} : { docker }),
        signal: controller.signal,
        ...deps.agentOptions,
      });
      if (started.isErr()) {
        if (started.error.kind === "agent" && started.error.step === "aborted") return 0;
        return report.error(started.error);
      }
      const node = started.value;
      if (stopSignal !== undefined) {
        await node.stop({ release: flags.release, reason: stopSignal });
      } else {
        onStop = (signal) => {
          onStop = () => undefined;
          void node.stop({ release: flags.release, reason: signal });
        };
      }
      const exit: AgentExit = await node.done;
      if (exit.kind === "failed") return report.error(exit.error);
      return 0;
    } finally {
      deps.signals.off("SIGINT", onInt);
      deps.signals.off("SIGTERM", onTerm);
      await registry.close();
    }
  });
}

/**
 * Runs `flannel-ts agent` with the given parts (tests).
 *
 * @param argv the arguments after `agent`
 * @param io output streams and environment
 * @param deps what it is built from
 * @returns the exit code
 */
export function runAgentCommand(argv: readonly string[], io: CliIo, deps: AgentCommandDeps = defaultAgentCommandDeps): Promise<number> {
  return agentCommand(deps).run(argv, io);
}

export default agentCommand();
