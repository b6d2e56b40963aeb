"""`hall update enroll --hub`: a screen box enrolls central's repository through its hub with its
device token, no line typed; real apt (a private root) then verifies and downloads from a live
central. The hub's signing secret never leaves the hub box."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from hall.cli import main
from hall.cli_update import AUTH, CA_CONF, KEYRING, SOURCES
from hub.server import Hub
from sync.central.apt_repo import add_packages, fingerprint, repo_of
from sync.central.server import Central, open_central
from sync.credential import Credential
from tests.hub.hubapp import served
from tests.sync.central.aptrepo import apt, apt_root, build_deb, needs_apt_tools, short_folder
from tests.sync.central.centralapp import credential_for, live_central


@dataclass
class Hall:
    """A live central publishing hallkit-probe 1.0, a live hub enrolled with it, a screen box."""

    central: Central
    central_url: str
    credential: Credential
    hub: Hub
    hub_url: str
    hub_data: Path
    work: Path

    def enroll_hub_box(self) -> int:
        root = apt_root(self.work / "hubbox")
        return main(["update", "enroll", "--data", str(self.hub_data), "--apt-root", str(root)])

    def screen_token(self) -> Path:
        _, token = self.hub.registry.add("kiosk", "kiosk-1")
        path = self.work / "device.token"
        path.write_text(token + "\n")
        return path

    def enroll_screen_box(self, token_file: Path, *extra: str) -> tuple[int, Path]:
        root = apt_root(self.work / "screen")
        argv = ["update", "enroll", "--hub", self.hub_url, "--token-file", str(token_file)]
        return main([*argv, "--apt-root", str(root), *extra]), root


@pytest.fixture
def hall() -> Iterator[Hall]:
    with short_folder() as work:
        add_packages(work / "central", [build_deb(work, version="1.0")])
        central = open_central(work / "central")
        with live_central(central) as url:
            credential = credential_for(central, url)
            hub_data = work / "hub"
            credential.save(hub_data)
            with served(hub_data) as (hub, hub_url):
                yield Hall(central, url, credential, hub, hub_url, hub_data, work)
        central.store.close()


@needs_apt_tools
def test_a_screen_box_enrolls_through_its_hub_and_apt_downloads_from_central(
    hall: Hall, capsys: pytest.CaptureFixture[str]
) -> None:
    assert hall.enroll_hub_box() == 0
    expected = fingerprint(repo_of(hall.central.data_dir))
    assert f"noted for the hall's other boxes: {hall.hub_data}/update/repository.json" in (
        capsys.readouterr().out
    )
    status, root = hall.enroll_screen_box(hall.screen_token())
    assert status == 0
    out = capsys.readouterr().out
    assert f"signing key fingerprint: {expected}" in out
    hub_root = hall.work / "hubbox/root"
    assert (root / KEYRING).read_bytes() == (hub_root / KEYRING).read_bytes()
    # The same login as the hub box's: the hall's apt login, not the hub's secret.
    assert (root / AUTH).read_text() == (hub_root / AUTH).read_text()
    assert hall.credential.secret_b64 not in (root / AUTH).read_text()
    assert f"URIs: {hall.central_url}/apt/\n" in (root / SOURCES).read_text()
    assert not (root / CA_CONF).exists()  # the hub pins no CA: none passed on
    assert apt(root, "apt-get", "update").returncode == 0
    assert "Candidate: 1.0" in apt(root, "apt-cache", "policy", "hallkit-probe").stdout


@needs_apt_tools
def test_the_hub_answers_only_a_device_of_the_hall_and_never_with_its_secret(hall: Hall) -> None:
    url = f"{hall.hub_url}/api/v1/update/apt-login"
    assert hall.enroll_hub_box() == 0
    assert requests.get(url, timeout=10).status_code == 401
    bad = requests.get(url, headers={"Authorization": "Bearer nope"}, timeout=10)
    assert bad.status_code == 401
    token = hall.screen_token().read_text().strip()
    answer = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"central", "fingerprint", "login", "ca_pem"}
    assert body["central"] == hall.central_url
    assert body["fingerprint"] == fingerprint(repo_of(hall.central.data_dir))
    assert body["login"].startswith(f"{hall.credential.key_id}:")
    assert hall.credential.secret_b64 not in answer.text
    assert base64.b64decode(hall.credential.secret_b64).hex() not in answer.text
    # The login opens central's repository (HTTP Basic, as apt sends it).
    user, _, password = body["login"].partition(":")
    key = requests.get(f"{hall.central_url}/apt/hallkit.gpg", auth=(user, password), timeout=10)
    assert key.status_code == 200


@needs_apt_tools
def test_before_the_hub_box_is_enrolled_the_box_is_told_so_and_nothing_is_written(
    hall: Hall, capsys: pytest.CaptureFixture[str]
) -> None:
    status, root = hall.enroll_screen_box(hall.screen_token())
    assert status == 1
    assert "the hub answered 409" in capsys.readouterr().err
    assert not (root / SOURCES).exists() and not (root / AUTH).exists()


@needs_apt_tools
def test_a_revoked_or_missing_token_enrolls_nothing(
    hall: Hall, capsys: pytest.CaptureFixture[str]
) -> None:
    assert hall.enroll_hub_box() == 0
    device, token = hall.hub.registry.add("kiosk", "kiosk-2")
    token_file = hall.work / "kiosk-2.token"
    token_file.write_text(token)
    hall.hub.registry.revoke(device.id)
    status, root = hall.enroll_screen_box(token_file)
    assert status == 1 and "the hub answered 401" in capsys.readouterr().err
    assert not (root / AUTH).exists()
    status, _ = hall.enroll_screen_box(hall.work / "no.token")
    assert status == 2 and "needs this box's device token" in capsys.readouterr().err


@needs_apt_tools
def test_a_key_other_than_the_one_the_hub_box_checked_is_refused(
    hall: Hall, capsys: pytest.CaptureFixture[str]
) -> None:
    assert hall.enroll_hub_box() == 0
    noted = hall.hub_data / "update/repository.json"
    noted.write_text('{"central": "x", "fingerprint": "' + "0" * 40 + '"}')
    status, root = hall.enroll_screen_box(hall.screen_token())
    assert status == 1
    assert "not the expected 0000" in capsys.readouterr().err
    assert not (root / SOURCES).exists()
