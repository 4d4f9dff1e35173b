import { err, ok, type Result } from "neverthrow";
import type { Registry } from "../../etcd/registry.ts";
import type { DockerStep } from "../../flannel/agent-ports.ts";
import type { AgentExit } from "../../flannel/agent.ts";
import { splitUnitWords } from "../../dockerconf/systemd-unit.ts";
import { dockerStep } from "../../node/agent-docker-step.ts";
import { agentLogWriter } from "../../node/agent-log.ts";
import { startNodeAgent, type NodeAgentOptions } from "../../node/agent-node.ts";
import { agentUsage, parseAgentFlags, type AgentFlags } from "../agent-flags.ts";
import { openEtcdRegistry, resolveEtcdSettings } from "../etcd-flags.ts";
import type { CliCommand, CliIo } from "../io.ts";

/** Where the process's SIGINT and SIGTERM come from; tests pass an emitter. */
export interface SignalSource {
  on(signal: "SIGINT" | "SIGTERM", listener: () => void): unknown;
  off(signal: "SIGINT" | "SIGTERM", listener: () => void): unknown;
}

/** What `flannel-ts agent` is built from; tests replace parts. */
export interface AgentCommandDeps {
  /** Opens the registry the flags name. Default: etcd v3 with the flags' TLS files and credentials. */
  readonly openRegistry: (flags: AgentFlags) => Result<Registry, string>;
  /** Builds the Docker step for `--docker-config`. Default: {@link dockerStep} with the flags' restart command and dockerd arguments. */
  readonly dockerStep?: (flags: AgentFlags & { readonly dockerConfig: string }) => Result<DockerStep, string>;
  /** Extra options of the Node agent (interfaces, data path, firewall, clock). Default none. */
  readonly agentOptions?: Partial<NodeAgentOptions>;
  /** SIGINT/SIGTERM. Default: the process. */
  readonly signals: SignalSource;
}

// The etcd flags go through the shared etcd-flags (endpoint checks, TLS
// files, credentials); the FLANNELD_* variables were applied already.
function openEtcd3(flags: AgentFlags): Result<Registry, string> {
  return resolveEtcdSettings(
    {
      "etcd-endpoints": flags.etcdEndpoints.join(","),
      "etcd-prefix": flags.etcdPrefix,
      "etcd-cafile": flags.etcdCafile,
      "etcd-certfile": flags.etcdCertfile,
      "etcd-keyfile": flags.etcdKeyfile,
      "etcd-username": flags.etcdUsername,
      "etcd-password": flags.etcdPassword,
    },
    {},
  )
    .andThen(openEtcdRegistry)
    .mapErr((e) => e.message);
}

function nodeDockerStep(flags: AgentFlags & { readonly dockerConfig: string }): Result<DockerStep, string> {
  const words = splitUnitWords(flags.dockerRestartCommand);
  if (words.isErr()) return err(`--docker-restart-command: ${words.error}`);
  if (words.value.length === 0) return err("--docker-restart-command is empty: give the command that restarts dockerd, e.g. \"systemctl restart docker\"");
  return ok(
    dockerStep({
      path: flags.dockerConfig,
      restartCommand: words.value,
      allowFindings: flags.dockerAllowFindings,
      ...(flags.dockerdArgs === undefined ? {} : { dockerd: { args: flags.dockerdArgs } }),
    }),
  );
}

/** The defaults of {@link runAgentCommand}: etcd v3, the Node Docker step, the process's signals. */
export const defaultAgentCommandDeps: AgentCommandDeps = { openRegistry: openEtcd3, dockerStep: nodeDockerStep, signals: process };

/**
 * Runs `flannel-ts agent` until SIGINT/SIGTERM (exit 0 after a clean stop)
 * or a failure (exit 1); bad flags exit 2.
 *
 * @param argv the arguments after `agent`
 * @param io output streams and environment
 * @param deps what it is built from; see {@link AgentCommandDeps}
 * @returns the exit code
 */
export async function runAgentCommand(argv: readonly string[], io: CliIo, deps: AgentCommandDeps = defaultAgentCommandDeps): Promise<number> {
  const parsed = parseAgentFlags(argv, io.env);
  if (parsed.isErr()) {
    io.err(`flannel-ts agent: ${parsed.error.message}\n`);
    return 2;
  }
  const flags = parsed.value;
  const dockerConfig = flags.dockerConfig;
  let docker: DockerStep | undefined;
  if (dockerConfig !== undefined) {
    const built = (deps.dockerStep ?? nodeDockerStep)({ ...flags, dockerConfig });
    if (built.isErr()) {
      io.err(`flannel-ts agent: ${built.error}\n`);
      return 2;
    }
    docker = built.value;
  }
  const opened = deps.openRegistry(flags);
  if (opened.isErr()) {
    io.err(`flannel-ts agent: ${opened.error}\n`);
    return 2;
  }
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
      log: agentLogWriter(io.err),
      iface: flags.iface,
      ifaceRegex: flags.ifaceRegex,
      ...(flags.publicIp === undefined ? {} : { publicIp: flags.publicIp }),
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
      io.err(`flannel-ts agent: ${started.error.message}\n`);
      return 1;
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
    if (exit.kind === "failed") {
      io.err(`flannel-ts agent: ${exit.error.message}\n`);
      return 1;
    }
    return 0;
  } finally {
    deps.signals.off("SIGINT", onInt);
    deps.signals.off("SIGTERM", onTerm);
    await registry.close();
  }
}

const command: CliCommand = {
  summary: "Run the flannel agent: lease, subnet.env, UDP overlay, renewals",
  usage: agentUsage(),
  run: (argv, io) => runAgentCommand(argv, io),
};
export default command;
