#!/usr/bin/env bash
# Lock hallkit's Python dependencies with hashes: requirements/{base,screen,central,dev}.txt.
#
#   scripts/lock.sh                       re-lock, keeping every pin that still fits pyproject.toml
#   scripts/lock.sh --upgrade             re-lock with the newest versions the index has
#   scripts/lock.sh --upgrade-package P   newest P (repeatable), the other pins kept
#
# (`make lock` runs the first form.) One resolution covers hallkit's runtime dependencies, every
# extra (screen, central, test) and the tools that install and build (pip, setuptools, wheel), for
# CPython 3.11 on Linux (Debian 12's glibc 2.36) with every file's sha256 the index lists for the
# pinned version (x86_64 and aarch64 wheels, and the sdist: evdev has no wheel). The result is
# split into four files, each listing only its own group; a package two groups need goes into the
# lower one (base < screen, central < dev):
#
#   base.txt     the hub box: every runtime dependency of hallkit itself (no Qt, no psycopg)
#   screen.txt   the screen boxes add: PySide6-Essentials, shiboken6
#   central.txt  central adds: psycopg, psycopg-binary, psycopg-pool
#   dev.txt      development and CI add: the test extra (pytest, ruff, mypy, ...), pip,
#                setuptools, wheel
#
# The lock tool is uv's `pip compile`, installed into a throwaway venv here (nothing is left
# behind). The package index is the one pip is configured with (`pip config`, PIP_INDEX_URL),
# else the default; this script names none. Pins are kept from the existing requirements/*.txt
# (with no lock yet: from .venv's `pip freeze`, so a first lock matches the team's venv).
#
# Environment: PYTHON=... (interpreter for the throwaway venv; default python3), VENV=... (the
# venv whose pip freeze seeds a first lock; default .venv).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv}"
UV_VERSION=0.13.8
# Debian 12 (glibc 2.36) on the two architectures boxes use; the lock is resolved for the first
# and checked to install on the second.
PLATFORMS=(x86_64-manylinux_2_36 aarch64-manylinux_2_36)
PY_VERSION=3.11
GROUPS_=(base screen central dev)
OUT=requirements

say() { printf 'lock: %s\n' "$*"; }
die() { printf 'lock: ERROR: %s\n' "$*" >&2; exit 1; }

declare -a upgrade=()
while (($#)); do
  case "$1" in
    --upgrade | -U) upgrade+=(--upgrade) ;;
    --upgrade-package | -P)
      [[ $# -ge 2 ]] || die "--upgrade-package needs a package name"
      upgrade+=(--upgrade-package "$2")
      shift
      ;;
    *) die "usage: $0 [--upgrade] [--upgrade-package NAME]..." ;;
  esac
  shift
done

work="$(mktemp -d -t hallkit-lock.XXXXXX)"
trap 'rm -rf "$work"' EXIT
t0=$SECONDS

# The lock tool, in a venv of its own.
"$PYTHON" -m venv "$work/tool" || die "'$PYTHON -m venv' failed (Debian: apt-get install python3-venv)"
"$work/tool/bin/python" -m pip --no-input --disable-pip-version-check -q install \
  --progress-bar off "uv==$UV_VERSION" 2>&1 | grep -v "^WARNING: Location '.*' is ignored" >&2 || true
[[ -x "$work/tool/bin/uv" ]] || die "could not install uv==$UV_VERSION into the throwaway venv"
export UV_CACHE_DIR="$work/cache" UV_NO_CONFIG=1 UV_PYTHON_DOWNLOADS=never
unset UV_INDEX_URL UV_EXTRA_INDEX_URL UV_INDEX UV_DEFAULT_INDEX UV_FIND_LINKS

# pip's index, if one is configured (uv does not read pip's configuration). pip's extra indexes
# and find-links are local copies of the same files: a hash from the index matches them too.
declare -a index=()
index_url="${PIP_INDEX_URL:-$("$work/tool/bin/python" -m pip config get global.index-url 2>/dev/null || true)}"
if [[ -n "$index_url" ]]; then
  index=(--index-url "$index_url")
fi
cert="${PIP_CERT:-$("$work/tool/bin/python" -m pip config get global.cert 2>/dev/null || true)}"
if [[ -n "$cert" && -z "${SSL_CERT_FILE:-}" ]]; then
  export SSL_CERT_FILE="$cert"
fi

uv_compile() {
  "$work/tool/bin/uv" pip compile --quiet --no-progress --python-version "$PY_VERSION" \
    "${index[@]}" "$@"
}

# What to keep: the pins of the current lock, else the team venv's installed versions. uv keeps
# the pins it finds in its output file unless told to upgrade.
if compgen -G "$OUT/*.txt" >/dev/null; then
  cat "$OUT"/*.txt >"$work/all.txt"
  say "keeping the pins of $OUT/*.txt${upgrade:+ (except: ${upgrade[*]})}"
elif [[ -x "$VENV/bin/pip" ]]; then
  "$VENV/bin/pip" freeze --exclude-editable 2>/dev/null | grep -v '^#' >"$work/all.txt" || true
  say "no lock yet: preferring the versions installed in $VENV"
fi

printf '%s\n' 'pip' 'setuptools>=77' 'wheel' >"$work/tools.in"

# The one resolution: hallkit, all its extras and the install/build tools.
uv_compile pyproject.toml "$work/tools.in" --all-extras --generate-hashes \
  --python-platform "${PLATFORMS[0]}" --custom-compile-command "make lock" \
  "${upgrade[@]}" -o "$work/all.txt" \
  || die "uv pip compile failed"
# (the annotations name the tools' list by where it comes from, not by its throwaway path)
sed -i "s|-r $work/tools.in|scripts/lock.sh (install and build tools)|" "$work/all.txt"
# name==version of every pin, for the checks and the split below
grep -E '^[A-Za-z0-9]' "$work/all.txt" | sed -E 's/[[:space:]]*\\$//' >"$work/pins.txt"

# The same pins on the other architecture: a pin with no wheel (nor sdist) for it is reported,
# not fatal (the hashes of its wheels for other glibc versions are in the lock all the same).
for platform in "${PLATFORMS[@]:1}"; do
  if ! uv_compile pyproject.toml "$work/tools.in" --all-extras -c "$work/pins.txt" \
      --python-platform "$platform" --no-header --no-annotate -o "$work/check.txt" \
      2>"$work/check.err"; then
    say "WARNING: these pins do not install on $platform (Debian 12 there):"
    grep -E '^\s*(cause|hint):|because' "$work/check.err" | sed 's/^/lock:   /' >&2 || true
  fi
done

# Each group's closure within the same pins: base (no extra), screen, central; dev is the rest.
names_of() { grep -E '^[A-Za-z0-9]' "$1" | sed -E 's/==.*//' | sort -u; }
resolve_group() {
  uv_compile pyproject.toml "$@" -c "$work/pins.txt" --python-platform "${PLATFORMS[0]}" \
    --no-header --no-annotate -o "$work/group.txt" || die "uv pip compile ($*) failed"
  names_of "$work/group.txt"
}
resolve_group >"$work/base.names"
resolve_group --extra screen | comm -23 - "$work/base.names" >"$work/screen.names"
resolve_group --extra central | comm -23 - "$work/base.names" >"$work/central.names"
both="$(comm -12 "$work/screen.names" "$work/central.names" | tr '\n' ' ')"
[[ -z "$both" ]] \
  || die "screen and central both need $both but the base does not: decide where they belong"
names_of "$work/pins.txt" | comm -23 - <(sort -u "$work"/{base,screen,central}.names) \
  >"$work/dev.names"

declare -A title=(
  [base]="the base: hallkit's runtime dependencies (the hub box; under every role)"
  [screen]="what the screen boxes add: Qt (extra screen)"
  [central]="what central adds: PostgreSQL's driver and pool (extra central)"
  [dev]="what development and CI add: the test extra, setuptools, wheel"
)
mkdir -p "$OUT"
uv_line="$("$work/tool/bin/uv" --version | cut -d' ' -f1-2)"
for group in "${GROUPS_[@]}"; do
  {
    printf '# requirements/%s.txt: %s.\n' "$group" "${title[$group]}"
    printf '# Do not edit; run make lock (scripts/lock.sh: %s pip compile --generate-hashes, one\n' "$uv_line"
    printf '# resolution for base, screen, central and dev together, CPython %s on Linux x86_64 and\n' "$PY_VERSION"
    printf '# aarch64). Each file lists only its own group; install them with the lower ones:\n'
    printf '#   pip install --require-hashes --no-deps --no-cache-dir -r requirements/base.txt [-r ...]\n'
    # the blocks of this group's names, as uv wrote them (pin, hashes, "# via" lines)
    awk -v names="$work/$group.names" '
      BEGIN { while ((getline n < names) > 0) want[tolower(n)] = 1 }
      /^[A-Za-z0-9]/ { name = tolower($0); sub(/==.*/, "", name); keep = (name in want) }
      /^#/ && !/^    / { keep = 0 }
      keep { print }
    ' "$work/all.txt"
  } >"$work/$group.txt"
done
for group in "${GROUPS_[@]}"; do
  mv "$work/$group.txt" "$OUT/$group.txt"
done

total=0
for group in "${GROUPS_[@]}"; do
  n="$(grep -cE '^[A-Za-z0-9]' "$OUT/$group.txt" || true)"
  total=$((total + n))
  say "$OUT/$group.txt: $n pins"
done
say "$total pins, locked in $((SECONDS - t0))s"
