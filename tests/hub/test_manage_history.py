"""The console's 配置版本 pages over HTTP against a real hub app: the versions listed (hall time,
author, source in Chinese, sections changed), a version's changes in words and never a PIN hash,
and a rollback through its confirm step, applied live and audited."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from config.pins import hash_pin
from hub.accounts import CLI_ACTOR
from hub.actors import Actor
from hub.server import Hub, open_hub
from sync.clock import FixedClock
from tests.conftest import queue_hall
from tests.hub.test_manage_pages import PASSWORD
from tests.hub.test_manage_staff import csrf, signed_in

MANAGER = Actor("zhang.san", "manager", "session")


@pytest.fixture
def hub(tmp_path: Path, clock: FixedClock) -> Iterator[Hub]:
    opened = open_hub(tmp_path / "hub", clock=clock, config=queue_hall(), always_open=True)
    opened.accounts.add(CLI_ACTOR, "zhang.san", "manager", PASSWORD)
    opened.accounts.add(CLI_ACTOR, "li.si", "supervisor", PASSWORD)
    yield opened
    opened.store.close()


def rename(hub: Hub, number: str, name: str, pin: str | None = None) -> int:
    def change(data: dict[str, Any]) -> None:
        [entry] = [m for m in data["staff"] if m["number"] == number]
        entry["name"] = name
        if pin is not None:
            entry["pin_hash"] = hash_pin(pin, iterations=1000)

    made = hub.book.edit(MANAGER, change, f"修改工作人员 {number} {name}")
    assert made is not None
    return made.number


def text_of(html: str, element_id: str) -> str:
    found = re.search(rf'<[^>]* id="{element_id}".*?</(tr|div)>', html, re.S)
    assert found is not None, f"no {element_id}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(0))).strip()


def test_the_versions_are_listed_with_time_author_source_and_sections(hub: Hub) -> None:
    first = hub.book.latest().number
    second = rename(hub, "1002", "李建华")
    manager = signed_in(hub)

    page = manager.get("/manage/history").text

    assert text_of(page, f"version-{second}").split() == [
        "第",
        str(second),
        "版",
        "当前",
        "2025-03-12",
        "09:30",
        "修改工作人员",
        "1002",
        "李建华",
        "zhang.san",
        "管理后台",
        "工作人员",
        "查看",
    ]
    assert "配置文件" in text_of(page, f"version-{first}")


def test_a_version_shows_what_it_changed_and_never_a_pin_hash(hub: Hub) -> None:
    number = rename(hub, "1002", "李建华", pin="135790")
    manager = signed_in(hub)

    page = manager.get(f"/manage/history/{number}").text

    assert f"与第 {number - 1} 版相比的变更" in page
    assert text_of(page, "change-staff") == (
        "工作人员 修改 1002 李建国（姓名：李建国 → 李建华；密码：已更改）"
    )
    assert "pbkdf2" not in page and 'id="change-windows"' not in page
    assert 'id="rollback"' not in page  # the version in force
    assert 'id="rollback"' in manager.get(f"/manage/history/{number - 1}").text
    assert manager.get("/manage/history/999").status_code == 404


def test_a_rollback_asks_first_then_applies_the_old_version_as_a_new_one(hub: Hub) -> None:
    before = hub.book.latest().number
    rename(hub, "1002", "李建华")
    manager = signed_in(hub)
    confirm = manager.get(f"/manage/history/{before}/rollback")
    assert 'id="rollback-confirm"' in confirm.text and hub.book.latest().number == before + 1

    forged = manager.post(
        f"/manage/history/{before}/rollback", data={"csrf": "forged"}, follow_redirects=False
    )
    assert forged.status_code == 403 and hub.book.latest().number == before + 1

    answer = manager.post(
        f"/manage/history/{before}/rollback",
        data={"csrf": csrf(confirm.text)},
        follow_redirects=False,
    )

    rolled = before + 2
    assert (answer.status_code, answer.headers["location"]) == (
        303,
        f"/manage/history?rolled={rolled}",
    )
    member = hub.engine.config.staff_member("1002")
    assert member is not None and member.name == "李建国"
    latest = hub.book.latest()
    assert (latest.number, latest.source, latest.author) == (rolled, "rollback", "zhang.san")
    page = manager.get(answer.headers["location"]).text
    assert f"已回滚：第 {rolled} 版" in page and "回滚" in text_of(page, f"version-{rolled}")
    audit = (
        hub.store.reader()
        .execute("SELECT actor FROM audit_log WHERE action = 'config.rollback'")
        .fetchall()
    )
    assert [r[0] for r in audit] == ["zhang.san"]


def test_only_a_manager_sees_the_versions(hub: Hub) -> None:
    supervisor = signed_in(hub, "li.si")
    assert supervisor.get("/manage/history").status_code == 403
    assert supervisor.get("/manage/history/1").status_code == 403
    anonymous = TestClient(hub.app)
    assert anonymous.get("/manage/history", follow_redirects=False).status_code == 303
