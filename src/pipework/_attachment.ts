// What the planner reads off the observation: the container's interface
// and the veth's host end that flannel-ts made for it, and how they differ
// from a request.
import { cidr6, cidrContainsIp, cidrEquals, formatCidr, formatIp, type Ip, ipEquals } from "../subnet/index.ts";
import type { ObservedAddress, ObservedLink, ObservedRoute, PipeworkObservation } from "./pipework-observation.ts";
import type { InterfaceAddress } from "./pipework-request.ts";
import { type VethNames, vethNames } from "./veth-names.ts";

const LINK_LOCAL6 = cidr6(0xfe80n << 112n, 10);

/** The kernel adds an IPv6 link-local address to every interface; it says nothing about who made it. */
export const isAssigned = (a: ObservedAddress): boolean => !(a.cidr.family === 6 && cidrContainsIp(LINK_LOCAL6, { family: 6, value: a.cidr.address }));

/** The interfaces involved in a request, those that exist. */
export interface Involved {
  readonly names: VethNames;
  readonly bridge: ObservedLink | undefined;
  /** The container's interface of the requested name. */
  readonly inside: ObservedLink | undefined;
  /** The host's link with the veth's host-end name. */
  readonly hostEnd: ObservedLink | undefined;
  /** Both ends exist and are each other's peer: flannel-ts made this interface. */
  readonly paired: boolean;
}

/**
 * Finds the bridge, the container's interface and the veth's host end.
 *
 * @param observed the observation
 * @param bridge the bridge's name
 * @param containerInterface the interface's name in the container
 */
export function involved(observed: PipeworkObservation, bridge: string, containerInterface: string): Involved {
  const names = vethNames(observed.container.id, containerInterface);
  const inside = observed.containerLinks.find((l) => l.name === containerInterface);
  const hostEnd = observed.host.find((l) => l.name === names.host);
  const paired = inside !== undefined && hostEnd !== undefined && inside.kind === "veth" && hostEnd.kind === "veth" && inside.peerIndex === hostEnd.index &&
    hostEnd.peerIndex === inside.index;
  return { names, bridge: observed.host.find((l) => l.name === bridge), inside, hostEnd, paired };
}

const describeRoute = (r: ObservedRoute): string => `${r.gateway === undefined ? "" : `via ${formatIp(r.gateway)} `}dev ${r.dev ?? "?"}`;

/** What a paired interface is asked to have; undefined fields are not compared. */
export interface Expectation {
  readonly bridge: string;
  readonly address?: InterfaceAddress;
  readonly mac?: string;
  readonly mtu?: number;
  /** Also check that both ends are up, and that no default route goes through it unless a gateway is asked for. */
  readonly exact: boolean;
}

/**
 * How a paired interface differs from what is asked, one phrase each;
 * empty when it matches.
 */
export function differences(found: Involved, observed: PipeworkObservation, expected: Expectation): string[] {
  const inside = found.inside!;
  const hostEnd = found.hostEnd!;
  const out: string[] = [];
  if (hostEnd.master !== expected.bridge) {
    out.push(`its host end ${hostEnd.name} is ${hostEnd.master === undefined ? "on no bridge" : `a port of ${hostEnd.master}`}, not of ${expected.bridge}`);
  }
  const want = expected.address;
  if (want !== undefined) {
    const has = inside.addresses.filter(isAssigned);
    if (!has.some((a) => cidrEquals(a.cidr, want.address) && !a.dadFailed)) {
      out.push(
        `it has ${has.length === 0 ? "no address" : has.map((a) => `${formatCidr(a.cidr)}${a.dadFailed ? " (a duplicate on the link)" : ""}`).join(", ")}, not ${
          formatCidr(want.address)
        }`,
      );
    }
  }
  if (expected.mac !== undefined && inside.mac !== expected.mac) out.push(`its MAC is ${inside.mac ?? "unset"}, not ${expected.mac}`);
  if (expected.mtu !== undefined && inside.mtu !== expected.mtu) out.push(`its MTU is ${inside.mtu}, not ${expected.mtu}`);
  if (expected.exact) {
    if (!inside.up) out.push("it is down");
    if (!hostEnd.up) out.push(`its host end ${hostEnd.name} is down`);
    if (found.bridge !== undefined && !found.bridge.up) out.push(`the bridge ${found.bridge.name} is down`);
  }
  if (want !== undefined && (want.gateway !== undefined || expected.exact)) {
    const family = want.address.family;
    const defaults = observed.containerRoutes.filter((r) => r.family === family);
    const gateway: Ip | undefined = want.gateway;
    if (gateway !== undefined) {
      if (!defaults.some((r) => r.dev === inside.name && r.gateway !== undefined && ipEquals(r.gateway, gateway))) {
        const now = defaults.length === 0 ? "none" : defaults.map(describeRoute).join(", ");
        out.push(`the IPv${family} default route is ${now}, not via ${formatIp(gateway)} dev ${inside.name}`);
      }
    } else {
      const through = defaults.filter((r) => r.dev === inside.name);
      if (through.length > 0) out.push(`the IPv${family} default route goes through it (${through.map(describeRoute).join(", ")}) though no gateway was asked for`);
    }
  }
  return out;
}

/** `ip` arguments naming a default route (for `route add` or `route del`). */
export function defaultRouteArgs(verb: "add" | "del", route: { readonly family: 4 | 6; readonly gateway?: Ip; readonly dev?: string; readonly metric?: number }): string[] {
  return [
    `-${route.family}`,
    "route",
    verb,
    "default",
    ...(route.gateway === undefined ? [] : ["via", formatIp(route.gateway)]),
    ...(route.dev === undefined ? [] : ["dev", route.dev]),
    ...(route.metric === undefined ? [] : ["metric", String(route.metric)]),
  ];
}
