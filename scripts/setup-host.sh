#!/usr/bin/env bash
# Installs and starts what the integration tests need on a Debian machine, as
# root: Docker's engine, iproute2, iperf3 and the image build tools. Safe to
# run again: it only installs what is missing and starts dockerd when no
# engine answers.
set -euo pipefail
if [ "$(id -u)" != 0 ]; then
  echo "setup-host: run as root (it installs Debian packages and starts dockerd)" >&2
  exit 1
fi
packages=(docker.io iproute2 iptables iperf3 mmdebstrap busybox-static)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ! docker info >/dev/null 2>&1; then
  nohup dockerd --host unix:///var/run/docker.sock >/var/log/dockerd.log 2>&1 &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || { echo "setup-host: dockerd did not start; see /var/log/dockerd.log" >&2; tail -20 /var/log/dockerd.log >&2; exit 1; }
fi
echo "setup-host: $(docker version --format 'engine {{.Server.Version}}') ready"
