// The test kit's `backend` option, merged into the network config it writes.
import type { BackendKind } from "../backend/backend.ts";

/** A network config's Backend object, as flanneld reads it: `Type` and the backend's own keys. */
export interface NetworkBackend {
  readonly Type: BackendKind;
  readonly [key: string]: unknown;
}

/**
 * The network config with `backend` merged in as its Backend, and the
 * backend type the agents should report.
 *
 * @param config the network config's JSON text
 * @param backend the Backend to put in, if any
 * @returns the config to write and the expected backend type (the config's own, else udp, flanneld's default)
 * @throws Error when the config is not a JSON object, or has a Backend and `backend` is given too
 * @example
 * ```ts
 * import { configWithBackend } from "./_config-with-backend.ts";
 * configWithBackend('{"Network":"172.20.0.0/16"}', "vxlan");
 * // { text: '{"Network":"172.20.0.0/16","Backend":{"Type":"vxlan"}}', type: "vxlan" }
 * ```
 */
export function configWithBackend(config: string, backend: BackendKind | NetworkBackend | undefined): { readonly text: string; readonly type: string } {
  const parsed: unknown = JSON.parse(config);
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error(`runAgentHosts: config is not a JSON object: ${config}`);
  const object = parsed as Record<string, unknown>;
  const own = object.Backend as { readonly Type?: unknown } | undefined;
  if (backend === undefined) return { text: config, type: typeof own?.Type === "string" ? own.Type : "udp" };
  if (own !== undefined) throw new Error(`runAgentHosts: give the Backend either in config (${JSON.stringify(own)}) or as backend, not both`);
  const wanted = typeof backend === "string" ? { Type: backend } : backend;
  return { text: JSON.stringify({ ...object, Backend: wanted }), type: wanted.Type };
}
