#!/usr/bin/env bash
# Every test, from a fresh clone on Debian: installs what the tests need
# (scripts/setup-host.sh: Debian packages, dockerd), installs the npm
# dependencies, builds the test kit's images once (cached by a hash of their
# recipe), then runs `npm test`. The setup and the integration tests need
# root: in a root shell it runs as is; as an ordinary user it asks sudo for
# those two steps. CI runs this same script (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo --preserve-env=PATH,FLANNEL_TS_DEBIAN_MIRROR "$@"; fi
}
as_root bash scripts/setup-host.sh
npm ci --no-audit --no-fund
echo "test.sh: building the test kit's images (etcd, Docker-in-Docker host) if missing" >&2
as_root npx tsx --eval 'import("./src/testing/index.ts").then(async (kit) => { console.log(`test.sh: images ${await kit.ensureEtcdImage()} ${await kit.ensureDockerHostImage()}`); })'
echo "test.sh: setup took $((SECONDS - start)) s" >&2
as_root npm test
echo "test.sh: everything passed in $((SECONDS - start)) s" >&2
