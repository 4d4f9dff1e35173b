import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { AGENT_FLAG_SPECS, agentUsage, envVariableOf, parseAgentFlags, type AgentFlags } from "./agent-flags.ts";

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
};

describe("parseAgentFlags", () => {
  const cases: ReadonlyArray<readonly [string, readonly string[], Record<string, string>, Partial<AgentFlags>]> = [
    ["defaults", [], {}, {}],
    [
      "the seed's command line",
      ["--etcd-endpoints", "http://etcd:2379", "--etcd-prefix", "/atomic.io/network", "--docker-config", "/etc/docker/daemon.json", "--docker-restart-command", "/usr/local/bin/dockerd-ctl restart", "--docker-allow-findings"],
      {},
      { etcdEndpoints: ["http://etcd:2379"], etcdPrefix: "/atomic.io/network", dockerConfig: "/etc/docker/daemon.json", dockerRestartCommand: "/usr/local/bin/dockerd-ctl restart", dockerAllowFindings: true },
    ],
    ["several endpoints", ["--etcd-endpoints=http://a:2379, http://b:2379,"], {}, { etcdEndpoints: ["http://a:2379", "http://b:2379"] }],
    ["--iface collects in order", ["--iface", "eth1", "--iface=10.0.0.2", "--iface-regex", "^en"], {}, { iface: ["eth1", "10.0.0.2"], ifaceRegex: ["^en"] }],
    ["Go's single dash", ["-ip-masq", "-subnet-file", "/tmp/s.env"], {}, { ipMasq: true, subnetFile: "/tmp/s.env" }],
    ["boolean with =false", ["--iptables-forward-rules=false", "--ip-masq=true"], {}, { iptablesForwardRules: false, ipMasq: true }],
    ["Go's boolean spellings", ["--ip-masq=T", "--release=0"], {}, { ipMasq: true, release: false }],
    ["bare --docker-config takes the default path", ["--docker-config", "--release"], {}, { dockerConfig: "/etc/docker/daemon.json", release: true }],
    ["--docker-config last", ["--docker-config"], {}, { dockerConfig: "/etc/docker/daemon.json" }],
    ["a value that starts with a dash", ["--dockerd-args", "-H fd:// --containerd=/run/containerd/containerd.sock"], {}, { dockerdArgs: "-H fd:// --containerd=/run/containerd/containerd.sock" }],
    ["the last of a repeated flag wins", ["--subnet-file", "/a", "--subnet-file", "/b"], {}, { subnetFile: "/b" }],
    ["--no-source-filter", ["--no-source-filter"], {}, { sourceFilter: false }],
    ["our own flags", ["--tun-name", "flannel.7", "--release", "--healthz-port", "8471", "--iptables-resync", "30"], {}, { tunName: "flannel.7", release: true, healthzPort: 8471, iptablesResyncSeconds: 30 }],
    ["empty optional strings are absent", ["--public-ip", "", "--etcd-cafile="], {}, {}],
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
    ["unknown flag", ["--etcd-endpiont", "x"], {}, { kind: "agent-flags", value: "--etcd-endpiont", message: "unknown flag --etcd-endpiont; run flannel-ts agent --help for the list" }],
    ["positional", ["--ip-masq", "false"], {}, { kind: "agent-flags", value: "false", message: 'unexpected argument "false": the agent takes only flags (a boolean takes its value as --flag=false)' }],
    ["bad boolean", ["--ip-masq=yes"], {}, { kind: "agent-flags", flag: "ip-masq", value: "yes", message: '--ip-masq: "yes" is not a boolean (use true or false)' }],
    [
      "bad boolean from the environment",
      [],
      { FLANNELD_IP_MASQ: "on" },
      { kind: "agent-flags", flag: "ip-masq", variable: "FLANNELD_IP_MASQ", value: "on", message: 'FLANNELD_IP_MASQ (for --ip-masq): "on" is not a boolean (use true or false)' },
    ],
    ["not an integer", ["--healthz-port", "80a"], {}, { kind: "agent-flags", flag: "healthz-port", value: "80a", message: '--healthz-port: "80a" is not an integer' }],
    [
      "margin 0",
      ["--subnet-lease-renew-margin=0"],
      {},
      { kind: "agent-flags", flag: "subnet-lease-renew-margin", value: "0", message: "--subnet-lease-renew-margin: 0 is out of range: give minutes from 1 to 1439 (less than the lease's 24 hours)" },
    ],
    [
      "margin of a day, from the environment",
      [],
      { FLANNELD_SUBNET_LEASE_RENEW_MARGIN: "1440" },
      {
        kind: "agent-flags",
        flag: "subnet-lease-renew-margin",
        variable: "FLANNELD_SUBNET_LEASE_RENEW_MARGIN",
        value: "1440",
        message: "FLANNELD_SUBNET_LEASE_RENEW_MARGIN (for --subnet-lease-renew-margin): 1440 is out of range: give minutes from 1 to 1439 (less than the lease's 24 hours)",
      },
    ],
    ["port out of range", ["--healthz-port", "70000"], {}, { kind: "agent-flags", flag: "healthz-port", value: "70000", message: "--healthz-port: 70000 is not a port (0 to 65535; 0 turns healthz off)" }],
    ["resync 0", ["--iptables-resync", "0"], {}, { kind: "agent-flags", flag: "iptables-resync", value: "0", message: "--iptables-resync: 0 is out of range: give at least 1 second" }],
    ["no endpoint", ["--etcd-endpoints", " , "], {}, { kind: "agent-flags", flag: "etcd-endpoints", value: " , ", message: "--etcd-endpoints: no endpoint given (e.g. http://127.0.0.1:2379)" }],
    ["bad TUN name", ["--tun-name", "a-name-that-is-too-long"], {}, { kind: "agent-flags", flag: "tun-name", value: "a-name-that-is-too-long", message: '--tun-name: "a-name-that-is-too-long" is not an interface name (1 to 15 letters, digits, \'_\', \'.\', \'-\')' }],
    ["missing value", ["--subnet-file"], {}, { kind: "agent-flags", flag: "subnet-file", message: "flag --subnet-file needs a value" }],
  ];
  it.each(errors)("refuses: %s", (_name, argv, env, expected) => {
    expect(parseAgentFlags(argv, env)).toEqual(err(expected));
  });
});

describe("envVariableOf", () => {
  it.each([
    ["etcd-endpoints", "FLANNELD_ETCD_ENDPOINTS"],
    ["iface-regex", "FLANNELD_IFACE_REGEX"],
    ["no-source-filter", "FLANNELD_NO_SOURCE_FILTER"],
  ])("%s -> %s", (flag, variable) => {
    expect(envVariableOf(flag)).toBe(variable);
  });
});

describe("agentUsage", () => {
  it("lists every flag with its default and variable", () => {
    const text = agentUsage();
    for (const spec of AGENT_FLAG_SPECS) {
      const line = text.split("\n").findIndex((l) => l.startsWith(`  --${spec.name}`) && (l.length === spec.name.length + 4 || l[spec.name.length + 4] === " "));
      expect(line, spec.name).toBeGreaterThan(0);
      expect(text.split("\n")[line + 1]).toContain(`(default `);
      expect(text.split("\n")[line + 1]).toContain(envVariableOf(spec.name));
    }
    expect(text).toContain('  --etcd-endpoints string\n        etcd client URLs, separated by commas (default "http://127.0.0.1:2379"; FLANNELD_ETCD_ENDPOINTS)');
    expect(text).toContain("  --subnet-lease-renew-margin int\n");
    expect(text).toContain("(default 60; FLANNELD_SUBNET_LEASE_RENEW_MARGIN)");
  });
});
