/**
 * Checking a daemon.json before it is written, with dockerd's rules and,
 * where dockerd has a message for the problem, its words: a file that
 * passes is one dockerd starts with. Security findings (an unauthenticated
 * TCP socket, insecure registries) are reported separately so that the
 * caller decides whether they block.
 *
 * @module
 */
import { type Cidr4, cidrContains, cidrContainsIp, cidrNetwork, cidrOverlaps, formatCidr, lastAddress, parseCidr } from "../subnet/cidr.ts";
import { formatIp, parseIp } from "../subnet/ip.ts";
import { goValue } from "./_go-format.ts";
import { type DaemonJson, type DaemonJsonSetting, daemonJsonSettings } from "./daemon-json.ts";
import { type DockerdArgItem, type DockerdArgs, dockerdArgsWithout, dockerdFlagString } from "./dockerd-args.ts";
import { type DockerdFlag, dockerdFlags, type DockerdVersion, goFieldPath, knownDaemonJsonKeys } from "./dockerd-flags.ts";
import { isJsonArray, isJsonObject, type JsonValue, writeJson } from "../json/json-value.ts";
import { quoteExcerpt } from "../text/quote-excerpt.ts";
import { type ExecSource, formatExecLine } from "./systemd-unit.ts";
import { dockerdValueProblems, type ValueProblemKind } from "./_dockerd-value-rules.ts";
import { MANAGED_DAEMON_JSON_KEYS } from "./network-settings.ts";
import type { JsonNode } from "../json/parse-json-tree.ts";

/** What an issue is about. */
export type DaemonJsonIssueKind =
  | "duplicate-key"
  | "byte-order-mark"
  | "empty-file"
  | "unknown-keys"
  | "ignored-key"
  | "flag-conflict"
  | "wrong-type"
  | "mtu-range"
  | "bip-invalid"
  | "bip-network-address"
  | "bip-broadcast-address"
  | "bip-too-small"
  | "bridge-and-bip"
  | "iptables-and-icc"
  | "fixed-cidr-invalid"
  | "fixed-cidr-outside-bip"
  | "default-gateway-invalid"
  | "default-gateway-outside-bip"
  | "default-address-pool-invalid"
  | "bip-overlaps-pool"
  | "tcp-without-tls"
  | "tcp-tls-without-verify"
  | "insecure-registry"
  | "number-out-of-range"
  | ValueProblemKind;

/**
 * One problem. `category: "validation"` issues of level `error` mean dockerd
 * would not start (or not as intended); `category: "security"` issues are
 * findings the caller may accept.
 */
export interface DaemonJsonIssue {
  readonly kind: DaemonJsonIssueKind;
  readonly level: "error" | "warning";
  readonly category: "validation" | "security";
  /** The daemon.json key concerned. */
  readonly key?: string;
  /** Where in the file (from 1). */
  readonly line?: number;
  readonly column?: number;
  /** The offending value. */
  readonly value?: JsonValue;
  readonly message: string;
}

/** dockerd's command line, and where it came from (for the fix of a conflict). */
export interface DockerdCommandLine {
  /** The program as written, e.g. `/usr/sbin/dockerd`. */
  readonly program: string;
  readonly args: DockerdArgs;
  /**
   * When it came from a systemd unit: its name and the words of its
   * ExecStart after the program, aligned with `args.argv` (so that a fixed
   * line keeps `$DOCKER_OPTS` when none of the removed flags came from it).
   */
  readonly unit?: { readonly name: string; readonly words?: readonly ExecSource[] };
}

/** Options of {@link validateDaemonJson}. */
export interface ValidateDaemonJsonOptions {
  /** Whose rules: dockerd "20.10" or "26". Default "26". */
  readonly version?: DockerdVersion;
  /** dockerd's command line, to find directives set both as a flag and in the file. Default: none known. */
  readonly dockerd?: DockerdCommandLine;
  /**
   * Whether a path exists on the host dockerd runs on (the one I/O the
   * rules need: TLS files, the userland proxy). Default: files are not
   * checked.
   */
  readonly fileExists?: (path: string) => boolean;
}

/** The file name flannel-ts suggests for its drop-in; sorts after systemctl edit's `override.conf`. */
export const DROP_IN_NAME = "zz-flannel-ts.conf";

/** A value in a message: JSON, at most about 60 characters, control characters escaped. */
const shown = (value: JsonValue): string => (typeof value === "string" ? quoteExcerpt(value) : quoteExcerpt(writeJson(value), { quote: false }));

const at = (setting: DaemonJsonSetting): { line: number; column: number } => ({ line: setting.member.line, column: setting.member.column });
const jsonType = (v: JsonValue): string => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v === "object" ? "object" : typeof v === "boolean" ? "bool" : typeof v);

/** Whether a number's text is an integer Go's int64 holds. */
function isInt64(raw: string): boolean {
  if (!/^-?\d+$/.test(raw) || raw.length > 20) return false;
  const n = BigInt(raw);
  return n >= -(1n << 63n) && n < 1n << 63n;
}

/** The first number anywhere in the file that overflows a float64, which dockerd cannot read at all. */
function firstNonFiniteNumber(root: JsonNode | undefined): { line: number; column: number; raw: string } | undefined {
  const stack: JsonNode[] = root === undefined ? [] : [root];
  while (stack.length > 0) {
    const node = stack.pop() as JsonNode;
    if (node.type === "number" && !Number.isFinite(node.value)) return { line: node.line, column: node.column, raw: node.raw };
    if (node.type === "array") { for (let i = node.items.length - 1; i >= 0; i--) stack.push(node.items[i] as JsonNode); }
    if (node.type === "object") { for (let i = node.members.length - 1; i >= 0; i--) stack.push((node.members[i] as { value: JsonNode }).value); }
  }
  return undefined;
}

function typeProblem(flag: DockerdFlag, setting: DaemonJsonSetting, version: DockerdVersion, raw: string | undefined): string | undefined {
  const value = setting.value;
  const path = goFieldPath(setting.key, version);
  const cannot = (what: string, type: string): string => `json: cannot unmarshal ${what} into Go struct field ${path} of type ${type}`;
  if (value === null) return undefined;
  switch (flag.goType) {
    case "bool":
    case "string":
    case "net.IP": {
      const want = flag.goType === "bool" ? "boolean" : "string";
      return typeof value === want ? undefined : cannot(jsonType(value), flag.goType);
    }
    case "int":
    case "int64":
      if (typeof value !== "number") return cannot(jsonType(value), flag.goType);
      return raw !== undefined && !isInt64(raw) ? cannot(`number ${quoteExcerpt(raw, { quote: false })}`, flag.goType) : undefined;
    case "[]string": {
      // dockerd 26 decodes "dns" into []net.IP.
      const [list, item] = setting.key === "dns" && version === "26" ? ["[]net.IP", "net.IP"] : ["[]string", "string"];
      if (!isJsonArray(value)) return cannot(jsonType(value), list);
      const bad = value.find((v) => v !== null && typeof v !== "string");
      return bad === undefined ? undefined : cannot(jsonType(bad), item);
    }
    case "map[string]string": {
      if (!isJsonObject(value)) return cannot(jsonType(value), "map[string]string");
      const bad = Object.values(value).find((v) => v !== null && typeof v !== "string");
      return bad === undefined ? undefined : cannot(jsonType(bad), "string");
    }
    default:
      return undefined;
  }
}

// The ExecStart words without the flags of `keys`: a word of the unit
// stays as written unless it gave a removed flag; a variable word that gave
// one is replaced by its remaining words. When a removed flag shares a word
// with a kept one (a group like -DH), the whole line is written expanded.
function fixedExecLine(dockerd: DockerdCommandLine, keys: ReadonlySet<string>): { line: string; expanded: string[] } {
  const items = dockerd.args.items;
  const removed = new Set(items.filter((i) => keys.has(i.flag.key)).flatMap((i) => i.indices));
  const shared = items.some((i) => !keys.has(i.flag.key) && i.indices.some((x) => removed.has(x)));
  const words = dockerd.unit?.words;
  const total = words?.reduce((n, w) => n + w.count, 0);
  if (words === undefined || shared || total !== dockerd.args.argv.length) {
    const expanded = words?.filter((w) => w.variable).map((w) => w.raw) ?? [];
    return { line: formatExecLine([dockerd.program, ...dockerdArgsWithout(dockerd.args, keys)]), expanded };
  }
  const parts = [formatExecLine([dockerd.program])];
  const expanded: string[] = [];
  let at = 0;
  for (const w of words) {
    const indices = Array.from({ length: w.count }, (_, k) => at + k);
    at += w.count;
    if (!indices.some((i) => removed.has(i))) {
      parts.push(w.variable ? w.raw : formatExecLine([w.raw]));
      continue;
    }
    if (w.variable) expanded.push(w.raw);
    const kept = indices.filter((i) => !removed.has(i)).map((i) => dockerd.args.argv[i] ?? "");
    if (kept.length > 0) parts.push(formatExecLine(kept));
  }
  return { line: parts.join(" "), expanded };
}

function conflictFix(dockerd: DockerdCommandLine, keys: ReadonlySet<string>): string {
  const { line, expanded } = fixedExecLine(dockerd, keys);
  if (dockerd.unit === undefined) {
    return `remove these flags from dockerd's command line (with systemd, a drop-in that resets ExecStart: "[Service]\\nExecStart=\\nExecStart=${line}")`;
  }
  const note = expanded.length > 0
    ? `(${expanded.join(", ")} ${expanded.length === 1 ? "is" : "are"} expanded in this line, as ${expanded.length === 1 ? "it" : "they"} held flags to remove); `
    : "";
  return (
    `remove these flags from dockerd's command line with a drop-in that resets ExecStart, ` +
    `/etc/systemd/system/${dockerd.unit.name}.d/${DROP_IN_NAME}:\n[Service]\nExecStart=\nExecStart=${line}\n` +
    `${note}then run: systemctl daemon-reload && systemctl restart ${dockerd.unit.name.replace(/\.service$/, "")}`
  );
}

/**
 * Checks a daemon.json as dockerd would, plus the rules flannel-ts needs:
 * - repeated keys (dockerd silently keeps the last: a warning, an error for
 *   a key the merge writes); an empty file or a byte-order mark for dockerd
 *   20.10, which refuses them; a number no float64 holds, anywhere;
 * - keys dockerd does not know ("the following directives don't match any
 *   configuration option: ..."), and flag names dockerd ignores in the file;
 * - with dockerd's command line, directives set both as a flag and in the
 *   file ("the following directives are specified both as a flag and in the
 *   configuration file: ..."), with a drop-in that fixes it;
 * - values of the wrong JSON type, in Go's words ("json: cannot unmarshal
 *   string into Go struct field Config.mtu of type int"), integers beyond
 *   int64 included;
 * - `mtu` from 68 to 65535; `bip` an IPv4 address with a prefix that is
 *   neither the network nor the broadcast address ("failed to allocate
 *   gateway (...): Address already in use"); `bridge` with `bip` ("You
 *   specified -b & --bip, mutually exclusive options. Please specify only
 *   one"); `iptables: false` with `icc: false`; `fixed-cidr` and
 *   `default-gateway` inside bip's subnet; `default-address-pools` well
 *   formed, and bip overlapping one of them (a warning);
 * - dockerd's value checks, in dockerd's words: log level and format, IP
 *   addresses (`dns`, `ip`, ...), search domains, labels, negative counts,
 *   generic resources, `hosts` addresses, the shape of `default-ulimits`,
 *   sizes, IPC and cgroup namespace modes, `fixed-cidr-v6`, features, the
 *   userland proxy's path, and with `fileExists` the TLS files dockerd
 *   loads;
 * - security: a `tcp://` host without TLS client verification (error
 *   level), each insecure registry (warning level).
 *
 * @param doc the daemon.json (usually the merged one, before it is written)
 * @param options dockerd's release and command line, and how to look for files
 * @returns the issues, in the order above; empty when dockerd would start cleanly
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDaemonJson, validateDaemonJson } from "flannel-ts/dockerconf";
 * const doc = parseDaemonJson('{"bip": "10.5.52.0/24", "mtu": "1472"}')._unsafeUnwrap();
 * assert.deepEqual(validateDaemonJson(doc).map((i) => i.kind), ["wrong-type", "bip-network-address"]);
 * ```
 * @example dockerd's value checks, with a file port
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDaemonJson, validateDaemonJson } from "flannel-ts/dockerconf";
 * const doc = parseDaemonJson('{"log-level": "loud", "labels": ["rack"], "tls": true, "tlscert": "/etc/docker/cert.pem", "tlskey": "/etc/docker/key.pem"}');
 * assert.ok(doc.isOk());
 * const issues = validateDaemonJson(doc.value, { fileExists: (path) => path === "/etc/docker/cert.pem" });
 * assert.deepEqual(issues.map((i) => i.kind), ["log-level-invalid", "label-invalid", "tls-file-missing"]);
 * ```
 */
export function validateDaemonJson(doc: DaemonJson, options: ValidateDaemonJsonOptions = {}): DaemonJsonIssue[] {
  const version = options.version ?? "26";
  const issues: DaemonJsonIssue[] = [];
  const flags = dockerdFlags(version);
  const flagByKey = new Map(flags.map((fl) => [fl.key, fl]));
  const settings = daemonJsonSettings(doc, version);
  const setting = (key: string): DaemonJsonSetting | undefined => settings.find((s) => s.key === key);
  const usedFlags = new Map<string, DockerdArgItem[]>();
  for (const item of options.dockerd?.args.items ?? []) usedFlags.set(item.flag.name, [...(usedFlags.get(item.flag.name) ?? []), item]);
  const flagValue = (key: string): string | undefined => {
    const fl = flagByKey.get(key);
    const items = fl === undefined ? undefined : usedFlags.get(fl.name);
    return items === undefined ? undefined : dockerdFlagString(items);
  };
  const add = (issue: DaemonJsonIssue): void => {
    issues.push(issue);
  };
  const about = (s: DaemonJsonSetting): { key: string; line: number; column: number; value: JsonValue } => ({ key: s.key, ...at(s), value: s.value });

  for (const d of doc.document.duplicates) {
    const where = d.parent === "" ? `"${d.key}"` : `"${d.key}" in "${d.parent}"`;
    // dockerd reads the last one; only for a key the merge writes does an earlier, stale value matter enough to stop.
    const managed = d.parent === "" && MANAGED_DAEMON_JSON_KEYS.includes(d.key);
    add({
      kind: "duplicate-key",
      level: managed ? "error" : "warning",
      category: "validation",
      key: d.parent === "" ? d.key : `${d.parent}.${d.key}`,
      line: d.line,
      column: d.column,
      message: managed
        ? `line ${d.line}, column ${d.column}: ${where} is set again (first at line ${d.firstLine}, column ${d.firstColumn}); dockerd uses the last one, which flannel-ts updates, so the first is stale: keep only one`
        : `line ${d.line}, column ${d.column}: ${where} is set again (first at line ${d.firstLine}, column ${d.firstColumn}); dockerd silently uses the last one, so keep only one`,
    });
  }
  const overflow = firstNonFiniteNumber(doc.root);
  if (overflow !== undefined) {
    add({
      kind: "number-out-of-range",
      level: "error",
      category: "validation",
      line: overflow.line,
      column: overflow.column,
      message: `line ${overflow.line}, column ${overflow.column}: the number ${
        quoteExcerpt(overflow.raw, { quote: false })
      } is too large for dockerd (json: cannot unmarshal number ${quoteExcerpt(overflow.raw, { quote: false })} into Go value of type float64); write a smaller one`,
    });
  }
  if (version === "20.10" && doc.document.bom) {
    add({
      kind: "byte-order-mark",
      level: "error",
      category: "validation",
      line: 1,
      column: 1,
      message:
        "the file starts with a UTF-8 byte-order mark, which dockerd 20.10 refuses (invalid character 'ï' looking for beginning of value); save it without one (dockerd 23 and later accept it)",
    });
  }
  if (version === "20.10" && doc.root === undefined) {
    add({ kind: "empty-file", level: "error", category: "validation", message: 'dockerd 20.10 refuses an empty daemon.json (EOF); write "{}" or remove the file' });
  }

  const known = knownDaemonJsonKeys(version);
  const unknown = settings.filter((s) => !known.has(s.key));
  if (unknown.length > 0) {
    const first = unknown[0];
    add({
      kind: "unknown-keys",
      level: "error",
      category: "validation",
      ...(first !== undefined && { key: first.key, ...at(first) }),
      message: `the following directives don't match any configuration option: ${unknown.map((s) => s.key).join(", ")} (dockerd ${version} refuses to start; remove ${
        unknown.length === 1 ? "it" : "them"
      } or correct the spelling)`,
    });
  }
  const ignored = new Map<string, string>();
  for (const fl of flags) if (fl.key !== fl.name) ignored.set(fl.name, `the key is "${fl.key}"`);
  for (const name of ["help", "version", "validate", "restart", "containerd-plugins-namespace"]) ignored.set(name, "it has no daemon.json setting");
  if (version === "26") { for (const name of ["http-proxy", "https-proxy", "no-proxy"]) ignored.set(name, `put it under "proxies": {"${name}": ...}`); }
  for (const s of settings) {
    const why = s.nested ? undefined : ignored.get(s.key);
    if (why !== undefined && known.has(s.key)) {
      add({
        kind: "ignored-key",
        level: "warning",
        category: "validation",
        ...about(s),
        message: `line ${s.member.line}: "${s.key}" is a dockerd flag name, but dockerd ignores it in daemon.json; ${why}`,
      });
    }
  }

  if (options.dockerd !== undefined) {
    const conflicts: string[] = [];
    const keys = new Set<string>();
    for (const fl of flags) {
      const items = usedFlags.get(fl.name);
      const s = setting(fl.key);
      if (items === undefined || s === undefined || fl.key === "runtimes") continue;
      conflicts.push(`${fl.key}: (from flag: ${dockerdFlagString(items)}, from file: ${quoteExcerpt(goValue(s.value), { quote: false })})`);
      keys.add(fl.key);
    }
    if (conflicts.length > 0) {
      const first = settings.find((s) => keys.has(s.key));
      add({
        kind: "flag-conflict",
        level: "error",
        category: "validation",
        ...(first !== undefined && { key: first.key, ...at(first) }),
        message: `the following directives are specified both as a flag and in the configuration file: ${conflicts.join(", ")}; dockerd refuses to start. Fix: ${
          conflictFix(options.dockerd, keys)
        }`,
      });
    }
  }

  for (const s of settings) {
    const fl = flagByKey.get(s.key);
    if (fl === undefined || fl.goType === undefined || s.nested) continue;
    const raw = s.member.value.type === "number" ? s.member.value.raw : undefined;
    const problem = typeProblem(fl, s, version, raw);
    if (problem === undefined) continue;
    const hint = fl.goType === "bool"
      ? `write ${JSON.stringify(s.key)}: true or false, without quotes`
      : fl.goType === "int" || fl.goType === "int64"
      ? "write a whole number without quotes"
      : `write a JSON ${fl.goType === "[]string" ? "array of strings" : fl.goType === "map[string]string" ? "object of strings" : "string"}`;
    add({
      kind: "wrong-type",
      level: "error",
      category: "validation",
      ...about(s),
      message: `line ${s.member.line}: "${s.key}": ${shown(s.value)} has the wrong type (dockerd: ${problem}); ${hint}`,
    });
  }
  const wrongType = new Set(issues.filter((i) => i.kind === "wrong-type").map((i) => i.key));
  const typed = (key: string): DaemonJsonSetting | undefined => (wrongType.has(key) ? undefined : setting(key));

  const mtu = typed("mtu");
  if (mtu !== undefined && typeof mtu.value === "number" && (mtu.value < 68 || mtu.value > 65535)) {
    const dockerSays = mtu.value < 0 ? ` (dockerd: ${version === "26" ? `invalid default MTU: ${mtu.value}` : `invalid MTU number: ${mtu.value}`})` : "";
    add({
      kind: "mtu-range",
      level: "error",
      category: "validation",
      ...about(mtu),
      message: `line ${mtu.member.line}: "mtu": ${mtu.value} is outside 68..65535${dockerSays}; use the MTU of flannel's lease (FLANNEL_MTU)`,
    });
  }

  let bipNet: Cidr4 | undefined;
  const bip = typed("bip");
  if (bip !== undefined && typeof bip.value === "string" && bip.value !== "") {
    const parsed = parseCidr(bip.value);
    const fail = (kind: DaemonJsonIssueKind, why: string): void =>
      add({ kind, level: "error", category: "validation", ...about(bip), message: `line ${bip.member.line}: "bip": ${shown(bip.value)} ${why}` });
    if (parsed.isErr()) {
      fail(
        "bip-invalid",
        `is not an address with a prefix length (dockerd: invalid CIDR address: ${bip.value}); write docker0's address and its subnet's length, e.g. "10.5.52.1/24"`,
      );
    } else if (parsed.value.family !== 4) fail("bip-invalid", 'is IPv6; bip is docker0\'s IPv4 address, e.g. "10.5.52.1/24"');
    else {
      const c = parsed.value;
      const network = cidrNetwork(c);
      const first = formatCidr({ ...network, address: (network.address + 1) >>> 0 });
      if (c.prefix > 30) fail("bip-too-small", `leaves no room for containers; use a subnet of /30 or larger`);
      else {
        bipNet = network;
        const inUse = `dockerd fails with "failed to allocate gateway (${formatIp({ family: 4, value: c.address })}): Address already in use"; use ${JSON.stringify(first)}`;
        if (c.address === network.address) fail("bip-network-address", `is the network address of ${formatCidr(network)}; ${inUse}`);
        else if (c.address === lastAddress(c).value) fail("bip-broadcast-address", `is the broadcast address of ${formatCidr(network)}; ${inUse}`);
      }
    }
  }

  const bridge = typed("bridge");
  const bridgeSet = (bridge !== undefined && typeof bridge.value === "string" && bridge.value !== "") || (flagValue("bridge") ?? "") !== "";
  const bipSet = (bip !== undefined && bip.value !== "" && bip.value !== null) || (flagValue("bip") ?? "") !== "";
  if (bridgeSet && bipSet) {
    const where = bridge ?? bip;
    add({
      kind: "bridge-and-bip",
      level: "error",
      category: "validation",
      ...(where !== undefined && about(where)),
      message: 'You specified -b & --bip, mutually exclusive options. Please specify only one (remove "bridge": flannel-ts sets docker0\'s address with "bip")',
    });
  }
  const boolOf = (key: string, fallback: boolean): boolean => {
    const s = typed(key);
    if (s !== undefined && typeof s.value === "boolean") return s.value;
    const f = flagValue(key);
    return f === undefined ? fallback : f === "true";
  };
  if (!boolOf("iptables", true) && !boolOf("icc", true)) {
    const where = typed("icc") ?? typed("iptables");
    add({
      kind: "iptables-and-icc",
      level: "error",
      category: "validation",
      ...(where !== undefined && about(where)),
      message: "You specified --iptables=false with --icc=false. ICC=false uses iptables to function. Please set --icc or --iptables to true",
    });
  }

  const fixed = typed("fixed-cidr");
  if (fixed !== undefined && typeof fixed.value === "string" && fixed.value !== "") {
    const parsed = parseCidr(fixed.value);
    if (parsed.isErr() || parsed.value.family !== 4) {
      add({
        kind: "fixed-cidr-invalid",
        level: "error",
        category: "validation",
        ...about(fixed),
        message: `line ${fixed.member.line}: "fixed-cidr": ${shown(fixed.value)} is not an IPv4 CIDR (dockerd: invalid CIDR address: ${
          quoteExcerpt(fixed.value, { quote: false })
        })`,
      });
    } else if (bipNet !== undefined && !cidrContains(bipNet, parsed.value)) {
      add({
        kind: "fixed-cidr-outside-bip",
        level: "error",
        category: "validation",
        ...about(fixed),
        message: `line ${fixed.member.line}: "fixed-cidr": ${shown(fixed.value)} is not inside bip's subnet ${
          formatCidr(bipNet)
        }; containers on docker0 must get addresses from it`,
      });
    }
  }
  const gateway = typed("default-gateway");
  if (gateway !== undefined && typeof gateway.value === "string" && gateway.value !== "") {
    const ip = parseIp(gateway.value);
    if (ip.isErr() || ip.value.family !== 4) {
      const says = ip.isErr() ? ` (dockerd: invalid IP address: ${quoteExcerpt(gateway.value, { quote: false })})` : "";
      add({
        kind: "default-gateway-invalid",
        level: "error",
        category: "validation",
        ...about(gateway),
        message: `line ${gateway.member.line}: "default-gateway": ${shown(gateway.value)} is not an IPv4 address${says}`,
      });
    } else if (bipNet !== undefined && !cidrContainsIp(bipNet, ip.value)) {
      add({
        kind: "default-gateway-outside-bip",
        level: "error",
        category: "validation",
        ...about(gateway),
        message: `line ${gateway.member.line}: "default-gateway": ${
          shown(gateway.value)
        } is outside bip's subnet; dockerd fails with "auxiliary address: (DefaultGatewayIPv4:${gateway.value}) must belong to the master pool: ${formatCidr(bipNet)}"`,
      });
    }
  }
  const pools = typed("default-address-pools");
  if (pools !== undefined && pools.value !== null) {
    const list = isJsonArray(pools.value) ? pools.value : undefined;
    const bad = (why: string): void =>
      add({ kind: "default-address-pool-invalid", level: "error", category: "validation", ...about(pools), message: `line ${pools.member.line}: "default-address-pools": ${why}` });
    if (list === undefined) {
      bad(
        `must be an array of {"base": "CIDR", "size": N} (dockerd: json: cannot unmarshal ${jsonType(pools.value)} into Go struct field ${
          goFieldPath("default-address-pools", version)
        } of type []*ipamutils.NetworkToSplit)`,
      );
    } else {
      list.forEach((pool, i) => {
        const base = isJsonObject(pool) ? pool["base"] : undefined;
        const size = isJsonObject(pool) ? pool["size"] : undefined;
        const parsed = typeof base === "string" ? parseCidr(base) : undefined;
        if (parsed === undefined || parsed.isErr() || parsed.value.family !== 4) return bad(`pool ${i + 1} needs "base": an IPv4 CIDR, found ${shown(base ?? null)}`);
        if (typeof size !== "number" || !Number.isInteger(size) || size < parsed.value.prefix || size > 32) {
          return bad(`pool ${i + 1} needs "size": a whole number from ${parsed.value.prefix} to 32, found ${shown(size ?? null)}`);
        }
        if (bipNet !== undefined && cidrOverlaps(bipNet, parsed.value)) {
          add({
            kind: "bip-overlaps-pool",
            level: "warning",
            category: "validation",
            ...about(pools),
            message: `bip's subnet ${formatCidr(bipNet)} overlaps default-address-pools base ${
              formatCidr(parsed.value)
            }; networks Docker creates from the pool can clash with docker0 and with flannel's network`,
          });
        }
      });
    }
  }

  for (
    const problem of dockerdValueProblems({
      version,
      setting: typed,
      bool: boolOf,
      isSet: (key) => setting(key) !== undefined || flagValue(key) !== undefined,
      ...(options.fileExists !== undefined && { fileExists: options.fileExists }),
    })
  ) {
    add({ ...problem, category: "validation" });
  }

  const hosts: string[] = [];
  const fileHosts = typed("hosts");
  if (fileHosts !== undefined && Array.isArray(fileHosts.value)) { for (const h of fileHosts.value) if (typeof h === "string") hosts.push(h); }
  for (const item of usedFlags.get("host") ?? []) hosts.push(item.value);
  const verify = boolOf("tlsverify", false);
  const tls = boolOf("tls", false);
  for (const host of hosts) {
    const tcp = host.startsWith("tcp://") || (!host.includes("://") && host.includes(":"));
    if (!tcp || verify) continue;
    const port = /:(\d+)(\/|$)/.exec(host.replace(/^tcp:\/\//, ""))?.[1] ?? "2375";
    const where = fileHosts !== undefined && Array.isArray(fileHosts.value) && fileHosts.value.includes(host) ? about(fileHosts) : { key: "hosts" };
    add({
      kind: tls ? "tcp-tls-without-verify" : "tcp-without-tls",
      level: "error",
      category: "security",
      ...where,
      value: host,
      message: tls
        ? `hosts: ${host} serves the Docker API with TLS but without checking client certificates: anyone who can reach port ${port} can run containers as root on this host; set "tlsverify": true with "tlscacert", or remove it`
        : `hosts: ${host} serves the Docker API without TLS: anyone who can reach port ${port} can run containers as root on this host${
          version === "26" ? " (dockerd 26 delays its start by 15 s over it and warns that later releases will refuse it)" : ""
        }; remove it (the unix socket is enough) or set "tlsverify": true with "tlscacert", "tlscert" and "tlskey"`,
    });
  }
  const insecure = typed("insecure-registries");
  if (insecure !== undefined && Array.isArray(insecure.value)) {
    for (const registry of insecure.value) {
      if (typeof registry !== "string") continue;
      add({
        kind: "insecure-registry",
        level: "warning",
        category: "security",
        ...about(insecure),
        value: registry,
        message:
          `insecure-registries: ${registry} is used over plain HTTP or unverified TLS: anyone on the path can replace its images; give it a certificate and remove it from the list`,
      });
    }
  }
  return issues;
}

/**
 * Whether issues stop a write: every validation error does; error-level
 * security findings do unless `allowFindings`; warnings never do.
 *
 * @param issues from {@link validateDaemonJson}
 * @param allowFindings accept security findings
 * @returns the issues that block
 */
export function blockingIssues(issues: readonly DaemonJsonIssue[], allowFindings = false): DaemonJsonIssue[] {
  return issues.filter((i) => i.level === "error" && (i.category === "validation" || !allowFindings));
}
