"""The three .debs (hallkit, hallkit-screen, hallkit-central): contents, control data and
maintainer scripts; install, upgrade, roll back, remove and purge in a throwaway Debian 12 root.

`make package-test` builds two versions and throwaway Debian 12 roots (scripts/package-test.sh
sets HALLKIT_DEBS, HALLKIT_DEBS_NEXT, HALLKIT_TEST_CHROOT and HALLKIT_TEST_CHROOT_SCREEN) and runs
everything here. Under `make test` the content tests use packages built from the committed HEAD
(tests/packaging/debfiles.py) and the install tests skip, saying so.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.packaging.debfiles import PACKAGES, depends, field, found_in, members
from tests.packaging.unitfiles import CENTRAL_UNIT, GUI_ROLES, PACKAGING, read_unit, values

VENV = "/opt/hallkit/venv"
SITE = f"{VENV}/lib/python3.11/site-packages"
UNITS_OF = {
    # the hub's unit, and every box's update from central with its timer (shipped disabled)
    "hallkit": ["hallkit-hub.service", "hallkit-update.service", "hallkit-update.timer"],
    "hallkit-screen": [f"hallkit-{role}.service" for role in GUI_ROLES],
    "hallkit-central": [CENTRAL_UNIT.name],
}
# What a hub box must never get: Qt, GL, EGL, Wayland or X libraries (issue 18).
GRAPHICAL = re.compile(r"qt|pyside|shiboken|libgl|libegl|mesa|wayland|libx11|libxcb|libxkb", re.I)


def _env_path(name: str) -> Path:
    text = os.environ.get(name)
    if not text:
        pytest.skip(f"{name} is not set: run `make package-test`")
    path = Path(text)
    if not path.exists():
        pytest.fail(f"{name}={text} does not exist")
    return path


def test_file_names_say_package_version_and_architecture(debs: dict[str, Path]) -> None:
    versions = {field(deb, "Version") for deb in debs.values()}
    assert len(versions) == 1  # one commit, one version
    for name, deb in debs.items():
        assert field(deb, "Package") == name
        assert deb.name == f"{name}_{field(deb, 'Version')}_{field(deb, 'Architecture')}.deb"


def test_each_package_holds_its_roles_units(debs: dict[str, Path]) -> None:
    for name, deb in debs.items():
        units = sorted(
            m.rsplit("/", 1)[1] for m in members(deb) if m.endswith((".service", ".timer"))
        )
        assert units == sorted(UNITS_OF[name]), name


def test_the_guide_each_unit_names_is_installed(
    debs: dict[str, Path], extracted: dict[str, Path]
) -> None:
    """Documentation=file:… of every shipped unit is a file of the packages (the update units
    name fleet-updates.md, central's central.md): the guide of docs/ (its title)."""
    shipped = {path for deb in debs.values() for path in members(deb)}
    named = set()
    for units in UNITS_OF.values():
        for unit in units:
            for _, key, value in read_unit(PACKAGING / "systemd" / unit):
                if key == "Documentation":
                    named |= {
                        v.removeprefix("file:") for v in value.split() if v.startswith("file:")
                    }
    assert "/usr/share/doc/hallkit/fleet-updates.md" in named
    for path in sorted(named):
        assert path in shipped, path
        assert path.startswith("/usr/share/doc/hallkit/"), path
        guide = PACKAGING.parent / "docs" / path.rsplit("/", 1)[1]
        title = (extracted["hallkit"] / path.lstrip("/")).read_text().splitlines()[0]
        assert title == guide.read_text().splitlines()[0], path


def test_the_update_timer_is_shipped_but_enabled_by_no_maintainer_script(
    extracted: dict[str, Path],
) -> None:
    """The technician enables hallkit-update.timer with the role's unit (docs/fleet-updates.md):
    no package enables or starts it; removing hallkit stops it."""
    for root in extracted.values():
        for script in ("postinst", "prerm", "postrm"):
            text = (root / "DEBIAN" / script).read_text()
            code = "\n".join(ln for ln in text.splitlines() if not ln.lstrip().startswith("#"))
            assert not re.search(r"\b(enable|start)\b[^\n]*hallkit-update", code), script
    prerm = (extracted["hallkit"] / "DEBIAN/prerm").read_text()
    assert "deb-systemd-invoke stop hallkit-update.timer" in prerm
    assert "stop hallkit-update.service" not in prerm  # apt may be running in it


def test_the_base_holds_rules_config_and_the_venv(debs: dict[str, Path]) -> None:
    found = members(debs["hallkit"])
    for path in (
        "/lib/udev/rules.d/70-hallkit.rules",
        "/etc/hallkit/hallkit.env",
        "/etc/pam.d/hallkit-session",
        "/usr/share/doc/hallkit/69-hallkit-local.rules.example",
        "/usr/share/bash-completion/completions/hall",
        "/usr/share/man/man1/hall.1.gz",
        f"{VENV}/bin/hall",
        f"{VENV}/bin/python",
        f"{SITE}/hub/server.py",
        f"{SITE}/kiosk/qt/app.py",  # the apps' code is in the base; only Qt is not
    ):
        assert path in found, path
    assert "-> /opt/hallkit/venv/bin/hall" in found["/usr/bin/hall"]
    for deb in debs.values():
        listed = members(deb)
        assert not [m for m in listed if m.startswith("/var/")]  # data is made, never shipped
        assert not [m for m in listed if "__pycache__" in m or m.endswith(".pyc")]


def test_the_hub_package_has_no_qt_and_depends_on_no_graphics_library(
    debs: dict[str, Path],
) -> None:
    base = debs["hallkit"]
    qt_files = [
        m for m in members(base) if re.search(r"pyside|shiboken|libqt6|^/opt/hallkit/qt", m, re.I)
    ]
    assert qt_files == []
    assert not [m for m in members(base) if "psycopg" in m]  # PostgreSQL's driver is central's
    assert [d for d in depends(base) if GRAPHICAL.search(d)] == []
    assert not GRAPHICAL.search(field(base, "Recommends"))
    for extra in ("hallkit-screen", "hallkit-central"):
        assert f"hallkit (= {field(base, 'Version')})" in field(debs[extra], "Depends")


def test_screen_and_central_add_their_folder_to_the_venv(extracted: dict[str, Path]) -> None:
    for name, folder, top in (
        ("hallkit-screen", "/opt/hallkit/qt", "PySide6"),
        ("hallkit-central", "/opt/hallkit/central", "psycopg"),
    ):
        root = extracted[name]
        assert (root / SITE.lstrip("/") / f"{name}.pth").read_text() == f"{folder}\n"
        assert (root / folder.lstrip("/") / top / "__init__.py").is_file()


def test_the_screen_package_depends_on_what_qt_needs(debs: dict[str, Path]) -> None:
    needs = depends(debs["hallkit-screen"])
    for package in ("libgl1", "libegl1", "libxkbcommon0", "libwayland-client0", "fonts-noto-cjk"):
        assert package in needs
    assert "cage" in field(debs["hallkit-screen"], "Recommends")
    assert "postgresql" in field(debs["hallkit-central"], "Suggests")


def test_the_venv_has_hallkit_and_no_trace_of_the_build_machine(
    extracted: dict[str, Path],
) -> None:
    venv = extracted["hallkit"] / VENV.lstrip("/")
    assert (venv / "bin/hall").read_text().startswith(f"#!{VENV}/bin/python")
    assert os.readlink(venv / "bin/python").endswith("python3")
    for root in extracted.values():
        for path in root.rglob("*"):
            if path.is_file() and not path.is_symlink():
                assert b"hallkit-deb." not in path.read_bytes(), path
    assert not list(extracted["hallkit"].rglob("direct_url.json"))


def test_extension_modules_search_libraries_only_in_their_package(
    extracted: dict[str, Path],
) -> None:
    """No RUNPATH into the build machine's Python: only $ORIGIN-relative paths."""
    for root in extracted.values():
        for so in root.rglob("*.so*"):
            if not so.is_file() or so.is_symlink():
                continue
            dynamic = subprocess.run(
                ["readelf", "-d", str(so)], capture_output=True, text=True, check=False
            ).stdout
            for path in re.findall(r"\((?:RUNPATH|RPATH)\).*\[(.*)\]", dynamic):
                assert all(p.startswith("$ORIGIN") for p in path.split(":")), (so, path)


def test_packaged_files_are_the_ones_in_packaging(extracted: dict[str, Path]) -> None:
    pairs = {
        ("hallkit", "etc/hallkit/hallkit.env"): PACKAGING / "etc/hallkit.env",
        ("hallkit", "etc/pam.d/hallkit-session"): PACKAGING / "pam/hallkit-session",
        ("hallkit", "lib/udev/rules.d/70-hallkit.rules"): PACKAGING / "udev/70-hallkit.rules",
        ("hallkit-central", "etc/hallkit/central.env"): PACKAGING / "etc/central.env",
        **{
            (name, f"lib/systemd/system/{unit}"): PACKAGING / "systemd" / unit
            for name, units in UNITS_OF.items()
            for unit in units
        },
    }
    for (name, inside), source in pairs.items():
        assert (extracted[name] / inside).read_bytes() == source.read_bytes(), inside


def test_conffiles_are_the_settings_under_etc(extracted: dict[str, Path]) -> None:
    conffiles = (extracted["hallkit"] / "DEBIAN/conffiles").read_text().split()
    assert conffiles == ["/etc/hallkit/hallkit.env", "/etc/pam.d/hallkit-session"]
    central = (extracted["hallkit-central"] / "DEBIAN/conffiles").read_text().split()
    assert central == ["/etc/hallkit/central.env"]
    assert not (extracted["hallkit-screen"] / "DEBIAN/conffiles").exists()


def test_centrals_settings_are_its_units_defaults_readable_by_root_only(
    debs: dict[str, Path], extracted: dict[str, Path]
) -> None:
    """/etc/hallkit/central.env (the unit's EnvironmentFile=) sets what the unit's Environment=
    sets, and is 0640: a PostgreSQL URL in it may hold a password."""
    shipped = extracted["hallkit-central"] / "etc/hallkit/central.env"
    assert shipped.read_bytes() == (PACKAGING / "etc/central.env").read_bytes()
    settings = dict(
        line.split("=", 1)
        for line in shipped.read_text().splitlines()
        if line and not line.startswith("#")
    )
    defaults = dict(
        pair.split("=", 1)
        for value in values(CENTRAL_UNIT, "Environment")
        for pair in value.split()
    )
    assert settings == defaults
    assert members(debs["hallkit-central"])["/etc/hallkit/central.env"].startswith("-rw-r----- ")


def test_central_depends_on_what_its_signed_repository_needs(debs: dict[str, Path]) -> None:
    """`hall central serve --apt-repo` (its unit) keeps the repository with reprepro and signs
    it with gpg and its agent (docs/fleet-updates.md); not the whole gnupg suite (dirmngr,
    gpgsm, the key directory tools, translations), which central never runs."""
    needs = set(depends(debs["hallkit-central"]))
    assert {"reprepro", "gpg", "gpg-agent"} <= needs
    assert "gnupg" not in needs
    assert not {"reprepro", "gpg", "gpg-agent"} & set(depends(debs["hallkit"]))  # apt verifies


def test_control_names_the_interpreter_the_venv_was_built_for(debs: dict[str, Path]) -> None:
    base = debs["hallkit"]
    venv_python = next(
        m for m in members(base) if m.startswith(f"{VENV}/lib/python3.") and m.count("/") == 5
    )
    minor = venv_python.rsplit("python", 1)[1]
    assert f"python{minor}" in depends(base)
    assert {"libusb-1.0-0", "adduser"} <= set(depends(base))
    for deb in debs.values():
        assert int(field(deb, "Installed-Size")) > 5_000  # KiB: each has its Python folder


def test_maintainer_scripts_are_executable_posix_shell(extracted: dict[str, Path]) -> None:
    for name, root in extracted.items():
        for script in ("postinst", "prerm", "postrm"):
            path = root / "DEBIAN" / script
            assert path.stat().st_mode & 0o111, (name, script)
            assert path.read_text().startswith("#!/bin/sh\n")
            subprocess.run(["sh", "-n", str(path)], check=True)


def test_each_package_has_a_maintainer_changelog_copyright_and_sbom(
    debs: dict[str, Path], extracted: dict[str, Path]
) -> None:
    for name, root in extracted.items():
        assert not field(debs[name], "Maintainer").endswith("@localhost>")
        doc = root / "usr/share/doc" / name
        changelog = gzip.decompress((doc / "changelog.gz").read_bytes()).decode()
        assert changelog.startswith(f"hallkit ({field(debs[name], 'Version')}) ")
        copyright_text = (doc / "copyright").read_text()
        assert copyright_text.startswith("Format: https://www.debian.org/doc/packaging-manuals/")
        sbom = json.loads((doc / "sbom.cdx.json").read_text())
        assert sbom["bomFormat"] == "CycloneDX"
        shipped = {c["name"].lower() for c in sbom["components"]}
        for dist in root.rglob("*.dist-info"):
            dist_name = (dist / "METADATA").read_text().split("\nName: ", 1)[1].split("\n")[0]
            assert dist_name.lower() in shipped, (name, dist_name)
            assert f"Comment: {dist_name} " in copyright_text, (name, dist_name)
        assert (root / "usr/share/lintian/overrides" / name).is_file()
    qt = json.loads(
        (extracted["hallkit-screen"] / "usr/share/doc/hallkit-screen/sbom.cdx.json").read_text()
    )
    assert {c["name"].lower() for c in qt["components"]} == {"pyside6_essentials", "shiboken6"}


# -- install, upgrade, roll back, remove, purge in a Debian 12 root ----------------------------


def _root_copy(tmp_path: Path, variable: str) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("chroot needs root")
    base = _env_path(variable)
    root = tmp_path / "root"
    subprocess.run(["cp", "-a", str(base), str(root)], check=True)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def chroot(tmp_path: Path) -> Iterator[Path]:
    """A throwaway copy of the Debian 12 root with hallkit's Depends only (a hub box)."""
    yield from _root_copy(tmp_path, "HALLKIT_TEST_CHROOT")


@pytest.fixture
def screen_chroot(tmp_path: Path) -> Iterator[Path]:
    """A throwaway copy of the Debian 12 root with hallkit-screen's Depends too."""
    yield from _root_copy(tmp_path, "HALLKIT_TEST_CHROOT_SCREEN")


@pytest.fixture
def central_chroot(tmp_path: Path) -> Iterator[Path]:
    """A throwaway copy of the Debian 12 root with hallkit-central's Depends too."""
    yield from _root_copy(tmp_path, "HALLKIT_TEST_CHROOT_CENTRAL")


@pytest.fixture(scope="session")
def next_debs() -> dict[str, Path]:
    return found_in(_env_path("HALLKIT_DEBS_NEXT"))


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


def _dpkg(root: Path, debs: list[Path], *options: str) -> str:
    for deb in debs:
        shutil.copy(deb, root / "tmp" / deb.name)
    names = " ".join(f"/tmp/{deb.name}" for deb in debs)
    return _in(root, f"dpkg {' '.join(options)} -i {names}")


def test_the_hub_box_installs_without_any_graphics_library(
    chroot: Path, debs: dict[str, Path]
) -> None:
    _dpkg(chroot, [debs["hallkit"]])
    installed = _in(chroot, "dpkg-query -W -f '${Package}\\n'").split()
    assert [p for p in installed if GRAPHICAL.search(p)] == []
    assert _in(chroot, "hall config check /etc/hallkit/hall.toml").strip() == "ok"
    assert "PySide6" not in _in(chroot, f"ls {SITE}")


def test_install_makes_the_user_groups_data_and_config(chroot: Path, debs: dict[str, Path]) -> None:
    _dpkg(chroot, [debs["hallkit"]])
    groups = set(_in(chroot, "id -nG hallkit").split())
    assert {"hallkit", "dialout", "input", "lp", "audio", "video", "render"} <= groups
    assert _in(chroot, "stat -c '%U:%G %a' /var/lib/hallkit").split() == ["hallkit:hallkit", "750"]
    assert int(_in(chroot, f"find {VENV} -name '*.pyc' | wc -l")) > 100  # compiled by postinst
    token = _in(
        chroot,
        "runuser -u hallkit -- hall token add --data /var/lib/hallkit --role kiosk --name k1",
    )
    assert token.startswith("# ") and "kiosk 'k1'" in token.splitlines()[0]


def test_a_screen_box_imports_the_pruned_qt_from_its_folder(
    screen_chroot: Path, debs: dict[str, Path]
) -> None:
    _dpkg(screen_chroot, [debs["hallkit"], debs["hallkit-screen"]])
    where = _in(
        screen_chroot,
        f"{VENV}/bin/python -c 'import PySide6.QtWidgets, PySide6.QtSvg, PySide6; "
        "print(PySide6.__file__)'",
    )
    assert where.strip() == "/opt/hallkit/qt/PySide6/__init__.py"
    assert int(_in(screen_chroot, "find /opt/hallkit/qt -name '*.pyc' | wc -l")) > 0
    _in(screen_chroot, "dpkg -r hallkit-screen")
    assert not (screen_chroot / "opt/hallkit/qt").exists()
    assert not (screen_chroot / SITE.lstrip("/") / "hallkit-screen.pth").exists()


def test_central_imports_psycopg_and_makes_its_signed_repository(
    central_chroot: Path, debs: dict[str, Path]
) -> None:
    chroot = central_chroot
    _dpkg(chroot, [debs["hallkit"], debs["hallkit-central"]])
    where = _in(
        chroot, f"{VENV}/bin/python -c 'import psycopg, psycopg_pool; print(psycopg.__file__)'"
    )
    assert where.strip() == "/opt/hallkit/central/psycopg/__init__.py"
    assert _in(chroot, "stat -c '%U:%G %a' /etc/hallkit/central.env").split() == [
        "root:root",
        "640",
    ]
    # What the unit's first start does (serve --apt-repo), with only the package's Depends:
    # reprepro and gpg make and sign the repository as the hallkit user (docs/fleet-updates.md).
    _in(chroot, "install -d -o hallkit -g hallkit -m 0700 /var/lib/hallkit-central")
    made = _in(
        chroot, "runuser -u hallkit -- hall central repo init --data /var/lib/hallkit-central"
    )
    assert "signing key fingerprint: " in made
    public = chroot / "var/lib/hallkit-central/apt/public"
    assert (public / "hallkit.gpg").is_file() and (public / "dists").is_dir()
    _in(chroot, "dpkg -P hallkit-central")
    assert not (chroot / "opt/hallkit/central").exists()
    assert not (chroot / "var/lib/hallkit-central").exists()
    assert not (chroot / "etc/hallkit/central.env").exists()


def test_upgrade_and_roll_back_keep_data_and_config(
    screen_chroot: Path, debs: dict[str, Path], next_debs: dict[str, Path]
) -> None:
    chroot = screen_chroot
    now = [debs["hallkit"], debs["hallkit-screen"]]
    after = [next_debs["hallkit"], next_debs["hallkit-screen"]]
    _dpkg(chroot, now)
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

    _dpkg(chroot, after, "--force-confold")
    version = field(after[0], "Version")
    for name in ("hallkit", "hallkit-screen"):
        assert _in(chroot, f"dpkg-query -W -f '${{Version}}' {name}") == version
    assert _in(chroot, "md5sum /var/lib/hallkit/hub.db /etc/hallkit/hall.toml") == before
    assert "HALLKIT_HUB=http://10.0.0.2:8700" in _in(chroot, "cat /etc/hallkit/hallkit.env")

    _dpkg(chroot, now, "--force-confold")  # the rollback install.md describes
    for name in ("hallkit", "hallkit-screen"):
        assert _in(chroot, f"dpkg-query -W -f '${{Version}}' {name}") == field(now[0], "Version")
    assert _in(chroot, "md5sum /var/lib/hallkit/hub.db /etc/hallkit/hall.toml") == before
    assert _in(chroot, "hall config check /etc/hallkit/hall.toml").strip() == "ok"
    _in(chroot, f"{VENV}/bin/python -c 'import PySide6.QtWidgets'")


def test_remove_keeps_data_and_purge_deletes_it(chroot: Path, debs: dict[str, Path]) -> None:
    _dpkg(chroot, [debs["hallkit"]])
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


def test_the_hub_runs_from_the_installed_package(chroot: Path, debs: dict[str, Path]) -> None:
    _dpkg(chroot, [debs["hallkit"]])
    out = _in(
        chroot,
        "runuser -u hallkit -- timeout 30 hall hub --data /var/lib/hallkit "
        "--bind 127.0.0.1:18731 --config /etc/hallkit/hall.toml >/tmp/hub.log 2>&1 & pid=$!; "
        'for i in $(seq 50); do sleep 0.5; python3 -c "import urllib.request as u; '
        "print(u.urlopen('http://127.0.0.1:18731/api/v1/health').status)\" 2>/dev/null "
        "&& break; done; kill $pid || true",
    )
    assert out.strip().endswith("200")


def test_every_package_is_named(debs: dict[str, Path]) -> None:
    assert tuple(debs) == PACKAGES
