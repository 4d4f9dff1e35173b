/**
 * daemon.json on disk: plan the merge of a lease's settings against the
 * current file, and write the plan atomically, keeping the previous file
 * as a backup and its mode and owner. A plan with blocking issues, or a
 * file that changed since it was read, is never written.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { errAsync, okAsync, type ResultAsync } from "neverthrow";
import { DEFAULT_DAEMON_JSON } from "../core/defaults.ts";
import { type DaemonJsonPlan, planDaemonJson, type PlanDaemonJsonError, type PlanDaemonJsonOptions } from "../dockerconf/plan-daemon-json.ts";
import type { DaemonJsonIssue } from "../dockerconf/validate-daemon-json.ts";
import { atomicWriteFile, type AtomicWriteOptions, type AtomicWriteReport, type FileWriteError } from "./atomic-write.ts";
import { type FileReadError, readTextFile } from "./read-text-file.ts";

/** The largest daemon.json read: 4 MiB (dockerd's own files are a few KiB; a larger one is not a config). */
export const DAEMON_JSON_MAX_BYTES = 4 * 1024 * 1024;

/**
 * Reads daemon.json and plans the merge.
 *
 * @param options as {@link planDaemonJson}, without `current` (read from `path`, default /etc/docker/daemon.json: a regular file of at most {@link DAEMON_JSON_MAX_BYTES})
 * @returns the plan, or why the file cannot be read or is not a daemon.json
 * @example
 * ```ts ignore
 * import { planDaemonJsonFile } from "flannel-ts/node";
 * import { parseCidr4 } from "flannel-ts/subnet";
 * // Reads /etc/docker/daemon.json: type-checked, not run.
 * const bip = parseCidr4("10.5.52.1/24");
 * if (bip.isErr()) throw new Error(bip.error.message);
 * const plan = await planDaemonJsonFile({ path: "/etc/docker/daemon.json", settings: { bip: bip.value, mtu: 1472 } });
 * if (plan.isErr()) console.error(plan.error.message);
 * else console.log(plan.value.diff);
 * ```
 */
export function planDaemonJsonFile(
  options: Omit<PlanDaemonJsonOptions, "current" | "path"> & { readonly path?: string },
): ResultAsync<DaemonJsonPlan, FileReadError | PlanDaemonJsonError> {
  const path = options.path ?? DEFAULT_DAEMON_JSON;
  return readTextFile(path, { maxBytes: DAEMON_JSON_MAX_BYTES }).andThen((current) => {
    const plan = planDaemonJson({ fileExists: existsSync, ...options, path, current });
    return plan.isOk() ? okAsync(plan.value) : errAsync(plan.error);
  });
}

/** Why a plan was not written. */
export type WriteDaemonJsonError =
  | FileReadError
  | FileWriteError
  | { readonly kind: "blocked"; readonly path: string; readonly issues: readonly DaemonJsonIssue[]; readonly message: string }
  | { readonly kind: "changed-meanwhile"; readonly path: string; readonly message: string };

/** Options of {@link writeDaemonJsonPlan}. */
export interface WriteDaemonJsonOptions {
  /** Where to keep the previous file; default `<path>.flannel-ts.bak`; `false` for none. */
  readonly backupPath?: string | false;
  /** The file operations, for fault tests. */
  readonly fs?: AtomicWriteOptions["fs"];
  /** Called after the new file is complete, before the rename (fault tests). */
  readonly beforeRename?: AtomicWriteOptions["beforeRename"];
}

/** What {@link writeDaemonJsonPlan} did: nothing (unchanged), or a write. */
export type WriteDaemonJsonResult = { readonly written: false } | { readonly written: true; readonly report: AtomicWriteReport };

/**
 * Writes a plan: refuses when it has blocking issues or when the file is no
 * longer what the plan was made from; does nothing when nothing changed;
 * otherwise replaces the file atomically (new files get mode 0644, existing
 * ones keep mode and owner), keeping the previous one as a backup.
 *
 * @param plan from {@link planDaemonJsonFile}
 * @param options backup path
 * @returns whether it wrote, or why not (the file is then untouched)
 */
export function writeDaemonJsonPlan(plan: DaemonJsonPlan, options: WriteDaemonJsonOptions = {}): ResultAsync<WriteDaemonJsonResult, WriteDaemonJsonError> {
  if (plan.blocking.length > 0) {
    return errAsync({
      kind: "blocked",
      path: plan.path,
      issues: plan.blocking,
      message: `${plan.path} not written: ${plan.blocking.length} blocking issue${plan.blocking.length === 1 ? "" : "s"}: ${plan.blocking.map((i) => i.message).join("; ")}`,
    });
  }
  if (!plan.changed) return okAsync({ written: false } as const);
  return readTextFile(plan.path, { maxBytes: DAEMON_JSON_MAX_BYTES }).andThen((now) => {
    if ((now ?? "") !== plan.before || (now !== undefined) !== plan.exists) {
      return errAsync<WriteDaemonJsonResult, WriteDaemonJsonError>({ kind: "changed-meanwhile", path: plan.path, message: `${plan.path} changed after it was read; plan again` });
    }
    const backupPath = options.backupPath === undefined ? `${plan.path}.flannel-ts.bak` : options.backupPath;
    return atomicWriteFile(plan.path, plan.after, {
      mode: 0o644,
      ...(backupPath !== false && { backupPath }),
      ...(options.fs !== undefined && { fs: options.fs }),
      ...(options.beforeRename !== undefined && { beforeRename: options.beforeRename }),
    }).map((report) => ({ written: true, report }) as const);
  });
}
