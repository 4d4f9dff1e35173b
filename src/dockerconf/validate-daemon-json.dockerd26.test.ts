import { describe, expect, it } from "vitest";
import { parseDaemonJson } from "./daemon-json.ts";
import { validateDaemonJson } from "./validate-daemon-json.ts";

// Each file and what `dockerd --validate --config-file` printed for it, recorded
// with dockerd 26.1.5 (Debian trixie's docker.io, in the test kit's dind image),
// its "unable to configure the Docker daemon with file ...:" and "merged
// configuration validation ... failed:" prefixes cut. The files named paths
// under /cases: cert.pem and key.pem existed there, and /etc/hostname.
const RECORDED: readonly (readonly [name: string, text: string, dockerd: string])[] = [
  ["bip-bad", '{"bip": "x"}', "OK"],
  ["bip-netaddr", '{"bip": "10.5.52.0/24"}', "OK"],
  ["bom", '\ufeff{"mtu": 1472}', "OK"],
  ["cgroupns-foo", '{"default-cgroupns-mode": "foo"}', 'default cgroup namespace mode (foo) is invalid; use "host" or "private"'],
  ["cgroupns-private", '{"default-cgroupns-mode": "private"}', "OK"],
  ["containerd-ns", '{"containerd-namespace": ""}', "OK"],
  ["cpurt", '{"cpu-rt-period": 1000}', "OK"],
  ["data-root-rel", '{"data-root": "relative"}', "OK"],
  ["default-runtime-foo", '{"default-runtime": "foo"}', "OK"],
  ["dns-bad", '{"dns": ["1.2.3"]}', "invalid IP address: 1.2.3"],
  ["dns-bracket", '{"dns": ["[::1]"]}', "invalid IP address: [::1]"],
  ["dns-leadingzero", '{"dns": ["8.08.8.8"]}', "invalid IP address: 8.08.8.8"],
  ["dns-mapped", '{"dns": ["::ffff:8.8.8.8"]}', "OK"],
  ["dns-null", '{"dns": [null]}', "OK"],
  ["dns-number", '{"dns": [8]}', "json: cannot unmarshal number into Go struct field Config.CommonConfig.DNSConfig.dns of type net.IP"],
  ["dns-second-bad", '{"dns": ["8.8.8.8", "x"]}', "invalid IP address: x"],
  ["dns-space", '{"dns": [" 8.8.8.8"]}', "invalid IP address:  8.8.8.8"],
  ["dns-string", '{"dns": "8.8.8.8"}', "json: cannot unmarshal string into Go struct field Config.CommonConfig.DNSConfig.dns of type []net.IP"],
  ["dns-v6", '{"dns": ["::1", "fe80::1%eth0"]}', "invalid IP address: fe80::1%eth0"],
  ["dnsopts-num", '{"dns-opts": [1]}', "json: cannot unmarshal number into Go struct field Config.CommonConfig.DNSConfig.dns-opts of type string"],
  ["dnssearch-bad", '{"dns-search": ["-bad"]}', "-bad is not a valid domain"],
  ["dnssearch-colon", '{"dns-search": [":abc"]}', "OK"],
  ["dnssearch-colondot", '{"dns-search": ["a:.b"]}', "OK"],
  ["dnssearch-digits", '{"dns-search": ["123"]}', "123 is not a valid domain"],
  ["dnssearch-dot", '{"dns-search": ["."]}', "OK"],
  ["dnssearch-dots", '{"dns-search": ["a..b"]}', "a..b is not a valid domain"],
  ["dnssearch-empty", '{"dns-search": [""]}', " is not a valid domain"],
  ["dnssearch-hyphen-end", '{"dns-search": ["abc-.com"]}', "abc-.com is not a valid domain"],
  ["dnssearch-trailing", '{"dns-search": ["example.com.  "]}', "OK"],
  ["dnssearch-underscore", '{"dns-search": ["a_b.example"]}', "a_b.example is not a valid domain"],
  ["dup-mtu", '{"mtu": 1400, "mtu": 1472}', "OK"],
  ["dup-nested", '{"log-opts": {"max-size": "1m", "max-size": "2m"}}', "OK"],
  ["exec-opt-bad", '{"exec-opts": ["native.cgroupdriver=foo"]}', "OK"],
  ["fcv6-129", '{"fixed-cidr-v6": "2001:db8::/129"}', "invalid fixed-cidr-v6: invalid CIDR address: 2001:db8::/129"],
  ["fcv6-bad", '{"fixed-cidr-v6": "x"}', "invalid fixed-cidr-v6: invalid CIDR address: x"],
  ["fcv6-ok", '{"fixed-cidr-v6": "fd00:1::/64"}', "OK"],
  ["fcv6-v4", '{"fixed-cidr-v6": "10.0.0.0/8"}', "invalid fixed-cidr-v6: fixed-cidr-v6 is not an IPv6 subnet"],
  ["features-str", '{"features": {"x": "yes"}}', "json: cannot unmarshal string into Go struct field Config.CommonConfig.features of type bool"],
  ["features-wdp", '{"features": {"windows-dns-proxy": true}}', "feature option 'windows-dns-proxy' is only available on Windows"],
  ["features-wdp-false", '{"features": {"windows-dns-proxy": false}}', "feature option 'windows-dns-proxy' is only available on Windows"],
  ["gw-bad", '{"default-gateway": "x"}', "invalid IP address: x"],
  ["hgip-bad", '{"host-gateway-ip": "x"}', "invalid IP address: x"],
  ["hosts-badport", '{"hosts": ["tcp://0.0.0.0:abc"]}', 'invalid bind address (tcp://0.0.0.0:abc): parse "tcp://0.0.0.0:abc": invalid port ":abc" after host'],
  ["hosts-brace", '{"hosts": ["tcp://ho{st:2375"]}', 'invalid bind address (tcp://ho{st:2375): parse "tcp://ho{st:2375": invalid character "{" in host name'],
  ["hosts-ctl", '{"hosts": ["tcp://host\\u0001:2375"]}', 'invalid bind address (tcp://host\u0001:2375): parse "tcp://host\\x01:2375": net/url: invalid control character in URL'],
  ["hosts-empty", '{"hosts": [""]}', "OK"],
  ["hosts-emptyport", '{"hosts": ["tcp://host:"]}', "OK"],
  ["hosts-fd", '{"hosts": ["fd://"]}', "OK"],
  ["hosts-noproto", '{"hosts": ["localhost:2375"]}', "OK"],
  ["hosts-path", '{"hosts": ["tcp://host:2375/path"]}', "invalid bind address (tcp://host:2375/path): should not contain a path element"],
  ["hosts-port0", '{"hosts": ["tcp://:0"]}', "invalid bind address (tcp://:0): invalid port: 0"],
  ["hosts-portbig", '{"hosts": ["tcp://0.0.0.0:99999"]}', "OK"],
  ["hosts-proto", '{"hosts": ["foo://x"]}', "invalid bind address (foo://x): unsupported proto 'foo'"],
  ["hosts-query", '{"hosts": ["tcp://host:2375?x=1"]}', "OK"],
  ["hosts-slash", '{"hosts": ["tcp://host:2375/"]}', "invalid bind address (tcp://host:2375/): should not contain a path element"],
  ["hosts-space", '{"hosts": [" tcp://0.0.0.0:2375 "]}', "OK"],
  ["hosts-space-in", '{"hosts": ["tcp://a b:1"]}', 'invalid bind address (tcp://a b:1): parse "tcp://a b:1": invalid character " " in host name'],
  ["hosts-ssh", '{"hosts": ["ssh://x"]}', "invalid bind address (ssh://x): unsupported proto 'ssh'"],
  ["hosts-unix2", '{"hosts": ["unix://x://y"]}', "invalid bind address (unix://x://y): invalid unix address: x://y"],
  ["hosts-upper", '{"hosts": ["TCP://x:1"]}', "invalid bind address (TCP://x:1): unsupported proto 'TCP'"],
  ["hosts-userinfo", '{"hosts": ["tcp://u@host:2375"]}', "OK"],
  ["hosts-v6", '{"hosts": ["tcp://[::1]:2375"]}', "OK"],
  ["insecure-bad", '{"insecure-registries": ["http://x/y"]}', "OK"],
  ["insecure-cidr", '{"insecure-registries": ["10.0.0.0/33"]}', "OK"],
  ["ip-bad", '{"ip": "1.2.3"}', "invalid IP address: 1.2.3"],
  ["ip-v6", '{"ip": "::1"}', "OK"],
  ["ipc-container-empty", '{"default-ipc-mode": "container:"}', 'IPC mode "container:" is not supported as default value; use "shareable" or "private"'],
  ["ipc-container-x", '{"default-ipc-mode": "container:abc"}', 'IPC mode "container:abc" is not supported as default value; use "shareable" or "private"'],
  ["ipc-foo", '{"default-ipc-mode": "foo"}', 'default IPC mode setting (foo) is invalid; use "shareable" or "private"'],
  ["ipc-host", '{"default-ipc-mode": "host"}', 'IPC mode "host" is not supported as default value; use "shareable" or "private"'],
  ["ipc-none", '{"default-ipc-mode": "none"}', 'IPC mode "none" is not supported as default value; use "shareable" or "private"'],
  ["iptables-icc", '{"iptables": false, "icc": false}', "OK"],
  ["labels-conflict", '{"labels": ["a=1", "b=2", "a=2"]}', "conflict labels for a=2 and a=1"],
  ["labels-conflict-eq", '{"labels": ["a=b=c", "a=b"]}', "conflict labels for a=b and a=b=c"],
  ["labels-emptykey", '{"labels": ["=x"]}', "OK"],
  ["labels-noeq", '{"labels": ["foo"]}', "bad attribute format: foo"],
  [
    "labels-reserved",
    '{"labels": ["com.docker.x=1"]}',
    "label com.docker.x=1 is not allowed: the namespaces com.docker.*, io.docker.*, and org.dockerproject.* are reserved for internal use",
  ],
  [
    "labels-reserved-case",
    '{"labels": ["Com.Docker.x=1"]}',
    "label Com.Docker.x=1 is not allowed: the namespaces com.docker.*, io.docker.*, and org.dockerproject.* are reserved for internal use",
  ],
  ["labels-same", '{"labels": ["a=1", "a=1"]}', "OK"],
  ["labels-two-same-eq", '{"labels": ["a=b=c", "a=b=c"]}', "OK"],
  ["log-driver-foo", '{"log-driver": "foo"}', "OK"],
  ["logformat-JSON", '{"log-format": "JSON"}', "invalid log format: JSON"],
  ["logformat-xml", '{"log-format": "xml"}', "invalid log format: xml"],
  ["loglevel-TRACE", '{"log-level": "TRACE"}', "OK"],
  ["loglevel-WARN", '{"log-level": "WARN"}', "OK"],
  ["loglevel-empty", '{"log-level": ""}', "OK"],
  ["loglevel-foo", '{"log-level": "foo"}', "invalid logging level: foo"],
  ["loglevel-warning", '{"log-level": "warning"}', "invalid logging level: warning"],
  ["logopts-1e400", '{"log-opts": {"max-size": 1e400}}', "json: cannot unmarshal number 1e400 into Go value of type float64"],
  ["logopts-num", '{"log-opts": {"max-size": 5}}', "json: cannot unmarshal number into Go struct field Config.CommonConfig.LogConfig.log-opts of type string"],
  ["mcd-exp", '{"max-concurrent-downloads": 1e2}', "json: cannot unmarshal number 1e2 into Go struct field Config.CommonConfig.max-concurrent-downloads of type int"],
  ["mcd-frac", '{"max-concurrent-downloads": 1.5}', "json: cannot unmarshal number 1.5 into Go struct field Config.CommonConfig.max-concurrent-downloads of type int"],
  [
    "mcd-huge",
    '{"max-concurrent-downloads": 99999999999999999999}',
    "json: cannot unmarshal number 99999999999999999999 into Go struct field Config.CommonConfig.max-concurrent-downloads of type int",
  ],
  ["mcd-int64max", '{"max-concurrent-downloads": 9223372036854775807}', "OK"],
  [
    "mcd-int64over",
    '{"max-concurrent-downloads": 9223372036854775808}',
    "json: cannot unmarshal number 9223372036854775808 into Go struct field Config.CommonConfig.max-concurrent-downloads of type int",
  ],
  ["mcd-neg", '{"max-concurrent-downloads": -1}', "invalid max concurrent downloads: -1"],
  ["mcu-neg", '{"max-concurrent-uploads": -1}', "invalid max concurrent uploads: -1"],
  ["mda-neg", '{"max-download-attempts": -1}', "invalid max download attempts: -1"],
  ["mtu-1e400", '{"mtu": 1e400}', "json: cannot unmarshal number 1e400 into Go value of type float64"],
  [
    "mtu-huge",
    '{"mtu": 99999999999999999999}',
    "json: cannot unmarshal number 99999999999999999999 into Go struct field Config.CommonConfig.BridgeConfig.DefaultBridgeConfig.mtu of type int",
  ],
  ["mtu-neg", '{"mtu": -1}', "invalid default MTU: -1"],
  ["mtu-str", '{"mtu": "1472"}', "json: cannot unmarshal string into Go struct field Config.CommonConfig.BridgeConfig.DefaultBridgeConfig.mtu of type int"],
  ["nbsp-lead", '\u00a0{"mtu": 1472}', "OK"],
  ["ncpm-neg", '{"network-control-plane-mtu": -1}', "OK"],
  ["ndp-neg", '{"network-diagnostic-port": -1}', "OK"],
  ["ngr-bad", '{"node-generic-resources": ["gpu"]}', "could not parse GenericResource: incorrect term gpu, missing '=' or malformed expression"],
  ["ngr-mixed", '{"node-generic-resources": ["gpu=1", "gpu=a"]}', "could not parse GenericResource: mixed discrete and named resources in expression 'gpu=[1 a]'"],
  ["ngr-neg", '{"node-generic-resources": ["gpu=-1"]}', "could not parse GenericResource: cannot ask for negative resource gpu"],
  ["ngr-ok", '{"node-generic-resources": ["gpu=1", "ssd=a", "ssd=b"]}', "OK"],
  ["ngr-twoeq", '{"node-generic-resources": ["a=b=c"]}', "could not parse GenericResource: incorrect term a=b=c, missing '=' or malformed expression"],
  ["ok-empty", "", "OK"],
  ["ok-min", '{"mtu": 1472, "bip": "10.5.52.1/24"}', "OK"],
  ["pools-bad", '{"default-address-pools": [{"base": "x", "size": 24}]}', "OK"],
  ["pools-size", '{"default-address-pools": [{"base": "10.10.0.0/16", "size": 8}]}', "OK"],
  ["proxies-http-bad", '{"proxies": {"http-proxy": "::::"}}', "OK"],
  ["registry-mirror-bad", '{"registry-mirrors": ["not a url"]}', "OK"],
  ["seccomp-missing", '{"seccomp-profile": "/nonexistent.json"}', "OK"],
  ["shm-123", '{"default-shm-size": "1.2.3"}', 'strconv.ParseFloat: parsing "1.2.3": invalid syntax'],
  ["shm-64kib", '{"default-shm-size": "64KiB"}', "OK"],
  ["shm-64spaceM", '{"default-shm-size": "64 M"}', "OK"],
  ["shm-64x", '{"default-shm-size": "64x"}', "invalid size: '64x'"],
  ["shm-bad", '{"default-shm-size": "abc"}', "invalid size: 'abc'"],
  ["shm-empty", '{"default-shm-size": ""}', 'invalid size: "\\"\\""'],
  ["shm-mbx", '{"default-shm-size": "64mbx"}', "invalid size: '64mbx'"],
  ["shm-neg", '{"default-shm-size": "-1"}', "invalid size: '-1'"],
  ["shm-null", '{"default-shm-size": null}', 'invalid size: "null"'],
  ["shm-number", '{"default-shm-size": 64}', 'invalid size: "64"'],
  ["st-neg", '{"shutdown-timeout": -1}', "OK"],
  ["storage-foo", '{"storage-driver": "foo"}', "OK"],
  ["swarm-tick-neg", '{"swarm-raft-heartbeat-tick": -1}', "the following directives don't match any configuration option: swarm-raft-heartbeat-tick"],
  [
    "tls-ca-missing",
    '{"tlsverify": true, "tlscacert": "/cases/nonexistent-ca.pem", "tlscert": "/cases/cert.pem", "tlskey": "/cases/key.pem"}',
    'invalid TLS configuration: could not read CA certificate "/cases/nonexistent-ca.pem": open /cases/nonexistent-ca.pem: no such file or directory',
  ],
  ["tls-ca-missing-noverify", '{"tls": true, "tlsverify": false, "tlscacert": "/cases/nonexistent-ca.pem", "tlscert": "/cases/cert.pem", "tlskey": "/cases/key.pem"}', "OK"],
  [
    "tls-ca-missing-tlsonly",
    '{"tls": true, "tlscacert": "/cases/nonexistent-ca.pem", "tlscert": "/cases/cert.pem", "tlskey": "/cases/key.pem"}',
    'invalid TLS configuration: could not read CA certificate "/cases/nonexistent-ca.pem": open /cases/nonexistent-ca.pem: no such file or directory',
  ],
  [
    "tls-cert-notpem",
    '{"tls": true, "tlscert": "/etc/hostname", "tlskey": "/etc/hostname"}',
    'invalid TLS configuration: Error reading X509 key pair (cert: "/etc/hostname", key: "/etc/hostname"): tls: failed to find any PEM data in certificate input. Make sure the key is not encrypted.',
  ],
  [
    "tls-false-missing",
    '{"tls": false, "tlsverify": false, "tlscert": "/nonexistent/c.pem"}',
    'invalid TLS configuration: Could not load X509 key pair (cert: "/nonexistent/c.pem", key: ""): open /nonexistent/c.pem: no such file or directory',
  ],
  [
    "tls-key-missing",
    '{"tls": true, "tlscert": "/cases/cert.pem", "tlskey": "/cases/nokey.pem"}',
    'invalid TLS configuration: Could not load X509 key pair (cert: "/cases/cert.pem", key: "/cases/nokey.pem"): open /cases/nokey.pem: no such file or directory',
  ],
  [
    "tls-missing",
    '{"tls": true, "tlscert": "/nonexistent/c.pem", "tlskey": "/nonexistent/k.pem"}',
    'invalid TLS configuration: Could not load X509 key pair (cert: "/nonexistent/c.pem", key: "/nonexistent/k.pem"): open /nonexistent/c.pem: no such file or directory',
  ],
  ["tls-off-missing", '{"tlscacert": "/nonexistent/ca.pem", "tlscert": "/nonexistent/c.pem"}', "OK"],
  ["tls-ok", '{"tlsverify": true, "tlscacert": "/cases/cert.pem", "tlscert": "/cases/cert.pem", "tlskey": "/cases/key.pem"}', "OK"],
  ["tls-on-default", '{"tls": true}', 'invalid TLS configuration: Could not load X509 key pair (cert: "", key: ""): open : no such file or directory'],
  [
    "tls-verify-missing",
    '{"tlsverify": true, "tlscacert": "/nonexistent/ca.pem", "tlscert": "/nonexistent/c.pem", "tlskey": "/nonexistent/k.pem"}',
    'invalid TLS configuration: Could not load X509 key pair (cert: "/nonexistent/c.pem", key: "/nonexistent/k.pem"): open /nonexistent/c.pem: no such file or directory',
  ],
  [
    "tls-verify-onlyca",
    '{"tlsverify": true, "tlscacert": "/nonexistent/ca.pem"}',
    'invalid TLS configuration: Could not load X509 key pair (cert: "", key: ""): open : no such file or directory',
  ],
  ["tlsverify-false-only", '{"tlsverify": false}', 'invalid TLS configuration: Could not load X509 key pair (cert: "", key: ""): open : no such file or directory'],
  [
    "ulimits-array",
    '{"default-ulimits": [{"Name": "nofile", "Soft": 1, "Hard": 2}]}',
    "json: cannot unmarshal array into Go struct field Config.default-ulimits of type map[string]*units.Ulimit",
  ],
  ["ulimits-hardbool", '{"default-ulimits": {"nofile": {"hard": true}}}', "json: cannot unmarshal bool into Go struct field Ulimit.default-ulimits.Hard of type int64"],
  ["ulimits-lowercase", '{"default-ulimits": {"nofile": {"name": "nofile", "soft": 1024, "hard": 2048}}}', "OK"],
  ["ulimits-namemismatch", '{"default-ulimits": {"nofile": {"Name": "nproc", "Soft": 1, "Hard": 2}}}', "OK"],
  ["ulimits-namenum", '{"default-ulimits": {"nofile": {"Name": 5}}}', "json: cannot unmarshal number into Go struct field Ulimit.default-ulimits.Name of type string"],
  ["ulimits-negative", '{"default-ulimits": {"nofile": {"Name": "nofile", "Soft": -1, "Hard": -1}}}', "OK"],
  ["ulimits-noname", '{"default-ulimits": {"nofile": {"Soft": 1, "Hard": 2}}}', "OK"],
  ["ulimits-null", '{"default-ulimits": {"nofile": null}}', "OK"],
  ["ulimits-ok", '{"default-ulimits": {"nofile": {"Name": "nofile", "Soft": 1024, "Hard": 2048}}}', "OK"],
  ["ulimits-softfrac", '{"default-ulimits": {"nofile": {"Soft": 1.5}}}', "json: cannot unmarshal number 1.5 into Go struct field Ulimit.default-ulimits.Soft of type int64"],
  ["ulimits-softhard", '{"default-ulimits": {"nofile": {"Name": "nofile", "Soft": 2048, "Hard": 1024}}}', "OK"],
  ["ulimits-softstr", '{"default-ulimits": {"nofile": {"Soft": "x"}}}', "json: cannot unmarshal string into Go struct field Ulimit.default-ulimits.Soft of type int64"],
  ["ulimits-string", '{"default-ulimits": {"nofile": "1024:2048"}}', "json: cannot unmarshal string into Go struct field Config.default-ulimits of type units.Ulimit"],
  ["ulimits-unknown", '{"default-ulimits": {"foo": {"Name": "foo", "Soft": 1, "Hard": 2}}}', "OK"],
  [
    "upp-missing",
    '{"userland-proxy-path": "/nonexistent/docker-proxy"}',
    'invalid userland-proxy-path: exec: "/nonexistent/docker-proxy": stat /nonexistent/docker-proxy: no such file or directory',
  ],
  ["upp-off-rel", '{"userland-proxy": false, "userland-proxy-path": "rel"}', "OK"],
  ["upp-rel", '{"userland-proxy-path": "docker-proxy"}', "invalid userland-proxy-path: must be an absolute path: docker-proxy"],
];

// Where flannel-ts refuses what `dockerd --validate` lets through, and why
// (docs/host-config.md lists them): dockerd fails later, at start, on the
// bridge settings; a repeated key the merge writes would leave a stale value.
const STRICTER: Readonly<Record<string, string>> = {
  "bip-bad": "bip-invalid",
  "bip-netaddr": "bip-network-address",
  "dup-mtu": "duplicate-key",
  "iptables-icc": "iptables-and-icc",
  "pools-bad": "default-address-pool-invalid",
  "pools-size": "default-address-pool-invalid",
};

// Where flannel-ts cannot tell without reading the file's contents (the real
// dockerd --validate, run by flannel-ts/node's adapter where dockerd 23+ is
// installed, does).
const UNSEEN = new Set(["tls-cert-notpem"]);

const existing = new Set(["/cases/cert.pem", "/cases/key.pem", "/etc/hostname"]);
const errorsOf = (text: string) => {
  const doc = parseDaemonJson(text);
  if (doc.isErr()) return [{ kind: doc.error.kind, message: doc.error.message }];
  return validateDaemonJson(doc.value, { version: "26", fileExists: (p) => existing.has(p) })
    .filter((i) => i.level === "error" && i.category === "validation")
    .map((i) => ({ kind: i.kind, message: i.message }));
};

describe("validateDaemonJson against dockerd 26's own --validate", () => {
  it.each(RECORDED.filter(([, , dockerd]) => dockerd === "OK"))("%s: dockerd accepts it", (name, text) => {
    const stricter = STRICTER[name];
    expect(errorsOf(text).map((e) => e.kind)).toEqual(stricter === undefined ? [] : [stricter]);
  });

  it.each(RECORDED.filter(([name, , dockerd]) => dockerd !== "OK" && !UNSEEN.has(name)))(
    "%s: dockerd refuses it, and flannel-ts quotes dockerd's words",
    (_name, text, dockerd) => {
      const errors = errorsOf(text);
      expect(errors.length).toBeGreaterThan(0);
      // Control characters are escaped JSON's way (\u0001), where dockerd prints them raw or Go's way (\x01).
      const words = dockerd.replaceAll("\u0001", "\\u0001").replaceAll("\\x01", "\\u0001");
      expect(errors.map((e) => e.message).filter((m) => m.includes(words))).not.toEqual([]);
    },
  );
});
