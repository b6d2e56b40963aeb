"""`hall update enroll`: a box adds central's signed repository to apt with its hub's login, and
real apt (a private root) fetches, verifies and downloads from a live central."""

from __future__ import annotations

import base64
import io
import os
import pwd
import stat
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from hall.cli import main
from hall.cli_update import AUTH, KEYRING, SOURCES, EnrollError, key_fingerprint
from sync.central.apt_repo import add_packages, init_repo, repo_of
from sync.central.server import Central, open_central
from sync.credential import Credential
from tests.sync.central.aptrepo import (
    apt,
    apt_root,
    build_deb,
    needs_apt_tools,
    short_folder,
)
from tests.sync.central.centralapp import credential_for, live_central


@dataclass
class Fleet:
    """A live central whose repository holds hallkit-probe 1.0, a hub enrolled with it, and an
    empty apt root for the box."""

    central: Central
    url: str
    credential: Credential
    hub_data: Path
    root: Path
    work: Path
    debs: dict[str, Path]

    def enroll(self, *extra: str) -> int:
        return main(
            [
                "update",
                "enroll",
                "--data",
                str(self.hub_data),
                "--apt-root",
                str(self.root),
                *extra,
            ]
        )

    def publish(self, version: str) -> Path:
        deb = build_deb(self.work, version=version)
        add_packages(self.central.data_dir, [deb])
        self.debs[version] = deb
        return deb


@pytest.fixture
def fleet() -> Iterator[Fleet]:
    with short_folder() as work:
        data = work / "central"
        deb = build_deb(work, version="1.0")
        add_packages(data, [deb])
        central = open_central(data)
        with live_central(central) as url:
            credential = credential_for(central, url)
            hub_data = work / "hub"
            credential.save(hub_data)
            yield Fleet(central, url, credential, hub_data, apt_root(work), work, {"1.0": deb})
        central.store.close()


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return os.geteuid() == 0


def _update(fleet: Fleet) -> subprocess.CompletedProcess[str]:
    return apt(fleet.root, "apt-get", "update")


@needs_apt_tools
def test_enroll_writes_the_source_the_key_and_a_root_only_login(
    fleet: Fleet, capsys: pytest.CaptureFixture[str]
) -> None:
    assert fleet.enroll() == 0
    out = capsys.readouterr().out
    key = repo_of(fleet.central.data_dir).key_file.read_bytes()
    keyring = fleet.root / KEYRING
    assert keyring.read_bytes() == key
    assert key_fingerprint(key) in out
    sources = (fleet.root / SOURCES).read_text()
    assert f"URIs: {fleet.url}/apt/\n" in sources
    assert "Suites: stable\nComponents: main\n" in sources
    assert f"Signed-By: {keyring}\n" in sources
    auth = fleet.root / AUTH
    assert stat.S_IMODE(auth.stat().st_mode) == 0o600
    assert f"machine {fleet.url}/apt/ login {fleet.credential.key_id} password " in auth.read_text()
    assert fleet.credential.secret_b64 not in auth.read_text()  # the signing secret stays home


@needs_apt_tools
def test_apt_verifies_the_signed_repository_and_downloads_the_package(fleet: Fleet) -> None:
    assert fleet.enroll() == 0
    done = _update(fleet)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "W:" not in done.stderr and "E:" not in done.stderr, done.stderr
    policy = apt(fleet.root, "apt-cache", "policy", "hallkit-probe").stdout
    assert "Candidate: 1.0" in policy and f"{fleet.url}/apt stable/main" in policy
    download = fleet.work / "download"
    download.mkdir()
    got = apt(fleet.root, "apt-get", "download", "hallkit-probe", cwd=download)
    assert got.returncode == 0, got.stderr
    assert (download / "hallkit-probe_1.0_all.deb").read_bytes() == fleet.debs["1.0"].read_bytes()
    # A newer version published on central is what apt offers next (the upgrade path).
    fleet.publish("1.1")
    assert _update(fleet).returncode == 0
    assert "Candidate: 1.1" in apt(fleet.root, "apt-cache", "policy", "hallkit-probe").stdout


@needs_apt_tools
def test_apt_fails_with_a_wrong_password(fleet: Fleet) -> None:
    assert fleet.enroll() == 0
    auth = fleet.root / AUTH
    text = auth.read_text()
    auth.write_text(text.replace(" password ", " password x"))
    done = _update(fleet)
    assert done.returncode != 0
    assert "401" in done.stdout + done.stderr
    assert "Candidate: 1.0" not in apt(fleet.root, "apt-cache", "policy", "hallkit-probe").stdout


@needs_apt_tools
def test_apt_refuses_a_tampered_or_unsigned_release(fleet: Fleet) -> None:
    assert fleet.enroll() == 0
    dists = repo_of(fleet.central.data_dir).public / "dists/hallkit"
    in_release = dists / "InRelease"
    signed = in_release.read_text()
    in_release.write_text(signed.replace("Label: hallkit", "Label: evil"))
    done = _update(fleet)  # a box that never read the index: nothing to fall back on
    assert done.returncode != 0
    assert "BADSIG" in done.stdout + done.stderr, done.stdout + done.stderr
    assert "Candidate" not in apt(fleet.root, "apt-cache", "policy", "hallkit-probe").stdout
    in_release.write_text(signed)
    assert _update(fleet).returncode == 0
    # Once it has read the index, a tampered one is refused and the verified one kept: 1.1,
    # published behind a bad signature, is never offered.
    fleet.publish("1.1")
    in_release.write_text(in_release.read_text().replace("Label: hallkit", "Label: evil"))
    done = _update(fleet)
    assert "BADSIG" in done.stdout + done.stderr, done.stdout + done.stderr
    assert "Candidate: 1.0" in apt(fleet.root, "apt-cache", "policy", "hallkit-probe").stdout
    in_release.unlink()
    (dists / "Release.gpg").unlink()  # unsigned: Release alone
    done = _update(fleet)
    assert done.returncode != 0
    assert "no longer signed" in done.stderr, done.stderr
    assert "Candidate: 1.0" in apt(fleet.root, "apt-cache", "policy", "hallkit-probe").stdout


@needs_apt_tools
def test_apt_refuses_a_repository_signed_by_another_key(fleet: Fleet) -> None:
    assert fleet.enroll() == 0
    with short_folder() as other:
        init_repo(other)
        (fleet.root / KEYRING).write_bytes(repo_of(other).key_file.read_bytes())
    done = _update(fleet)
    assert done.returncode != 0
    assert "NO_PUBKEY" in done.stdout + done.stderr, done.stderr


@needs_apt_tools
def test_enroll_refuses_a_key_whose_fingerprint_is_not_the_expected_one(
    fleet: Fleet, capsys: pytest.CaptureFixture[str]
) -> None:
    assert fleet.enroll("--fingerprint", "AB" * 20) == 1
    assert "not the expected" in capsys.readouterr().err
    assert not (fleet.root / "etc/apt/sources.list.d/hallkit.sources").exists()
    right = key_fingerprint(repo_of(fleet.central.data_dir).key_file.read_bytes())
    assert fleet.enroll("--fingerprint", right.lower()) == 0


@needs_apt_tools
def test_the_fingerprint_is_gpgs(fleet: Fleet) -> None:
    repo = repo_of(fleet.central.data_dir)
    listing = subprocess.run(
        ["gpg", "--batch", "--homedir", str(repo.gnupg), "--with-colons", "--list-keys"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    fingerprints = [line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:")]
    assert key_fingerprint(repo.key_file.read_bytes()) == fingerprints[0]


@needs_apt_tools
def test_a_replaced_hubs_login_is_refused_at_enrollment(
    fleet: Fleet, capsys: pytest.CaptureFixture[str]
) -> None:
    store = fleet.central.store
    store.enroll(store.new_code(fleet.credential.hall), "127.0.0.2")  # a new hub: old key revoked
    assert fleet.enroll() == 1
    assert "refused this hub's login" in capsys.readouterr().err
    assert not (fleet.root / AUTH).exists()


def test_a_box_whose_hub_never_enrolled_is_told_to_enroll_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["update", "enroll", "--data", str(tmp_path), "--apt-root", str(tmp_path)])
    assert code == 2
    assert "hall enroll" in capsys.readouterr().err


def test_a_central_without_a_repository_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    with short_folder() as work:
        central = open_central(work / "central")
        with live_central(central) as url:
            credential_for(central, url).save(work / "hub")
            root = apt_root(work)
            code = main(["update", "enroll", "--data", str(work / "hub"), "--apt-root", str(root)])
        central.store.close()
    assert code == 1
    assert "hall central repo init" in capsys.readouterr().err


def test_something_that_is_not_a_public_key_is_refused() -> None:
    for data in [b"", b"<html>", base64.b64encode(b"x" * 40), b"\x99\x00\x05\x03abcd"]:
        with pytest.raises(EnrollError):
            key_fingerprint(data)


@needs_apt_tools
def test_a_screen_box_enrolls_with_the_login_its_hub_prints(
    fleet: Fleet, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["update", "login", "--data", str(fleet.hub_data)]) == 0
    said = capsys.readouterr()
    line = said.out.strip()
    assert line.startswith(fleet.credential.key_id + ":")
    assert fleet.credential.secret_b64 not in said.out + said.err
    assert f"--central {fleet.url}" in said.err
    screen_root = apt_root(fleet.work / "screen")
    monkeypatch.setattr("sys.stdin", io.StringIO(line + "\n"))
    argv = ["update", "enroll", "--login-stdin", "--central", fleet.url]
    assert main([*argv, "--apt-root", str(screen_root)]) == 0
    done = apt(screen_root, "apt-get", "update")
    assert done.returncode == 0, done.stderr
    assert "Candidate: 1.0" in apt(screen_root, "apt-cache", "policy", "hallkit-probe").stdout


@pytest.mark.parametrize(
    ("stdin", "central"),
    [("", "http://127.0.0.1:9"), ("k-1:secret\n", None), ("no colon\n", "http://127.0.0.1:9")],
)
def test_login_on_stdin_needs_a_line_and_centrals_address(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    stdin: str,
    central: str | None,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    argv = ["update", "enroll", "--login-stdin", "--apt-root", str(tmp_path)]
    assert main(argv + (["--central", central] if central else [])) == 2
    assert "KEYID:LOGIN" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


@needs_apt_tools
@pytest.mark.skipif(not _has_user("_apt"), reason="no _apt user: apt is not installed as on a box")
def test_as_on_a_box_apts_unprivileged_downloads_use_the_root_only_login(fleet: Fleet) -> None:
    # On a box apt fetches as _apt; the login file stays 0600 root (apt reads it itself).
    assert fleet.enroll() == 0
    fleet.work.chmod(0o755)  # _apt writes the lists' partial folder inside the root
    done = apt(fleet.root, "apt-get", "update", sandbox=True)
    assert done.returncode == 0, done.stderr
    assert "W:" not in done.stderr and "E:" not in done.stderr, done.stderr
    assert stat.S_IMODE((fleet.root / AUTH).stat().st_mode) == 0o600
    assert (fleet.root / AUTH).stat().st_uid == 0
