"""The dependency lock (requirements/*.txt, made by scripts/lock.sh): every requirement of
pyproject.toml is pinned with hashes in the file of its group, the files never overlap, the
hub box's base holds no Qt and no PostgreSQL driver, and the venv that runs the tests holds the
locked set (docs/dependencies.md, "The lock")."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
LOCK_DIR = ROOT / "requirements"
GROUPS = ("base", "screen", "central", "dev")
# Which lock files may hold a requirement of each part of pyproject: its own group's, or a lower
# one (a package two groups need sits in the lower: base < screen, central < dev).
ALLOWED = {
    "base": ("base",),
    "screen": ("base", "screen"),
    "central": ("base", "central"),
    "test": ("base", "screen", "central", "dev"),
    "tools": ("base", "screen", "central", "dev"),
}
# What the lock is made for: CPython 3.11 on Linux (scripts/lock.sh).
TARGET = {
    "python_version": "3.11",
    "python_full_version": "3.11.2",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "os_name": "posix",
    "platform_machine": "x86_64",
}
NOT_IN_BASE = re.compile(r"^(pyside|shiboken|pyqt|qt|psycopg)")
BUILD_TOOLS = {"setuptools", "wheel"}
HASH = re.compile(r"^--hash=sha256:[0-9a-f]{64}$")
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)\s*\\?$")


@dataclass
class Pin:
    name: str
    version: str
    line: int
    hashes: list[str] = field(default_factory=list)


@dataclass
class LockFile:
    group: str
    header: list[str]
    pins: dict[str, Pin]
    problems: list[str]


def read_lock(group: str) -> LockFile:
    """One lock file as pins with their hashes; anything else on a line is a problem."""
    path = LOCK_DIR / f"{group}.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    header: list[str] = []
    for line in lines:
        if not line.startswith("#"):
            break
        header.append(line)
    pins: dict[str, Pin] = {}
    problems: list[str] = []
    current: Pin | None = None
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if raw.startswith(" "):
            option = line.removesuffix("\\").strip()
            if current is not None and HASH.match(option):
                current.hashes.append(option)
            else:
                problems.append(f"{path.name}:{number}: {raw!r}")
            continue
        match = PIN.match(line)
        if match is None:
            problems.append(f"{path.name}:{number}: not NAME==VERSION: {raw!r}")
            current = None
            continue
        name = canonicalize_name(match.group(1))
        if name in pins:
            problems.append(f"{path.name}:{number}: {name} pinned twice")
        current = pins[name] = Pin(name, match.group(2), number)
    return LockFile(group, header, pins, problems)


@pytest.fixture(scope="module")
def locks() -> dict[str, LockFile]:
    return {group: read_lock(group) for group in GROUPS}


def pyproject_requirements() -> dict[str, list[Requirement]]:
    """pyproject's requirements by part: base (dependencies), each extra, and the build tools."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    parts = {"base": [Requirement(r) for r in project["project"]["dependencies"]]}
    for extra, reqs in project["project"]["optional-dependencies"].items():
        parts[extra] = [Requirement(r) for r in reqs]
    parts["tools"] = [Requirement(r) for r in project["build-system"]["requires"]]
    parts["tools"] += [Requirement("pip"), Requirement("wheel")]
    return parts


def for_target(req: Requirement, extra: str = "") -> bool:
    return req.marker is None or req.marker.evaluate({**TARGET, "extra": extra})


def test_the_lock_is_four_files_of_pins_with_hashes_and_nothing_else(
    locks: dict[str, LockFile],
) -> None:
    assert sorted(p.name for p in LOCK_DIR.iterdir()) == sorted(f"{g}.txt" for g in GROUPS)
    for lock in locks.values():
        assert lock.problems == []
        assert lock.pins, f"{lock.group}.txt pins nothing"
        for pin in lock.pins.values():
            assert pin.hashes, f"{lock.group}.txt:{pin.line}: {pin.name} has no --hash"
            assert len(set(pin.hashes)) == len(pin.hashes), f"{pin.name}: a hash twice"


def test_every_lock_says_what_it_is_and_how_it_is_made(locks: dict[str, LockFile]) -> None:
    for group, lock in locks.items():
        header = "\n".join(lock.header)
        assert lock.header[0].startswith(f"# requirements/{group}.txt: "), lock.header[0]
        assert "Do not edit; run make lock" in header
        assert "scripts/lock.sh" in header and "--generate-hashes" in header


def test_no_lock_names_a_host_an_index_or_a_path_of_the_machine_that_made_it() -> None:
    for group in GROUPS:
        text = (LOCK_DIR / f"{group}.txt").read_text(encoding="utf-8")
        assert "://" not in text, group
        for option in ("--index-url", "--extra-index-url", "--find-links", "--trusted-host"):
            assert option not in text, (group, option)
        assert not re.search(r"/tmp/|/home/|/root/|/work/|/opt/", text), group


def test_the_four_files_are_disjoint(locks: dict[str, LockFile]) -> None:
    seen: dict[str, str] = {}
    for group, lock in locks.items():
        for name in lock.pins:
            assert name not in seen, f"{name} is in {seen.get(name)}.txt and {group}.txt"
            seen[name] = group


def test_the_hub_box_base_has_no_qt_and_no_postgresql_driver(locks: dict[str, LockFile]) -> None:
    assert [n for n in locks["base"].pins if NOT_IN_BASE.match(n)] == []
    assert {"pyside6-essentials", "shiboken6"} <= set(locks["screen"].pins)
    assert {"psycopg", "psycopg-binary", "psycopg-pool"} <= set(locks["central"].pins)


def test_every_requirement_of_pyproject_is_pinned_in_its_group_with_a_version_that_fits(
    locks: dict[str, LockFile],
) -> None:
    for part, reqs in pyproject_requirements().items():
        allowed = {n: p for g in ALLOWED[part] for n, p in locks[g].pins.items()}
        for req in reqs:
            if not for_target(req):
                continue
            name = canonicalize_name(req.name)
            assert name in allowed, f"{req} ({part}) is not pinned in {ALLOWED[part]}"
            version = allowed[name].version
            assert req.specifier.contains(version, prereleases=True), f"{req}: pinned {version}"


def test_each_group_holds_all_its_requirements_need_down_to_the_last_dependency(
    locks: dict[str, LockFile],
) -> None:
    """Walks the installed packages' own requirements from each part of pyproject: everything the
    base needs is in base.txt, everything screen or central need in theirs or below (extras
    too: psycopg[binary] needs psycopg-binary)."""
    pins = {n: p for lock in locks.values() for n, p in lock.pins.items()}
    group_of = {n: g for g, lock in locks.items() for n in lock.pins}
    for part, reqs in pyproject_requirements().items():
        if part == "tools":
            continue  # pip, setuptools and wheel need nothing else
        todo = [r for r in reqs if for_target(r)]
        seen: set[str] = set()
        while todo:
            req = todo.pop()
            name = canonicalize_name(req.name)
            assert name in pins, f"{name} (needed by {part}) is in no lock file"
            assert group_of[name] in ALLOWED[part], (
                f"{name} is needed by {part} but sits in {group_of[name]}.txt"
            )
            if name in seen:
                continue
            seen.add(name)
            extras = set(req.extras)
            try:
                requires = metadata.requires(name) or []
            except metadata.PackageNotFoundError:
                pytest.fail(f"{name} is not installed here: run make deps")
            for dep in requires:
                sub = Requirement(dep)
                wanted = sub.marker is None or any(
                    sub.marker.evaluate({**TARGET, "extra": e}) for e in extras or {""}
                )
                if wanted:
                    todo.append(sub)


def test_the_venv_running_the_tests_holds_the_locked_versions(
    locks: dict[str, LockFile],
) -> None:
    """`make deps` (scripts/bootstrap.sh install) installs the lock; so does CI. (The tools that
    install and build, setuptools and wheel, are the bootstrap's own business: nothing the tests
    run imports them.)"""
    wrong = []
    for lock in locks.values():
        for pin in lock.pins.values():
            if pin.name in BUILD_TOOLS:
                continue
            try:
                installed = metadata.version(pin.name)
            except metadata.PackageNotFoundError:
                wrong.append(f"{pin.name}=={pin.version} is not installed")
                continue
            if Version(installed) != Version(pin.version):
                wrong.append(f"{pin.name}: {installed} installed, {pin.version} locked")
    assert wrong == [], "run make deps: " + "; ".join(wrong)


def test_the_docs_count_the_pins_of_each_file(locks: dict[str, LockFile]) -> None:
    text = (ROOT / "docs" / "dependencies.md").read_text(encoding="utf-8")
    for group, lock in locks.items():
        row = re.search(rf"^\| `requirements/{group}\.txt` \|.*\| (\d+) \|$", text, re.MULTILINE)
        assert row is not None, f"docs/dependencies.md has no row for {group}.txt"
        assert int(row.group(1)) == len(lock.pins), f"{group}.txt: {len(lock.pins)} pins"


# Source files that run only on a screen box (Qt) or only with central's PostgreSQL; everything
# else of hallkit must find what it imports in base.txt.
OURS = (
    "config",
    "hub",
    "sync",
    "devices",
    "kiosk",
    "counter",
    "boards",
    "hall",
    "appkit",
    "weblogin",
)
SCREEN_ONLY = ("appkit/", "kiosk/", "counter/", "boards/", "hall/demo/", "hall/sdnotify_qt.py",
               "hall/cli_counter.py")  # fmt: skip
CENTRAL_ONLY = ("sync/central/db.py",)


def third_party_imports(path: Path) -> set[str]:
    """The top-level names of the modules a source file imports that are neither ours nor
    Python's own."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found |= {n.split(".")[0] for n in names}
    return found - set(sys.stdlib_module_names) - set(OURS) - {"__future__"}


def test_everything_hallkit_imports_comes_from_its_role_s_lock_files(
    locks: dict[str, LockFile],
) -> None:
    """A module imported at run time by code a hub box runs is in base.txt (central on SQLite,
    the hub, the technician's commands); the apps' Qt in screen.txt; psycopg in central.txt."""
    dists = metadata.packages_distributions()
    missing = []
    for package in OURS:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            groups = ["base"]
            if rel.startswith(SCREEN_ONLY):
                groups.append("screen")
            if rel.startswith(CENTRAL_ONLY):
                groups.append("central")
            allowed = {n for g in groups for n in locks[g].pins}
            for module in third_party_imports(path):
                names = {canonicalize_name(d) for d in dists.get(module, [])}
                if not names & allowed:
                    missing.append(f"{rel}: {module} ({', '.join(sorted(names)) or '?'})")
    assert missing == [], "not in " + "/".join(GROUPS[:3]) + ": " + "; ".join(missing)
