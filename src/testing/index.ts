/**
 * The test kit: etcd and Docker-in-Docker hosts through testcontainers, with
 * images built locally when no registry is reachable.
 *
 * @module
 */
export type { EnsureImageOptions } from "./_image-build.ts";
export { ensureEtcdImage } from "./ensure-etcd-image.ts";
export type { EtcdctlOptions, EtcdMember, EtcdTlsFiles } from "./etcd-member.ts";
export { startEtcd, type EtcdNode, type StartEtcdOptions } from "./start-etcd.ts";
export { startEtcdCluster, type EtcdCluster, type StartEtcdClusterOptions } from "./start-etcd-cluster.ts";
export { ensureDockerHostImage, innerBusyboxImage, innerBusyboxTar } from "./ensure-docker-host-image.ts";
export { startDockerHost, type DockerHost, type DockerHostMount, type InnerImage, type StartDockerHostOptions } from "./start-docker-host.ts";
export { startDockerHosts, type DockerHosts, type StartDockerHostsOptions } from "./start-docker-hosts.ts";
export type { SpawnedProcess, SpawnOptions } from "./spawned-process.ts";
export { inspectHostNetwork, type ExecTarget, type NetworkInterface, type NetworkView } from "./inspect-host-network.ts";
export { inspectContainerNetwork, type ContainerNetworkView, type DockerNetworkAttachment } from "./inspect-container-network.ts";
export { parseIpAddr, type IpAddress } from "./parse-ip-addr.ts";
export { parseIpLink, type IpLink } from "./parse-ip-link.ts";
export { parseIpRoute, type IpRoute } from "./parse-ip-route.ts";
export { FLANNEL_TS_IN_HOST, flannelTsMounts, runAgent, type FlannelTsMountsOptions, type HostAgent, type RunAgentOptions } from "./run-agent.ts";
export { runAgentHosts, type AgentHosts, type NetworkBackend, type RunAgentHostsOptions } from "./run-agent-hosts.ts";
export { registryContract, type ContractExpect, type RegistryContractCase, type RegistryContractHarness } from "./registry-contract.ts";
