/**
 * dockerd's command-line flags and the daemon.json keys it knows, for the
 * two Debian releases flannel-ts targets: dockerd 20.10 (bookworm's
 * docker.io 20.10.24) and dockerd 26 (trixie's docker.io 26.1.5). dockerd
 * decides whether a daemon.json key is known by looking it up as a flag
 * name, as the name of a "named option" flag (`hosts` for `-H, --host`), or
 * in a short skip list; the lists here were checked against both binaries.
 *
 * @module
 */

/** The dockerd releases whose rules flannel-ts knows. */
export type DockerdVersion = "20.10" | "26";

/** The dockerd releases, oldest first. */
export const DOCKERD_VERSIONS: readonly DockerdVersion[] = ["20.10", "26"];

/**
 * How a flag takes and prints its value (pflag's `Value.String()`, which
 * dockerd prints in its conflict message).
 * - `bool`: `--debug`, `--debug=false`; prints `true`/`false`
 * - `string`, `int`, `ip`: one value, the last one given wins
 * - `list`: repeatable; prints `[a b]` (`ip-list`: dockerd 26's `--dns`, prints `[a,b]`)
 * - `map`: repeatable `k=v`; prints `map[k:v ...]` sorted by key
 * - `pools`: repeatable `base=CIDR,size=N`; prints `CIDR N, CIDR N`
 * - `ulimits`: repeatable `name=soft[:hard]`; prints `[name=soft:hard ...]`
 * - `bytes`: a size such as `64M`; prints `64MiB`
 * - `opaque`: printed as given (runtimes, which dockerd never reports)
 */
export type DockerdFlagKind = "bool" | "string" | "int" | "ip" | "list" | "ip-list" | "map" | "pools" | "ulimits" | "bytes" | "opaque";

/** One dockerd flag. */
export interface DockerdFlag {
  /** The long name, e.g. `host`. */
  readonly name: string;
  /** The one-letter name, e.g. `H`. */
  readonly short?: string;
  readonly kind: DockerdFlagKind;
  /** The daemon.json key it corresponds to, e.g. `hosts`; the long name unless the flag is a named option. */
  readonly key: string;
  /**
   * The Go type daemon.json's value must decode into, for the type checks
   * (`json: cannot unmarshal ... of type int`); absent when flannel-ts does
   * not check the type.
   */
  readonly goType?: "bool" | "string" | "int" | "int64" | "net.IP" | "[]string" | "map[string]string";
  /** The releases that have it (all when absent). */
  readonly only?: DockerdVersion;
}

const f = (name: string, kind: DockerdFlagKind, extra: Partial<Omit<DockerdFlag, "name" | "kind">> = {}): DockerdFlag => {
  const goType = extra.goType ??
    (kind === "bool"
      ? "bool"
      : kind === "string"
      ? "string"
      : kind === "ip"
      ? "net.IP"
      : kind === "int"
      ? "int"
      : kind === "list"
      ? "[]string"
      : kind === "map"
      ? "map[string]string"
      : undefined);
  return {
    name,
    kind,
    key: extra.key ?? name,
    ...(extra.short !== undefined && { short: extra.short }),
    ...(goType !== undefined && { goType }),
    ...(extra.only !== undefined && { only: extra.only }),
  };
};

/** Every dockerd flag of 20.10 and 26 (including hidden and deprecated ones, which dockerd still looks up). */
export const DOCKERD_FLAGS: readonly DockerdFlag[] = [
  f("add-runtime", "opaque", { key: "runtimes" }),
  f("allow-nondistributable-artifacts", "list"),
  f("api-cors-header", "string"),
  f("authorization-plugin", "list", { key: "authorization-plugins" }),
  f("bip", "string"),
  f("bridge", "string", { short: "b" }),
  f("cdi-spec-dir", "list", { key: "cdi-spec-dirs", only: "26" }),
  f("cgroup-parent", "string"),
  f("cluster-advertise", "string", { only: "20.10" }),
  f("cluster-store", "string", { only: "20.10" }),
  f("cluster-store-opt", "map", { key: "cluster-store-opts", only: "20.10" }),
  f("config-file", "string"),
  f("containerd", "string"),
  f("containerd-namespace", "string"),
  f("containerd-plugins-namespace", "string"),
  f("cpu-rt-period", "int", { goType: "int64" }),
  f("cpu-rt-runtime", "int", { goType: "int64" }),
  f("cri-containerd", "bool"),
  f("data-root", "string"),
  f("debug", "bool", { short: "D" }),
  f("default-address-pool", "pools", { key: "default-address-pools" }),
  f("default-cgroupns-mode", "string"),
  f("default-gateway", "ip"),
  f("default-gateway-v6", "ip"),
  f("default-ipc-mode", "string"),
  f("default-network-opt", "opaque", { key: "default-network-opts", only: "26" }),
  f("default-runtime", "string"),
  f("default-shm-size", "bytes"),
  f("default-ulimit", "ulimits", { key: "default-ulimits" }),
  f("dns", "list"),
  f("dns-opt", "list", { key: "dns-opts" }),
  f("dns-search", "list"),
  f("exec-opt", "list", { key: "exec-opts" }),
  f("exec-root", "string"),
  f("experimental", "bool"),
  f("fixed-cidr", "string"),
  f("fixed-cidr-v6", "string"),
  f("graph", "string", { short: "g", only: "20.10" }),
  f("group", "string", { short: "G" }),
  f("help", "bool"),
  f("host", "list", { short: "H", key: "hosts" }),
  f("host-gateway-ip", "ip"),
  f("http-proxy", "string", { only: "26" }),
  f("https-proxy", "string", { only: "26" }),
  f("icc", "bool"),
  f("init", "bool"),
  f("init-path", "string"),
  f("insecure-registry", "list", { key: "insecure-registries" }),
  f("ip", "ip"),
  f("ip-forward", "bool"),
  f("ip-masq", "bool"),
  f("ip6tables", "bool"),
  f("iptables", "bool"),
  f("ipv6", "bool"),
  f("label", "list", { key: "labels" }),
  f("live-restore", "bool"),
  f("log-driver", "string"),
  f("log-format", "string", { only: "26" }),
  f("log-level", "string", { short: "l" }),
  f("log-opt", "map", { key: "log-opts" }),
  f("max-concurrent-downloads", "int"),
  f("max-concurrent-uploads", "int"),
  f("max-download-attempts", "int"),
  f("metrics-addr", "string"),
  f("mtu", "int"),
  f("network-control-plane-mtu", "int"),
  f("network-diagnostic-port", "int"),
  f("no-new-privileges", "bool"),
  f("no-proxy", "string", { only: "26" }),
  f("node-generic-resource", "list", { key: "node-generic-resources" }),
  f("oom-score-adjust", "int", { only: "20.10" }),
  f("pidfile", "string", { short: "p" }),
  f("raw-logs", "bool"),
  f("registry-mirror", "list", { key: "registry-mirrors" }),
  f("restart", "bool", { short: "r" }),
  f("rootless", "bool"),
  f("seccomp-profile", "string"),
  f("selinux-enabled", "bool"),
  f("shutdown-timeout", "int"),
  f("storage-driver", "string", { short: "s" }),
  f("storage-opt", "list", { key: "storage-opts" }),
  f("swarm-default-advertise-addr", "string"),
  f("tls", "bool"),
  f("tlscacert", "string"),
  f("tlscert", "string"),
  f("tlskey", "string"),
  f("tlsverify", "bool"),
  f("userland-proxy", "bool"),
  f("userland-proxy-path", "string"),
  f("userns-remap", "string"),
  f("validate", "bool", { only: "26" }),
  f("version", "bool", { short: "v" }),
];

/**
 * The flags of one release.
 *
 * @param version the dockerd release
 * @returns its flags, sorted by long name (the order dockerd lists conflicts in)
 */
export function dockerdFlags(version: DockerdVersion): readonly DockerdFlag[] {
  return DOCKERD_FLAGS.filter((flag) => flag.only === undefined || flag.only === version).map((flag) =>
    version === "26" && flag.name === "dns" ? { ...flag, kind: "ip-list" as const } : flag
  );
}

/** Keys dockerd accepts in daemon.json without a flag of that name (dockerd's skipValidateOptions). */
const SKIP_VALIDATE = ["features", "builder", "deprecated-key-path"];

/**
 * The daemon.json keys a release knows: every flag's long name, every named
 * option's key, and the keys dockerd skips.
 *
 * @param version the dockerd release
 * @returns the keys
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { knownDaemonJsonKeys } from "./dockerd-flags.ts";
 * assert.equal(knownDaemonJsonKeys("26").has("hosts"), true);
 * assert.equal(knownDaemonJsonKeys("26").has("graph"), false); // removed after 20.10
 * ```
 */
export function knownDaemonJsonKeys(version: DockerdVersion): ReadonlySet<string> {
  const keys = new Set<string>(SKIP_VALIDATE);
  for (const flag of dockerdFlags(version)) {
    keys.add(flag.name);
    keys.add(flag.key);
  }
  return keys;
}

/**
 * daemon.json keys whose object value dockerd reads as one option; the
 * members of any other object value are read as top-level keys (so
 * `"proxies": {"http-proxy": ...}` sets `http-proxy`).
 *
 * @param version the dockerd release
 * @returns the keys (dockerd's flatOptions)
 */
export function flatDaemonJsonKeys(version: DockerdVersion): ReadonlySet<string> {
  const common = ["log-opts", "runtimes", "default-ulimits", "features", "builder", "cluster-store-opts"];
  return new Set(version === "20.10" ? common : [...common, "default-network-opts"]);
}

// Where dockerd 26's Config struct keeps each key (Go 1.20 and later name
// the whole path in "cannot unmarshal" errors); read from dockerd 26.1.5's
// errors. dockerd 20.10 (older Go) names every field Config.<key>.
const GO_PATHS_26: Readonly<Record<string, string>> = {
  Config:
    "cgroup-parent cpu-rt-period cpu-rt-runtime default-cgroupns-mode default-ipc-mode default-ulimits init init-path no-new-privileges rootless runtimes seccomp-profile selinux-enabled userns-remap",
  "Config.CommonConfig.BridgeConfig": "ip-forward ip-masq ip6tables iptables userland-proxy userland-proxy-path",
  "Config.CommonConfig.BridgeConfig.DefaultBridgeConfig": "bip default-gateway default-gateway-v6 fixed-cidr-v6 icc ip ipv6 mtu",
  "Config.CommonConfig.BridgeConfig.DefaultBridgeConfig.commonBridgeConfig": "bridge fixed-cidr",
  "Config.CommonConfig.DNSConfig": "dns dns-opts dns-search host-gateway-ip",
  "Config.CommonConfig.LogConfig": "log-driver log-opts",
  "Config.CommonConfig.NetworkConfig": "default-address-pools default-network-opts network-control-plane-mtu",
  "Config.CommonConfig.ServiceOptions": "allow-nondistributable-artifacts insecure-registries registry-mirrors",
  "Config.CommonConfig.TLSOptions": "tlscacert tlscert tlskey",
};

/**
 * How dockerd names a daemon.json key's struct field in a decoding error.
 *
 * @param key a daemon.json key
 * @param version the dockerd release
 * @returns e.g. `Config.mtu` (20.10) or `Config.CommonConfig.BridgeConfig.DefaultBridgeConfig.mtu` (26)
 */
export function goFieldPath(key: string, version: DockerdVersion): string {
  if (version === "20.10") return `Config.${key}`;
  const parent = Object.entries(GO_PATHS_26).find(([, keys]) => keys.split(" ").includes(key))?.[0] ?? "Config.CommonConfig";
  return `${parent}.${key}`;
}
