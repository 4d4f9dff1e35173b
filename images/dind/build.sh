#!/usr/bin/env bash
# Builds the Docker-in-Docker host image with no registry: a Debian trixie
# root filesystem made by mmdebstrap (docker.io 26 with docker-cli, iproute2,
# iptables, ping, procps, Node.js 20), `docker import`ed with
# /usr/local/bin/dind-entry as its command. customize.sh adds the entry
# scripts and an inner busybox image tarball.
#
# Usage: build.sh TAG
# Needs: root, mmdebstrap, docker; Debian's archive reachable (set
# FLANNEL_TS_DEBIAN_MIRROR to use another mirror; default deb.debian.org).
# Progress goes to stderr as "step: ..." lines; the caller times them.
set -euo pipefail
tag=${1:?usage: build.sh TAG}
here=$(cd "$(dirname "$0")" && pwd)
mirror=${FLANNEL_TS_DEBIAN_MIRROR:-http://deb.debian.org/debian}
command -v mmdebstrap >/dev/null || { echo "build.sh: mmdebstrap is missing (apt-get install mmdebstrap, or run scripts/setup-host.sh)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

packages=docker.io,docker-cli,containerd,runc,tini,iproute2,iptables,iputils-ping,procps,nodejs,ca-certificates,busybox-static
echo "step: mmdebstrap trixie ($packages) from $mirror" >&2
# The host's keyring (debian-archive-keyring) also holds trixie's keys; the
# host's own apt sources are not used, the mirror line below is the only one.
mmdebstrap --quiet --variant=minbase --include="$packages" \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --customize-hook="bash $(printf %q "$here/customize.sh") \"\$1\"" \
  trixie "$work/rootfs.tar" "deb $mirror trixie main" >&2

echo "step: docker import $tag ($(du -h "$work/rootfs.tar" | cut -f1) tarball)" >&2
docker import \
  --change 'CMD ["/usr/local/bin/dind-entry"]' \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --message "flannel-ts Docker-in-Docker host (Debian trixie)" \
  "$work/rootfs.tar" "$tag" >/dev/null
echo "step: done" >&2
