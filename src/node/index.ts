/**
 * Node.js adapters for the core's interfaces: files, TUN devices, UDP
 * sockets, rtnetlink sockets, clocks.
 *
 * @module
 */
export {
  atomicWriteFile,
  type AtomicWriteFs,
  type AtomicWriteOptions,
  type AtomicWriteReport,
  type AtomicWriteStep,
  checkAtomicWrite,
  type FileWriteError,
} from "./atomic-write.ts";
export { DEFAULT_MAX_READ_BYTES, type FileReadError, type ReadFileOptions, readRegularFile, readTextFile } from "./read-text-file.ts";
export { readSubnetEnvFile, SUBNET_ENV_MAX_BYTES, writeSubnetEnvFile, type WriteSubnetEnvFileOptions } from "./subnet-env-file.ts";
export {
  DAEMON_JSON_MAX_BYTES,
  planDaemonJsonFile,
  type WriteDaemonJsonError,
  type WriteDaemonJsonOptions,
  writeDaemonJsonPlan,
  type WriteDaemonJsonResult,
} from "./daemon-json-file.ts";
export { type DockerdValidateError, type DockerdValidateOptions, type DockerdValidateOutcome, validateWithDockerd } from "./dockerd-validate.ts";
export {
  dockerdCommandLineFromSystemd,
  type DockerdFromSystemdOptions,
  readSystemdService,
  type ReadSystemdServiceError,
  type ReadSystemdServiceOptions,
  SYSTEMD_UNIT_PATH,
  type SystemdService,
} from "./systemd-unit-files.ts";
export { runCommand } from "./run-command.ts";
export { ensureIptablesRules, type IptablesError, type IptablesOptions, removeIptablesRules } from "./iptables.ts";
export { defaultRouteInterface, listHostInterfaces } from "./host-interfaces.ts";
export { type Health, type HealthzError, type HealthzServer, startHealthz } from "./healthz.ts";
export { iptablesFirewall } from "./agent-firewall.ts";
export { subnetEnvFileWriter } from "./agent-subnet-file.ts";
export { agentLogWriter } from "./agent-log.ts";
export { udpEngineOpener, type UdpEngineOpenerOptions } from "./udp-engine-opener.ts";
export { type NodeAgent, type NodeAgentError, type NodeAgentOptions, nodeBackends, type NodeBackendsOptions, startNodeAgent } from "./agent-node.ts";
export { type DockerdCommandLineError, findDockerdCommandLine, type FindDockerdCommandLineOptions, runningDockerdCommandLine } from "./agent-dockerd-command-line.ts";
export { dockerStep, type DockerStepOptions, engineFromEnvironment } from "./agent-docker-step.ts";
export { koffiLibc } from "./koffi-libc.ts";
export { startUdpEngine } from "./udp-engine-node.ts";
export { openNetlinkSocket, openRtnetlink } from "./netlink-socket.ts";
export { type RouteLookupPort, routeToAddress } from "./route-to-address.ts";
export { DEFAULT_DAD_TIMEOUT_MS, pipework, type PipeworkError, type PipeworkOptions, type PipeworkStepError, type PipeworkUnsettledError } from "./pipework.ts";
export { type ContainerInspectApi, findPipeworkContainer, type PipeworkContainerError } from "./pipework-container.ts";
export { observePipework, type PipeworkCommandError, type PipeworkObserveError } from "./pipework-observe.ts";
export { type KernelBackendsOptions, nodeKernelBackends, nodeRtnetlinkOpener } from "./kernel-backends.ts";
