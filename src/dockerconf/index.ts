/**
 * Docker's daemon.json: parse without loss, merge a lease's network settings,
 * validate with dockerd's rules, and dockerd's command-line flags.
 *
 * @module
 */
export type {
  JsonArrayNode,
  JsonBooleanNode,
  JsonDocument,
  JsonDuplicateKey,
  JsonMember,
  JsonNode,
  JsonNullNode,
  JsonNumberNode,
  JsonObjectNode,
  JsonStringNode,
} from "../json/parse-json-tree.ts";
export type { JsonStyle } from "../json/json-edit.ts";
export type { JsonValue } from "../json/json-value.ts";
export {
  type DaemonJson,
  type DaemonJsonError,
  daemonJsonMember,
  type DaemonJsonSetting,
  daemonJsonSettings,
  parseDaemonJson,
  type ParseDaemonJsonOptions,
} from "./daemon-json.ts";
export { DOCKERD_VERSIONS, type DockerdFlag, type DockerdFlagKind, type DockerdVersion } from "./dockerd-flags.ts";
export { type DockerdArgItem, type DockerdArgs, type DockerdArgsError, dockerdArgsWithout, parseDockerdArgs } from "./dockerd-args.ts";
export {
  type ExecCommand,
  type ExecSource,
  type ExecWord,
  parseUnitFile,
  resolveServiceExec,
  type ServiceExec,
  type SystemdUnitError,
  type UnitFile,
  type UnitSetting,
} from "./systemd-unit.ts";
export {
  type AddressPool,
  type DaemonJsonChange,
  type DaemonJsonMerge,
  type DockerNetworkSettings,
  dockerNetworkSettings,
  type DockerNetworkSettingsOptions,
  type LeaseNetwork,
  MANAGED_DAEMON_JSON_KEYS,
  mergeNetworkSettings,
  type NoIpv4SubnetError,
} from "./network-settings.ts";
export {
  blockingIssues,
  type DaemonJsonIssue,
  type DaemonJsonIssueKind,
  type DockerdCommandLine,
  validateDaemonJson,
  type ValidateDaemonJsonOptions,
} from "./validate-daemon-json.ts";
export { type DaemonJsonPlan, planDaemonJson, type PlanDaemonJsonError, type PlanDaemonJsonOptions } from "./plan-daemon-json.ts";
export {
  type BridgeMismatch,
  type DefaultBridgeExpectation,
  defaultBridgeExpectation,
  type DefaultBridgeReport,
  type EngineNetworkApi,
  type EngineVerifyError,
  verifyDefaultBridge,
} from "./engine-verify.ts";
