/**
 * Docker's daemon.json: parse without loss, merge a lease's network settings,
 * validate with dockerd's rules, and dockerd's command-line flags.
 *
 * @module
 */
export type { JsonArrayNode, JsonBooleanNode, JsonDocument, JsonDuplicateKey, JsonMember, JsonNode, JsonNullNode, JsonNumberNode, JsonObjectNode, JsonStringNode } from "../json/parse-json-tree.ts";
export type { JsonStyle } from "../json/json-edit.ts";
export type { JsonValue } from "../json/json-value.ts";
export { daemonJsonMember, daemonJsonSettings, parseDaemonJson, type DaemonJson, type DaemonJsonError, type DaemonJsonSetting, type ParseDaemonJsonOptions } from "./daemon-json.ts";
export { DOCKERD_VERSIONS, type DockerdFlag, type DockerdFlagKind, type DockerdVersion } from "./dockerd-flags.ts";
export { dockerdArgsWithout, parseDockerdArgs, type DockerdArgItem, type DockerdArgs, type DockerdArgsError } from "./dockerd-args.ts";
export { parseUnitFile, resolveServiceExec, type ExecCommand, type ExecSource, type ExecWord, type ServiceExec, type SystemdUnitError, type UnitFile, type UnitSetting } from "./systemd-unit.ts";
export { dockerNetworkSettings, MANAGED_DAEMON_JSON_KEYS, mergeNetworkSettings, type AddressPool, type DaemonJsonChange, type DaemonJsonMerge, type DockerNetworkSettings, type DockerNetworkSettingsOptions, type LeaseNetwork, type NoIpv4SubnetError } from "./network-settings.ts";
export { blockingIssues, validateDaemonJson, type DaemonJsonIssue, type DaemonJsonIssueKind, type DockerdCommandLine, type ValidateDaemonJsonOptions } from "./validate-daemon-json.ts";
export { planDaemonJson, type DaemonJsonPlan, type PlanDaemonJsonError, type PlanDaemonJsonOptions } from "./plan-daemon-json.ts";
export { defaultBridgeExpectation, verifyDefaultBridge, type BridgeMismatch, type DefaultBridgeExpectation, type DefaultBridgeReport, type EngineNetworkApi, type EngineVerifyError } from "./engine-verify.ts";
