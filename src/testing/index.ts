/**
 * The test kit: etcd and Docker-in-Docker hosts through testcontainers, with
 * images built locally when no registry is reachable.
 *
 * @module
 */
export type { EnsureImageOptions } from "./_image-build.ts";
export { ensureEtcdImage } from "./ensure-etcd-image.ts";
export type { EtcdctlOptions, EtcdMember, EtcdTlsFiles } from "./etcd-member.ts";
export { type EtcdNode, startEtcd, type StartEtcdOptions } from "./start-etcd.ts";
export { type EtcdCluster, startEtcdCluster, type StartEtcdClusterOptions } from "./start-etcd-cluster.ts";
export { ensureDockerHostImage, innerBusyboxImage, innerBusyboxTar } from "./ensure-docker-host-image.ts";
export { type DockerHost, type DockerHostMount, type InnerImage, startDockerHost, type StartDockerHostOptions } from "./start-docker-host.ts";
export { type DockerHosts, startDockerHosts, type StartDockerHostsOptions } from "./start-docker-hosts.ts";
export type { SpawnedProcess, SpawnOptions } from "./spawned-process.ts";
export { type ExecTarget, inspectHostNetwork, type NetworkInterface, type NetworkView } from "./inspect-host-network.ts";
export { type ContainerNetworkView, type DockerNetworkAttachment, inspectContainerNetwork } from "./inspect-container-network.ts";
export { type IpAddress, parseIpAddr } from "./parse-ip-addr.ts";
export { type IpLink, parseIpLink } from "./parse-ip-link.ts";
export { type IpRoute, parseIpRoute } from "./parse-ip-route.ts";
export { FLANNEL_TS_IN_HOST, flannelTsMounts, type FlannelTsMountsOptions, type HostAgent, runAgent, type RunAgentOptions } from "./run-agent.ts";
export { type AgentHosts, type NetworkBackend, runAgentHosts, type RunAgentHostsOptions } from "./run-agent-hosts.ts";
export { type ContractExpect, registryContract, type RegistryContractCase, type RegistryContractHarness } from "./registry-contract.ts";
