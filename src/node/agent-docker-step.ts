/**
 * The agent's Docker step on a host: merge the lease's `bip` and `mtu` into
 * daemon.json (checked with dockerd's rules against dockerd's real command
 * line, written atomically with a backup, or not at all), restart dockerd,
 * and check through the Engine API that the default bridge has the lease.
 *
 * @module
 */
import type Docker from "dockerode";
import { errAsync, okAsync, ResultAsync } from "neverthrow";
import { type Clock, sleep, systemClock } from "../core/clock.ts";
import type { CommandRunner } from "../core/command-runner.ts";
import type { DockerdVersion } from "../dockerconf/dockerd-flags.ts";
import { defaultBridgeExpectation, type DefaultBridgeReport, type EngineNetworkApi, verifyDefaultBridge } from "../dockerconf/engine-verify.ts";
import { type DockerNetworkSettings, dockerNetworkSettings } from "../dockerconf/network-settings.ts";
import type { DaemonJsonIssue } from "../dockerconf/validate-daemon-json.ts";
import type { DockerReport, DockerStep, DockerTarget, PortError } from "../flannel/agent-ports.ts";
import { findDockerdCommandLine, type FindDockerdCommandLineOptions } from "./agent-dockerd-command-line.ts";
import { planDaemonJsonFile, writeDaemonJsonPlan } from "./daemon-json-file.ts";
import { type DockerdValidateError, type DockerdValidateOutcome, validateWithDockerd } from "./dockerd-validate.ts";
import { runCommand } from "./run-command.ts";

/** Options of {@link dockerStep}. */
export interface DockerStepOptions {
  /** The daemon.json to merge into. */
  readonly path: string;
  /** The command that restarts dockerd, as program and arguments, e.g. `["systemctl", "restart", "docker"]`. */
  readonly restartCommand: readonly string[];
  /** Where dockerd's command line comes from (`args`, the systemd unit, the running dockerd). Default: looked up on the host. */
  readonly dockerd?: FindDockerdCommandLineOptions;
  /** Whose rules daemon.json is checked with. Default "26". */
  readonly version?: DockerdVersion;
  /**
   * Write even with error-level security findings (a tcp:// host without
   * TLS); they are reported as warnings. Default false: they refuse the
   * write, as `flannel-ts docker-config` does without `--allow-findings`.
   */
  readonly allowFindings?: boolean;
  /**
   * Asks the installed dockerd about the merged file before it is written
   * (`dockerd --validate`, dockerd 23 and later); a refusal leaves daemon.json
   * as it was. Default {@link validateWithDockerd}; without a dockerd that has
   * `--validate`, the TypeScript rules alone decide.
   */
  readonly validate?: (text: string) => ResultAsync<DockerdValidateOutcome, DockerdValidateError>;
  /** The Engine API. Default: dockerode on DOCKER_HOST, else /var/run/docker.sock. */
  readonly engine?: EngineNetworkApi;
  /** Runs the restart command. Default: a child process. */
  readonly run?: CommandRunner;
  /** How long dockerd may take to answer with the new bridge after a restart. Default 90 s (dockerd 26 waits 15 s before serving a tcp:// host without TLS). */
  readonly verifyTimeoutMs?: number;
  /** Time between two checks of the bridge while waiting for dockerd. Default 500 ms. */
  readonly verifyIntervalMs?: number;
  /** Time for the verification's retries. Default: the system clock. */
  readonly clock?: Clock;
}

const portError = (kind: string, message: string): PortError => ({ kind, message });

/**
 * The Engine API client for DOCKER_HOST (unix:// or tcp://), else the
 * default socket. dockerode is loaded at the first call, not with this
 * module: an agent without the Docker step never loads it.
 *
 * @param env where DOCKER_HOST is read; default the process environment
 * @returns the client's network part
 */
export function engineFromEnvironment(env: Readonly<Record<string, string | undefined>> = process.env): EngineNetworkApi {
  const host = env["DOCKER_HOST"] ?? "unix:///var/run/docker.sock";
  // A malformed DOCKER_HOST fails the first call (and so the verification), not the caller.
  const options = (): Docker.DockerOptions => {
    if (host.startsWith("unix://")) return { socketPath: host.slice("unix://".length) };
    const url = new URL(host.replace(/^tcp:/, "http:"));
    return { host: url.hostname, port: Number(url.port || 2375), protocol: "http" };
  };
  let client: Promise<Docker> | undefined;
  const docker = (): Promise<Docker> => (client ??= import("dockerode").then(({ default: Dockerode }) => new Dockerode(options())));
  return { getNetwork: (id) => ({ inspect: () => docker().then((d) => d.getNetwork(id).inspect() as Promise<unknown>) }) };
}

const describeIssue = (issue: DaemonJsonIssue): string => `${issue.level === "error" ? "finding" : "warning"}: ${issue.message}`;

/**
 * The Docker step for the agent: see the module comment. An unchanged
 * daemon.json is not written and dockerd is restarted only when it does not
 * have the lease's bridge yet, or does not answer.
 *
 * @param options daemon.json, the restart command and the checks; see {@link DockerStepOptions}
 * @returns the `docker` option of `startAgent`
 * @example
 * ```ts
 * import { dockerStep } from "./agent-docker-step.ts";
 * const docker = dockerStep({ path: "/etc/docker/daemon.json", restartCommand: ["systemctl", "restart", "docker"] });
 * ```
 */
export function dockerStep(options: DockerStepOptions): DockerStep {
  const run = options.run ?? runCommand;
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.verifyTimeoutMs ?? 90_000;
  const version = options.version ?? "26";
  let engine = options.engine;
  const engineApi = (): EngineNetworkApi => (engine ??= engineFromEnvironment());

  const restart = (): ResultAsync<void, PortError> => {
    const [program, ...args] = options.restartCommand;
    if (program === undefined) return errAsync(portError("docker-restart", "the dockerd restart command is empty"));
    const shown = options.restartCommand.join(" ");
    return run(program, args)
      .mapErr((e) => portError("docker-restart", `cannot restart dockerd with "${shown}": ${e.message}`))
      .andThen((out) =>
        out.code === 0
          ? okAsync(undefined)
          : errAsync(portError("docker-restart", `"${shown}" exited ${out.code}: ${(out.stderr.trim() || out.stdout.trim()).split("\n").slice(-5).join(" / ")}`))
      );
  };

  // dockerd answers a while after the restart command returns (or first
  // with its old bridge); poll until the bridge is right or time is up.
  const verify = (settings: DockerNetworkSettings, deadline: number): ResultAsync<DefaultBridgeReport, PortError> =>
    verifyDefaultBridge(engineApi(), defaultBridgeExpectation(settings)).orElse((e) => {
      if (clock.now() >= deadline) return errAsync(portError(e.kind, `dockerd was not verified within ${Math.round(timeoutMs / 1000)} s: ${e.message}`));
      return ResultAsync.fromSafePromise(sleep(clock, options.verifyIntervalMs ?? 500)).andThen(() => verify(settings, deadline));
    });

  return (target: DockerTarget): ResultAsync<DockerReport, PortError> => {
    const settings = dockerNetworkSettings({ subnet: target.subnet, mtu: target.mtu, ipMasq: target.ipMasq });
    if (settings.isErr()) return errAsync(portError(settings.error.kind, settings.error.message));
    const wanted = settings.value;
    return findDockerdCommandLine({ version, ...options.dockerd })
      .mapErr((e) => portError(e.kind, e.message))
      .andThen((dockerd) =>
        planDaemonJsonFile({ path: options.path, settings: wanted, version, allowFindings: options.allowFindings ?? false, ...(dockerd === undefined ? {} : { dockerd }) }).mapErr((
          e,
        ) => portError(e.kind, e.message))
      )
      .andThen((plan) => {
        const warnings = plan.issues.filter((i) => !plan.blocking.includes(i)).map(describeIssue);
        if (plan.blocking.length > 0) {
          const hint = plan.blocking.some((i) => i.category === "security") ? " (--docker-allow-findings writes despite security findings)" : "";
          return errAsync(portError("docker-config-refused", `${options.path} not changed: ${plan.blocking.map((i) => i.message).join("; ")}${hint}`));
        }
        const validate = options.validate ?? validateWithDockerd;
        const checked: ResultAsync<unknown, PortError> = plan.changed
          ? validate(plan.after).mapErr((e) => portError(e.kind, `${options.path} not changed: ${e.message}`))
          : okAsync(undefined);
        return checked
          .andThen(() => writeDaemonJsonPlan(plan).mapErr((e) => portError(e.kind, e.message)))
          .andThen((written) => {
            const report: DockerReport = { path: options.path, changed: written.written, restarted: written.written, warnings };
            if (written.written) return restart().andThen(() => verify(wanted, clock.now() + timeoutMs)).map(() => report);
            // Unchanged file: dockerd may still run with an older one (a
            // previous run stopped between the write and the restart), or not
            // run at all (it stopped in the middle of the restart, which
            // nothing will finish): either way, restart it.
            return verifyDefaultBridge(engineApi(), defaultBridgeExpectation(wanted))
              .map(() => report)
              .orElse(() =>
                restart()
                  .andThen(() => verify(wanted, clock.now() + timeoutMs))
                  .map((): DockerReport => ({ ...report, restarted: true }))
              );
          });
      });
  };
}
