"""Helpers for the package-repository tests: a small real .deb, a short folder, a private apt."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

TOOLS = ("reprepro", "gpg", "gpgconf", "dpkg-deb", "apt-get", "apt-cache", "gpgv")
needs_apt_tools = pytest.mark.skipif(
    any(shutil.which(t) is None for t in TOOLS),
    reason="needs Debian's reprepro, gnupg, dpkg-deb and apt (scripts/bootstrap.sh installs them)",
)


@contextmanager
def short_folder() -> Iterator[Path]:
    """A fresh folder with a short path: gpg-agent's socket lives in GNUPGHOME, and a Unix
    socket's path is at most 107 bytes (pytest's tmp_path can be longer)."""
    folder = Path(tempfile.mkdtemp(prefix="hk-", dir="/tmp"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def build_deb(folder: Path, name: str = "hallkit-probe", version: str = "1.0") -> Path:
    """A real, tiny Debian package (one file, /usr/share/doc/NAME/VERSION) built with dpkg-deb."""
    stage = folder / f"stage-{name}-{version}"
    (stage / "DEBIAN").mkdir(parents=True)
    doc = stage / "usr/share/doc" / name
    doc.mkdir(parents=True)
    (doc / "VERSION").write_text(f"{version}\n")
    (stage / "DEBIAN" / "control").write_text(
        f"Package: {name}\nVersion: {version}\nArchitecture: all\n"
        "Maintainer: hallkit tests <tests@hallkit.invalid>\n"
        "Description: a package for the repository tests\n"
    )
    deb = folder / f"{name}_{version}_all.deb"
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "--build", str(stage), str(deb)],
        capture_output=True,
        check=True,
    )
    return deb


def apt_root(folder: Path) -> Path:
    """An empty apt root: the folders and the dpkg status file apt needs, nothing configured."""
    root = folder / "root"
    for sub in (
        "etc/apt/apt.conf.d",
        "etc/apt/preferences.d",
        "etc/apt/sources.list.d",
        "etc/apt/trusted.gpg.d",
        "var/lib/apt/lists/partial",
        "var/cache/apt/archives/partial",
        "var/lib/dpkg",
    ):
        (root / sub).mkdir(parents=True, exist_ok=True)
    (root / "var/lib/dpkg/status").touch()
    return root


def apt_options(root: Path, *, sandbox: bool = False) -> list[str]:
    """apt working on ``root`` only: its sources, keys, logins, lists and cache; no lock.

    Downloads run as root unless ``sandbox`` (then as ``_apt``, as on a box: ``root`` must be
    reachable by that user).
    """
    return [
        "-o",
        f"Dir={root}/",
        "-o",
        f"Dir::State::status={root}/var/lib/dpkg/status",
        "-o",
        "Dir::Bin::Methods=/usr/lib/apt/methods",
        "-o",
        "Debug::NoLocking=1",
        "-o",
        f"APT::Sandbox::User={'_apt' if sandbox else 'root'}",
        "-o",
        "Acquire::Retries=0",
        "-o",
        "Acquire::http::Timeout=20",
        "-o",
        "Acquire::Languages=none",
        "-o",
        "Acquire::http::Proxy=DIRECT",
    ]


def apt(
    root: Path, tool: str, *args: str, cwd: Path | None = None, sandbox: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run apt-get or apt-cache on ``root``; the finished process (never raises on failure)."""
    return subprocess.run(
        [tool, *apt_options(root, sandbox=sandbox), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
        env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"},
    )
