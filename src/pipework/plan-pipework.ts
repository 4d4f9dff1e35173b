import type { Result } from "neverthrow";
import { planAdd } from "./_plan-add.ts";
import { planRemove } from "./_plan-remove.ts";
import type { ContainerRef, PipeworkObservation } from "./pipework-observation.ts";
import type { PipeworkRequest } from "./pipework-request.ts";
import type { PipeworkStep } from "./pipework-step.ts";

/** A step of a plan, and what takes it back if a later step fails. */
export interface PlannedStep {
  readonly step: PipeworkStep;
  /** Omitted when an earlier step's undo takes this one back too (deleting one veth end deletes both). */
  readonly undo?: PipeworkStep;
}

/** What `pipework` will do, in order; empty steps mean there is nothing to do. */
export interface PipeworkPlan {
  readonly action: "add" | "remove";
  readonly container: ContainerRef;
  readonly bridge: string;
  readonly containerInterface: string;
  /** The veth's host end, a port of the bridge. */
  readonly hostInterface: string;
  /** The bridge does not exist and the plan creates it. */
  readonly createsBridge: boolean;
  /** The plan deletes the bridge (flannel-ts made it, and nothing else is on it). */
  readonly removesBridge: boolean;
  /** The plan deletes the container's interface (removing, when it is there). */
  readonly removesInterface: boolean;
  readonly steps: readonly PlannedStep[];
  /** Things worth saying that are not errors, e.g. which default route is replaced. */
  readonly notes: readonly string[];
}

/** Why the request cannot be carried out on what was observed; nothing was done. */
export type PipeworkPlanError =
  | { readonly kind: "not-a-bridge"; readonly bridge: string; readonly linkKind: string; readonly message: string }
  | { readonly kind: "interface-in-use"; readonly interface: string; readonly message: string }
  | { readonly kind: "interface-differs"; readonly interface: string; readonly differences: readonly string[]; readonly message: string }
  | { readonly kind: "name-in-use"; readonly name: string; readonly where: "host" | "container"; readonly message: string }
  | { readonly kind: "address-in-use"; readonly address: string; readonly interface: string; readonly message: string }
  | { readonly kind: "address-on-bridge"; readonly address: string; readonly bridge: string; readonly message: string }
  | { readonly kind: "mtu-too-small"; readonly mtu: number; readonly message: string }
  | { readonly kind: "not-ours"; readonly interface: string; readonly message: string }
  | { readonly kind: "remove-mismatch"; readonly interface: string; readonly differences: readonly string[]; readonly message: string };

/**
 * Plans `pipework`: from the request and what is there now (the host's
 * interfaces, the container's interfaces and default routes) to the steps
 * that get there, each with its undo, or to an error before any step.
 *
 * Adding: the bridge is created when missing (with the alias
 * `flannel-ts pipework`), a veth pair is made with the MTU asked for or the
 * bridge's, its host end joins the bridge, the other end moves into the
 * container and takes the name, MAC, address and alias; with a gateway the
 * container's default routes of that family are replaced. If the container
 * already has exactly that interface from an earlier run, there is nothing
 * to do; if its name or address is taken there, it is an error.
 *
 * Removing: the container's interface is deleted (its host end goes with
 * it), the default route it replaced is put back, and the bridge is deleted
 * when flannel-ts created it and nothing else is on it.
 *
 * @param request what to do
 * @param observed what is there
 * @returns the plan, or a {@link PipeworkPlanError}
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ok } from "flannel-ts/core";
 * import { planPipework } from "./plan-pipework.ts";
 * import { parsePipeworkArgs } from "./parse-pipework-args.ts";
 * const request = parsePipeworkArgs(["br-test", "web", "10.9.0.2/24"])._unsafeUnwrap();
 * const plan = planPipework(request, {
 *   container: { id: "45ab2b0db5bc", name: "web", pid: 4242 },
 *   host: [],
 *   containerLinks: [{ index: 1, name: "lo", mtu: 65536, up: true, addresses: [] }],
 *   containerRoutes: [],
 * });
 * assert.deepEqual(plan.map((p) => p.createsBridge), ok(true)); // br-test is not on the host yet
 * ```
 */
export function planPipework(request: PipeworkRequest, observed: PipeworkObservation): Result<PipeworkPlan, PipeworkPlanError> {
  return request.action === "add" ? planAdd(request, observed) : planRemove(request, observed);
}
