"""Central's side of fleet updates (sync/central/fleet.py): releases per hall and region, and each
box's update state from the hubs' box.update events; on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from hall.cli import main
from sync.apt_login import apt_password
from sync.central.apt_repo import init_repo
from sync.central.console.accounts import CLI_ACTOR
from sync.central.console.regions import add_region, set_hall_region
from sync.central.fleet import (
    ReleaseError,
    clear_release,
    hall_fleets,
    hall_release,
    name_release,
    releases,
)
from sync.central.server import open_central
from sync.central.store import CentralStore
from tests.sync.central.aptrepo import needs_apt_tools, short_folder
from tests.sync.central.centralapp import SignedHub, credential_for, event, live_central
from tests.sync.central.conftest import db_args


def _regions(central: CentralStore) -> None:
    add_region(central, CLI_ACTOR, "44", "示例省", "province", None)
    add_region(central, CLI_ACTOR, "4401", "示例市", "city", "44")
    add_region(central, CLI_ACTOR, "440106", "示例区", "district", "4401")
    add_region(central, CLI_ACTOR, "440106001", "示例镇", "town", "440106")
    add_region(central, CLI_ACTOR, "4402", "另一市", "city", "44")


def test_a_hall_takes_its_nearest_regions_release_else_every_halls(central: CentralStore) -> None:
    _regions(central)
    town, _ = central.add_hall("示例镇便民服务中心")
    other, _ = central.add_hall("另一市大厅")
    loose, _ = central.add_hall("未设区域的大厅")
    set_hall_region(central, CLI_ACTOR, town.id, "440106001")
    set_hall_region(central, CLI_ACTOR, other.id, "4402")
    assert hall_release(central, town.id) == (None, None)  # none named: the newest
    name_release(central, "1.3.2")
    name_release(central, "1.4.0", "440106")  # one district goes first
    assert hall_release(central, town.id) == ("1.4.0", "440106")
    assert hall_release(central, other.id) == ("1.3.2", "")
    assert hall_release(central, loose.id) == ("1.3.2", "")
    name_release(central, "1.4.1", "440106")  # named again: replaced
    assert hall_release(central, town.id) == ("1.4.1", "440106")
    assert [(r.scope, r.version) for r in releases(central)] == [("", "1.3.2"), ("440106", "1.4.1")]
    assert clear_release(central, "440106") is True
    assert clear_release(central, "440106") is False
    assert hall_release(central, town.id) == ("1.3.2", "")


@pytest.mark.parametrize("version", ["", "v1.4", "1.4 ", "1;rm", "x" * 80, "../1.4"])
def test_a_release_must_be_a_package_version(central: CentralStore, version: str) -> None:
    with pytest.raises(ReleaseError):
        name_release(central, version)
    assert releases(central) == []


def test_a_release_for_an_unknown_region_is_refused(central: CentralStore) -> None:
    with pytest.raises(ReleaseError, match="no region '9999'"):
        name_release(central, "1.4.0", "9999")


def test_the_command_names_lists_and_clears_releases(
    central: CentralStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _regions(central)
    db = db_args(central, tmp_path)
    assert main(["central", "repo", "release", "1.4.0", *db]) == 0
    assert capsys.readouterr().out == "release 1.4.0 named for every hall\n"
    assert main(["central", "repo", "release", "1.5.0", "--region", "4402", *db]) == 0
    assert capsys.readouterr().out == "release 1.5.0 named for the halls of region 4402\n"
    assert main(["central", "repo", "release", *db]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[:2] for line in lines] == [
        ["1.4.0", "every hall"],
        ["1.5.0", "region 4402"],
    ]
    assert main(["central", "repo", "release", "--clear", "--region", "4402", *db]) == 0
    assert capsys.readouterr().out == "release of region 4402 cleared\n"
    assert main(["central", "repo", "release", "bad version", *db]) == 1
    assert "is not a package version" in capsys.readouterr().err


def _box(state: str, version: str, box: str = "hub", **extra: Any) -> dict[str, Any]:
    return {
        "box": box,
        "role": "hub" if box == "hub" else "kiosk",
        "name": "集中控制器" if box == "hub" else "一楼取号机",
        "state": state,
        "message": "…",
        "installed": {"hallkit": version},
        "previous": {},
        "release": version,
        "at": "2026-12-08T02:07:00+08:00",
        "rollback": None,
        **extra,
    }


def test_central_keeps_each_boxs_latest_state_from_the_hubs_events(
    central: CentralStore, hub: SignedHub
) -> None:
    name_release(central, "1.4.0")
    events = [
        event(1, "box.update", _box("current", "1.3.2")),
        event(2, "box.update", _box("current", "1.3.2", box="d-kiosk")),
        event(3, "box.update", _box("updated", "1.4.0")),
    ]
    answer = hub.send(events)
    assert answer.status_code == 200, answer.text
    fleet = hall_fleets(central)[hub.hall]
    assert [(b.box, b.state, b.version) for b in fleet.boxes] == [
        ("hub", "updated", "1.4.0"),
        ("d-kiosk", "current", "1.3.2"),
    ]
    assert (fleet.release, fleet.versions, fleet.on_release) == ("1.4.0", ["1.3.2", "1.4.0"], False)
    assert fleet.rollout == "进行中：集中控制器已更新"
    hub.send([event(4, "box.update", _box("updated", "1.4.0", box="d-kiosk"))])
    assert hall_fleets(central)[hub.hall].rollout == "已完成"
    # An event sent again (a lost answer) never brings an older state back.
    hub.send(events[:1])
    assert hall_fleets(central)[hub.hall].boxes[0].state == "updated"


def test_a_payload_that_makes_no_row_never_refuses_the_batch(
    central: CentralStore, hub: SignedHub
) -> None:
    bad = [
        event(1, "box.update", {"box": "hub"}),
        event(2, "box.update", _box("exploded", "1.4.0")),
        event(3, "box.update", _box("updated", "1.4.0", installed=["1.4.0"])),
        event(4, "box.update", _box("updated", "1.4.0", release=7)),
        event(5, "box.update", _box("rolled-back", "1.3.2", box="d-counter")),
    ]
    answer = hub.send(bad)
    assert answer.status_code == 200 and answer.json()["acked_seq"] == 5
    fleet = hall_fleets(central)[hub.hall]
    assert [(b.box, b.state) for b in fleet.boxes] == [("d-counter", "rolled-back")]
    assert fleet.rollout == "有设备回退"


@needs_apt_tools
def test_the_hub_box_asks_central_for_its_halls_release_with_its_apt_login() -> None:
    with short_folder() as work:
        init_repo(work / "central")
        central = open_central(work / "central")
        with live_central(central) as url:
            credential = credential_for(central, url)
            login = (credential.key_id, apt_password(credential.secret))
            release = f"{url}/apt/release"
            assert requests.get(release, auth=login, timeout=10).json() == {
                "hall": credential.hall,
                "release": None,
                "scope": None,
            }
            name_release(central.store, "1.4.0")
            got = requests.get(release, auth=login, timeout=10)
            assert got.json()["release"] == "1.4.0"
            assert got.headers["Cache-Control"] == "no-store"
            assert requests.get(release, timeout=10).status_code == 401
            wrong = requests.get(release, auth=(credential.key_id, "x"), timeout=10)
            assert wrong.status_code == 401
            secret = requests.get(
                release, auth=(credential.key_id, credential.secret_b64), timeout=9
            )
            assert secret.status_code == 401
        central.store.close()
