/**
 * flanneld's subnet.env: the file a host's flanneld writes after it got its
 * lease (`/run/flannel/subnet.env`) and that Docker's setup and the CNI
 * plugin read. Format and parse only; the atomic write is
 * `writeSubnetEnvFile` in `flannel-ts/node`.
 *
 * @module
 */
import { err, ok, type Result } from "neverthrow";
import { type Cidr4, cidr4, type Cidr6, cidr6, cidrContains, cidrNetwork, formatCidr, parseCidr } from "../subnet/cidr.ts";
import { quoteExcerpt } from "../text/quote-excerpt.ts";
import { type DotenvEntry, type DotenvError, parseDotenv, type ParseDotenvOptions } from "./subnet-env-dotenv.ts";

/**
 * What subnet.env says. `subnet` and `ipv6Subnet` are the leased subnets
 * (network form, e.g. 10.5.52.0/24); the file names them by their first
 * address (FLANNEL_SUBNET=10.5.52.1/24). A host with IPv4 off has no
 * `network`/`subnet`; one with IPv6 off has no `ipv6Network`/`ipv6Subnet`.
 */
export interface SubnetEnv {
  /** FLANNEL_NETWORK: the whole flannel network, e.g. 10.5.0.0/16. */
  readonly network?: Cidr4;
  /** The leased IPv4 subnet, e.g. 10.5.52.0/24 (written as FLANNEL_SUBNET=10.5.52.1/24). */
  readonly subnet?: Cidr4;
  /** FLANNEL_IPV6_NETWORK. */
  readonly ipv6Network?: Cidr6;
  /** The leased IPv6 subnet (written as FLANNEL_IPV6_SUBNET, its first address). */
  readonly ipv6Subnet?: Cidr6;
  /** FLANNEL_MTU: the MTU containers on this host should use. */
  readonly mtu: number;
  /** FLANNEL_IPMASQ: whether flanneld masquerades traffic leaving the flannel network. */
  readonly ipMasq: boolean;
  /**
   * Statements with other keys, in file order. {@link parseSubnetEnv} keeps
   * them; {@link formatSubnetEnv} writes them only with `extra: "keep"`.
   */
  readonly extra?: readonly DotenvEntry[];
}

/**
 * Why a text (or a value) is not a subnet.env flannel-ts accepts. Every kind
 * with an input position names its line; the checks of
 * {@link checkSubnetEnv} name one when the value came from a file.
 */
export type SubnetEnvError =
  | DotenvError
  | {
    readonly kind: "invalid-value";
    readonly key: string;
    readonly value: string;
    readonly line: number;
    readonly message: string;
  }
  | { readonly kind: "duplicate-key"; readonly key: string; readonly line: number; readonly firstLine: number; readonly message: string }
  | { readonly kind: "missing-key"; readonly key: string; readonly message: string }
  | SubnetEnvCheckError;

/** What {@link checkSubnetEnv} finds wrong in values that each parse. */
export interface SubnetEnvCheckError {
  readonly kind:
    /** FLANNEL_NETWORK (or FLANNEL_IPV6_NETWORK) is 0.0.0.0/0 (::/0): an overlay of every address. */
    | "whole-address-space"
    /** The subnet is not inside its network. */
    | "subnet-outside-network"
    /** FLANNEL_MTU is not a whole number from 68 to 65535. */
    | "mtu-out-of-range"
    /** FLANNEL_MTU is below 1280, IPv6's minimum, with an IPv6 subnet. */
    | "mtu-too-small-for-ipv6"
    /** A subnet without its network, or a network without its subnet. */
    | "incomplete";
  readonly key: string;
  readonly value: string;
  /** The line of `key` when the values came from a file. */
  readonly line?: number;
  readonly message: string;
}

/** The smallest FLANNEL_MTU: IPv4's minimum link MTU. */
export const SUBNET_ENV_MIN_MTU = 68;
/** The largest FLANNEL_MTU: the largest IPv4 packet. */
export const SUBNET_ENV_MAX_MTU = 65535;
/** The smallest FLANNEL_MTU when the host has an IPv6 subnet: IPv6's minimum link MTU. */
export const SUBNET_ENV_MIN_IPV6_MTU = 1280;

/** The keys flanneld writes, in its order. */
export const SUBNET_ENV_KEYS = [
  "FLANNEL_NETWORK",
  "FLANNEL_SUBNET",
  "FLANNEL_IPV6_NETWORK",
  "FLANNEL_IPV6_SUBNET",
  "FLANNEL_MTU",
  "FLANNEL_IPMASQ",
] as const;

/**
 * The first address of a subnet with the subnet's length, as flanneld puts
 * it in FLANNEL_SUBNET and as Docker's `bip` wants it (the bridge's own
 * address): 10.5.52.0/24 gives 10.5.52.1/24. flanneld adds one to the
 * subnet's address; this helper lives here rather than in src/subnet
 * because only subnet.env and Docker's options need it.
 *
 * @param subnet a leased subnet
 * @returns the subnet's network address plus one, same prefix
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { subnetGateway } from "flannel-ts/flannel";
 * import { formatCidr, parseCidr4 } from "flannel-ts/subnet";
 * assert.equal(formatCidr(subnetGateway(parseCidr4("10.5.52.0/24")._unsafeUnwrap())), "10.5.52.1/24");
 * ```
 */
export function subnetGateway(subnet: Cidr4): Cidr4;
export function subnetGateway(subnet: Cidr6): Cidr6;
export function subnetGateway(subnet: Cidr4 | Cidr6): Cidr4 | Cidr6;
export function subnetGateway(subnet: Cidr4 | Cidr6): Cidr4 | Cidr6 {
  const network = cidrNetwork(subnet);
  if (network.family === 4) return cidr4((network.address + 1) >>> 0, network.prefix);
  return cidr6(network.address + 1n, network.prefix);
}

/** Options of {@link formatSubnetEnv}. */
export interface FormatSubnetEnvOptions {
  /** `"drop"` (default) writes exactly flanneld's keys; `"keep"` appends `env.extra` as `KEY=value` lines. */
  readonly extra?: "drop" | "keep";
}

const plainValue = /^[A-Za-z0-9_./:,@%+=-]*$/;

function formatExtra(entry: DotenvEntry): string {
  if (plainValue.test(entry.value)) return `${entry.key}=${entry.value}\n`;
  if (!entry.value.includes("'")) return `${entry.key}='${entry.value}'\n`;
  const escaped = entry.value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\r/g, "\\r").replace(/\$/g, "\\$");
  return `${entry.key}="${escaped}"\n`;
}

/**
 * Writes subnet.env exactly as flanneld does: FLANNEL_NETWORK and
 * FLANNEL_SUBNET when IPv4 is on, FLANNEL_IPV6_NETWORK and
 * FLANNEL_IPV6_SUBNET when IPv6 is on, then FLANNEL_MTU and FLANNEL_IPMASQ,
 * one `KEY=value` per line, no quotes, a newline after each.
 *
 * @param env the values; `subnet` may be given in network form or as its first address
 * @param options whether to append `env.extra`
 * @returns the file's text
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatSubnetEnv } from "flannel-ts/flannel";
 * import { parseCidr4 } from "flannel-ts/subnet";
 * const text = formatSubnetEnv({
 *   network: parseCidr4("10.5.0.0/16")._unsafeUnwrap(),
 *   subnet: parseCidr4("10.5.52.0/24")._unsafeUnwrap(),
 *   mtu: 1472,
 *   ipMasq: true,
 * });
 * assert.equal(text, "FLANNEL_NETWORK=10.5.0.0/16\nFLANNEL_SUBNET=10.5.52.1/24\nFLANNEL_MTU=1472\nFLANNEL_IPMASQ=true\n");
 * ```
 */
export function formatSubnetEnv(env: SubnetEnv, options: FormatSubnetEnvOptions = {}): string {
  let out = "";
  if (env.network !== undefined && env.subnet !== undefined) {
    out += `FLANNEL_NETWORK=${formatCidr(env.network)}\nFLANNEL_SUBNET=${formatCidr(subnetGateway(env.subnet))}\n`;
  }
  if (env.ipv6Network !== undefined && env.ipv6Subnet !== undefined) {
    out += `FLANNEL_IPV6_NETWORK=${formatCidr(env.ipv6Network)}\nFLANNEL_IPV6_SUBNET=${formatCidr(subnetGateway(env.ipv6Subnet))}\n`;
  }
  out += `FLANNEL_MTU=${env.mtu}\nFLANNEL_IPMASQ=${env.ipMasq}\n`;
  if (options.extra === "keep") { for (const entry of env.extra ?? []) out += formatExtra(entry); }
  return out;
}

type Parsed = {
  network?: Cidr4;
  subnet?: Cidr4;
  ipv6Network?: Cidr6;
  ipv6Subnet?: Cidr6;
  mtu?: number;
  ipMasq?: boolean;
};

function invalid(entry: DotenvEntry, why: string, fix: string): SubnetEnvError {
  return {
    kind: "invalid-value",
    key: entry.key,
    value: entry.value,
    line: entry.line,
    message: `line ${entry.line}: ${entry.key}=${quoteExcerpt(entry.value)} ${why}; ${fix}`,
  };
}

function readCidr(entry: DotenvEntry, family: 4 | 6): Result<Cidr4 | Cidr6, SubnetEnvError> {
  const example = family === 4 ? "10.5.0.0/16" : "fc00::/48";
  const parsed = parseCidr(entry.value);
  if (parsed.isErr()) return err(invalid(entry, `is not a CIDR (${parsed.error.reason})`, `write an IPv${family} address with a prefix length, e.g. ${example}`));
  if (parsed.value.family !== family) return err(invalid(entry, `is an IPv${parsed.value.family} CIDR`, `write an IPv${family} one, e.g. ${example}`));
  return ok(parsed.value);
}

function readValue(entry: DotenvEntry, into: Parsed): Result<void, SubnetEnvError> {
  switch (entry.key) {
    case "FLANNEL_NETWORK":
      return readCidr(entry, 4).map((c) => void (into.network = c as Cidr4));
    case "FLANNEL_SUBNET":
      return readCidr(entry, 4).map((c) => void (into.subnet = cidrNetwork(c as Cidr4)));
    case "FLANNEL_IPV6_NETWORK":
      return readCidr(entry, 6).map((c) => void (into.ipv6Network = c as Cidr6));
    case "FLANNEL_IPV6_SUBNET":
      return readCidr(entry, 6).map((c) => void (into.ipv6Subnet = cidrNetwork(c as Cidr6)));
    case "FLANNEL_MTU": {
      const fix = `write a whole number from ${SUBNET_ENV_MIN_MTU} to ${SUBNET_ENV_MAX_MTU}, e.g. 1472`;
      if (!/^[1-9][0-9]{0,4}$/.test(entry.value)) return err(invalid(entry, "is not a decimal MTU", fix));
      const mtu = Number(entry.value);
      if (mtu < SUBNET_ENV_MIN_MTU || mtu > SUBNET_ENV_MAX_MTU) return err(invalid(entry, "is out of range", fix));
      into.mtu = mtu;
      return ok(undefined);
    }
    case "FLANNEL_IPMASQ":
      if (entry.value !== "true" && entry.value !== "false") return err(invalid(entry, "is not a boolean", "write true or false"));
      into.ipMasq = entry.value === "true";
      return ok(undefined);
    default:
      return ok(undefined);
  }
}

function missing(key: string, why: string): SubnetEnvError {
  return { kind: "missing-key", key, message: `${key} is missing: ${why}` };
}

/**
 * Reads subnet.env in the forms flanneld's reader accepts (comments, blank
 * lines, `export `, quoted values; see {@link parseDotenv}) and checks every
 * FLANNEL_* value strictly: a bad CIDR, MTU or boolean, a FLANNEL_* key set
 * twice, or a missing one is an error that names its line. Other keys are
 * kept in `extra`. The leased subnet is recovered from FLANNEL_SUBNET
 * (10.5.52.1/24 gives 10.5.52.0/24), so a restarting host can ask for it again.
 *
 * @param text the file's text
 * @param options where `$VAR` may also be looked up
 * @returns the values, or a {@link SubnetEnvError}
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ok } from "flannel-ts/core";
 * import { parseSubnetEnv } from "flannel-ts/flannel";
 * import { formatCidr } from "flannel-ts/subnet";
 * const text = "FLANNEL_NETWORK=10.5.0.0/16\nFLANNEL_SUBNET=10.5.52.1/24\nFLANNEL_MTU=1472\nFLANNEL_IPMASQ=true\n";
 * assert.deepEqual(parseSubnetEnv(text).map((e) => e.subnet && formatCidr(e.subnet)), ok("10.5.52.0/24"));
 * const big = parseSubnetEnv("FLANNEL_MTU=big\n");
 * assert.match(big.isErr() ? big.error.message : "", /FLANNEL_MTU="big" is not a decimal MTU/);
 * ```
 */
export function parseSubnetEnv(text: string, options: ParseDotenvOptions = {}): Result<SubnetEnv, SubnetEnvError> {
  const entries = parseDotenv(text, options);
  if (entries.isErr()) return err(entries.error);
  const parsed: Parsed = {};
  const seen = new Map<string, number>();
  const extra: DotenvEntry[] = [];
  for (const entry of entries.value) {
    if (!(SUBNET_ENV_KEYS as readonly string[]).includes(entry.key)) {
      extra.push(entry);
      continue;
    }
    const first = seen.get(entry.key);
    if (first !== undefined) {
      return err({
        kind: "duplicate-key",
        key: entry.key,
        line: entry.line,
        firstLine: first,
        message: `line ${entry.line}: ${entry.key} is set again (first on line ${first}); keep one`,
      });
    }
    seen.set(entry.key, entry.line);
    const read = readValue(entry, parsed);
    if (read.isErr()) return err(read.error);
  }
  const pair = (a: string, b: string, hasA: boolean, hasB: boolean): SubnetEnvError | undefined =>
    hasA && !hasB ? missing(b, `${a} is set, and flanneld writes both`) : !hasA && hasB ? missing(a, `${b} is set, and flanneld writes both`) : undefined;
  const problem = pair("FLANNEL_NETWORK", "FLANNEL_SUBNET", parsed.network !== undefined, parsed.subnet !== undefined) ??
    pair("FLANNEL_IPV6_NETWORK", "FLANNEL_IPV6_SUBNET", parsed.ipv6Network !== undefined, parsed.ipv6Subnet !== undefined) ??
    (parsed.subnet === undefined && parsed.ipv6Subnet === undefined
      ? missing("FLANNEL_SUBNET", "the file names no subnet (neither FLANNEL_SUBNET nor FLANNEL_IPV6_SUBNET)")
      : undefined) ??
    (parsed.mtu === undefined ? missing("FLANNEL_MTU", "flanneld always writes it") : undefined) ??
    (parsed.ipMasq === undefined ? missing("FLANNEL_IPMASQ", "flanneld always writes it") : undefined);
  if (problem !== undefined) return err(problem);
  const checked = checkSubnetEnv(parsed as SubnetEnv, seen);
  if (checked.isErr()) return err(checked.error);
  const env: SubnetEnv = {
    ...(parsed.network !== undefined && { network: parsed.network }),
    ...(parsed.subnet !== undefined && { subnet: parsed.subnet }),
    ...(parsed.ipv6Network !== undefined && { ipv6Network: parsed.ipv6Network }),
    ...(parsed.ipv6Subnet !== undefined && { ipv6Subnet: parsed.ipv6Subnet }),
    mtu: parsed.mtu ?? 0,
    ipMasq: parsed.ipMasq ?? false,
    extra,
  };
  return ok(env);
}

/**
 * Checks that subnet.env's values make sense together, before anything is
 * written or done with them: neither network is the whole address space,
 * each subnet is inside its network and comes with it, and FLANNEL_MTU is a
 * whole number from 68 to 65535 (1280 or more with an IPv6 subnet, IPv6's
 * minimum). {@link parseSubnetEnv} applies it to what it reads; a writer
 * applies it to what it is about to write.
 *
 * @param env the values
 * @param lines the line of each key, when the values came from a file
 * @returns the same values, or the first problem
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCidr4 } from "flannel-ts/subnet";
 * import { checkSubnetEnv } from "flannel-ts/flannel";
 * const network = parseCidr4("10.5.0.0/16")._unsafeUnwrap();
 * const outside = checkSubnetEnv({ network, subnet: parseCidr4("10.6.1.0/24")._unsafeUnwrap(), mtu: 1472, ipMasq: false });
 * assert.equal(outside.isErr() && outside.error.kind, "subnet-outside-network");
 * const tiny = checkSubnetEnv({ network, subnet: parseCidr4("10.5.1.0/24")._unsafeUnwrap(), mtu: 1, ipMasq: false });
 * assert.equal(tiny.isErr() && tiny.error.message, "FLANNEL_MTU=1 is outside 68..65535: give the MTU of the overlay, e.g. 1472");
 * ```
 */
export function checkSubnetEnv(env: SubnetEnv, lines: ReadonlyMap<string, number> = new Map()): Result<SubnetEnv, SubnetEnvCheckError> {
  const problem = (kind: SubnetEnvCheckError["kind"], key: string, value: string, message: string): Result<SubnetEnv, SubnetEnvCheckError> => {
    const line = lines.get(key);
    return err({ kind, key, value, ...(line === undefined ? {} : { line }), message: `${line === undefined ? "" : `line ${line}: `}${key}=${value} ${message}` });
  };
  const families = [
    { network: env.network, subnet: env.subnet, keys: ["FLANNEL_NETWORK", "FLANNEL_SUBNET"], example: "10.5.0.0/16" },
    { network: env.ipv6Network, subnet: env.ipv6Subnet, keys: ["FLANNEL_IPV6_NETWORK", "FLANNEL_IPV6_SUBNET"], example: "fd00:5::/48" },
  ] as const;
  for (const { network, subnet, keys, example } of families) {
    const [networkKey, subnetKey] = keys;
    if (network === undefined && subnet !== undefined) {
      return problem("incomplete", subnetKey, formatCidr(subnetGateway(subnet)), `comes without ${networkKey}: flanneld writes both`);
    }
    if (network === undefined || subnet === undefined) {
      if (network !== undefined) return problem("incomplete", networkKey, formatCidr(network), `comes without ${subnetKey}: flanneld writes both`);
      continue;
    }
    if (network.prefix === 0) {
      return problem(
        "whole-address-space",
        networkKey,
        formatCidr(network),
        `is the whole address space: an overlay of every address would take the host's default route; give the flannel network, e.g. ${example}`,
      );
    }
    if (subnet.family !== network.family || !cidrContains(network, subnet)) {
      return problem(
        "subnet-outside-network",
        subnetKey,
        formatCidr(subnetGateway(subnet)),
        `is not inside ${networkKey}=${formatCidr(network)}: a host's subnet is a part of the flannel network`,
      );
    }
  }
  if (!Number.isInteger(env.mtu) || env.mtu < SUBNET_ENV_MIN_MTU || env.mtu > SUBNET_ENV_MAX_MTU) {
    return problem("mtu-out-of-range", "FLANNEL_MTU", String(env.mtu), `is outside ${SUBNET_ENV_MIN_MTU}..${SUBNET_ENV_MAX_MTU}: give the MTU of the overlay, e.g. 1472`);
  }
  if (env.ipv6Subnet !== undefined && env.mtu < SUBNET_ENV_MIN_IPV6_MTU) {
    return problem(
      "mtu-too-small-for-ipv6",
      "FLANNEL_MTU",
      String(env.mtu),
      `is below ${SUBNET_ENV_MIN_IPV6_MTU}, IPv6's minimum, and the host has an IPv6 subnet: the kernel turns IPv6 off on such a link`,
    );
  }
  return ok(env);
}

/**
 * The shell variables subnet.env defines, as `mk-docker-opts.sh` sees them
 * after sourcing the file flanneld wrote (flanneld's keys with their written
 * values, then `extra`, a later key replacing an earlier one).
 *
 * @param env the values
 * @returns e.g. `{ FLANNEL_NETWORK: "10.5.0.0/16", FLANNEL_SUBNET: "10.5.52.1/24", FLANNEL_MTU: "1472", FLANNEL_IPMASQ: "true" }`
 */
export function subnetEnvVariables(env: SubnetEnv): Record<string, string> {
  const vars: Record<string, string> = {};
  if (env.network !== undefined && env.subnet !== undefined) {
    vars["FLANNEL_NETWORK"] = formatCidr(env.network);
    vars["FLANNEL_SUBNET"] = formatCidr(subnetGateway(env.subnet));
  }
  if (env.ipv6Network !== undefined && env.ipv6Subnet !== undefined) {
    vars["FLANNEL_IPV6_NETWORK"] = formatCidr(env.ipv6Network);
    vars["FLANNEL_IPV6_SUBNET"] = formatCidr(subnetGateway(env.ipv6Subnet));
  }
  vars["FLANNEL_MTU"] = String(env.mtu);
  vars["FLANNEL_IPMASQ"] = String(env.ipMasq);
  for (const entry of env.extra ?? []) vars[entry.key] = entry.value;
  return vars;
}
