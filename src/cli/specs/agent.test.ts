import { err, ok } from "neverthrow";
import { SUPPORTED_BACKENDS } from "../../backend/backend.ts";
import { describe, expect, it } from "vitest";
import { envVariableOf } from "../flag-spec.ts";
import { formatUsage } from "../format-usage.ts";
import { type AgentFlags, agentSpec, parseAgentFlags } from "./agent.ts";

const defaults: AgentFlags = {
  etcdEndpoints: ["http://127.0.0.1:2379"],
  etcdPrefix: "/coreos.com/network",
  iface: [],
  ifaceRegex: [],
  subnetFile: "/run/flannel/subnet.env",
  subnetLeaseRenewMarginMinutes: 60,
  ipMasq: false,
  healthzIp: "0.0.0.0",
  healthzPort: 0,
  iptablesForwardRules: true,
  iptablesResyncSeconds: 5,
  release: false,
  dockerRestartCommand: "systemctl restart docker",
  dockerAllowFindings: false,
  tunName: "flannel0",
  sourceFilter: true,
  json: false,
};

describe("parseAgentFlags", () => {
  const cases: ReadonlyArray<readonly [string, readonly string[], Record<string, string>, Partial<AgentFlags>]> = [
    ["defaults", [], {}, {}],
    [
      "the seed's command line",
      [
        "--etcd-endpoints",
        "http://etcd:2379",
        "--etcd-prefix",
        "/atomic.io/network",
        "--docker-config",
        "/etc/docker/daemon.json",
        "--docker-restart-command",
        "/usr/local/bin/dockerd-ctl restart",
        "--docker-allow-findings",
      ],
      {},
      {
        etcdEndpoints: ["http://etcd:2379"],
        etcdPrefix: "/atomic.io/network",
        dockerConfig: "/etc/docker/daemon.json",
        dockerRestartCommand: "/usr/local/bin/dockerd-ctl restart",
        dockerAllowFindings: true,
      },
    ],
    ["several endpoints", ["--etcd-endpoints=http://a:2379, http://b:2379,"], {}, { etcdEndpoints: ["http://a:2379", "http://b:2379"] }],
    ["--iface collects in order", ["--iface", "eth1", "--iface=10.0.0.2", "--iface-regex", "^en"], {}, { iface: ["eth1", "10.0.0.2"], ifaceRegex: ["^en"] }],
    ["Go's single dash", ["-ip-masq", "-subnet-file", "/tmp/s.env"], {}, { ipMasq: true, subnetFile: "/tmp/s.env" }],
    ["boolean with =false", ["--iptables-forward-rules=false", "--ip-masq=true"], {}, { iptablesForwardRules: false, ipMasq: true }],
    ["Go's boolean spellings", ["--ip-masq=T", "--release=0"], {}, { ipMasq: true, release: false }],
    ["bare --docker-config takes the default path", ["--docker-config", "--release"], {}, { dockerConfig: "/etc/docker/daemon.json", release: true }],
    ["--docker-config last", ["--docker-config"], {}, { dockerConfig: "/etc/docker/daemon.json" }],
    ["a value that starts with a dash", ["--dockerd-args", "-H fd:// --containerd=/run/containerd/containerd.sock"], {}, {
      dockerdArgs: "-H fd:// --containerd=/run/containerd/containerd.sock",
    }],
    ["the last of a repeated flag wins", ["--subnet-file", "/a", "--subnet-file", "/b"], {}, { subnetFile: "/b" }],
    ["--no-source-filter", ["--no-source-filter"], {}, { sourceFilter: false }],
    ["our own flags", ["--tun-name", "flannel.7", "--release", "--healthz-port", "8471", "--iptables-resync", "30"], {}, {
      tunName: "flannel.7",
      release: true,
      healthzPort: 8471,
      iptablesResyncSeconds: 30,
    }],
    ["empty optional strings are absent", ["--public-ip", "", "--public-ipv6=", "--etcd-cafile="], {}, {}],
    ["--public-ipv6, written as flannel-ts writes addresses", ["--public-ipv6", "FD00:0001:0:0::7"], {}, { publicIpv6: "fd00:1::7" }],
    ["FLANNELD_PUBLIC_IPV6", [], { FLANNELD_PUBLIC_IPV6: "2001:db8::5" }, { publicIpv6: "2001:db8::5" }],
    ["--iface-can-reach, IPv4", ["--iface-can-reach", "192.0.2.1"], {}, { ifaceCanReach: "192.0.2.1" }],
    ["--iface-can-reach, IPv6 in its short form", ["--iface-can-reach=2001:DB8:0::1"], {}, { ifaceCanReach: "2001:db8::1" }],
    ["FLANNELD_IFACE_CAN_REACH", [], { FLANNELD_IFACE_CAN_REACH: "198.51.100.1" }, { ifaceCanReach: "198.51.100.1" }],
    ["an empty FLANNELD_IFACE_CAN_REACH is no value", [], { FLANNELD_IFACE_CAN_REACH: "" }, {}],
    ["--public-ipv6 wins over FLANNELD_PUBLIC_IPV6", ["--public-ipv6=2001:db8::6"], { FLANNELD_PUBLIC_IPV6: "2001:db8::5" }, { publicIpv6: "2001:db8::6" }],
    [
      "environment variables",
      [],
      {
        FLANNELD_ETCD_ENDPOINTS: "https://e1:2379,https://e2:2379",
        FLANNELD_ETCD_PREFIX: "/atomic.io/network",
        FLANNELD_ETCD_CAFILE: "/etc/ssl/ca.pem",
        FLANNELD_ETCD_USERNAME: "flannel",
        FLANNELD_ETCD_PASSWORD: "secret",
        FLANNELD_IFACE: "eth1",
        FLANNELD_PUBLIC_IP: "203.0.113.7",
        FLANNELD_IP_MASQ: "true",
        FLANNELD_SUBNET_LEASE_RENEW_MARGIN: "30",
        FLANNELD_IPTABLES_FORWARD_RULES: "false",
        FLANNELD_DOCKER_CONFIG: "/srv/daemon.json",
      },
      {
        etcdEndpoints: ["https://e1:2379", "https://e2:2379"],
        etcdPrefix: "/atomic.io/network",
        etcdCafile: "/etc/ssl/ca.pem",
        etcdUsername: "flannel",
        etcdPassword: "secret",
        iface: ["eth1"],
        publicIp: "203.0.113.7",
        ipMasq: true,
        subnetLeaseRenewMarginMinutes: 30,
        iptablesForwardRules: false,
        dockerConfig: "/srv/daemon.json",
      },
    ],
    ["flags win over the environment", ["--etcd-prefix", "/cli", "--ip-masq=false"], { FLANNELD_ETCD_PREFIX: "/env", FLANNELD_IP_MASQ: "true" }, { etcdPrefix: "/cli" }],
    ["an empty variable is unset", [], { FLANNELD_ETCD_PREFIX: "", FLANNELD_IP_MASQ: "" }, {}],
    ["unrelated variables are ignored", [], { FLANNEL_SUBNET: "10.5.1.1/24", ETCD_ENDPOINTS: "x" }, {}],
    ["margin bounds", ["--subnet-lease-renew-margin", "1439"], {}, { subnetLeaseRenewMarginMinutes: 1439 }],
  ];
  it.each(cases)("%s", (_name, argv, env, expected) => {
    expect(parseAgentFlags(argv, env)).toEqual(ok({ ...defaults, ...expected }));
  });

  const errors: ReadonlyArray<readonly [string, readonly string[], Record<string, string>, object]> = [
    ["unknown flag", ["--etcd-endpiont", "x"], {}, {
      kind: "unknown-flag",
      flag: "--etcd-endpiont",
      message: 'unknown flag "--etcd-endpiont"; run flannel-ts agent --help for the list',
    }],
    ["positional", ["--ip-masq", "false"], {}, {
      kind: "unexpected-argument",
      message: 'unexpected argument "false": flannel-ts agent takes only flags (a boolean takes its value as --flag=false)',
    }],
    ["bad boolean", ["--ip-masq=yes"], {}, { kind: "bad-value", flag: "--ip-masq", message: '--ip-masq: "yes" is not a boolean (use true or false)' }],
    [
      "bad boolean from the environment",
      [],
      { FLANNELD_IP_MASQ: "on" },
      { kind: "bad-value", flag: "--ip-masq", variable: "FLANNELD_IP_MASQ", message: 'FLANNELD_IP_MASQ (for --ip-masq): "on" is not a boolean (use true or false)' },
    ],
    ["not an integer", ["--healthz-port", "80a"], {}, { kind: "bad-value", flag: "--healthz-port", message: '--healthz-port: "80a" is not an integer' }],
    [
      "margin 0",
      ["--subnet-lease-renew-margin=0"],
      {},
      {
        kind: "bad-value",
        flag: "--subnet-lease-renew-margin",
        message: '--subnet-lease-renew-margin: "0" is out of range: give minutes from 1 to 1439 (less than the lease\'s 24 hours)',
      },
    ],
    [
      "margin of a day, from the environment",
      [],
      { FLANNELD_SUBNET_LEASE_RENEW_MARGIN: "1440" },
      {
        kind: "bad-value",
        flag: "--subnet-lease-renew-margin",
        variable: "FLANNELD_SUBNET_LEASE_RENEW_MARGIN",
        message: 'FLANNELD_SUBNET_LEASE_RENEW_MARGIN (for --subnet-lease-renew-margin): "1440" is out of range: give minutes from 1 to 1439 (less than the lease\'s 24 hours)',
      },
    ],
    ["port out of range", ["--healthz-port", "70000"], {}, { kind: "bad-value", flag: "--healthz-port", message: '--healthz-port: "70000" is out of range: give from 0 to 65535' }],
    ["resync 0", ["--iptables-resync", "0"], {}, {
      kind: "bad-value",
      flag: "--iptables-resync",
      message: '--iptables-resync: "0" is out of range: give seconds from 1 to 2147483 (a timer holds at most 2^31-1 ms, about 24.8 days)',
    }],
    [
      "resync beyond a timer",
      ["--iptables-resync", "99999999999"],
      {},
      {
        kind: "bad-value",
        flag: "--iptables-resync",
        message: '--iptables-resync: "99999999999" is out of range: give seconds from 1 to 2147483 (a timer holds at most 2^31-1 ms, about 24.8 days)',
      },
    ],
    ["no endpoint", ["--etcd-endpoints", " , "], {}, {
      kind: "bad-value",
      flag: "--etcd-endpoints",
      message: '--etcd-endpoints: " , " has no endpoint (e.g. http://127.0.0.1:2379)',
    }],
    [
      "bad TUN name",
      ["--tun-name", "a-name-that-is-too-long"],
      {},
      { kind: "bad-value", flag: "--tun-name", message: "--tun-name: \"a-name-that-is-too-long\" is not an interface name (1 to 15 letters, digits, '_', '.', '-')" },
    ],
    ["missing value", ["--subnet-file"], {}, { kind: "missing-value", flag: "--subnet-file", message: "flag --subnet-file needs a value" }],
    ["public IP 0.0.0.0", ["--public-ip", "0.0.0.0"], {}, {
      kind: "bad-value",
      flag: "--public-ip",
      message: '--public-ip: "0.0.0.0" is not a unicast address (0.0.0.0 means any address)',
    }],
    ["public IP in IPv6", ["--public-ip", "fd00::1"], {}, { kind: "bad-value", flag: "--public-ip", message: '--public-ip: "fd00::1" is an IPv6 address; give an IPv4 address' }],
    ["public IPv6 ::", ["--public-ipv6", "::"], {}, { kind: "bad-value", flag: "--public-ipv6", message: '--public-ipv6: "::" is not a unicast address (:: means any address)' }],
    ["public IPv6 ::1", ["--public-ipv6", "::1"], {}, {
      kind: "bad-value",
      flag: "--public-ipv6",
      message: '--public-ipv6: "::1" is the loopback address; give one that other hosts reach',
    }],
    ["public IPv6 ff02::1", ["--public-ipv6", "ff02::1"], {}, {
      kind: "bad-value",
      flag: "--public-ipv6",
      message: '--public-ipv6: "ff02::1" is not a unicast address (ff00::/8 is multicast)',
    }],
    ["public IPv6 fe80::1", ["--public-ipv6", "fe80::1"], {}, {
      kind: "bad-value",
      flag: "--public-ipv6",
      message: '--public-ipv6: "fe80::1" is a link-local address (fe80::/10); give a global or unique local address',
    }],
    ["public IPv6 ::ffff:192.0.2.1", ["--public-ipv6", "::ffff:192.0.2.1"], {}, {
      kind: "bad-value",
      flag: "--public-ipv6",
      message: '--public-ipv6: "::ffff:192.0.2.1" is an IPv4-mapped address; give the IPv4 address with --public-ip',
    }],
    ["public IPv6 203.0.113.7", ["--public-ipv6", "203.0.113.7"], {}, {
      kind: "bad-value",
      flag: "--public-ipv6",
      message: '--public-ipv6: "203.0.113.7" is an IPv4 address; give an IPv6 address',
    }],
    ["public IPv6 with a prefix", ["--public-ipv6", "fd00::1/64"], {}, {
      kind: "bad-value",
      flag: "--public-ipv6",
      message: '--public-ipv6: "fd00::1/64" is a CIDR; give the address without a prefix length',
    }],
    [
      "public IPv6 from the variable",
      [],
      { FLANNELD_PUBLIC_IPV6: "fe80::2" },
      {
        kind: "bad-value",
        flag: "--public-ipv6",
        variable: "FLANNELD_PUBLIC_IPV6",
        message: 'FLANNELD_PUBLIC_IPV6 (for --public-ipv6): "fe80::2" is a link-local address (fe80::/10); give a global or unique local address',
      },
    ],
    ["--iface-can-reach takes an address, not a name", ["--iface-can-reach", "eth0"], {}, {
      kind: "bad-value",
      flag: "--iface-can-reach",
      message: '--iface-can-reach: "eth0" is not an IP address (expected 4 dot-separated octets, found 1)',
    }],
    ["a password is never quoted", ["--etcd-password=x", "--etcd-password"], {}, { kind: "missing-value", flag: "--etcd-password", message: "flag --etcd-password needs a value" }],
  ];
  it.each(errors)("refuses: %s", (_name, argv, env, expected) => {
    expect(parseAgentFlags(argv, env)).toEqual(err(expected));
  });
});

describe("the agent's help", () => {
  it("names every backend the agent carries, each with its Backend options", () => {
    const text = formatUsage(agentSpec);
    for (const kind of SUPPORTED_BACKENDS) expect(text, kind).toMatch(new RegExp(`\\n  ${kind} +\\S`));
    expect(text).toContain('the network config\'s "Backend" object');
    expect(text.replace(/\s+/g, " ")).toContain("VNI (default 1), Port (default the kernel's 8472), GBP, Learning, DirectRouting");
    expect(text).toContain("Port (default 8285)");
  });

  it("lists every flag with its default and variable, as flanneld's help does", () => {
    const text = formatUsage(agentSpec);
    const lines = text.split("\n");
    for (const flag of Object.values(agentSpec.flags)) {
      const line = lines.findIndex((l) => l.startsWith(`  --${flag.name}`) && (l.length === flag.name.length + 4 || l[flag.name.length + 4] === " "));
      expect(line, flag.name).toBeGreaterThan(0);
      const help = lines.slice(line + 1).join(" ").split("  --")[0] ?? "";
      expect(help, flag.name).toContain(envVariableOf(flag.name));
    }
    expect(text).toContain('  --etcd-endpoints string\n        etcd client URLs, separated by commas (default "http://127.0.0.1:2379";\n        FLANNELD_ETCD_ENDPOINTS)\n');
    expect(text).toContain("  --subnet-lease-renew-margin int\n");
    expect(text).toContain("1 to 1439 (default\n        60; FLANNELD_SUBNET_LEASE_RENEW_MARGIN)");
    expect(text).toContain("  --docker-config [path]\n");
    expect(text).toContain("  --public-ipv6 string\n");
    expect(text).toContain(
      "  --iptables-forward-rules\n        accept forwarded traffic to and from the flannel network in iptables'\n        FORWARD chain (default true; FLANNELD_IPTABLES_FORWARD_RULES)\n",
    );
  });
});
