/**
 * The network settings a flannel lease gives Docker, and merging them into
 * an existing daemon.json: only the keys the lease decides change; every
 * other byte stays; the same lease merged twice changes nothing.
 *
 * @module
 */
import { err, ok, type Result } from "neverthrow";
import { type Cidr4, cidr4, cidrNetwork, formatCidr } from "../subnet/cidr.ts";
import type { AddressPool } from "../subnet/docker-address-pools.ts";
import { type DaemonJson, daemonJsonMember, parseDaemonJson } from "./daemon-json.ts";
import { DEFAULT_JSON_STYLE, formatJsonValue, setJsonMember } from "../json/json-edit.ts";
import { jsonEquals, type JsonValue, jsonValue } from "../json/json-value.ts";

// One of dockerd's `default-address-pools`; the same value subnet uses for Docker's built-in pools.
export type { AddressPool } from "../subnet/docker-address-pools.ts";

/** Every daemon.json key a merge may write (which ones depends on {@link DockerNetworkSettingsOptions}). */
export const MANAGED_DAEMON_JSON_KEYS: readonly string[] = Object.freeze(["bip", "mtu", "ip-masq", "fixed-cidr", "default-address-pools"]);

/** The daemon.json settings flannel-ts manages. */
export interface DockerNetworkSettings {
  /** `bip`: docker0's address with the subnet's length, e.g. 10.5.52.1/24. */
  readonly bip: Cidr4;
  /** `mtu`: the default bridge's MTU. */
  readonly mtu: number;
  /** `ip-masq`, when managed: false when flanneld masquerades. */
  readonly ipMasq?: boolean;
  /** `fixed-cidr`, when managed: where docker0's containers get addresses. */
  readonly fixedCidr?: Cidr4;
  /** `default-address-pools`, when managed. */
  readonly defaultAddressPools?: readonly AddressPool[];
}

/** What a host's lease says about its network (a parsed subnet.env fits). */
export interface LeaseNetwork {
  /** The leased IPv4 subnet, e.g. 10.5.52.0/24. */
  readonly subnet?: Cidr4 | undefined;
  readonly mtu: number;
  /** Whether flanneld masquerades (FLANNEL_IPMASQ). */
  readonly ipMasq: boolean;
}

/** Options of {@link dockerNetworkSettings}: which optional keys to manage. */
export interface DockerNetworkSettingsOptions {
  /** Also set `ip-masq`, to the inverse of the lease's (as mk-docker-opts.sh does). Default false. */
  readonly ipMasq?: boolean;
  /** Also set `fixed-cidr` to the whole leased subnet. Default false. */
  readonly fixedCidr?: boolean;
  /** Also set `default-address-pools` to these. Default: leave the key alone. */
  readonly defaultAddressPools?: readonly AddressPool[];
}

/** Why a lease gives no Docker settings. */
export interface NoIpv4SubnetError {
  readonly kind: "no-ipv4-subnet";
  readonly message: string;
}

/**
 * The daemon.json settings for a lease: `bip` is the subnet's first address
 * with its length (what flanneld writes as FLANNEL_SUBNET), `mtu` the lease's.
 *
 * @param lease the subnet, MTU and masquerading of the lease
 * @param options which optional keys to manage
 * @returns the settings, or an error when the lease has no IPv4 subnet
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ok } from "flannel-ts/core";
 * import { dockerNetworkSettings } from "flannel-ts/dockerconf";
 * import { formatCidr, parseCidr4 } from "flannel-ts/subnet";
 * const settings = dockerNetworkSettings({ subnet: parseCidr4("10.5.52.0/24")._unsafeUnwrap(), mtu: 1472, ipMasq: true });
 * assert.deepEqual(settings.map((s) => [formatCidr(s.bip), s.mtu]), ok(["10.5.52.1/24", 1472]));
 * assert.equal(dockerNetworkSettings({ mtu: 1472, ipMasq: true }).isErr(), true); // no IPv4 subnet
 * ```
 */
export function dockerNetworkSettings(lease: LeaseNetwork, options: DockerNetworkSettingsOptions = {}): Result<DockerNetworkSettings, NoIpv4SubnetError> {
  if (lease.subnet === undefined) {
    return err({ kind: "no-ipv4-subnet", message: "the lease has no IPv4 subnet (IPv6-only flannel); Docker's bip is IPv4, so there is nothing to merge" });
  }
  const network = cidrNetwork(lease.subnet);
  return ok({
    bip: cidr4((network.address + 1) >>> 0, network.prefix),
    mtu: lease.mtu,
    ...(options.ipMasq === true && { ipMasq: !lease.ipMasq }),
    ...(options.fixedCidr === true && { fixedCidr: network }),
    ...(options.defaultAddressPools !== undefined && { defaultAddressPools: options.defaultAddressPools }),
  });
}

/**
 * The daemon.json keys and values of the settings, in the order they are
 * added to a file that lacks them.
 *
 * @param settings the settings
 * @returns `[key, value]` pairs
 */
export function networkSettingsValues(settings: DockerNetworkSettings): [string, JsonValue][] {
  const values: [string, JsonValue][] = [
    ["bip", formatCidr(settings.bip)],
    ["mtu", settings.mtu],
  ];
  if (settings.ipMasq !== undefined) values.push(["ip-masq", settings.ipMasq]);
  if (settings.fixedCidr !== undefined) values.push(["fixed-cidr", formatCidr(settings.fixedCidr)]);
  if (settings.defaultAddressPools !== undefined) {
    values.push(["default-address-pools", settings.defaultAddressPools.map((p) => ({ base: formatCidr(p.base), size: p.size }))]);
  }
  return values;
}

/** One key a merge changed. */
export interface DaemonJsonChange {
  readonly key: string;
  /** The value before (absent when the key was not there). */
  readonly before?: JsonValue;
  readonly after: JsonValue;
}

/** The result of a merge. */
export interface DaemonJsonMerge {
  /** The new text (the old one when nothing changed). */
  readonly text: string;
  readonly changed: boolean;
  readonly changes: readonly DaemonJsonChange[];
}

/**
 * Merges settings into a daemon.json: a key whose value already equals the
 * setting is left as written; a different value is replaced in place; a
 * missing key is added after the last member, in the file's layout. Numbers
 * count as equal only when written as dockerd's integer fields need them
 * (`1450`, not `1450.0`).
 *
 * @param doc the current daemon.json
 * @param settings the settings to merge
 * @returns the new text and what changed
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mergeNetworkSettings, parseDaemonJson } from "flannel-ts/dockerconf";
 * import { parseCidr4 } from "flannel-ts/subnet";
 * const doc = parseDaemonJson('{\n  "debug": true\n}\n')._unsafeUnwrap();
 * assert.equal(
 *   mergeNetworkSettings(doc, { bip: parseCidr4("10.5.52.1/24")._unsafeUnwrap(), mtu: 1472 }).text,
 *   '{\n  "debug": true,\n  "bip": "10.5.52.1/24",\n  "mtu": 1472\n}\n',
 * );
 * ```
 */
export function mergeNetworkSettings(doc: DaemonJson, settings: DockerNetworkSettings): DaemonJsonMerge {
  const wanted = networkSettingsValues(settings);
  const changes: DaemonJsonChange[] = [];
  let current = doc;
  for (const [key, value] of wanted) {
    const member = daemonJsonMember(current, key);
    if (member !== undefined) {
      const before = jsonValue(member.value);
      const same = member.value.type === "number" ? typeof value === "number" && member.value.raw === String(value) : jsonEquals(before, value);
      if (same) continue;
      changes.push({ key, before, after: value });
    } else {
      changes.push({ key, after: value });
    }
    if (current.root === undefined) {
      const object = Object.fromEntries(wanted);
      const text = `${current.document.bom ? "\ufeff" : ""}${formatJsonValue(object, DEFAULT_JSON_STYLE, true)}\n`;
      return { text, changed: true, changes: wanted.map(([k, v]) => ({ key: k, after: v })) };
    }
    // The input was read within its size limit; the edit adds a few bytes, so none is set here.
    const next = parseDaemonJson(setJsonMember(current.document, current.root, key, value), { maxBytes: Number.MAX_SAFE_INTEGER });
    if (next.isErr()) throw new Error(`bug: an edit of daemon.json made invalid JSON: ${next.error.message}`);
    current = next.value;
  }
  return { text: current.document.text, changed: changes.length > 0, changes };
}
