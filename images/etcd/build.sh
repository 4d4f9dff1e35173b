#!/usr/bin/env bash
# Builds a tiny etcd image from Debian's etcd-server and etcd-client packages,
# with no registry: the two binaries plus the shared libraries they link,
# packed into a tarball and `docker import`ed.
#
# Usage: build.sh TAG
# Needs: root or a user who may run docker; apt-get, dpkg-deb, ldd (Debian).
# Progress goes to stderr as "step: ..." lines; the caller times them.
#
# The binaries sit where the official etcd images keep them
# (/usr/local/bin/etcd, /usr/local/bin/etcdctl), so the same command line
# works with either image.
set -euo pipefail
tag=${1:?usage: build.sh TAG}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

echo "step: apt-get download etcd-server etcd-client" >&2
# apt-get download warns when it runs unsandboxed as root; the warning is noise.
if ! apt-get download etcd-server etcd-client >download.log 2>&1; then
  echo "step: package lists are missing or stale: apt-get update" >&2
  apt-get update -qq >&2
  apt-get download etcd-server etcd-client >download.log 2>&1 || { cat download.log >&2; exit 1; }
fi
version=$(dpkg-deb -f etcd-server_*.deb Version)
echo "step: unpack etcd-server $version" >&2
for deb in ./*.deb; do dpkg-deb -x "$deb" pkg; done

root=rootfs
mkdir -p "$root/usr/local/bin" "$root/tmp" "$root/etc" "$root/var/lib/etcd"
chmod 1777 "$root/tmp"
cp pkg/usr/bin/etcd pkg/usr/bin/etcdctl "$root/usr/local/bin/"

echo "step: copy shared libraries (ldd)" >&2
for bin in "$root/usr/local/bin/etcd" "$root/usr/local/bin/etcdctl"; do
  # Lines look like "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" or
  # "/lib64/ld-linux-x86-64.so.2 (0x...)"; a static binary prints no path.
  for lib in $(ldd "$bin" 2>/dev/null | grep -o '/[^ ]*' || true); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
done
printf 'root:x:0:0:root:/root:/sbin/nologin\n' >"$root/etc/passwd"
printf 'root:x:0:\n' >"$root/etc/group"
printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"

echo "step: docker import $tag" >&2
tar -C "$root" --numeric-owner -cf rootfs.tar .
docker import \
  --change 'CMD ["/usr/local/bin/etcd"]' \
  --change 'ENV ETCDCTL_API=3' \
  --change "LABEL org.flannel-ts.etcd-version=$version" \
  --message "flannel-ts etcd $version from Debian packages" \
  rootfs.tar "$tag" >/dev/null
echo "step: done ($(du -h rootfs.tar | cut -f1) tarball)" >&2
