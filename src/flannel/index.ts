/**
 * flannel's behaviour: lease policy, subnet.env, Docker options, iptables
 * rules and the agent.
 *
 * @module
 */
export type { DotenvEntry, DotenvError, DotenvExpansionError, DotenvSyntaxError, DotenvTooLargeError, ParseDotenvOptions } from "./subnet-env-dotenv.ts";
export {
  checkSubnetEnv,
  formatSubnetEnv,
  type FormatSubnetEnvOptions,
  parseSubnetEnv,
  SUBNET_ENV_KEYS,
  SUBNET_ENV_MAX_MTU,
  SUBNET_ENV_MIN_IPV6_MTU,
  SUBNET_ENV_MIN_MTU,
  type SubnetEnv,
  type SubnetEnvCheckError,
  type SubnetEnvError,
  subnetEnvVariables,
  subnetGateway,
} from "./subnet-env.ts";
export { DOCKER_OPTS_DEFAULTS, type DockerOptsError, type DockerOptsOptions, mkDockerOpts } from "./docker-opts.ts";
export { FORWARD_CHAIN, forwardRules, type IptablesRule, MASQ_CHAIN, type MasqOptions, masqRules } from "./iptables-rules.ts";
export { chooseExternalInterface, type ExternalInterfaceError, type ExternalInterfaceOptions, type HostInterface, type RouteToAddress } from "./external-interface.ts";
export {
  type AcquireBackoff,
  type AcquiredLease,
  acquireLease,
  type AcquireLeaseError,
  type AcquireLeaseOptions,
  type LeaseSource,
  readNetworkConfig,
  subnetFitsConfig,
  takenSubnets,
} from "./lease-acquire.ts";
export { type OwnLease, type PeerLeaseEvent, PeerLeaseSet } from "./lease-peer-set.ts";
export { type PeerLeaseWatch, watchPeerLeases, type WatchPeerLeasesOptions } from "./lease-peer-watch.ts";
export { LeaseManager, type LeaseManagerEvent, type LeaseManagerOptions } from "./lease-manager.ts";
export type {
  ConfigSource,
  DockerReport,
  DockerStep,
  DockerTarget,
  Firewall,
  HeldLease,
  LeaseKeeper,
  LeaseKeeperEvent,
  LeaseRequest,
  PeerSource,
  PeerWatch,
  PortError,
  SubnetFileWriter,
} from "./agent-ports.ts";
export { type AgentEvent, type AgentEventLevel, agentEventLevel, formatAgentEvent } from "./agent-events.ts";
export {
  type AgentCounters,
  type AgentError,
  type AgentExit,
  type AgentHealth,
  type AgentOptions,
  type AgentPeer,
  type AgentStatus,
  type AgentStep,
  DEFAULT_RECONCILE_SECONDS,
  type RunningAgent,
  startAgent,
} from "./agent.ts";
export { type RegistryLeases, registryLeases, type RegistryLeasesOptions } from "./agent-registry-leases.ts";
