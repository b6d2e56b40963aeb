"""The console's 窗口与业务 page (/manage/hall) against a real hub on a fixed clock: a window's
categories changed in the console and the next call-next there follows at once; category limits
and the hall's texts saved live; invalid edits refused with the field named, nothing changed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hub.accounts import CLI_ACTOR
from hub.server import Hub, open_hub
from sync.clock import FixedClock
from sync.wire import CatalogAnswer, catalog_checksum
from tests.conftest import queue_hall

PASSWORD = "correct horse 1"


def console_hub(folder: Path, clock: FixedClock) -> Hub:
    """A hub enforcing service hours (the sample hall) on ``clock``, with a manager (zhang.san)
    and a supervisor (li.si)."""
    opened = open_hub(folder, clock=clock, config=queue_hall())
    opened.accounts.add(CLI_ACTOR, "zhang.san", "manager", PASSWORD)
    opened.accounts.add(CLI_ACTOR, "li.si", "supervisor", PASSWORD)
    return opened


@pytest.fixture
def hub(tmp_path: Path, clock: FixedClock) -> Iterator[Hub]:
    """:func:`console_hub` at Wednesday 2025-03-12 09:30."""
    opened = console_hub(tmp_path / "hub", clock)
    yield opened
    opened.store.close()


def signed_in(hub: Hub, user: str = "zhang.san") -> TestClient:
    browser = TestClient(hub.app, raise_server_exceptions=False)
    page = browser.get("/manage/login").text
    answer = browser.post(
        "/manage/login",
        data={"user": user, "password": PASSWORD, "csrf": csrf(page)},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    return browser


def csrf(page: str) -> str:
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token is not None
    return token.group(1)


def submit(browser: TestClient, page_url: str, action: str, fields: dict[str, Any]) -> Any:
    """Post a form of the page at ``page_url`` with its CSRF token (no redirect followed)."""
    token = csrf(browser.get(page_url).text)
    return browser.post(action, data={**fields, "csrf": token}, follow_redirects=False)


def windows_form(hub: Hub, **categories: list[str]) -> dict[str, str]:
    """The windows form as the page fills it, with ``w1=[...]`` replacing window 1's ticks."""
    fields: dict[str, str] = {}
    for window in hub.book.current().windows:
        key = f"w{window.number}"
        fields[f"{key}.name"] = window.name
        fields[f"{key}.unit"] = window.unit
        for code in categories.get(key, window.categories):
            fields[f"{key}.cat.{code}"] = "on"
    return fields


def device(hub: Hub, role: str, window: int | None = None) -> dict[str, str]:
    admin = {"Authorization": f"Bearer {hub.admin_token_path.read_text().strip()}"}
    body: dict[str, Any] = {"role": role, "name": f"{role}-{window or 'x'}"}
    if window is not None:
        body["window"] = window
    answer = TestClient(hub.app).post("/api/v1/devices", json=body, headers=admin)
    assert answer.status_code == 201, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def text_of(html: str, element_id: str) -> str:
    found = re.search(rf'<p[^>]* id="{element_id}"[^>]*>(.*?)</p>', html, re.S)
    assert found is not None, f"no {element_id}"
    return found.group(1).strip()


def test_a_windows_categories_changed_in_the_console_steer_its_next_call(hub: Hub) -> None:
    api = TestClient(hub.app)
    kiosk, counter = device(hub, "kiosk"), device(hub, "counter", 1)
    for code in ("A", "B"):
        assert (
            api.post("/api/v1/tickets", json={"category": code}, headers=kiosk).status_code == 201
        )
    browser = signed_in(hub)

    answer = submit(browser, "/manage/hall", "/manage/hall/windows", windows_form(hub, w1=["B"]))

    assert answer.status_code == 303
    page = browser.get(answer.headers["location"]).text
    version = hub.book.history(1)[0]
    assert text_of(page, "saved-windows") == f"已保存并生效（第 {version.number} 版）"
    assert version.sections == ("windows",) and version.author == "zhang.san"
    called = api.post("/api/v1/windows/1/call-next", headers=counter)
    assert called.status_code == 200 and called.json()["ticket"]["number"] == "B001"
    assert 'id="w1-cat-A">' in page and 'id="w1-cat-B" checked>' in page


def test_a_window_without_category_is_refused_beside_it_and_nothing_changes(hub: Hub) -> None:
    browser = signed_in(hub)
    before = hub.book.history()
    fields = {**windows_form(hub, w3=[]), "w3.name": "企业服务专窗"}

    answer = submit(browser, "/manage/hall", "/manage/hall/windows", fields)

    assert answer.status_code == 422
    assert "没有保存" in text_of(answer.text, "refused-windows")
    assert text_of(answer.text, "err-w3-categories") == "每个窗口至少要办理一类业务，请至少勾选一项"
    assert 'value="企业服务专窗"' in answer.text  # what was typed is kept
    assert 'id="w3-cat-A">' in answer.text  # …and the ticks as submitted (none)
    assert (
        'id="cA-name" aria-label="A 名称" value="户籍业务"' in answer.text
    )  # other forms as saved
    assert hub.book.history() == before
    assert hub.book.in_force().windows[2].categories == ["A", "D", "E"]
    assert hub.book.in_force().windows[2].name == "综合窗口"


def test_category_limits_and_the_halls_texts_are_saved_live(hub: Hub) -> None:
    browser = signed_in(hub)
    fields = {"cA.name": "户籍业务", "cA.daily_cap": "2", "cA.last_ticket_time": "16:00"}
    assert submit(browser, "/manage/hall", "/manage/hall/categories", fields).status_code == 303
    texts = {"notice": "本周六上午照常办公", "phone": "0519-88001234", "supervision_phone": "12345"}
    saved = submit(browser, "/manage/hall", "/manage/hall/hall", texts)
    assert saved.status_code == 303

    category = hub.engine.config.category("A")
    assert category is not None and (category.daily_cap, category.last_ticket_time) == (2, "16:00")
    assert hub.engine.config.hall.notice == "本周六上午照常办公"
    assert hub.engine.config.hall.phone == "0519-88001234"
    kiosk = device(hub, "kiosk")
    api = TestClient(hub.app)
    for _ in range(2):
        assert api.post("/api/v1/tickets", json={"category": "A"}, headers=kiosk).status_code == 201
    third = api.post("/api/v1/tickets", json={"category": "A"}, headers=kiosk)
    assert third.status_code == 409
    page = browser.get(saved.headers["location"]).text
    assert "本周六上午照常办公" in page and "已保存并生效" in text_of(page, "saved-hall")


@pytest.mark.parametrize(
    ("action", "fields", "error_id"),
    [
        ("/manage/hall/categories", {"cB.daily_cap": "很多"}, "err-cB-daily_cap"),
        (
            "/manage/hall/categories",
            {"cB.daily_cap": "", "cB.last_ticket_time": "25:00"},
            "err-cB-last_ticket_time",
        ),
        ("/manage/hall/hall", {"phone": "call me"}, "err-phone"),
    ],
)
def test_bad_values_are_refused_with_the_field_named(
    hub: Hub, action: str, fields: dict[str, str], error_id: str
) -> None:
    browser = signed_in(hub)
    before = hub.book.history()

    answer = submit(browser, "/manage/hall", action, fields)

    assert answer.status_code == 422
    assert text_of(answer.text, error_id)
    assert hub.book.history() == before


def test_only_the_manager_may_open_the_page(hub: Hub) -> None:
    assert signed_in(hub, "li.si").get("/manage/hall").status_code == 403
    anonymous = TestClient(hub.app).get("/manage/hall", follow_redirects=False)
    assert anonymous.status_code == 303


def test_with_centrals_catalog_names_are_read_only_and_caps_stay_the_halls(hub: Hub) -> None:
    catalog = {
        "categories": [
            {**c.model_dump(mode="json"), "name": f"{c.name}（中心）"}
            for c in hub.book.current().categories
        ],
        "items": [i.model_dump(mode="json") for i in hub.book.current().items],
    }
    hub.catalog.apply(CatalogAnswer(version=3, checksum=catalog_checksum(catalog), catalog=catalog))
    browser = signed_in(hub)

    page = browser.get("/manage/hall").text
    assert 'id="central-note"' in page and "由中心统一维护" in page
    assert 'id="cA-name-text">户籍业务（中心）<' in page and 'name="cA.name"' not in page
    fields = {"cA.name": "改名", "cA.daily_cap": "5", "cA.last_ticket_time": "16:30"}
    assert submit(browser, "/manage/hall", "/manage/hall/categories", fields).status_code == 303

    category = hub.engine.config.category("A")
    assert category is not None and (category.name, category.daily_cap) == ("户籍业务（中心）", 5)
    assert hub.book.current().categories[0].name == "户籍业务"
