"""The packages under test (built once per test session) and readers of their contents.

`make package-test` builds them (scripts/package-test.sh sets HALLKIT_DEBS to the folder holding
hallkit, hallkit-screen and hallkit-central of one version); under `make test` the first test
that needs them builds them now from the committed HEAD with scripts/package.sh (gzip, the
quickest compression dpkg-deb and lintian both take; about a minute), once for all xdist workers.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

import pytest

PACKAGES = ("hallkit", "hallkit-screen", "hallkit-central")
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "package.sh"


def build(out: Path, *args: str, compress: str = "gzip") -> dict[str, Path]:
    """scripts/package.sh --out OUT ARGS...: the three packages it wrote."""
    result = subprocess.run(
        [str(SCRIPT), "--out", str(out), *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "DEB_COMPRESS": compress},
    )
    if result.returncode != 0:
        pytest.fail(f"scripts/package.sh failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return found_in(out)


def found_in(folder: Path) -> dict[str, Path]:
    debs = {}
    for name in PACKAGES:
        matches = sorted(folder.glob(f"{name}_*.deb"))
        if len(matches) != 1:
            pytest.fail(f"{folder}: {len(matches)} files {name}_*.deb, expected one")
        debs[name] = matches[0]
    return debs


@pytest.fixture(scope="session")
def debs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """hallkit, hallkit-screen, hallkit-central: from HALLKIT_DEBS, or built now from HEAD."""
    given = os.environ.get("HALLKIT_DEBS")
    if given:
        return found_in(Path(given))
    # One build for the whole run: pytest-xdist's workers share the parent of their temporary
    # folders, and the first to take the lock builds while the others wait for it.
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent
    out = shared / "built-debs"
    with (shared / "built-debs.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (out / "done").is_file():
            return found_in(out)
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir()
        debs = build(out)
        (out / "done").touch()
        return debs


@pytest.fixture(scope="session")
def extracted(debs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each package unpacked (dpkg-deb -R: its files and DEBIAN/) into a folder of its own."""
    roots = {}
    for name, deb in debs.items():
        root = tmp_path_factory.mktemp(f"x-{name}")
        subprocess.run(["dpkg-deb", "-R", str(deb), str(root)], check=True)
        roots[name] = root
    return roots


def members(deb: Path) -> dict[str, str]:
    """Path in the package -> the `dpkg-deb -c` line describing it."""
    listing = subprocess.run(
        ["dpkg-deb", "-c", str(deb)], capture_output=True, text=True, check=True
    ).stdout
    found = {}
    for line in listing.splitlines():
        name = line.split(None, 5)[5].split(" -> ")[0]
        found[name.removeprefix(".").rstrip("/") or "/"] = line
    return found


def field(deb: Path, name: str) -> str:
    return subprocess.run(
        ["dpkg-deb", "-f", str(deb), name], capture_output=True, text=True, check=True
    ).stdout.strip()


def depends(deb: Path) -> list[str]:
    """The package names of Depends (alternatives and version constraints dropped)."""
    names = []
    for alternatives in field(deb, "Depends").split(","):
        for choice in alternatives.split("|"):
            names.append(choice.strip().split()[0])
    return names
