/**
 * Node.js adapters for the core's interfaces: files, TUN devices, UDP
 * sockets, rtnetlink sockets, clocks.
 *
 * @module
 */
export { atomicWriteFile, checkAtomicWrite, type AtomicWriteFs, type AtomicWriteOptions, type AtomicWriteReport, type AtomicWriteStep, type FileWriteError } from "./atomic-write.ts";
export { DEFAULT_MAX_READ_BYTES, readRegularFile, readTextFile, type FileReadError, type ReadFileOptions } from "./read-text-file.ts";
export { readSubnetEnvFile, SUBNET_ENV_MAX_BYTES, writeSubnetEnvFile, type WriteSubnetEnvFileOptions } from "./subnet-env-file.ts";
export { DAEMON_JSON_MAX_BYTES, planDaemonJsonFile, writeDaemonJsonPlan, type WriteDaemonJsonError, type WriteDaemonJsonOptions, type WriteDaemonJsonResult } from "./daemon-json-file.ts";
export { validateWithDockerd, type DockerdValidateError, type DockerdValidateOptions, type DockerdValidateOutcome } from "./dockerd-validate.ts";
export { dockerdCommandLineFromSystemd, readSystemdService, SYSTEMD_UNIT_PATH, type DockerdFromSystemdOptions, type ReadSystemdServiceError, type ReadSystemdServiceOptions, type SystemdService } from "./systemd-unit-files.ts";
export { runCommand } from "./run-command.ts";
export { ensureIptablesRules, removeIptablesRules, type IptablesError, type IptablesOptions } from "./iptables.ts";
export { defaultRouteInterface, listHostInterfaces } from "./host-interfaces.ts";
export { startHealthz, type Health, type HealthzError, type HealthzServer } from "./healthz.ts";
export { iptablesFirewall } from "./agent-firewall.ts";
export { subnetEnvFileWriter } from "./agent-subnet-file.ts";
export { agentLogWriter } from "./agent-log.ts";
export { udpEngineOpener, type UdpEngineOpenerOptions } from "./udp-engine-opener.ts";
export { nodeBackends, startNodeAgent, type NodeAgent, type NodeAgentError, type NodeAgentOptions, type NodeBackendsOptions } from "./agent-node.ts";
export { findDockerdCommandLine, runningDockerdCommandLine, type DockerdCommandLineError, type FindDockerdCommandLineOptions } from "./agent-dockerd-command-line.ts";
export { dockerStep, engineFromEnvironment, type DockerStepOptions } from "./agent-docker-step.ts";
export { koffiLibc } from "./koffi-libc.ts";
export { startUdpEngine } from "./udp-engine-node.ts";
export { openNetlinkSocket, openRtnetlink } from "./netlink-socket.ts";
export { DEFAULT_DAD_TIMEOUT_MS, pipework, type PipeworkError, type PipeworkOptions, type PipeworkStepError, type PipeworkUnsettledError } from "./pipework.ts";
export { findPipeworkContainer, type ContainerInspectApi, type PipeworkContainerError } from "./pipework-container.ts";
export { observePipework, type PipeworkCommandError, type PipeworkObserveError } from "./pipework-observe.ts";
export { nodeKernelBackends, nodeRtnetlinkOpener, type KernelBackendsOptions } from "./kernel-backends.ts";
