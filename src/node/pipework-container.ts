import { errAsync, okAsync, ResultAsync } from "neverthrow";
import type { ContainerRef } from "../pipework/pipework-observation.ts";

/** The part of an Engine API client that {@link findPipeworkContainer} uses (dockerode's `Docker` has it). */
export interface ContainerInspectApi {
  getContainer(id: string): { inspect(): Promise<unknown> };
}

/** Why the container cannot take an interface. */
export type PipeworkContainerError =
  | { readonly kind: "container-not-found"; readonly container: string; readonly message: string }
  | { readonly kind: "container-not-running"; readonly container: string; readonly status: string; readonly message: string }
  | { readonly kind: "engine"; readonly message: string };

const record = (v: unknown): Record<string, unknown> => (typeof v === "object" && v !== null ? (v as Record<string, unknown>) : {});

/**
 * Finds a container by name or ID through the Engine API (`GET
 * /containers/{id}/json`, as `docker inspect` does) and returns its full ID,
 * name and the PID whose network namespace is the container's. A stopped,
 * restarting or unknown container is an error: only a running container
 * has a network namespace to put an interface into. (pipework asks
 * `docker inspect` three times, a second apart, while the PID is 0; this
 * does not wait.)
 *
 * @param engine an Engine API client, e.g. `new Docker()` from dockerode
 * @param nameOrId the container's name, ID or unique ID prefix
 * @returns the container, or a {@link PipeworkContainerError}
 * @example
 * ```ts ignore
 * import Docker from "dockerode";
 * import { findPipeworkContainer } from "flannel-ts/node";
 * // Asks dockerd: type-checked, not run.
 * const found = await findPipeworkContainer(new Docker(), "web");
 * if (found.isErr()) console.error(found.error.message);
 * else console.log(found.value.pid);
 * ```
 */
export function findPipeworkContainer(engine: ContainerInspectApi, nameOrId: string): ResultAsync<ContainerRef, PipeworkContainerError> {
  return ResultAsync.fromPromise(
    engine.getContainer(nameOrId).inspect(),
    (cause): PipeworkContainerError => {
      const status = record(cause)["statusCode"];
      if (status === 404) return { kind: "container-not-found", container: nameOrId, message: `no container ${nameOrId}: the engine knows no container by that name or ID` };
      return { kind: "engine", message: `cannot inspect container ${nameOrId}: ${cause instanceof Error ? cause.message : String(cause)}` };
    },
  ).andThen((inspected) => {
    const info = record(inspected);
    const state = record(info["State"]);
    const id = info["Id"];
    const name = typeof info["Name"] === "string" ? info["Name"].replace(/^\//, "") : nameOrId;
    const pid = state["Pid"];
    const status = typeof state["Status"] === "string" ? state["Status"] : "unknown";
    if (typeof id !== "string") return errAsync({ kind: "engine" as const, message: `the engine's answer for container ${nameOrId} has no Id` });
    if (state["Running"] !== true || state["Restarting"] === true || typeof pid !== "number" || pid <= 0) {
      return errAsync({
        kind: "container-not-running" as const,
        container: nameOrId,
        status,
        message: `container ${name} is not running (${status}): only a running container has a network namespace to add an interface to`,
      });
    }
    return okAsync({ id, name, pid });
  });
}
