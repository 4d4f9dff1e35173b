/**
 * Reading a systemd service from disk the way systemd finds it: the unit
 * from the first directory of the search path that has it, its drop-ins
 * (`<unit>.d/*.conf`) from every directory (a name in a higher-priority
 * directory hides the same name below), applied in file-name order, and the
 * environment files its `EnvironmentFile=` lines name. Then dockerd's
 * command line from it.
 *
 * @module
 */
import { readdir } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { errAsync, okAsync, ResultAsync } from "neverthrow";
import { type DockerdArgsError, parseDockerdArgs } from "../dockerconf/dockerd-args.ts";
import type { DockerdVersion } from "../dockerconf/dockerd-flags.ts";
import { execCommand, parseEnvironmentFile, resolveServiceExec, type ServiceExec, type SystemdUnitError, type UnitFile } from "../dockerconf/systemd-unit.ts";
import type { DockerdCommandLine } from "../dockerconf/validate-daemon-json.ts";
import { type FileReadError, readTextFile } from "./read-text-file.ts";

/** systemd's unit directories for system services, highest priority first. */
export const SYSTEMD_UNIT_PATH: readonly string[] = [
  "/etc/systemd/system",
  "/run/systemd/system",
  "/usr/local/lib/systemd/system",
  "/usr/lib/systemd/system",
  "/lib/systemd/system",
];

/** Options of {@link readSystemdService}. */
export interface ReadSystemdServiceOptions {
  /** A directory standing for `/` (e.g. a container's root file system). Default `/`. */
  readonly root?: string;
  /** The unit directories, highest priority first. Default {@link SYSTEMD_UNIT_PATH}. */
  readonly unitPath?: readonly string[];
}

/** A service's files and what they say. */
export interface SystemdService {
  /** The unit's name, e.g. `docker.service`. */
  readonly name: string;
  /** The unit file, then the drop-ins in the order systemd applies them. */
  readonly files: readonly UnitFile[];
  readonly exec: ServiceExec;
  /** The variables of Environment= and the environment files, as the service sees them. */
  readonly environment: Readonly<Record<string, string>>;
}

/** Why a service could not be read. */
export type ReadSystemdServiceError = FileReadError | SystemdUnitError;

const listConf = (dir: string): ResultAsync<string[], never> => ResultAsync.fromSafePromise(readdir(dir).then((names) => names.filter((n) => n.endsWith(".conf")), () => []));

/**
 * Finds and reads a service's unit, drop-ins and environment files.
 *
 * @param unit a unit name (`docker.service`, looked up in the unit path) or a file path
 * @param options another root, another unit path
 * @returns the service, or why it cannot be read
 * @example
 * ```ts ignore
 * import { readSystemdService } from "flannel-ts/node";
 * // Reads the host's unit files: type-checked, not run.
 * const service = await readSystemdService("docker.service");
 * if (service.isErr()) console.error(service.error.message);
 * else console.log(service.value.exec.execStart.map((e) => e.value)); // e.g. ["/usr/sbin/dockerd -H fd:// ..."]
 * ```
 */
export function readSystemdService(unit: string, options: ReadSystemdServiceOptions = {}): ResultAsync<SystemdService, ReadSystemdServiceError> {
  const root = options.root ?? "/";
  const at = (p: string): string => join(root, p);
  const name = basename(unit);
  const dirs = unit.includes("/") ? [dirname(unit), ...(options.unitPath ?? SYSTEMD_UNIT_PATH).filter((d) => d !== dirname(unit))] : [...(options.unitPath ?? SYSTEMD_UNIT_PATH)];
  const findUnit = (i: number): ResultAsync<UnitFile, ReadSystemdServiceError> => {
    const dir = dirs[i];
    if (dir === undefined || (unit.includes("/") && i > 0)) {
      return errAsync({ kind: "systemd-unit", message: `unit ${unit} not found (looked in ${(unit.includes("/") ? [dirname(unit)] : dirs).map(at).join(", ")})` });
    }
    const path = join(dir, name);
    return readTextFile(at(path)).andThen((text) => (text === undefined ? findUnit(i + 1) : okAsync({ path, text })));
  };
  return findUnit(0).andThen((unitFile) =>
    ResultAsync.combine(dirs.map((dir) => listConf(at(join(dir, `${name}.d`))).map((names) => names.map((n) => ({ dir, n })))))
      .map((lists) => {
        const chosen = new Map<string, string>();
        for (const list of lists) for (const { dir, n } of list) if (!chosen.has(n)) chosen.set(n, join(dir, `${name}.d`, n));
        return [...chosen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, path]) => path);
      })
      .andThen((paths) => ResultAsync.combine(paths.map((path) => readTextFile(at(path)).map((text) => ({ path, text: text ?? "" })))))
      .andThen((dropIns) => {
        const files = [unitFile, ...dropIns];
        const exec = resolveServiceExec(files);
        if (exec.isErr()) return errAsync<SystemdService, ReadSystemdServiceError>(exec.error);
        const service = exec.value;
        return ResultAsync.combine(service.environmentFiles.map((file) => readTextFile(at(file.path)).map((text) => ({ ...file, text })))).andThen((envFiles) => {
          const environment: Record<string, string> = { ...service.environment };
          for (const file of envFiles) {
            if (file.text === undefined) {
              if (file.optional) continue;
              return errAsync<SystemdService, ReadSystemdServiceError>({
                kind: "systemd-unit",
                path: file.path,
                message: `EnvironmentFile=${file.path} does not exist, so systemd would not start ${name}`,
              });
            }
            Object.assign(environment, parseEnvironmentFile(file.text));
          }
          return okAsync({ name, files, exec: service, environment });
        });
      })
  );
}

/** Options of {@link dockerdCommandLineFromSystemd}. */
export interface DockerdFromSystemdOptions extends ReadSystemdServiceOptions {
  /** Whose flags to know. Default "26". */
  readonly version?: DockerdVersion;
}

/**
 * dockerd's command line as systemd would start it: the service's last
 * `ExecStart=` with its variables expanded, parsed as dockerd's flags.
 *
 * @param unit default `docker.service`
 * @param options root, unit path, dockerd release
 * @returns the command line (with the unit's name, for the fix of a conflict)
 */
export function dockerdCommandLineFromSystemd(
  unit = "docker.service",
  options: DockerdFromSystemdOptions = {},
): ResultAsync<DockerdCommandLine, ReadSystemdServiceError | DockerdArgsError> {
  return readSystemdService(unit, options).andThen((service) => {
    const setting = service.exec.execStart[service.exec.execStart.length - 1];
    if (setting === undefined) {
      return errAsync<DockerdCommandLine, ReadSystemdServiceError | DockerdArgsError>({ kind: "systemd-unit", message: `${service.name} has no ExecStart=` });
    }
    const command = execCommand(setting, service.environment);
    if (command.isErr()) return errAsync(command.error);
    const args = parseDockerdArgs(
      command.value.args.map((a) => a.word),
      options.version ?? "26",
    );
    if (args.isErr()) return errAsync({ ...args.error, message: `${setting.path}:${setting.line}: ExecStart= of ${service.name}: ${args.error.message}` });
    return okAsync({ program: command.value.path, args: args.value, unit: { name: service.name, words: command.value.sources } });
  });
}
