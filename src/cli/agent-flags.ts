/**
 * The flags of `flannel-ts agent`: flanneld's names and defaults where
 * flanneld has the flag, FLANNELD_* environment variables as flanneld reads
 * them (a variable sets a flag only when the command line did not, and an
 * empty variable counts as unset), and Go's spellings (`-flag`, `--flag=v`,
 * `--bool=false`) so that a flanneld unit's command line carries over.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { err, ok, type Result } from "neverthrow";
import { DEFAULT_DAEMON_JSON, DEFAULT_ETCD_ENDPOINTS, DEFAULT_ETCD_PREFIX, DEFAULT_HEALTHZ_IP, DEFAULT_IPTABLES_RESYNC_SECONDS, DEFAULT_RENEW_MARGIN_MINUTES, DEFAULT_SUBNET_FILE, DEFAULT_TUN_NAME } from "../core/defaults.ts";

/** Everything `flannel-ts agent` is told on its command line and in FLANNELD_* variables. */
export interface AgentFlags {
  /** `--etcd-endpoints`, split on commas. */
  readonly etcdEndpoints: readonly string[];
  /** `--etcd-prefix`. */
  readonly etcdPrefix: string;
  /** `--etcd-keyfile`, `--etcd-certfile`, `--etcd-cafile`: absent when empty. */
  readonly etcdKeyfile?: string;
  readonly etcdCertfile?: string;
  readonly etcdCafile?: string;
  /** `--etcd-username`, `--etcd-password`: absent when empty. */
  readonly etcdUsername?: string;
  readonly etcdPassword?: string;
  /** `--iface`, in order (repeatable). */
  readonly iface: readonly string[];
  /** `--iface-regex`, in order (repeatable). */
  readonly ifaceRegex: readonly string[];
  /** `--public-ip`: absent when empty. */
  readonly publicIp?: string;
  /** `--subnet-file`. */
  readonly subnetFile: string;
  /** `--subnet-lease-renew-margin`, minutes (1..1439). */
  readonly subnetLeaseRenewMarginMinutes: number;
  /** `--ip-masq`. */
  readonly ipMasq: boolean;
  /** `--healthz-ip`. */
  readonly healthzIp: string;
  /** `--healthz-port`; 0 turns the endpoint off. */
  readonly healthzPort: number;
  /** `--iptables-forward-rules`. */
  readonly iptablesForwardRules: boolean;
  /** `--iptables-resync`, seconds between checks that the rules are still there. */
  readonly iptablesResyncSeconds: number;
  /** `--release`: delete the lease on a clean stop (flanneld keeps it). */
  readonly release: boolean;
  /** `--docker-config [path]`: the daemon.json to merge bip and mtu into; absent when not asked for. */
  readonly dockerConfig?: string;
  /** `--docker-restart-command`: how dockerd is restarted after daemon.json changed. */
  readonly dockerRestartCommand: string;
  /** `--dockerd-args`: dockerd's command-line flags, to find conflicts with daemon.json; absent: found on the host. */
  readonly dockerdArgs?: string;
  /** `--docker-allow-findings`: write daemon.json despite error-level security findings (reported as warnings). */
  readonly dockerAllowFindings: boolean;
  /** `--tun-name`: the TUN device of the UDP engine. */
  readonly tunName: string;
  /** The opposite of `--no-source-filter`: accept datagrams only from the PublicIPs of current leases. */
  readonly sourceFilter: boolean;
}

/** A flag or variable the agent cannot use; the CLI prints the message and exits 2. */
export interface AgentFlagsError {
  readonly kind: "agent-flags";
  /** The flag's name without dashes, when one is at fault. */
  readonly flag?: string;
  /** The environment variable the value came from, when it came from one. */
  readonly variable?: string;
  /** The offending value or argument. */
  readonly value?: string;
  readonly message: string;
}

type FlagKind = "string" | "bool" | "int" | "list" | "optional-string";

interface FlagSpec {
  readonly name: string;
  readonly kind: FlagKind;
  /** Default as shown in the help and used when the flag is absent; for optional-string, the value when given bare. */
  readonly default: string;
  readonly help: string;
  /** What `--help` shows as the default when that is not the value itself. */
  readonly defaultText?: string;
  /** Where flanneld has this flag; ours otherwise. */
  readonly flanneld: boolean;
}

/** The default of `--docker-restart-command`. */
export const DEFAULT_DOCKER_RESTART_COMMAND = "systemctl restart docker";

/** Every flag of the agent, in the order `--help` lists them. */
export const AGENT_FLAG_SPECS: readonly FlagSpec[] = Object.freeze([
  { name: "etcd-endpoints", kind: "string", default: DEFAULT_ETCD_ENDPOINTS.join(","), help: "etcd client URLs, separated by commas", flanneld: true },
  { name: "etcd-prefix", kind: "string", default: DEFAULT_ETCD_PREFIX, help: "key prefix under which the config and the leases live", flanneld: true },
  { name: "etcd-keyfile", kind: "string", default: "", help: "private key of the TLS client certificate for etcd", flanneld: true },
  { name: "etcd-certfile", kind: "string", default: "", help: "TLS client certificate presented to etcd", flanneld: true },
  { name: "etcd-cafile", kind: "string", default: "", help: "CA certificate that etcd's server certificate must chain to", flanneld: true },
  { name: "etcd-username", kind: "string", default: "", help: "etcd user name (etcd's own authentication)", flanneld: true },
  { name: "etcd-password", kind: "string", default: "", help: "password of that etcd user", flanneld: true },
  { name: "iface", kind: "list", default: "", help: "name or address of the interface that carries the overlay between hosts; repeat to try several, first match wins", flanneld: true },
  { name: "iface-regex", kind: "list", default: "", help: "regex matching the interface (IP or name) to use; repeatable, tried after --iface", flanneld: true },
  { name: "public-ip", kind: "string", default: "", help: "address the other hosts send to, when it is not the interface's own (NAT)", flanneld: true },
  { name: "subnet-file", kind: "string", default: DEFAULT_SUBNET_FILE, help: "where the lease is written for Docker and scripts (FLANNEL_SUBNET, FLANNEL_MTU, ...)", flanneld: true },
  { name: "subnet-lease-renew-margin", kind: "int", default: String(DEFAULT_RENEW_MARGIN_MINUTES), help: "minutes before expiry at which the lease is renewed, 1 to 1439", flanneld: true },
  { name: "ip-masq", kind: "bool", default: "false", help: "masquerade traffic that leaves the flannel network for elsewhere", flanneld: true },
  { name: "healthz-ip", kind: "string", default: DEFAULT_HEALTHZ_IP, help: "address the /healthz endpoint listens on", flanneld: true },
  { name: "healthz-port", kind: "int", default: "0", help: "port of the /healthz endpoint; 0 turns it off", flanneld: true },
  { name: "iptables-forward-rules", kind: "bool", default: "true", help: "accept forwarded traffic to and from the flannel network in iptables' FORWARD chain", flanneld: true },
  { name: "iptables-resync", kind: "int", default: String(DEFAULT_IPTABLES_RESYNC_SECONDS), help: "seconds between checks that the iptables rules are still in place", flanneld: true },
  { name: "release", kind: "bool", default: "false", help: "give the lease back on SIGINT/SIGTERM (flanneld keeps it)", flanneld: false },
  { name: "docker-config", kind: "optional-string", default: DEFAULT_DAEMON_JSON, help: "merge bip and mtu into this daemon.json, restart dockerd and verify it", flanneld: false },
  { name: "docker-restart-command", kind: "string", default: DEFAULT_DOCKER_RESTART_COMMAND, help: "command that restarts dockerd after daemon.json changed (split into words as systemd does)", flanneld: false },
  { name: "dockerd-args", kind: "string", default: "", help: "dockerd's command-line flags, checked against daemon.json", defaultText: "read from the systemd unit on a host run by systemd, else from the running dockerd", flanneld: false },
  { name: "docker-allow-findings", kind: "bool", default: "false", help: "write daemon.json despite security findings such as a tcp:// host without TLS (they are logged)", flanneld: false },
  { name: "tun-name", kind: "string", default: DEFAULT_TUN_NAME, help: "name of the UDP engine's TUN device", flanneld: false },
  { name: "no-source-filter", kind: "bool", default: "false", help: "accept encapsulated packets from any address, not only from the PublicIPs of current leases (as flanneld does)", flanneld: false },
] satisfies FlagSpec[]);

const SPEC_BY_NAME = new Map(AGENT_FLAG_SPECS.map((s) => [s.name, s]));

/**
 * The environment variable that sets a flag, as flanneld names it.
 *
 * @param flag the flag's name without dashes, e.g. `etcd-endpoints`
 * @returns e.g. `FLANNELD_ETCD_ENDPOINTS`
 * @example
 * ```ts
 * import { envVariableOf } from "./agent-flags.ts";
 * envVariableOf("subnet-lease-renew-margin"); // "FLANNELD_SUBNET_LEASE_RENEW_MARGIN"
 * ```
 */
export function envVariableOf(flag: string): string {
  return `FLANNELD_${flag.toUpperCase().replaceAll("-", "_")}`;
}

const usageError = (message: string, fields: Omit<AgentFlagsError, "kind" | "message"> = {}): AgentFlagsError => ({ kind: "agent-flags", ...fields, message });

// Go's strconv.ParseBool, which flanneld's boolean flags use.
function parseGoBool(text: string): boolean | undefined {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(text)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(text)) return false;
  return undefined;
}

function parseGoInt(text: string): number | undefined {
  if (!/^[+-]?\d+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

type Raw = Map<string, string[]>;

// Rewrites Go's spellings into what node:util's parseArgs reads: `-flag` to
// `--flag`, `--bool=value` into a recorded value (parseArgs refuses a value
// on a boolean), `--flag value` into `--flag=value`, and a bare
// `--docker-config` into one with its default.
function normalize(argv: readonly string[]): { args: string[]; bools: Raw } {
  const args: string[] = [];
  const bools: Raw = new Map();
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i] ?? "";
    if (arg === "--") {
      args.push(...argv.slice(i));
      break;
    }
    if (/^-[a-z][a-z-]+/.test(arg)) arg = `-${arg}`;
    const m = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/s.exec(arg);
    const spec = m === null ? undefined : SPEC_BY_NAME.get(m[1] ?? "");
    if (m === null || spec === undefined) {
      args.push(arg);
      continue;
    }
    const value = m[2];
    if (spec.kind === "bool") {
      bools.set(spec.name, [...(bools.get(spec.name) ?? []), value ?? "true"]);
      continue;
    }
    if (value !== undefined) {
      args.push(arg);
      continue;
    }
    // Like Go's flag package, a flag that takes a value takes the next
    // argument whatever it looks like (`--dockerd-args "-H fd://"`).
    const next = argv[i + 1];
    if (spec.kind === "optional-string" && (next === undefined || next.startsWith("-"))) {
      args.push(`--${spec.name}=${spec.default}`);
    } else if (next === undefined) {
      args.push(arg);
    } else {
      args.push(`--${spec.name}=${next}`);
      i++;
    }
  }
  return { args, bools };
}

function readCommandLine(argv: readonly string[]): Result<Raw, AgentFlagsError> {
  const { args, bools } = normalize(argv);
  const options: Record<string, { type: "string"; multiple: true }> = {};
  for (const spec of AGENT_FLAG_SPECS) if (spec.kind !== "bool") options[spec.name] = { type: "string", multiple: true };
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    const unknown = /Unknown option '([^']+)'/.exec(message);
    if (unknown !== null) return err(usageError(`unknown flag ${unknown[1]}; run flannel-ts agent --help for the list`, { value: unknown[1] ?? "" }));
    const missing = /^Option '--([a-z0-9-]+)[^']*' argument missing/.exec(message);
    if (missing !== null) return err(usageError(`flag --${missing[1]} needs a value`, { flag: missing[1] ?? "" }));
    return err(usageError(message));
  }
  if (parsed.positionals.length > 0) {
    const first = parsed.positionals[0] ?? "";
    return err(usageError(`unexpected argument "${first}": the agent takes only flags (a boolean takes its value as --flag=false)`, { value: first }));
  }
  const raw: Raw = new Map(bools);
  for (const [name, value] of Object.entries(parsed.values)) {
    if (Array.isArray(value)) raw.set(name, value.map(String));
  }
  return ok(raw);
}

interface Resolved {
  readonly value: string;
  readonly variable?: string;
}

function resolve(raw: Raw, env: Readonly<Record<string, string | undefined>>, spec: FlagSpec): Resolved[] | undefined {
  const given = raw.get(spec.name);
  if (given !== undefined) return given.map((value) => ({ value }));
  const variable = envVariableOf(spec.name);
  const fromEnv = env[variable];
  if (fromEnv !== undefined && fromEnv !== "") return [{ value: fromEnv, variable }];
  return undefined;
}

function lastOf(values: Resolved[] | undefined, spec: FlagSpec): Resolved {
  return values?.[values.length - 1] ?? { value: spec.kind === "optional-string" ? "" : spec.default };
}

const where = (spec: FlagSpec, r: Resolved): string => (r.variable === undefined ? `--${spec.name}` : `${r.variable} (for --${spec.name})`);

/**
 * Reads the agent's flags from its arguments and the environment, the way
 * flanneld does: a FLANNELD_* variable applies only to a flag the command
 * line did not set, and an empty variable is ignored. For a flag given twice
 * the last wins, except `--iface` and `--iface-regex`, which collect.
 *
 * @param argv the arguments after `agent`
 * @param env the process environment
 * @returns the flags with defaults filled in, or the first problem (exit 2)
 * @example
 * ```ts
 * import { parseAgentFlags } from "./agent-flags.ts";
 * const flags = parseAgentFlags(["--iface", "eth1", "--ip-masq"], { FLANNELD_ETCD_PREFIX: "/atomic.io/network" })._unsafeUnwrap();
 * flags.etcdPrefix; // "/atomic.io/network"
 * flags.ipMasq; // true
 * flags.subnetFile; // "/run/flannel/subnet.env"
 * ```
 */
export function parseAgentFlags(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Result<AgentFlags, AgentFlagsError> {
  return readCommandLine(argv).andThen((raw) => {
    const strings = new Map<string, string>();
    const bools = new Map<string, boolean>();
    const ints = new Map<string, number>();
    const lists = new Map<string, string[]>();
    for (const spec of AGENT_FLAG_SPECS) {
      const values = resolve(raw, env, spec);
      if (spec.kind === "list") {
        lists.set(spec.name, (values ?? []).map((v) => v.value).filter((v) => v !== ""));
        continue;
      }
      const r = lastOf(values, spec);
      if (spec.kind === "bool") {
        const b = parseGoBool(r.value);
        if (b === undefined) return err(usageError(`${where(spec, r)}: "${r.value}" is not a boolean (use true or false)`, { flag: spec.name, value: r.value, ...(r.variable === undefined ? {} : { variable: r.variable }) }));
        bools.set(spec.name, b);
      } else if (spec.kind === "int") {
        const n = parseGoInt(r.value);
        if (n === undefined) return err(usageError(`${where(spec, r)}: "${r.value}" is not an integer`, { flag: spec.name, value: r.value, ...(r.variable === undefined ? {} : { variable: r.variable }) }));
        ints.set(spec.name, n);
      } else {
        strings.set(spec.name, r.value);
      }
    }
    return check({ strings, bools, ints, lists, raw, env });
  });
}

interface Collected {
  readonly strings: Map<string, string>;
  readonly bools: Map<string, boolean>;
  readonly ints: Map<string, number>;
  readonly lists: Map<string, string[]>;
  readonly raw: Raw;
  readonly env: Readonly<Record<string, string | undefined>>;
}

function check(c: Collected): Result<AgentFlags, AgentFlagsError> {
  const str = (name: string): string => c.strings.get(name) ?? "";
  const int = (name: string): number => c.ints.get(name) ?? 0;
  const bool = (name: string): boolean => c.bools.get(name) ?? false;
  const rangeError = (name: string, text: string): Result<never, AgentFlagsError> => {
    const spec = SPEC_BY_NAME.get(name);
    const r = spec === undefined ? undefined : lastOf(resolve(c.raw, c.env, spec), spec);
    const source = spec !== undefined && r !== undefined ? where(spec, r) : `--${name}`;
    return err(usageError(`${source}: ${text}`, { flag: name, value: String(int(name)), ...(r?.variable === undefined ? {} : { variable: r.variable }) }));
  };
  const margin = int("subnet-lease-renew-margin");
  if (margin < 1 || margin > 1439) return rangeError("subnet-lease-renew-margin", `${margin} is out of range: give minutes from 1 to 1439 (less than the lease's 24 hours)`);
  const healthzPort = int("healthz-port");
  if (healthzPort < 0 || healthzPort > 65535) return rangeError("healthz-port", `${healthzPort} is not a port (0 to 65535; 0 turns healthz off)`);
  const resync = int("iptables-resync");
  if (resync < 1) return rangeError("iptables-resync", `${resync} is out of range: give at least 1 second`);
  const endpoints = str("etcd-endpoints")
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e !== "");
  if (endpoints.length === 0) return err(usageError("--etcd-endpoints: no endpoint given (e.g. http://127.0.0.1:2379)", { flag: "etcd-endpoints", value: str("etcd-endpoints") }));
  const tunName = str("tun-name");
  // The kernel's limit (IFNAMSIZ - 1) and the characters `ip link` accepts.
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(tunName)) return err(usageError(`--tun-name: "${tunName}" is not an interface name (1 to 15 letters, digits, '_', '.', '-')`, { flag: "tun-name", value: tunName }));
  const optional = (name: string): string | undefined => (str(name) === "" ? undefined : str(name));
  const flags: AgentFlags = {
    etcdEndpoints: endpoints,
    etcdPrefix: str("etcd-prefix"),
    ...opt("etcdKeyfile", optional("etcd-keyfile")),
    ...opt("etcdCertfile", optional("etcd-certfile")),
    ...opt("etcdCafile", optional("etcd-cafile")),
    ...opt("etcdUsername", optional("etcd-username")),
    ...opt("etcdPassword", optional("etcd-password")),
    iface: c.lists.get("iface") ?? [],
    ifaceRegex: c.lists.get("iface-regex") ?? [],
    ...opt("publicIp", optional("public-ip")),
    subnetFile: str("subnet-file"),
    subnetLeaseRenewMarginMinutes: margin,
    ipMasq: bool("ip-masq"),
    healthzIp: str("healthz-ip"),
    healthzPort,
    iptablesForwardRules: bool("iptables-forward-rules"),
    iptablesResyncSeconds: resync,
    release: bool("release"),
    ...opt("dockerConfig", optional("docker-config")),
    dockerRestartCommand: str("docker-restart-command"),
    ...opt("dockerdArgs", optional("dockerd-args")),
    dockerAllowFindings: bool("docker-allow-findings"),
    tunName,
    sourceFilter: !bool("no-source-filter"),
  };
  return ok(flags);
}

function opt<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

/**
 * The text of `flannel-ts agent --help`: every flag with its kind, its
 * default and its FLANNELD_* variable.
 *
 * @returns the help text, ending in a newline
 */
export function agentUsage(): string {
  const lines = [
    "Usage: flannel-ts agent [flags]",
    "",
    "Run the flannel agent on this host: read the network config from etcd, lease a",
    "subnet, write subnet.env, carry the overlay through the UDP engine (TUN device",
    "plus UDP port 8285, or Backend.Port), keep the routes in step with the other",
    "hosts' leases and renew the lease. SIGINT/SIGTERM stop it cleanly and keep the",
    "lease (--release gives it back). Needs root (TUN device, iptables).",
    "",
    "Every flag can also be set by its environment variable; the command line wins.",
    "",
    "Flags:",
  ];
  for (const spec of AGENT_FLAG_SPECS) {
    const arg = spec.kind === "bool" ? "" : spec.kind === "int" ? " int" : spec.kind === "optional-string" ? " [path]" : " string";
    const def =
      spec.defaultText ??
      (spec.kind === "list"
        ? "none; repeatable"
        : spec.kind === "optional-string"
          ? `off; ${spec.default} when given without a path`
          : spec.default === ""
            ? "none"
            : spec.kind === "string"
              ? JSON.stringify(spec.default)
              : spec.default);
    lines.push(`  --${spec.name}${arg}`);
    lines.push(`        ${spec.help} (default ${def}; ${envVariableOf(spec.name)})`);
  }
  lines.push("  -h, --help", "        show this help", "");
  return lines.join("\n");
}
