/**
 * `flannel-ts demo`, declared: flags and help. The demo reads no FLANNELD_*
 * variables: it must not join a real flannel network by accident.
 *
 * @module
 */
import { err, ok } from "neverthrow";
import { SUPPORTED_BACKENDS } from "../../backend/backend.ts";
import type { DemoBackend } from "../../demo/run-demo.ts";
import { defineSpec } from "../command-spec.ts";
import { boolFlag, optionalFlag, valueFlag, whenGiven, withFlag } from "../flag-spec.ts";
import { flagTypes } from "../flag-types.ts";
import { ETCD_FLAG_KEYS, etcdFlags } from "../shared-flags.ts";

/** The etcd prefix the demo uses (the seed's). */
export const DEMO_PREFIX = "/atomic.io/network";

const etcd = etcdFlags({ env: false, prefix: DEMO_PREFIX });

/** The spec of `flannel-ts demo`. */
export const demoSpec = defineSpec({
  name: "demo",
  synopsis: "[--count N] [--seed N] [--interval MS] [--netns [--backend udp|vxlan|host-gw]] [--etcd-endpoints URLS [--etcd-prefix PATH] ...]",
  description: `flannel's main job on one machine, without root: two simulated hosts run the
agent on one store, lease subnets of 172.20.0.0/16, show the subnet.env and
the daemon.json they would write, and ping from a container on each host to
the other's through their UDP engines, over real UDP sockets on 127.0.0.1 and
127.0.0.2. Nothing is written to disk; the leases are released at the end.
As root, --netns builds the hosts out of network namespaces instead, and
--backend vxlan or host-gw has the kernel carry the pings.

The demo reads only its flags, never FLANNELD_* variables: it must not join a
real flannel network by accident. Its output is a transcript; it has no --json.`,
  flags: {
    count: valueFlag("count", { type: flagTypes.integer(1, 100), placeholder: "N", default: 3, help: "echo requests each way" }),
    seed: optionalFlag("seed", {
      type: flagTypes.integer(0, 0xffffffff),
      placeholder: "N",
      help: "pick the subnets with a seeded random source: the same leases on every run on an empty store",
      defaultText: "random",
    }),
    interval: valueFlag("interval", { type: flagTypes.integer(0, 10_000, "milliseconds"), placeholder: "MS", default: 200, help: "milliseconds between two echo requests" }),
    netns: boolFlag("netns", {
      help:
        "as root: each host in a network namespace (veth pair with 192.0.2.1 and 192.0.2.2), its data path a flannel-ts udp process with a TUN device (or the kernel's, with --backend), docker0 with the lease's bip and a container namespace behind it; the kernel's ping between the containers; all removed at the end. Needs iproute2 and ping.",
    }),
    backend: valueFlag<DemoBackend>("backend", {
      type: flagTypes.choice(SUPPORTED_BACKENDS),
      default: "udp",
      help:
        "the network config's Backend. vxlan and host-gw need --netns: the agents program the kernel in each host's namespace (a VXLAN device flannel.1 with the peer's route, neighbour and FDB entry; or a route via the peer's address), and the kernel carries the pings",
    }),
    ...etcd,
    etcdEndpoints: withFlag(whenGiven(etcd.etcdEndpoints), { help: "use etcd (comma-separated client URLs) instead of the in-memory store", defaultText: "the in-memory store" }),
    etcdPrefix: withFlag(whenGiven(etcd.etcdPrefix), { help: "key prefix in etcd; it must hold no config or the same network config" }),
  },
  groups: [{ title: "etcd flags (flanneld's, without FLANNELD_* variables)", flags: [...ETCD_FLAG_KEYS] }],
  footer: `Exit status: 0 when every echo request got its reply, 1 otherwise, 2 for a
usage error; with --netns 130 after SIGINT and 143 after SIGTERM (after
cleaning up).`,
  check: (values) => {
    if (values.backend !== "udp" && !values.netns) {
      return err({
        kind: "conflict",
        flag: "--backend",
        message: `--backend ${values.backend} needs --netns: the kernel's ${values.backend} backend needs namespaces and root; without --netns the demo runs on udp`,
      });
    }
    if (values.etcdEndpoints !== undefined) return ok(undefined);
    const names = {
      etcdPrefix: "etcd-prefix",
      etcdKeyfile: "etcd-keyfile",
      etcdCertfile: "etcd-certfile",
      etcdCafile: "etcd-cafile",
      etcdUsername: "etcd-username",
      etcdPassword: "etcd-password",
    } as const;
    const stray = (Object.keys(names) as (keyof typeof names)[]).find((key) => values[key] !== undefined);
    if (stray === undefined) return ok(undefined);
    return err({ kind: "conflict", flag: `--${names[stray]}`, message: `--${names[stray]} needs --etcd-endpoints: without it the demo uses its in-memory store` });
  },
});
