// dockerd's checks of daemon.json values, beyond the JSON types: the ones
// `dockerd --validate` (and a start) applies, with dockerd's own messages
// as the dockerd 26.1.5 and 20.10.24 binaries print them (checked side by
// side with `dockerd --validate`; see docs/host-config.md). Pure: whether a
// TLS file or the userland proxy exists is asked through `fileExists`.
import { parseCidr } from "../subnet/cidr.ts";
import { parseIp } from "../subnet/ip.ts";
import { isJsonArray, isJsonObject, type JsonValue, writeJson } from "../json/json-value.ts";
import type { JsonNode } from "../json/parse-json-tree.ts";
import { quoteExcerpt } from "../text/quote-excerpt.ts";
import type { DaemonJsonSetting } from "./daemon-json.ts";
import type { DockerdVersion } from "./dockerd-flags.ts";

/** What the value rules report; the caller turns it into an issue. */
export interface ValueProblem {
  readonly kind: ValueProblemKind;
  readonly level: "error" | "warning";
  readonly key: string;
  /** Where: the setting's member, or the array item or object member at fault. */
  readonly line: number;
  readonly column: number;
  readonly value: JsonValue;
  readonly message: string;
}

/** The kinds of {@link ValueProblem}. */
export type ValueProblemKind =
  | "log-level-invalid"
  | "log-format-invalid"
  | "ip-address-invalid"
  | "dns-search-invalid"
  | "label-invalid"
  | "label-conflict"
  | "count-negative"
  | "generic-resource-invalid"
  | "host-invalid"
  | "default-ulimits-invalid"
  | "default-ulimit-soft-above-hard"
  | "size-invalid"
  | "tls-file-missing"
  | "ipc-mode-invalid"
  | "cgroupns-mode-invalid"
  | "fixed-cidr-v6-invalid"
  | "feature-invalid"
  | "userland-proxy-path-invalid";

/** What the rules need to know about the file and dockerd. */
export interface ValueRuleInput {
  readonly version: DockerdVersion;
  /** The setting of a key whose JSON type is right (undefined when absent or of the wrong type). */
  readonly setting: (key: string) => DaemonJsonSetting | undefined;
  /** A boolean as dockerd ends up with it: the file's, else the command line's, else the fallback. */
  readonly bool: (key: string, fallback: boolean) => boolean;
  /** Whether the file or the command line sets a key at all (any value). */
  readonly isSet: (key: string) => boolean;
  /** Whether a path exists (the one I/O the rules need); without it, files are not checked. */
  readonly fileExists?: (path: string) => boolean;
}

const shown = (value: JsonValue): string => (typeof value === "string" ? quoteExcerpt(value) : quoteExcerpt(writeJson(value), { quote: false }));
/** A value inside dockerd's own words: as dockerd prints it (no quotes), but short and with control characters escaped. */
const raw = (text: string): string => quoteExcerpt(text, { quote: false });

class Problems {
  readonly list: ValueProblem[] = [];
  add(
    kind: ValueProblemKind,
    s: DaemonJsonSetting,
    at: JsonNode | undefined,
    value: JsonValue,
    what: string,
    dockerd: string | undefined,
    fix: string,
    level: "error" | "warning" = "error",
  ): void {
    const where = at ?? s.member;
    const says = dockerd === undefined ? "" : ` (dockerd: ${dockerd})`;
    this.list.push({ kind, level, key: s.key, line: where.line, column: where.column, value, message: `line ${where.line}: "${s.key}": ${shown(value)} ${what}${says}; ${fix}` });
  }
}

/** The items of an array setting that are strings, with their nodes. */
function stringItems(s: DaemonJsonSetting): { value: string; node: JsonNode | undefined }[] {
  if (!isJsonArray(s.value)) return [];
  const nodes = s.node.type === "array" ? s.node.items : [];
  return s.value.flatMap((v, i) => (typeof v === "string" ? [{ value: v, node: nodes[i] }] : []));
}

const LOG_LEVELS_26 = ["panic", "fatal", "error", "warn", "info", "debug", "trace"];
const LOG_LEVELS_20 = [...LOG_LEVELS_26, "warning"];

function logRules(input: ValueRuleInput, p: Problems): void {
  const level = input.setting("log-level");
  if (level !== undefined && typeof level.value === "string" && level.value !== "") {
    const known = input.version === "26" ? LOG_LEVELS_26 : LOG_LEVELS_20;
    if (!known.includes(level.value.toLowerCase())) {
      const says = input.version === "26" ? `invalid logging level: ${raw(level.value)}` : `unable to parse logging level: ${raw(level.value)}`;
      p.add("log-level-invalid", level, undefined, level.value, "is not a log level", says, `use one of ${known.join(", ")}`);
    }
  }
  const format = input.setting("log-format");
  if (input.version === "26" && format !== undefined && typeof format.value === "string" && format.value !== "" && format.value !== "text" && format.value !== "json") {
    p.add("log-format-invalid", format, undefined, format.value, "is not a log format", `invalid log format: ${raw(format.value)}`, 'use "text" or "json"');
  }
}

/** Go's net.ParseIP: IPv4 or IPv6 text, no zone, no brackets, no blanks. */
const isGoIp = (text: string): boolean => text.length <= 64 && !text.includes("%") && parseIp(text).isOk();

function addressRules(input: ValueRuleInput, p: Problems): void {
  // dockerd decodes these into net.IP, whose decoder refuses a bad one (default-gateway has its own, stricter rule).
  for (const key of ["ip", "default-gateway-v6", "host-gateway-ip"]) {
    const s = input.setting(key);
    if (s !== undefined && typeof s.value === "string" && s.value !== "" && !isGoIp(s.value)) {
      p.add(
        "ip-address-invalid",
        s,
        undefined,
        s.value,
        "is not an IP address",
        `invalid IP address: ${raw(s.value)}`,
        "write an IPv4 or IPv6 address such as 10.5.52.1, without brackets or a zone",
      );
    }
  }
  const dns = input.setting("dns");
  if (dns === undefined) return;
  for (const item of stringItems(dns)) {
    if (input.version === "26" ? isGoIp(item.value) : isGoIp(item.value.trim())) continue;
    const says = input.version === "26" ? `invalid IP address: ${raw(item.value)}` : `${raw(item.value)} is not an ip address`;
    p.add("ip-address-invalid", dns, item.node, item.value, "is not an IP address", says, 'list the DNS servers\' IP addresses, e.g. ["10.5.0.2"]');
    return;
  }
}

// dockerd's domain pattern, written here from what it accepts: labels of
// letters, digits and inner hyphens, each optionally preceded by ':' (a
// quirk of dockerd's expression), joined by '.', a final '.' and blanks allowed.
const LABEL = ":?(?::?[a-zA-Z0-9]|:?[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = new RegExp(`^(${LABEL}(?::?\\.${LABEL})*)\\.?[\\t\\n\\f\\r ]*$`);

function isSearchDomain(value: string): boolean {
  const v = value.replace(/^ +| +$/g, "");
  if (v === ".") return true;
  if (v.length > 4096 || !/[a-zA-Z]/.test(v)) return false;
  const m = DOMAIN.exec(v);
  return m !== null && (m[1] ?? "").length < 255;
}

function dnsSearchRules(input: ValueRuleInput, p: Problems): void {
  const s = input.setting("dns-search");
  if (s === undefined) return;
  for (const item of stringItems(s)) {
    if (isSearchDomain(item.value)) continue;
    p.add(
      "dns-search-invalid",
      s,
      item.node,
      item.value,
      "is not a search domain",
      `${raw(item.value)} is not a valid domain`,
      'write domain names such as "example.com" (or "." for none)',
    );
    return;
  }
}

const RESERVED_LABEL = /^(com\.docker\.|io\.docker\.|org\.dockerproject\.)/i;

function labelRules(input: ValueRuleInput, p: Problems): void {
  const s = input.setting("labels");
  if (s === undefined) return;
  const items = stringItems(s);
  for (const item of items) {
    if (!item.value.includes("=")) {
      p.add("label-invalid", s, item.node, item.value, "has no '='", `bad attribute format: ${raw(item.value)}`, 'write each label as "key=value"');
      return;
    }
    if (RESERVED_LABEL.test(item.value)) {
      const says = `label ${raw(item.value)} is not allowed: the namespaces com.docker.*, io.docker.*, and org.dockerproject.* are reserved for internal use`;
      p.add("label-invalid", s, item.node, item.value, "uses a namespace Docker keeps for itself", says, "choose another prefix");
      return;
    }
  }
  const seen = new Map<string, string>();
  for (const item of items) {
    const eq = item.value.indexOf("=");
    const key = item.value.slice(0, eq);
    const value = item.value.slice(eq + 1);
    const before = seen.get(key);
    if (before !== undefined && before !== value) {
      p.add(
        "label-conflict",
        s,
        item.node,
        item.value,
        `sets ${raw(key)} again, to another value`,
        `conflict labels for ${raw(item.value)} and ${raw(`${key}=${before}`)}`,
        "keep one value per label key",
      );
      return;
    }
    seen.set(key, value);
  }
}

function countRules(input: ValueRuleInput, p: Problems): void {
  const counts: [string, string][] = [
    ["max-concurrent-downloads", "invalid max concurrent downloads"],
    ["max-concurrent-uploads", "invalid max concurrent uploads"],
    ["max-download-attempts", "invalid max download attempts"],
  ];
  for (const [key, says] of counts) {
    const s = input.setting(key);
    if (s !== undefined && typeof s.value === "number" && s.value < 0) {
      p.add("count-negative", s, undefined, s.value, "is negative", `${says}: ${s.value}`, "give 0 or more (leave the key out for dockerd's default)");
    }
  }
}

function genericResourceRules(input: ValueRuleInput, p: Problems): void {
  const s = input.setting("node-generic-resources");
  if (s === undefined) return;
  const values = new Map<string, { values: string[]; node: JsonNode | undefined; term: string }>();
  const bad = (node: JsonNode | undefined, term: string, why: string): void =>
    p.add("generic-resource-invalid", s, node, term, "is not a generic resource", `could not parse GenericResource: ${why}`, 'write "name=count" or "name=value"');
  for (const item of stringItems(s)) {
    const parts = item.value.split("=");
    if (parts.length !== 2) return bad(item.node, item.value, `incorrect term ${raw(item.value)}, missing '=' or malformed expression`);
    const key = (parts[0] ?? "").trim();
    const entry = values.get(key) ?? { values: [], node: item.node, term: item.value };
    entry.values.push((parts[1] ?? "").trim());
    values.set(key, entry);
  }
  const isInt = (v: string): boolean => /^[+-]?[0-9]+$/.test(v) && BigInt(v) >= -(1n << 63n) && BigInt(v) < 1n << 63n;
  for (const [key, e] of values) {
    const [only] = e.values;
    if (e.values.length === 1 && only !== undefined && isInt(only)) {
      if (BigInt(only) < 0n) return bad(e.node, e.term, `cannot ask for negative resource ${raw(key)}`);
      continue;
    }
    if (e.values.some(isInt)) return bad(e.node, e.term, `mixed discrete and named resources in expression '${raw(key)}=[${raw(e.values.join(" "))}]'`);
  }
}

/**
 * dockerd's reading of a `-H`/`hosts` address; undefined when it is fine,
 * else dockerd's message (without "invalid bind address (...): " when
 * `bare`).
 */
export function daemonHostProblem(host: string): string | undefined {
  const h = host.trim();
  if (h === "") return undefined;
  const cut = h.indexOf("://");
  const proto = cut < 0 ? "tcp" : h.slice(0, cut);
  const addr = cut < 0 ? h : h.slice(cut + 3);
  const invalid = (why: string): string => `invalid bind address (${raw(h)}): ${why}`;
  switch (proto) {
    case "fd":
      return undefined;
    case "unix":
    case "npipe":
      return addr.includes("://") ? invalid(`invalid ${proto} address: ${raw(addr)}`) : undefined;
    case "tcp": {
      const url = cut < 0 ? `tcp://${h}` : h;
      const quoted = quoteExcerpt(url);
      // eslint-disable-next-line no-control-regex -- Go's url.Parse refuses control characters
      if (/[\u0000-\u001f\u007f]/.test(url)) return invalid(`parse ${quoted}: net/url: invalid control character in URL`);
      const rest = url.slice(6);
      const end = rest.search(/[/?#]/);
      const authority = end < 0 ? rest : rest.slice(0, end);
      const path = end < 0 || rest[end] !== "/" ? "" : rest.slice(end).replace(/[?#].*$/, "");
      const hostPort = authority.slice(authority.lastIndexOf("@") + 1);
      const bad = /[^A-Za-z0-9\-_.~!$&'()*+,;=:[\]<>"%\u0080-\uffff]/.exec(hostPort);
      if (bad !== null) return invalid(`parse ${quoted}: invalid character ${JSON.stringify(bad[0])} in host name`);
      const colon = hostPort.lastIndexOf(":");
      const port = colon >= 0 && colon > hostPort.lastIndexOf("]") ? hostPort.slice(colon + 1) : "";
      if (colon >= 0 && colon > hostPort.lastIndexOf("]") && !/^[0-9]*$/.test(port)) return invalid(`parse ${quoted}: invalid port ${JSON.stringify(`:${port}`)} after host`);
      if (path !== "") return invalid("should not contain a path element");
      if (port !== "" && (port.length > 18 || Number(port) === 0)) return invalid(`invalid port: ${raw(port)}`);
      return undefined;
    }
    default:
      return invalid(`unsupported proto '${raw(proto)}'`);
  }
}

function hostRules(input: ValueRuleInput, p: Problems): void {
  const s = input.setting("hosts");
  if (s === undefined) return;
  for (const item of stringItems(s)) {
    const problem = daemonHostProblem(item.value);
    if (problem === undefined) continue;
    const says = input.version === "26" ? problem : `error parsing -H ${raw(item.value)}: ${problem}`;
    p.add("host-invalid", s, item.node, item.value, "is not an address dockerd can listen on", says, 'write "unix:///var/run/docker.sock", "fd://" or "tcp://HOST:PORT"');
    return;
  }
}

function ulimitRules(input: ValueRuleInput, p: Problems): void {
  const s = input.setting("default-ulimits");
  if (s === undefined || s.value === null) return;
  const path = input.version === "26" ? "Ulimit.default-ulimits" : "Ulimit";
  const cannot = (what: string, field: string, type: string): string => `json: cannot unmarshal ${what} into Go struct field ${field} of type ${type}`;
  const kind = (v: JsonValue): string => (v === null ? "null" : isJsonArray(v) ? "array" : typeof v === "object" ? "object" : typeof v === "boolean" ? "bool" : typeof v);
  const fix = 'write {"nofile": {"Name": "nofile", "Soft": 1024, "Hard": 2048}}';
  if (!isJsonObject(s.value)) {
    p.add("default-ulimits-invalid", s, undefined, s.value, "is not an object of limits", cannot(kind(s.value), "Config.default-ulimits", "map[string]*units.Ulimit"), fix);
    return;
  }
  const members = s.node.type === "object" ? s.node.members : [];
  for (const [name, limit] of Object.entries(s.value)) {
    const node = [...members].reverse().find((m) => m.key === name)?.value;
    if (limit === null) continue;
    if (!isJsonObject(limit)) {
      p.add("default-ulimits-invalid", s, node, limit, `is not a limit for ${raw(name)}`, cannot(kind(limit), "Config.default-ulimits", "units.Ulimit"), fix);
      return;
    }
    // Go matches the fields without regard to case; the last match wins.
    const field = (f: string): JsonValue | undefined => {
      let found: JsonValue | undefined;
      for (const [k, v] of Object.entries(limit)) if (k.toLowerCase() === f.toLowerCase()) found = v;
      return found;
    };
    for (const [f, type] of [["Name", "string"], ["Soft", "int64"], ["Hard", "int64"]] as const) {
      const v = field(f);
      if (v === undefined || v === null) continue;
      const ok = type === "string" ? typeof v === "string" : typeof v === "number" && Number.isInteger(v);
      if (!ok) {
        // Go names the number only when it is one that a number field cannot hold.
        const what = typeof v === "number" && type === "int64" ? `number ${v}` : kind(v);
        p.add("default-ulimits-invalid", s, node, limit, `has a ${f} that is not ${type === "string" ? "a string" : "a whole number"}`, cannot(what, `${path}.${f}`, type), fix);
        return;
      }
    }
    const soft = field("Soft");
    const hard = field("Hard");
    if (typeof soft === "number" && typeof hard === "number" && soft > hard) {
      p.add(
        "default-ulimit-soft-above-hard",
        s,
        node,
        limit,
        `sets ${raw(name)}'s Soft ${soft} above its Hard ${hard}`,
        undefined,
        "containers would fail to start (dockerd --validate does not notice): make Soft at most Hard",
        "warning",
      );
    }
  }
}

function sizeRules(input: ValueRuleInput, p: Problems): void {
  const s = input.setting("default-shm-size");
  if (s === undefined) return;
  const fix = 'write a size in quotes, such as "64M"';
  // dockerd's size type decodes itself: null and "" reach it too, and it quotes what it got.
  if (typeof s.value !== "string" || s.value === "") {
    const text = s.node.type === "number" ? s.node.raw : writeJson(s.value);
    p.add("size-invalid", s, undefined, s.value, "is not a size in quotes", `invalid size: ${JSON.stringify(text)}`, fix);
    return;
  }
  const problem = goSizeProblem(s.value);
  if (problem !== undefined) p.add("size-invalid", s, undefined, s.value, "is not a size", problem, fix);
}

/** How the go-units in Debian's dockerd (RAMInBytes) refuses a size (undefined when it reads it). */
function goSizeProblem(size: string): string | undefined {
  const m = /^([0-9]+(?:\.[0-9]+)*) ?[kKmMgGtTpP]?[iI]?[bB]?$/.exec(size);
  if (m === null) return `invalid size: '${raw(size)}'`;
  const num = m[1] ?? "";
  if ((num.match(/\./g) ?? []).length > 1) return `strconv.ParseFloat: parsing ${JSON.stringify(num)}: invalid syntax`;
  return undefined;
}

function tlsRules(input: ValueRuleInput, p: Problems): void {
  const exists = input.fileExists;
  if (exists === undefined) return;
  // dockerd turns TLS on for "tls": true, and for "tlsverify" set to anything.
  if (!input.bool("tls", false) && !input.isSet("tlsverify")) return;
  const path = (key: string): { s: DaemonJsonSetting | undefined; value: string } => {
    const s = input.setting(key);
    return { s, value: s !== undefined && typeof s.value === "string" ? s.value : "" };
  };
  const cert = path("tlscert");
  const key = path("tlskey");
  const missing = [cert, key].find((f) => f.value === "" || !exists(f.value));
  if (missing !== undefined) {
    const about = missing.s ?? cert.s ?? key.s ?? input.setting("tls") ?? input.setting("tlsverify");
    const says = `invalid TLS configuration: Could not load X509 key pair (cert: ${JSON.stringify(cert.value)}, key: ${JSON.stringify(key.value)}): open ${
      raw(missing.value)
    }: no such file or directory`;
    const what = missing.value === "" ? "turns TLS on without a certificate and key" : "names a file that does not exist";
    if (about !== undefined) {
      p.add("tls-file-missing", about, undefined, about.value, what, says, 'give "tlscert" and "tlskey" (and "tlscacert" with "tlsverify") as files that exist, or turn TLS off');
    }
    return;
  }
  const verify = input.isSet("tlsverify") ? input.bool("tlsverify", true) : input.bool("tls", false);
  const ca = path("tlscacert");
  if (verify && ca.s !== undefined && ca.value !== "" && !exists(ca.value)) {
    const says = `invalid TLS configuration: could not read CA certificate ${JSON.stringify(ca.value)}: open ${raw(ca.value)}: no such file or directory`;
    p.add("tls-file-missing", ca.s, undefined, ca.value, "names a file that does not exist", says, "give the CA certificate that signs the clients' certificates");
  }
}

function featureTypeRules(input: ValueRuleInput, p: Problems): void {
  const s = input.setting("features");
  if (s === undefined || s.value === null) return;
  const field = input.version === "26" ? "Config.CommonConfig.features" : "Config.features";
  const fix = 'write {"name": true} or {"name": false}';
  if (!isJsonObject(s.value)) {
    const kind = isJsonArray(s.value) ? "array" : typeof s.value === "boolean" ? "bool" : typeof s.value;
    p.add("feature-invalid", s, undefined, s.value, "is not an object of features", `json: cannot unmarshal ${kind} into Go struct field ${field} of type map[string]bool`, fix);
    return;
  }
  const members = s.node.type === "object" ? s.node.members : [];
  for (const m of members) {
    const v = m.value;
    if (v.type === "boolean" || v.type === "null") continue;
    const kind = v.type === "array" || v.type === "object" || v.type === "string" || v.type === "number" ? v.type : "value";
    p.add(
      "feature-invalid",
      s,
      v,
      s.value,
      `sets ${raw(m.key)} to something other than true or false`,
      `json: cannot unmarshal ${kind} into Go struct field ${field} of type bool`,
      fix,
    );
    return;
  }
}

function modeRules(input: ValueRuleInput, p: Problems): void {
  if (input.version !== "26") return;
  const ipc = input.setting("default-ipc-mode");
  if (ipc !== undefined && typeof ipc.value === "string" && ipc.value !== "") {
    const v = ipc.value;
    const known = ["", "host", "private", "shareable", "none"].includes(v) || v.startsWith("container:");
    if (!known) {
      p.add(
        "ipc-mode-invalid",
        ipc,
        undefined,
        v,
        "is not an IPC mode",
        `default IPC mode setting (${raw(v)}) is invalid; use "shareable" or "private"`,
        'use "shareable" or "private"',
      );
    } else if (v !== "private" && v !== "shareable") {
      p.add(
        "ipc-mode-invalid",
        ipc,
        undefined,
        v,
        "cannot be the default IPC mode",
        `IPC mode "${raw(v)}" is not supported as default value; use "shareable" or "private"`,
        'use "shareable" or "private"',
      );
    }
  }
  const cgroupns = input.setting("default-cgroupns-mode");
  if (cgroupns !== undefined && typeof cgroupns.value === "string" && !["", "host", "private"].includes(cgroupns.value)) {
    const v = cgroupns.value;
    p.add(
      "cgroupns-mode-invalid",
      cgroupns,
      undefined,
      v,
      "is not a cgroup namespace mode",
      `default cgroup namespace mode (${raw(v)}) is invalid; use "host" or "private"`,
      'use "host" or "private"',
    );
  }
  const v6 = input.setting("fixed-cidr-v6");
  if (v6 !== undefined && typeof v6.value === "string" && v6.value !== "") {
    const parsed = parseCidr(v6.value);
    if (parsed.isErr()) {
      p.add(
        "fixed-cidr-v6-invalid",
        v6,
        undefined,
        v6.value,
        "is not a CIDR",
        `invalid fixed-cidr-v6: invalid CIDR address: ${raw(v6.value)}`,
        'write an IPv6 subnet such as "fd00:1::/64"',
      );
    } else if (parsed.value.family !== 6) {
      p.add(
        "fixed-cidr-v6-invalid",
        v6,
        undefined,
        v6.value,
        "is an IPv4 subnet",
        "invalid fixed-cidr-v6: fixed-cidr-v6 is not an IPv6 subnet",
        'write an IPv6 subnet such as "fd00:1::/64"',
      );
    }
  }
  const features = input.setting("features");
  if (features !== undefined && isJsonObject(features.value) && Object.prototype.hasOwnProperty.call(features.value, "windows-dns-proxy")) {
    p.add(
      "feature-invalid",
      features,
      undefined,
      features.value,
      "turns on a Windows feature",
      "feature option 'windows-dns-proxy' is only available on Windows",
      'remove "windows-dns-proxy"',
    );
  }
  const proxyPath = input.setting("userland-proxy-path");
  if (proxyPath !== undefined && typeof proxyPath.value === "string" && proxyPath.value !== "" && input.bool("userland-proxy", true)) {
    const v = proxyPath.value;
    const fix = 'give the absolute path of docker-proxy, or set "userland-proxy": false';
    if (!v.startsWith("/")) {
      p.add("userland-proxy-path-invalid", proxyPath, undefined, v, "is not an absolute path", `invalid userland-proxy-path: must be an absolute path: ${raw(v)}`, fix);
    } else if (input.fileExists !== undefined && !input.fileExists(v)) {
      p.add(
        "userland-proxy-path-invalid",
        proxyPath,
        undefined,
        v,
        "does not exist",
        `invalid userland-proxy-path: exec: ${JSON.stringify(v)}: stat ${raw(v)}: no such file or directory`,
        fix,
      );
    }
  }
}

/**
 * dockerd's checks of the values of settings whose JSON types are right.
 *
 * @param input the settings, dockerd's release and command line, and the file port
 * @returns the problems, in the order dockerd checks them where it matters
 */
export function dockerdValueProblems(input: ValueRuleInput): ValueProblem[] {
  const p = new Problems();
  addressRules(input, p);
  sizeRules(input, p);
  ulimitRules(input, p);
  logRules(input, p);
  dnsSearchRules(input, p);
  labelRules(input, p);
  countRules(input, p);
  genericResourceRules(input, p);
  featureTypeRules(input, p);
  hostRules(input, p);
  modeRules(input, p);
  tlsRules(input, p);
  return p.list;
}
