"""``hall demo`` as a user runs it: a subprocess, offscreen, in a temporary folder."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from appkit.net import free_port
from tests.shifted_clock import SetClock

DEMO_PATIENCE = 240
"""Seconds a demo run may take on a busy machine before its test fails (a guard, not a pace)."""
BOXES = ("ticket-1", "kiosk-1", "counter-1", "counter-2", "board-1", "board-2", "display-1")


def demo_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)  # the demo must choose offscreen by itself
    env["PYTHONUNBUFFERED"] = "1"
    return env


def demo_command(data: Path, *extra: str) -> list[str]:
    bind = f"127.0.0.1:{free_port()}"
    return [sys.executable, "-m", "hall", "demo", "--data", str(data), "--bind", bind, *extra]


def tickets(data: Path) -> list[str]:
    db = sqlite3.connect(f"file:{data / 'hub' / 'hub.db'}?mode=ro", uri=True)
    try:
        return [row[0] for row in db.execute("SELECT number FROM tickets ORDER BY issued_at")]
    finally:
        db.close()


HALL = ZoneInfo("Asia/Shanghai")  # the sample hall's zone
# The machine's clock at the start of the day: boxes run on UTC; from 16:00 to 24:00 UTC the
# machine's date is not the hall's, and until 03:00 hall time (19:00 UTC) the hall's service day
# is still the previous one. The 23:59 run crosses midnight in the hall, not its day boundary.
MACHINE_CLOCKS = [
    pytest.param(datetime(2026, 12, 9, 17, 0, tzinfo=UTC), "2026-12-09", id="17:00 UTC"),
    pytest.param(datetime(2026, 12, 9, 20, 0, tzinfo=UTC), "2026-12-10", id="20:00 UTC"),
    pytest.param(datetime(2026, 12, 9, 23, 59, tzinfo=HALL), "2026-12-09", id="23:59 hall"),
]


def minutes_apart(clock: str, moment: datetime) -> int:
    """Minutes from ``moment``'s time of day forward to ``clock`` (``HH:MM``), across midnight."""
    hours, minutes = (int(part) for part in clock.split(":")[:2])
    return (hours * 60 + minutes - moment.hour * 60 - moment.minute) % (24 * 60)


def test_the_scripted_day_completes_loses_nothing_and_leaves_its_evidence(
    tmp_path: Path, machine_clock_at: SetClock
) -> None:
    # One scripted day per machine clock, the three side by side: a demo mostly waits on its
    # script (the WAN outage, the citizens' pace), so together they take about the time of one.
    runs: list[DayRun] = []
    try:
        for param in MACHINE_CLOCKS:
            machine_clock, service_day = param.values
            assert isinstance(machine_clock, datetime) and isinstance(service_day, str)
            machine_clock_at(machine_clock)  # sets LD_PRELOAD and the shift in os.environ
            folder = tmp_path / str(param.id).replace(":", "").replace(" ", "-")
            folder.mkdir()
            out = folder / "out"
            log = (folder / "stdout.txt").open("w", encoding="utf-8")
            process = subprocess.Popen(
                demo_command(folder / "data", "--script", "day", "--out", str(out)),
                env=demo_env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                text=True,
            )
            log.close()
            runs.append(DayRun(str(param.id), machine_clock, service_day, folder, process))
        for run in runs:
            run.process.wait(timeout=DEMO_PATIENCE)
    finally:
        for run in runs:
            if run.process.poll() is None:
                run.process.kill()
                run.process.wait()
    failures = []
    for run in runs:
        try:
            check_day(run)
        except AssertionError as err:
            failures.append(f"machine clock {run.name}: {err}")
    assert not failures, "\n\n".join(failures)


@dataclass
class DayRun:
    name: str
    machine_clock: datetime
    service_day: str
    folder: Path
    process: subprocess.Popen[str]


def check_day(day: DayRun) -> None:
    """What one scripted day must have done and left behind."""
    out, machine_clock, service_day = day.folder / "out", day.machine_clock, day.service_day
    output = (day.folder / "stdout.txt").read_text(encoding="utf-8")
    assert day.process.returncode == 0, output[-3000:]
    assert "Traceback" not in output
    assert "offscreen" in output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["nothing_lost"] is True
    assert (summary["service_day"], summary["time_zone"]) == (service_day, "Asia/Shanghai")
    assert tickets_of_day(day.folder / "data") == {service_day}
    stamps = re.findall(r"^- (\d\d:\d\d):\d\d ", (out / "summary.md").read_text("utf-8"), re.M)
    assert stamps, "summary.md lists no timed notes"
    hall_start = machine_clock.astimezone(HALL)
    assert all(minutes_apart(stamp, hall_start) < 30 for stamp in stamps), (stamps, hall_start)
    assert summary["events_synced"] == summary["events_written"] > 0
    assert summary["lanes"]["green"] >= 1 and summary["lanes"]["appointment"] == 1
    assert summary["ratings"]["非常满意"] >= 3 and summary["ratings"]["非常不满意"] == 1
    assert summary["not_rated"] == 1
    assert [bad["reason"] for bad in summary["bad_ratings"]] == ["办事效率低"]
    assert summary["bad_ratings"][0]["due_date"]
    assert "nothing lost / 无丢失: yes" in (out / "summary.md").read_text(encoding="utf-8")

    screens = sorted((out / "screens").glob("*.png"))
    for box in BOXES:
        assert any(p.name.endswith(f"-{box}.png") for p in screens), f"no screenshot of {box}"
    for path in screens:
        with Image.open(path) as image:
            assert image.format == "PNG" and image.width > 300
    printed = sorted((out / "printed").glob("*.png"))
    tickets_png = [p for p in printed if "-ticket-" in p.name]
    assert len(tickets_png) >= 8
    assert any("receipt-SJ" in p.name for p in printed), "the 收件回执 was not printed"
    for path in printed:
        with Image.open(path) as image:
            assert image.format == "PNG"
            low, high = image.convert("L").getextrema()
            assert low < 64 and high > 192, f"{path.name} is blank"
    wavs = sorted((out / "wav").glob("*.wav"))
    assert any("call-" in p.name for p in wavs) and any("recall-" in p.name for p in wavs)
    for path in wavs:
        head = path.read_bytes()[:12]
        assert head[:4] == b"RIFF" and head[8:12] == b"WAVE" and path.stat().st_size > 1000
    listed = set(summary["files"])
    assert {str(p.relative_to(out)) for p in [*screens, *printed, *wavs]} <= listed


def tickets_of_day(data: Path) -> set[str]:
    db = sqlite3.connect(f"file:{data / 'hub' / 'hub.db'}?mode=ro", uri=True)
    try:
        return {row[0] for row in db.execute("SELECT service_day FROM tickets")}
    finally:
        db.close()


def test_a_short_live_run_starts_and_stops_cleanly(tmp_path: Path) -> None:
    # --duration ends the run by itself; that citizens take tickets is shown by the next test,
    # which waits for one instead of counting what a few busy seconds produced.
    run = subprocess.run(
        demo_command(tmp_path / "data", "--duration", "6", "--rate", "1"),
        env=demo_env(),
        capture_output=True,
        text=True,
        timeout=DEMO_PATIENCE,
        check=False,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-3000:]
    assert "Traceback" not in output
    assert "/board/1?token=" in run.stdout and "/display?token=" in run.stdout
    assert "/admin?token=" in run.stdout and "/manage/" in run.stdout
    accounts = sqlite3.connect(f"file:{tmp_path / 'data' / 'hub' / 'hub.db'}?mode=ro", uri=True)
    try:
        roles = dict(accounts.execute("SELECT username, role FROM accounts"))
    finally:
        accounts.close()
    assert roles == {"manager": "manager", "supervisor": "supervisor"}  # the console's demo
    assert "the demo hall stopped" in run.stdout


def wait_for_line(process: subprocess.Popen[str], text: str) -> str:
    """The demo's output up to its first line containing ``text`` (fails if it exits first)."""
    seen = ""
    assert process.stdout is not None
    for line in process.stdout:
        seen += line
        if text in line:
            return seen
    pytest.fail(f"no {text!r} in the demo's output:\n{seen}")


def run_until_a_ticket_then_ctrl_c(data: Path, *extra: str) -> str:
    """Run the live demo until a simulated citizen has taken a ticket, then Ctrl-C it; returns
    its whole output after checking it stopped cleanly."""
    process = subprocess.Popen(
        demo_command(data, "--rate", "2", *extra),
        env=demo_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        seen = wait_for_line(process, "取号 / ticket")
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=DEMO_PATIENCE)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, seen + rest
    assert "Traceback" not in seen + rest
    assert "the demo hall stopped" in rest
    return seen + rest


@pytest.mark.timeout(3 * DEMO_PATIENCE)
def test_ctrl_c_stops_cleanly_and_resume_continues_the_numbers(tmp_path: Path) -> None:
    data = tmp_path / "data"
    run_until_a_ticket_then_ctrl_c(data)
    first = tickets(data)
    assert first
    run_until_a_ticket_then_ctrl_c(data, "--resume")
    after = tickets(data)
    assert after[: len(first)] == first, "resume kept the first run's tickets"
    assert len(after) > len(first), "the resumed hall issued more numbers"
    assert len(set(after)) == len(after), "no number was given twice"
