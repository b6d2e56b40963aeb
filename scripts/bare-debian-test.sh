#!/usr/bin/env bash
# make bare-test: check the README's promise that `make demo` and `make test` work on a bare
# Debian 12 machine as root. In a Debian 12 root with nothing but debootstrap's minbase, git,
# make, python3 and ca-certificates, in a clean clone of the committed HEAD (with ../shared
# beside it, as CI has), it runs as root:
#
#   make demo DEMO_ARGS='--script day --out /tmp/demo-out'    must exit 0
#   make test                                                  must exit 0
#
# so every Debian package, font, header and tool they need must come from the project's own
# bootstrap. apt and pip in the root are set up as on this machine (scripts/lib/debian-root.sh:
# its apt sources and settings, local CA certificates, pip configuration and PIP_* variables).
#
# Needs root (debootstrap, chroot, mounts); installs debootstrap with apt-get if missing. The
# pristine root is made once (about a minute, 400 MB) and kept at $HALLKIT_BARE_ROOT_CACHE
# (default /var/tmp/hallkit-bare-bookworm-root); each run works in an overlay on it (or a copy,
# where overlays cannot be mounted), so the cache stays pristine. Downloaded .debs are kept in
# $HALLKIT_BARE_ROOT_CACHE.apt-archives to spare the mirror on later runs (they are still
# installed from scratch). The logs, summary.md of the demo and the test output go to
# $HALLKIT_BARE_LOGS (default /var/tmp/hallkit-bare-test-logs/DATE).
#
#   scripts/bare-debian-test.sh [--keep]     --keep leaves the work root (printed) for a look
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO="$PWD"
DR_NAME=bare-test
# shellcheck source=scripts/lib/debian-root.sh
. scripts/lib/debian-root.sh

KEEP=0
[[ "${1:-}" == --keep ]] && KEEP=1
CACHE="${HALLKIT_BARE_ROOT_CACHE:-/var/tmp/hallkit-bare-bookworm-root}"
LOGS="${HALLKIT_BARE_LOGS:-/var/tmp/hallkit-bare-test-logs/$(date -u +%Y%m%dT%H%M%SZ)}"
INCLUDE=git,make,python3,ca-certificates
SHARED="$(cd "$REPO/.." && pwd)/shared"

[[ "$(id -u)" == 0 ]] || dr_die "needs root (debootstrap, chroot and mounts); run it as root"
dr_apt_install_missing debootstrap
HEAD="$(git -C "$REPO" rev-parse HEAD)"
[[ -z "$(git -C "$REPO" status --porcelain --untracked-files=no)" ]] \
  || dr_say "note: uncommitted changes are not tested; this tests the committed HEAD $(git -C "$REPO" rev-parse --short HEAD)"

# 1. The pristine bare root, made once.
stamp="debootstrap --variant=minbase --include=$INCLUDE bookworm"
if [[ "$(cat "$CACHE/.hallkit-bare-root" 2>/dev/null)" != "$stamp" ]]; then
  MIRROR="$(dr_mirror bookworm)" \
    || dr_die "no apt source of this machine serves bookworm; set DEBIAN_MIRROR to a Debian mirror"
  dr_say "making a bare Debian 12 root in $CACHE ($stamp, from $MIRROR)"
  rm -rf "$CACHE" "$CACHE.tmp"
  mkdir -p "$(dirname "$CACHE")"
  t0=$SECONDS
  debootstrap --variant=minbase --include="$INCLUDE" bookworm "$CACHE.tmp" "$MIRROR" \
    >"$CACHE.debootstrap.log" 2>&1 || { tail -20 "$CACHE.debootstrap.log" >&2; dr_die "debootstrap failed"; }
  printf '%s\n' "$stamp" >"$CACHE.tmp/.hallkit-bare-root"
  mv "$CACHE.tmp" "$CACHE"
  dr_say "bare root made in $((SECONDS - t0))s"
fi

# 2. A work root on it: an overlay (or a copy), with this machine's networking, apt and pip.
WORK="$(mktemp -d /var/tmp/hallkit-bare-test.XXXXXX)"
ROOT="$WORK/root"
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  dr_cleanup
  if ((KEEP)); then
    dr_say "kept the work root's files in $WORK (upper/ holds what the run changed)"
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -p "$ROOT" "$WORK/upper" "$WORK/ovl" "$LOGS"
DR_ROOTS+=("$ROOT")
if ! dr_mount overlay overlay "$ROOT" "lowerdir=$CACHE,upperdir=$WORK/upper,workdir=$WORK/ovl" 2>/dev/null; then
  dr_say "no overlay mount here; working in a copy of $CACHE"
  cp -a "$CACHE/." "$ROOT/"
fi
cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf"
[[ -f /etc/hosts ]] && cp -L /etc/hosts "$ROOT/etc/hosts"
# no service starts in the root (postgresql's package would start a cluster otherwise)
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
chmod 0755 "$ROOT/usr/sbin/policy-rc.d"
dr_copy_apt_config "$ROOT"
dr_copy_trust "$ROOT"
dr_mount_system "$ROOT"
dr_pip_setup "$ROOT"
mkdir -p "$CACHE.apt-archives/partial"
dr_mount bind "$CACHE.apt-archives" "$ROOT/var/cache/apt/archives"

# 3. A clean clone of HEAD, with shared/ beside it (read-only, as CI has it).
mkdir -p "$ROOT/root/hallkit"
git clone -q --no-hardlinks "$REPO" "$ROOT/root/hallkit/main"
git -C "$ROOT/root/hallkit/main" checkout -q --detach "$HEAD"
if [[ -d "$SHARED" ]]; then
  cp -a "$SHARED" "$ROOT/root/hallkit/shared"
  chmod -R a-w "$ROOT/root/hallkit/shared"
fi
dr_say "testing $(git -C "$REPO" log -1 --format='%h %s' "$HEAD" | cut -c1-90)"
dr_say "in $ROOT; logs in $LOGS"

# 4. The README's two commands, as root on the bare machine.
run_step() {
  # run_step NAME COMMAND: run COMMAND in the clone; log to $LOGS/NAME.log; print the outcome.
  local name="$1" cmd="$2" t0=$SECONDS rc=0
  dr_say "==> $cmd"
  # in the background and waited for, so that Ctrl-C or a TERM reaches the traps at once (the
  # cleanup then ends what runs in the root)
  dr_run "$ROOT" "cd /root/hallkit/main && $cmd" </dev/null >"$LOGS/$name.log" 2>&1 &
  wait "$!" || rc=$?
  grep -E '^(bootstrap|hallkit|pytest|FAILED|ERROR)|summary|nothing lost|无丢失' "$LOGS/$name.log" \
    | grep -v '^ERROR: *$' | tail -n 40 | sed 's/^/    /' || true
  if ((rc == 0)); then
    dr_say "$cmd: OK in $((SECONDS - t0))s"
  else
    tail -n 30 "$LOGS/$name.log" | sed 's/^/    | /'
    dr_say "$cmd: FAILED (exit $rc) after $((SECONDS - t0))s; full log: $LOGS/$name.log"
  fi
  return "$rc"
}
t_all=$SECONDS
demo_rc=0 test_rc=0
run_step demo "make demo DEMO_ARGS='--script day --out /tmp/demo-out'" || demo_rc=$?
[[ -f "$ROOT/tmp/demo-out/summary.md" ]] && cp "$ROOT/tmp/demo-out/summary.md" "$LOGS/demo-summary.md"
run_step test "make test" || test_rc=$?

if ((demo_rc == 0 && test_rc == 0)); then
  dr_say "OK in $((SECONDS - t_all))s: make demo and make test pass on a bare Debian 12 root"
  exit 0
fi
dr_say "FAILED after $((SECONDS - t_all))s: make demo exit $demo_rc, make test exit $test_rc (logs: $LOGS)"
exit 1
