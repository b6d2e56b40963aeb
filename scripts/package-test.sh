#!/usr/bin/env bash
# make package-test: build the packages of HEAD twice (the reproducibility check) and a higher
# version (the upgrade test and the fleet update through central's signed repository), run
# lintian on them, make throwaway Debian 12 roots once (a hub box's: hallkit's Depends; a screen
# box's: hallkit-screen's too; central's: hallkit-central's too), then run tests/packaging.
#
# The roots are made with debootstrap (installed with apt-get if missing) from this machine's
# own apt mirror, the site of its apt sources that serves bookworm (DEBIAN_MIRROR overrides it);
# apt in the roots gets this machine's apt sources and settings (scripts/lib/debian-root.sh).
# Making them takes a few minutes and about 1 GB, as root; they are kept under
# $HALLKIT_CHROOT_CACHE (default /var/tmp/hallkit-bookworm-root), named by a hash of the
# Depends they hold, for later runs, and each test installs into a fresh copy. Without root the
# install tests skip and the content, Qt and reproducibility tests still run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
DR_NAME=package-test
# shellcheck source=scripts/lib/debian-root.sh
. scripts/lib/debian-root.sh

OUT="$(mktemp -d -t hallkit-package-test.XXXXXX)"
trap 'dr_cleanup; rm -rf "$OUT"' EXIT
CACHE="${HALLKIT_CHROOT_CACHE:-/var/tmp/hallkit-bookworm-root}"

# One commit for every build, even if HEAD moves meanwhile.
COMMIT="$(git rev-parse HEAD)"
scripts/package.sh --ref "$COMMIT" --out "$OUT/now"
VERSION="$(dpkg-deb -f "$OUT"/now/hallkit_*.deb Version)"
scripts/package.sh --ref "$COMMIT" --out "$OUT/again"
scripts/package.sh --ref "$COMMIT" --out "$OUT/next" --version "$VERSION+upgradetest1"

# lintian: clean apart from the overrides each package ships (packaging/debian/*/lintian-overrides)
if ! command -v lintian >/dev/null && [[ "$(id -u)" == 0 ]]; then
  dr_apt_install_missing lintian
fi
if command -v lintian >/dev/null; then
  dr_say "lintian on $(cd "$OUT/now" && echo *.deb)"
  if ! lintian --fail-on error,warning --tag-display-limit 0 "$OUT"/now/*.deb >"$OUT/lintian.log" 2>&1; then
    grep -v '^running with root privileges' "$OUT/lintian.log" >&2
    dr_die "lintian found problems (above)"
  fi
  dr_say "lintian: clean (with the packages' overrides)"
else
  dr_say "lintian is not installed (apt-get install lintian): not run"
fi

# the Debian package names of a .deb's Depends (hallkit itself left out)
depends_of() { dpkg-deb -f "$1" Depends | tr -d ' ' | tr ',' '\n' | sed 's/(.*//' | grep -vx hallkit | sort -u | tr '\n' ' '; }
BASE_DEPS="$(depends_of "$OUT"/now/hallkit_*.deb)"
SCREEN_DEPS="$(depends_of "$OUT"/now/hallkit-screen_*.deb)"
CENTRAL_DEPS="$(depends_of "$OUT"/now/hallkit-central_*.deb)"
HUB_ROOT="$CACHE-hub-$(printf '%s' "$BASE_DEPS" | md5sum | cut -c1-10)"
SCREEN_ROOT="$CACHE-screen-$(printf '%s|%s' "$BASE_DEPS" "$SCREEN_DEPS" | md5sum | cut -c1-10)"
CENTRAL_ROOT="$CACHE-central-$(printf '%s|%s' "$BASE_DEPS" "$CENTRAL_DEPS" | md5sum | cut -c1-10)"

# make_root DIR FROM PACKAGES...: DIR from a copy of FROM (or debootstrap) plus PACKAGES
make_root() {
  local dir="$1" from="$2"
  shift 2
  [[ -x "$dir/usr/bin/dpkg" ]] && return 0
  rm -rf "$dir.tmp"
  if [[ -n "$from" ]]; then
    cp -a "$from" "$dir.tmp"
  else
    dr_apt_install_missing debootstrap
    local mirror
    mirror="$(dr_mirror bookworm)" \
      || dr_die "no apt source of this machine serves bookworm; set DEBIAN_MIRROR to a Debian mirror"
    dr_say "making a Debian 12 root in $dir (debootstrap, $mirror)"
    debootstrap --variant=minbase --include=adduser,python3 bookworm "$dir.tmp" "$mirror" \
      >"$OUT/debootstrap.log" 2>&1 || { tail -20 "$OUT/debootstrap.log" >&2; exit 1; }
    # apt in the root as on this machine: its sources, settings and local CA certificates
    dr_copy_apt_config "$dir.tmp"
    dr_copy_trust "$dir.tmp"
  fi
  DR_ROOTS+=("$dir.tmp")
  dr_say "installing into $dir: $*"
  dr_run "$dir.tmp" "apt-get update -q && DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends $* && apt-get clean" >>"$OUT/debootstrap.log" 2>&1 \
    || { tail -20 "$OUT/debootstrap.log" >&2; exit 1; }
  dr_cleanup
  DR_ROOTS=()
  mv "$dir.tmp" "$dir"
}

if [[ "$(id -u)" == 0 ]]; then
  # shellcheck disable=SC2086  # word lists of package names
  make_root "$HUB_ROOT" "" $BASE_DEPS
  # shellcheck disable=SC2086
  make_root "$SCREEN_ROOT" "$HUB_ROOT" $SCREEN_DEPS
  # shellcheck disable=SC2086
  make_root "$CENTRAL_ROOT" "$HUB_ROOT" $CENTRAL_DEPS
  export HALLKIT_TEST_CHROOT="$HUB_ROOT" HALLKIT_TEST_CHROOT_SCREEN="$SCREEN_ROOT" \
    HALLKIT_TEST_CHROOT_CENTRAL="$CENTRAL_ROOT"
else
  dr_say "not root: no Debian 12 roots; the install tests will skip"
fi

export HALLKIT_DEBS="$OUT/now" HALLKIT_DEBS_AGAIN="$OUT/again" HALLKIT_DEBS_NEXT="$OUT/next"
.venv/bin/python -m pytest tests/packaging -q -p no:cacheprovider -p no:randomly "$@"
