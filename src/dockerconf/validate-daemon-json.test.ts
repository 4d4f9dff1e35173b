import { describe, expect, it } from "vitest";
import { parseDaemonJson } from "./daemon-json.ts";
import { parseDockerdArgs } from "./dockerd-args.ts";
import type { DockerdVersion } from "./dockerd-flags.ts";
import { blockingIssues, type DaemonJsonIssue, type DockerdCommandLine, validateDaemonJson } from "./validate-daemon-json.ts";

// The seed's daemon.json after the merge of a lease (10.5.52.0/24, MTU 1472).
const MERGED_SEED = `{
  "registry-mirrors": ["https://mirror.example.invalid"],
  "insecure-registries": ["registry.example.invalid:5000"],
  "hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"],
  "bip": "10.5.52.1/24",
  "mtu": 1472
}
`;

const check = (text: string, version: DockerdVersion = "26", dockerd?: DockerdCommandLine): DaemonJsonIssue[] =>
  validateDaemonJson(parseDaemonJson(text)._unsafeUnwrap(), { version, ...(dockerd !== undefined && { dockerd }) });
const v = (kind: DaemonJsonIssue["kind"], rest: Omit<DaemonJsonIssue, "kind" | "level" | "category"> & Partial<DaemonJsonIssue>): DaemonJsonIssue => ({
  kind,
  level: "error",
  category: "validation",
  ...rest,
});
const cmdline = (argv: string[], unit = true, version: DockerdVersion = "26"): DockerdCommandLine => ({
  program: "/usr/sbin/dockerd",
  args: parseDockerdArgs(argv, version)._unsafeUnwrap(),
  ...(unit && { unit: { name: "docker.service" } }),
});

describe("validateDaemonJson: validation rules", () => {
  it("a clean file has no issues", () => {
    expect(check('{\n  "bip": "10.5.52.1/24",\n  "mtu": 1472,\n  "log-opts": {"max-size": "10m"},\n  "proxies": {"http-proxy": "http://proxy.invalid:3128"}\n}')).toEqual([]);
  });

  it.each<[string, string, DockerdVersion, DaemonJsonIssue[]]>([
    [
      "repeated key",
      '{"mtu": 1400,\n "mtu": 1472}',
      "26",
      [v("duplicate-key", {
        key: "mtu",
        line: 2,
        column: 2,
        message: 'line 2, column 2: "mtu" is set again (first at line 1, column 2); dockerd uses the last one, which flannel-ts updates, so the first is stale: keep only one',
      })],
    ],
    [
      "repeated nested key",
      '{"log-opts": {"max-size": "1m", "max-size": "2m"}}',
      "26",
      [v("duplicate-key", {
        level: "warning",
        key: "log-opts.max-size",
        line: 1,
        column: 33,
        message: 'line 1, column 33: "max-size" in "log-opts" is set again (first at line 1, column 15); dockerd silently uses the last one, so keep only one',
      })],
    ],
    [
      "byte-order mark on 20.10",
      '\ufeff{"mtu": 1472}',
      "20.10",
      [v("byte-order-mark", {
        line: 1,
        column: 1,
        message:
          "the file starts with a UTF-8 byte-order mark, which dockerd 20.10 refuses (invalid character 'ï' looking for beginning of value); save it without one (dockerd 23 and later accept it)",
      })],
    ],
    ["byte-order mark on 26", '\ufeff{"mtu": 1472}', "26", []],
    ["empty file on 20.10", " \n", "20.10", [v("empty-file", { message: 'dockerd 20.10 refuses an empty daemon.json (EOF); write "{}" or remove the file' })]],
    ["empty file on 26", "", "26", []],
    [
      "unknown keys, nested ones included",
      '{"mtu": 1472, "mtuu": 1, "proxies": {"http-proxy": "http://p.invalid", "foo": 1}}',
      "26",
      [v("unknown-keys", {
        key: "mtuu",
        line: 1,
        column: 15,
        message: "the following directives don't match any configuration option: mtuu, foo (dockerd 26 refuses to start; remove them or correct the spelling)",
      })],
    ],
    [
      "keys of one release only",
      '{"graph": "/var/lib/docker", "log-format": "json"}',
      "20.10",
      [v("unknown-keys", {
        key: "log-format",
        line: 1,
        column: 30,
        message: "the following directives don't match any configuration option: log-format (dockerd 20.10 refuses to start; remove it or correct the spelling)",
      })],
    ],
    [
      "a flag name dockerd ignores",
      '{"host": ["unix:///var/run/docker.sock"]}',
      "26",
      [v("ignored-key", {
        level: "warning",
        key: "host",
        line: 1,
        column: 2,
        value: ["unix:///var/run/docker.sock"],
        message: 'line 1: "host" is a dockerd flag name, but dockerd ignores it in daemon.json; the key is "hosts"',
      })],
    ],
    [
      "mtu as a string",
      '{"mtu": "1472"}',
      "20.10",
      [v("wrong-type", {
        key: "mtu",
        line: 1,
        column: 2,
        value: "1472",
        message:
          'line 1: "mtu": "1472" has the wrong type (dockerd: json: cannot unmarshal string into Go struct field Config.mtu of type int); write a whole number without quotes',
      })],
    ],
    [
      "mtu with a fraction (26's field path)",
      '{"mtu": 1450.5}',
      "26",
      [v("wrong-type", {
        key: "mtu",
        line: 1,
        column: 2,
        value: 1450.5,
        message:
          'line 1: "mtu": 1450.5 has the wrong type (dockerd: json: cannot unmarshal number 1450.5 into Go struct field Config.CommonConfig.BridgeConfig.DefaultBridgeConfig.mtu of type int); write a whole number without quotes',
      })],
    ],
    [
      'a boolean as the string "true"',
      '{"ip-masq": "true"}',
      "26",
      [v("wrong-type", {
        key: "ip-masq",
        line: 1,
        column: 2,
        value: "true",
        message:
          'line 1: "ip-masq": "true" has the wrong type (dockerd: json: cannot unmarshal string into Go struct field Config.CommonConfig.BridgeConfig.ip-masq of type bool); write "ip-masq": true or false, without quotes',
      })],
    ],
    [
      "hosts as a string",
      '{"hosts": "unix:///var/run/docker.sock"}',
      "26",
      [v("wrong-type", {
        key: "hosts",
        line: 1,
        column: 2,
        value: "unix:///var/run/docker.sock",
        message:
          'line 1: "hosts": "unix:///var/run/docker.sock" has the wrong type (dockerd: json: cannot unmarshal string into Go struct field Config.CommonConfig.hosts of type []string); write a JSON array of strings',
      })],
    ],
    [
      "bip as a number",
      '{"bip": 5}',
      "20.10",
      [v("wrong-type", {
        key: "bip",
        line: 1,
        column: 2,
        value: 5,
        message: 'line 1: "bip": 5 has the wrong type (dockerd: json: cannot unmarshal number into Go struct field Config.bip of type string); write a JSON string',
      })],
    ],
    [
      "mtu too small",
      '{"mtu": 67}',
      "26",
      [v("mtu-range", { key: "mtu", line: 1, column: 2, value: 67, message: 'line 1: "mtu": 67 is outside 68..65535; use the MTU of flannel\'s lease (FLANNEL_MTU)' })],
    ],
    [
      "mtu too large",
      '{"mtu": 65536}',
      "26",
      [v("mtu-range", { key: "mtu", line: 1, column: 2, value: 65536, message: 'line 1: "mtu": 65536 is outside 68..65535; use the MTU of flannel\'s lease (FLANNEL_MTU)' })],
    ],
    [
      "negative mtu, dockerd 26's words",
      '{"mtu": -1}',
      "26",
      [v("mtu-range", {
        key: "mtu",
        line: 1,
        column: 2,
        value: -1,
        message: 'line 1: "mtu": -1 is outside 68..65535 (dockerd: invalid default MTU: -1); use the MTU of flannel\'s lease (FLANNEL_MTU)',
      })],
    ],
    [
      "negative mtu, dockerd 20.10's words",
      '{"mtu": -1}',
      "20.10",
      [v("mtu-range", {
        key: "mtu",
        line: 1,
        column: 2,
        value: -1,
        message: 'line 1: "mtu": -1 is outside 68..65535 (dockerd: invalid MTU number: -1); use the MTU of flannel\'s lease (FLANNEL_MTU)',
      })],
    ],
    [
      "bip without a prefix",
      '{"bip": "10.5.52.1"}',
      "26",
      [v("bip-invalid", {
        key: "bip",
        line: 1,
        column: 2,
        value: "10.5.52.1",
        message:
          'line 1: "bip": "10.5.52.1" is not an address with a prefix length (dockerd: invalid CIDR address: 10.5.52.1); write docker0\'s address and its subnet\'s length, e.g. "10.5.52.1/24"',
      })],
    ],
    [
      "bip in IPv6",
      '{"bip": "fc00::1/64"}',
      "26",
      [v("bip-invalid", {
        key: "bip",
        line: 1,
        column: 2,
        value: "fc00::1/64",
        message: 'line 1: "bip": "fc00::1/64" is IPv6; bip is docker0\'s IPv4 address, e.g. "10.5.52.1/24"',
      })],
    ],
    [
      "bip is the network address",
      '{"bip": "10.5.52.0/24"}',
      "26",
      [v("bip-network-address", {
        key: "bip",
        line: 1,
        column: 2,
        value: "10.5.52.0/24",
        message:
          'line 1: "bip": "10.5.52.0/24" is the network address of 10.5.52.0/24; dockerd fails with "failed to allocate gateway (10.5.52.0): Address already in use"; use "10.5.52.1/24"',
      })],
    ],
    [
      "bip is the broadcast address",
      '{"bip": "10.5.52.255/24"}',
      "26",
      [v("bip-broadcast-address", {
        key: "bip",
        line: 1,
        column: 2,
        value: "10.5.52.255/24",
        message:
          'line 1: "bip": "10.5.52.255/24" is the broadcast address of 10.5.52.0/24; dockerd fails with "failed to allocate gateway (10.5.52.255): Address already in use"; use "10.5.52.1/24"',
      })],
    ],
    [
      "bip too small",
      '{"bip": "10.5.52.1/31"}',
      "26",
      [v("bip-too-small", {
        key: "bip",
        line: 1,
        column: 2,
        value: "10.5.52.1/31",
        message: 'line 1: "bip": "10.5.52.1/31" leaves no room for containers; use a subnet of /30 or larger',
      })],
    ],
    [
      "bridge with bip",
      '{"bridge": "br0", "bip": "10.5.52.1/24"}',
      "26",
      [v("bridge-and-bip", {
        key: "bridge",
        line: 1,
        column: 2,
        value: "br0",
        message: 'You specified -b & --bip, mutually exclusive options. Please specify only one (remove "bridge": flannel-ts sets docker0\'s address with "bip")',
      })],
    ],
    [
      "iptables off with icc off",
      '{"iptables": false, "icc": false}',
      "26",
      [v("iptables-and-icc", {
        key: "icc",
        line: 1,
        column: 21,
        value: false,
        message: "You specified --iptables=false with --icc=false. ICC=false uses iptables to function. Please set --icc or --iptables to true",
      })],
    ],
    [
      "fixed-cidr not a CIDR",
      '{"bip": "10.5.52.1/24", "fixed-cidr": "10.5.52.0"}',
      "26",
      [v("fixed-cidr-invalid", {
        key: "fixed-cidr",
        line: 1,
        column: 25,
        value: "10.5.52.0",
        message: 'line 1: "fixed-cidr": "10.5.52.0" is not an IPv4 CIDR (dockerd: invalid CIDR address: 10.5.52.0)',
      })],
    ],
    [
      "fixed-cidr outside bip's subnet",
      '{"bip": "10.5.52.1/24", "fixed-cidr": "10.5.53.0/25"}',
      "26",
      [v("fixed-cidr-outside-bip", {
        key: "fixed-cidr",
        line: 1,
        column: 25,
        value: "10.5.53.0/25",
        message: 'line 1: "fixed-cidr": "10.5.53.0/25" is not inside bip\'s subnet 10.5.52.0/24; containers on docker0 must get addresses from it',
      })],
    ],
    ["fixed-cidr inside bip's subnet", '{"bip": "10.5.52.1/24", "fixed-cidr": "10.5.52.128/25"}', "26", []],
    [
      "default-gateway outside bip's subnet",
      '{"bip": "10.5.52.1/24", "default-gateway": "10.40.2.1"}',
      "20.10",
      [v("default-gateway-outside-bip", {
        key: "default-gateway",
        line: 1,
        column: 25,
        value: "10.40.2.1",
        message:
          'line 1: "default-gateway": "10.40.2.1" is outside bip\'s subnet; dockerd fails with "auxiliary address: (DefaultGatewayIPv4:10.40.2.1) must belong to the master pool: 10.5.52.0/24"',
      })],
    ],
    [
      "default-gateway not an address",
      '{"default-gateway": "gw"}',
      "26",
      [v("default-gateway-invalid", {
        key: "default-gateway",
        line: 1,
        column: 2,
        value: "gw",
        message: 'line 1: "default-gateway": "gw" is not an IPv4 address (dockerd: invalid IP address: gw)',
      })],
    ],
    [
      "default-address-pools malformed",
      '{"default-address-pools": [{"base": "10.10.0.0/16", "size": 8}, {"size": 24}]}',
      "26",
      [
        v("default-address-pool-invalid", {
          key: "default-address-pools",
          line: 1,
          column: 2,
          value: [{ base: "10.10.0.0/16", size: 8 }, { size: 24 }],
          message: 'line 1: "default-address-pools": pool 1 needs "size": a whole number from 16 to 32, found 8',
        }),
        v("default-address-pool-invalid", {
          key: "default-address-pools",
          line: 1,
          column: 2,
          value: [{ base: "10.10.0.0/16", size: 8 }, { size: 24 }],
          message: 'line 1: "default-address-pools": pool 2 needs "base": an IPv4 CIDR, found null',
        }),
      ],
    ],
    [
      "bip overlapping a default address pool",
      '{"bip": "10.5.52.1/24", "default-address-pools": [{"base": "10.0.0.0/8", "size": 24}]}',
      "26",
      [
        v("bip-overlaps-pool", {
          level: "warning",
          key: "default-address-pools",
          line: 1,
          column: 25,
          value: [{ base: "10.0.0.0/8", size: 24 }],
          message:
            "bip's subnet 10.5.52.0/24 overlaps default-address-pools base 10.0.0.0/8; networks Docker creates from the pool can clash with docker0 and with flannel's network",
        }),
      ],
    ],
  ])("%s", (_name, text, version, issues) => {
    expect(check(text, version)).toEqual(issues);
  });
});

describe("validateDaemonJson: directives set both as a flag and in the file", () => {
  it("Debian's unit (-H fd://) with the merged seed: dockerd's message and a drop-in that resets ExecStart", () => {
    const issues = check(MERGED_SEED, "26", cmdline(["-H", "fd://", "--containerd=/run/containerd/containerd.sock"]));
    expect(issues[0]).toEqual(
      v("flag-conflict", {
        key: "hosts",
        line: 4,
        column: 3,
        message:
          "the following directives are specified both as a flag and in the configuration file: hosts: (from flag: [fd://], from file: [unix:///var/run/docker.sock tcp://0.0.0.0:2375]); dockerd refuses to start. " +
          "Fix: remove these flags from dockerd's command line with a drop-in that resets ExecStart, /etc/systemd/system/docker.service.d/zz-flannel-ts.conf:\n" +
          "[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd --containerd=/run/containerd/containerd.sock\n" +
          "then run: systemctl daemon-reload && systemctl restart docker",
      }),
    );
  });

  it("lists every conflict in dockerd's order, with dockerd's value formats", () => {
    const [issue] = check(
      '{"mtu": 1472, "bip": "10.5.52.1/24", "log-opts": {"max-size": "10m", "max-file": "3"}, "debug": true}',
      "20.10",
      cmdline(["--mtu=1450", "--bip", "10.9.0.1/24", "--log-opt", "max-size=5m", "-D"], false, "20.10"),
    );
    expect(issue?.message).toBe(
      "the following directives are specified both as a flag and in the configuration file: bip: (from flag: 10.9.0.1/24, from file: 10.5.52.1/24), debug: (from flag: true, from file: true), log-opts: (from flag: map[max-size:5m], from file: map[max-file:3 max-size:10m]), mtu: (from flag: 1450, from file: 1472); dockerd refuses to start. " +
        'Fix: remove these flags from dockerd\'s command line (with systemd, a drop-in that resets ExecStart: "[Service]\\nExecStart=\\nExecStart=/usr/sbin/dockerd")',
    );
  });

  it("keeps $DOCKER_OPTS in the fixed line unless a removed flag came from it", () => {
    const words = (opts: string[]) => [
      { raw: "-H", variable: false, count: 1 },
      { raw: "fd://", variable: false, count: 1 },
      { raw: "--containerd=/run/containerd/containerd.sock", variable: false, count: 1 },
      { raw: "$DOCKER_OPTS", variable: true, count: opts.length },
    ];
    const line = (opts: string[], file: string): string | undefined => {
      const argv = ["-H", "fd://", "--containerd=/run/containerd/containerd.sock", ...opts];
      const dockerd: DockerdCommandLine = { program: "/usr/sbin/dockerd", args: parseDockerdArgs(argv)._unsafeUnwrap(), unit: { name: "docker.service", words: words(opts) } };
      return check(file, "26", dockerd)[0]?.message.split("Fix: ")[1];
    };
    expect(line([], '{"hosts": ["unix:///var/run/docker.sock"]}')).toBe(
      "remove these flags from dockerd's command line with a drop-in that resets ExecStart, /etc/systemd/system/docker.service.d/zz-flannel-ts.conf:\n[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd --containerd=/run/containerd/containerd.sock $DOCKER_OPTS\nthen run: systemctl daemon-reload && systemctl restart docker",
    );
    expect(line(["--bip=10.5.52.1/24", "--debug"], '{"bip": "10.5.52.1/24"}')).toBe(
      "remove these flags from dockerd's command line with a drop-in that resets ExecStart, /etc/systemd/system/docker.service.d/zz-flannel-ts.conf:\n[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock --debug\n($DOCKER_OPTS is expanded in this line, as it held flags to remove); then run: systemctl daemon-reload && systemctl restart docker",
    );
  });

  it("-b on the command line with bip in the file", () => {
    expect(check('{"bip": "10.5.52.1/24"}', "26", cmdline(["-b", "br0"])).map((i) => i.kind)).toEqual(["bridge-and-bip"]);
  });

  it("runtimes are merged by dockerd, not a conflict", () => {
    expect(check('{"runtimes": {"x": {"path": "/bin/x"}}}', "26", cmdline(["--add-runtime", "y=/bin/y"]))).toEqual([]);
  });
});

describe("validateDaemonJson: security findings", () => {
  it("the merged seed: TCP without TLS is an error-level finding, the insecure registry a warning", () => {
    expect(check(MERGED_SEED)).toEqual([
      {
        kind: "tcp-without-tls",
        level: "error",
        category: "security",
        key: "hosts",
        line: 4,
        column: 3,
        value: "tcp://0.0.0.0:2375",
        message:
          'hosts: tcp://0.0.0.0:2375 serves the Docker API without TLS: anyone who can reach port 2375 can run containers as root on this host (dockerd 26 delays its start by 15 s over it and warns that later releases will refuse it); remove it (the unix socket is enough) or set "tlsverify": true with "tlscacert", "tlscert" and "tlskey"',
      },
      {
        kind: "insecure-registry",
        level: "warning",
        category: "security",
        key: "insecure-registries",
        line: 3,
        column: 3,
        value: "registry.example.invalid:5000",
        message:
          "insecure-registries: registry.example.invalid:5000 is used over plain HTTP or unverified TLS: anyone on the path can replace its images; give it a certificate and remove it from the list",
      },
    ]);
  });

  it("TLS without client verification is still a finding; tlsverify (file or flag) is none", () => {
    expect(check('{"hosts": ["tcp://0.0.0.0:2376"], "tls": true}').map((i) => i.kind)).toEqual(["tcp-tls-without-verify"]);
    expect(check('{"hosts": ["tcp://0.0.0.0:2376"], "tlsverify": true}')).toEqual([]);
    expect(check("{}", "26", cmdline(["-H", "tcp://0.0.0.0:2376", "--tlsverify"]))).toEqual([]);
    expect(check("{}", "26", cmdline(["-H", "0.0.0.0:2375"]))).toMatchObject([{ kind: "tcp-without-tls", key: "hosts", value: "0.0.0.0:2375" }]);
  });

  it("the caller chooses whether findings block", () => {
    const issues = check(MERGED_SEED);
    expect(blockingIssues(issues).map((i) => i.kind)).toEqual(["tcp-without-tls"]);
    expect(blockingIssues(issues, true)).toEqual([]);
    expect(blockingIssues(check('{"mtu": "x"}'), true).map((i) => i.kind)).toEqual(["wrong-type"]);
  });
});

describe("validateDaemonJson: dockerd's value checks", () => {
  it.each<[string, string, DockerdVersion, DaemonJsonIssue[]]>([
    [
      "a log level, on 26",
      '{"log-level": "verbose"}',
      "26",
      [v("log-level-invalid", {
        key: "log-level",
        line: 1,
        column: 2,
        value: "verbose",
        message: 'line 1: "log-level": "verbose" is not a log level (dockerd: invalid logging level: verbose); use one of panic, fatal, error, warn, info, debug, trace',
      })],
    ],
    [
      'a log level, on 20.10, which also takes "warning"',
      '{"log-level": "verbose", "labels": ["a"]}',
      "20.10",
      [
        v("log-level-invalid", {
          key: "log-level",
          line: 1,
          column: 2,
          value: "verbose",
          message:
            'line 1: "log-level": "verbose" is not a log level (dockerd: unable to parse logging level: verbose); use one of panic, fatal, error, warn, info, debug, trace, warning',
        }),
        v("label-invalid", {
          key: "labels",
          line: 1,
          column: 37,
          value: "a",
          message: 'line 1: "labels": "a" has no \'=\' (dockerd: bad attribute format: a); write each label as "key=value"',
        }),
      ],
    ],
    [
      "a DNS server, pointing at the item",
      '{"dns": [\n  "10.5.0.2",\n  "10.5.0"\n]}',
      "26",
      [v("ip-address-invalid", {
        key: "dns",
        line: 3,
        column: 3,
        value: "10.5.0",
        message: 'line 3: "dns": "10.5.0" is not an IP address (dockerd: invalid IP address: 10.5.0); list the DNS servers\' IP addresses, e.g. ["10.5.0.2"]',
      })],
    ],
    [
      "a DNS server with blanks, which 20.10 trims",
      '{"dns": [" 10.5.0.2", "x"]}',
      "20.10",
      [v("ip-address-invalid", {
        key: "dns",
        line: 1,
        column: 23,
        value: "x",
        message: 'line 1: "dns": "x" is not an IP address (dockerd: x is not an ip address); list the DNS servers\' IP addresses, e.g. ["10.5.0.2"]',
      })],
    ],
    [
      "negative counts",
      '{"max-concurrent-uploads": -2}',
      "26",
      [v("count-negative", {
        key: "max-concurrent-uploads",
        line: 1,
        column: 2,
        value: -2,
        message: 'line 1: "max-concurrent-uploads": -2 is negative (dockerd: invalid max concurrent uploads: -2); give 0 or more (leave the key out for dockerd\'s default)',
      })],
    ],
    [
      "a count beyond int64",
      '{"max-download-attempts": 9223372036854775808}',
      "26",
      [
        v("wrong-type", {
          key: "max-download-attempts",
          line: 1,
          column: 2,
          value: 9223372036854775808,
          message:
            'line 1: "max-download-attempts": 9223372036854776000 has the wrong type (dockerd: json: cannot unmarshal number 9223372036854775808 into Go struct field Config.CommonConfig.max-download-attempts of type int); write a whole number without quotes',
        }),
      ],
    ],
    [
      "a number no float64 holds, anywhere",
      '{"log-opts": {"max-size": "10m"},\n "x-note": [1e400]}',
      "26",
      [
        v("number-out-of-range", {
          line: 2,
          column: 13,
          message: "line 2, column 13: the number 1e400 is too large for dockerd (json: cannot unmarshal number 1e400 into Go value of type float64); write a smaller one",
        }),
        v("unknown-keys", {
          key: "x-note",
          line: 2,
          column: 2,
          message: "the following directives don't match any configuration option: x-note (dockerd 26 refuses to start; remove it or correct the spelling)",
        }),
      ],
    ],
    [
      "default-ulimits with Soft above Hard: a warning, which dockerd --validate does not give",
      '{"default-ulimits": {"nofile": {"Name": "nofile", "Soft": 2048, "Hard": 1024}}}',
      "26",
      [
        v("default-ulimit-soft-above-hard", {
          level: "warning",
          key: "default-ulimits",
          line: 1,
          column: 32,
          value: { Name: "nofile", Soft: 2048, Hard: 1024 },
          message:
            'line 1: "default-ulimits": {"Name":"nofile","Soft":2048,"Hard":1024} sets nofile\'s Soft 2048 above its Hard 1024; containers would fail to start (dockerd --validate does not notice): make Soft at most Hard',
        }),
      ],
    ],
    ["TLS files, without a way to look: not checked", '{"tlsverify": true, "tlscert": "/nonexistent/c.pem", "tlskey": "/nonexistent/k.pem"}', "26", []],
  ])("%s", (_name, text, version, expected) => {
    expect(check(text, version)).toEqual(expected);
  });

  it("checks TLS files through the port, as dockerd loads them (TLS on with tls: true or any tlsverify)", () => {
    const doc = parseDaemonJson('{"tlsverify": false, "tlscert": "/etc/docker/cert.pem", "tlskey": "/etc/docker/key.pem"}')._unsafeUnwrap();
    const asked: string[] = [];
    const issues = validateDaemonJson(doc, { fileExists: (p) => (asked.push(p), p === "/etc/docker/cert.pem") });
    expect(asked).toEqual(["/etc/docker/cert.pem", "/etc/docker/key.pem"]);
    expect(issues).toEqual([
      v("tls-file-missing", {
        key: "tlskey",
        line: 1,
        column: 57,
        value: "/etc/docker/key.pem",
        message:
          'line 1: "tlskey": "/etc/docker/key.pem" names a file that does not exist (dockerd: invalid TLS configuration: Could not load X509 key pair (cert: "/etc/docker/cert.pem", key: "/etc/docker/key.pem"): open /etc/docker/key.pem: no such file or directory); give "tlscert" and "tlskey" (and "tlscacert" with "tlsverify") as files that exist, or turn TLS off',
      }),
    ]);
    expect(validateDaemonJson(parseDaemonJson('{"tlscert": "/nonexistent"}')._unsafeUnwrap(), { fileExists: () => false })).toEqual([]);
  });

  it("a repeated key the merge does not write is a warning; one it writes stays an error", () => {
    expect(check('{"debug": true, "debug": false, "bip": "10.5.52.1/24", "bip": "10.5.53.1/24"}').map((i) => [i.kind, i.level, i.key])).toEqual([
      ["duplicate-key", "warning", "debug"],
      ["duplicate-key", "error", "bip"],
    ]);
  });
});
