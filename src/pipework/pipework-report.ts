import { cidrEquals, formatCidr, formatIp } from "../subnet/index.ts";
import type { ContainerRef, PipeworkObservation } from "./pipework-observation.ts";
import type { PipeworkRequest } from "./pipework-request.ts";
import { formatPipeworkStep, type PipeworkStep } from "./pipework-step.ts";
import type { PipeworkPlan } from "./plan-pipework.ts";

/** What `pipework` did, as `flannel-ts pipework --json` prints it. */
export interface PipeworkReport {
  readonly action: "add" | "remove";
  /** False when there was nothing to do. */
  readonly changed: boolean;
  readonly container: ContainerRef;
  readonly bridge: string;
  readonly bridgeCreated: boolean;
  readonly bridgeRemoved: boolean;
  /** The container's interface was deleted (removing). */
  readonly interfaceRemoved: boolean;
  /** The interface's name in the container. */
  readonly interface: string;
  /** The veth's host end. */
  readonly hostInterface: string;
  /** The interface as it is now (after adding): its address, default gateway, MAC and MTU. */
  readonly address?: string;
  readonly gateway?: string;
  readonly mac?: string;
  readonly mtu?: number;
  /** The commands run, as a shell would write them. */
  readonly steps: readonly string[];
  readonly notes: readonly string[];
}

/**
 * Describes a finished run: the plan, the steps done and, after adding,
 * the interface as observed afterwards.
 *
 * @param request what was asked
 * @param plan what was planned
 * @param done the steps done
 * @param after the observation after the steps (adding only)
 * @returns the report
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pipeworkReport } from "./pipework-report.ts";
 * import { parsePipeworkArgs, planPipework } from "./index.ts";
 * // A new bridge br-test and a veth into the container web, as planned from what ip showed.
 * const request = parsePipeworkArgs(["br-test", "web", "10.9.0.2/24"])._unsafeUnwrap();
 * const plan = planPipework(request, {
 *   container: { id: "45ab2b0db5bc", name: "web", pid: 4242 },
 *   host: [],
 *   containerLinks: [{ index: 1, name: "lo", mtu: 65536, up: true, addresses: [] }],
 *   containerRoutes: [],
 * })._unsafeUnwrap();
 * assert.equal(pipeworkReport(request, plan, []).changed, false); // nothing was done
 * ```
 */
export function pipeworkReport(request: PipeworkRequest, plan: PipeworkPlan, done: readonly PipeworkStep[], after?: PipeworkObservation): PipeworkReport {
  const inside = after?.containerLinks.find((l) => l.name === plan.containerInterface);
  const wanted = request.address;
  const address = wanted === undefined ? undefined : inside?.addresses.find((a) => cidrEquals(a.cidr, wanted.address));
  const family = wanted?.address.family;
  const route = inside === undefined ? undefined : after?.containerRoutes.find((r) => r.family === family && r.dev === inside.name && r.gateway !== undefined);
  return {
    action: plan.action,
    changed: done.length > 0,
    container: plan.container,
    bridge: plan.bridge,
    bridgeCreated: plan.createsBridge && done.length > 0,
    bridgeRemoved: plan.removesBridge && done.length > 0,
    interfaceRemoved: plan.removesInterface && done.length > 0,
    interface: plan.containerInterface,
    hostInterface: plan.hostInterface,
    ...(address !== undefined && { address: formatCidr(address.cidr) }),
    ...(route?.gateway !== undefined && { gateway: formatIp(route.gateway) }),
    ...(inside?.mac !== undefined && { mac: inside.mac }),
    ...(inside !== undefined && { mtu: inside.mtu }),
    steps: done.map((s) => formatPipeworkStep(s, plan.container.pid)),
    notes: plan.notes,
  };
}
