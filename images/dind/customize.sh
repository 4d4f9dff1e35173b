#!/usr/bin/env bash
# mmdebstrap customize hook: $1 is the finished root filesystem. Installs the
# entry scripts and packs busybox into an image tarball that the test kit
# imports into the inner dockerd as flannel-ts/busybox:latest.
set -euo pipefail
root=${1:?usage: customize.sh ROOTFS}
here=$(cd "$(dirname "$0")" && pwd)
echo "step: customize (entry scripts, inner busybox image)" >&2
install -m 0755 "$here/dind-entry" "$here/dockerd-ctl" "$root/usr/local/bin/"
mkdir -p "$root/etc/docker"

# The inner image: the static busybox binary and a link per applet.
bb=$(mktemp -d)
mkdir -p "$bb/bin" "$bb/etc" "$bb/tmp" "$bb/root"
cp "$root/bin/busybox" "$bb/bin/busybox"
for applet in $("$bb/bin/busybox" --list); do
  [ "$applet" = busybox ] || ln -s busybox "$bb/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$bb/etc/passwd"
printf 'root:x:0:\n' >"$bb/etc/group"
chmod 1777 "$bb/tmp"
mkdir -p "$root/usr/share/flannel-ts"
tar -C "$bb" --numeric-owner -cf "$root/usr/share/flannel-ts/busybox.tar" .
rm -rf "$bb"

rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin
