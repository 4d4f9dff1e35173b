import { err, ok, type Result } from "neverthrow";
import { formatIp } from "../subnet/index.ts";
import { defaultRouteArgs, differences, involved, isAssigned } from "./_attachment.ts";
import { parsePipeworkAlias, PIPEWORK_ALIAS } from "./pipework-alias.ts";
import type { PipeworkObservation } from "./pipework-observation.ts";
import type { PipeworkRemoveRequest } from "./pipework-request.ts";
import type { PipeworkPlan, PipeworkPlanError, PlannedStep } from "./plan-pipework.ts";

/** The remove half of {@link planPipework}. */
export function planRemove(request: PipeworkRemoveRequest, observed: PipeworkObservation): Result<PipeworkPlan, PipeworkPlanError> {
  const { bridge: bridgeName, containerInterface: name } = request;
  const found = involved(observed, bridgeName, name);
  const { names, inside, hostEnd } = found;
  const containerName = observed.container.name;
  const steps: PlannedStep[] = [];
  const notes: string[] = [];

  if (inside !== undefined) {
    if (!found.paired) return err({ kind: "not-ours", interface: name, message: `${name} in container ${containerName} was not made by flannel-ts pipework; not removing it` });
    const diff = differences(found, observed, {
      bridge: bridgeName,
      exact: false,
      ...(request.address !== undefined && { address: request.address }),
      ...(request.mac !== undefined && { mac: request.mac }),
      ...(request.mtu !== undefined && { mtu: request.mtu }),
    });
    if (diff.length > 0) {
      return err({
        kind: "remove-mismatch",
        interface: name,
        differences: diff,
        message: `${name} in container ${containerName} does not match the command (${diff.join("; ")}); nothing removed`,
      });
    }
    steps.push({ step: { kind: "ip", where: "container", args: ["link", "del", "dev", name] } });
    const replaced = inside.alias === undefined ? undefined : parsePipeworkAlias(inside.alias)?.replaced;
    if (replaced !== undefined) {
      const remaining = observed.containerRoutes.filter((r) => r.family === replaced.family && r.dev !== name);
      const shown = `${replaced.gateway === undefined ? "" : `via ${formatIp(replaced.gateway)} `}dev ${replaced.dev}`;
      if (remaining.length > 0) notes.push(`keeps the IPv${replaced.family} default route set since; the one replaced (${shown}) is not put back`);
      else if (!observed.containerLinks.some((l) => l.name === replaced.dev)) {
        notes.push(`cannot put back the IPv${replaced.family} default route ${shown}: ${replaced.dev} is gone`);
      } else steps.push({ step: { kind: "ip", where: "container", args: defaultRouteArgs("add", replaced) } });
    }
  } else if (hostEnd !== undefined || observed.host.some((l) => l.name === names.peer)) {
    // An interrupted run left the pair on the host: deleting either end deletes both.
    const left = hostEnd?.name ?? names.peer;
    steps.push({ step: { kind: "ip", where: "host", args: ["link", "del", "dev", left] } });
    notes.push(`deletes ${left}, left on the host by an interrupted run`);
  }

  const bridge = found.bridge;
  const ours = bridge !== undefined && bridge.kind === "bridge" && bridge.alias === PIPEWORK_ALIAS;
  const otherPorts = observed.host.filter((l) => l.master === bridgeName && l.name !== names.host);
  const removesBridge = ours && otherPorts.length === 0 && !bridge.addresses.some(isAssigned);
  if (removesBridge) steps.push({ step: { kind: "ip", where: "host", args: ["link", "del", "dev", bridgeName] } });
  else if (ours) {
    notes.push(
      `keeps the bridge ${bridgeName}: ${
        otherPorts.length > 0 ? `${otherPorts.map((l) => l.name).join(", ")} ${otherPorts.length === 1 ? "is" : "are"} on it too` : "it has an address"
      }`,
    );
  }

  return ok({
    action: "remove",
    container: observed.container,
    bridge: bridgeName,
    containerInterface: name,
    hostInterface: names.host,
    createsBridge: false,
    removesBridge,
    removesInterface: inside !== undefined,
    steps,
    notes,
  });
}
