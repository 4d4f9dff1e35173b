/**
 * `flannel-ts agent`, declared: flanneld's flags with flanneld's names,
 * defaults and FLANNELD_* variables (checked against flanneld v0.20.2), and
 * ours (the Docker step, the TUN name, --release, --json), which have
 * variables too; the help names the backends and their Backend options.
 *
 * @module
 */
import { err, ok, type Result } from "neverthrow";
import { type BackendKind, SUPPORTED_BACKENDS } from "../../backend/backend.ts";
import {
  DEFAULT_DAEMON_JSON,
  DEFAULT_HEALTHZ_IP,
  DEFAULT_IPTABLES_RESYNC_SECONDS,
  DEFAULT_RENEW_MARGIN_MINUTES,
  DEFAULT_TUN_NAME,
  DEFAULT_UDP_PORT,
  DEFAULT_VXLAN_PORT,
  DEFAULT_VXLAN_VNI,
} from "../../core/defaults.ts";
import { splitUnitWords } from "../../dockerconf/systemd-unit.ts";
import { formatIp } from "../../subnet/ip.ts";
import { defineSpec } from "../command-spec.ts";
import { boolFlag, type FlagError, type FlagType, type FlagValues, listFlag, optionalFlag, valueFlag, withFlag } from "../flag-spec.ts";
import { flagTypes } from "../flag-types.ts";
import { parseCommandLine } from "../parse-command-line.ts";
import { etcdFlags, ipMasqFlag, jsonFlag, publicIpFlag, publicIpv6Flag, subnetFileFlag } from "../shared-flags.ts";

/** The default of `--docker-restart-command`. */
export const DEFAULT_DOCKER_RESTART_COMMAND = "systemctl restart docker";

const restartCommand: FlagType<string> = {
  placeholder: "string",
  parse: (text) => {
    const words = splitUnitWords(text);
    if (words.isErr()) return err(`cannot be split into words (${words.error})`);
    if (words.value.length === 0) return err('is empty: give the command that restarts dockerd, e.g. "systemctl restart docker"');
    return ok(text);
  },
};

const dockerdArgs: FlagType<string | undefined> = {
  placeholder: "string",
  parse: (text) => (text === "" ? ok(undefined) : splitUnitWords(text).map(() => text).mapErr((reason) => `cannot be split into words (${reason})`)),
};

/**
 * What each backend the agent carries does, and the options it reads from
 * the network config's Backend object (as src/subnet/network-config.ts
 * parses them). Keyed by kind, so that a backend added to
 * SUPPORTED_BACKENDS without a line here does not type-check.
 */
const BACKEND_HELP = {
  udp: `TUN device and the UDP engine in this process; Port (default ${DEFAULT_UDP_PORT}). flannel calls it a backend for debugging.`,
  vxlan:
    `the kernel's VXLAN device flannel.<VNI>; VNI (default ${DEFAULT_VXLAN_VNI}), Port (default the kernel's ${DEFAULT_VXLAN_PORT}), GBP, Learning, DirectRouting (plain routes to peers on the same network), MTU.`,
  "host-gw": "routes to each peer's subnet via its PublicIP; the hosts must share one L2 network. No options.",
} as const satisfies Readonly<Record<BackendKind, string>>;

const backendLines = SUPPORTED_BACKENDS.flatMap((kind) => {
  const [first = "", ...rest] = wrapWords(BACKEND_HELP[kind], 68);
  return [`  ${kind.padEnd(8)} ${first}`, ...rest.map((line) => `${" ".repeat(11)}${line}`)];
});

/** Words joined into lines of at most `width` characters. */
function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(" ")) {
    const last = lines[lines.length - 1];
    if (last !== undefined && last.length + 1 + word.length <= width) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

/** The spec of `flannel-ts agent`. */
export const agentSpec = defineSpec({
  name: "agent",
  synopsis: "[flags]",
  description: `Run the flannel agent on this host: read the network config from etcd, lease a
subnet, write subnet.env, set up the backend that the config's Backend.Type
names, keep the routes in step with the other hosts' leases and renew the
lease. SIGINT/SIGTERM stop it cleanly and keep the lease (--release gives it
back). Needs root (devices, routes, iptables).

Backends, chosen and set in the network config's "Backend" object (e.g.
{"Type": "vxlan", "VNI": 1}; see flannel-ts config check), not by flags:
${backendLines.join("\n")}
Another Type that flannel knows is refused at start, naming these.

Every flag can also be set by its FLANNELD_* variable; the command line wins.`,
  flags: {
    ...etcdFlags(),
    iface: listFlag("iface", {
      type: flagTypes.text,
      placeholder: "string",
      help: "name or address of the interface that carries the overlay between hosts; the first that matches wins",
      env: true,
    }),
    ifaceRegex: listFlag("iface-regex", { type: flagTypes.regex, help: "regex matching the interface (IP or name) to use, tried after --iface", env: true }),
    ifaceCanReach: optionalFlag("iface-can-reach", {
      type: flagTypes.orNone(flagTypes.ip),
      placeholder: "string",
      help: "use the interface of the route to this address (as 'ip route get' shows it), tried after --iface and --iface-regex",
      env: true,
      defaultText: "none",
    }),
    publicIp: publicIpFlag,
    publicIpv6: publicIpv6Flag,
    subnetFile: subnetFileFlag,
    subnetLeaseRenewMargin: valueFlag("subnet-lease-renew-margin", {
      type: flagTypes.integer(1, 1439, "minutes", "less than the lease's 24 hours"),
      default: DEFAULT_RENEW_MARGIN_MINUTES,
      help: "minutes before expiry at which the lease is renewed, 1 to 1439",
      env: true,
    }),
    ipMasq: ipMasqFlag,
    healthzIp: valueFlag("healthz-ip", { type: flagTypes.listenIp, default: DEFAULT_HEALTHZ_IP, help: "address the /healthz endpoint listens on", env: true }),
    healthzPort: valueFlag("healthz-port", { type: flagTypes.integer(0, 65_535), default: 0, help: "port of the /healthz endpoint; 0 turns it off", env: true }),
    iptablesForwardRules: boolFlag("iptables-forward-rules", {
      default: true,
      help: "accept forwarded traffic to and from the flannel network in iptables' FORWARD chain",
      env: true,
    }),
    iptablesResync: valueFlag("iptables-resync", {
      type: flagTypes.timerSeconds(1),
      default: DEFAULT_IPTABLES_RESYNC_SECONDS,
      help: "seconds between checks that the iptables rules are still in place",
      env: true,
    }),
    release: boolFlag("release", { help: "give the lease back on SIGINT/SIGTERM (flanneld keeps it)", env: true }),
    dockerConfig: optionalFlag("docker-config", {
      type: flagTypes.orNone(flagTypes.path),
      placeholder: "path",
      bare: DEFAULT_DAEMON_JSON,
      defaultText: `off; ${DEFAULT_DAEMON_JSON} when given without a path`,
      help: "merge bip and mtu into this daemon.json, restart dockerd and verify it",
      env: true,
    }),
    dockerRestartCommand: valueFlag("docker-restart-command", {
      type: restartCommand,
      default: DEFAULT_DOCKER_RESTART_COMMAND,
      help: "command that restarts dockerd after daemon.json changed (split into words as systemd does)",
      env: true,
    }),
    dockerdArgs: optionalFlag("dockerd-args", {
      type: dockerdArgs,
      help: "dockerd's command-line flags, checked against daemon.json",
      defaultText: "read from the systemd unit on a host run by systemd, else from the running dockerd",
      env: true,
    }),
    dockerAllowFindings: boolFlag("docker-allow-findings", { help: "write daemon.json despite security findings such as a tcp:// host without TLS (they are logged)", env: true }),
    tunName: valueFlag("tun-name", { type: flagTypes.interfaceName, placeholder: "string", default: DEFAULT_TUN_NAME, help: "name of the UDP engine's TUN device", env: true }),
    noSourceFilter: boolFlag("no-source-filter", {
      help: "accept encapsulated packets from any address, not only from the PublicIPs of current leases (as flanneld does)",
      env: true,
    }),
    json: withFlag(jsonFlag, { help: "log as JSON lines ({time, level, event, message}) on stderr; errors too", env: true }),
  },
});

/** Everything `flannel-ts agent` is told on its command line and in FLANNELD_* variables. */
export interface AgentFlags {
  readonly etcdEndpoints: readonly string[];
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
  /** `--iface-can-reach`: an IPv4 or IPv6 address; absent when empty. */
  readonly ifaceCanReach?: string;
  /** `--public-ip`: a unicast IPv4 address; absent when empty. */
  readonly publicIp?: string;
  /** `--public-ipv6`: a global or unique local IPv6 address; absent when empty. */
  readonly publicIpv6?: string;
  readonly subnetFile: string;
  /** `--subnet-lease-renew-margin`, minutes (1..1439). */
  readonly subnetLeaseRenewMarginMinutes: number;
  readonly ipMasq: boolean;
  readonly healthzIp: string;
  /** `--healthz-port`; 0 turns the endpoint off. */
  readonly healthzPort: number;
  readonly iptablesForwardRules: boolean;
  /** `--iptables-resync`, seconds (at most what a timer holds). */
  readonly iptablesResyncSeconds: number;
  /** `--release`: delete the lease on a clean stop (flanneld keeps it). */
  readonly release: boolean;
  /** `--docker-config [path]`: absent when not asked for. */
  readonly dockerConfig?: string;
  readonly dockerRestartCommand: string;
  /** `--dockerd-args`: absent: found on the host. */
  readonly dockerdArgs?: string;
  readonly dockerAllowFindings: boolean;
  readonly tunName: string;
  /** The opposite of `--no-source-filter`. */
  readonly sourceFilter: boolean;
  /** `--json`: log lines as JSON. */
  readonly json: boolean;
}

const opt = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } => (value === undefined ? {} : ({ [key]: value } as { [P in K]?: V }));

/**
 * The agent's flags as the agent takes them, from the parsed values.
 *
 * @param v the values of {@link agentSpec}'s flags
 * @returns the flags (empty strings dropped, addresses as text)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCommandLine } from "../parse-command-line.ts";
 * import { agentFlagsOf, agentSpec } from "./agent.ts";
 * const line = parseCommandLine(agentSpec, ["--ip-masq"], {});
 * assert.ok(line.isOk() && !line.value.help);
 * assert.equal(agentFlagsOf(line.value.values).ipMasq, true);
 * ```
 */
export function agentFlagsOf(v: FlagValues<typeof agentSpec.flags>): AgentFlags {
  return {
    etcdEndpoints: v.etcdEndpoints,
    etcdPrefix: v.etcdPrefix,
    ...opt("etcdKeyfile", v.etcdKeyfile),
    ...opt("etcdCertfile", v.etcdCertfile),
    ...opt("etcdCafile", v.etcdCafile),
    ...opt("etcdUsername", v.etcdUsername),
    ...opt("etcdPassword", v.etcdPassword),
    iface: v.iface.filter((i) => i !== ""),
    ifaceRegex: v.ifaceRegex.filter((i) => i !== ""),
    ...opt("ifaceCanReach", v.ifaceCanReach === undefined ? undefined : formatIp(v.ifaceCanReach)),
    ...opt("publicIp", v.publicIp === undefined ? undefined : formatIp(v.publicIp)),
    ...opt("publicIpv6", v.publicIpv6 === undefined ? undefined : formatIp(v.publicIpv6)),
    subnetFile: v.subnetFile,
    subnetLeaseRenewMarginMinutes: v.subnetLeaseRenewMargin,
    ipMasq: v.ipMasq,
    healthzIp: v.healthzIp,
    healthzPort: v.healthzPort,
    iptablesForwardRules: v.iptablesForwardRules,
    iptablesResyncSeconds: v.iptablesResync,
    release: v.release,
    ...opt("dockerConfig", v.dockerConfig),
    dockerRestartCommand: v.dockerRestartCommand,
    ...opt("dockerdArgs", v.dockerdArgs),
    dockerAllowFindings: v.dockerAllowFindings,
    tunName: v.tunName,
    sourceFilter: !v.noSourceFilter,
    json: v.json,
  };
}

/**
 * Reads the agent's flags from its arguments and the environment, the way
 * flanneld does (see {@link parseCommandLine}); for a flag given twice the
 * last wins, except `--iface` and `--iface-regex`, which collect.
 *
 * @param argv the arguments after `agent`
 * @param env the process environment
 * @returns the flags with defaults filled in, `undefined` for --help, or the first problem (exit 2)
 * @example
 * ```ts
 * import { parseAgentFlags } from "./agent.ts";
 * const flags = parseAgentFlags(["--iface", "eth1", "--ip-masq"], { FLANNELD_ETCD_PREFIX: "/atomic.io/network" });
 * // ok({ etcdPrefix: "/atomic.io/network", ipMasq: true, subnetFile: "/run/flannel/subnet.env", ... })
 * ```
 */
export function parseAgentFlags(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Result<AgentFlags | undefined, FlagError> {
  return parseCommandLine(agentSpec, argv, env).map((line) => (line.help ? undefined : agentFlagsOf(line.values)));
}
