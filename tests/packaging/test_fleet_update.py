"""The fleet update of issue 18 with the real packages: a hub box in a throwaway Debian 12 root
updates itself from central's signed apt repository with `hall update run`, outside the hall's
hours only, and rolls itself back when the new version fails its check; then it is purged.

Central runs on this machine (the checkout's code, on loopback; the root shares this machine's
network, so apt in the root reaches it) with `hall central repo init`, `repo add` and `repo
release`. In the root, as root (chroot), the installed hallkit does the rest: `hall update
enroll` with the hub's credential, `hall update run` with its own doctor as the check. The
versions: V (HALLKIT_DEBS, installed with dpkg as a technician would), V+1 (HALLKIT_DEBS_NEXT,
built by scripts/package-test.sh) and V+2, V+1's hallkit repacked with a higher version whose
`hall doctor` cannot run (a broken release).

`make package-test` runs it (root, the cached hub root, both package sets); otherwise it skips,
saying why. docs/install.md ("make package-test") tells what it saw.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from hall.cli import main
from sync.central.server import open_central
from tests.packaging.debfiles import field, found_in
from tests.sync.central.aptrepo import needs_apt_tools, short_folder
from tests.sync.central.centralapp import credential_for, live_central

# The sample configuration postinst writes (/etc/hallkit/hall.toml): Asia/Shanghai, open
# 09:00-12:00 and 13:00-17:00 Monday to Friday.
NIGHT = "2026-12-08T02:00:00+08:00"  # a Tuesday, 02:00: the maintenance window
MORNING = "2026-12-08T10:00:00+08:00"  # the hall is open
DOCTOR = "opt/hallkit/venv/lib/python3.11/site-packages/hall/doctor.py"
BROKEN = 'raise RuntimeError("a broken release: made by the package test")\n'
# What `hall update enroll` writes into the box's apt configuration.
APT_FILES = (
    "etc/apt/keyrings/hallkit.gpg",
    "etc/apt/sources.list.d/hallkit.sources",
    "etc/apt/auth.conf.d/hallkit.conf",
)


def _env_path(name: str) -> Path:
    text = os.environ.get(name)
    if not text:
        pytest.skip(f"{name} is not set: run `make package-test`")
    path = Path(text)
    if not path.exists():
        pytest.fail(f"{name}={text} does not exist")
    return path


@pytest.fixture
def box(tmp_path: Path) -> Iterator[Path]:
    """A throwaway copy of the cached Debian 12 hub root, with apt reading central only."""
    if os.geteuid() != 0:
        pytest.skip("chroot and dpkg in a Debian 12 root need root")
    root = tmp_path / "root"
    subprocess.run(["cp", "-a", str(_env_path("HALLKIT_TEST_CHROOT")), str(root)], check=True)
    # The box's Debian sources are not under test: `hall update run`'s apt-get update must not
    # depend on this machine reaching a Debian mirror (hallkit's Depends are installed already).
    for source in (root / "etc/apt/sources.list.d").iterdir():
        source.unlink()
    (root / "etc/apt/sources.list").unlink(missing_ok=True)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _in(root: Path, command: str, *, ok: bool = True) -> subprocess.CompletedProcess[str]:
    """A shell command in the root as root, with a bare root shell's environment."""
    done = subprocess.run(
        ["chroot", str(root), "sh", "-ec", command],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C.UTF-8"},
        check=False,
        timeout=1200,
    )
    if ok:
        assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done


def _version(root: Path) -> str:
    return _in(root, "dpkg-query -W -f '${db:Status-Abbrev}${Version}' hallkit").stdout.strip()


def _state(root: Path) -> dict[str, object]:
    loaded: dict[str, object] = json.loads(
        (root / "var/lib/hallkit/update/update.json").read_text(encoding="utf-8")
    )
    return loaded


def _repack_broken(deb: Path, version: str, folder: Path) -> Path:
    """``deb`` as ``version``, its `hall doctor` failing at import: a release that installs
    but whose box cannot check itself."""
    stage = folder / f"stage-{version}"
    subprocess.run(["dpkg-deb", "-R", str(deb), str(stage)], check=True)
    control = stage / "DEBIAN/control"
    old = field(deb, "Version")
    control.write_text(control.read_text().replace(f"Version: {old}\n", f"Version: {version}\n"))
    doctor = stage / DOCTOR
    doctor.write_text(doctor.read_text() + BROKEN)
    md5sums = stage / "DEBIAN/md5sums"
    digest = hashlib.md5(doctor.read_bytes()).hexdigest()  # dpkg's md5sums format
    md5sums.write_text(
        "".join(
            f"{digest}  {DOCTOR}\n" if line.endswith(f"  {DOCTOR}") else line + "\n"
            for line in md5sums.read_text().splitlines()
        )
    )
    out = folder / f"hallkit_{version}_{field(deb, 'Architecture')}.deb"
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "-Zgzip", "--build", str(stage), str(out)],
        capture_output=True,
        check=True,
    )
    shutil.rmtree(stage)
    return out


def _hall(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """A `hall` command of the checkout (central's side); its output."""
    assert main(list(argv)) == 0, capsys.readouterr()
    return capsys.readouterr().out


@needs_apt_tools
def test_a_hub_box_updates_through_the_signed_repository_and_rolls_back_a_broken_release(
    box: Path, debs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    now_deb = debs["hallkit"]
    next_deb = found_in(_env_path("HALLKIT_DEBS_NEXT"))["hallkit"]
    version, next_version = field(now_deb, "Version"), field(next_deb, "Version")
    broken_version = f"{version}+upgradetest2"
    assert (
        subprocess.run(
            ["dpkg", "--compare-versions", broken_version, "gt", next_version], check=False
        ).returncode
        == 0
    )

    # V installed by hand, as docs/install.md says; its .deb where the box finds its way back.
    shutil.copy(now_deb, box / "tmp")
    _in(box, f"dpkg -i /tmp/{now_deb.name}")
    (box / "var/cache/hallkit").mkdir(parents=True, exist_ok=True)
    shutil.move(box / "tmp" / now_deb.name, box / "var/cache/hallkit" / now_deb.name)
    assert _version(box) == f"ii {version}"

    with short_folder() as work:
        data = str(work / "central")
        said = _hall(capsys, "central", "repo", "init", "--data", data)
        fingerprint = said.split("signing key fingerprint: ", 1)[1].split()[0]
        _hall(capsys, "central", "repo", "add", "--data", data, str(next_deb))
        _hall(capsys, "central", "repo", "release", next_version, "--data", data)
        central = open_central(work / "central")
        try:
            with live_central(central) as url:
                # The hub box is enrolled with central (hall enroll wrote its credential).
                credential_for(central, url).save(box / "var/lib/hallkit")
                _in(box, "chown hallkit:hallkit /var/lib/hallkit/central.json")

                # 1. The box adds central's repository to apt, checking the key's fingerprint.
                enrolled = _in(
                    box, f"hall update enroll --data /var/lib/hallkit --fingerprint {fingerprint}"
                ).stdout
                assert f"signing key fingerprint: {fingerprint}" in enrolled
                for path in APT_FILES:
                    assert (box / path).is_file(), path

                run = "hall update run --data /var/lib/hallkit --config /etc/hallkit/hall.toml"
                # 2. While the hall is open nothing moves.
                waiting = _in(box, f"{run} --now {MORNING}")
                assert waiting.stdout.startswith("waiting: ")
                assert _version(box) == f"ii {version}"

                # 3. At night the box takes the release through the signed repository, checked
                # by its own doctor (nothing worse than before the update).
                updated = _in(box, f"{run} --now {NIGHT}")
                assert updated.stdout.startswith("updated: "), updated.stdout + updated.stderr
                assert _version(box) == f"ii {next_version}"
                state = _state(box)
                assert (state["state"], state["release"]) == ("updated", next_version)
                assert (state["installed"], state["previous"]) == (
                    {"hallkit": next_version},
                    {"hallkit": version},
                )
                # apt read central's signed index and fetched the very package published there;
                # the box keeps it as its next way back.
                assert list((box / "var/lib/apt/lists").glob("127.0.0.1*_InRelease"))
                kept = box / "var/lib/hallkit/update/kept"
                assert [p.name for p in kept.iterdir()] == [next_deb.name]
                assert (kept / next_deb.name).read_bytes() == next_deb.read_bytes()

                # 4. A broken release: installed, its doctor cannot run, the box rolls itself
                # back to the version before, by itself.
                broken = _repack_broken(next_deb, broken_version, work)
                _hall(capsys, "central", "repo", "add", "--data", data, str(broken))
                _hall(capsys, "central", "repo", "release", broken_version, "--data", data)
                rolled = _in(box, f"{run} --now {NIGHT}", ok=False)
                assert rolled.returncode == 1, rolled.stdout + rolled.stderr
                assert rolled.stdout.startswith("rolled-back: "), rolled.stdout
                assert "hall doctor" in rolled.stdout and "a broken release" in rolled.stdout
                assert _version(box) == f"ii {next_version}"
                state = _state(box)
                assert (state["state"], state["release"]) == ("rolled-back", broken_version)
                assert state["installed"] == {"hallkit": next_version}
                assert state["tried"] == {"hallkit": broken_version}
                assert "a broken release" not in (box / DOCTOR).read_text()
                # the version put back runs its doctor again (a report, whatever it finds)
                json.loads(
                    _in(box, "hall doctor --json --config /etc/hallkit/hall.toml", ok=False).stdout
                )

                # 5. The next night it does not try the broken release again by itself.
                again = _in(box, f"{run} --now {NIGHT}", ok=False)
                assert again.stdout.startswith("rolled-back: "), again.stdout
                assert _version(box) == f"ii {next_version}"
        finally:
            central.store.close()

    # 6. Purged: nothing of hallkit is left, central's apt login included.
    _in(box, "dpkg -P hallkit")
    for gone in ("opt/hallkit", "var/lib/hallkit", "etc/hallkit", *APT_FILES):
        assert not (box / gone).exists(), gone
