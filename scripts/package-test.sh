#!/usr/bin/env bash
# make package-test: build the .deb (and a second, higher version for the upgrade test), make a
# throwaway Debian 12 root with hallkit's dependencies once, then run tests/packaging on them.
#
# The root is made with debootstrap from deb.debian.org (about 1 minute and 400 MB, as root)
# and kept at $HALLKIT_CHROOT_CACHE (default /var/tmp/hallkit-bookworm-root) for later runs;
# each test installs into a fresh copy of it. Without root or debootstrap the install tests
# skip and the content tests still run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

OUT="$(mktemp -d -t hallkit-package-test.XXXXXX)"
trap 'rm -rf "$OUT"' EXIT
CACHE="${HALLKIT_CHROOT_CACHE:-/var/tmp/hallkit-bookworm-root}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

scripts/package.sh --out "$OUT"
DEB="$(ls "$OUT"/hallkit_*.deb)"
VERSION="$(dpkg-deb -f "$DEB" Version)"
mkdir -p "$OUT/next"
scripts/package.sh --out "$OUT/next" --version "$VERSION+upgradetest1"
NEXT="$(ls "$OUT"/next/hallkit_*.deb)"

if [[ "$(id -u)" == 0 ]] && command -v debootstrap >/dev/null && [[ ! -x "$CACHE/usr/bin/dpkg" ]]; then
  echo "package-test: making a Debian 12 root in $CACHE (debootstrap, $MIRROR)"
  rm -rf "$CACHE.tmp"
  debootstrap --variant=minbase --include=adduser,python3 bookworm "$CACHE.tmp" "$MIRROR" \
    >"$OUT/debootstrap.log" 2>&1 || { tail -20 "$OUT/debootstrap.log" >&2; exit 1; }
  # hallkit's Depends, so the tests install it offline with dpkg -i
  deps="$(dpkg-deb -f "$DEB" Depends | tr -d ' ' | tr ',' '\n' | sed 's/(.*//' | sort -u | tr '\n' ' ')"
  chroot "$CACHE.tmp" sh -ec "apt-get update -q && DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends $deps && apt-get clean" >>"$OUT/debootstrap.log" 2>&1 \
    || { tail -20 "$OUT/debootstrap.log" >&2; exit 1; }
  mv "$CACHE.tmp" "$CACHE"
fi
if [[ -x "$CACHE/usr/bin/dpkg" ]]; then
  export HALLKIT_TEST_CHROOT="$CACHE"
else
  echo "package-test: no Debian 12 root (needs root and debootstrap); install tests will skip"
fi

export HALLKIT_DEB="$DEB" HALLKIT_DEB_NEXT="$NEXT"
.venv/bin/python -m pytest tests/packaging -q -p no:cacheprovider "$@"
