/**
 * Hostile files: every place the CLI reads a file (`@file`, subnet.env, the
 * flannel env file, daemon.json, systemd units and environment files, TLS
 * files) given a FIFO, a device node, a directory, a socket, links to them,
 * a file over the limit, and bad contents (binary, NUL, BOM, deep JSON,
 * expansion bombs); and every place it writes (docker-opts -d, daemon.json
 * and its backup, subnet.env) given the same. Each ends at once with exit 1
 * and a line naming the path, and nothing on disk changes.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type CaseContext, dockerConfigArgv, type HostileCase } from "./harness.ts";
import { bigFile, KIND_WORDS, makeSpecial, needsRoot, re, type SpecialKind, SUBNET_ENV } from "./special-files.ts";

const closed = (ctx: CaseContext): string => `http://127.0.0.1:${ctx.closedPort ?? 9}`;

/** A place the CLI reads: where the file goes, and the command line that reads it. */
interface ReadSite {
  readonly name: string;
  /** The path under test, in the case's directory. */
  readonly file: (ctx: CaseContext) => string;
  /** The other files the command needs. */
  readonly prepare?: (ctx: CaseContext) => void;
  readonly argv: (ctx: CaseContext) => readonly string[];
  /** The command, as its lines start. */
  readonly command: string;
  /** How the message names a file that cannot be read (after "flannel-ts <command>: "). */
  readonly says: (path: string) => string;
  /** The limit in bytes. */
  readonly limit: number;
  /** What the limit is called in the message. */
  readonly limitText: string;
}

const MIB = 1024 * 1024;
const cannotRead = (path: string): string => `cannot read ${re(path)}`;

const SITES: readonly ReadSite[] = [
  {
    name: "config check @file",
    file: (ctx) => join(ctx.dir, "net.json"),
    argv: (ctx) => ["config", "check", `@${join(ctx.dir, "net.json")}`],
    command: "config check",
    says: cannotRead,
    limit: MIB,
    limitText: "1 MiB",
  },
  {
    name: "config set @file",
    file: (ctx) => join(ctx.dir, "net.json"),
    argv: (ctx) => ["config", "set", `@${join(ctx.dir, "net.json")}`, "--etcd-endpoints", closed(ctx)],
    command: "config set",
    says: cannotRead,
    limit: MIB,
    limitText: "1 MiB",
  },
  {
    name: "subnet alloc --config @file",
    file: (ctx) => join(ctx.dir, "net.json"),
    argv: (ctx) => ["subnet", "alloc", "--config", `@${join(ctx.dir, "net.json")}`],
    command: "subnet alloc",
    says: cannotRead,
    limit: MIB,
    limitText: "1 MiB",
  },
  {
    name: "docker-opts -f",
    file: (ctx) => join(ctx.dir, "subnet.env"),
    argv: (ctx) => ["docker-opts", "-f", join(ctx.dir, "subnet.env"), "-d", join(ctx.dir, "docker_opts.env")],
    command: "docker-opts",
    says: cannotRead,
    limit: MIB,
    limitText: "1 MiB",
  },
  {
    name: "docker-config --subnet-file",
    file: (ctx) => join(ctx.dir, "subnet.env"),
    prepare: (ctx) => writeFileSync(join(ctx.dir, "daemon.json"), "{}\n"),
    argv: (ctx) => dockerConfigArgv(ctx, "none"),
    command: "docker-config",
    says: cannotRead,
    limit: MIB,
    limitText: "1 MiB",
  },
  {
    name: "docker-config --daemon-json",
    file: (ctx) => join(ctx.dir, "daemon.json"),
    prepare: (ctx) => writeFileSync(join(ctx.dir, "subnet.env"), SUBNET_ENV),
    argv: (ctx) => dockerConfigArgv(ctx, "none"),
    command: "docker-config",
    says: cannotRead,
    limit: 4 * MIB,
    limitText: "4 MiB",
  },
  {
    name: "docker-config's systemd unit",
    file: (ctx) => join(ctx.dir, "root/lib/systemd/system/docker.service"),
    prepare: (ctx) => {
      writeFileSync(join(ctx.dir, "subnet.env"), SUBNET_ENV);
      writeFileSync(join(ctx.dir, "daemon.json"), "{}\n");
      mkdirSync(join(ctx.dir, "root/lib/systemd/system"), { recursive: true });
    },
    argv: (ctx) => dockerConfigArgv(ctx, "root"),
    command: "docker-config",
    says: cannotRead,
    limit: MIB,
    limitText: "1 MiB",
  },
  {
    name: "demo --etcd-cafile",
    file: (ctx) => join(ctx.dir, "ca.pem"),
    argv: (ctx) => ["demo", "--etcd-endpoints", closed(ctx), "--etcd-cafile", join(ctx.dir, "ca.pem")],
    command: "demo",
    says: (path) => `--etcd-cafile: ${cannotRead(path)}`,
    limit: MIB,
    limitText: "1 MiB",
  },
  {
    name: "leases --etcd-certfile",
    file: (ctx) => join(ctx.dir, "client.pem"),
    argv: (ctx) => ["leases", "--etcd-endpoints", closed(ctx), "--etcd-certfile", join(ctx.dir, "client.pem"), "--etcd-keyfile", join(ctx.dir, "client.pem")],
    command: "leases",
    says: (path) => `--etcd-certfile: ${cannotRead(path)}`,
    limit: MIB,
    limitText: "1 MiB",
  },
];

const KINDS: readonly SpecialKind[] = ["fifo", "char-device", "directory", "socket", "link-to-fifo", "link-to-device", "link-to-directory"];

const cases: HostileCase[] = [];

for (const site of SITES) {
  for (const kind of KINDS) {
    cases.push({
      name: `${site.name} is a ${kind}`,
      root: needsRoot(kind),
      setup: (ctx) => {
        site.prepare?.(ctx);
        makeSpecial(kind, site.file(ctx));
      },
      argv: site.argv,
      code: 1,
      message: (ctx) => new RegExp(`^flannel-ts ${re(site.command)}: ${site.says(site.file(ctx))}: it is a ${re(KIND_WORDS[kind])}, not a regular file$`),
    });
  }
  cases.push({
    name: `${site.name} is over its limit of ${site.limitText}`,
    setup: (ctx) => {
      site.prepare?.(ctx);
      bigFile(site.file(ctx), site.limit + 1);
    },
    argv: site.argv,
    code: 1,
    message: (ctx) => new RegExp(`^flannel-ts ${re(site.command)}: ${site.says(site.file(ctx))}: it is larger than the limit of ${site.limitText}$`),
  });
  cases.push({
    name: `${site.name} is not UTF-8`,
    setup: (ctx) => {
      site.prepare?.(ctx);
      writeFileSync(site.file(ctx), Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]));
    },
    argv: site.argv,
    code: 1,
    // TLS files are bytes: what is wrong there is that they are not PEM.
    message: (ctx) =>
      new RegExp(
        `^flannel-ts ${re(site.command)}: (${
          site.says(site.file(ctx))
        }: the byte at offset 2 is not UTF-8|--etcd-(ca|cert)file: the (CA|client) certificate .* (is not PEM|needs its key))`,
      ),
  });
}

/** Contents of the network config (`@file` and inline) that must be refused with exit 1. */
const BAD_CONFIGS: readonly (readonly [string, string, RegExp])[] = [
  ["not JSON", "Network: 10.5.0.0/16", /invalid JSON|not JSON/],
  ["a byte-order mark", '\ufeff{"Network":"10.5.0.0/16"}', /line 1, column 1/],
  ["NUL inside", '{"Network":"10.5.0.0/16\u0000"}', /a NUL character: this is not a text file/],
  ["100,000 nested arrays", "[".repeat(100_000), /nested more than 10000 levels deep/],
  ["50,000 nested objects", `${'{"a":'.repeat(50_000)}1${"}".repeat(50_000)}`, /nested more than 10000 levels deep/],
  ["a number beyond float64", '{"Network":"10.5.0.0/16","SubnetLen":1e999}', /SubnetLen/],
  ["SubnetLen as a string", '{"Network":"10.5.0.0/16","SubnetLen":"24"}', /SubnetLen/],
  ["Network 0.0.0.0/0", '{"Network":"0.0.0.0/0"}', /whole address space/],
  ["Backend.Port 70000", '{"Network":"10.5.0.0/16","Backend":{"Type":"udp","Port":70000}}', /Port/],
  ['Backend.Port "8285"', '{"Network":"10.5.0.0/16","Backend":{"Type":"udp","Port":"8285"}}', /Port/],
  ["an empty object", "{}", /Network/],
  ["an array", "[]", /object/],
];

for (const [what, text, message] of BAD_CONFIGS) {
  for (
    const [site, argv, command] of [
      ["config check @file", (ctx: CaseContext) => ["config", "check", `@${join(ctx.dir, "net.json")}`], "config check"],
      ["config set @file", (ctx: CaseContext) => ["config", "set", `@${join(ctx.dir, "net.json")}`, "--etcd-endpoints", closed(ctx)], "config set"],
      ["subnet alloc --config @file", (ctx: CaseContext) => ["subnet", "alloc", "--config", `@${join(ctx.dir, "net.json")}`], "subnet alloc"],
      ["config check --json", (ctx: CaseContext) => ["config", "check", `@${join(ctx.dir, "net.json")}`, "--json"], "config check"],
    ] as const
  ) {
    cases.push({
      name: `${site}: ${what}`,
      setup: (ctx) => writeFileSync(join(ctx.dir, "net.json"), text),
      argv,
      code: 1,
      message: site.endsWith("--json") ? message : new RegExp(`^flannel-ts ${re(command)}: .*${message.source}`),
    });
  }
}

/** Contents of subnet.env that must be refused with exit 1 (docker-opts and docker-config read it). */
const bomb = (): string => {
  const lines = [SUBNET_ENV.trimEnd(), `A0=${"a".repeat(64)}`];
  for (let i = 1; i <= 40; i++) lines.push(`A${i}=\${A${i - 1}}\${A${i - 1}}`);
  return `${lines.join("\n")}\n`;
};
const BAD_SUBNET_ENVS: readonly (readonly [string, () => string, RegExp])[] = [
  ["variables that double each other 40 times", bomb, /line 17: expanding \$A11 in A12 takes the values past \d+ characters/],
  ["FLANNEL_SUBNET 0.0.0.0/0", () => SUBNET_ENV.replace("10.5.52.1/24", "0.0.0.0/0"), /FLANNEL_SUBNET=.* is not inside FLANNEL_NETWORK/],
  ["FLANNEL_SUBNET outside FLANNEL_NETWORK", () => SUBNET_ENV.replace("10.5.52.1/24", "10.9.52.1/24"), /FLANNEL_SUBNET=10\.9\.52\.1\/24 is not inside FLANNEL_NETWORK/],
  ["FLANNEL_MTU 1", () => SUBNET_ENV.replace("1472", "1"), /FLANNEL_MTU/],
  ["FLANNEL_MTU 99999999999999999999", () => SUBNET_ENV.replace("1472", "99999999999999999999"), /FLANNEL_MTU/],
  ["binary junk", () => "\u0001\u0002\u0003=\u0004\n", /line 1: unexpected character "\\u0001"/],
  ["an unclosed quote", () => `${SUBNET_ENV}X="open\n`, /unterminated quoted value for X/],
];
for (const [what, text, message] of BAD_SUBNET_ENVS) {
  cases.push({
    name: `docker-config --subnet-file: ${what}`,
    setup: (ctx) => {
      writeFileSync(join(ctx.dir, "subnet.env"), text());
      writeFileSync(join(ctx.dir, "daemon.json"), "{}\n");
    },
    argv: (ctx) => dockerConfigArgv(ctx, "none"),
    code: 1,
    message: new RegExp(`^flannel-ts docker-config: .*${message.source}`),
  });
}
// docker-opts reads subnet.env as the script does: only what makes mk-docker-opts.sh fail is an error.
for (
  const [what, text] of [
    ["variables that double each other 40 times", bomb],
    ["an unclosed quote", () => `${SUBNET_ENV}X="open\n`],
    ["an invalid FLANNEL_IPMASQ", () => SUBNET_ENV.replace("=false", "=yes")],
  ] as const
) {
  cases.push({
    name: `docker-opts -f: ${what}`,
    setup: (ctx) => writeFileSync(join(ctx.dir, "subnet.env"), text()),
    argv: (ctx) => ["docker-opts", "-f", join(ctx.dir, "subnet.env"), "-d", join(ctx.dir, "docker_opts.env")],
    code: 1,
    message: /^flannel-ts docker-opts: /,
  });
}

/** daemon.json contents the merge must refuse (exit 1, file untouched). */
const BAD_DAEMON_JSONS: readonly (readonly [string, string])[] = [
  ["not JSON", "{mtu: 1}"],
  ["20,000 nested arrays", `{"labels":${"[".repeat(20_000)}${"]".repeat(20_000)}}`],
  ["20,000 nested objects", `{"x":${'{"a":'.repeat(20_000)}1${"}".repeat(20_000)}}`],
  ["a comment", '{\n  // x\n  "debug": true\n}'],
  ["a trailing comma", '{"debug": true,}'],
  ["an unknown key", '{"mtuu": 1}'],
  ["a top-level array", "[]"],
  ["NUL inside", '{"debug": true\u0000}'],
];
for (const [what, text] of BAD_DAEMON_JSONS) {
  cases.push({
    name: `docker-config --daemon-json: ${what}`,
    setup: (ctx) => {
      writeFileSync(join(ctx.dir, "subnet.env"), SUBNET_ENV);
      writeFileSync(join(ctx.dir, "daemon.json"), text);
    },
    argv: (ctx) => dockerConfigArgv(ctx, "none"),
    code: 1,
    message: /^flannel-ts docker-config: /,
  });
}

/** systemd units that cannot be used: exit 1 with the unit's problem. */
const BAD_UNITS: readonly (readonly [string, (ctx: CaseContext) => string, SpecialKind?])[] = [
  ["an unclosed quote in ExecStart", () => '[Service]\nExecStart=/usr/bin/dockerd "-H\n'],
  ["no ExecStart", () => "[Service]\nType=notify\n"],
  ["EnvironmentFile= a character device", (ctx) => `[Service]\nEnvironmentFile=${join(ctx.dir, "env")}\nExecStart=/usr/bin/dockerd\n`, "char-device"],
  ["EnvironmentFile= a FIFO", (ctx) => `[Service]\nEnvironmentFile=${join(ctx.dir, "env")}\nExecStart=/usr/bin/dockerd\n`, "fifo"],
  ["a missing EnvironmentFile=", (ctx) => `[Service]\nEnvironmentFile=${join(ctx.dir, "missing")}\nExecStart=/usr/bin/dockerd\n`],
  ["an unknown dockerd flag", () => "[Service]\nExecStart=/usr/bin/dockerd --no-such-flag\n"],
];
for (const [what, unit, special] of BAD_UNITS) {
  cases.push({
    name: `docker-config's systemd unit: ${what}`,
    ...(special !== undefined && needsRoot(special) ? { root: true } : {}),
    setup: (ctx) => {
      writeFileSync(join(ctx.dir, "subnet.env"), SUBNET_ENV);
      writeFileSync(join(ctx.dir, "daemon.json"), "{}\n");
      mkdirSync(join(ctx.dir, "root/lib/systemd/system"), { recursive: true });
      writeFileSync(join(ctx.dir, "root/lib/systemd/system/docker.service"), unit(ctx));
      // The unit names its files as the host sees them; under --systemd-root they are read below the root.
      if (special !== undefined) {
        mkdirSync(join(ctx.dir, "root", ctx.dir), { recursive: true });
        makeSpecial(special, join(ctx.dir, "root", ctx.dir, "env"));
      }
    },
    argv: (ctx) => dockerConfigArgv(ctx, "root"),
    code: 1,
    message: /^flannel-ts docker-config: /,
  });
}

/** TLS files that are not what their flag says. */
const PEM_CERT_HEAD = "-----BEGIN CERTIFICATE-----\n";
// Each file alone, or (for a certificate) with itself as the key, so that the certificate is read before the pair is.
const BAD_TLS: readonly (readonly [string, string, string, RegExp, readonly string[]])[] = [
  ["--etcd-cafile", "random bytes", "\u0001\u0002garbage", /--etcd-cafile: the CA certificate .* is not PEM: it has no "-----BEGIN CERTIFICATE-----" block/, []],
  ["--etcd-cafile", "an empty file", "", /--etcd-cafile: the CA certificate .* is not PEM/, []],
  [
    "--etcd-cafile",
    "a PEM header with junk",
    `${PEM_CERT_HEAD}AAAA\n-----END CERTIFICATE-----\n`,
    /--etcd-cafile: the CA certificate .* has a PEM block that is not a readable X\.509 certificate \(block 1 of 1\)$/,
    [],
  ],
  ["--etcd-cafile", "a private key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", /--etcd-cafile: the CA certificate .* is not PEM/, []],
  [
    "--etcd-certfile",
    "a PEM header with junk",
    `${PEM_CERT_HEAD}${"A".repeat(5000)}\n-----END CERTIFICATE-----\n`,
    /--etcd-certfile: the client certificate .* has a PEM block that is not a readable X\.509 certificate/,
    ["--etcd-keyfile"],
  ],
  ["--etcd-certfile", "without its key", `${PEM_CERT_HEAD}AAAA\n-----END CERTIFICATE-----\n`, /--etcd-certfile: the client certificate .* needs its key: give both$/, []],
  [
    "--etcd-keyfile",
    "without its certificate",
    "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    /--etcd-keyfile: the client key .* needs its client certificate: give both$/,
    [],
  ],
];
for (const [flag, what, text, message, alsoAs] of BAD_TLS) {
  for (const command of ["leases", "config get", "demo"] as const) {
    cases.push({
      name: `${command} ${flag}: ${what}`,
      setup: (ctx) => writeFileSync(join(ctx.dir, "tls.pem"), text),
      argv: (ctx) => [...command.split(" "), "--etcd-endpoints", closed(ctx), ...[flag, ...alsoAs].flatMap((f) => [f, join(ctx.dir, "tls.pem")])],
      code: 1,
      message: new RegExp(`^flannel-ts ${command}: ${message.source}`),
    });
  }
}
cases.push({
  name: "leases --etcd-certfile without --etcd-keyfile",
  argv: (ctx) => ["leases", "--etcd-endpoints", closed(ctx), "--etcd-certfile", "/dev/null"],
  code: 1,
  message: /^flannel-ts leases: --etcd-certfile: cannot read \/dev\/null: it is a character device/,
});

/** The places the CLI writes, given a non-regular file: refused, left as it is. */
const WRITE_KINDS: readonly SpecialKind[] = ["fifo", "char-device", "directory", "socket", "link-to-fifo", "link-to-device", "link-to-directory", "dangling-link"];
for (const kind of WRITE_KINDS) {
  cases.push(
    {
      name: `docker-opts -d onto a ${kind}`,
      root: needsRoot(kind),
      setup: (ctx) => {
        writeFileSync(join(ctx.dir, "subnet.env"), SUBNET_ENV);
        makeSpecial(kind, join(ctx.dir, "out"));
      },
      argv: (ctx) => ["docker-opts", "-f", join(ctx.dir, "subnet.env"), "-d", join(ctx.dir, "out")],
      code: 1,
      message: (ctx) =>
        new RegExp(`^flannel-ts docker-opts: refusing to write ${re(join(ctx.dir, "out"))}.*: it is a ${re(KIND_WORDS[kind])}, not a regular file; it is left as it is$`),
    },
    {
      name: `lease acquire --subnet-file onto a ${kind}: no lease taken`,
      root: needsRoot(kind),
      setup: (ctx) => makeSpecial(kind, join(ctx.dir, "subnet.env")),
      argv: (ctx) => ["lease", "acquire", "--public-ip", "192.0.2.1", "--subnet-file", join(ctx.dir, "subnet.env"), "--etcd-endpoints", closed(ctx)],
      code: 1,
      message: (ctx) => new RegExp(`^flannel-ts lease acquire: no lease taken: refusing to write ${re(join(ctx.dir, "subnet.env"))}.*: it is a ${re(KIND_WORDS[kind])}`),
    },
    {
      name: `docker-config --backup onto a ${kind}`,
      root: needsRoot(kind),
      setup: (ctx) => {
        writeFileSync(join(ctx.dir, "subnet.env"), SUBNET_ENV);
        writeFileSync(join(ctx.dir, "daemon.json"), "{}\n");
        makeSpecial(kind, join(ctx.dir, "backup"));
      },
      argv: (ctx) => dockerConfigArgv(ctx, "none", "--backup", join(ctx.dir, "backup")),
      code: 1,
      message: (ctx) => new RegExp(`^flannel-ts docker-config: refusing to write the backup path ${re(join(ctx.dir, "backup"))}.*: it is a ${re(KIND_WORDS[kind])}`),
    },
  );
}
cases.push(
  {
    name: "docker-opts -d into a directory that does not exist",
    setup: (ctx) => writeFileSync(join(ctx.dir, "subnet.env"), SUBNET_ENV),
    argv: (ctx) => ["docker-opts", "-f", join(ctx.dir, "subnet.env"), "-d", join(ctx.dir, "none", "out")],
    code: 1,
    message: /^flannel-ts docker-opts: cannot write .* \(open failed: ENOENT/,
  },
  {
    name: "docker-config --daemon-json below a file",
    setup: (ctx) => writeFileSync(join(ctx.dir, "subnet.env"), SUBNET_ENV),
    argv: (
      ctx,
    ) => [
      "docker-config",
      "--subnet-file",
      join(ctx.dir, "subnet.env"),
      "--daemon-json",
      join(ctx.dir, "subnet.env", "daemon.json"),
      "--systemd-unit",
      "none",
      "--dockerd-version",
      "26",
    ],
    code: 1,
    message: /^flannel-ts docker-config: cannot read .*: ENOTDIR/,
  },
  {
    name: "docker-config --backup is the file through a link",
    setup: (ctx) => {
      writeFileSync(join(ctx.dir, "subnet.env"), SUBNET_ENV);
      writeFileSync(join(ctx.dir, "daemon.json"), "{}\n");
      makeSpecial("directory", join(ctx.dir, "d"));
    },
    argv: (ctx) => dockerConfigArgv(ctx, "none", "--backup", join(ctx.dir, "d", "..", "daemon.json")),
    code: 2,
    message: /^flannel-ts docker-config: --backup ".*" is --daemon-json itself/,
  },
);

/** Every file case. */
export const FILE_CASES: readonly HostileCase[] = cases;
