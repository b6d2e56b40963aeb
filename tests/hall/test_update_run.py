"""`hall update run`: a box updates from central's signed repository in the maintenance window
only, checks itself, and rolls itself back when the check fails; real apt and dpkg on a temp
root, against a live central."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from config import sample_hall
from config.calendar import HallCalendar
from hall.cli import main
from hall.update_run import (
    Apt,
    DoctorCheck,
    Outcome,
    Updater,
    clock_synchronised,
    command_check,
    in_window,
)
from sync.central.apt_repo import add_packages
from sync.central.server import open_central
from tests.sync.central.aptrepo import apt_root, build_deb, needs_apt_tools, short_folder
from tests.sync.central.centralapp import credential_for, live_central

ZONE = ZoneInfo("Asia/Shanghai")  # the sample hall's: 09:00-12:00, 13:00-17:00, Monday-Friday
NIGHT = datetime(2026, 12, 8, 2, 0, tzinfo=ZONE)  # a Tuesday, 02:00
PROBE = "hallkit-probe"


@dataclass
class Box:
    """A box (apt root with hallkit-probe 1.0 installed by dpkg) enrolled with a live central."""

    root: Path
    data: Path
    work: Path
    central_data: Path

    def publish(self, version: str) -> None:
        add_packages(self.central_data, [build_deb(self.work, PROBE, version)])

    def installed(self) -> str:
        return Apt(self.root).installed([PROBE]).get(PROBE, "")

    def updater(self, healthy: bool | list[bool], *, clock_ok: bool = True) -> Updater:
        answers = [healthy] if isinstance(healthy, bool) else list(healthy)

        def check() -> tuple[bool, str]:
            ok = answers.pop(0) if len(answers) > 1 else answers[0]
            return ok, "all checks passed" if ok else "✗ hub FAIL http://127.0.0.1:8700"

        return Updater(
            Apt(self.root),
            self.data / "update",
            HallCalendar(sample_hall()),
            check,
            packages=[PROBE],
            extra_debs=[],
            clock_ok=lambda: clock_ok,
        )


@pytest.fixture
def box() -> Iterator[Box]:
    with short_folder() as work:
        central_data = work / "central"
        add_packages(central_data, [build_deb(work, PROBE, "1.1")])
        central = open_central(central_data)
        with live_central(central) as url:
            credential_for(central, url).save(work / "hub")
            root = apt_root(work)
            for sub in ("var/lib/dpkg/info", "var/lib/dpkg/updates", "var/log/apt"):
                (root / sub).mkdir(parents=True, exist_ok=True)
            (work / "installed").mkdir()
            first = build_deb(work / "installed", PROBE, "1.0")
            subprocess.run(
                ["dpkg", f"--root={root}", "-i", str(first)], capture_output=True, check=True
            )
            enrolled = main(
                ["update", "enroll", "--data", str(work / "hub"), "--apt-root", str(root)]
            )
            assert enrolled == 0
            data = work / "boxdata"
            (data / "update" / "kept").mkdir(parents=True)
            (data / "update" / "kept" / first.name).write_bytes(first.read_bytes())
            yield Box(root, data, work, central_data)
        central.store.close()


def _state(box: Box) -> dict[str, object]:
    loaded: dict[str, object] = json.loads((box.data / "update/update.json").read_text())
    return loaded


@pytest.mark.parametrize(
    ("moment", "allowed"),
    [
        (datetime(2026, 12, 8, 10, 0, tzinfo=ZONE), False),  # open
        (datetime(2026, 12, 8, 12, 30, tzinfo=ZONE), False),  # lunch: opens again at 13:00
        (datetime(2026, 12, 8, 8, 30, tzinfo=ZONE), False),  # opens at 09:00
        (datetime(2026, 12, 8, 7, 59, tzinfo=ZONE), True),
        (datetime(2026, 12, 8, 17, 0, tzinfo=ZONE), True),  # closed for the day
        (datetime(2026, 12, 12, 11, 0, tzinfo=ZONE), True),  # a Saturday
    ],
)
def test_the_maintenance_window_is_outside_the_halls_hours(moment: datetime, allowed: bool) -> None:
    assert in_window(HallCalendar(sample_hall()), moment, timedelta(hours=1))[0] is allowed


@needs_apt_tools
def test_while_the_hall_is_open_nothing_changes(box: Box) -> None:
    outcome = box.updater(True).run(datetime(2026, 12, 8, 10, 0, tzinfo=ZONE))
    assert (outcome.state, outcome.message) == (
        "waiting",
        "不在维护时段：大厅正在办公",
    )
    assert box.installed() == "1.0"
    assert _state(box)["state"] == "waiting"


@needs_apt_tools
def test_a_box_whose_clock_is_not_synchronised_does_not_decide_the_window(box: Box) -> None:
    outcome = box.updater(True, clock_ok=False).run(NIGHT)
    assert (outcome.state, outcome.message) == (
        "waiting",
        "不在维护时段：本机时间尚未同步（NTP）",
    )
    assert box.installed() == "1.0"


def test_the_clock_check_reads_the_kernels_view() -> None:
    assert clock_synchronised() in (True, False)  # adjtimex answers on any Linux box


@needs_apt_tools
def test_in_the_window_the_box_updates_and_keeps_the_new_version_as_its_way_back(box: Box) -> None:
    outcome = box.updater(True).run(NIGHT)
    assert (outcome.state, outcome.message) == ("updated", f"{PROBE} 1.0 → 1.1")
    assert box.installed() == "1.1"
    assert outcome.previous == {PROBE: "1.0"}
    assert sorted(p.name for p in (box.data / "update/kept").iterdir()) == [f"{PROBE}_1.1_all.deb"]
    assert box.updater(True).run(NIGHT).state == "current"


@needs_apt_tools
def test_the_new_version_is_kept_even_where_apt_deletes_what_it_downloaded(
    box: Box, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # apt's own front end, or a box's configuration, may delete the .debs after installing
    config = tmp_path / "apt.conf"
    config.write_text('APT::Keep-Downloaded-Packages "false";\n')
    monkeypatch.setenv("APT_CONFIG", str(config))
    assert box.updater(True).run(NIGHT).state == "updated"
    assert sorted(p.name for p in (box.data / "update/kept").iterdir()) == [f"{PROBE}_1.1_all.deb"]


@needs_apt_tools
def test_a_failed_check_rolls_the_box_back_by_itself(box: Box) -> None:
    assert box.updater(True).run(NIGHT).state == "updated"
    box.publish("1.2")
    outcome = box.updater([False, True]).run(NIGHT)
    assert outcome.state == "rolled-back"
    assert box.installed() == "1.1"
    assert "更新后自检未通过：✗ hub FAIL" in outcome.message
    assert outcome.message.endswith(f"已回退到 {PROBE} 1.1，自检正常")
    assert outcome.exit_status == 1
    state = _state(box)
    assert (state["state"], state["installed"], state["previous"]) == (
        "rolled-back",
        {PROBE: "1.1"},
        {PROBE: "1.1"},
    )


@needs_apt_tools
def test_without_a_way_back_the_box_does_not_update(box: Box) -> None:
    for deb in (box.data / "update/kept").iterdir():
        deb.unlink()
    for deb in (box.root / "var/cache/apt/archives").glob("*.deb"):
        deb.unlink()
    outcome = box.updater(True).run(NIGHT)
    assert outcome.state == "failed"
    assert outcome.message.startswith(f"找不到 {PROBE} 1.0 的安装包，无法回退")
    assert box.installed() == "1.0"


@needs_apt_tools
def test_a_tampered_index_is_no_update(box: Box) -> None:
    in_release = box.central_data / "apt/public/dists/hallkit/InRelease"
    in_release.write_text(in_release.read_text().replace("Label: hallkit", "Label: evil"))
    outcome = box.updater(True).run(NIGHT)
    assert outcome.state == "failed" and outcome.message.startswith("apt-get update 失败：")
    assert box.installed() == "1.0"


@needs_apt_tools
def test_the_command_runs_the_given_check(box: Box, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["update", "run", "--data", str(box.data), "--apt-root", str(box.root)]
    argv += ["--package", PROBE, "--now", NIGHT.isoformat(), "--check", "false"]
    assert main(argv) == 1
    assert capsys.readouterr().out.startswith("rolled-back: 更新后自检未通过")
    assert box.installed() == "1.0"
    # The version that rolled back is not tried again by itself…
    assert main([*argv[:-1], "true"]) == 1
    assert capsys.readouterr().out.startswith(f"rolled-back: 不再尝试 {PROBE} 1.1")
    assert box.installed() == "1.0"
    # …only when the technician says so.
    assert main([*argv[:-1], "true", "--retry"]) == 0
    assert box.installed() == "1.1"


def test_a_check_command_is_healthy_when_it_exits_0() -> None:
    assert command_check(["true"])() == (True, "")
    ok, said = command_check(["sh", "-c", "echo one; echo two >&2; exit 1"])()
    assert (ok, said) == (False, "one / two")
    assert command_check(["/nonexistent/check"])()[0] is False


def test_only_waiting_current_and_updated_exit_0() -> None:
    assert [Outcome(s, "").exit_status for s in ("waiting", "current", "updated")] == [0, 0, 0]
    assert [Outcome(s, "").exit_status for s in ("rolled-back", "failed")] == [1, 1]


def _finding(subject: str, state: str) -> dict[str, str]:
    return {"subject": subject, "target": f"/dev/{subject}", "state": state}


def test_the_doctor_check_rolls_back_only_for_what_got_worse(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    doctor = tmp_path / "doctor"
    doctor.write_text(f"#!/bin/sh\ncat {report}\n")
    doctor.chmod(0o755)
    check = DoctorCheck([str(doctor)])
    report.write_text(json.dumps([_finding("printer", "warn"), _finding("hub", "ok")]))
    check.baseline()
    # The paper was near its end before the update: no reason to roll back.
    assert check() == (True, "没有比更新前差的项目（共2项）")
    report.write_text(json.dumps([_finding("printer", "ok"), _finding("hub", "fail")]))
    assert check() == (False, "比更新前差：hub /dev/hub")
    report.write_text(json.dumps([_finding("printer", "warn"), _finding("keypad", "warn")]))
    assert check() == (False, "比更新前差：keypad /dev/keypad")
    report.write_text("Traceback (most recent call last): ImportError")
    ok, said = check()
    assert not ok and said.startswith("hall doctor 无法运行：Traceback")


def test_the_doctor_check_runs_the_real_doctor(tmp_path: Path) -> None:
    check = DoctorCheck([sys.executable, "-m", "hall", "doctor", "--json", "--data", str(tmp_path)])
    check.baseline()
    assert check.before  # hall doctor's JSON was read
    assert check()[0] is True
