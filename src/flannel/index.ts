/**
 * flannel's behaviour: lease policy, subnet.env, Docker options, iptables
 * rules and the agent.
 *
 * @module
 */
export type { DotenvEntry, DotenvError, DotenvExpansionError, DotenvSyntaxError, DotenvTooLargeError, ParseDotenvOptions } from "./subnet-env-dotenv.ts";
export { checkSubnetEnv, formatSubnetEnv, parseSubnetEnv, SUBNET_ENV_KEYS, SUBNET_ENV_MAX_MTU, SUBNET_ENV_MIN_IPV6_MTU, SUBNET_ENV_MIN_MTU, subnetEnvVariables, subnetGateway, type FormatSubnetEnvOptions, type SubnetEnv, type SubnetEnvCheckError, type SubnetEnvError } from "./subnet-env.ts";
export { DOCKER_OPTS_DEFAULTS, mkDockerOpts, type DockerOptsError, type DockerOptsOptions } from "./docker-opts.ts";
export { FORWARD_CHAIN, forwardRules, MASQ_CHAIN, masqRules, type IptablesRule, type MasqOptions } from "./iptables-rules.ts";
export { chooseExternalInterface, type ExternalInterfaceError, type ExternalInterfaceOptions, type HostInterface } from "./external-interface.ts";
export { acquireLease, readNetworkConfig, subnetFitsConfig, takenSubnets, type AcquireBackoff, type AcquiredLease, type AcquireLeaseError, type AcquireLeaseOptions, type LeaseSource } from "./lease-acquire.ts";
export { PeerLeaseSet, type OwnLease, type PeerLeaseEvent } from "./lease-peer-set.ts";
export { watchPeerLeases, type PeerLeaseWatch, type WatchPeerLeasesOptions } from "./lease-peer-watch.ts";
export { LeaseManager, type LeaseManagerEvent, type LeaseManagerOptions } from "./lease-manager.ts";
export type { ConfigSource, DockerReport, DockerStep, DockerTarget, Firewall, HeldLease, LeaseKeeper, LeaseKeeperEvent, LeaseRequest, PeerSource, PeerWatch, PortError, SubnetFileWriter } from "./agent-ports.ts";
export { agentEventLevel, formatAgentEvent, type AgentEvent, type AgentEventLevel } from "./agent-events.ts";
export { DEFAULT_RECONCILE_SECONDS, startAgent, type AgentCounters, type AgentError, type AgentExit, type AgentHealth, type AgentOptions, type AgentPeer, type AgentStatus, type AgentStep, type RunningAgent } from "./agent.ts";
export { registryLeases, type RegistryLeases, type RegistryLeasesOptions } from "./agent-registry-leases.ts";
