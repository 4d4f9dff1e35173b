/**
 * flannel's behaviour: lease policy, subnet.env, Docker options, iptables
 * rules and the agent.
 *
 * @module
 */
export * from "./subnet-env-dotenv.ts";
export * from "./subnet-env.ts";
export * from "./docker-opts.ts";
export * from "./iptables-rules.ts";
export * from "./external-interface.ts";
export * from "./lease-acquire.ts";
export * from "./lease-peer-set.ts";
export * from "./lease-peer-watch.ts";
export * from "./lease-manager.ts";
export * from "./agent-ports.ts";
export * from "./agent-events.ts";
export * from "./agent.ts";
export * from "./agent-registry-leases.ts";
