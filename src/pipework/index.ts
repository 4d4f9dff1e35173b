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
export { DEFAULT_CONTAINER_INTERFACE, NEW_BRIDGE_MTU, type InterfaceAddress, type PipeworkAddRequest, type PipeworkRemoveRequest, type PipeworkRequest } from "./pipework-request.ts";
export { MAX_INTERFACE_NAME_BYTES, parseInterfaceName, type InterfaceNameError } from "./parse-interface-name.ts";
export { parseMacAddress, type MacAddressError } from "./parse-mac-address.ts";
export { formatAddressSpec, parseAddressSpec, type AddressSpecError } from "./parse-address-spec.ts";
export { MAX_MTU, MIN_MTU_IPV4, MIN_MTU_IPV6, parsePipeworkArgs, type PipeworkArgError, type PipeworkArgument } from "./parse-pipework-args.ts";
export { vethNames, type VethNames } from "./veth-names.ts";
export { formatPipeworkAlias, parsePipeworkAlias, PIPEWORK_ALIAS, type PipeworkAlias, type ReplacedDefaultRoute } from "./pipework-alias.ts";
export type { ContainerRef, ObservedAddress, ObservedLink, ObservedRoute, PipeworkObservation } from "./pipework-observation.ts";
export { parseIpAddrJson, type IpJsonError } from "./parse-ip-addr-json.ts";
export { parseIpRouteJson } from "./parse-ip-route-json.ts";
export { ENABLE_IPV6_SCRIPT, formatPipeworkStep, type PipeworkStep } from "./pipework-step.ts";
export { planPipework, type PipeworkPlan, type PipeworkPlanError, type PlannedStep } from "./plan-pipework.ts";
export { applyPipeworkPlan, rollbackSteps, type PipeworkApplyError, type PipeworkStepRunner, type StepFailure } from "./apply-pipework-plan.ts";
export { pipeworkReport, type PipeworkReport } from "./pipework-report.ts";
