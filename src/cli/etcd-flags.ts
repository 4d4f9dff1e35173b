// The etcd flags every etcd command shares, with flanneld's names, defaults
// and FLANNELD_* environment variables, and the registry they open.
import { readFileSync } from "node:fs";
import { err, ok, type Result } from "neverthrow";
import { DEFAULT_ETCD_ENDPOINTS, DEFAULT_ETCD_PREFIX } from "../core/defaults.ts";
import { Etcd3Registry, type Etcd3Tls } from "../etcd/etcd3-registry.ts";
import type { Registry } from "../etcd/registry.ts";
import type { CliIo } from "./io.ts";

/** The flags, in the form `node:util` parseArgs takes. */
export const ETCD_FLAG_OPTIONS = {
  "etcd-endpoints": { type: "string" },
  "etcd-prefix": { type: "string" },
  "etcd-cafile": { type: "string" },
  "etcd-certfile": { type: "string" },
  "etcd-keyfile": { type: "string" },
  "etcd-username": { type: "string" },
  "etcd-password": { type: "string" },
} as const;

/** The flags' help, for a command's usage text. */
export const ETCD_FLAGS_HELP = `etcd flags (flanneld's; each also read from FLANNELD_<NAME>, e.g. FLANNELD_ETCD_ENDPOINTS,
when the flag is not given):
  --etcd-endpoints URLS   comma-separated etcd endpoints (default ${DEFAULT_ETCD_ENDPOINTS.join(",")})
  --etcd-prefix PATH      etcd prefix (default ${DEFAULT_ETCD_PREFIX})
  --etcd-cafile FILE      CA certificate that signed etcd's certificate
  --etcd-certfile FILE    client certificate for etcd
  --etcd-keyfile FILE     key of the client certificate
  --etcd-username NAME    user for etcd's authentication
  --etcd-password PASS    password of that user
`;

/** Where and how to reach etcd. */
export interface EtcdSettings {
  readonly endpoints: readonly string[];
  readonly prefix: string;
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly username?: string;
  readonly password?: string;
}

/** Why the etcd settings are unusable. */
export interface EtcdSettingsError {
  readonly kind: "invalid-etcd-setting";
  /** The flag at fault, e.g. `--etcd-endpoints`. */
  readonly flag: string;
  readonly value: string;
  readonly message: string;
}

type FlagName = keyof typeof ETCD_FLAG_OPTIONS;

/**
 * Resolves the etcd settings as flanneld does: a flag given on the command
 * line wins (even when empty); otherwise `FLANNELD_` + the flag's name in
 * upper case with `_` for `-` (FLANNELD_ETCD_ENDPOINTS) when set and not
 * empty; otherwise the default.
 *
 * @param values the flags parsed by parseArgs
 * @param env the environment
 * @returns the settings, or which flag is wrong and why
 */
export function resolveEtcdSettings(values: Partial<Record<FlagName, string | boolean | undefined>>, env: Readonly<Record<string, string | undefined>>): Result<EtcdSettings, EtcdSettingsError> {
  const get = (name: FlagName): string | undefined => {
    const flag = values[name];
    if (typeof flag === "string") return flag;
    const fromEnv = env[`FLANNELD_${name.toUpperCase().replace(/-/g, "_")}`];
    return fromEnv === undefined || fromEnv === "" ? undefined : fromEnv;
  };
  const endpointsText = get("etcd-endpoints") ?? DEFAULT_ETCD_ENDPOINTS.join(",");
  const endpoints = endpointsText.split(",");
  for (const endpoint of endpoints) {
    const problem = endpointProblem(endpoint);
    if (problem !== undefined) {
      return err({
        kind: "invalid-etcd-setting",
        flag: "--etcd-endpoints",
        value: endpointsText,
        message: `--etcd-endpoints "${endpointsText}": ${problem}; give comma-separated URLs such as http://127.0.0.1:2379`,
      });
    }
  }
  const optional = (name: FlagName, key: keyof EtcdSettings) => {
    const v = get(name);
    return v === undefined || v === "" ? {} : { [key]: v };
  };
  return ok({
    endpoints,
    prefix: get("etcd-prefix") ?? DEFAULT_ETCD_PREFIX,
    ...optional("etcd-cafile", "caFile"),
    ...optional("etcd-certfile", "certFile"),
    ...optional("etcd-keyfile", "keyFile"),
    ...optional("etcd-username", "username"),
    ...optional("etcd-password", "password"),
  });
}

function endpointProblem(endpoint: string): string | undefined {
  if (endpoint === "") return "an endpoint is empty";
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint)) return `"${endpoint}" has no http:// or https:// in front`;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return `"${endpoint}" is not a URL`;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return `"${endpoint}" is not http:// or https://`;
  if (url.port === "") return `"${endpoint}" has no port`;
  if (url.pathname !== "/" || url.search !== "" || url.hash !== "") return `"${endpoint}" has a path; give scheme, host and port only`;
  return undefined;
}

/** Opens the registry for a command, given its settings. */
export type OpenRegistry = (settings: EtcdSettings) => Result<Registry, EtcdSettingsError>;

/**
 * Opens an {@link Etcd3Registry}: reads the TLS files, and bounds each request
 * to 5 s so that an unreachable etcd is reported rather than waited for.
 *
 * @param settings from {@link resolveEtcdSettings}
 * @returns the registry, or which TLS file cannot be read
 */
export const openEtcdRegistry: OpenRegistry = (settings) => {
  const files: [keyof Etcd3Tls, string | undefined, string][] = [
    ["ca", settings.caFile, "--etcd-cafile"],
    ["cert", settings.certFile, "--etcd-certfile"],
    ["key", settings.keyFile, "--etcd-keyfile"],
  ];
  const tls: { -readonly [K in keyof Etcd3Tls]?: Uint8Array } = {};
  for (const [field, path, flag] of files) {
    if (path === undefined) continue;
    try {
      tls[field] = readFileSync(path);
    } catch (cause) {
      return err({ kind: "invalid-etcd-setting", flag, value: path, message: `cannot read ${flag} ${path}: ${cause instanceof Error ? cause.message : String(cause)}` });
    }
  }
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    const [flag, value] = tls.cert === undefined ? ["--etcd-keyfile", settings.keyFile ?? ""] : ["--etcd-certfile", settings.certFile ?? ""];
    return err({ kind: "invalid-etcd-setting", flag, value, message: `${flag} ${value} needs its pair: give both --etcd-certfile and --etcd-keyfile` });
  }
  return ok(
    new Etcd3Registry({
      endpoints: settings.endpoints,
      prefix: settings.prefix,
      ...(Object.keys(tls).length === 0 ? {} : { tls }),
      ...(settings.username === undefined ? {} : { username: settings.username, password: settings.password ?? "" }),
      requestTimeoutMs: 5_000,
    }),
  );
};

/**
 * Runs a command's work with a registry opened from its etcd flags and
 * closes the registry afterwards (so the process can exit).
 *
 * @param command the command's name, for messages (`config set`)
 * @param io the command's io
 * @param values the parsed flags
 * @param open how to open the registry (tests pass an in-memory one)
 * @param work the command's work; resolves to the exit code
 * @returns the exit code: 2 for unusable etcd flags, else the work's
 */
export async function withRegistry(
  command: string,
  io: CliIo,
  values: Partial<Record<FlagName, string | boolean | undefined>>,
  open: OpenRegistry,
  work: (registry: Registry, settings: EtcdSettings) => Promise<number>,
): Promise<number> {
  const registry = resolveEtcdSettings(values, io.env).andThen((settings) => open(settings).map((r) => [r, settings] as const));
  if (registry.isErr()) {
    io.err(`flannel-ts ${command}: ${registry.error.message}\n`);
    return 2;
  }
  const [opened, settings] = registry.value;
  try {
    return await work(opened, settings);
  } finally {
    await opened.close();
  }
}

/**
 * An opener that ignores the etcd flags and hands out one registry that the
 * command must not close (an embedded in-memory store shared by several
 * commands, as in the demo and the tests).
 *
 * @param registry the registry to hand out; its owner closes it
 * @returns the opener
 */
export function openShared(registry: Registry): OpenRegistry {
  const unclosable = new Proxy(registry, {
    get(target, prop) {
      if (prop === "close") return () => Promise.resolve();
      const value = Reflect.get(target, prop) as unknown;
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return () => ok(unclosable);
}
