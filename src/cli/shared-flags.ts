/**
 * The flags several commands share, defined once: flanneld's names,
 * defaults, help and `FLANNELD_*` variables where flanneld has the flag
 * (the etcd group, `--subnet-file`, `--public-ip`, `--ip-masq`), and ours
 * (`--json`). Pure.
 *
 * @module
 */
import { DEFAULT_ETCD_ENDPOINTS, DEFAULT_ETCD_PREFIX, DEFAULT_SUBNET_FILE } from "../core/defaults.ts";
import type { Ip4, Ip6 } from "../subnet/ip.ts";
import { boolFlag, type FlagSpec, optionalFlag, valueFlag } from "./flag-spec.ts";
import { flagTypes } from "./flag-types.ts";

/** The etcd flags, keyed as commands read them. */
export interface EtcdFlags {
  readonly etcdEndpoints: FlagSpec<readonly string[]>;
  readonly etcdPrefix: FlagSpec<string>;
  readonly etcdKeyfile: FlagSpec<string | undefined>;
  readonly etcdCertfile: FlagSpec<string | undefined>;
  readonly etcdCafile: FlagSpec<string | undefined>;
  readonly etcdUsername: FlagSpec<string | undefined>;
  readonly etcdPassword: FlagSpec<string | undefined>;
}

/** The keys of {@link EtcdFlags}, in flanneld's order, for a help group. */
export const ETCD_FLAG_KEYS = ["etcdEndpoints", "etcdPrefix", "etcdKeyfile", "etcdCertfile", "etcdCafile", "etcdUsername", "etcdPassword"] as const;

/**
 * flanneld's etcd flags.
 *
 * @param options `env: false` to ignore FLANNELD_* (the demo); `prefix`: another default prefix
 * @returns the seven flags
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { etcdFlags } from "./shared-flags.ts";
 * const flags = etcdFlags();
 * assert.equal(flags.etcdPrefix.defaultText, '"/coreos.com/network"');
 * ```
 */
export function etcdFlags(options: { readonly env?: boolean; readonly prefix?: string } = {}): EtcdFlags {
  const env = options.env ?? true;
  const file = (name: string, help: string) => optionalFlag(name, { type: flagTypes.orNone(flagTypes.path), placeholder: "string", help, env, defaultText: "none" });
  return {
    etcdEndpoints: valueFlag("etcd-endpoints", {
      type: flagTypes.etcdEndpoints,
      default: DEFAULT_ETCD_ENDPOINTS,
      defaultText: JSON.stringify(DEFAULT_ETCD_ENDPOINTS.join(",")),
      help: "etcd client URLs, separated by commas",
      env,
    }),
    etcdPrefix: valueFlag("etcd-prefix", {
      type: flagTypes.etcdPrefix,
      default: options.prefix ?? DEFAULT_ETCD_PREFIX,
      help: "key prefix under which the config and the leases live",
      env,
    }),
    etcdKeyfile: file("etcd-keyfile", "private key of the TLS client certificate for etcd"),
    etcdCertfile: file("etcd-certfile", "TLS client certificate presented to etcd"),
    etcdCafile: file("etcd-cafile", "CA certificate that etcd's server certificate must chain to"),
    etcdUsername: optionalFlag("etcd-username", { type: flagTypes.orNone(flagTypes.text), help: "etcd user name (etcd's own authentication)", env, defaultText: "none" }),
    etcdPassword: optionalFlag("etcd-password", { type: flagTypes.orNone(flagTypes.text), help: "password of that etcd user", env, secret: true, defaultText: "none" }),
  };
}

/** flanneld's `--subnet-file`. */
export const subnetFileFlag: FlagSpec<string> = valueFlag("subnet-file", {
  type: flagTypes.path,
  placeholder: "string",
  default: DEFAULT_SUBNET_FILE,
  help: "where the lease is written for Docker and scripts (FLANNEL_SUBNET, FLANNEL_MTU, ...)",
  env: true,
});

/** flanneld's `--ip-masq`. */
export const ipMasqFlag: FlagSpec<boolean> = boolFlag("ip-masq", { help: "masquerade traffic that leaves the flannel network for elsewhere", env: true });

/** flanneld's `--public-ip`, where it may be left out (the agent then takes the interface's address). */
export const publicIpFlag: FlagSpec<Ip4 | undefined> = optionalFlag("public-ip", {
  type: flagTypes.orNone(flagTypes.unicastIp4),
  placeholder: "string",
  help: "address the other hosts send to, when it is not the interface's own (NAT)",
  env: true,
  defaultText: "none",
});

/** flanneld's `--public-ipv6`, the IPv6 counterpart of {@link publicIpFlag} for dual-stack networks. */
export const publicIpv6Flag: FlagSpec<Ip6 | undefined> = optionalFlag("public-ipv6", {
  type: flagTypes.orNone(flagTypes.unicastIp6),
  placeholder: "string",
  help: "IPv6 address the other hosts send to (dual-stack networks), when it is not the interface's own",
  env: true,
  defaultText: "none",
});

/** `--json`: output as JSON, and errors as JSON objects on stderr. */
export const jsonFlag: FlagSpec<boolean> = boolFlag("json", { help: "print JSON on stdout; errors and warnings too, one object per line on stderr" });
