import { describe, expect, it } from "vitest";
import { dockerdFlags, flatDaemonJsonKeys, knownDaemonJsonKeys } from "./dockerd-flags.ts";

// The keys each binary accepted: every json tag name and flag name found in
// the dockerd binary was written into one daemon.json with a sentinel key,
// and the keys missing from "the following directives don't match any
// configuration option: ..." are the known ones (dockerd 20.10.24+dfsg1 from
// Debian bookworm, dockerd 26.1.5+dfsg1 from Debian trixie with --validate).
const known2010 =
  "add-runtime allow-nondistributable-artifacts api-cors-header authorization-plugin authorization-plugins bip bridge builder cgroup-parent cluster-advertise cluster-store cluster-store-opt cluster-store-opts config-file containerd containerd-namespace containerd-plugins-namespace cpu-rt-period cpu-rt-runtime cri-containerd data-root debug default-address-pool default-address-pools default-cgroupns-mode default-gateway default-gateway-v6 default-ipc-mode default-runtime default-shm-size default-ulimit default-ulimits deprecated-key-path dns dns-opt dns-opts dns-search exec-opt exec-opts exec-root experimental features fixed-cidr fixed-cidr-v6 graph group help host host-gateway-ip hosts icc init init-path insecure-registries insecure-registry ip ip-forward ip-masq ip6tables iptables ipv6 label labels live-restore log-driver log-level log-opt log-opts max-concurrent-downloads max-concurrent-uploads max-download-attempts metrics-addr mtu network-control-plane-mtu network-diagnostic-port no-new-privileges node-generic-resource node-generic-resources oom-score-adjust pidfile raw-logs registry-mirror registry-mirrors restart rootless runtimes seccomp-profile selinux-enabled shutdown-timeout storage-driver storage-opt storage-opts swarm-default-advertise-addr tls tlscacert tlscert tlskey tlsverify userland-proxy userland-proxy-path userns-remap version";
const known26 =
  "add-runtime allow-nondistributable-artifacts api-cors-header authorization-plugin authorization-plugins bip bridge builder cdi-spec-dir cdi-spec-dirs cgroup-parent config-file containerd containerd-namespace containerd-plugins-namespace cpu-rt-period cpu-rt-runtime cri-containerd data-root debug default-address-pool default-address-pools default-cgroupns-mode default-gateway default-gateway-v6 default-ipc-mode default-network-opt default-network-opts default-runtime default-shm-size default-ulimit default-ulimits deprecated-key-path dns dns-opt dns-opts dns-search exec-opt exec-opts exec-root experimental features fixed-cidr fixed-cidr-v6 group help host host-gateway-ip hosts http-proxy https-proxy icc init init-path insecure-registries insecure-registry ip ip-forward ip-masq ip6tables iptables ipv6 label labels live-restore log-driver log-format log-level log-opt log-opts max-concurrent-downloads max-concurrent-uploads max-download-attempts metrics-addr mtu network-control-plane-mtu network-diagnostic-port no-new-privileges no-proxy node-generic-resource node-generic-resources pidfile raw-logs registry-mirror registry-mirrors restart rootless runtimes seccomp-profile selinux-enabled shutdown-timeout storage-driver storage-opt storage-opts swarm-default-advertise-addr tls tlscacert tlscert tlskey tlsverify userland-proxy userland-proxy-path userns-remap validate version";

describe("dockerd's keys and flags", () => {
  it.each(
    [
      ["20.10", known2010],
      ["26", known26],
    ] as const,
  )("dockerd %s knows exactly the keys its binary accepted", (version, list) => {
    expect([...knownDaemonJsonKeys(version)].sort()).toEqual(list.split(" "));
  });

  it("conflicts are listed in flag-name order", () => {
    const names = dockerdFlags("26").map((flag) => flag.name);
    expect(names).toEqual([...names].sort());
  });

  it("flat keys differ between releases", () => {
    expect(flatDaemonJsonKeys("20.10").has("default-network-opts")).toBe(false);
    expect(flatDaemonJsonKeys("26").has("default-network-opts")).toBe(true);
  });
});
