/**
 * Node.js adapters for the core's interfaces: files, TUN devices, UDP
 * sockets, rtnetlink sockets, clocks.
 *
 * @module
 */
export * from "./atomic-write.ts";
export * from "./read-text-file.ts";
export * from "./subnet-env-file.ts";
export * from "./daemon-json-file.ts";
export * from "./dockerd-validate.ts";
export * from "./systemd-unit-files.ts";
export * from "./run-command.ts";
export * from "./iptables.ts";
export * from "./host-interfaces.ts";
export * from "./healthz.ts";
export * from "./agent-firewall.ts";
export * from "./agent-subnet-file.ts";
export * from "./agent-log.ts";
export * from "./udp-engine-opener.ts";
export * from "./agent-node.ts";
export * from "./agent-dockerd-command-line.ts";
export * from "./agent-docker-step.ts";
export * from "./koffi-libc.ts";
export * from "./udp-engine-node.ts";
export * from "./netlink-socket.ts";
export { DEFAULT_DAD_TIMEOUT_MS, pipework, type PipeworkError, type PipeworkOptions, type PipeworkStepError, type PipeworkUnsettledError } from "./pipework.ts";
export { findPipeworkContainer, type ContainerInspectApi, type PipeworkContainerError } from "./pipework-container.ts";
export { observePipework, type PipeworkCommandError, type PipeworkObserveError } from "./pipework-observe.ts";
