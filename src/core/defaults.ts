/**
 * flanneld's defaults, in one place: the values a flanneld host uses when it
 * is told nothing else, so that flannel-ts hosts agree with it. Every other
 * module takes these from here.
 *
 * @module
 */

/** etcd's client URL that flanneld talks to without `--etcd-endpoints`. */
export const DEFAULT_ETCD_ENDPOINTS: readonly string[] = Object.freeze(["http://127.0.0.1:2379"]);

/** flanneld's `--etcd-prefix`: the config is at `<prefix>/config`, the leases under `<prefix>/subnets/`. */
export const DEFAULT_ETCD_PREFIX = "/coreos.com/network";

/** flanneld's `--subnet-file`: where the lease is written for Docker and scripts. */
export const DEFAULT_SUBNET_FILE = "/run/flannel/subnet.env";

/** dockerd's configuration file (`dockerd --config-file`'s default on Linux). */
export const DEFAULT_DAEMON_JSON = "/etc/docker/daemon.json";

/** flanneld's lease TTL: 24 hours. */
export const DEFAULT_LEASE_TTL_SECONDS = 24 * 60 * 60;

/** flanneld's `--subnet-lease-renew-margin`: renew this long before expiry (60 minutes). */
export const DEFAULT_RENEW_MARGIN_MINUTES = 60;

/** flanneld's tries when another host creates the chosen subnet first. */
export const DEFAULT_ACQUIRE_ATTEMPTS = 10;

/** flanneld's `--iptables-resync`: seconds between checks that its iptables rules are in place. */
export const DEFAULT_IPTABLES_RESYNC_SECONDS = 5;

/** flanneld's `--healthz-ip`. */
export const DEFAULT_HEALTHZ_IP = "0.0.0.0";

/** The UDP backend's port when `Backend.Port` is absent or 0. */
export const DEFAULT_UDP_PORT = 8285;

/** The VXLAN backend's network identifier when `Backend.VNI` is absent. */
export const DEFAULT_VXLAN_VNI = 1;

/**
 * The VXLAN backend's UDP port when `Backend.Port` is absent or 0: flanneld
 * leaves the port to the Linux kernel, whose default is 8472 (not IANA's 4789).
 */
export const DEFAULT_VXLAN_PORT = 8472;

/** The UDP backend's TUN device. */
export const DEFAULT_TUN_NAME = "flannel0";

/** Bytes each backend adds to a packet, as flanneld subtracts them from the underlay's MTU (IPv4 underlay). */
export const ENCAPSULATION_OVERHEAD = Object.freeze({
  /** flannel's UDP backend: outer IPv4 header (20) + UDP header (8). */
  udp: 28,
  /** VXLAN: outer IPv4 (20) + UDP (8) + VXLAN header (8) + inner Ethernet header (14). */
  vxlan: 50,
  /** IP-in-IP: one more IPv4 header. */
  ipip: 20,
  /** host-gw routes packets as they are. */
  "host-gw": 0,
});

/** The UDP backend's MTU on an Ethernet underlay (1500 - 28): subnet.env's FLANNEL_MTU on most hosts. */
export const DEFAULT_UDP_MTU = 1500 - ENCAPSULATION_OVERHEAD.udp;

/** How long flanneld waits before it tries a failed renewal again: a minute. */
export const DEFAULT_RENEW_RETRY_SECONDS = 60;
