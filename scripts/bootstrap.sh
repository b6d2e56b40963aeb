#!/usr/bin/env bash
# Bootstrap a hallkit development / CI machine (Debian 12).
#
#   scripts/bootstrap.sh system    check the Debian packages; apt-get install what is missing
#   scripts/bootstrap.sh venv      create .venv (python3 -m venv) unless a working one exists
#   scripts/bootstrap.sh install   the locked dependencies, then hallkit editable, into .venv
#   scripts/bootstrap.sh all       all three, in that order
#
# The install step takes every version and file hash from the lock (requirements/*.txt, made by
# `make lock`; docs/dependencies.md): first pip itself, then setuptools and wheel, then
# base + screen + central + dev, each with `pip install --require-hashes --no-deps --no-cache-dir`
# (evdev is built from its hashed sdist with the locked setuptools, no build isolation), then
# hallkit itself with `pip install --no-deps --no-build-isolation -e .`. So a developer's venv,
# CI and the packages hold the same set; nothing is taken from the index unpinned.
#
# The Makefile calls these steps and keeps stamp files, so a second `make test` installs nothing;
# a changed lock (requirements/*.txt) or pyproject.toml runs the install step again.
#
# Environment:
#   PYTHON=...            interpreter that creates .venv (default: python3 on PATH; Debian's or a
#                         pyenv shim both work; must be >= 3.11)
#   VENV=...              venv folder (default: .venv)
#   HALLKIT_SKIP_APT=1    only warn about missing Debian packages, never install them
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV="${VENV:-.venv}"
PYTHON="${PYTHON:-python3}"

# Debian packages hallkit needs on a development / CI machine.
APT_PACKAGES=(
  # Python: venv (ensurepip) and pip for Debian's python3
  python3-venv python3-pip
  # evdev (the rating keypad's driver) has no wheel on PyPI: pip builds it from source, with a
  # C compiler, the C library's and Python's headers, and the kernel's input headers
  # (linux/input.h, linux/input-event-codes.h)
  gcc libc6-dev python3-dev linux-libc-dev
  # Chinese UI text: a CJK font for Qt and Chromium
  fonts-wqy-microhei fontconfig
  # the apps' preferred CJK font (appkit/style.py): Noto Sans CJK SC has a real Bold weight
  fonts-noto-cjk
  # speech for voice calls (espeak-ng) and checks of the produced audio (sox)
  espeak-ng sox
  # shared libraries the PyPI PySide6 (Qt 6) wheels load (found with ldd on QtCore, QtGui,
  # QtWidgets, QtNetwork, QtSvg and the platform plugins): offscreen needs the first line,
  # a real window (xcb, e.g. under Xvfb for screenshots) the rest too
  libegl1 libgl1 libglib2.0-0 libfontconfig1 libfreetype6 libdbus-1-3 libxkbcommon0 libgssapi-krb5-2
  libx11-6 libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
  libxcb-randr0 libxcb-render0 libxcb-render-util0 libxcb-shape0 libxcb-shm0 libxcb-sync1
  libxcb-xfixes0 libxcb-xkb1 libxkbcommon-x11-0
  # USB ID-card readers and USB printers (pyusb's backend)
  libusb-1.0-0
  # the reference central's TLS tests make a throwaway CA with the openssl command
  openssl
  # browser tests of the web boards (headless)
  chromium
  # the .deb (make package; its contents are tested by make test): dpkg-deb and fakeroot;
  # systemd-analyze verify of the units
  dpkg-dev fakeroot systemd
  # tests that run processes at a fake wall clock (libfaketime's faketime command)
  faketime
  # tests start throwaway PostgreSQL clusters of their own with initdb and pg_ctl from
  # /usr/lib/postgresql/15/bin (the server the package also sets up is not used)
  postgresql
  # central's signed apt repository for the fleet (sync/central/apt_repo.py) and its tests:
  # reprepro publishes, gnupg signs and verifies
  reprepro gnupg
)

say() { printf 'bootstrap: %s\n' "$*"; }
die() { printf 'bootstrap: ERROR: %s\n' "$*" >&2; exit 1; }

missing_apt_packages() {
  # One dpkg-query call for all packages; prints the ones that are not installed.
  local status
  status="$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${APT_PACKAGES[@]}" 2>/dev/null || true)"
  local pkg
  for pkg in "${APT_PACKAGES[@]}"; do
    if ! grep -qxE "${pkg//./\\.}(:[a-z0-9]+)? installed" <<<"$status"; then
      printf '%s\n' "$pkg"
    fi
  done
}

step_system() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    say "WARNING: not a Debian-like system (no dpkg-query); cannot check system packages."
    say "  hallkit expects the equivalents of: ${APT_PACKAGES[*]}"
    return 0
  fi
  local missing
  mapfile -t missing < <(missing_apt_packages)
  if ((${#missing[@]} == 0)); then
    return 0
  fi
  if [[ "${HALLKIT_SKIP_APT:-}" == 1 ]]; then
    say "WARNING: HALLKIT_SKIP_APT=1, not installing missing Debian packages: ${missing[*]}"
    return 0
  fi

  local -a sudo=()
  if [[ "$(id -u)" != 0 ]]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo=(sudo -n)
    else
      cat >&2 <<EOF

bootstrap: these Debian packages are needed but not installed:

    ${missing[*]}

  This user is not root and cannot use sudo without a password, so they were not installed.
  Ask an administrator (or run as root):

    apt-get update && apt-get install -y --no-install-recommends ${missing[*]}

  then run make again. To go on without them anyway (tests needing them will fail or skip):

    HALLKIT_SKIP_APT=1 make test

EOF
      exit 1
    fi
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    die "missing Debian packages (${missing[*]}) and no apt-get to install them"
  fi

  say "installing missing Debian packages: ${missing[*]}"
  local t0=$SECONDS
  export DEBIAN_FRONTEND=noninteractive
  local -a apt_opts=(-q -y -o Dpkg::Use-Pty=0 -o DPkg::Lock::Timeout=300)
  local log
  log="$(mktemp -t hallkit-apt.XXXXXX)"
  if ! { "${sudo[@]}" apt-get "${apt_opts[@]}" update \
         && "${sudo[@]}" apt-get "${apt_opts[@]}" install --no-install-recommends "${missing[@]}"; \
       } >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    die "apt-get failed (full log: $log)"
  fi
  grep -E '^[0-9]+ upgraded, [0-9]+ newly installed' "$log" | sed 's/^/bootstrap: apt-get: /' || true
  rm -f "$log"
  mapfile -t missing < <(missing_apt_packages)
  if ((${#missing[@]} > 0)); then
    die "still missing after apt-get install: ${missing[*]}"
  fi
  say "Debian packages installed in $((SECONDS - t0))s"
}

python_ok() {
  # $1: interpreter; true when it runs and is Python >= 3.11
  "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' >/dev/null 2>&1
}

step_venv() {
  if [[ -x "$VENV/bin/python" ]] && python_ok "$VENV/bin/python" \
     && "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
    return 0
  fi
  if [[ -e "$VENV" ]]; then
    say "$VENV exists but is broken (interpreter or pip missing); recreating it"
    rm -rf "$VENV"
  fi
  command -v "$PYTHON" >/dev/null 2>&1 \
    || die "no '$PYTHON' on PATH; install python3 (Debian: apt-get install python3 python3-venv) or set PYTHON=/path/to/python3.11"
  python_ok "$PYTHON" \
    || die "'$PYTHON' is $("$PYTHON" -V 2>&1); hallkit needs Python >= 3.11 (set PYTHON=/path/to/python3.11)"

  local t0=$SECONDS
  say "creating $VENV with $("$PYTHON" -c 'import sys; print(sys.executable, sys.version.split()[0])')"
  if ! "$PYTHON" -m venv "$VENV"; then
    rm -rf "$VENV"
    die "'$PYTHON -m venv' failed. With Debian's python3 this means python3-venv is missing: apt-get install python3-venv"
  fi
  say "venv created in $((SECONDS - t0))s"
}

check_qt_libs() {
  # Warn about shared libraries the Qt wheels cannot find (offscreen and xcb platform plugins).
  local qtdir
  qtdir="$("$VENV/bin/python" - <<'EOF' 2>/dev/null || true
import importlib.util, pathlib
spec = importlib.util.find_spec("PySide6")
if spec and spec.origin:
    print(pathlib.Path(spec.origin).parent / "Qt")
EOF
)"
  [[ -n "$qtdir" && -d "$qtdir" ]] || return 0
  command -v ldd >/dev/null 2>&1 || return 0
  local notfound
  notfound="$(find "$qtdir/lib" "$qtdir/plugins/platforms" -name '*.so*' -type f \
      \( -name 'libQt6Core.so*' -o -name 'libQt6Gui.so*' -o -name 'libQt6Widgets.so*' \
         -o -name 'libQt6Network.so*' -o -name 'libQt6Svg.so*' -o -name 'libQt6DBus.so*' \
         -o -name 'libqoffscreen.so' -o -name 'libqminimal.so' \) -print0 \
    | xargs -0 -r env LD_LIBRARY_PATH="$qtdir/lib" ldd 2>/dev/null \
    | awk '/not found/ {print $1}' | sort -u | tr '\n' ' ')"
  if [[ -n "$notfound" ]]; then
    say "WARNING: Qt libraries cannot load these shared libraries: $notfound"
    say "  find their Debian packages (apt-file search NAME) and add them to APT_PACKAGES in $0"
  fi
}

# The lock, lowest group first (scripts/lock.sh); pip, setuptools and wheel are in it too.
LOCK_FILES=(
  requirements/base.txt requirements/screen.txt requirements/central.txt requirements/dev.txt
)

locked_block() {
  # $1: a package name; prints its pin with its --hash lines from the lock files
  awk -v want="$1" '
    /^[A-Za-z0-9]/ { name = tolower($0); sub(/==.*/, "", name); keep = (name == want) }
    /^ *#/ { next }
    keep { print }
  ' "${LOCK_FILES[@]}"
}

names_of() {
  # requirement lines on stdin (NAME==VERSION ...) -> their normalised names, sorted
  sed -E 's/[=@ ].*//' | tr 'A-Z_.' 'a-z--' | sort -u
}

step_install() {
  [[ -x "$VENV/bin/python" ]] || step_venv
  local f
  for f in "${LOCK_FILES[@]}"; do
    [[ -f "$f" ]] || die "$f is missing: the lock is committed with hallkit (make lock makes it)"
  done
  local t0=$SECONDS
  local -a pip=("$VENV/bin/python" -m pip --no-input --disable-pip-version-check)
  local -a hashed=(install --progress-bar off --require-hashes --no-deps --no-cache-dir)
  local log="$VENV/pip-install.log"
  local tools="$VENV/.lock-tools.txt" pip_pin="$VENV/.lock-pip.txt"
  locked_block pip >"$pip_pin"
  { locked_block setuptools; locked_block wheel; } >"$tools"
  grep -q '^pip==' "$pip_pin" && grep -q '^setuptools==' "$tools" && grep -q '^wheel==' "$tools" \
    || die "the lock (${LOCK_FILES[*]}) has no pin for pip, setuptools or wheel: run make lock"
  say "pip install --require-hashes from the lock: pip, setuptools and wheel, then"
  say "  ${LOCK_FILES[*]}; then hallkit itself (editable, --no-deps)"
  say "  pip's output goes to $log"
  local -a req=()
  for f in "${LOCK_FILES[@]}"; do req+=(-r "$f"); done
  if ! { "${pip[@]}" "${hashed[@]}" -r "$pip_pin" \
         && "${pip[@]}" "${hashed[@]}" -r "$tools" \
         && "${pip[@]}" "${hashed[@]}" --no-build-isolation "${req[@]}" \
         && "${pip[@]}" install --progress-bar off --no-deps --no-build-isolation -e . \
         && "${pip[@]}" check; } >"$log" 2>&1; then
    grep -v "^WARNING: Location '.*' is ignored" "$log" | tail -n 60 >&2
    die "pip install failed (full log: $log)"
  fi
  rm -f "$pip_pin" "$tools"
  grep -E '^Successfully installed' "$log" | cut -c1-2000 || true
  # Packages a venv kept from before the lock (nothing needs them): said, not removed.
  local extra
  extra="$("${pip[@]}" freeze --exclude-editable 2>/dev/null | grep -v '^#' | names_of \
    | comm -23 - <(grep -hE '^[A-Za-z0-9]' "${LOCK_FILES[@]}" | names_of) | tr '\n' ' ')"
  if [[ -n "$extra" ]]; then
    say "installed in $VENV but not in the lock (left as they are): $extra"
  fi
  check_qt_libs
  say "python packages installed in $((SECONDS - t0))s"
}

case "${1:-all}" in
  system) step_system ;;
  venv) step_venv ;;
  install) step_install ;;
  all) step_system; step_venv; step_install ;;
  *) die "usage: $0 [system|venv|install|all]" ;;
esac
