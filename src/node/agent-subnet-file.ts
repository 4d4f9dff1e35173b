/**
 * The agent's {@link SubnetFileWriter} on the file system.
 *
 * @module
 */
import type { SubnetFileWriter } from "../flannel/agent-ports.ts";
import { writeSubnetEnvFile } from "./subnet-env-file.ts";

/**
 * Writes subnet.env as flanneld does, atomically (temp file, fsync,
 * rename), mode 0644, creating the directory when missing.
 *
 * @param path e.g. /run/flannel/subnet.env
 * @returns the writer port for `startAgent`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { subnetEnvFileWriter } from "flannel-ts/node";
 * const subnetFile = subnetEnvFileWriter("/run/flannel/subnet.env"); // writes only when the agent calls it
 * assert.equal(subnetFile.path, "/run/flannel/subnet.env");
 * ```
 */
export function subnetEnvFileWriter(path: string): SubnetFileWriter {
  return { path, write: (env) => writeSubnetEnvFile(path, env).map(() => undefined) };
}
