import { err, ok, type Result } from "neverthrow";
import { cidrAddress, formatCidr, formatIp, ipEquals } from "../subnet/index.ts";
import { defaultRouteArgs, differences, involved } from "./_attachment.ts";
import { MIN_MTU_IPV6 } from "./parse-pipework-args.ts";
import { formatPipeworkAlias, PIPEWORK_ALIAS } from "./pipework-alias.ts";
import type { PipeworkObservation } from "./pipework-observation.ts";
import { NEW_BRIDGE_MTU, type PipeworkAddRequest } from "./pipework-request.ts";
import type { PipeworkPlan, PipeworkPlanError, PlannedStep } from "./plan-pipework.ts";

const host = (...args: string[]): PlannedStep["step"] => ({ kind: "ip", where: "host", args });
const inside = (...args: string[]): PlannedStep["step"] => ({ kind: "ip", where: "container", args });

/** The add half of {@link planPipework}. */
export function planAdd(request: PipeworkAddRequest, observed: PipeworkObservation): Result<PipeworkPlan, PipeworkPlanError> {
  const { bridge: bridgeName, containerInterface: name } = request;
  const found = involved(observed, bridgeName, name);
  const { bridge, names } = found;
  const containerName = observed.container.name;
  const base = {
    action: "add",
    container: observed.container,
    bridge: bridgeName,
    containerInterface: name,
    hostInterface: names.host,
    removesBridge: false,
    removesInterface: false,
  } as const;

  if (bridge !== undefined && bridge.kind !== "bridge") {
    const linkKind = bridge.kind ?? "device";
    return err({
      kind: "not-a-bridge",
      bridge: bridgeName,
      linkKind,
      message: `${bridgeName} is a ${linkKind}, not a Linux bridge; flannel-ts attaches containers to Linux bridges only`,
    });
  }
  const mtu = request.mtu ?? bridge?.mtu ?? NEW_BRIDGE_MTU;

  if (found.inside !== undefined) {
    if (!found.paired) {
      return err({
        kind: "interface-in-use",
        interface: name,
        message: `container ${containerName} already has an interface ${name}, not made by flannel-ts pipework; choose another name with -i`,
      });
    }
    const diff = differences(found, observed, { bridge: bridgeName, address: request.address, mtu, exact: true, ...(request.mac !== undefined && { mac: request.mac }) });
    if (diff.length === 0) return ok({ ...base, createsBridge: false, steps: [], notes: [] });
    return err({
      kind: "interface-differs",
      interface: name,
      differences: diff,
      message: `container ${containerName} already has ${name} from flannel-ts pipework, set up otherwise (${diff.join("; ")}); remove it first (--remove) to set it up anew`,
    });
  }

  for (const [where, links] of [["host", observed.host], ["container", observed.containerLinks]] as const) {
    for (const taken of [names.host, names.peer]) {
      if (links.some((l) => l.name === taken)) {
        return err({
          kind: "name-in-use",
          name: taken,
          where,
          message: where === "host"
            ? `the host already has an interface ${taken}, the name flannel-ts gives this veth (left over from an interrupted run?); run with --remove, or delete it (ip link del dev ${taken})`
            : `container ${containerName} already has an interface ${taken}, the name flannel-ts gives this veth on its way in; rename or delete it there`,
        });
      }
    }
  }

  const ip = cidrAddress(request.address.address);
  for (const link of observed.containerLinks) {
    const holder = link.addresses.find((a) => ipEquals(cidrAddress(a.cidr), ip));
    if (holder !== undefined) {
      return err({
        kind: "address-in-use",
        address: formatIp(ip),
        interface: link.name,
        message: `container ${containerName} already has ${formatIp(ip)} (as ${formatCidr(holder.cidr)} on ${link.name})`,
      });
    }
  }
  if (bridge?.addresses.some((a) => ipEquals(cidrAddress(a.cidr), ip)) === true) {
    return err({
      kind: "address-on-bridge",
      address: formatIp(ip),
      bridge: bridgeName,
      message: `${formatIp(ip)} is the address of the bridge ${bridgeName} itself; give the container another one (the bridge's can be its gateway)`,
    });
  }
  if (request.address.address.family === 6 && mtu < MIN_MTU_IPV6) {
    return err({
      kind: "mtu-too-small",
      mtu,
      message: `the MTU would be ${mtu} (${request.mtu === undefined ? `the bridge ${bridgeName}'s` : "--mtu"}), but IPv6 needs at least ${MIN_MTU_IPV6}; give --mtu`,
    });
  }

  const steps: PlannedStep[] = [];
  const notes: string[] = [];
  if (bridge === undefined) {
    steps.push({
      step: host("link", "add", "name", bridgeName, ...(request.mtu === undefined ? [] : ["mtu", String(mtu)]), "type", "bridge"),
      undo: host("link", "del", "dev", bridgeName),
    });
    steps.push({ step: host("link", "set", "dev", bridgeName, "alias", PIPEWORK_ALIAS, "up") });
  } else if (!bridge.up) {
    steps.push({ step: host("link", "set", "dev", bridgeName, "up"), undo: host("link", "set", "dev", bridgeName, "down") });
  }
  const mtuText = String(mtu);
  steps.push({
    step: host("link", "add", "name", names.host, "mtu", mtuText, "type", "veth", "peer", "name", names.peer, "mtu", mtuText),
    undo: host("link", "del", "dev", names.host),
  });
  steps.push({ step: host("link", "set", "dev", names.host, "master", bridgeName, "up") });
  steps.push({ step: host("link", "set", "dev", names.peer, "netns", String(observed.container.pid)) });
  steps.push({ step: inside("link", "set", "dev", names.peer, "name", name) });

  const { address, gateway } = request.address;
  const family = address.family;
  const replaced = gateway === undefined ? [] : observed.containerRoutes.filter((r) => r.family === family);
  const first = replaced[0];
  const alias = formatPipeworkAlias(
    first?.dev === undefined
      ? {}
      : { replaced: { family, dev: first.dev, ...(first.gateway !== undefined && { gateway: first.gateway }), ...(first.metric !== undefined && { metric: first.metric }) } },
  );
  steps.push({ step: inside("link", "set", "dev", name, ...(request.mac === undefined ? [] : ["address", request.mac]), "alias", alias) });
  if (family === 6) steps.push({ step: { kind: "enable-ipv6", interface: name } });
  steps.push({ step: inside("addr", "add", formatCidr(address), ...(family === 4 ? ["brd", "+"] : []), "dev", name) });
  steps.push({ step: inside("link", "set", "dev", name, "up") });
  if (family === 6) steps.push({ step: { kind: "await-dad", interface: name, address } });
  if (gateway !== undefined) {
    for (const route of replaced) {
      steps.push({ step: inside(...defaultRouteArgs("del", route)), undo: inside(...defaultRouteArgs("add", route)) });
      notes.push(
        `replaces the IPv${family} default route ${route.gateway === undefined ? "" : `via ${formatIp(route.gateway)} `}dev ${route.dev ?? "?"}${
          route === first ? " (--remove puts it back)" : ""
        }`,
      );
    }
    steps.push({ step: inside(...defaultRouteArgs("add", { family, gateway, dev: name })) });
  }
  return ok({ ...base, createsBridge: bridge === undefined, steps, notes });
}
