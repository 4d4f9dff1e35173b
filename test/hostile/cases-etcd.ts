/**
 * Hostile endpoints and hostile etcd contents for the etcd commands: an
 * etcd that is not there (a closed loopback port), servers that are not
 * etcd (plain TCP that answers junk, HTTP/1.1), TLS against a plain etcd,
 * and a real etcd holding hostile keys and values (garbage, deep JSON,
 * control characters, huge and non-UTF-8 values, bad configs). Every run
 * ends within its bound with the documented code and changes nothing in
 * etcd (the suite compares every key, value and revision, and the leases).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CaseContext, HostileCase } from "./harness.ts";
import { makeSpecial } from "./special-files.ts";

/** Keys and values the suite puts into etcd before the cases run. */
export const HOSTILE_ETCD_CONTENT: readonly (readonly [string, string | Uint8Array])[] = [
  ["/hostile/network/config", '{"Network":"10.5.0.0/16"}'],
  ["/hostile/network/subnets/10.5.1.0-24", "not json"],
  ["/hostile-deep-lease/network/config", '{"Network":"10.5.0.0/16"}'],
  ["/hostile-deep-lease/network/subnets/10.5.2.0-24", `{"PublicIP":"192.0.2.2","BackendData":${"[".repeat(7_000)}${"]".repeat(7_000)}}`],
  ["/hostile/network/subnets/10.5.3.0-24", '{"PublicIP":"192.0.2.3","BackendType":"\\u001b[31mred\\u0007"}'],
  ["/hostile/network/subnets/10.5.4.0-24\u001b[2J", '{"PublicIP":"192.0.2.4"}'],
  ["/hostile/network/subnets/10.5.5.0-24", `{"PublicIP":"192.0.2.5","x":"${"a".repeat(1024 * 1024)}"}`],
  ["/hostile/network/subnets/10.5.6.0-24", new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])],
  ["/hostile/network/subnets/10.5.7.0-24", '{"PublicIP":"0.0.0.0"}'],
  ["/hostile/network/subnets/10.5.8.0-24", '{"PublicIP":"192.0.2.8","PublicIP":"192.0.2.9"}'],
  ["/hostile/network/subnets/not-a-key", '{"PublicIP":"192.0.2.10"}'],
  ["/hostile/network/subnets/10.5.0.0-33", '{"PublicIP":"192.0.2.11"}'],
  ["/hostile-deep/network/config", "[".repeat(100_000)],
  ["/hostile-zero/network/config", '{"Network":"0.0.0.0/0"}'],
  ["/hostile-port/network/config", '{"Network":"10.5.0.0/16","Backend":{"Type":"udp","Port":70000}}'],
  ["/hostile-binary/network/config", "\u0000\u0001\u0002"],
];

const ETCD_COMMANDS: readonly (readonly [string, (ctx: CaseContext) => readonly string[]])[] = [
  ["leases", () => ["leases"]],
  ["config get", () => ["config", "get"]],
  ["config set", () => ["config", "set", '{"Network":"10.5.0.0/16"}']],
  ["lease acquire", (ctx) => ["lease", "acquire", "--public-ip", "192.0.2.1", "--subnet-file", join(ctx.dir, "subnet.env")]],
];

const cases: HostileCase[] = [];

const endpoints: readonly (readonly [string, (ctx: CaseContext) => string])[] = [
  ["an etcd that is not there (closed port)", (ctx) => `http://127.0.0.1:${ctx.closedPort ?? 9}`],
  ["a TCP server that answers junk", (ctx) => `http://127.0.0.1:${ctx.tcpPort ?? 9}`],
  ["an HTTP/1.1 server", (ctx) => `http://127.0.0.1:${ctx.httpPort ?? 9}`],
  ["https:// to a plain etcd", (ctx) => (ctx.etcd ?? "").replace(/^http:/, "https:")],
];
for (const [what, endpoint] of endpoints) {
  for (const [command, argv] of ETCD_COMMANDS) {
    cases.push({
      name: `${command} against ${what}`,
      argv: (ctx) => [...argv(ctx), "--etcd-endpoints", endpoint(ctx), "--etcd-prefix", "/hostile/network"],
      code: 1,
      message: new RegExp(`^flannel-ts ${command}: etcd`),
      timeoutMs: 45_000,
    });
  }
  cases.push({
    name: `leases --json against ${what}`,
    argv: (ctx) => ["leases", "--json", "--etcd-endpoints", endpoint(ctx)],
    code: 1,
    message: /^etcd/,
    timeoutMs: 45_000,
  });
  cases.push({
    name: `demo against ${what}`,
    argv: (ctx) => ["demo", "--count", "1", "--etcd-endpoints", endpoint(ctx), "--etcd-prefix", "/hostile-demo/network"],
    code: 1,
    message: /^flannel-ts demo: /,
    timeoutMs: 45_000,
  });
}
cases.push({
  name: "variables point at an etcd that is not there",
  argv: () => ["leases"],
  env: (ctx) => ({ FLANNELD_ETCD_ENDPOINTS: `http://127.0.0.1:${ctx.closedPort ?? 9}`, FLANNELD_ETCD_PREFIX: "/hostile/network" }),
  code: 1,
  message: /^flannel-ts leases: etcd/,
  timeoutMs: 45_000,
});

const onEtcd = (prefix: string) => (ctx: CaseContext) => ["--etcd-endpoints", ctx.etcd ?? "", "--etcd-prefix", prefix];

// A real etcd with hostile contents: reads report what they cannot read and go on; nothing changes.
cases.push(
  ...(["leases", "leases --json"] as const).map(
    (command): HostileCase => ({
      name: `${command} over a lease value nested 7,000 deep (14 KB)`,
      argv: (ctx) => [...command.split(" "), ...onEtcd("/hostile-deep-lease/network")(ctx)],
      code: 0,
      message: /^$/,
    }),
  ),
  {
    name: "leases over garbage, control characters, huge and binary values, bad keys",
    argv: (ctx) => ["leases", ...onEtcd("/hostile/network")(ctx)],
    code: 0,
    message: /^$/,
    plainOutput: true,
  },
  {
    name: "leases --json over the same",
    argv: (ctx) => ["leases", "--json", ...onEtcd("/hostile/network")(ctx)],
    code: 0,
    message: /^$/,
  },
  {
    name: "config get --check of a config nested 100,000 deep",
    argv: (ctx) => ["config", "get", "--check", ...onEtcd("/hostile-deep/network")(ctx)],
    code: 1,
    message: /^flannel-ts config get: \/hostile-deep\/network\/config: line 1, column \d+: objects and arrays are nested more than 10000 levels deep/,
  },
  {
    name: "config get --json of a config over 0.0.0.0/0",
    argv: (ctx) => ["config", "get", "--json", ...onEtcd("/hostile-zero/network")(ctx)],
    code: 1,
    message: /whole address space/,
  },
  {
    name: "config get --check of a config with Backend.Port 70000",
    argv: (ctx) => ["config", "get", "--check", ...onEtcd("/hostile-port/network")(ctx)],
    code: 1,
    message: /Port/,
  },
  {
    name: "config get --check of a binary config",
    argv: (ctx) => ["config", "get", "--check", ...onEtcd("/hostile-binary/network")(ctx)],
    code: 1,
    message: /^flannel-ts config get: /,
  },
  ...["/hostile-deep/network", "/hostile-zero/network", "/hostile-port/network", "/hostile-binary/network"].map(
    (prefix): HostileCase => ({
      name: `lease acquire under ${prefix}: no lease`,
      argv: (ctx) => ["lease", "acquire", "--public-ip", "192.0.2.1", "--subnet-file", join(ctx.dir, "subnet.env"), ...onEtcd(prefix)(ctx)],
      code: 1,
      message: /^flannel-ts lease acquire: /,
    }),
  ),
  {
    name: "config set over an existing config without --force",
    argv: (ctx) => ["config", "set", '{"Network":"10.9.0.0/16"}', ...onEtcd("/hostile/network")(ctx)],
    code: 1,
    message: /^flannel-ts config set: a network config already exists/,
  },
  ...[
    ["a config nested 100,000 deep", "[".repeat(100_000)],
    ["Network 0.0.0.0/0", '{"Network":"0.0.0.0/0"}'],
    ["Backend.Port 70000", '{"Network":"10.5.0.0/16","Backend":{"Type":"udp","Port":70000}}'],
    ["SubnetLen 1e999", '{"Network":"10.5.0.0/16","SubnetLen":1e999}'],
  ].map(
    ([what, text]): HostileCase => ({
      name: `config set --force of ${what ?? ""}: nothing written`,
      argv: (ctx) => ["config", "set", "--force", text ?? "", ...onEtcd("/hostile/network")(ctx)],
      code: 1,
      message: /^flannel-ts config set: /,
    }),
  ),
  {
    name: "lease acquire --public-ip 0.0.0.0: no lease",
    argv: (ctx) => ["lease", "acquire", "--public-ip", "0.0.0.0", "--subnet-file", join(ctx.dir, "subnet.env"), ...onEtcd("/hostile/network")(ctx)],
    code: 2,
    message: /^flannel-ts lease acquire: --public-ip: "0\.0\.0\.0" is not a unicast address/,
  },
  ...(["fifo", "directory", "socket", "dangling-link"] as const).map(
    (kind): HostileCase => ({
      name: `lease acquire with a ${kind} as subnet.env: no lease`,
      setup: (ctx) => makeSpecial(kind, join(ctx.dir, "subnet.env")),
      argv: (ctx) => ["lease", "acquire", "--public-ip", "192.0.2.1", "--subnet-file", join(ctx.dir, "subnet.env"), ...onEtcd("/hostile/network")(ctx)],
      code: 1,
      message: /^flannel-ts lease acquire: no lease taken: refusing to write/,
    }),
  ),
  {
    name: "lease acquire with an unwritable subnet.env directory: no lease",
    setup: (ctx) => writeFileSync(join(ctx.dir, "file"), ""),
    argv: (ctx) => ["lease", "acquire", "--public-ip", "192.0.2.1", "--subnet-file", join(ctx.dir, "file", "subnet.env"), ...onEtcd("/hostile/network")(ctx)],
    code: 1,
    message: /^flannel-ts lease acquire: no lease taken: cannot write/,
  },
  {
    name: "leases with a CA file that is not PEM",
    setup: (ctx) => writeFileSync(join(ctx.dir, "ca.pem"), "not a certificate"),
    argv: (ctx) => ["leases", ...onEtcd("/hostile/network")(ctx), "--etcd-cafile", join(ctx.dir, "ca.pem")],
    code: 1,
    message: /^flannel-ts leases: --etcd-cafile: the CA certificate .* is not PEM/,
  },
);

/** Every etcd case. */
export const ETCD_CASES: readonly HostileCase[] = cases;
