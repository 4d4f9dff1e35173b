/**
 * `flannel-ts lease acquire`, declared: flags and help.
 *
 * @module
 */
import { DEFAULT_LEASE_TTL_SECONDS } from "../../core/defaults.ts";
import { defineSpec } from "../command-spec.ts";
import { optionalFlag, requiredFlag, valueFlag } from "../flag-spec.ts";
import { flagTypes } from "../flag-types.ts";
import { ETCD_FLAG_KEYS, etcdFlags, ipMasqFlag, jsonFlag, subnetFileFlag } from "../shared-flags.ts";

/** etcd's largest lease TTL (its lessor refuses more: "too large lease TTL"). */
export const ETCD_MAX_LEASE_TTL_SECONDS = 9_000_000_000;

/** The spec of `flannel-ts lease acquire`. */
export const leaseAcquireSpec = defineSpec({
  name: "lease acquire",
  synopsis: "--public-ip IP [--subnet-file FILE] [flags] [etcd flags]",
  description: `Acquires this host's subnet lease, or reuses the one it holds, with
flanneld's policy: the lease already carrying this PublicIP if it still fits
the network config (a reservation stays without TTL); else the subnet of
subnet.env if it is free; else a random free subnet. Then writes subnet.env
as flanneld does, prints the lease and exits. The lease keeps its TTL in
etcd: run the command again before it runs out (or run the agent) to keep it.

subnet.env is checked first (its directory can be made, the file is a
regular file or absent, and can be written): a lease is taken only when it
can be written, and given back when the write fails anyway.`,
  flags: {
    publicIp: requiredFlag("public-ip", { type: flagTypes.unicastIp4, placeholder: "string", help: "this host's IPv4 address that peers reach", env: true }),
    subnetFile: subnetFileFlag,
    ipMasq: ipMasqFlag,
    mtu: optionalFlag("mtu", { type: flagTypes.mtu, help: "FLANNEL_MTU to write", defaultText: "1500 less the backend's encapsulation overhead: 1472 for udp, 1450 for vxlan" }),
    ttl: valueFlag("ttl", {
      type: flagTypes.integer(1, ETCD_MAX_LEASE_TTL_SECONDS, "seconds", "etcd's largest lease TTL"),
      placeholder: "SECONDS",
      default: DEFAULT_LEASE_TTL_SECONDS,
      defaultText: `${DEFAULT_LEASE_TTL_SECONDS}, flanneld's 24 h`,
      help: "lease TTL",
    }),
    json: jsonFlag,
    ...etcdFlags(),
  },
  groups: [{ title: "etcd flags (flanneld's)", flags: [...ETCD_FLAG_KEYS] }],
  footer: `Exit status: 0 with a lease, 1 when none could be had (out of subnets, no
config, etcd unreachable, subnet.env not writable), 2 for bad flags.`,
});
