/**
 * `pipework` on a Node.js host: finds the container through the Engine
 * API, looks at the host and the container with `ip -j` (`nsenter` for the
 * container's network namespace), plans, carries the plan out with `ip`,
 * takes it back if a step fails, and checks the result by planning again.
 *
 * @module
 */
import { err, errAsync, ok, okAsync, type Result, ResultAsync } from "neverthrow";
import { type Clock, sleep, systemClock } from "../core/clock.ts";
import type { CommandRunner } from "../core/command-runner.ts";
import { applyPipeworkPlan, type PipeworkApplyError, type PipeworkStepRunner, rollbackSteps, type StepFailure } from "../pipework/apply-pipework-plan.ts";
import { parseIpAddrJson } from "../pipework/parse-ip-addr-json.ts";
import type { ContainerRef } from "../pipework/pipework-observation.ts";
import { type PipeworkReport, pipeworkReport } from "../pipework/pipework-report.ts";
import type { PipeworkRequest } from "../pipework/pipework-request.ts";
import { ENABLE_IPV6_SCRIPT, formatPipeworkStep, type PipeworkStep } from "../pipework/pipework-step.ts";
import { type PipeworkPlanError, planPipework } from "../pipework/plan-pipework.ts";
import { cidrEquals, formatCidr } from "../subnet/index.ts";
import { type ContainerInspectApi, findPipeworkContainer, type PipeworkContainerError } from "./pipework-container.ts";
import { observePipework, type PipeworkObserveError, runIp } from "./pipework-observe.ts";
import { runCommand } from "./run-command.ts";

/** How long {@link pipework} waits for IPv6 duplicate address detection by default. */
export const DEFAULT_DAD_TIMEOUT_MS = 5_000;

/** Options of {@link pipework}; all optional. */
export interface PipeworkOptions {
  /** The Engine API. Default: dockerode on DOCKER_HOST, else /var/run/docker.sock. */
  readonly engine?: ContainerInspectApi;
  /** How `ip` and `nsenter` are run. Default: {@link runCommand}. */
  readonly run?: CommandRunner;
  /** Times the wait for IPv6 duplicate address detection. Default: the system clock. */
  readonly clock?: Clock;
  /** How long to wait for IPv6 duplicate address detection. Default {@link DEFAULT_DAD_TIMEOUT_MS}. */
  readonly dadTimeoutMs?: number;
  /** Told each step (as a shell command) before it runs. Default: nothing. */
  readonly onStep?: (command: string) => void;
}

/** The steps ran, but planning again on the result still found something to do; they were taken back. */
export interface PipeworkUnsettledError {
  readonly kind: "not-settled";
  readonly container: ContainerRef;
  readonly done: readonly PipeworkStep[];
  readonly undone: readonly PipeworkStep[];
  readonly message: string;
}

/** A step failed (and what was done before it was taken back), in the container {@link pipework} worked on. */
export interface PipeworkStepError extends PipeworkApplyError {
  readonly container: ContainerRef;
}

/** Why {@link pipework} did not do what was asked. */
export type PipeworkError = PipeworkContainerError | PipeworkObserveError | PipeworkPlanError | PipeworkStepError | PipeworkUnsettledError;

const POLL_MS = 100;

function stepRunner(container: ContainerRef, run: CommandRunner, clock: Clock, dadTimeoutMs: number, onStep: (command: string) => void): PipeworkStepRunner {
  const failure = (e: { readonly message: string }): StepFailure => ({ message: e.message });
  const awaitDad = (step: Extract<PipeworkStep, { kind: "await-dad" }>): ResultAsync<void, StepFailure> => {
    const deadline = clock.now() + dadTimeoutMs;
    const poll = (): ResultAsync<void, StepFailure> =>
      runIp(run, container.pid, ["-j", "-6", "addr", "show", "dev", step.interface])
        .andThen((text) => parseIpAddrJson(text))
        .mapErr(failure)
        .andThen((links) => {
          const found = links.flatMap((l) => l.addresses).find((a) => cidrEquals(a.cidr, step.address));
          const shown = formatCidr(step.address);
          if (found === undefined) return errAsync({ message: `${shown} is no longer on ${step.interface}` });
          if (found.dadFailed) return errAsync({ message: `${shown} is already used on the link: IPv6 duplicate address detection failed on ${step.interface}` });
          if (!found.tentative) return okAsync(undefined);
          if (clock.now() >= deadline) return errAsync({ message: `${shown} on ${step.interface} is still tentative after ${dadTimeoutMs} ms (is the bridge up and forwarding?)` });
          return ResultAsync.fromSafePromise(sleep(clock, POLL_MS)).andThen(poll);
        });
    return poll();
  };
  return (step) => {
    onStep(formatPipeworkStep(step, container.pid));
    if (step.kind === "await-dad") return awaitDad(step);
    if (step.kind === "enable-ipv6") {
      return run("nsenter", ["-t", String(container.pid), "-n", "sh", "-c", ENABLE_IPV6_SCRIPT, "sh", step.interface])
        .mapErr(failure)
        .andThen((
          out,
        ) => (out.code === 0 ? okAsync(undefined) : errAsync({ message: `turning IPv6 on for ${step.interface} in the container failed (${out.code}): ${out.stderr.trim()}` })));
    }
    return runIp(run, step.where === "host" ? undefined : container.pid, step.args)
      .map(() => undefined)
      .mapErr(failure);
  };
}

function undoAll(steps: readonly PipeworkStep[], runStep: PipeworkStepRunner): Promise<PipeworkStep[]> {
  return steps.reduce<Promise<PipeworkStep[]>>(async (acc, step) => {
    const undone = await acc;
    const result = await runStep(step);
    return result.isOk() ? [...undone, step] : undone;
  }, Promise.resolve([]));
}

/**
 * Gives a running container one more interface on a Linux bridge of the
 * host, or takes it out again (`action: "remove"`), as
 * `flannel-ts pipework` does: see `planPipework` in `flannel-ts/pipework`
 * for the steps, and docs/pipework.md. Needs root (or CAP_NET_ADMIN and
 * CAP_SYS_ADMIN for `nsenter`), iproute2's `ip` and util-linux's `nsenter`.
 *
 * Nothing is done when the plan fails (the container is unknown or
 * stopped, the name or the address is taken); a step that fails takes back
 * those before it; the same request twice does nothing the second time
 * (`changed: false`).
 *
 * @param request from `parsePipeworkArgs`, or built by hand
 * @param options the Engine API, the command runner, the DAD timeout; all optional
 * @returns what was done, or a {@link PipeworkError}
 * @example
 * ```ts ignore
 * import { pipework } from "flannel-ts/node";
 * import { parsePipeworkArgs } from "../pipework/parse-pipework-args.ts";
 * // As root, with dockerd: type-checked, not run.
 * const request = parsePipeworkArgs(["docker0", "-i", "eth1", "web", "172.20.59.200/24@172.20.59.1"]);
 * if (request.isErr()) console.error(request.error.message);
 * else {
 *   const done = await pipework(request.value);
 *   if (done.isErr()) console.error(done.error.message);
 *   else console.log(done.value.changed ? done.value.steps : "nothing to do");
 * }
 * ```
 */
export function pipework(request: PipeworkRequest, options: PipeworkOptions = {}): ResultAsync<PipeworkReport, PipeworkError> {
  const run = options.run ?? runCommand;
  const clock = options.clock ?? systemClock;
  const go = async (): Promise<Result<PipeworkReport, PipeworkError>> => {
    // dockerode loads only when no engine is given, not when this module is imported.
    const engine: ContainerInspectApi = options.engine !== undefined ? options.engine : await import("dockerode").then(({ default: Docker }) => new Docker());
    const container = await findPipeworkContainer(engine, request.container);
    if (container.isErr()) return err(container.error);
    const before = await observePipework(container.value, run);
    if (before.isErr()) return err(before.error);
    const plan = planPipework(request, before.value);
    if (plan.isErr()) return err(plan.error);
    if (plan.value.steps.length === 0) return ok(pipeworkReport(request, plan.value, [], before.value));

    const runStep = stepRunner(container.value, run, clock, options.dadTimeoutMs ?? DEFAULT_DAD_TIMEOUT_MS, options.onStep ?? (() => undefined));
    const done = await applyPipeworkPlan(plan.value, runStep);
    if (done.isErr()) return err({ ...done.error, container: container.value });
    // Planning again on the result must find nothing to do: that checks the steps did what the plan meant.
    const after = await observePipework(container.value, run);
    let why: string;
    if (after.isErr()) why = after.error.message;
    else {
      const again = planPipework(request, after.value);
      if (again.isOk() && again.value.steps.length === 0) return ok(pipeworkReport(request, plan.value, done.value, after.value));
      why = again.isErr() ? again.error.message : `still to do: ${again.value.steps.map((s) => formatPipeworkStep(s.step, container.value.pid)).join("; ")}`;
    }
    const undone = await undoAll(rollbackSteps(plan.value, done.value.length), runStep);
    return err({
      kind: "not-settled",
      container: container.value,
      done: done.value,
      undone,
      message: `the steps ran, but the result is not what was asked (${why}); ${undone.length === 0 ? "nothing to take back" : "they were taken back"}`,
    });
  };
  return new ResultAsync(go());
}
