"""A hub that has run before never starts again as a new hub by accident: with ``hall.secret`` or
``admin.token`` in its data folder and its store empty or missing, ``hall hub`` refuses with a
sentence saying what to do (restore the backup, or ``--new-store``) and creates nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from appkit.net import free_port
from hall.hubprocess import ROOT, HubProcess
from hub.client import HubClient, HubUnavailable
from tests.timing import PATIENCE, wait_for


def _hall_hub(data: Path, *extra: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "hall", "hub", "--data", str(data),
               "--bind", f"127.0.0.1:{free_port()}", "--always-open", *extra]  # fmt: skip
    return subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def _listing(folder: Path) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir()}


@pytest.fixture
def used_hub(tmp_path: Path) -> Path:
    """The data folder of a hub that has run and issued a ticket."""
    data = tmp_path / "hub"
    with HubProcess(data, log_path=tmp_path / "hub.log") as hub:
        hub.client().issue_ticket(category="A")
    return data


@pytest.mark.parametrize("damage", ["truncated", "deleted"])
def test_a_used_hub_with_its_store_emptied_refuses_to_start_and_says_what_to_do(
    used_hub: Path, damage: str
) -> None:
    for name in ("hub.db-wal", "hub.db-shm"):
        (used_hub / name).unlink(missing_ok=True)
    if damage == "truncated":
        (used_hub / "hub.db").write_bytes(b"")
    else:
        (used_hub / "hub.db").unlink()
    before = _listing(used_hub)
    process = _hall_hub(used_hub)
    out, err = process.communicate(timeout=PATIENCE)
    assert process.returncode == 1
    assert "从备份恢复" in err and "--new-store" in err  # the sentence, in Chinese
    assert "restore" in err.lower() and "backup" in err  # and in English
    assert "Traceback" not in err
    assert "listening" not in out
    assert _listing(used_hub) == before  # nothing created, nothing touched


def test_new_store_starts_a_used_hub_afresh_on_purpose(used_hub: Path) -> None:
    (used_hub / "hub.db").write_bytes(b"")
    for name in ("hub.db-wal", "hub.db-shm"):
        (used_hub / name).unlink(missing_ok=True)
    old_admin = (used_hub / "admin.token").read_text()
    process = _hall_hub(used_hub, "--new-store")
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "listening on http://" in line
        url = line.split("listening on ")[1].split()[0]
        admin = HubClient(url, (used_hub / "admin.token").read_text().strip())

        def answers() -> bool:
            try:
                admin.health()
            except HubUnavailable:
                return False
            return True

        wait_for(answers, "the hub answering")
        assert (used_hub / "admin.token").read_text() != old_admin  # the old tokens are void
        assert admin.issue_ticket(category="A").number == "A001"
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=PATIENCE)


def test_a_brand_new_data_folder_starts_without_new_store(tmp_path: Path) -> None:
    with HubProcess(tmp_path / "fresh", log_path=tmp_path / "hub.log") as hub:
        assert hub.client().health().last_seq == 0


def test_hall_token_add_on_an_emptied_store_refuses_too(used_hub: Path) -> None:
    (used_hub / "hub.db").unlink()
    for name in ("hub.db-wal", "hub.db-shm"):
        (used_hub / name).unlink(missing_ok=True)
    command = [sys.executable, "-m", "hall", "token", "add", "--data", str(used_hub),
               "--role", "kiosk", "--name", "k"]  # fmt: skip
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=PATIENCE, check=False
    )
    assert done.returncode == 1
    assert "从备份恢复" in done.stderr
    assert not (used_hub / "hub.db").exists()
