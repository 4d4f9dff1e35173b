import { ResultAsync, err, ok, type Result } from "neverthrow";
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
 * import { rollbackSteps } from "./apply-pipework-plan.ts";
 * import type { PipeworkPlan } from "./plan-pipework.ts";
 * declare const plan: PipeworkPlan;
 * rollbackSteps(plan, 3); // e.g. delete the veth, then the bridge it made
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
 * import { okAsync } from "flannel-ts/core";
 * import { applyPipeworkPlan } from "./apply-pipework-plan.ts";
 * import type { PipeworkPlan } from "./plan-pipework.ts";
 * declare const plan: PipeworkPlan;
 * const applied = await applyPipeworkPlan(plan, () => okAsync(undefined));
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
      const after = undoFailures.length === 0 ? (undone.length === 0 ? "nothing needed undoing" : "what was done is undone") : `${undoFailures.length} undo step${undoFailures.length === 1 ? "" : "s"} failed too, something may be left: ${undoFailures.map((f) => f.reason).join("; ")}`;
      return err({ kind: "step-failed", step, done, reason: result.error.message, undone, undoFailures, message: `${result.error.message}; ${after}` });
    }
    return ok(done);
  };
  return new ResultAsync(go());
}
