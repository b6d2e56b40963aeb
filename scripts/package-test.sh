#!/usr/bin/env bash
# make package-test: build the .deb (and a second, higher version for the upgrade test), make a
# throwaway Debian 12 root with hallkit's dependencies once, then run tests/packaging on them.
#
# The root is made with debootstrap (installed with apt-get if missing) from this machine's own
# apt mirror, the site of its apt sources that serves bookworm (DEBIAN_MIRROR overrides it);
# apt in the root gets this machine's apt sources and settings (scripts/lib/debian-root.sh).
# Making it takes about 1 minute and 400 MB, as root; it is kept at $HALLKIT_CHROOT_CACHE
# (default /var/tmp/hallkit-bookworm-root) for later runs, and each test installs into a fresh
# copy of it. Without root the install tests skip and the content tests still run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
DR_NAME=package-test
# shellcheck source=scripts/lib/debian-root.sh
. scripts/lib/debian-root.sh

OUT="$(mktemp -d -t hallkit-package-test.XXXXXX)"
trap 'dr_cleanup; rm -rf "$OUT"' EXIT
CACHE="${HALLKIT_CHROOT_CACHE:-/var/tmp/hallkit-bookworm-root}"

scripts/package.sh --out "$OUT"
DEB="$(ls "$OUT"/hallkit_*.deb)"
VERSION="$(dpkg-deb -f "$DEB" Version)"
mkdir -p "$OUT/next"
scripts/package.sh --out "$OUT/next" --version "$VERSION+upgradetest1"
NEXT="$(ls "$OUT"/next/hallkit_*.deb)"

if [[ "$(id -u)" == 0 ]] && [[ ! -x "$CACHE/usr/bin/dpkg" ]]; then
  dr_apt_install_missing debootstrap
  MIRROR="$(dr_mirror bookworm)" \
    || dr_die "no apt source of this machine serves bookworm; set DEBIAN_MIRROR to a Debian mirror"
  dr_say "making a Debian 12 root in $CACHE (debootstrap, $MIRROR)"
  rm -rf "$CACHE.tmp"
  debootstrap --variant=minbase --include=adduser,python3 bookworm "$CACHE.tmp" "$MIRROR" \
    >"$OUT/debootstrap.log" 2>&1 || { tail -20 "$OUT/debootstrap.log" >&2; exit 1; }
  # apt in the root as on this machine: its sources, settings and local CA certificates
  dr_copy_apt_config "$CACHE.tmp"
  dr_copy_trust "$CACHE.tmp"
  DR_ROOTS+=("$CACHE.tmp")
  # hallkit's Depends, so the tests install it offline with dpkg -i
  deps="$(dpkg-deb -f "$DEB" Depends | tr -d ' ' | tr ',' '\n' | sed 's/(.*//' | sort -u | tr '\n' ' ')"
  dr_run "$CACHE.tmp" "apt-get update -q && DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends $deps && apt-get clean" >>"$OUT/debootstrap.log" 2>&1 \
    || { tail -20 "$OUT/debootstrap.log" >&2; exit 1; }
  dr_cleanup
  DR_ROOTS=()
  mv "$CACHE.tmp" "$CACHE"
fi
if [[ -x "$CACHE/usr/bin/dpkg" ]]; then
  export HALLKIT_TEST_CHROOT="$CACHE"
else
  dr_say "no Debian 12 root (needs root and debootstrap); install tests will skip"
fi

export HALLKIT_DEB="$DEB" HALLKIT_DEB_NEXT="$NEXT"
.venv/bin/python -m pytest tests/packaging -q -p no:cacheprovider "$@"
