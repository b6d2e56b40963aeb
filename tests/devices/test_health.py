"""Device health: state changes logged once, recorded for the doctor with the last error."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from devices.health import HealthState, HealthTracker, read_recorded


def test_state_changes_are_logged_once_not_on_every_poll(caplog: pytest.LogCaptureFixture) -> None:
    tracker = HealthTracker("printer")
    with caplog.at_level(logging.INFO, logger="devices.health"):
        for _ in range(5):
            tracker.set(HealthState.ERROR, "打印机缺纸", "请装纸", "paper end")
        for _ in range(5):
            tracker.ok()
    lines = [r.getMessage() for r in caplog.records]
    assert lines == ["printer: error (paper end)", "printer: ok"]


def test_since_moves_only_when_the_state_changes() -> None:
    tracker = HealthTracker("idcard")
    first = tracker.set(HealthState.ABSENT, detail="no port")
    again = tracker.set(HealthState.ABSENT, detail="no port, still")
    assert again.since == first.since and again.detail == "no port, still"


def test_the_last_error_stays_recorded_after_recovery(tmp_path: Path) -> None:
    tracker = HealthTracker("kiosk-1/printer", record_dir=tmp_path)
    tracker.set(HealthState.ERROR, "打印机缺纸", "请装纸", "paper end")
    tracker.ok()
    recorded = read_recorded(tmp_path, "kiosk-1/printer")
    assert recorded is not None
    assert recorded["state"] == "ok"
    last = recorded["last_error"]
    assert isinstance(last, dict) and last["problem"] == "打印机缺纸"


def test_an_unwritable_record_folder_never_breaks_the_device(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    tracker = HealthTracker("sign", record_dir=blocker)
    assert tracker.set(HealthState.ERROR, detail="crc").state is HealthState.ERROR
    assert read_recorded(blocker, "sign") is None
