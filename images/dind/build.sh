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
# mmdebstrap prints a line per phase and then nothing for a minute or more
# while it downloads and installs: a ticker reports every 10 s how many
# packages are downloaded and installed in the root it builds (the phase
# line that names its temporary directory is noted in $work/root) and how
# much that root holds. The host's keyring (debian-archive-keyring) also
# holds trixie's keys; the host's own apt sources are not used, the mirror
# line below is the only one.
progress() {
  local root debs=0 installed=0 size=0
  root=$(cat "$work/root" 2>/dev/null)
  if [ -n "$root" ] && [ -d "$root" ]; then
    debs=$(find "$root/var/cache/apt/archives" -maxdepth 1 -name '*.deb' 2>/dev/null | wc -l)
    installed=$(awk '$3 == "status" && $4 == "installed" { print $5 }' "$root/var/log/dpkg.log" 2>/dev/null | sort -u | wc -l)
    size=$(du -sm "$root" 2>/dev/null | cut -f1)
  fi
  echo "step: mmdebstrap: working: $debs packages downloaded, $installed installed, ${size:-0} MB in the new root"
}
# The ticker must outlive a failed probe (a file not there yet), so no -e in it.
(set +e +o pipefail; while sleep 10; do progress; done) >&2 &
ticker=$!
trap 'kill "$ticker" 2>/dev/null || true; rm -rf "$work"' EXIT
mmdebstrap --variant=minbase --include="$packages" \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --customize-hook="bash $(printf %q "$here/customize.sh") \"\$1\"" \
  trixie "$work/rootfs.tar" "deb $mirror trixie main" 2>&1 | while IFS= read -r line; do
    # A shell loop, not awk: mawk reads its input in blocks, which held every line back.
    case $line in
      "I: using "*" as tempdir")
        root=${line#I: using }
        echo "${root% as tempdir}" >"$work/root"
        ;;
    esac
    case $line in
      "I: "*) echo "step: mmdebstrap: ${line#I: }" ;;
      *) echo "$line" ;;
    esac
  done >&2
kill "$ticker" 2>/dev/null || true

echo "step: docker import $tag ($(du -h "$work/rootfs.tar" | cut -f1) tarball)" >&2
docker import \
  --change 'CMD ["/usr/local/bin/dind-entry"]' \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --message "flannel-ts Docker-in-Docker host (Debian trixie)" \
  "$work/rootfs.tar" "$tag" >/dev/null
echo "step: done" >&2
