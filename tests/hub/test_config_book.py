"""The hall's effective configuration in the hub's store: edits applied live and atomically,
audited, announced, refused with the field named, kept across restarts, rolled back; the file
wins when a technician changes it; central's catalog keeps its names and the hall its limits."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from config import HallConfig
from config.pins import hash_pin
from hub.actors import Actor
from hub.config_book import ConfigRejected, read_effective
from hub.server import Hub, open_hub
from sync.clock import FixedClock
from tests.conftest import queue_hall

MANAGER = Actor("zhang", "manager", "session")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "hub"


@pytest.fixture
def hub(folder: Path, clock: FixedClock) -> Iterator[Hub]:
    opened = open_hub(folder, clock=clock, config=queue_hall(), always_open=True)
    yield opened
    opened.store.close()


def window_serves(codes: list[str], number: int = 1) -> Any:
    def change(data: dict[str, Any]) -> None:
        for window in data["windows"]:
            if window["number"] == number:
                window["categories"] = codes

    return change


def events(hub: Hub, kind: str) -> list[dict[str, Any]]:
    return [e.payload for e in hub.engine.events_after(0, 10_000) if e.type == kind]


def test_a_fresh_hub_stores_the_file_as_version_1(hub: Hub) -> None:
    history = hub.book.history()
    assert [(v.number, v.source, v.author) for v in history] == [(1, "file", "配置文件")]
    assert hub.book.current() == queue_hall()


def test_an_edit_is_applied_at_once_announced_and_audited(hub: Hub) -> None:
    only_b = hub.engine.config.window(1)
    assert only_b is not None and only_b.categories != ["B"]
    a = hub.engine.issue_ticket(category="A")
    b = hub.engine.issue_ticket(category="B")
    version = hub.book.edit(MANAGER, window_serves(["B"]), "1号窗口只办 B")
    assert version is not None and version.number == 2 and version.sections == ("windows",)
    assert hub.engine.config.window(1).categories == ["B"]  # type: ignore[union-attr]
    called = hub.engine.call_next(1)
    assert called is not None and called.number == b.number != a.number  # call-next follows
    applied = events(hub, "config.applied")
    assert applied == [{"version": 2, "sections": ["windows"], "author": "zhang"}]
    audit = hub.store.reader().execute(
        "SELECT actor, action, before, after FROM audit_log WHERE action = 'config.edit'"
    )
    actor, _, before, after = audit.fetchone()
    assert actor == "zhang"  # only what changed: window 1's categories
    assert json.loads(after) == {"windows": [{"number": 1, "categories": ["B"]}]}
    assert json.loads(before)["windows"][0]["number"] == 1
    assert set(json.loads(before)["windows"][0]) == {"number", "categories"}


def test_an_invalid_edit_names_the_field_in_chinese_and_changes_nothing(hub: Hub) -> None:
    before = hub.engine.config
    with pytest.raises(ConfigRejected) as refused:
        hub.book.edit(MANAGER, window_serves([]), "清空")
    first = refused.value.problems[0]
    assert (first.path, first.message) == ("windows[0].categories", "至少要有 1 项")
    with pytest.raises(ConfigRejected) as unknown:
        hub.book.edit(MANAGER, window_serves(["Z"]), "未知类别")
    assert any("没有业务类别 Z" in p.message for p in unknown.value.problems)
    assert hub.engine.config is before and len(hub.book.history()) == 1
    assert events(hub, "config.applied") == []


def test_an_edit_that_changes_nothing_makes_no_version(hub: Hub) -> None:
    assert hub.book.edit(MANAGER, lambda data: None, "无改动") is None
    assert len(hub.book.history()) == 1


def test_secrets_never_reach_the_audit_log(hub: Hub) -> None:
    def rename(data: dict[str, Any]) -> None:
        data["staff"][0]["name"] = "新名字"

    def new_pin(data: dict[str, Any]) -> None:
        data["staff"][1]["pin_hash"] = hash_pin("9999", iterations=1000, salt=b"test-salt-16byte")

    hub.book.edit(MANAGER, rename, "改名")
    hub.book.edit(MANAGER, new_pin, "重置密码")
    rows = hub.store.reader().execute("SELECT before, after FROM audit_log ORDER BY id").fetchall()
    assert "新名字" in rows[0][1]
    assert "（已隐藏）" in rows[1][1]
    assert not any("pbkdf2" in before + after for before, after in rows)


def test_edits_survive_a_restart_and_a_changed_file_wins(folder: Path, clock: FixedClock) -> None:
    first = open_hub(folder, clock=clock, config=queue_hall(), always_open=True)
    first.book.edit(MANAGER, window_serves(["B"]), "1号窗口只办 B")
    first.store.close()
    again = open_hub(folder, clock=clock, config=queue_hall(), always_open=True)
    assert again.engine.config.window(1).categories == ["B"]  # type: ignore[union-attr]
    assert [v.number for v in again.book.history()] == [2, 1]
    config, latest = read_effective(again.store)
    assert latest.number == 2 and config.window(1).categories == ["B"]  # type: ignore[union-attr]
    again.store.close()
    data = queue_hall().model_dump(mode="json")
    data["hall"]["notice"] = "技术员改了配置文件"
    changed = HallConfig.model_validate(data)
    third = open_hub(folder, clock=clock, config=changed, always_open=True)
    latest_version = third.book.history()[0]
    assert (latest_version.number, latest_version.source) == (3, "file")
    assert third.engine.config.hall.notice == "技术员改了配置文件"
    assert third.engine.config.window(1).categories != ["B"]  # type: ignore[union-attr]
    third.store.close()


def test_rollback_makes_a_new_version_with_the_old_content(hub: Hub) -> None:
    hub.book.edit(MANAGER, window_serves(["B"]), "1号窗口只办 B")
    back = hub.book.rollback(MANAGER, 1)
    assert (back.number, back.source, back.note) == (3, "rollback", "回滚到第 1 版")
    assert hub.engine.config == queue_hall()
    assert events(hub, "config.applied")[-1]["version"] == 3
    with pytest.raises(Exception, match="没有第 9 版"):
        hub.book.rollback(MANAGER, 9)


def test_a_new_window_added_in_the_console_can_call(hub: Hub) -> None:
    def add_window(data: dict[str, Any]) -> None:
        data["windows"].append({"number": 42, "name": "新窗口", "categories": ["A"]})

    hub.book.edit(MANAGER, add_window, "新增42号窗口")
    hub.engine.issue_ticket(category="A")
    assert hub.engine.call_next(42) is not None
    assert 42 in hub.registry.windows


def test_edits_made_at_once_by_several_people_all_count(hub: Hub) -> None:
    """Each edit applies to the version in force when it runs, so none undoes another."""
    numbers = [w.number for w in hub.engine.config.windows]

    def rename(number: int) -> None:
        def change(data: dict[str, Any]) -> None:
            for window in data["windows"]:
                if window["number"] == number:
                    window["name"] = f"{number}号专窗"

        hub.book.edit(MANAGER, change, f"{number}号窗口改名")

    threads = [threading.Thread(target=rename, args=(n,)) for n in numbers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [w.name for w in hub.engine.config.windows] == [f"{n}号专窗" for n in numbers]
    assert len(hub.book.history()) == 1 + len(numbers)
