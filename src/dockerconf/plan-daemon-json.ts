/**
 * The whole daemon.json change, worked out before anything is written: the
 * merged text, what changed, every issue of the result, whether they block,
 * and the unified diff a `--dry-run` shows.
 *
 * @module
 */
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from "diff";
import { err, ok, type Result } from "neverthrow";
import { type DaemonJsonError, parseDaemonJson } from "./daemon-json.ts";
import type { DockerdVersion } from "./dockerd-flags.ts";
import { type DaemonJsonChange, type DockerNetworkSettings, mergeNetworkSettings } from "./network-settings.ts";
import { blockingIssues, type DaemonJsonIssue, type DockerdCommandLine, validateDaemonJson } from "./validate-daemon-json.ts";

/** Options of {@link planDaemonJson}. */
export interface PlanDaemonJsonOptions {
  /** The file's path, for the diff and messages. */
  readonly path: string;
  /** The file's text; undefined when there is no file. */
  readonly current: string | undefined;
  /** The settings to merge. */
  readonly settings: DockerNetworkSettings;
  /** Whose rules: dockerd "20.10" or "26". Default "26". */
  readonly version?: DockerdVersion;
  /** dockerd's command line, for conflicts between flags and the file. Default: not checked. */
  readonly dockerd?: DockerdCommandLine;
  /** Accept error-level security findings. Default false: they block like validation errors. */
  readonly allowFindings?: boolean;
  /** Whether a file exists (TLS files, the userland proxy), as dockerd checks them. Default: not checked. */
  readonly fileExists?: (path: string) => boolean;
}

/** What would be written, and whether it may be. */
export interface DaemonJsonPlan {
  readonly path: string;
  readonly exists: boolean;
  readonly before: string;
  readonly after: string;
  /** True when `after` differs from `before` (false: nothing to write). */
  readonly changed: boolean;
  readonly changes: readonly DaemonJsonChange[];
  /** Every issue of `after`. */
  readonly issues: readonly DaemonJsonIssue[];
  /** The issues that forbid the write (empty: it may be written). */
  readonly blocking: readonly DaemonJsonIssue[];
  /** A unified diff from `before` to `after`; empty when unchanged. */
  readonly diff: string;
}

/** Why no plan could be made: the current file is not a daemon.json. */
export type PlanDaemonJsonError = DaemonJsonError & { readonly path: string };

/**
 * Merges the settings into the current daemon.json and checks the result.
 *
 * @param options the file, the settings, dockerd's release and command line
 * @returns the plan, or why the current file cannot be read as daemon.json
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { planDaemonJson } from "flannel-ts/dockerconf";
 * import { parseCidr4 } from "flannel-ts/subnet";
 * const plan = planDaemonJson({
 *   path: "/etc/docker/daemon.json",
 *   current: '{"debug": true}\n',
 *   settings: { bip: parseCidr4("10.5.52.1/24")._unsafeUnwrap(), mtu: 1472 },
 * });
 * if (plan.isErr()) throw new Error(plan.error.message);
 * assert.equal(plan.value.after, '{"debug": true, "bip": "10.5.52.1/24", "mtu": 1472}\n');
 * assert.deepEqual(plan.value.blocking, []); // nothing forbids the write
 * ```
 */
export function planDaemonJson(options: PlanDaemonJsonOptions): Result<DaemonJsonPlan, PlanDaemonJsonError> {
  const before = options.current ?? "";
  const doc = parseDaemonJson(before);
  if (doc.isErr()) return err({ ...doc.error, path: options.path, message: `${options.path}: ${doc.error.message}` });
  const merged = mergeNetworkSettings(doc.value, options.settings);
  const result = parseDaemonJson(merged.text, { maxBytes: Number.MAX_SAFE_INTEGER });
  if (result.isErr()) throw new Error(`bug: the merged daemon.json does not parse: ${result.error.message}`);
  const issues = validateDaemonJson(result.value, {
    ...(options.version !== undefined && { version: options.version }),
    ...(options.dockerd !== undefined && { dockerd: options.dockerd }),
    ...(options.fileExists !== undefined && { fileExists: options.fileExists }),
  });
  const diff = merged.changed
    ? createTwoFilesPatch(options.current === undefined ? "/dev/null" : options.path, options.path, before, merged.text, undefined, undefined, {
      context: 3,
      headerOptions: FILE_HEADERS_ONLY,
    })
    : "";
  return ok({
    path: options.path,
    exists: options.current !== undefined,
    before,
    after: merged.text,
    changed: merged.changed,
    changes: merged.changes,
    issues,
    blocking: blockingIssues(issues, options.allowFindings ?? false),
    diff,
  });
}
