/**
 * `flannel-ts config get`, declared: flags and help.
 *
 * @module
 */
import { defineSpec } from "../command-spec.ts";
import { boolFlag, withFlag } from "../flag-spec.ts";
import { ETCD_FLAG_KEYS, etcdFlags, jsonFlag } from "../shared-flags.ts";

/** The spec of `flannel-ts config get`. */
export const configGetSpec = defineSpec({
  name: "config get",
  synopsis: "[--check | --json] [etcd flags]",
  description: "Prints the network config stored at <prefix>/config, as stored.",
  flags: {
    check: boolFlag("check", { help: "check it as flanneld would and print it with the defaults filled in" }),
    json: withFlag(jsonFlag, { help: `like --check, as JSON with flannel's field names; errors and warnings as JSON too, one object per line on stderr` }),
    ...etcdFlags(),
  },
  groups: [{ title: "etcd flags (flanneld's)", flags: [...ETCD_FLAG_KEYS] }],
});
