/**
 * The registry an etcd command talks to, opened from the shared etcd flags:
 * the TLS files read boundedly (regular files, at most 1 MiB) and checked
 * (PEM, a certificate that parses, a key that parses and belongs to it), so
 * that every problem names its file before the etcd client sees it; and a
 * bound on each request so that an unreachable etcd is reported rather
 * than waited for.
 *
 * @module
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import { errAsync, okAsync, ResultAsync } from "neverthrow";
import { Etcd3Registry, type Etcd3Tls } from "../etcd/etcd3-registry.ts";
import type { Registry } from "../etcd/registry.ts";
import { readRegularFile } from "../node/read-text-file.ts";
import { EXIT } from "./exit-codes.ts";
import type { CommandRun } from "./define-command.ts";
import type { FlagSet } from "./flag-spec.ts";
import type { CliError } from "./reporter.ts";

/** The etcd flags' values (see etcdFlags in shared-flags.ts). */
export interface EtcdSettings {
  readonly etcdEndpoints: readonly string[];
  readonly etcdPrefix: string;
  readonly etcdCafile?: string | undefined;
  readonly etcdCertfile?: string | undefined;
  readonly etcdKeyfile?: string | undefined;
  readonly etcdUsername?: string | undefined;
  readonly etcdPassword?: string | undefined;
}

/** Why the registry could not be opened: a TLS file, or the client. */
export interface OpenRegistryError extends CliError {
  readonly kind: "etcd-tls" | "etcd-client";
  /** The flag whose file is at fault. */
  readonly flag?: string;
  readonly path?: string;
}

/** Opens the registry for a command, given its etcd settings. */
export type OpenRegistry = (settings: EtcdSettings) => ResultAsync<Registry, OpenRegistryError>;

/** The largest TLS file read. */
const TLS_FILE_MAX_BYTES = 1024 * 1024;

type PemKind = "certificate" | "key";

function checkPem(kind: PemKind, flag: string, path: string, bytes: Uint8Array): OpenRegistryError | undefined {
  const bad = (why: string): OpenRegistryError => ({ kind: "etcd-tls", flag, path, message: `${flag} ${path}: ${why}` });
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  const label = kind === "certificate" ? /-----BEGIN CERTIFICATE-----/ : /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/;
  if (!label.test(text)) return bad(`is not a PEM ${kind === "certificate" ? "certificate (no -----BEGIN CERTIFICATE----- line)" : "private key (no -----BEGIN ... PRIVATE KEY----- line)"}`);
  try {
    if (kind === "certificate") new X509Certificate(bytes);
    else createPrivateKey({ key: Buffer.from(bytes), format: "pem" });
  } catch (cause) {
    return bad(`the PEM ${kind} does not parse (${cause instanceof Error ? cause.message : String(cause)})`);
  }
  return undefined;
}

function readTls(kind: PemKind, flag: string, path: string | undefined): ResultAsync<Uint8Array | undefined, OpenRegistryError> {
  if (path === undefined) return okAsync(undefined);
  return readRegularFile(path, { maxBytes: TLS_FILE_MAX_BYTES })
    .mapErr((e): OpenRegistryError => ({ kind: "etcd-tls", flag, path, message: `${flag}: ${e.message}` }))
    .andThen((bytes) => {
      if (bytes === undefined) return errAsync<Uint8Array | undefined, OpenRegistryError>({ kind: "etcd-tls", flag, path, message: `${flag} ${path} does not exist` });
      const problem = checkPem(kind, flag, path, bytes);
      return problem === undefined ? okAsync(bytes) : errAsync(problem);
    });
}

/**
 * Opens an {@link Etcd3Registry}: reads and checks the TLS files, and
 * bounds each request to 5 s.
 *
 * @param settings the etcd flags' values
 * @returns the registry, or which TLS file is unusable (exit 1)
 * @example
 * ```ts
 * import { openEtcdRegistry } from "./open-etcd-registry.ts";
 * const registry = await openEtcdRegistry({ etcdEndpoints: ["http://127.0.0.1:2379"], etcdPrefix: "/coreos.com/network" });
 * ```
 */
export const openEtcdRegistry: OpenRegistry = (settings) =>
  ResultAsync.combine([
    readTls("certificate", "--etcd-cafile", settings.etcdCafile),
    readTls("certificate", "--etcd-certfile", settings.etcdCertfile),
    readTls("key", "--etcd-keyfile", settings.etcdKeyfile),
  ]).andThen(([ca, cert, key]) => {
    if ((cert === undefined) !== (key === undefined)) {
      const [flag, path] = cert === undefined ? ["--etcd-keyfile", settings.etcdKeyfile ?? ""] : ["--etcd-certfile", settings.etcdCertfile ?? ""];
      return errAsync<Registry, OpenRegistryError>({ kind: "etcd-tls", flag, path, message: `${flag} ${path} needs its pair: give both --etcd-certfile and --etcd-keyfile` });
    }
    if (cert !== undefined && key !== undefined && !new X509Certificate(cert).checkPrivateKey(createPrivateKey({ key: Buffer.from(key), format: "pem" }))) {
      return errAsync<Registry, OpenRegistryError>({
        kind: "etcd-tls",
        flag: "--etcd-keyfile",
        path: settings.etcdKeyfile ?? "",
        message: `--etcd-keyfile ${settings.etcdKeyfile ?? ""} is not the key of --etcd-certfile ${settings.etcdCertfile ?? ""}`,
      });
    }
    const tls: { -readonly [K in keyof Etcd3Tls]?: Uint8Array } = {};
    if (ca !== undefined) tls.ca = ca;
    if (cert !== undefined) tls.cert = cert;
    if (key !== undefined) tls.key = key;
    try {
      return okAsync<Registry, OpenRegistryError>(
        new Etcd3Registry({
          endpoints: settings.etcdEndpoints,
          prefix: settings.etcdPrefix,
          ...(Object.keys(tls).length === 0 ? {} : { tls }),
          ...(settings.etcdUsername === undefined ? {} : { username: settings.etcdUsername, password: settings.etcdPassword ?? "" }),
          requestTimeoutMs: 5_000,
        }),
      );
    } catch (cause) {
      return errAsync<Registry, OpenRegistryError>({ kind: "etcd-client", message: `the etcd client refused the settings: ${cause instanceof Error ? cause.message : String(cause)}` });
    }
  });

/**
 * Runs a command's work with a registry opened from its etcd flags and
 * closes the registry afterwards (so the process can exit).
 *
 * @param run the command's run (values with the etcd flags, reporter)
 * @param open how to open the registry (tests pass an in-memory one)
 * @param work the command's work; resolves to the exit code
 * @returns the exit code: 1 when the registry cannot be opened, else the work's
 * @example
 * ```ts
 * import { MemoryRegistry } from "../etcd/memory-registry.ts";
 * import { openShared, withRegistry } from "./open-etcd-registry.ts";
 * import { createReporter } from "./reporter.ts";
 * const io = { out: (t: string) => void t, err: (t: string) => void t, env: {} };
 * const values = { etcdEndpoints: ["http://127.0.0.1:2379"], etcdPrefix: "/p" };
 * const code = await withRegistry({ values, positionals: [], io, report: createReporter(io, "x", false) }, openShared(new MemoryRegistry()), () => Promise.resolve(0));
 * ```
 */
export async function withRegistry<F extends FlagSet>(
  run: CommandRun<F> & { readonly values: EtcdSettings },
  open: OpenRegistry,
  work: (registry: Registry) => Promise<number>,
): Promise<number> {
  const opened = await open(run.values);
  if (opened.isErr()) return run.report.error(opened.error, EXIT.failed);
  try {
    return await work(opened.value);
  } finally {
    await opened.value.close();
  }
}

/**
 * An opener that ignores the etcd flags and hands out one registry that the
 * command must not close (an embedded in-memory store shared by several
 * commands, as in the demo and the tests).
 *
 * @param registry the registry to hand out; its owner closes it
 * @returns the opener
 * @example
 * ```ts
 * import { MemoryRegistry } from "../etcd/memory-registry.ts";
 * import { leasesCommand } from "./commands/leases.ts";
 * import { openShared } from "./open-etcd-registry.ts";
 * const leases = leasesCommand(openShared(new MemoryRegistry({ prefix: "/atomic.io/network" })));
 * ```
 */
export function openShared(registry: Registry): OpenRegistry {
  const unclosable = new Proxy(registry, {
    get(target, prop) {
      if (prop === "close") return () => Promise.resolve();
      const value = Reflect.get(target, prop) as unknown;
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return () => okAsync(unclosable);
}
