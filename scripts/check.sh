#!/usr/bin/env bash
# Run hallkit's checks from .venv, in order, stopping at the first failure.
#
#   scripts/check.sh lint   ruff check, ruff format --check, mypy, import contracts
#   scripts/check.sh test   the same, then pytest (Qt offscreen)
#
# Extra arguments after `test` go to pytest (make test PYTEST_ARGS='-k engine -x').
# Tests run in two processes (pytest-xdist; HALLKIT_TEST_WORKERS=N to change, 0 for one).
# Run it through `make lint` / `make test`, which bootstrap .venv first.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
VENV="${VENV:-.venv}"
mode="${1:-test}"
shift || true
case "$mode" in
  lint | test) ;;
  *) echo "usage: $0 lint|test [pytest args...]" >&2; exit 2 ;;
esac

[[ -x "$VENV/bin/python" ]] || { echo "check: no $VENV; run 'make deps' first" >&2; exit 2; }
export PATH="$PWD/$VENV/bin:$PATH"
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"

declare -a done_steps=()
t_start=$SECONDS
junit="$(mktemp -t hallkit-junit.XXXXXX)"
trap 'rm -f "$junit"' EXIT

counts_line() {
  # Print 'pytest: N passed, N failed, N skipped' from pytest's JUnit XML, if it wrote one.
  [[ -s "$junit" ]] || return 0
  "$VENV/bin/python" -c '
import sys
import xml.etree.ElementTree as ET

root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
n = {k: sum(int(s.get(k, 0)) for s in suites) for k in ("tests", "failures", "errors", "skipped")}
failed = n["failures"] + n["errors"]
skipped = n["skipped"]
passed = n["tests"] - failed - skipped
print(f"pytest: {passed} passed, {failed} failed, {skipped} skipped")
' "$junit" || true
}

step() {
  # step NAME CMD...: run CMD; on failure print a closing line naming the step and exit.
  local name="$1"
  shift
  printf '\n==> %s: %s\n' "$name" "$*"
  local t0=$SECONDS rc=0
  "$@" || rc=$?
  if [[ "$name" == pytest && $rc == 5 ]]; then
    printf '\ncheck: pytest collected no tests (exit 5); that counts as a failure\n'
  fi
  if ((rc != 0)); then
    printf '\nhallkit %s FAILED at step "%s" (exit %d) after %ds; passed before it: %s\n' \
      "$mode" "$name" "$rc" "$((SECONDS - t_start))" "${done_steps[*]:-none}"
    if [[ "$name" == pytest ]]; then counts_line; fi
    exit "$rc"
  fi
  done_steps+=("$name($((SECONDS - t0))s)")
}

step "ruff check" ruff check .
step "ruff format" ruff format --check .
step mypy mypy
step "import contracts" lint-imports
if [[ "$mode" == test ]]; then
  # Two worker processes (pytest-xdist) by default, the cores CI has; HALLKIT_TEST_WORKERS=0
  # runs in one process, and `-n N` in the extra arguments wins.
  step pytest pytest --junitxml="$junit" -n "${HALLKIT_TEST_WORKERS:-2}" "$@"
fi

printf '\nhallkit %s OK in %ds: %s\n' "$mode" "$((SECONDS - t_start))" "${done_steps[*]}"
if [[ "$mode" == test ]]; then counts_line; fi
exit 0
