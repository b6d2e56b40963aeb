#!/usr/bin/env bash
# Build the three Debian packages of one commit with plain dpkg-deb (see packaging/README.md):
#
#   hallkit          the Qt-free base: the venv /opt/hallkit/venv (hub, sync, devices, config,
#                    the technician's hall commands), the hub's unit, udev rules, PAM, settings
#   hallkit-screen   Depends hallkit (= V): Qt for the screen apps in /opt/hallkit/qt (only the
#                    modules and plugins they use), the kiosk, counter, board and display units
#   hallkit-central  Depends hallkit (= V): psycopg and its pool in /opt/hallkit/central,
#                    central's unit
#
#   scripts/package.sh [--out DIR] [--version V] [--ref GIT_REF]
#
# It packages a commit (default HEAD, taken with git archive), never the working tree, and
# writes nothing into the checkout except DIR. Python dependencies come from the commit's hash
# locks (requirements/*.txt: pip --require-hashes --no-deps --no-cache-dir); hallkit itself is a
# wheel built from the commit. The venv is made with the box's interpreter (/usr/bin/python3) in
# the staging tree; its absolute paths are rewritten to /opt/hallkit/venv. The two extra
# folders are put on the venv's path by a .pth file their package ships. No .pyc is shipped:
# postinst compiles, prerm deletes them.
#
# Reproducible: SOURCE_DATE_EPOCH is the commit's time, every mtime is clamped to it, files are
# sorted, no staging path is left in any file (the build fails otherwise), RECORD files list
# only shipped files, and two builds of one commit give byte-identical packages
# (tests/packaging/test_reproducible.py).
#
# Environment:
#   PYTHON_FOR_VENV=/usr/bin/python3   interpreter of the box (must be the target's python3)
#   DEB_COMPRESS=xz                     dpkg-deb compressor: xz (smallest), zstd (fast), gzip
#   PIP_ARGS='...'                      extra pip options (e.g. --index-url for a local mirror)
#   KEEP_WORK=1                         keep the staging folder (its path is printed)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"

OUT="dist"
VERSION=""
REF="HEAD"
while (($#)); do
  case "$1" in
    --out) OUT="$2"; shift 2 ;;
    --version) VERSION="$2"; shift 2 ;;
    --ref) REF="$2"; shift 2 ;;
    *) echo "usage: $0 [--out DIR] [--version V] [--ref GIT_REF]" >&2; exit 2 ;;
  esac
done
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

PYTHON_FOR_VENV="${PYTHON_FOR_VENV:-/usr/bin/python3}"
DEB_COMPRESS="${DEB_COMPRESS:-xz}"
say() { printf 'package: %s\n' "$*"; }
die() { printf 'package: ERROR: %s\n' "$*" >&2; exit 1; }

for tool in dpkg-deb dpkg fakeroot readelf strip gzip; do
  command -v "$tool" >/dev/null || die "$tool is missing (apt-get install dpkg-dev fakeroot binutils)"
done
"$PYTHON_FOR_VENV" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
  || die "$PYTHON_FOR_VENV cannot make a venv (apt-get install python3-venv; Python >= 3.11)"
# The box runs the venv with Debian's interpreter: a developer's (pyenv, a venv) would leave its
# paths in the venv and in what pip builds (evdev's RUNPATH).
dpkg-query -S "$(readlink -f "$(command -v "$PYTHON_FOR_VENV")")" >/dev/null 2>&1 \
  || die "$PYTHON_FOR_VENV is not Debian's python3 (a package's file): build with /usr/bin/python3"

umask 022
WORK="$(mktemp -d -t hallkit-deb.XXXXXX)"
[[ -n "${KEEP_WORK:-}" ]] || trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/src"
git -C "$ROOT" archive --format=tar "$REF" | tar -x -C "$WORK/src"
COMMIT="$(git -C "$ROOT" rev-parse --short "$REF")"
SOURCE_DATE_EPOCH="$(git -C "$ROOT" log -1 --format=%ct "$REF")"
export SOURCE_DATE_EPOCH PYTHONDONTWRITEBYTECODE=1 PYTHONHASHSEED=0 LC_ALL=C.UTF-8 TZ=UTC
# The one C extension built here (evdev has no wheel): no debug info, so no build path in it.
export CFLAGS="-g0"
cd "$WORK/src"
DEBPKG=("$PYTHON_FOR_VENV" "$ROOT/scripts/lib/debpkg.py")

[[ -n "$VERSION" ]] || VERSION="$("$PYTHON_FOR_VENV" -c \
  'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')"
ARCH="$(dpkg --print-architecture)"
PYVER="$("$PYTHON_FOR_VENV" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
PYNEXT="$("$PYTHON_FOR_VENV" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1] + 1}")')"

VENV=/opt/hallkit/venv
QT_DIR=/opt/hallkit/qt
CENTRAL_DIR=/opt/hallkit/central
SITE="lib/python$PYVER/site-packages"
BASE="$WORK/hallkit"
SCREEN="$WORK/hallkit-screen"
CENTRAL="$WORK/hallkit-central"
PIP_OPTS=(-q --disable-pip-version-check --no-cache-dir --no-compile ${PIP_ARGS:-})
t0=$SECONDS

say "hallkit $VERSION ($REF = $COMMIT, SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH) for $ARCH, Python $PYVER"
mkdir -p "$BASE$VENV" "$SCREEN$QT_DIR" "$CENTRAL$CENTRAL_DIR" "$WORK/wheel" "$WORK/req"

# 1. What to install: the commit's hash locks, or (a commit before them) pyproject's ranges.
if [[ -f requirements/base.txt ]]; then
  LOCKED=1
  REQS=(-r requirements/base.txt -r requirements/screen.txt -r requirements/central.txt)
  "${DEBPKG[@]}" pick requirements/dev.txt setuptools >"$WORK/req/build.txt"
  BUILD_REQS=(--require-hashes --no-deps -r "$WORK/req/build.txt")
  say "dependencies: requirements/*.txt (hashes required)"
else
  LOCKED=""
  "${DEBPKG[@]}" requirements . "$WORK/req"
  REQS=(-r "$WORK/req/base.in" -r "$WORK/req/screen.in" -r "$WORK/req/central.in")
  BUILD_REQS=("setuptools>=77")
  say "dependencies: pyproject.toml (this commit has no requirements/*.txt)"
fi

# 2. hallkit's own wheel (only its code), with the build tools of the lock.
"$PYTHON_FOR_VENV" -m venv "$WORK/build-venv"
"$WORK/build-venv/bin/python" -m pip install "${PIP_OPTS[@]}" "${BUILD_REQS[@]}" >"$WORK/pip-build.log" 2>&1 \
  || { tail -30 "$WORK/pip-build.log" >&2; die "pip failed installing the build tools"; }
"$WORK/build-venv/bin/python" -m pip wheel -q --no-deps --no-build-isolation -w "$WORK/wheel" . \
  >>"$WORK/pip-build.log" 2>&1 || { tail -30 "$WORK/pip-build.log" >&2; die "building hallkit's wheel failed"; }
WHEEL="$(ls "$WORK"/wheel/hallkit-*.whl)"
say "built $(basename "$WHEEL")"

# 3. One venv with every role's dependencies, then screen's and central's moved out of it. The
# box's venv has no pip (nothing on a box installs Python packages): the build venv's pip fills it.
"$PYTHON_FOR_VENV" -m venv --without-pip "$BASE$VENV"
BOX_PIP=("$WORK/build-venv/bin/python" -m pip --python "$BASE$VENV/bin/python" install "${PIP_OPTS[@]}")
if [[ -n "$LOCKED" ]]; then
  "${BOX_PIP[@]}" --require-hashes --no-deps "${REQS[@]}" \
    >"$WORK/pip-venv.log" 2>&1 || { tail -30 "$WORK/pip-venv.log" >&2; die "pip install (locked) failed"; }
else
  "${BOX_PIP[@]}" "${REQS[@]}" \
    >"$WORK/pip-venv.log" 2>&1 || { tail -30 "$WORK/pip-venv.log" >&2; die "pip install failed"; }
fi
"${BOX_PIP[@]}" --no-deps "$WHEEL" >>"$WORK/pip-venv.log" 2>&1 \
  || { tail -30 "$WORK/pip-venv.log" >&2; die "pip install of hallkit's wheel failed"; }
names() { sed -e 's/#.*//' -e 's/[=<>;\[ ].*//' "$@" | grep -v '^$' | grep -v '^-' || true; }
if [[ -n "$LOCKED" ]]; then
  mapfile -t SCREEN_DISTS < <(names requirements/screen.txt)
  mapfile -t CENTRAL_DISTS < <(names requirements/central.txt)
else
  SCREEN_DISTS=(PySide6-Essentials shiboken6)
  CENTRAL_DISTS=(psycopg psycopg-binary psycopg-pool)
fi
"${DEBPKG[@]}" split "$BASE$VENV/$SITE" "$SCREEN$QT_DIR" "${SCREEN_DISTS[@]}"
"${DEBPKG[@]}" split "$BASE$VENV/$SITE" "$CENTRAL$CENTRAL_DIR" "${CENTRAL_DISTS[@]}"
"${DEBPKG[@]}" prune-qt "$SCREEN$QT_DIR"
mkdir -p "$SCREEN$VENV/$SITE" "$CENTRAL$VENV/$SITE"
echo "$QT_DIR" >"$SCREEN$VENV/$SITE/hallkit-screen.pth"
echo "$CENTRAL_DIR" >"$CENTRAL$VENV/$SITE/hallkit-central.pth"

# Absolute staging paths -> the installed path (shebangs of bin/*, activate scripts, pyvenv.cfg).
grep -rlF --null "$BASE$VENV" "$BASE$VENV/bin" "$BASE$VENV/pyvenv.cfg" | xargs -0 -r sed -i "s|$BASE$VENV|$VENV|g"
# Build paths in extension modules: the debug sections of the module built here; RUNPATHs
# naming the build machine are dropped (only $ORIGIN-relative ones are kept).
while IFS= read -r -d '' so; do
  if readelf -d "$so" 2>/dev/null | grep -E '\((RUNPATH|RPATH)\)' | grep -v '\[\$ORIGIN[^]:]*\]' >/dev/null; then
    command -v patchelf >/dev/null || die "$so has a RUNPATH outside the package (apt-get install patchelf)"
    say "dropping RUNPATH $(readelf -d "$so" | sed -n 's/.*(RUNPATH).*\[\(.*\)\]/\1/p') of ${so#"$WORK"/}"
    patchelf --remove-rpath "$so"
  fi
done < <(find "$BASE" "$CENTRAL" -name '*.so*' -type f -print0)
# Extension modules built here (not from a wheel): stripped like any Debian binary. The wheels'
# own files are shipped as their locked hashes say.
"${DEBPKG[@]}" built-here "$BASE$VENV/$SITE" | xargs -r strip --strip-unneeded
# Library files are not programs: 0644 (the scripts in bin/ stay executable).
find "$BASE$VENV/lib" "$SCREEN$QT_DIR" "$CENTRAL$CENTRAL_DIR" -type f -perm /111 -exec chmod 0644 {} +

# 4. Units, rules, configuration, docs, and the hall command on PATH.
# Every box updates itself from central (hall update run): the unit and its timer, shipped
# disabled (the technician enables the timer with the role's unit; docs/fleet-updates.md).
install -D -m 0644 -t "$BASE/lib/systemd/system" packaging/systemd/hallkit-hub.service \
  packaging/systemd/hallkit-update.{service,timer}
install -D -m 0644 -t "$SCREEN/lib/systemd/system" \
  packaging/systemd/hallkit-{kiosk,counter,board,display}.service
[[ -f packaging/systemd/hallkit-central.service ]] \
  && install -D -m 0644 -t "$CENTRAL/lib/systemd/system" packaging/systemd/hallkit-central.service
install -D -m 0644 -t "$BASE/lib/udev/rules.d" packaging/udev/70-hallkit.rules
install -D -m 0644 packaging/etc/hallkit.env "$BASE/etc/hallkit/hallkit.env"
# central's settings (a conffile; 0640 in step 7: it may hold the database's password)
[[ -f packaging/etc/central.env ]] \
  && install -D -m 0644 packaging/etc/central.env "$CENTRAL/etc/hallkit/central.env"
install -D -m 0644 packaging/pam/hallkit-session "$BASE/etc/pam.d/hallkit-session"
install -D -m 0644 -t "$BASE/usr/share/doc/hallkit" \
  packaging/udev/69-hallkit-local.rules.example README.md
# The guides the units name in Documentation= (the update units: fleet-updates.md; central's:
# central.md, in the base's folder with the others).
for doc in install fleet-updates central; do
  if [[ -f "docs/$doc.md" ]]; then
    install -m 0644 "docs/$doc.md" "$BASE/usr/share/doc/hallkit/$doc.md"
  fi
done
mkdir -p "$BASE/usr/bin"
ln -s "$VENV/bin/hall" "$BASE/usr/bin/hall"
# Tab completion and the man page of the hall command, made by the command itself (as on a box:
# the installed configuration and data folder, a fixed width).
hall_here() {
  env -i PATH=/usr/bin:/bin LC_ALL=C.UTF-8 COLUMNS=100 PYTHONDONTWRITEBYTECODE=1 \
    HALLKIT_CONFIG=/etc/hallkit/hall.toml HALLKIT_DATA=/var/lib/hallkit "$BASE$VENV/bin/python" -m hall "$@"
}
mkdir -p "$BASE/usr/share/bash-completion/completions" "$BASE/usr/share/man/man1"
hall_here completion bash >"$BASE/usr/share/bash-completion/completions/hall" \
  || die "hall completion bash failed"
hall_here --help | "${DEBPKG[@]}" manpage hall "$VERSION" "$SOURCE_DATE_EPOCH" \
  | gzip -9n >"$BASE/usr/share/man/man1/hall.1.gz"

# 5. Per package: changelog, copyright + SBOM + licence files, lintian overrides, control files.
CHANGELOG="$WORK/changelog"
if [[ "$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' packaging/debian/changelog)" != "$VERSION" ]]; then
  # a version the changelog does not have yet (a test's upgrade, a local build): say so on top
  { printf 'hallkit (%s) unstable; urgency=medium\n\n  * Built from commit %s.\n\n -- %s  %s\n\n' \
      "$VERSION" "$COMMIT" "$(sed -n 's/^ -- \(.*>\)  .*/\1/p' packaging/debian/changelog | head -1)" \
      "$(date -u -R -d "@$SOURCE_DATE_EPOCH")"
    cat packaging/debian/changelog; } >"$CHANGELOG"
else
  cp packaging/debian/changelog "$CHANGELOG"
fi
"${DEBPKG[@]}" legal "$BASE" hallkit "$VERSION" "$SOURCE_DATE_EPOCH" "$BASE$VENV/$SITE"
"${DEBPKG[@]}" legal "$SCREEN" hallkit-screen "$VERSION" "$SOURCE_DATE_EPOCH" "$SCREEN$QT_DIR"
"${DEBPKG[@]}" legal "$CENTRAL" hallkit-central "$VERSION" "$SOURCE_DATE_EPOCH" "$CENTRAL$CENTRAL_DIR"
for pkg in hallkit hallkit-screen hallkit-central; do
  stage="$WORK/$pkg"
  "${DEBPKG[@]}" clean "$stage"
  gzip -9n <"$CHANGELOG" >"$stage/usr/share/doc/$pkg/changelog.gz"
  install -D -m 0644 "packaging/debian/$pkg/lintian-overrides" "$stage/usr/share/lintian/overrides/$pkg"
  mkdir -p "$stage/DEBIAN"
  for script in postinst prerm postrm; do
    [[ -f "packaging/debian/$pkg/$script" ]] && install -m 0755 "packaging/debian/$pkg/$script" "$stage/DEBIAN/$script"
  done
  [[ -f "packaging/debian/$pkg/conffiles" ]] && install -m 0644 "packaging/debian/$pkg/conffiles" "$stage/DEBIAN/conffiles"
  sed -e "s/@VERSION@/$VERSION/g" -e "s/@ARCH@/$ARCH/" \
    -e "s/@INSTALLED_SIZE@/$("${DEBPKG[@]}" installed-size "$stage")/" \
    -e "s/@PYVER@/$PYVER/g" -e "s/@PYNEXT@/$PYNEXT/g" \
    "packaging/debian/$pkg/control.in" >"$stage/DEBIAN/control"
done

# 6. Nothing of the build machine left in any file; every library each package's ELF files
# need comes from its own files or from a package its Depends names.
if grep -rlF "$WORK" "$BASE" "$SCREEN" "$CENTRAL" >"$WORK/leaks"; then
  cat "$WORK/leaks" >&2
  die "the staging path $WORK is left in these files"
fi
"${DEBPKG[@]}" check-libraries "$BASE" "$BASE"
"${DEBPKG[@]}" check-libraries "$SCREEN" "$BASE" "$SCREEN"
"${DEBPKG[@]}" check-libraries "$CENTRAL" "$BASE" "$CENTRAL"

# 7. Stable metadata: modes, one mtime, md5sums in sorted order; dpkg-deb sorts the members.
for pkg in hallkit hallkit-screen hallkit-central; do
  stage="$WORK/$pkg"
  chmod -R u+rwX,go+rX,go-w "$stage"
  if [[ -f "$stage/etc/hallkit/central.env" ]]; then
    chmod 0640 "$stage/etc/hallkit/central.env"
  fi
  (cd "$stage" && find . -path ./DEBIAN -prune -o -type f -print0 | LC_ALL=C sort -z \
    | xargs -0 md5sum | sed 's| \./| |' >DEBIAN/md5sums)
  find "$stage" -newermt "@$SOURCE_DATE_EPOCH" -print0 | xargs -0 -r touch -h -d "@$SOURCE_DATE_EPOCH"
  deb="$OUT/${pkg}_${VERSION}_${ARCH}.deb"
  fakeroot dpkg-deb --root-owner-group -Z"$DEB_COMPRESS" --build "$stage" "$deb" >/dev/null
  say "wrote $deb ($(du -h "$deb" | cut -f1), installed $(dpkg-deb -f "$deb" Installed-Size) KiB)"
done
say "done in $((SECONDS - t0)) s"
