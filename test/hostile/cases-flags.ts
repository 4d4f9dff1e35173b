/**
 * Hostile command lines and variables: every command against bad values of
 * its flags (numbers, addresses, CIDRs, routes, endpoints, names), unknown
 * and malformed flags, and the same through FLANNELD_* variables. Each is a
 * usage error: exit 2, one line naming the flag, nothing done. A command is
 * given otherwise valid flags, so that only the value under test is wrong
 * (and etcd endpoints that point at a closed port, so that a value accepted
 * by mistake shows as a wrong exit code, not as a change anywhere).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type CaseContext, dockerConfigArgv, type HostileCase } from "./harness.ts";
import { re, SUBNET_ENV } from "./special-files.ts";

/** The TUN name udp cases give: a value accepted by mistake would create it (the suite removes it). */
export const HOSTILE_TUN = "fhostile0";

/** The bridge pipework cases name: a value accepted by mistake would create it (the suite removes it). */
export const HOSTILE_BRIDGE = "fhostilebr0";

const closed = (ctx: CaseContext): string => `http://127.0.0.1:${ctx.closedPort ?? 9}`;

/** Valid arguments of each command, before the flag under test. */
const BASE: Readonly<Record<string, (ctx: CaseContext) => readonly string[]>> = {
  udp: () => ["udp", "--tun", HOSTILE_TUN, "--subnet", "10.5.1.0/24", "--network", "10.5.0.0/16", "--bind", "127.0.0.1"],
  "lease acquire": (ctx) => ["lease", "acquire", "--public-ip", "192.0.2.1", "--subnet-file", join(ctx.dir, "subnet.env"), "--etcd-endpoints", closed(ctx)],
  agent: (ctx) => ["agent", "--etcd-endpoints", closed(ctx), "--subnet-file", join(ctx.dir, "subnet.env")],
  demo: () => ["demo", "--count", "1", "--interval", "0"],
  "subnet alloc": () => ["subnet", "alloc", "--config", '{"Network":"10.5.0.0/16"}'],
  leases: (ctx) => ["leases", "--etcd-endpoints", closed(ctx)],
  "config get": (ctx) => ["config", "get", "--etcd-endpoints", closed(ctx)],
  "config set": (ctx) => ["config", "set", '{"Network":"10.5.0.0/16"}', "--etcd-endpoints", closed(ctx)],
  "config check": () => ["config", "check", '{"Network":"10.5.0.0/16"}'],
  "docker-opts": (ctx) => ["docker-opts", "-f", join(ctx.dir, "subnet.env"), "-d", join(ctx.dir, "docker_opts.env")],
  "docker-config": (ctx) => dockerConfigArgv(ctx, "none", "--dry-run"),
  // A value accepted by mistake looks the container up first (none has this name): exit 1, nothing made.
  pipework: () => ["pipework", HOSTILE_BRIDGE, "fhostile-none", "192.0.2.2/24"],
};

// docker-opts and docker-config read these; the others ignore them.
const files = (ctx: CaseContext): void => {
  writeFileSync(join(ctx.dir, "subnet.env"), SUBNET_ENV);
  writeFileSync(join(ctx.dir, "daemon.json"), "{}\n");
};

// Every kind of text that is not a whole number (NUL cannot be in an argument: the kernel takes C strings).
const NOT_NUMBERS = ["", "0x10", "1e3", "1.5", " 7", "+", "NaN", "Infinity", "\u0663", "9".repeat(40), "1\u0001", "\u001b[31m7"];

const flagValue = (command: string, flag: string, value: string, extra: readonly string[] = []): HostileCase => ({
  name: `${command} --${flag} ${JSON.stringify(value.length > 30 ? `${value.slice(0, 30)}...` : value)}`,
  setup: files,
  argv: (ctx) => [...(BASE[command]?.(ctx) ?? []), ...extra, `--${flag}`, value],
  code: 2,
  message: new RegExp(`^flannel-ts ${re(command)}: --${re(flag)}: "`),
});

const variableValue = (command: string, flag: string, value: string): HostileCase => {
  const variable = `FLANNELD_${flag.toUpperCase().replaceAll("-", "_")}`;
  return {
    name: `${command} ${variable}=${JSON.stringify(value.length > 30 ? `${value.slice(0, 30)}...` : value)}`,
    setup: files,
    argv: (ctx) => (BASE[command]?.(ctx) ?? []).filter((a, i, all) => a !== `--${flag}` && all[i - 1] !== `--${flag}`),
    env: () => ({ [variable]: value }),
    code: 2,
    message: new RegExp(`^flannel-ts ${re(command)}: ${variable} \\(for --${re(flag)}\\): "`),
  };
};

// The first flag of each command gets every kind of non-number; all get their range's edges.
const numeric: readonly (readonly [string, string, readonly string[], boolean])[] = [
  ["udp", "mtu", ["0", "-1", "67", "65508", "65535", "4294967296"], true],
  ["udp", "port", ["0", "-1", "65536", "99999999999", "x"], false],
  ["lease acquire", "mtu", ["1", "67", "65508", "x"], false],
  ["lease acquire", "ttl", ["0", "-5", "9000000001"], true],
  ["agent", "iptables-resync", ["0", "-1", "2147484", "99999999999"], true],
  ["agent", "subnet-lease-renew-margin", ["0", "1440", "-60", "x"], false],
  ["agent", "healthz-port", ["-1", "65536", "x"], false],
  ["demo", "count", ["0", "101", "-3"], true],
  ["demo", "interval", ["-1", "10001", "x"], false],
  ["demo", "seed", ["-1", "4294967296", "x"], false],
  ["subnet alloc", "seed", ["4294967296", "-2147483649", "1.5"], false],
  ["pipework", "mtu", ["0", "-1", "67", "65536", "99999999999"], true],
];

const NOT_IPV4 = [
  "",
  "::1",
  "fd00::1",
  "::ffff:192.0.2.1",
  "192.0.2",
  "192.0.2.1.5",
  "192.0.2.01",
  "192.0.2.256",
  "a.b.c.d",
  "192.0.2.1/32",
  " 192.0.2.1",
  "\u0661\u0669\u0662.0.2.1",
  "localhost",
  "192.0.2.1\n",
];
// What the agent and the variables get: one of each kind.
const SOME_BAD_IPS = ["fd00::1", "192.0.2.256", "0.0.0.0", "224.0.0.1", "255.255.255.255"];
const NOT_UNICAST = ["0.0.0.0", "255.255.255.255", "224.0.0.1", "239.255.255.250", "240.0.0.1"];

const NOT_NETWORKS = [
  "0.0.0.0/0",
  "0.0.0.0/1",
  "127.0.0.0/8",
  "127.5.0.0/16",
  "224.0.0.0/4",
  "240.0.0.0/4",
  "128.0.0.0/1",
  "10.5.0.0/33",
  "10.5.0.0/-1",
  "10.5.0.0",
  "fd00::/64",
  "10.5.0.0/16/1",
  "",
];

const BAD_ROUTES = [
  "10.9.0.0/24=192.0.2.2",
  "10.5.1.0/24=192.0.2.2",
  "10.5.1.128/25=192.0.2.2",
  "10.5.0.0/16=192.0.2.2",
  "10.5.2.0/24",
  "=192.0.2.2",
  "10.5.2.0/24=",
  "10.5.2.0/24=192.0.2.2:0",
  "10.5.2.0/24=192.0.2.2:99999",
  "10.5.2.0/24=192.0.2.2:x",
  "10.5.2.0/24=192.0.2.2:1:2",
  "10.5.2.0/24=0.0.0.0",
  "10.5.2.0/24=224.0.0.9",
  "10.5.2.0/24=fd00::2",
  "fd00::/64=192.0.2.2",
  "10.5.2.0/24=192.0.2.2".repeat(1000),
];

const BAD_ENDPOINTS = [
  "127.0.0.1:2379",
  "unix:///run/etcd.sock",
  "http://127.0.0.1",
  "http://127.0.0.1:2379/v2",
  "http://root:hunter2@127.0.0.1:2379",
  "ftp://127.0.0.1:21",
  ",",
  " , ",
  "http://[::1:2379",
  "http://127.0.0.1:99999",
  "http://127.0.0.1:2379?x=1",
  "http://127.0.0.1:2379#f",
  "\u0001",
];
const SOME_BAD_ENDPOINTS = ["127.0.0.1:2379", "http://root:hunter2@127.0.0.1:2379", ","];

const BAD_PREFIXES = ["", "coreos.com/network", "/a\u0001b", "/a\nb"];

const TUN_NAMES = ["", "a".repeat(16), "fl 0", "fl/0", "../x", "fl\u0001", "fl:0"];

const KEYS = ["", "a-b", "1A", "DOCKER_OPT_X", "flannel_env", "OPTIND", "A".repeat(300), "A;touch /tmp/x", "A B"];

const cases: HostileCase[] = [];

for (const [command, flag, values, every] of numeric) {
  for (const value of [...(every ? NOT_NUMBERS : []), ...values]) cases.push(flagValue(command, flag, value));
}
for (
  const [flag, values] of [
    ["iptables-resync", ["0", "99999999999", "1.0"]],
    ["subnet-lease-renew-margin", ["0", "1440", "x"]],
    ["healthz-port", ["-1", "65536", "http"]],
  ] as const
) {
  for (const value of values) cases.push(variableValue("agent", flag, value));
}
for (const value of [...NOT_IPV4, ...NOT_UNICAST]) {
  cases.push(flagValue("lease acquire", "public-ip", value));
  if (value !== "0.0.0.0") cases.push(flagValue("udp", "bind", value));
}
for (const value of SOME_BAD_IPS) {
  cases.push(flagValue("agent", "public-ip", value), variableValue("lease acquire", "public-ip", value), variableValue("agent", "public-ip", value));
}
for (const value of ["::", "::1", "ff02::1", "fe80::1", "::ffff:192.0.2.1", "192.0.2.1", "fd00::g", "fd00::1/64", "2001:db8::1%eth0", "x"]) {
  cases.push(flagValue("agent", "public-ipv6", value), variableValue("agent", "public-ipv6", value));
}
// flanneld's help says "IP or name", but it parses the value as an IP: a name is refused here, before any lookup.
for (const value of ["eth0", "256.0.0.1", "fd00::g", "192.0.2.1/24", "2001:db8::1%eth0", " "]) {
  cases.push(flagValue("agent", "iface-can-reach", value), variableValue("agent", "iface-can-reach", value));
}
for (const value of NOT_NETWORKS) cases.push(flagValue("udp", "network", value));
for (const value of ["10.5.1.0", "10.5.1.0/33", "fd00::/64", ""]) cases.push(flagValue("udp", "subnet", value));
for (
  const [subnet, network] of [
    ["10.6.1.0/24", "10.5.0.0/16"],
    ["10.0.0.0/8", "10.5.0.0/16"],
  ]
) {
  cases.push({
    name: `udp --subnet ${subnet} outside --network ${network}`,
    argv: () => ["udp", "--tun", HOSTILE_TUN, "--subnet", subnet ?? "", "--network", network ?? "", "--bind", "127.0.0.1"],
    code: 2,
    message: /^flannel-ts udp: --subnet .* is not inside --network/,
  });
}
for (const value of BAD_ROUTES) cases.push(flagValue("udp", "route", value));
cases.push({
  name: "udp: two routes over one subnet",
  argv: (ctx) => [...(BASE["udp"]?.(ctx) ?? []), "--route", "10.5.2.0/24=192.0.2.2", "--route", "10.5.2.128/25=192.0.2.3"],
  code: 2,
  message: /^flannel-ts udp: --route: "10\.5\.2\.128\/25=192\.0\.2\.3" overlaps the route for 10\.5\.2\.0\/24$/,
});
for (const value of TUN_NAMES) {
  cases.push(flagValue("udp", "tun", value));
  cases.push(flagValue("agent", "tun-name", value));
  cases.push(flagValue("pipework", "interface", value));
}
for (const command of ["leases", "config get", "config set", "lease acquire", "agent", "demo"]) {
  // Every bad endpoint for two commands, as a flag and as a variable; a few for the others.
  const every = command === "leases" || command === "agent";
  for (const value of every ? BAD_ENDPOINTS : SOME_BAD_ENDPOINTS) {
    cases.push({ ...flagValue(command, "etcd-endpoints", value), mustNotContain: ["hunter2"] });
    if (command !== "demo" && value.trim() !== "" && value !== ",") cases.push({ ...variableValue(command, "etcd-endpoints", value), mustNotContain: ["hunter2"] });
  }
  for (const value of every ? BAD_PREFIXES : BAD_PREFIXES.slice(0, 2)) {
    cases.push(flagValue(command, "etcd-prefix", value, command === "demo" ? ["--etcd-endpoints", "http://127.0.0.1:9"] : []));
  }
}
for (const value of KEYS) cases.push({ ...flagValue("docker-opts", "combined-key", value), message: /^flannel-ts docker-opts: (--combined-key: "|-k ")/ });
for (const value of ["(eth", "[", "*", "a{2,1}"]) cases.push(flagValue("agent", "iface-regex", value));
for (const value of ["localhost", "256.0.0.1", "::g"]) cases.push(flagValue("agent", "healthz-ip", value));
for (const value of ["maybe", "yes", "on", "2", ""]) {
  cases.push({ ...flagValue("agent", "ip-masq", value), argv: (ctx) => [...(BASE["agent"]?.(ctx) ?? []), `--ip-masq=${value}`] });
  if (value !== "") cases.push(variableValue("agent", "ip-masq", value), variableValue("lease acquire", "ip-masq", value));
}
for (const value of ["", " ", '"unclosed', "'x"]) cases.push(flagValue("agent", "docker-restart-command", value));
for (const value of ['"unclosed', "a 'b"]) cases.push(flagValue("docker-config", "dockerd-args", value));
for (const value of ["19", "", "26.1", "latest"]) cases.push(flagValue("docker-config", "dockerd-version", value));
for (const value of ["base=10.0.0.0/8", "size=24", "base=10.0.0.0/8,size=4", "base=10.0.0.0/8,size=33", "base=x,size=24", "base=10.0.0.0/8,size=24,extra=1", ""]) {
  cases.push(flagValue("docker-config", "default-address-pool", value));
}
for (const value of [`/${"p".repeat(4096)}`]) {
  cases.push(flagValue("docker-config", "daemon-json", value));
  cases.push(flagValue("lease acquire", "subnet-file", value));
  cases.push({ ...flagValue("docker-opts", "docker-env", value), argv: (ctx) => ["docker-opts", "-f", join(ctx.dir, "subnet.env"), "-d", value] });
}

// Conflicts between flags, and variables other than FLANNELD_*.
cases.push(
  {
    name: "docker-config --backup with --no-backup",
    setup: files,
    argv: (ctx) => [...(BASE["docker-config"]?.(ctx) ?? []), "--backup", join(ctx.dir, "b"), "--no-backup"],
    code: 2,
    message: /^flannel-ts docker-config: --backup and --no-backup exclude each other$/,
  },
  ...["daemon.json", "./daemon.json", ".//daemon.json", "x/../daemon.json"].map(
    (spelling): HostileCase => ({
      name: `docker-config --backup is --daemon-json (${spelling})`,
      setup: files,
      argv: (ctx) => dockerConfigArgv(ctx, "none", "--backup", `${ctx.dir}/${spelling}`),
      code: 2,
      message: /^flannel-ts docker-config: --backup ".*" is --daemon-json itself/,
    }),
  ),
  ...["ssh://user@host", "tcp://", "tcp://h:99999", "unix://relative.sock", "fd://", "npipe:////./pipe/docker", "tcp://u:hunter2@h:2375", "\u0001"].map(
    (host): HostileCase => ({
      name: `docker-config --verify with DOCKER_HOST=${JSON.stringify(host)}`,
      setup: files,
      argv: (ctx) => dockerConfigArgv(ctx, "none", "--verify"),
      env: () => ({ DOCKER_HOST: host }),
      code: 2,
      message: /^flannel-ts docker-config: DOCKER_HOST \(for --verify\): "/,
      mustNotContain: ["hunter2"],
    }),
  ),
  {
    name: "demo --etcd-prefix without --etcd-endpoints",
    argv: () => ["demo", "--etcd-prefix", "/x"],
    code: 2,
    message: /^flannel-ts demo: --etcd-prefix needs --etcd-endpoints/,
  },
  {
    name: "subnet alloc without --config",
    argv: () => ["subnet", "alloc"],
    code: 2,
    message: /^flannel-ts subnet alloc: --config is required/,
  },
  {
    name: "lease acquire without --public-ip",
    argv: (ctx) => ["lease", "acquire", "--subnet-file", join(ctx.dir, "s.env"), "--etcd-endpoints", closed(ctx)],
    code: 2,
    message: /^flannel-ts lease acquire: --public-ip \(or FLANNELD_PUBLIC_IP\) is required/,
  },
  {
    name: "udp without --bind",
    argv: () => ["udp", "--tun", HOSTILE_TUN, "--subnet", "10.5.1.0/24", "--network", "10.5.0.0/16"],
    code: 2,
    message: /^flannel-ts udp: --bind is required/,
  },
);

// Unknown and malformed flags, on every command, as text and as JSON.
for (const command of Object.keys(BASE)) {
  const base = BASE[command] ?? (() => []);
  for (
    const [what, extra, message] of [
      ["an unknown flag", ["--bogus"], /unknown flag "--bogus"/],
      ["an unknown flag with a control character", ["--bo\u001bgus"], /unknown flag "--bo\\u001bgus"/],
      ["a missing value", ["--etcd-endpoints"], /(flag --etcd-endpoints needs a value|unknown flag "--etcd-endpoints")/],
      ["a boolean given a word", ["--json=maybe"], /(--json: "maybe" is not a boolean|unknown flag "--json")/],
      ["a long unknown flag", [`--${"x".repeat(100_000)}`], /unknown flag "--x{58}…" \(100002 characters\)/],
    ] as const
  ) {
    cases.push({
      name: `${command}: ${what}`,
      setup: files,
      argv: (ctx) => [...base(ctx), ...extra],
      code: 2,
      message: new RegExp(`^flannel-ts ${re(command)}: .*${message.source}`),
    });
  }
  if (command !== "demo") {
    cases.push({ name: `${command}: an unknown flag with --json`, setup: files, argv: (ctx) => [...base(ctx), "--json", "--bogus"], code: 2, message: /^unknown flag "--bogus"/ });
  }
}

// Commands and groups that do not exist.
for (
  const [argv, message] of [
    [["bogus"], /^flannel-ts: unknown command "bogus"/],
    [["config", "bogus"], /^flannel-ts: unknown command "config bogus"/],
    [["\u001b[2J\u001b[H"], /^flannel-ts: unknown command "\\u001b\[2J\\u001b\[H"/],
    [["x".repeat(120_000)], /^flannel-ts: unknown command "x{60}…" \(120000 characters\)/],
    [["bogus", "--json"], /^unknown command "bogus"/],
  ] as const
) {
  cases.push({ name: `flannel-ts ${JSON.stringify(argv[0].slice(0, 20))} ${argv.slice(1).join(" ")}`, argv: () => argv, code: 2, message });
}
for (const group of ["config", "subnet", "lease"]) {
  cases.push({ name: `flannel-ts ${group} (a group alone)`, argv: () => [group], code: 2, message: /^$/ });
}

// pipework's positionals, read by pipework's parser inside the flag layer: each names the argument at fault.
for (
  const [argv, message] of [
    [[], /missing <host-bridge>; run flannel-ts pipework --help for usage$/],
    [["br1"], /missing <container> \(a name or ID\)/],
    [["br1", "web"], /missing <address>\/<prefix>\[@<gateway>\]/],
    [["--remove"], /missing <host-bridge>/],
    [["br1", "web", "10.9.0.2/33"], /<address> "10\.9\.0\.2\/33": prefix length 33 is above 32$/],
    [["br1", "web", "10.9.0.2/24@10.8.0.1"], /<address> "10\.9\.0\.2\/24@10\.8\.0\.1": /],
    [["br1", "web", "::ffff:10.9.0.2/200"], /<address> "::ffff:10\.9\.0\.2\/200": /],
    [["br1", "web", "10.9.0.2"], /<address> "10\.9\.0\.2": no prefix length/],
    [["br1", "web", "x".repeat(5000)], /<address> "x{60}…" \(5000 characters\): /],
    [["b@d", "web", "10.9.0.2/24"], /<host-bridge> "b@d": /],
    [["br\u001b1", "web", "10.9.0.2/24"], /<host-bridge> "br\\u001b1": /],
    [["br1", "w b", "10.9.0.2/24"], /<container> "w b": /],
    [["br1", "web", "10.9.0.2/24", "zz:zz"], /<mac> "zz:zz": /],
    [["br1", "web", "10.9.0.2/24", "ff:ff:ff:ff:ff:ff"], /<mac> "ff:ff:ff:ff:ff:ff": /],
    [["br1", "web", "10.9.0.2/24", "02:00:00:00:00:01", "extra"], /unexpected argument "extra": pipework takes /],
    [["br1", "web", "fd00::2/64", "--mtu", "1279"], /--mtu: "1279": IPv6 needs an MTU of at least 1280$/],
    [["br1", "-i", "../x", "web", "10.9.0.2/24"], /--interface: "\.\.\/x" is not an interface name: /],
    [["br1", "--remove=maybe", "web"], /--remove: "maybe" is not a boolean/],
  ] as const
) {
  const name = `pipework ${JSON.stringify(argv.join(" ").slice(0, 40))}`;
  cases.push({ name, argv: () => ["pipework", ...argv], code: 2, message: new RegExp(`^flannel-ts pipework: ${message.source}`), plainOutput: true });
  cases.push({ name: `${name} --json`, argv: () => ["pipework", ...argv, "--json"], code: 2, message: new RegExp(`^${message.source}`) });
}

/** Every command-line and variable case. */
export const FLAG_CASES: readonly HostileCase[] = cases;
