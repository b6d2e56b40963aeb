#!/usr/bin/env bash
# Build dist/hallkit_VERSION_ARCH.deb with plain dpkg-deb from a staging tree (see packaging/README.md).
#
#   scripts/package.sh [--out DIR] [--version V] [--ref GIT_REF]
#
# It packages a commit (default HEAD, taken with git archive), never the working tree: what is
# in the .deb is what is in git, and a build never writes into the checkout except DIR.
# The app goes into its own venv at /opt/hallkit/venv, made with Debian 12's /usr/bin/python3
# (the interpreter the box will run it with) and filled from PyPI: hallkit's wheel and its
# dependencies' wheels. A venv is not relocatable, so it is built in the staging tree and its
# absolute paths (script shebangs, activate scripts) are rewritten to /opt/hallkit/venv.
# No .pyc files go into the package: postinst compiles them, prerm removes them.
#
# Environment:
#   PYTHON_FOR_VENV=/usr/bin/python3   interpreter of the box (must be the target's python3)
#   DEB_COMPRESS=zstd                   dpkg-deb compressor: zstd (fast), xz (smallest), gzip
#   PIP_ARGS='...'                      extra pip options (e.g. --index-url for a local mirror)
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
DEB_COMPRESS="${DEB_COMPRESS:-zstd}"
say() { printf 'package: %s\n' "$*"; }
die() { printf 'package: ERROR: %s\n' "$*" >&2; exit 1; }

for tool in dpkg-deb dpkg fakeroot; do
  command -v "$tool" >/dev/null || die "$tool is missing (apt-get install dpkg-dev fakeroot)"
done
"$PYTHON_FOR_VENV" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
  || die "$PYTHON_FOR_VENV cannot make a venv (apt-get install python3-venv; Python >= 3.11)"

WORK="$(mktemp -d -t hallkit-deb.XXXXXX)"
[[ -n "${KEEP_WORK:-}" ]] || trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/src"
git -C "$ROOT" archive --format=tar "$REF" | tar -x -C "$WORK/src"
COMMIT="$(git -C "$ROOT" rev-parse --short "$REF")"
cd "$WORK/src"

[[ -n "$VERSION" ]] || VERSION="$("$PYTHON_FOR_VENV" -c \
  'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')"
ARCH="$(dpkg --print-architecture)"
PYVER="$("$PYTHON_FOR_VENV" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
PYNEXT="$("$PYTHON_FOR_VENV" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1] + 1}")')"

STAGE="$WORK/root"
VENV=/opt/hallkit/venv
t0=$SECONDS

say "hallkit $VERSION ($REF = $COMMIT) for $ARCH, Python $PYVER, staging in $WORK"
mkdir -p "$STAGE$VENV" "$WORK/wheel"

# 1. hallkit's own wheel (only its code; dependencies come from PyPI in step 2).
"$PYTHON_FOR_VENV" -m venv "$WORK/build-venv"
"$WORK/build-venv/bin/python" -m pip install -q --disable-pip-version-check ${PIP_ARGS:-} \
  "setuptools>=77" wheel >"$WORK/pip-build.log" 2>&1 || { tail -30 "$WORK/pip-build.log" >&2; die "pip failed"; }
"$WORK/build-venv/bin/python" -m pip wheel -q --no-deps --no-build-isolation -w "$WORK/wheel" . \
  >>"$WORK/pip-build.log" 2>&1 || { tail -30 "$WORK/pip-build.log" >&2; die "building hallkit's wheel failed"; }
WHEEL="$(ls "$WORK"/wheel/hallkit-*.whl)"
say "built $(basename "$WHEEL")"

# 2. The box's venv, in the staging tree, with hallkit and its dependencies.
"$PYTHON_FOR_VENV" -m venv "$STAGE$VENV"
"$STAGE$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-compile ${PIP_ARGS:-} \
  "$WHEEL" >"$WORK/pip-venv.log" 2>&1 || { tail -30 "$WORK/pip-venv.log" >&2; die "pip install into the venv failed"; }
find "$STAGE$VENV" -name __pycache__ -type d -prune -exec rm -rf {} +
# Absolute staging paths -> the installed path (shebangs of bin/*, activate scripts).
grep -rlF --null "$STAGE$VENV" "$STAGE$VENV/bin" "$STAGE$VENV/pyvenv.cfg" | xargs -0 -r sed -i "s|$STAGE$VENV|$VENV|g"
! grep -rqF "$STAGE" "$STAGE$VENV/bin" "$STAGE$VENV/pyvenv.cfg" || die "staging path left in the venv"
say "venv filled: $(du -sh "$STAGE$VENV" | cut -f1)"

# 3. Units, rules, configuration, docs, and the hall command on PATH.
install -D -m 0644 -t "$STAGE/lib/systemd/system" packaging/systemd/*.service
install -D -m 0644 -t "$STAGE/lib/udev/rules.d" packaging/udev/70-hallkit.rules
install -D -m 0644 packaging/etc/hallkit.env "$STAGE/etc/hallkit/hallkit.env"
install -D -m 0644 packaging/pam/hallkit-session "$STAGE/etc/pam.d/hallkit-session"
install -D -m 0644 -t "$STAGE/usr/share/doc/hallkit" \
  packaging/udev/69-hallkit-local.rules.example README.md
[[ -f docs/install.md ]] && install -m 0644 docs/install.md "$STAGE/usr/share/doc/hallkit/install.md"
mkdir -p "$STAGE/usr/bin"
ln -s "$VENV/bin/hall" "$STAGE/usr/bin/hall"
# Tab completion of the hall command for the technician's shell, made by the command itself.
mkdir -p "$STAGE/usr/share/bash-completion/completions"
PYTHONDONTWRITEBYTECODE=1 "$STAGE$VENV/bin/python" -m hall completion bash \
  >"$STAGE/usr/share/bash-completion/completions/hall" || die "hall completion bash failed"

# 4. Control files.
mkdir -p "$STAGE/DEBIAN"
install -m 0755 -t "$STAGE/DEBIAN" packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm
install -m 0644 packaging/debian/conffiles "$STAGE/DEBIAN/conffiles"
INSTALLED_SIZE="$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)"
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@INSTALLED_SIZE@/$INSTALLED_SIZE/" \
  -e "s/@PYVER@/$PYVER/g" -e "s/@PYNEXT@/$PYNEXT/g" \
  packaging/debian/control.in >"$STAGE/DEBIAN/control"
(cd "$STAGE" && find . -path ./DEBIAN -prune -o -type f -print0 | sort -z \
  | xargs -0 md5sum | sed 's| \./| |' >DEBIAN/md5sums)

DEB="$OUT/hallkit_${VERSION}_${ARCH}.deb"
fakeroot dpkg-deb --root-owner-group -Z"$DEB_COMPRESS" --build "$STAGE" "$DEB" >/dev/null
say "wrote $DEB ($(du -h "$DEB" | cut -f1)) in $((SECONDS - t0)) s"
