"""A hall's rollout, end to end with real apt and dpkg: central names a release, the hub box (the
canary) takes it first, the hall's other box follows only after the hub box runs it healthy, a
canary that rolls back stops the hall's rollout, and every box's state reaches central through the
hub's uplink. A live central, a live hub, two apt roots (the hub box and a kiosk box)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests

from hall.cli import main
from hall.update_run import Apt
from hub.server import Hub
from sync.central.apt_repo import add_packages
from sync.central.fleet import hall_fleets
from sync.central.server import Central, open_central
from sync.credential import Credential
from tests.hub.hubapp import served
from tests.sync.central.aptrepo import apt_root, build_deb, needs_apt_tools, short_folder
from tests.sync.central.centralapp import credential_for, live_central

ZONE = ZoneInfo("Asia/Shanghai")  # the sample hall's: 09:00-12:00, 13:00-17:00, Monday-Friday
NIGHT = datetime(2026, 12, 8, 2, 0, tzinfo=ZONE)  # a Tuesday, 02:00: the maintenance window
MORNING = datetime(2026, 12, 8, 10, 0, tzinfo=ZONE)  # the hall is open
PROBE = "hallkit-probe"


@dataclass
class Box:
    root: Path
    data: Path
    hub_url: str | None  # None: the hub box

    def run(self, *extra: str, now: datetime = NIGHT, check: str = "true") -> int:
        argv = ["update", "run", "--data", str(self.data), "--apt-root", str(self.root)]
        argv += ["--package", PROBE, "--now", now.isoformat(), "--check", check, *extra]
        if self.hub_url is not None:
            argv += ["--hub", self.hub_url]
        return main(argv)

    def installed(self) -> str:
        return Apt(self.root).installed([PROBE]).get(PROBE, "")


@dataclass
class Hall:
    central: Central
    credential: Credential
    hub: Hub
    hub_url: str
    hub_box: Box
    kiosk: Box
    work: Path

    def publish(self, version: str) -> None:
        add_packages(self.central.data_dir, [build_deb(self.work, PROBE, version)])

    def release(self, version: str) -> None:
        argv = ["central", "repo", "release", version, "--data", str(self.central.data_dir)]
        assert main(argv) == 0

    def admin(self) -> dict[str, str]:
        _, token = self.hub.registry.add("admin", "technician")
        return {"Authorization": f"Bearer {token}"}

    def boxes(self) -> dict[str, dict[str, object]]:
        got = requests.get(f"{self.hub_url}/api/v1/update/boxes", headers=self.admin(), timeout=10)
        assert got.status_code == 200, got.text
        return {b["name"]: b for b in got.json()["boxes"]}

    def sent_up(self) -> None:
        assert self.hub.uplink is not None
        status = self.hub.uplink.drain(give_up_after=10)
        assert status.backlog == 0, status.last_error


def _install(root: Path, work: Path, data: Path) -> None:
    for sub in ("var/lib/dpkg/info", "var/lib/dpkg/updates", "var/log/apt"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    folder = work / f"installed-{root.parent.name}"
    folder.mkdir()
    first = build_deb(folder, PROBE, "1.0")
    subprocess.run(["dpkg", f"--root={root}", "-i", str(first)], capture_output=True, check=True)
    kept = data / "update" / "kept"
    kept.mkdir(parents=True)
    (kept / first.name).write_bytes(first.read_bytes())


@pytest.fixture
def hall() -> Iterator[Hall]:
    with short_folder() as work:
        add_packages(work / "central", [build_deb(work, PROBE, "1.1")])
        central = open_central(work / "central")
        with live_central(central) as url:
            credential = credential_for(central, url)
            hub_data = work / "hub"
            credential.save(hub_data)
            with served(hub_data) as (hub, hub_url):
                hub_root = apt_root(work / "hubbox")
                _install(hub_root, work, hub_data)
                argv = ["update", "enroll", "--data", str(hub_data), "--apt-root", str(hub_root)]
                assert main(argv) == 0
                kiosk_data = work / "kiosk"
                kiosk_root = apt_root(work / "kioskbox")
                _install(kiosk_root, work, kiosk_data)
                _, token = hub.registry.add("kiosk", "一楼取号机")
                (kiosk_data / "device.token").write_text(token)
                argv = ["update", "enroll", "--hub", hub_url, "--data", str(kiosk_data)]
                assert main([*argv, "--apt-root", str(kiosk_root)]) == 0
                yield Hall(
                    central,
                    credential,
                    hub,
                    hub_url,
                    Box(hub_root, hub_data, None),
                    Box(kiosk_root, kiosk_data, hub_url),
                    work,
                )
        central.store.close()


@needs_apt_tools
def test_the_hub_box_takes_the_release_first_and_the_kiosk_follows_it(
    hall: Hall, capsys: pytest.CaptureFixture[str]
) -> None:
    hall.release("1.0")  # the repository holds 1.1; central names 1.0: nobody takes 1.1 yet
    # The kiosk asks first: the hub box has not run yet, so it waits.
    assert hall.kiosk.run() == 0
    assert "waiting: 大厅主机要求等待：集中控制器还没有报告更新情况" in (capsys.readouterr().out)
    assert hall.hub_box.run() == 0
    assert capsys.readouterr().out.startswith("current: 已是发布版本 1.0")
    assert hall.kiosk.run() == 0
    assert capsys.readouterr().out.startswith("current: 已是发布版本 1.0")

    hall.release("1.1")
    assert hall.kiosk.run() == 0  # the hub box is still on 1.0: the kiosk stays with it
    assert hall.kiosk.installed() == "1.0"
    assert hall.hub_box.run() == 0
    assert capsys.readouterr().out.endswith(f"updated: {PROBE} 1.0 → 1.1\n")
    assert hall.hub_box.installed() == "1.1"
    assert hall.kiosk.run() == 0  # now the kiosk follows
    assert hall.kiosk.installed() == "1.1"

    boxes = hall.boxes()
    assert boxes["集中控制器"]["state"] == boxes["一楼取号机"]["state"] == "updated"
    assert boxes["集中控制器"]["version"] == boxes["一楼取号机"]["version"] == "1.1"
    assert boxes["一楼取号机"]["role"] == "kiosk"

    hall.sent_up()  # the hub's uplink carries the box.update events to central
    fleet = hall_fleets(hall.central.store)[hall.credential.hall]
    assert (fleet.release, fleet.versions, fleet.rollout) == ("1.1", ["1.1"], "已完成")
    assert (fleet.boxes[0].box, fleet.boxes[0].state) == ("hub", "updated")  # the canary first
    assert {b.name: b.state for b in fleet.boxes} == {
        "集中控制器": "updated",
        "一楼取号机": "updated",
    }


@needs_apt_tools
def test_while_the_hall_is_open_no_box_moves_and_the_last_outcome_stays_reported(
    hall: Hall, capsys: pytest.CaptureFixture[str]
) -> None:
    hall.release("1.1")
    assert hall.hub_box.run() == 0
    assert hall.hub_box.run(now=MORNING) == 0
    assert capsys.readouterr().out.endswith("waiting: 不在维护时段：大厅正在办公\n")
    assert hall.boxes()["集中控制器"]["state"] == "updated"  # not replaced by "waiting"
    assert hall.kiosk.run(now=MORNING) == 0
    assert hall.kiosk.installed() == "1.0"


@needs_apt_tools
def test_a_canary_that_rolls_back_stops_the_halls_rollout_and_central_shows_it(
    hall: Hall, capsys: pytest.CaptureFixture[str]
) -> None:
    hall.release("1.0")
    assert hall.hub_box.run() == 0 and hall.kiosk.run() == 0
    hall.release("1.1")
    assert hall.hub_box.run(check="false") == 1  # the check fails after the update
    assert "rolled-back: 更新后自检未通过" in capsys.readouterr().out
    assert hall.hub_box.installed() == "1.0"
    # The kiosk is told to wait, and stays on 1.0.
    assert hall.kiosk.run() == 0
    out = capsys.readouterr().out
    assert "waiting: 大厅主机要求等待：集中控制器更新后已回退" in out
    assert "本厅更新暂停" in out
    assert hall.kiosk.installed() == "1.0"
    # The hub box does not try the same release again by itself.
    assert hall.hub_box.run() == 1
    assert f"不再尝试 {PROBE} 1.1" in capsys.readouterr().out
    assert hall.hub_box.installed() == "1.0"

    hub_row = hall.boxes()["集中控制器"]
    assert hub_row["state"] == "rolled-back"
    assert str(hub_row["rollback"]).startswith("更新后自检未通过")
    hall.sent_up()
    fleet = hall_fleets(hall.central.store)[hall.credential.hall]
    assert fleet.rollout == "已停止：集中控制器更新失败"
    assert [b.name for b in fleet.rolled_back] == ["集中控制器"]
    assert not fleet.on_release

    # A new release goes through, and the kiosk follows again.
    hall.publish("1.2")
    hall.release("1.2")
    assert hall.hub_box.run() == 0 and hall.hub_box.installed() == "1.2"
    assert hall.kiosk.run() == 0 and hall.kiosk.installed() == "1.2"
    assert hall.boxes()["集中控制器"]["rollback"] is None


@needs_apt_tools
def test_a_release_not_in_the_repository_is_waited_for(
    hall: Hall, capsys: pytest.CaptureFixture[str]
) -> None:
    hall.release("1.5")
    assert hall.hub_box.run() == 0
    assert f"waiting: 中心的软件源中还没有 {PROBE} 的发布版本 1.5" in (capsys.readouterr().out)
    assert hall.hub_box.installed() == "1.0"


@needs_apt_tools
def test_without_a_release_the_hub_box_takes_the_newest(hall: Hall) -> None:
    assert hall.hub_box.run() == 0
    assert hall.hub_box.installed() == "1.1"
    assert hall.kiosk.run() == 0
    assert hall.kiosk.installed() == "1.1"


@needs_apt_tools
def test_an_older_release_never_downgrades_a_box(
    hall: Hall, capsys: pytest.CaptureFixture[str]
) -> None:
    assert hall.hub_box.run() == 0 and hall.hub_box.installed() == "1.1"
    hall.release("1.0")
    capsys.readouterr()
    assert hall.hub_box.run() == 0
    assert capsys.readouterr().out == f"current: {PROBE} 1.1 比发布版本 1.0 新：保持不变\n"
    assert hall.hub_box.installed() == "1.1"
