/**
 * The registry an etcd command talks to, opened from the shared etcd flags
 * with `Etcd3Registry.open`, which checks the endpoints and the TLS material
 * (PEM certificates that parse, a key that parses, is not encrypted and
 * belongs to the certificate). The CLI reads the TLS files boundedly
 * (regular files, at most 1 MiB) and maps each of the registry's errors onto
 * the flag that carried the value, so that every problem names its flag and
 * file before the etcd client sees anything. Each request is bounded so that
 * an unreachable etcd is reported rather than waited for.
 *
 * @module
 */
import { errAsync, okAsync, ResultAsync } from "neverthrow";
import { Etcd3Registry, type Etcd3RegistryOptionsError, type Etcd3Tls, redactEndpoint } from "../etcd/etcd3-registry.ts";
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

/** Why the registry could not be opened: an endpoint, a TLS file, or the client. */
export interface OpenRegistryError extends CliError {
  readonly kind: "etcd-endpoint" | "etcd-tls" | "etcd-client";
  /** The flag whose value is at fault. */
  readonly flag?: string;
  /** The TLS file at fault. */
  readonly path?: string;
  /** The endpoint at fault, its credentials shown as `***`. */
  readonly endpoint?: string;
}

/** Opens the registry for a command, given its etcd settings. */
export type OpenRegistry = (settings: EtcdSettings) => ResultAsync<Registry, OpenRegistryError>;

/** The largest TLS file read. */
const TLS_FILE_MAX_BYTES = 1024 * 1024;

/** The flag that carries each TLS file. */
const TLS_FLAG = { ca: "--etcd-cafile", cert: "--etcd-certfile", key: "--etcd-keyfile" } as const;

type TlsField = keyof typeof TLS_FLAG;

function readTls(field: TlsField, path: string | undefined): ResultAsync<Uint8Array | undefined, OpenRegistryError> {
  if (path === undefined) return okAsync(undefined);
  const flag = TLS_FLAG[field];
  return readRegularFile(path, { maxBytes: TLS_FILE_MAX_BYTES })
    .mapErr((e): OpenRegistryError => ({ kind: "etcd-tls", flag, path, message: `${flag}: ${e.message}` }))
    .andThen((
      bytes,
    ) => (bytes === undefined ? errAsync<Uint8Array, OpenRegistryError>({ kind: "etcd-tls", flag, path, message: `${flag} ${path} does not exist` }) : okAsync(bytes)));
}

/**
 * The registry's refusal as the CLI reports it: on the flag that carried
 * the value, endpoints with their credentials redacted.
 *
 * @param error what `Etcd3Registry.open` said
 * @param paths the TLS files' paths, by field
 * @returns the error
 */
function onFlag(error: Etcd3RegistryOptionsError, paths: Readonly<Partial<Record<TlsField, string>>>): OpenRegistryError {
  switch (error.kind) {
    case "invalid-endpoint":
      return { kind: "etcd-endpoint", flag: "--etcd-endpoints", endpoint: redactEndpoint(error.endpoint), message: `--etcd-endpoints: ${error.message}` };
    case "invalid-tls": {
      const path = error.file ?? paths[error.field];
      return { kind: "etcd-tls", flag: TLS_FLAG[error.field], ...(path === undefined ? {} : { path }), message: `${TLS_FLAG[error.field]}: ${error.message}` };
    }
    case "client-setup":
      return { kind: "etcd-client", message: error.message };
  }
}

/**
 * Opens an {@link Etcd3Registry} with `Etcd3Registry.open`: reads the TLS
 * files, lets the registry check them with the endpoints, and bounds each
 * request to 5 s.
 *
 * @param settings the etcd flags' values
 * @returns the registry, or the flag whose value is unusable (an endpoint: exit 2; a TLS file: exit 1)
 * @example
 * ```ts
 * import { openEtcdRegistry } from "./open-etcd-registry.ts";
 * const registry = await openEtcdRegistry({ etcdEndpoints: ["http://127.0.0.1:2379"], etcdPrefix: "/coreos.com/network" });
 * ```
 */
export const openEtcdRegistry: OpenRegistry = (settings) => {
  const paths = { ca: settings.etcdCafile, cert: settings.etcdCertfile, key: settings.etcdKeyfile };
  return ResultAsync.combine([readTls("ca", paths.ca), readTls("cert", paths.cert), readTls("key", paths.key)]).andThen(([ca, cert, key]) => {
    const tls: { -readonly [K in keyof Etcd3Tls]?: Uint8Array } = {};
    const tlsFiles: { -readonly [K in TlsField]?: string } = {};
    for (const [field, bytes] of [["ca", ca], ["cert", cert], ["key", key]] as const) {
      const path = paths[field];
      if (bytes === undefined || path === undefined) continue;
      tls[field] = bytes;
      tlsFiles[field] = path;
    }
    const opened = Etcd3Registry.open({
      endpoints: settings.etcdEndpoints,
      prefix: settings.etcdPrefix,
      ...(Object.keys(tls).length === 0 ? {} : { tls, tlsFiles }),
      ...(settings.etcdUsername === undefined ? {} : { username: settings.etcdUsername, password: settings.etcdPassword ?? "" }),
      requestTimeoutMs: 5_000,
    });
    return opened.isOk() ? okAsync<Registry, OpenRegistryError>(opened.value) : errAsync<Registry, OpenRegistryError>(onFlag(opened.error, tlsFiles));
  });
};

/**
 * Runs a command's work with a registry opened from its etcd flags and
 * closes the registry afterwards (so the process can exit).
 *
 * @param run the command's run (values with the etcd flags, reporter)
 * @param open how to open the registry (tests pass an in-memory one)
 * @param work the command's work; resolves to the exit code
 * @returns the exit code: 2 for an unusable endpoint, 1 when the registry cannot be opened otherwise, else the work's
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
  if (opened.isErr()) return run.report.error(opened.error, opened.error.kind === "etcd-endpoint" ? EXIT.usage : EXIT.failed);
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
