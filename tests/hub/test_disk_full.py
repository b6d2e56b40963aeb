"""A full disk is a state the hub answers clearly: 503 ``storage_full`` with a Chinese sentence on
a connection it keeps, one log line a minute instead of a traceback per request, and tickets
again as soon as there is room. A data folder it cannot write stops ``hall hub`` with a sentence;
``hall doctor`` on the hub box fails a nearly full disk and a data folder it cannot write.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from appkit.net import free_port
from config.sample import sample_hall_data
from hall.cli import main
from hall.hubprocess import ROOT, HubProcess
from hub.auth import DeviceRegistry
from hub.client import HubClient
from hub.server import open_store
from sync.errors import StoreFull
from tests.hub.hubapp import served
from tests.timing import PATIENCE, wait_for

FULL_SENTENCE = "存储空间已满"


def _issue(conn: http.client.HTTPConnection, token: str) -> tuple[int, dict[str, object], str]:
    """POST /tickets on ``conn`` (kept open); status, JSON body, Connection header."""
    conn.request(
        "POST",
        "/api/v1/tickets",
        body=json.dumps({"category": "A"}),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    answer = conn.getresponse()
    body = json.loads(answer.read() or b"{}")
    return answer.status, body, (answer.getheader("Connection") or "").lower()


def _fill_until_full(conn: http.client.HTTPConnection, token: str) -> dict[str, object]:
    for _ in range(2000):
        status, body, _ = _issue(conn, token)
        if status != 201:
            assert status == 503, body
            return body
    pytest.fail("the store never filled up")


def test_a_full_store_answers_503_in_chinese_on_a_kept_connection_and_logs_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with served(tmp_path / "hub") as (hub, url):
        admin = HubClient(url, hub.admin_token_path.read_text().strip())
        token = admin.add_device("kiosk", "kiosk-1")["token"]
        with hub.store.lock:  # SQLite's own size cap: the same SQLITE_FULL a full disk gives
            pages = hub.store._conn.execute("PRAGMA page_count").fetchone()[0]
            hub.store._conn.execute(f"PRAGMA max_page_count = {pages + 2}")
        conn = http.client.HTTPConnection(url.removeprefix("http://"), timeout=PATIENCE)
        body = _fill_until_full(conn, token)
        assert body["error"] == "storage_full"
        assert FULL_SENTENCE in str(body["message"])
        for _ in range(100):  # the same connection answers every time
            status, body, connection = _issue(conn, token)
            assert status == 503 and body["error"] == "storage_full"
            assert connection != "close"
        conn.close()

        with hub.store.lock:
            hub.store._conn.execute("PRAGMA max_page_count = 1073741823")
        assert HubClient(url, token).issue_ticket(category="A").number

    full_lines = [r for r in caplog.records if "storage full" in r.getMessage()]
    assert len(full_lines) == 1, [r.getMessage() for r in full_lines]
    assert not [r for r in caplog.records if r.exc_info], "no traceback in the log"


def _can_mount() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


@contextlib.contextmanager
def _mounted(*command: str) -> Iterator[None]:
    mount = subprocess.run(["mount", *command], capture_output=True, text=True, check=False)
    if mount.returncode != 0:
        pytest.skip(f"cannot mount here ({mount.stderr.strip()}): needs root with CAP_SYS_ADMIN")
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", command[-1]], capture_output=True, check=False)


@pytest.mark.skipif(not _can_mount(), reason="a real full disk needs root to mount a small tmpfs")
def test_a_hub_on_a_really_full_disk_answers_503_and_recovers(tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    with _mounted("-t", "tmpfs", "-o", "size=8m", "tmpfs", str(disk)):
        log = tmp_path / "hub.log"
        with HubProcess(disk / "hub", log_path=log) as hub:
            admin = hub.client()
            token = admin.add_device("kiosk", "kiosk-1")["token"]
            filler = disk / "filler"
            with filler.open("wb") as out, contextlib.suppress(OSError):
                while True:
                    out.write(b"\0" * (64 * 1024))
            conn = http.client.HTTPConnection(hub.base_url.removeprefix("http://"), timeout=30)
            body = _fill_until_full(conn, token)
            assert FULL_SENTENCE in str(body["message"])
            for _ in range(200):
                status, body, connection = _issue(conn, token)
                assert status in (201, 503), body
                assert connection != "close"
            conn.close()
            filler.unlink()
            assert HubClient(hub.base_url, token).issue_ticket(category="A").number
        text = log.read_text(encoding="utf-8", errors="replace")
        assert "Traceback" not in text
        assert sum("storage full" in line for line in text.splitlines()) == 1, text[-2000:]


@pytest.mark.skipif(not _can_mount(), reason="a read-only folder for root needs a bind mount")
def test_hall_hub_on_a_read_only_data_folder_says_so_in_one_sentence(tmp_path: Path) -> None:
    data = tmp_path / "hub"
    data.mkdir()
    with _mounted("--bind", str(data), str(data)):
        remount = subprocess.run(
            ["mount", "-o", "remount,ro,bind", str(data)], capture_output=True, check=False
        )
        if remount.returncode != 0:
            pytest.skip("cannot remount read-only here")
        command = [sys.executable, "-m", "hall", "hub", "--data", str(data),
                   "--bind", f"127.0.0.1:{free_port()}"]  # fmt: skip
        done = subprocess.run(
            command,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=PATIENCE,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            check=False,
        )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "OSError" not in done.stderr
    assert "无法写入" in done.stderr and "cannot be written" in done.stderr


def _doctor(
    data: Path, config: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[int, dict[str, Any]]:
    """``hall doctor --json`` on the hub box with data folder ``data``: exit status, findings."""
    config.write_text(tomli_w.dumps({**sample_hall_data(), "devices": {"hub-1": {"role": "hub"}}}))
    status = main(
        ["doctor", "--config", str(config), "--box", "hub-1", "--data", str(data), "--json"]
    )
    findings = json.loads(capsys.readouterr().out)
    return status, {f["subject"]: f for f in findings}


@pytest.mark.skipif(not _can_mount(), reason="a small disk needs root to mount a tmpfs")
def test_hall_doctor_fails_a_nearly_full_disk(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    with _mounted("-t", "tmpfs", "-o", "size=16m", "tmpfs", str(disk)):
        open_store(disk / "hub").close()
        status, found = _doctor(disk / "hub", tmp_path / "hall.toml", capsys)
    assert status == 1
    assert found["disk"]["state"] == "fail" and "磁盘空间" in found["disk"]["problem"]
    assert found["data"]["state"] == "ok"


@pytest.mark.skipif(not _can_mount(), reason="a read-only folder for root needs a bind mount")
def test_hall_doctor_fails_a_read_only_data_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "hub"
    open_store(data).close()
    with _mounted("--bind", str(data), str(data)):
        remount = subprocess.run(
            ["mount", "-o", "remount,ro,bind", str(data)], capture_output=True, check=False
        )
        if remount.returncode != 0:
            pytest.skip("cannot remount read-only here")
        status, found = _doctor(data, tmp_path / "hall.toml", capsys)
    assert status == 1
    assert found["data"]["state"] == "fail" and "无法写入" in found["data"]["problem"]
    assert "read-only" in found["data"]["detail"].lower()


def test_the_token_watcher_on_a_full_disk_logs_one_line_a_minute_without_a_traceback(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = open_store(tmp_path / "hub")
    registry = DeviceRegistry(store, {1})
    ticks: list[int] = []

    def full(**_: object) -> int:
        ticks.append(1)
        raise StoreFull(f"{tmp_path}/hub.db: the disk is full (database or disk is full)")

    registry.write_seen = full  # type: ignore[method-assign]
    try:
        with caplog.at_level("WARNING"):
            registry.watch(seconds=0.01)
            wait_for(lambda: len(ticks) >= 5, "the watcher ticking on a full disk")
            registry._stop.set()
            registry._watcher.join()  # type: ignore[union-attr]
            registry._watcher = None
        lines = [r for r in caplog.records if "not written" in r.getMessage()]
        assert len(lines) == 1  # once a minute, not once a tick
        assert lines[0].exc_info is None and "disk is full" in lines[0].getMessage()
        assert not any(r.exc_info for r in caplog.records)
    finally:
        store.close()
