"""``hall enroll`` and ``hall sync …`` as a technician runs them, against the real central."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from hall.cli import main
from hub.tables import ALL_MIGRATIONS
from sync.clock import SystemClock
from sync.outbox import Outbox
from sync.store import Store
from tests.sync.central_thread import RunningCentral, central_in_thread


@pytest.fixture
def central(tmp_path: Path) -> Iterator[RunningCentral]:
    with central_in_thread(tmp_path / "central") as running:
        yield running


def hub_with_events(data: Path, count: int) -> None:
    data.mkdir(parents=True, exist_ok=True)
    store = Store(data / "hub.db", ALL_MIGRATIONS)
    outbox = Outbox(SystemClock())
    with store.write() as db:
        for i in range(count):
            outbox.append(db, "ticket.issued", {"ticket": {"id": f"t{i}", "number": f"A{i}"}})
    store.close()


def test_enroll_then_sync_now_drains_and_status_shows_it(
    central: RunningCentral, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "hub"
    hub_with_events(data, 2500)
    hall, code = central.store.add_hall("示例镇")

    assert main(["enroll", "--data", str(data), "--central", central.base_url, "--code", code,
                 "--name", "hub-1"]) == 0  # fmt: skip
    assert f"enrolled as hall {hall.id}" in capsys.readouterr().out

    assert main(["sync", "status", "--data", str(data), "--json"]) == 0
    before = json.loads(capsys.readouterr().out)
    assert (before["enrolled"], before["backlog"], before["last_contact"]) == (True, 2500, None)

    assert main(["sync", "now", "--data", str(data)]) == 0
    out = capsys.readouterr().out
    assert "drained: central acknowledges seq 2500" in out
    assert central.store.hall(hall.id).applied == 2500

    assert main(["sync", "status", "--data", str(data)]) == 0
    shown = capsys.readouterr().out
    assert "待上传 backlog:         0 条" in shown and "从未 never" not in shown


def test_status_of_a_hub_never_enrolled_shows_the_backlog_and_the_alarm(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "hub"
    hub_with_events(data, 3)
    config = tmp_path / "hall.toml"
    assert main(["config", "sample", "--out", str(config)]) == 0
    config.write_text(config.read_text() + "\n[sync]\nbacklog_alarm_events = 2\n")
    capsys.readouterr()
    assert main(["sync", "status", "--data", str(data), "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "not enrolled" in out
    assert "待上传 backlog:         3 条 events  积压告警 ALARM" in out


def test_sync_now_without_enrollment_or_store_fails_with_a_plain_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sync", "now", "--data", str(tmp_path / "nothing")]) == 1
    hub_with_events(tmp_path / "hub", 1)
    assert main(["sync", "now", "--data", str(tmp_path / "hub")]) == 1
    err = capsys.readouterr().err
    assert "not enrolled" in err


def test_sync_purge_keeps_unacknowledged_events(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "hub"
    hub_with_events(data, 10)
    assert main(["sync", "purge", "--data", str(data), "--days", "0"]) == 0
    assert "purged 0 acknowledged events" in capsys.readouterr().out
