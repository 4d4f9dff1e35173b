/**
 * What the agent reports: one {@link AgentEvent} per thing that happened,
 * and {@link formatAgentEvent}, which turns each into one log line naming
 * the subnet and the peer it is about.
 *
 * @module
 */
import { type Cidr4, type Cidr6, cidrEquals, formatCidr } from "../subnet/cidr.ts";
import { formatIp, type Ip4, type Ip6 } from "../subnet/ip.ts";
import type { BackendConfig } from "../subnet/network-config.ts";
import type { HeldLease } from "./agent-ports.ts";
import { subnetGateway } from "./subnet-env.ts";

/** How much an event matters. */
export type AgentEventLevel = "info" | "warning" | "error";

/** Everything the agent logs. */
export type AgentEvent =
  | { readonly kind: "config-unavailable"; readonly message: string }
  | { readonly kind: "config-found"; readonly backend: BackendConfig; readonly network?: Cidr4; readonly ipv6Network?: Cidr6 }
  | { readonly kind: "external-interface"; readonly name: string; readonly address: Ip4; readonly publicIp: Ip4; readonly publicIpv6?: Ip6; readonly mtu: number }
  | { readonly kind: "previous-lease-unreadable"; readonly message: string }
  | { readonly kind: "backend-opened"; readonly name: string; readonly description: string }
  | { readonly kind: "previous-subnet"; readonly path: string; readonly subnet: Cidr4 }
  | { readonly kind: "previous-subnet-unreadable"; readonly path: string; readonly message: string }
  | { readonly kind: "lease-acquired"; readonly lease: HeldLease }
  | { readonly kind: "lease-renewed"; readonly lease: HeldLease }
  | { readonly kind: "lease-renew-failed"; readonly lease: HeldLease; readonly message: string; readonly retryInMs: number }
  | { readonly kind: "lease-lost"; readonly lease: HeldLease; readonly reason: string }
  | { readonly kind: "lease-reacquired"; readonly lease: HeldLease; readonly previous: HeldLease }
  | { readonly kind: "lease-reacquire-failed"; readonly message: string; readonly retryInMs: number }
  | { readonly kind: "lease-released"; readonly subnet: Cidr4 }
  | { readonly kind: "lease-kept"; readonly subnet: Cidr4 }
  | { readonly kind: "subnet-file-written"; readonly path: string; readonly subnet: Cidr4; readonly mtu: number }
  | { readonly kind: "backend-attached"; readonly name: string; readonly description: string }
  | { readonly kind: "backend-closed"; readonly name: string; readonly description: string }
  | { readonly kind: "backend-failed"; readonly message: string }
  | { readonly kind: "reconciled"; readonly name: string; readonly stale: number; readonly restored: number }
  | { readonly kind: "peer-added"; readonly subnet: Cidr4; readonly publicIp: Ip4 }
  | { readonly kind: "peer-updated"; readonly subnet: Cidr4; readonly publicIp: Ip4; readonly previous: Ip4 }
  | { readonly kind: "peer-removed"; readonly subnet: Cidr4; readonly publicIp: Ip4 }
  | { readonly kind: "peer-skipped"; readonly subnet: Cidr4; readonly publicIp: Ip4; readonly reason: string }
  | { readonly kind: "peer-lease-unreadable"; readonly key: string; readonly message: string }
  | { readonly kind: "peer-watch-failed"; readonly message: string }
  | { readonly kind: "iptables-ensured"; readonly chains: readonly string[]; readonly rules: number }
  | { readonly kind: "iptables-failed"; readonly message: string }
  | { readonly kind: "iptables-removed"; readonly rules: number }
  | { readonly kind: "docker-configured"; readonly path: string; readonly changed: boolean; readonly restarted: boolean; readonly subnet: Cidr4; readonly mtu: number }
  | { readonly kind: "docker-warning"; readonly path: string; readonly message: string }
  | { readonly kind: "running"; readonly subnet: Cidr4 }
  | { readonly kind: "stopping"; readonly reason: string }
  | { readonly kind: "stopped" }
  | { readonly kind: "failed"; readonly step: string; readonly message: string };

const cidr = formatCidr;
const ip = formatIp;

const expiry = (lease: HeldLease): string => (lease.expiresAt === null ? "never expires (reservation)" : `expires ${new Date(lease.expiresAt).toISOString()}`);
const seconds = (ms: number): string => `${Math.round(ms / 1000)} s`;

/**
 * The level an event is logged at.
 *
 * @param event any agent event
 * @returns `error` for failures that stop the agent, `warning` for ones it retries
 */
export function agentEventLevel(event: AgentEvent): AgentEventLevel {
  switch (event.kind) {
    case "failed":
      return "error";
    case "config-unavailable":
    case "lease-renew-failed":
    case "lease-lost":
    case "lease-reacquire-failed":
    case "peer-watch-failed":
    case "previous-subnet-unreadable":
    case "iptables-failed":
    case "docker-warning":
    case "previous-lease-unreadable":
    case "backend-failed":
    case "peer-skipped":
    case "peer-lease-unreadable":
      return "warning";
    default:
      return "info";
  }
}

/**
 * One log line for an event, without a timestamp or a newline. Lines that
 * concern a lease name its subnet; lines that concern a peer name the
 * peer's subnet and PublicIP.
 *
 * @param event any agent event
 * @returns the line
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatAgentEvent } from "flannel-ts/flannel";
 * import { parseCidr4, parseIp4 } from "flannel-ts/subnet";
 * const line = formatAgentEvent({
 *   kind: "peer-added",
 *   subnet: parseCidr4("172.20.7.0/24")._unsafeUnwrap(),
 *   publicIp: parseIp4("192.0.2.2")._unsafeUnwrap(),
 * });
 * assert.equal(line, "peer added: subnet 172.20.7.0/24 via PublicIP 192.0.2.2");
 * ```
 */
export function formatAgentEvent(event: AgentEvent): string {
  switch (event.kind) {
    case "config-unavailable":
      return `couldn't fetch network config: ${event.message} (retrying every second)`;
    case "config-found":
      return `found network config: Backend type ${event.backend.type}, ${
        [
          ...(event.network === undefined ? [] : [`Network ${cidr(event.network)}`]),
          ...(event.ipv6Network === undefined ? [] : [`IPv6Network ${cidr(event.ipv6Network)}`]),
          ...backendDetails(event.backend),
        ].join(", ")
      }`;
    case "external-interface":
      return `using interface ${event.name} (${ip(event.address)}, MTU ${event.mtu}) as external interface; PublicIP ${ip(event.publicIp)}${
        event.publicIpv6 === undefined ? "" : `, PublicIPv6 ${ip(event.publicIpv6)}`
      }`;
    case "previous-lease-unreadable":
      return `cannot look up this host's lease before acquiring: ${event.message}; going on without its backend data`;
    case "backend-opened":
      return `${event.name} ready: ${event.description}`;
    case "previous-subnet":
      return `${event.path} names subnet ${cidr(event.subnet)}: asking for it again`;
    case "previous-subnet-unreadable":
      return `cannot read the previous subnet from ${event.path}: ${event.message}; leasing without it`;
    case "lease-acquired":
      return `lease acquired: subnet ${cidr(event.lease.subnet)} for PublicIP ${ip(event.lease.publicIp)}, ${expiry(event.lease)}`;
    case "lease-renewed":
      return `lease renewed: subnet ${cidr(event.lease.subnet)}, ${expiry(event.lease)}`;
    case "lease-renew-failed":
      return `lease renewal failed: subnet ${cidr(event.lease.subnet)}: ${event.message} (trying again in ${seconds(event.retryInMs)})`;
    case "lease-lost":
      return `lease lost: subnet ${cidr(event.lease.subnet)}: ${event.reason}; acquiring again`;
    case "lease-reacquired":
      return cidrEquals(event.lease.subnet, event.previous.subnet)
        ? `lease acquired again: subnet ${cidr(event.lease.subnet)} (the same) for PublicIP ${ip(event.lease.publicIp)}, ${expiry(event.lease)}`
        : `lease acquired again: subnet ${cidr(event.lease.subnet)} (was ${cidr(event.previous.subnet)}) for PublicIP ${ip(event.lease.publicIp)}, ${expiry(event.lease)}`;
    case "lease-reacquire-failed":
      return `acquiring the lease again failed: ${event.message} (trying again in ${seconds(event.retryInMs)})`;
    case "lease-released":
      return `lease released: subnet ${cidr(event.subnet)} deleted from the store`;
    case "lease-kept":
      return `lease kept: subnet ${cidr(event.subnet)} stays leased until its TTL runs out (--release gives it back)`;
    case "subnet-file-written":
      return `wrote subnet file ${event.path}: subnet ${cidr(event.subnet)}, MTU ${event.mtu}`;
    case "backend-attached":
      return `${event.name} up: ${event.description}`;
    case "backend-closed":
      return `${event.name} stopped: ${event.description}`;
    case "backend-failed":
      return `the backend could not program the peers: ${event.message} (the next change or reconcile tries again)`;
    case "reconciled":
      return `${event.name} reconciled with the leases: ${event.stale} stale entries removed, ${event.restored} missing ones put back`;
    case "peer-added":
      return `peer added: subnet ${cidr(event.subnet)} via PublicIP ${ip(event.publicIp)}`;
    case "peer-updated":
      return `peer updated: subnet ${cidr(event.subnet)} now via PublicIP ${ip(event.publicIp)} (was ${ip(event.previous)})`;
    case "peer-removed":
      return `peer removed: subnet ${cidr(event.subnet)} (was via PublicIP ${ip(event.publicIp)})`;
    case "peer-skipped":
      return `peer skipped: subnet ${cidr(event.subnet)} via PublicIP ${ip(event.publicIp)}: ${event.reason}`;
    case "peer-lease-unreadable":
      return `peer lease skipped: ${event.key} cannot be read: ${event.message}`;
    case "peer-watch-failed":
      return `watching the peers' leases failed: ${event.message} (the watch keeps trying)`;
    case "iptables-ensured":
      return `iptables rules in place: ${event.rules} rules in ${event.chains.join(", ")}`;
    case "iptables-failed":
      return `iptables: ${event.message} (trying again at the next resync)`;
    case "iptables-removed":
      return `iptables rules removed: ${event.rules} rules`;
    case "docker-configured":
      return `docker configured: ${event.path} ${event.changed ? "now has" : "already had"} bip ${bip(event.subnet)} and mtu ${event.mtu}; dockerd ${
        event.restarted ? "restarted and " : ""
      }verified`;
    case "docker-warning":
      return `docker: ${event.path}: ${event.message}`;
    case "running":
      return `running: subnet ${cidr(event.subnet)}`;
    case "stopping":
      return `stopping: ${event.reason}`;
    case "stopped":
      return "stopped cleanly";
    case "failed":
      return `${event.step} failed: ${event.message}`;
  }
}

function backendDetails(backend: BackendConfig): string[] {
  switch (backend.kind) {
    case "udp":
      return [`UDP port ${backend.port}`];
    case "vxlan":
      return [
        `VNI ${backend.vni}`,
        `UDP port ${backend.port}`,
        ...(backend.directRouting ? ["DirectRouting"] : []),
        ...(backend.learning ? ["Learning"] : []),
        ...(backend.gbp ? ["GBP"] : []),
      ];
    default:
      return [];
  }
}

function bip(subnet: Cidr4): string {
  return cidr(subnetGateway(subnet));
}
