/**
 * pipework's job for a host bridge: give a running container one more
 * interface on a bridge of the host, at a chosen address, gateway, MAC and
 * MTU, without restarting it; and take it out again. This module is pure:
 * the arguments, the `ip -j` output it reads, the plan of steps with their
 * undo, and the loop that carries a plan out through a port. The Node.js
 * adapter (Engine API, `ip`, `nsenter`) is `pipework` in `flannel-ts/node`.
 *
 * @module
 */
export {
  DEFAULT_CONTAINER_INTERFACE,
  type InterfaceAddress,
  NEW_BRIDGE_MTU,
  type PipeworkAddRequest,
  type PipeworkRemoveRequest,
  type PipeworkRequest,
} from "./pipework-request.ts";
export { type InterfaceNameError, MAX_INTERFACE_NAME_BYTES, parseInterfaceName } from "./parse-interface-name.ts";
export { type MacAddressError, parseMacAddress } from "./parse-mac-address.ts";
export { type AddressSpecError, formatAddressSpec, parseAddressSpec } from "./parse-address-spec.ts";
export { MAX_MTU, MIN_MTU_IPV4, MIN_MTU_IPV6, parsePipeworkArgs, type PipeworkArgError, type PipeworkArgument } from "./parse-pipework-args.ts";
export { type VethNames, vethNames } from "./veth-names.ts";
export { formatPipeworkAlias, parsePipeworkAlias, PIPEWORK_ALIAS, type PipeworkAlias, type ReplacedDefaultRoute } from "./pipework-alias.ts";
export type { ContainerRef, ObservedAddress, ObservedLink, ObservedRoute, PipeworkObservation } from "./pipework-observation.ts";
export { type IpJsonError, parseIpAddrJson } from "./parse-ip-addr-json.ts";
export { parseIpRouteJson } from "./parse-ip-route-json.ts";
export { ENABLE_IPV6_SCRIPT, formatPipeworkStep, type PipeworkStep } from "./pipework-step.ts";
export { type PipeworkPlan, type PipeworkPlanError, type PlannedStep, planPipework } from "./plan-pipework.ts";
export { applyPipeworkPlan, type PipeworkApplyError, type PipeworkStepRunner, rollbackSteps, type StepFailure } from "./apply-pipework-plan.ts";
export { type PipeworkReport, pipeworkReport } from "./pipework-report.ts";
