/**
 * flannel's network config, the JSON stored at `<prefix>/config`: parsing
 * with flanneld's defaults and checks (every problem reported at once), and
 * formatting back to JSON with flannel's field names.
 *
 * @module
 */
import { err, ok, type Result } from "neverthrow";
import { DEFAULT_UDP_PORT, DEFAULT_VXLAN_PORT, DEFAULT_VXLAN_VNI } from "../core/defaults.ts";
import { type Cidr4, cidr4, type Cidr6, cidr6, cidrNetwork, formatCidr, parseCidr4, parseCidr6 } from "./cidr.ts";
import { formatIp, type Ip4, ip4, type Ip6, ip6, parseIp4, parseIp6 } from "./ip.ts";
import { foldGoKey, goFieldMembers } from "../json/go-json-keys.ts";
import { type JsonObject, type JsonValue, jsonValue, writeJson } from "../json/json-value.ts";
import { type JsonMember, type JsonNode, type JsonObjectNode, parseJsonTree } from "../json/parse-json-tree.ts";
import { ETCD_JSON_MAX_BYTES } from "../json/scan-json.ts";
import { quoteExcerpt } from "../text/quote-excerpt.ts";

export type { JsonObject, JsonValue } from "../json/json-value.ts";

/** The IPv4 half of a config: the network and the range subnets are leased from. */
export interface SubnetRange4 {
  /** `Network`, host bits cleared (flanneld clears them too). */
  readonly network: Cidr4;
  /** `SubnetLen`: the prefix length of each host's subnet. */
  readonly subnetLen: number;
  /** `SubnetMin`: the first subnet that may be leased. */
  readonly subnetMin: Ip4;
  /** `SubnetMax`: the last subnet that may be leased. */
  readonly subnetMax: Ip4;
}

/** The IPv6 half of a dual-stack config. */
export interface SubnetRange6 {
  /** `IPv6Network`, host bits cleared. */
  readonly network: Cidr6;
  /** `IPv6SubnetLen`. */
  readonly subnetLen: number;
  /** `IPv6SubnetMin`. */
  readonly subnetMin: Ip6;
  /** `IPv6SubnetMax`. */
  readonly subnetMax: Ip6;
}

/** Either half of a config. */
export type SubnetRange = SubnetRange4 | SubnetRange6;

/** The largest VXLAN network identifier (24 bits). */
export const VXLAN_MAX_VNI = 0xffffff;

/** What every backend kind has. */
interface BackendCommon {
  /** `Backend.Type` as written (flanneld compares it in lower case): `"udp"` when Backend is absent. */
  readonly type: string;
  /** The whole Backend object as written, Type and unknown keys included. */
  readonly settings: JsonObject;
}

/** The udp backend: flanneld's own TUN and UDP encapsulation. */
export interface UdpBackendConfig extends BackendCommon {
  readonly kind: "udp";
  /** `Port`, the UDP port on every host: {@link DEFAULT_UDP_PORT} when absent, null or 0. */
  readonly port: number;
}

/** The vxlan backend: the kernel's VXLAN device. */
export interface VxlanBackendConfig extends BackendCommon {
  readonly kind: "vxlan";
  /** `VNI`, 0 to {@link VXLAN_MAX_VNI}: {@link DEFAULT_VXLAN_VNI} when absent or null. */
  readonly vni: number;
  /**
   * `Port`, resolved: flanneld passes 0 (absent) to the kernel, which then
   * uses {@link DEFAULT_VXLAN_PORT}; that port is stored here, so a
   * reader never has to know that 0 means 8472.
   */
  readonly port: number;
  /** `GBP`: group-based policy extension, false by default. */
  readonly gbp: boolean;
  /** `Learning`: let the kernel learn remote MACs, false by default. */
  readonly learning: boolean;
  /** `DirectRouting`: plain routes to peers on the same subnet, false by default. */
  readonly directRouting: boolean;
  /**
   * `MTU` (current flannel, not v0.20.2): the MTU flanneld takes as the
   * external interface's, the VXLAN device getting 50 less. Absent when not
   * written: the external interface's MTU then.
   */
  readonly mtu?: number;
}

/** The host-gw backend: plain routes via the peers' public IPs. */
export interface HostGwBackendConfig extends BackendCommon {
  readonly kind: "host-gw";
}

/**
 * Another flannel backend (ipip, wireguard, the cloud ones, ...): a valid
 * flannel config, whose settings are kept but not read.
 */
export interface OtherBackendConfig extends BackendCommon {
  readonly kind: "other";
}

/** The `Backend` object, by kind, with flanneld's defaults filled in. */
export type BackendConfig = UdpBackendConfig | VxlanBackendConfig | HostGwBackendConfig | OtherBackendConfig;

/**
 * A checked network config with every default filled in. `ipv4` is present
 * when EnableIPv4 is true (the default), `ipv6` when EnableIPv6 is true.
 */
export interface NetworkConfig {
  readonly ipv4?: SubnetRange4;
  readonly ipv6?: SubnetRange6;
  readonly backend: BackendConfig;
}

/** What kind of problem a {@link NetworkConfigError} reports. */
export type NetworkConfigErrorKind =
  /** The text is not JSON. */
  | "json-syntax"
  /** Objects and arrays nested deeper than Go's 10,000 levels. */
  | "json-too-deep"
  /** The text is larger than etcd's request limit (1.5 MiB). */
  | "json-too-large"
  /** The JSON is not an object. */
  | "not-an-object"
  /** A field has the wrong JSON type (`"SubnetLen": "24"`). */
  | "wrong-type"
  /** A field has the right type but an unusable value (a bad CIDR, `24.5`, `null` where flanneld refuses it). */
  | "invalid-value"
  /** A required field is absent (Network, or IPv6Network with EnableIPv6). */
  | "missing-field"
  /** The network's prefix is too long to give a default SubnetLen (above /28, IPv6 above /124). */
  | "network-too-small"
  /** SubnetLen above 30 (IPv6SubnetLen above 126). */
  | "subnet-len-too-long"
  /** SubnetLen below the network's prefix + 2: the network must hold four subnets. */
  | "subnet-len-too-short"
  /** SubnetMin or SubnetMax is outside the network. */
  | "outside-network"
  /** SubnetMin or SubnetMax is not the first address of a subnet of SubnetLen. */
  | "not-on-boundary"
  /** SubnetMin is above SubnetMax (flanneld does not notice; nothing could be leased). */
  | "min-above-max"
  /** EnableIPv4 and EnableIPv6 are both false. */
  | "no-address-family"
  /** Backend is not an object, or has no usable Type. */
  | "invalid-backend"
  /** Backend.Type names no flannel backend. */
  | "unknown-backend";

/**
 * One problem in a network config. `field` is flannel's name for the field
 * (`SubnetLen`, `Backend.Type`), `value` the offending value as written, and
 * `line`/`column` where it is in the text. The message says what to change.
 */
export interface NetworkConfigError {
  readonly kind: NetworkConfigErrorKind;
  readonly field?: string;
  readonly value?: string;
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
}

/** The backend types flanneld registers (compared in lower case), old cloud ones included. */
export const BACKEND_TYPES: readonly string[] = Object.freeze([
  "udp",
  "vxlan",
  "host-gw",
  "ipip",
  "ipsec",
  "wireguard",
  "alloc",
  "extension",
  "tencent-vpc",
  "ali-vpc",
  "aws-vpc",
  "gce",
]);

const FIELDS = [
  "Network",
  "SubnetLen",
  "SubnetMin",
  "SubnetMax",
  "EnableIPv4",
  "EnableIPv6",
  "IPv6Network",
  "IPv6SubnetLen",
  "IPv6SubnetMin",
  "IPv6SubnetMax",
  "Backend",
] as const;
type Field = (typeof FIELDS)[number];
const FIELD_BY_FOLDED = new Map<string, Field>(FIELDS.map((f) => [foldGoKey(f), f]));

type Problem = Omit<NetworkConfigError, "message"> & { readonly message: string };

function problem(kind: NetworkConfigErrorKind, message: string, where?: { field?: string; node?: JsonNode; value?: string }): NetworkConfigError {
  const node = where?.node;
  const location = node === undefined ? "" : `line ${node.line}, column ${node.column}: `;
  const out: { -readonly [K in keyof Problem]: Problem[K] } = { kind, message: `${location}${message}` };
  if (where?.field !== undefined) out.field = where.field;
  const value = where?.value ?? (node === undefined ? undefined : valueText(node));
  if (value !== undefined) out.value = value;
  if (node !== undefined) {
    out.line = node.line;
    out.column = node.column;
  }
  return out;
}

/** A value for an error's `value`: a string's value, a number as written, anything else as compact JSON. */
function valueText(node: JsonNode): string {
  switch (node.type) {
    case "string":
      return node.value;
    case "number":
      return node.raw;
    default:
      return writeJson(jsonValue(node));
  }
}

const typeName = (node: JsonNode): string =>
  node.type === "string"
    ? `the string ${quoteExcerpt(node.value)}`
    : node.type === "number"
    ? `the number ${shownNumber(node.raw)}`
    : node.type === "null"
    ? "null"
    : node.type === "boolean"
    ? `${node.value}`
    : `an ${node.type}`;

/** A number's text in a message: as written when short, else an excerpt. */
const shownNumber = (raw: string): string => (raw.length <= 60 ? raw : quoteExcerpt(raw));

/** "write 24 without quotes", for a short string of digits. */
const unquoteHint = (
  node: JsonNode,
  pattern: RegExp,
): string => (node.type === "string" && node.value.length <= 12 && pattern.test(node.value) ? `: write ${node.value} without quotes` : "");

/** A decoded field: absent (use the default), a value, or already reported. */
type Decoded<T> = { readonly state: "absent" } | { readonly state: "value"; readonly value: T; readonly node: JsonNode } | { readonly state: "bad" };
const ABSENT = { state: "absent" } as const;
const BAD = { state: "bad" } as const;

interface Family {
  readonly version: 4 | 6;
  readonly bits: 32 | 128;
  readonly names: { readonly network: Field; readonly subnetLen: Field; readonly subnetMin: Field; readonly subnetMax: Field };
  /** Longest network prefix that still gets a default SubnetLen. */
  readonly maxDefaultPrefix: number;
  /** Networks with a prefix up to this get `defaultLen`; longer ones prefix + 2. */
  readonly wideUpTo: number;
  readonly defaultLen: number;
  readonly maxSubnetLen: number;
  readonly example: string;
}

const V4: Family = {
  version: 4,
  bits: 32,
  names: { network: "Network", subnetLen: "SubnetLen", subnetMin: "SubnetMin", subnetMax: "SubnetMax" },
  maxDefaultPrefix: 28,
  wideUpTo: 22,
  defaultLen: 24,
  maxSubnetLen: 30,
  example: "10.5.0.0/16",
};
const V6: Family = {
  version: 6,
  bits: 128,
  names: { network: "IPv6Network", subnetLen: "IPv6SubnetLen", subnetMin: "IPv6SubnetMin", subnetMax: "IPv6SubnetMax" },
  maxDefaultPrefix: 124,
  wideUpTo: 62,
  defaultLen: 64,
  maxSubnetLen: 126,
  example: "fc00::/48",
};

/** A network or address of either family as a bigint, for the checks both families share. */
interface Net {
  readonly address: bigint;
  readonly prefix: number;
}

class Checker {
  readonly problems: NetworkConfigError[] = [];
  constructor(private readonly fields: ReadonlyMap<Field, JsonMember>) {}

  report(p: NetworkConfigError): typeof BAD {
    this.problems.push(p);
    return BAD;
  }

  node(field: Field): JsonNode | undefined {
    return this.fields.get(field)?.value;
  }

  bool(field: Field): Decoded<boolean> {
    const node = this.node(field);
    if (node === undefined || node.type === "null") return ABSENT;
    if (node.type === "boolean") return { state: "value", value: node.value, node };
    return this.report(problem("wrong-type", `${field} must be true or false, found ${typeName(node)}: write it without quotes`, { field, node }));
  }

  length(field: Field): Decoded<number> {
    const node = this.node(field);
    if (node === undefined || node.type === "null") return ABSENT;
    if (node.type !== "number") {
      return this.report(problem("wrong-type", `${field} must be a prefix length such as 24, found ${typeName(node)}${unquoteHint(node, /^[0-9]+$/)}`, { field, node }));
    }
    if (!/^(0|[1-9][0-9]*)$/.test(node.raw)) {
      return this.report(problem("invalid-value", `${field} must be a whole, non-negative prefix length such as 24, found ${shownNumber(node.raw)}`, { field, node }));
    }
    // flanneld reads 0 as "not set" and computes the default.
    return node.value === 0 ? ABSENT : { state: "value", value: node.value, node };
  }

  network(family: Family): Decoded<Net> {
    const field = family.names.network;
    const node = this.node(field);
    if (node === undefined) return ABSENT;
    if (node.type === "null") {
      return this.report(problem("invalid-value", `${field} is null; flanneld refuses that: give a CIDR such as "${family.example}" or remove the key`, { field, node }));
    }
    if (node.type !== "string") {
      return this.report(problem("wrong-type", `${field} must be a CIDR string such as "${family.example}", found ${typeName(node)}`, { field, node }));
    }
    const other = family.version === 4 ? node.value.includes(":") : !node.value.includes(":") && node.value.includes(".");
    if (other) {
      const hint = family.version === 4 ? "put IPv6 networks in IPv6Network (with EnableIPv6: true)" : "put IPv4 networks in Network";
      return this.report(problem("invalid-value", `${field} must be an IPv${family.version} CIDR, found ${quoteExcerpt(node.value)}: ${hint}`, { field, node }));
    }
    const parsed = family.version === 4 ? parseCidr4(node.value) : parseCidr6(node.value);
    if (parsed.isErr()) {
      return this.report(
        problem("invalid-value", `${field} ${quoteExcerpt(node.value)} is not a CIDR (${parsed.error.reason}); write it like "${family.example}"`, { field, node }),
      );
    }
    const net = cidrNetwork(parsed.value);
    if (net.address === (family.version === 4 ? 0 : 0n) && net.prefix === 0) {
      return this.report(
        problem(
          "invalid-value",
          `${field} ${
            quoteExcerpt(node.value)
          } is the whole address space: an overlay over every address would take the host's default route (and flanneld reads it as unset); give a private range such as "${family.example}"`,
          { field, node },
        ),
      );
    }
    return { state: "value", value: { address: BigInt(net.address), prefix: net.prefix }, node };
  }

  address(family: Family, field: Field): Decoded<bigint> {
    const node = this.node(field);
    if (node === undefined) return ABSENT;
    if (node.type === "null") {
      // IPv6SubnetMin/Max are pointers in flanneld's Config, so null leaves them unset; SubnetMin/Max are not.
      if (family.version === 6) return ABSENT;
      return this.report(problem("invalid-value", `${field} is null; flanneld refuses that: give an address such as "10.5.1.0" or remove the key`, { field, node }));
    }
    if (node.type !== "string") {
      return this.report(problem("wrong-type", `${field} must be an IPv${family.version} address string, found ${typeName(node)}`, { field, node }));
    }
    const parsed = family.version === 4 ? parseIp4(node.value) : parseIp6(node.value);
    if (parsed.isErr()) {
      return this.report(problem("invalid-value", `${field} ${quoteExcerpt(node.value)} is not an IPv${family.version} address (${parsed.error.reason})`, { field, node }));
    }
    const value = BigInt(parsed.value.value);
    // flanneld reads the zero address as "not set" and computes the default.
    return value === 0n ? ABSENT : { state: "value", value, node };
  }

  /** Checks one family's fields and fills its defaults; undefined when something is wrong (already reported). */
  range(family: Family, enabled: boolean): { network: Net; subnetLen: number; min: bigint; max: bigint } | undefined {
    const names = family.names;
    const network = this.network(family);
    const lengthField = this.length(names.subnetLen);
    const minField = this.address(family, names.subnetMin);
    const maxField = this.address(family, names.subnetMax);
    if (!enabled) return undefined;
    if (network.state === "absent") {
      const enable = family.version === 4 ? `(or set "EnableIPv4": false)` : `(or set "EnableIPv6": false)`;
      this.report(
        problem(
          "missing-field",
          `${names.network} is missing: give the IPv${family.version} network to split into subnets, e.g. "${names.network}": "${family.example}" ${enable}`,
          { field: names.network },
        ),
      );
    }
    if (network.state !== "value") {
      if (lengthField.state === "value" && lengthField.value > family.maxSubnetLen) this.tooLong(family, lengthField);
      return undefined;
    }
    const net = network.value;
    const shown = formatNet(family, net);
    let subnetLen: number | undefined;
    if (lengthField.state === "value") {
      const len = lengthField.value;
      if (len > family.maxSubnetLen) this.tooLong(family, lengthField);
      else if (len < net.prefix + 2) {
        this.report(
          problem(
            "subnet-len-too-short",
            `${names.subnetLen} ${len} is too short for ${names.network} ${shown}: it must be at least ${
              net.prefix + 2
            } so that the network holds four subnets; raise ${names.subnetLen} or use a larger network`,
            { field: names.subnetLen, node: lengthField.node },
          ),
        );
      } else subnetLen = len;
    } else if (lengthField.state === "absent") {
      if (net.prefix > family.maxDefaultPrefix) {
        this.report(
          problem(
            "network-too-small",
            `${names.network} ${shown} is too small for flannel: its prefix must be /${family.maxDefaultPrefix} or shorter (four subnets of at least /${family.maxSubnetLen}); use a larger network`,
            { field: names.network, node: network.node },
          ),
        );
      } else subnetLen = net.prefix <= family.wideUpTo ? family.defaultLen : net.prefix + 2;
    }
    const hostBits = BigInt(family.bits - net.prefix);
    const inside = (a: bigint): boolean => a >> hostBits === net.address >> hostBits;
    const checkBound = (field: Field, decoded: Decoded<bigint>): bigint | undefined => {
      if (decoded.state !== "value") return undefined;
      const shownValue = formatAddress(family, decoded.value);
      if (!inside(decoded.value)) {
        this.report(problem("outside-network", `${field} ${shownValue} is outside ${names.network} ${shown}: use an address inside it`, { field, node: decoded.node }));
        return undefined;
      }
      if (subnetLen === undefined) return undefined;
      const size = 1n << BigInt(family.bits - subnetLen);
      if (decoded.value % size !== 0n) {
        const below = decoded.value - (decoded.value % size);
        this.report(
          problem("not-on-boundary", `${field} ${shownValue} is not on a /${subnetLen} boundary: use ${formatAddress(family, below)} or ${formatAddress(family, below + size)}`, {
            field,
            node: decoded.node,
          }),
        );
        return undefined;
      }
      return decoded.value;
    };
    const min = checkBound(names.subnetMin, minField);
    const max = checkBound(names.subnetMax, maxField);
    if (subnetLen === undefined || (minField.state !== "absent" && min === undefined) || (maxField.state !== "absent" && max === undefined)) return undefined;
    const size = 1n << BigInt(family.bits - subnetLen);
    const lo = min ?? net.address + size;
    const hi = max ?? net.address + (1n << hostBits) - size;
    if (lo > hi) {
      const node = minField.state === "value" ? minField.node : maxField.state === "value" ? maxField.node : undefined;
      this.report(
        problem(
          "min-above-max",
          `${names.subnetMin} ${formatAddress(family, lo)} is above ${names.subnetMax} ${formatAddress(family, hi)}, so no subnet could be leased: swap them or widen the range`,
          node === undefined ? { field: names.subnetMin } : { field: names.subnetMin, node },
        ),
      );
      return undefined;
    }
    return { network: net, subnetLen, min: lo, max: hi };
  }

  private tooLong(family: Family, decoded: { value: number; node: JsonNode }): void {
    const field = family.names.subnetLen;
    this.report(
      problem(
        "subnet-len-too-long",
        `${field} ${decoded.value} is too long: it must be ${family.maxSubnetLen} or less, so that each host's subnet holds a bridge and its containers`,
        { field, node: decoded.node },
      ),
    );
  }

  backend(): BackendConfig | undefined {
    const entry = this.fields.get("Backend");
    if (entry === undefined) return Object.freeze({ kind: "udp", type: "udp", port: DEFAULT_UDP_PORT, settings: Object.freeze({ Type: "udp" }) });
    const node = entry.value;
    const field = "Backend";
    if (node.type !== "object") {
      this.report(
        problem(
          "invalid-backend",
          `Backend must be an object such as {"Type": "vxlan"}, found ${typeName(node)}${node.type === "null" ? "; remove the key to get the udp backend" : ""}`,
          { field, node },
        ),
      );
      return undefined;
    }
    const typeNode = goFieldMembers(node, "Type").at(-1)?.value;
    if (typeNode === undefined || typeNode.type === "null" || (typeNode.type === "string" && typeNode.value === "")) {
      this.report(
        problem("invalid-backend", `Backend has no Type, so flanneld would stop with "unknown backend type": add "Type": "udp" (or vxlan, host-gw, ...)`, {
          field: "Backend.Type",
          node: typeNode ?? node,
          value: valueText(typeNode ?? node),
        }),
      );
      return undefined;
    }
    if (typeNode.type !== "string") {
      this.report(problem("invalid-backend", `Backend.Type must be a string such as "vxlan", found ${typeName(typeNode)}`, { field: "Backend.Type", node: typeNode }));
      return undefined;
    }
    const type = typeNode.value;
    const lower = type.toLowerCase();
    if (!BACKEND_TYPES.includes(lower)) {
      this.report(problem("unknown-backend", `Backend.Type "${type}" is not a flannel backend: use one of ${BACKEND_TYPES.join(", ")}`, { field: "Backend.Type", node: typeNode }));
      return undefined;
    }
    const settings = jsonValue(node) as JsonObject;
    const fields = new BackendFields(this, node);
    const valueOr = <T>(decoded: Decoded<T>, fallback: T): T => (decoded.state === "value" ? decoded.value : fallback);
    if (lower === "udp") {
      const port = fields.integer("Port", 0, 65535, "a UDP port", `0 or no Port means ${DEFAULT_UDP_PORT}`);
      if (port.state === "bad") return undefined;
      return Object.freeze({ kind: "udp", type, port: valueOr(port, 0) || DEFAULT_UDP_PORT, settings });
    }
    if (lower === "vxlan") {
      const vni = fields.integer("VNI", 0, VXLAN_MAX_VNI, "a VXLAN network identifier", `no VNI means ${DEFAULT_VXLAN_VNI}`);
      const port = fields.integer("Port", 0, 65535, "a UDP port", `0 or no Port means the kernel's ${DEFAULT_VXLAN_PORT}`);
      const gbp = fields.boolean("GBP");
      const learning = fields.boolean("Learning");
      const directRouting = fields.boolean("DirectRouting");
      const mtu = fields.integer("MTU", VXLAN_MIN_MTU, 65535, "an MTU", "no MTU means the external interface's");
      if ([vni, port, gbp, learning, directRouting, mtu].some((d) => d.state === "bad")) return undefined;
      const vxlan: VxlanBackendConfig = {
        kind: "vxlan",
        type,
        vni: valueOr(vni, DEFAULT_VXLAN_VNI),
        port: valueOr(port, 0) || DEFAULT_VXLAN_PORT,
        gbp: valueOr(gbp, false),
        learning: valueOr(learning, false),
        directRouting: valueOr(directRouting, false),
        ...(mtu.state === "value" ? { mtu: mtu.value } : {}),
        settings,
      };
      return Object.freeze(vxlan);
    }
    return Object.freeze({ kind: lower === "host-gw" ? "host-gw" : "other", type, settings });
  }
}

/**
 * The smallest vxlan `MTU`: the device gets 50 less (its headers), and an
 * IPv4 link needs at least 68.
 */
const VXLAN_MIN_MTU = 68 + 50;

/**
 * Reads a backend's own fields as Go's encoding/json fills a struct: keys
 * folded, null leaves the default, a wrong JSON type is an error even in an
 * occurrence that a later duplicate overrides (Go keeps the first such error),
 * and the last occurrence gives the value.
 */
class BackendFields {
  constructor(
    private readonly checker: Checker,
    private readonly node: JsonObjectNode,
  ) {}

  private occurrences(name: string): JsonNode[] {
    return goFieldMembers(this.node, name).map((m) => m.value);
  }

  /** An integer field (Go `int`) checked against a range. */
  integer(name: string, min: number, max: number, what: string, absent: string): Decoded<number> {
    const field = `Backend.${name}`;
    let decoded: Decoded<number> = ABSENT;
    for (const node of this.occurrences(name)) {
      if (node.type === "null") continue;
      if (node.type !== "number") {
        return this.checker.report(problem("wrong-type", `${field} must be ${what} (a whole number), found ${typeName(node)}${unquoteHint(node, /^-?[0-9]+$/)}`, { field, node }));
      }
      if (!/^-?(0|[1-9][0-9]*)$/.test(node.raw)) {
        return this.checker.report(
          problem("invalid-value", `${field} must be ${what}, a whole number from ${min} to ${max} (${absent}), found ${shownNumber(node.raw)}`, { field, node }),
        );
      }
      // -0 is 0 to Go.
      decoded = { state: "value", value: node.value === 0 ? 0 : node.value, node };
    }
    if (decoded.state === "value" && (decoded.value < min || decoded.value > max)) {
      const { node } = decoded;
      return this.checker.report(
        problem(
          "invalid-value",
          `${field} ${node.type === "number" ? shownNumber(node.raw) : valueText(node)} is out of range: ${what} is a whole number from ${min} to ${max} (${absent})`,
          { field, node },
        ),
      );
    }
    return decoded;
  }

  /** A boolean field (Go `bool`). */
  boolean(name: string): Decoded<boolean> {
    const field = `Backend.${name}`;
    let decoded: Decoded<boolean> = ABSENT;
    for (const node of this.occurrences(name)) {
      if (node.type === "null") continue;
      if (node.type !== "boolean") {
        return this.checker.report(
          problem("wrong-type", `${field} must be true or false, found ${typeName(node)}${node.type === "string" ? ": write it without quotes" : ""}`, { field, node }),
        );
      }
      decoded = { state: "value", value: node.value, node };
    }
    return decoded;
  }
}

function formatAddress(family: Family, value: bigint): string {
  return formatIp(family.version === 4 ? ip4(Number(value)) : ip6(value));
}

function formatNet(family: Family, net: Net): string {
  return formatCidr(family.version === 4 ? cidr4(Number(net.address), net.prefix) : cidr6(net.address, net.prefix));
}

/**
 * Parses and checks a network config the way flanneld does (ParseConfig then
 * CheckNetworkConfig), with every default filled in, and reports every
 * problem at once. Keys match flannel's field names case-insensitively, as
 * Go's encoding/json does; when a key appears twice the last one wins;
 * unknown keys are ignored.
 *
 * Defaults: EnableIPv4 true; SubnetLen 24 when the network is /22 or wider,
 * otherwise its prefix + 2; SubnetMin the network plus one subnet; SubnetMax
 * the last subnet; IPv6 likewise with /64 up to /62 networks; Backend
 * `{"Type": "udp"}`. Like flanneld, a zero SubnetLen or a zero SubnetMin/Max
 * address means "use the default". The Backend is read by its Type into a
 * {@link BackendConfig} with the backend's own defaults (udp Port 8285;
 * vxlan VNI 1, Port 8472), its fields decoded as Go decodes them.
 *
 * @param text the JSON text of the config
 * @returns the checked config, or every problem found (JSON syntax errors alone, as nothing else can be read)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { err } from "flannel-ts/core";
 * import { formatIp, parseNetworkConfig } from "flannel-ts/subnet";
 * const config = parseNetworkConfig('{"Network": "10.3.0.0/16"}')._unsafeUnwrap();
 * assert.equal(config.ipv4?.subnetLen, 24);
 * assert.equal(config.ipv4 && formatIp(config.ipv4.subnetMin), "10.3.1.0");
 * const bad = parseNetworkConfig('{"Network": "10.3.0.0/16", "SubnetLen": 31, "SubnetMin": "10.4.0.0"}');
 * assert.deepEqual(bad.mapErr((errors) => errors.map((e) => e.kind)), err(["subnet-len-too-long", "outside-network"]));
 * ```
 * @example Backend settings
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseNetworkConfig } from "flannel-ts/subnet";
 * const udp = parseNetworkConfig('{"Network": "10.3.0.0/16", "Backend": {"Type": "udp", "Port": 7890}}');
 * assert.deepEqual(udp.isOk() && udp.value.backend, { kind: "udp", type: "udp", port: 7890, settings: { Type: "udp", Port: 7890 } });
 * const tooBig = parseNetworkConfig('{"Network": "10.3.0.0/16", "Backend": {"Type": "udp", "Port": 70000}}');
 * assert.deepEqual(tooBig.isErr() && tooBig.error.map((e) => e.field), ["Backend.Port"]);
 * ```
 */
export function parseNetworkConfig(text: string): Result<NetworkConfig, NetworkConfigError[]> {
  const parsed = parseJsonTree(text, { maxBytes: ETCD_JSON_MAX_BYTES });
  if (parsed.isErr()) {
    const e = parsed.error;
    const what = e.kind === "json-syntax"
      ? `invalid JSON: ${e.hint ?? e.goMessage}`
      : e.kind === "json-too-deep"
      ? `objects and arrays are nested more than ${e.limit} levels deep`
      : `the config is larger than ${e.limit} bytes, etcd's request limit`;
    return err([{ kind: e.kind, line: e.line, column: e.column, message: `line ${e.line}, column ${e.column}: ${what}` }]);
  }
  const root = parsed.value.root;
  if (root?.type !== "object") {
    return err([
      problem(
        "not-an-object",
        `the config must be a JSON object such as {"Network": "10.5.0.0/16"}, found ${root === undefined ? "nothing" : typeName(root)}`,
        root === undefined ? {} : { node: root },
      ),
    ]);
  }
  const fields = new Map<Field, JsonMember>();
  for (const member of root.members) {
    const field = FIELD_BY_FOLDED.get(foldGoKey(member.key));
    if (field !== undefined) fields.set(field, member);
  }
  const check = new Checker(fields);
  const enable4 = check.bool("EnableIPv4");
  const enable6 = check.bool("EnableIPv6");
  const use4 = enable4.state === "value" ? enable4.value : true;
  const use6 = enable6.state === "value" ? enable6.value : false;
  const v4 = check.range(V4, use4);
  const v6 = check.range(V6, use6);
  const backend = check.backend();
  if (enable4.state !== "bad" && enable6.state !== "bad" && !use4 && !use6) {
    check.report(
      problem(
        "no-address-family",
        `EnableIPv4 and EnableIPv6 are both false, so there is nothing to lease: enable at least one`,
        enable4.state === "value" ? { field: "EnableIPv4", node: enable4.node } : { field: "EnableIPv4" },
      ),
    );
  }
  if (check.problems.length > 0 || backend === undefined) return err(check.problems);
  const config: { ipv4?: SubnetRange4; ipv6?: SubnetRange6; backend: BackendConfig } = { backend };
  if (v4 !== undefined) {
    config.ipv4 = Object.freeze({
      network: cidr4(Number(v4.network.address), v4.network.prefix),
      subnetLen: v4.subnetLen,
      subnetMin: ip4(Number(v4.min)),
      subnetMax: ip4(Number(v4.max)),
    });
  }
  if (v6 !== undefined) {
    config.ipv6 = Object.freeze({ network: cidr6(v6.network.address, v6.network.prefix), subnetLen: v6.subnetLen, subnetMin: ip6(v6.min), subnetMax: ip6(v6.max) });
  }
  return ok(Object.freeze(config));
}

/** Options of {@link formatNetworkConfig}. */
export interface FormatNetworkConfigOptions {
  /** Spaces per indentation level; 0 (the default) writes one line, as etcd values usually are. */
  readonly indent?: number;
}

/**
 * Formats a config as JSON with flannel's field names and every default
 * written out, so that flanneld and {@link parseNetworkConfig} read it back
 * unchanged.
 *
 * @param config a checked config
 * @param options indentation
 * @returns the JSON text
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ok } from "flannel-ts/core";
 * import { formatNetworkConfig, parseNetworkConfig } from "flannel-ts/subnet";
 * assert.deepEqual(
 *   parseNetworkConfig('{"network": "10.3.0.0/16"}').map((c) => formatNetworkConfig(c)),
 *   ok('{"Network":"10.3.0.0/16","SubnetLen":24,"SubnetMin":"10.3.1.0","SubnetMax":"10.3.255.0","EnableIPv4":true,"EnableIPv6":false,"Backend":{"Type":"udp"}}'),
 * );
 * ```
 */
export function formatNetworkConfig(config: NetworkConfig, options: FormatNetworkConfigOptions = {}): string {
  return writeJson(networkConfigJson(config), options.indent ?? 0);
}

/**
 * The config as a plain JSON object with flannel's field names (what
 * {@link formatNetworkConfig} writes).
 *
 * @param config a checked config
 * @returns a fresh object
 */
export function networkConfigJson(config: NetworkConfig): { [field: string]: JsonValue } {
  const out: { [field: string]: JsonValue } = {};
  const v4 = config.ipv4;
  if (v4 !== undefined) {
    out["Network"] = formatCidr(v4.network);
    out["SubnetLen"] = v4.subnetLen;
    out["SubnetMin"] = formatIp(v4.subnetMin);
    out["SubnetMax"] = formatIp(v4.subnetMax);
  }
  out["EnableIPv4"] = v4 !== undefined;
  const v6 = config.ipv6;
  out["EnableIPv6"] = v6 !== undefined;
  if (v6 !== undefined) {
    out["IPv6Network"] = formatCidr(v6.network);
    out["IPv6SubnetLen"] = v6.subnetLen;
    out["IPv6SubnetMin"] = formatIp(v6.subnetMin);
    out["IPv6SubnetMax"] = formatIp(v6.subnetMax);
  }
  out["Backend"] = config.backend.settings;
  return out;
}

/**
 * How many subnets of the range's SubnetLen lie between SubnetMin and SubnetMax (both included).
 *
 * @param range one family of a config
 * @returns the number of subnets that may be leased
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseNetworkConfig, subnetRangeSize } from "flannel-ts/subnet";
 * const config = parseNetworkConfig('{"Network": "10.3.0.0/16"}')._unsafeUnwrap();
 * assert.equal(config.ipv4 && subnetRangeSize(config.ipv4), 255n);
 * ```
 */
export function subnetRangeSize(range: SubnetRange): bigint {
  const shift = BigInt((range.network.family === 4 ? 32 : 128) - range.subnetLen);
  return ((BigInt(range.subnetMax.value) - BigInt(range.subnetMin.value)) >> shift) + 1n;
}

/**
 * Describes a config for people, one field per line, with the number of
 * subnets each range holds (what `flannel-ts config check` prints).
 *
 * @param config a checked config
 * @returns the text, ending with a newline
 */
export function describeNetworkConfig(config: NetworkConfig): string {
  const rows: [string, string][] = [];
  const v4 = config.ipv4;
  if (v4 !== undefined) {
    rows.push(["Network", formatCidr(v4.network)], ["SubnetLen", String(v4.subnetLen)], ["SubnetMin", formatIp(v4.subnetMin)], ["SubnetMax", formatIp(v4.subnetMax)]);
    rows.push(["Subnets", `${subnetRangeSize(v4)} of /${v4.subnetLen}`]);
  }
  rows.push(["EnableIPv4", String(v4 !== undefined)]);
  const v6 = config.ipv6;
  rows.push(["EnableIPv6", String(v6 !== undefined)]);
  if (v6 !== undefined) {
    rows.push(["IPv6Network", formatCidr(v6.network)], ["IPv6SubnetLen", String(v6.subnetLen)], ["IPv6SubnetMin", formatIp(v6.subnetMin)], [
      "IPv6SubnetMax",
      formatIp(v6.subnetMax),
    ]);
    rows.push(["IPv6Subnets", `${subnetRangeSize(v6)} of /${v6.subnetLen}`]);
  }
  rows.push(["Backend", writeJson(config.backend.settings)]);
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  return rows.map(([k, v]) => `${`${k}:`.padEnd(width)}${v}\n`).join("");
}
