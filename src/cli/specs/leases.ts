/**
 * `flannel-ts leases`, declared: flags and help.
 *
 * @module
 */
import { defineSpec } from "../command-spec.ts";
import { ETCD_FLAG_KEYS, etcdFlags, jsonFlag } from "../shared-flags.ts";

/** The spec of `flannel-ts leases`. */
export const leasesSpec = defineSpec({
  name: "leases",
  synopsis: "[--json] [etcd flags]",
  description: `Lists the subnet leases under <prefix>/subnets/: subnet, PublicIP, backend,
the TTL left, and whether the lease is a reservation (a key without TTL,
never expires, never given to another host). Keys that cannot be read are
reported on stderr; their subnets stay taken.`,
  flags: {
    json: jsonFlag,
    ...etcdFlags(),
  },
  groups: [{ title: "etcd flags (flanneld's)", flags: [...ETCD_FLAG_KEYS] }],
  footer: `With --json: {"revision", "leases": [...], "unreadable": [...]} on stdout.`,
});
