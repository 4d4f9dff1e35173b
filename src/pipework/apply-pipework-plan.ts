import { err, ok, type Result, ResultAsync } from "neverthrow";
import type { PipeworkPlan } from "./plan-pipework.ts";
import type { PipeworkStep } from "./pipework-step.ts";

/** Why one step failed, in the words of the command that ran it. */
export interface StepFailure {
  readonly message: string;
}

/** Carries out one step (the Node adapter runs `ip` or `nsenter`); the port {@link applyPipeworkPlan} drives. */
export type PipeworkStepRunner = (step: PipeworkStep) => ResultAsync<void, StepFailure>;

/** A step that failed, and what was taken back afterwards. */
export interface PipeworkApplyError {
  readonly kind: "step-failed";
  /** The step that failed. */
  readonly step: PipeworkStep;
  /** The steps done before it. */
  readonly done: readonly PipeworkStep[];
  readonly reason: string;
  /** The undo steps that ran, in order. */
  readonly undone: readonly PipeworkStep[];
  /** Undo steps that failed too: something may be left behind. */
  readonly undoFailures: readonly { readonly step: PipeworkStep; readonly reason: string }[];
  readonly message: string;
}

/**
 * The undo steps for the first `completed` steps of a plan, last first.
 *
 * @param plan the plan
 * @param completed how many of its steps were done
 * @returns the steps that take them back
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePipeworkArgs, planPipework, rollbackSteps } from "./index.ts";
 * // A new bridge br-test and a veth into the container web, as planned from what ip showed.
 * const request = parsePipeworkArgs(["br-test", "web", "10.9.0.2/24"])._unsafeUnwrap();
 * const plan = planPipework(request, {
 *   container: { id: "45ab2b0db5bc", name: "web", pid: 4242 },
 *   host: [],
 *   containerLinks: [{ index: 1, name: "lo", mtu: 65536, up: true, addresses: [] }],
 *   containerRoutes: [],
 * })._unsafeUnwrap();
 * const undo = rollbackSteps(plan, 3);
 * assert.ok(undo.length > 0 && undo.length <= 3); // the undo steps of the first three, last first
 * ```
 */
export function rollbackSteps(plan: PipeworkPlan, completed: number): PipeworkStep[] {
  return plan.steps
    .slice(0, completed)
    .flatMap((s) => (s.undo === undefined ? [] : [s.undo]))
    .reverse();
}

/**
 * Carries out a plan's steps in order through `run`. When a step fails, the
 * steps done so far are taken back (their undo steps, last first; an undo
 * that fails does not stop the others) and the failure is returned with
 * what was undone.
 *
 * @param plan from `planPipework`
 * @param run carries out one step
 * @returns the steps done, or a {@link PipeworkApplyError}
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { okAsync } from "flannel-ts/core";
 * import { applyPipeworkPlan } from "./apply-pipework-plan.ts";
 * import { parsePipeworkArgs, planPipework } from "./index.ts";
 * // A new bridge br-test and a veth into the container web, as planned from what ip showed.
 * const request = parsePipeworkArgs(["br-test", "web", "10.9.0.2/24"])._unsafeUnwrap();
 * const plan = planPipework(request, {
 *   container: { id: "45ab2b0db5bc", name: "web", pid: 4242 },
 *   host: [],
 *   containerLinks: [{ index: 1, name: "lo", mtu: 65536, up: true, addresses: [] }],
 *   containerRoutes: [],
 * })._unsafeUnwrap();
 * const ran: string[] = [];
 * const applied = await applyPipeworkPlan(plan, (step) => {
 *   ran.push(step.kind); // a real runner runs ip or nsenter here
 *   return okAsync(undefined);
 * });
 * assert.equal(applied.isOk() && applied.value.length, plan.steps.length);
 * assert.equal(ran.length, plan.steps.length);
 * ```
 */
export function applyPipeworkPlan(plan: PipeworkPlan, run: PipeworkStepRunner): ResultAsync<readonly PipeworkStep[], PipeworkApplyError> {
  const go = async (): Promise<Result<readonly PipeworkStep[], PipeworkApplyError>> => {
    const done: PipeworkStep[] = [];
    for (const { step } of plan.steps) {
      const result = await run(step);
      if (result.isOk()) {
        done.push(step);
        continue;
      }
      const undone: PipeworkStep[] = [];
      const undoFailures: { step: PipeworkStep; reason: string }[] = [];
      for (const undo of rollbackSteps(plan, done.length)) {
        const taken = await run(undo);
        if (taken.isOk()) undone.push(undo);
        else undoFailures.push({ step: undo, reason: taken.error.message });
      }
      const after = undoFailures.length === 0
        ? (undone.length === 0 ? "nothing needed undoing" : "what was done is undone")
        : `${undoFailures.length} undo step${undoFailures.length === 1 ? "" : "s"} failed too, something may be left: ${undoFailures.map((f) => f.reason).join("; ")}`;
      return err({ kind: "step-failed", step, done, reason: result.error.message, undone, undoFailures, message: `${result.error.message}; ${after}` });
    }
    return ok(done);
  };
  return new ResultAsync(go());
}
