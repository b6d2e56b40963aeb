"""Device tokens take effect at once in a running hub, whoever writes them: a token made by
``hall token add`` (another process) works on the next request, and a token revoked elsewhere is
refused on the next request and its open event streams end."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from config import sample_hall
from hall.hubprocess import ROOT, HubProcess
from hub.auth import MISS_LOOKUPS_PER_SECOND, DeviceRegistry
from hub.client import HubClient
from hub.errors import HubError
from hub.server import open_store
from tests.timing import PATIENCE, wait_for


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[HubProcess]:
    with HubProcess(tmp_path / "hub", log_path=tmp_path / "hub.log") as running:
        yield running


def _token_add(data: Path, role: str, name: str, window: int | None = None) -> str:
    command = [sys.executable, "-m", "hall", "token", "add", "--data", str(data),
               "--role", role, "--name", name]  # fmt: skip
    if window is not None:
        command += ["--window", str(window)]
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=PATIENCE, check=True
    )
    return done.stdout.strip().splitlines()[-1]


def _whoami(hub: HubProcess, token: str) -> requests.Response:
    return requests.get(
        f"{hub.base_url}/api/v1/whoami",
        headers={"Authorization": f"Bearer {token}"},
        timeout=PATIENCE,
    )


def _revoke_elsewhere(data: Path, name: str) -> None:
    """Revoke the device called ``name`` through the store, as a command on the box would."""
    store = open_store(data)
    try:
        registry = DeviceRegistry(store, {w.number for w in sample_hall().windows})
        (device,) = [d for d in registry.list() if d.name == name]
        assert registry.revoke(device.id)
    finally:
        store.close()


def test_a_token_added_by_hall_token_add_works_on_the_next_request(hub: HubProcess) -> None:
    assert _whoami(hub, hub.admin_token).status_code == 200  # the hub has read its tokens
    token = _token_add(hub.data_dir, "kiosk", "kiosk-late")
    kiosk = HubClient(hub.base_url, token)
    assert _whoami(hub, token).json()["name"] == "kiosk-late"
    assert kiosk.issue_ticket(category="A").number == "A001"


def test_a_token_revoked_elsewhere_is_refused_at_once_and_its_stream_ends(
    hub: HubProcess,
) -> None:
    token = _token_add(hub.data_dir, "display", "display-1")
    assert _whoami(hub, token).json()["role"] == "display"
    ended = threading.Event()

    def follow() -> None:
        answer = requests.get(
            f"{hub.base_url}/api/v1/events?token={token}", stream=True, timeout=PATIENCE
        )
        for _ in answer.iter_lines():
            pass
        ended.set()

    reader = threading.Thread(target=follow, daemon=True)
    reader.start()
    admin = hub.client()
    wait_for(lambda: admin.health().subscribers >= 1, "the display's stream open")

    _revoke_elsewhere(hub.data_dir, "display-1")
    assert _whoami(hub, token).status_code == 401
    wait_for(ended.is_set, "the revoked display's stream ending")
    assert admin.health().subscribers == 0


def test_a_token_revoked_elsewhere_while_nobody_asks_still_ends_its_stream(
    hub: HubProcess,
) -> None:
    token = _token_add(hub.data_dir, "board", "board-1", 1)
    ended = threading.Event()

    def follow() -> None:
        answer = requests.get(
            f"{hub.base_url}/api/v1/events?token={token}", stream=True, timeout=PATIENCE
        )
        for _ in answer.iter_lines():
            pass
        ended.set()

    threading.Thread(target=follow, daemon=True).start()
    wait_for(lambda: hub.client().health().subscribers >= 1, "the board's stream open")
    _revoke_elsewhere(hub.data_dir, "board-1")
    wait_for(ended.is_set, "the revoked board's stream ending without any other request")


def test_unknown_tokens_are_refused_and_a_flood_of_them_does_not_lock_out_a_new_one(
    hub: HubProcess,
) -> None:
    for n in range(200):
        assert _whoami(hub, f"made-up-{n}").status_code == 401
    token = _token_add(hub.data_dir, "counter", "counter-1", 1)
    assert _whoami(hub, token).json()["window"] == 1


def test_a_token_written_to_the_store_without_notice_is_found_but_unknown_ones_cost_little(
    tmp_path: Path,
) -> None:
    store = open_store(tmp_path / "hub")
    other = open_store(tmp_path / "hub")  # another process's view of the same store
    try:
        now = [1000.0]
        registry = DeviceRegistry(store, {1}, monotonic=lambda: now[0])
        writer = DeviceRegistry(other, {1})
        device, token = writer.add("kiosk", "kiosk-quiet")
        # As an older hallkit would: the row is there, the version row says nothing changed.
        with other.write() as db:
            db.execute("DELETE FROM hall_meta WHERE key = 'devices_version'")
        with store.write() as db:
            db.execute("DELETE FROM hall_meta WHERE key = 'devices_version'")
        registry._version = None
        lookups: list[str] = []
        store.reader().conn.set_trace_callback(
            lambda sql: lookups.append(sql) if "WHERE token_hash" in sql else None
        )
        for n in range(100):  # a flood of made-up tokens within one second
            with pytest.raises(HubError):
                registry.authenticate(f"made-up-{n}")
        assert len(lookups) == MISS_LOOKUPS_PER_SECOND
        for _ in range(10):  # the same made-up token again and again: looked up once
            now[0] += 1.0
            with pytest.raises(HubError):
                registry.authenticate("made-up-again")
        assert len(lookups) == MISS_LOOKUPS_PER_SECOND + 2  # once, then after the recheck delay
        now[0] += 1.0
        assert registry.authenticate(token) == device
    finally:
        other.close()
        store.close()


def _hall(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hall", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=PATIENCE,
        check=False,
    )


def test_hall_token_revoke_stops_a_copied_tv_token_in_the_running_hub(hub: HubProcess) -> None:
    data = str(hub.data_dir)
    tv = _token_add(hub.data_dir, "display", "display-tv")
    other = _token_add(hub.data_dir, "kiosk", "kiosk-1")
    assert _whoami(hub, tv).status_code == 200

    done = _hall("token", "revoke", "--data", data, "--name", "display-tv")
    assert done.returncode == 0, done.stderr
    assert "revoked display 'display-tv'" in done.stdout
    assert _whoami(hub, tv).status_code == 401
    assert _whoami(hub, other).status_code == 200  # only that box's token

    listed = _hall("token", "list", "--data", data)
    assert listed.returncode == 0, listed.stderr
    lines = {line.split()[1]: line for line in listed.stdout.splitlines()[1:]}
    assert "revoked" in lines["display-tv"] and "active" in lines["kiosk-1"]

    again = _hall("token", "revoke", "--data", data, "--name", "display-tv")
    assert again.returncode == 1
    assert "no active token with name 'display-tv'" in again.stderr
    assert "Traceback" not in again.stderr
