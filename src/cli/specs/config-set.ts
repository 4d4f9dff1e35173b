/**
 * `flannel-ts config set`, declared: flags and help.
 *
 * @module
 */
import { defineSpec } from "../command-spec.ts";
import { boolFlag } from "../flag-spec.ts";
import { ETCD_FLAG_KEYS, etcdFlags, jsonFlag } from "../shared-flags.ts";
import { CONFIG_ARGUMENT } from "./config-arg.ts";

/** The spec of `flannel-ts config set`. */
export const configSetSpec = defineSpec({
  name: "config set",
  synopsis: "<json | @file> [--force] [--json] [etcd flags]",
  description: `Writes the network config to <prefix>/config (flanneld reads it from there),
exactly as given, after checking it the way flanneld does. An existing config
is left alone unless --force is given. The seed's
  etcdctl mk /atomic.io/network/config '{"Network":"172.20.0.0/16"}'
is
  flannel-ts config set --etcd-prefix /atomic.io/network '{"Network":"172.20.0.0/16"}'`,
  positionals: CONFIG_ARGUMENT,
  flags: {
    force: boolFlag("force", { help: "replace an existing config" }),
    json: jsonFlag,
    ...etcdFlags(),
  },
  groups: [{ title: "etcd flags (flanneld's)", flags: [...ETCD_FLAG_KEYS] }],
});
