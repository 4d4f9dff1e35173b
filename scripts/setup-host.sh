#!/usr/bin/env bash
# Installs and starts what the tests and the test kit's image builds need on
# a Debian machine, as root. Safe to run again: it installs only what is
# missing and starts dockerd only when no engine answers.
#
#   docker.io                 the engine (dockerd, containerd, runc); a newer docker
#                             client already on PATH is kept and talks to it
#   iproute2 iptables         namespaces, TUN, routes; flannel's FORWARD/MASQUERADE rules
#   iperf3                    the overlay benchmarks
#   mmdebstrap                builds the Docker-in-Docker host image (Debian trixie)
#   debian-archive-keyring    verifies trixie's archive for mmdebstrap
#   busybox-static            a static busybox for network-namespace tests
#   openssl                   TLS certificates that the etcd tests generate
#   ca-certificates           https to Debian's archive, when a mirror uses it
#
# The etcd image is built from etcd-server/etcd-client with `apt-get
# download`, which needs the package lists: they are refreshed here when
# apt has none. mmdebstrap does not read the host's apt sources (they are
# bookworm's): images/dind/build.sh names trixie and the mirror itself.
set -euo pipefail
if [ "$(id -u)" != 0 ]; then
  echo "setup-host: run as root (it installs Debian packages and starts dockerd)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
packages=(docker.io iproute2 iptables iperf3 iputils-ping mmdebstrap debian-archive-keyring busybox-static openssl ca-certificates)
missing=()
for p in "${packages[@]}"; do
  [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
done
lists_present() { compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; }
if [ ${#missing[@]} -gt 0 ] || ! lists_present; then
  echo "setup-host: apt-get update" >&2
  apt-get update -qq
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup-host: installing ${missing[*]}" >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  echo "setup-host: starting dockerd (log: /var/log/dockerd.log)" >&2
  nohup dockerd --host unix:///var/run/docker.sock >>/var/log/dockerd.log 2>&1 </dev/null &
  for _ in $(seq 1 120); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || { echo "setup-host: dockerd did not start; the end of /var/log/dockerd.log:" >&2; tail -20 /var/log/dockerd.log >&2; exit 1; }
fi
echo "setup-host: $(docker version --format 'engine {{.Server.Version}}') ready"
