# hallkit developer commands. Each target bootstraps what it needs on a fresh Debian 12 machine:
# missing Debian packages (apt-get, as root), then .venv with the locked dependencies
# (requirements/*.txt, hashes required) and hallkit installed editable. Stamp files keep a second
# run from reinstalling; a changed lock or pyproject.toml reinstalls.
#
#   make demo    run the demo hall (hub, simulated devices)
#   make test    ruff, ruff format --check, mypy, import contracts, pytest
#   make help    everything else

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.stamp-install
PYTEST_ARGS ?=
DEMO_ARGS ?=
BENCH_ARGS ?=

export PYTHON VENV

.PHONY: help deps sysdeps lock test lint fmt demo bench clean distclean

help:
	@echo "hallkit make targets:"
	@echo "  make demo       run the demo hall: $(VENV)/bin/hall demo"
	@echo "  make test       lint (below) then pytest with QT_QPA_PLATFORM=offscreen"
	@echo "  make lint       ruff check, ruff format --check, mypy, lint-imports"
	@echo "  make fmt        ruff check --fix, then ruff format (rewrites files)"
	@echo "  make bench      $(VENV)/bin/python bench/run.py"
	@echo "  make package    build dist/hallkit{,-screen,-central}_VERSION_ARCH.deb from the committed HEAD"
	@echo "  make package-test  build twice (byte-identical), lintian, then install each role's box,"
	@echo "                  upgrade from central's signed repository (hall update run), see a broken"
	@echo "                  release roll back by itself, purge: in throwaway Debian 12 roots"
	@echo "  make bare-test  make demo and make test as root in a bare Debian 12 root (debootstrap)"
	@echo "  make deps       only bootstrap: Debian packages, $(VENV) with the locked dependencies"
	@echo "  make lock       re-lock requirements/*.txt (hashes) after editing pyproject.toml"
	@echo "  make clean      remove caches and build output (keeps $(VENV))"
	@echo "  make distclean  clean, and remove $(VENV) too"
	@echo "Variables: PYTHON=$(PYTHON) PYTEST_ARGS='...' DEMO_ARGS='...' BENCH_ARGS='...'"
	@echo "           HALLKIT_SKIP_APT=1 (never apt-get install; only warn)"

# Debian packages: a quick dpkg-query each run; apt-get update + install only when one is missing.
sysdeps:
	@scripts/bootstrap.sh system

# The venv itself; recreated when its interpreter is gone (e.g. a removed pyenv version).
$(PY): | sysdeps
	@scripts/bootstrap.sh venv

# The lock (base + screen + central + dev, hashes required), then hallkit editable; redone when
# the lock, pyproject.toml or the bootstrap changes.
LOCK_FILES := $(wildcard requirements/*.txt)

$(STAMP): $(PY) pyproject.toml scripts/bootstrap.sh $(LOCK_FILES) | sysdeps
	@scripts/bootstrap.sh install
	@touch $@

deps: $(STAMP)

# One resolution of hallkit's dependencies, extras and build tools, written with sha256 hashes to
# requirements/{base,screen,central,dev}.txt (scripts/lock.sh; docs/dependencies.md). Pins that
# still fit pyproject.toml are kept; LOCK_ARGS=--upgrade takes the newest.
LOCK_ARGS ?=

lock:
	@scripts/lock.sh $(LOCK_ARGS)

test: deps
	@scripts/check.sh test $(PYTEST_ARGS)

lint: deps
	@scripts/check.sh lint

fmt: deps
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

demo: deps
	$(VENV)/bin/hall demo $(DEMO_ARGS)

bench: deps
	@test -f bench/run.py || { echo "make bench: bench/run.py does not exist yet" >&2; exit 2; }
	$(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf build dist .eggs *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis \
		.import_linter_cache demo-data out
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) .stamp-*

# Packaging (issues 7, 18): the .debs for real halls, one per role (hallkit for the hub box,
# hallkit-screen, hallkit-central); see packaging/README.md. `make test` builds them from HEAD
# and checks their contents; package-test also builds twice and compares, runs lintian, and
# installs, upgrades, rolls back and purges them in throwaway Debian 12 roots (as root; made once
# with debootstrap), the hub box's upgrade and rollback through central's signed repository with
# hall update run (tests/packaging/test_fleet_update.py).
.PHONY: package package-test

package: deps
	scripts/package.sh

package-test: deps
	scripts/package-test.sh

# The README's promise (issue 12): in a bare Debian 12 root (debootstrap minbase + git, make,
# python3, ca-certificates; made once, kept in /var/tmp) a clean clone of HEAD runs `make demo
# DEMO_ARGS='--script day ...'` and `make test` as root, bootstrapping everything itself. Needs
# root; nothing of this machine's .venv is used.
.PHONY: bare-test
bare-test:
	scripts/bare-debian-test.sh
