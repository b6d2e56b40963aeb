"""The .deb: its contents, control data and maintainer scripts; install, upgrade, roll back,
remove and purge in a throwaway Debian 12 root.

`make package-test` builds two packages and a throwaway Debian 12 root (scripts/package-test.sh
sets HALLKIT_DEB, HALLKIT_DEB_NEXT and HALLKIT_TEST_CHROOT) and runs everything here. Under
`make test`, without HALLKIT_DEB, the content tests build one package from the committed HEAD
(about 15 s with pip's cache warm) and the install tests skip, saying so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.packaging.unitfiles import PACKAGING, UNITS

VENV = "/opt/hallkit/venv"


def _env_path(name: str) -> Path:
    text = os.environ.get(name)
    if not text:
        pytest.skip(f"{name} is not set: run `make package-test`")
    path = Path(text)
    if not path.exists():
        pytest.fail(f"{name}={text} does not exist")
    return path


@pytest.fixture(scope="session")
def deb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package under test: HALLKIT_DEB, or one built now by scripts/package.sh."""
    if os.environ.get("HALLKIT_DEB"):
        return _env_path("HALLKIT_DEB")
    out = tmp_path_factory.mktemp("built-deb")
    script = Path(__file__).resolve().parents[2] / "scripts" / "package.sh"
    result = subprocess.run(
        [str(script), "--out", str(out)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        pytest.fail(f"scripts/package.sh failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return next(out.glob("hallkit_*.deb"))


@pytest.fixture(scope="module")
def extracted(deb: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("deb")
    subprocess.run(["dpkg-deb", "-R", str(deb), str(root)], check=True)
    return root


def _members(deb: Path) -> dict[str, str]:
    """Path in the package -> the `dpkg-deb -c` line describing it."""
    listing = subprocess.run(
        ["dpkg-deb", "-c", str(deb)], capture_output=True, text=True, check=True
    ).stdout
    members = {}
    for line in listing.splitlines():
        name = line.split(None, 5)[5].split(" -> ")[0]
        members[name.removeprefix(".").rstrip("/") or "/"] = line
    return members


def _field(deb: Path, name: str) -> str:
    return subprocess.run(
        ["dpkg-deb", "-f", str(deb), name], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_the_file_name_says_version_and_architecture(deb: Path) -> None:
    assert deb.name == f"hallkit_{_field(deb, 'Version')}_{_field(deb, 'Architecture')}.deb"


def test_the_package_holds_units_rules_config_and_the_venv(deb: Path) -> None:
    members = _members(deb)
    for unit in UNITS:
        assert f"/lib/systemd/system/{unit.name}" in members
    for path in (
        "/lib/udev/rules.d/70-hallkit.rules",
        "/etc/hallkit/hallkit.env",
        "/etc/pam.d/hallkit-session",
        "/usr/share/doc/hallkit/69-hallkit-local.rules.example",
        "/usr/share/bash-completion/completions/hall",
        f"{VENV}/bin/hall",
        f"{VENV}/bin/python",
    ):
        assert path in members, path
    assert "-> /opt/hallkit/venv/bin/hall" in members["/usr/bin/hall"]
    assert not [m for m in members if m.startswith("/var/")]  # data is made, never shipped
    assert not [m for m in members if "__pycache__" in m or m.endswith(".pyc")]


def test_the_venv_has_hallkit_and_no_trace_of_the_build_machine(extracted: Path) -> None:
    venv = extracted / VENV.lstrip("/")
    assert (venv / "bin/hall").read_text().startswith(f"#!{VENV}/bin/python")
    assert os.readlink(venv / "bin/python").endswith("python3")
    for path in [*(venv / "bin").iterdir(), venv / "pyvenv.cfg"]:
        if path.is_file() and not path.is_symlink():
            assert "hallkit-deb." not in path.read_text(errors="replace"), path
    site = next((venv / "lib").glob("python3.*/site-packages"))
    assert (site / "hub" / "server.py").is_file()
    assert list(site.glob("hallkit-*.dist-info"))


def test_packaged_files_are_the_ones_in_packaging(extracted: Path) -> None:
    pairs = {
        "etc/hallkit/hallkit.env": PACKAGING / "etc/hallkit.env",
        "etc/pam.d/hallkit-session": PACKAGING / "pam/hallkit-session",
        "lib/udev/rules.d/70-hallkit.rules": PACKAGING / "udev/70-hallkit.rules",
        **{f"lib/systemd/system/{u.name}": u for u in UNITS},
    }
    for inside, source in pairs.items():
        assert (extracted / inside).read_bytes() == source.read_bytes(), inside


def test_conffiles_are_the_settings_under_etc(extracted: Path) -> None:
    conffiles = (extracted / "DEBIAN/conffiles").read_text().split()
    assert conffiles == ["/etc/hallkit/hallkit.env", "/etc/pam.d/hallkit-session"]


def test_control_names_the_interpreter_the_venv_was_built_for(deb: Path) -> None:
    depends = _field(deb, "Depends")
    venv_python = next(
        m for m in _members(deb) if m.startswith(f"{VENV}/lib/python3.") and m.count("/") == 5
    )
    minor = venv_python.rsplit("python", 1)[1]
    assert f"python{minor}" in depends.split(", ")
    for library in ("libusb-1.0-0", "adduser", "libwayland-client0", "fonts-noto-cjk"):
        assert library in depends
    assert "cage" in _field(deb, "Recommends")
    assert int(_field(deb, "Installed-Size")) > 50_000  # KiB: the venv is in it


def test_maintainer_scripts_are_executable_posix_shell(extracted: Path) -> None:
    for name in ("postinst", "prerm", "postrm"):
        script = extracted / "DEBIAN" / name
        assert script.stat().st_mode & 0o111
        assert script.read_text().startswith("#!/bin/sh\n")
        subprocess.run(["sh", "-n", str(script)], check=True)


# -- install, upgrade, roll back, remove, purge in a Debian 12 root ----------------------------


@pytest.fixture
def chroot(tmp_path: Path) -> Iterator[Path]:
    """A throwaway copy of the Debian 12 root package-test.sh made (hallkit's Depends in it)."""
    if os.geteuid() != 0:
        pytest.skip("chroot needs root")
    base = _env_path("HALLKIT_TEST_CHROOT")
    root = tmp_path / "root"
    subprocess.run(["cp", "-a", str(base), str(root)], check=True)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _in(root: Path, command: str) -> str:
    done = subprocess.run(
        ["chroot", str(root), "sh", "-ec", command],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "DEBIAN_FRONTEND": "noninteractive"},
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _dpkg(root: Path, deb: Path, *options: str) -> str:
    shutil.copy(deb, root / "tmp" / deb.name)
    return _in(root, f"dpkg {' '.join(options)} -i /tmp/{deb.name}")


def test_install_makes_the_user_groups_data_and_config(chroot: Path, deb: Path) -> None:
    _dpkg(chroot, deb)
    assert "hallkit" in _in(chroot, "id -nG hallkit").split()
    groups = set(_in(chroot, "id -nG hallkit").split())
    assert {"dialout", "input", "lp", "audio", "video", "render"} <= groups
    assert _in(chroot, "stat -c '%U:%G %a' /var/lib/hallkit").split() == ["hallkit:hallkit", "750"]
    assert _in(chroot, "hall config check /etc/hallkit/hall.toml").strip() == "ok"
    assert int(_in(chroot, f"find {VENV} -name '*.pyc' | wc -l")) > 100  # compiled by postinst
    token = _in(
        chroot,
        "runuser -u hallkit -- hall token add --data /var/lib/hallkit --role kiosk --name k1",
    )
    assert token.startswith("# kiosk 'k1'")


def test_upgrade_and_roll_back_keep_data_and_config(chroot: Path, deb: Path) -> None:
    next_deb = _env_path("HALLKIT_DEB_NEXT")
    _dpkg(chroot, deb)
    _in(
        chroot,
        "runuser -u hallkit -- hall token add --data /var/lib/hallkit --role kiosk --name k1",
    )
    _in(
        chroot,
        "sed -i 's|^HALLKIT_HUB=$|HALLKIT_HUB=http://10.0.0.2:8700|' /etc/hallkit/hallkit.env",
    )
    _in(chroot, "echo '# the technician was here' >> /etc/hallkit/hall.toml")
    before = _in(chroot, "md5sum /var/lib/hallkit/hub.db /etc/hallkit/hall.toml")

    _dpkg(chroot, next_deb, "--force-confold")
    assert _in(chroot, "dpkg-query -W -f '${Version}' hallkit") == _field(next_deb, "Version")
    assert _in(chroot, "md5sum /var/lib/hallkit/hub.db /etc/hallkit/hall.toml") == before
    assert "HALLKIT_HUB=http://10.0.0.2:8700" in _in(chroot, "cat /etc/hallkit/hallkit.env")

    _dpkg(chroot, deb, "--force-confold")  # the rollback install.md describes
    assert _in(chroot, "dpkg-query -W -f '${Version}' hallkit") == _field(deb, "Version")
    assert _in(chroot, "md5sum /var/lib/hallkit/hub.db /etc/hallkit/hall.toml") == before
    assert _in(chroot, "hall config check /etc/hallkit/hall.toml").strip() == "ok"


def test_remove_keeps_data_and_purge_deletes_it(chroot: Path, deb: Path) -> None:
    _dpkg(chroot, deb)
    _in(
        chroot,
        "runuser -u hallkit -- hall token add --data /var/lib/hallkit --role kiosk --name k1",
    )
    _in(chroot, "dpkg -r hallkit")
    assert not (chroot / "opt/hallkit").exists()  # no .pyc left behind to keep the venv alive
    assert (chroot / "var/lib/hallkit/hub.db").exists()
    assert (chroot / "etc/hallkit/hallkit.env").exists()
    _in(chroot, "dpkg -P hallkit")
    assert not (chroot / "var/lib/hallkit").exists()
    assert not (chroot / "etc/hallkit").exists()
    assert not (chroot / "lib/systemd/system/hallkit-hub.service").exists()


def test_the_hub_runs_from_the_installed_package(chroot: Path, deb: Path) -> None:
    _dpkg(chroot, deb)
    out = _in(
        chroot,
        "runuser -u hallkit -- timeout 30 hall hub --data /var/lib/hallkit "
        "--bind 127.0.0.1:18731 --config /etc/hallkit/hall.toml >/tmp/hub.log 2>&1 & pid=$!; "
        'for i in $(seq 50); do sleep 0.5; python3 -c "import urllib.request as u; '
        "print(u.urlopen('http://127.0.0.1:18731/api/v1/health').status)\" 2>/dev/null "
        "&& break; done; kill $pid || true",
    )
    assert out.strip().endswith("200")
