"""The citizen's phone page through the hub's API: its address, what it shows, who can reach it,
when it expires, and the one online rating."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hub.phone.links import make_code
from hub.server import Hub, open_hub
from sync.clock import FixedClock
from sync.phone_page import CaseView, TicketView
from tests.conftest import queue_hall
from tests.hub.test_api import bearer, device

HALL = "http://hall.example:8700"


@pytest.fixture
def hub(tmp_path: Path, clock: FixedClock, hall_with: Any) -> Iterator[Hub]:
    config = hall_with(phone={"base_url": HALL})
    opened = open_hub(tmp_path / "hub", clock=clock, config=config)
    yield opened
    opened.store.close()


@pytest.fixture
def api(hub: Hub) -> TestClient:
    return TestClient(hub.app, raise_server_exceptions=False)


@pytest.fixture
def admin(hub: Hub) -> dict[str, str]:
    return bearer(hub.admin_token_path.read_text().strip())


@pytest.fixture
def kiosk(api: TestClient, admin: dict[str, str]) -> dict[str, str]:
    return device(api, admin, "kiosk")


@pytest.fixture
def counter(api: TestClient, admin: dict[str, str]) -> dict[str, str]:
    return device(api, admin, "counter", 1)


def take(api: TestClient, kiosk: dict[str, str], category: str = "A") -> dict[str, Any]:
    answer = api.post("/api/v1/tickets", json={"category": category}, headers=kiosk)
    assert answer.status_code == 201, answer.text
    return answer.json()


def path_of(url: str) -> str:
    assert url.startswith(HALL + "/m/")
    return url[len(HALL) :]


def test_a_ticket_answer_carries_its_page_address_and_the_page_shows_the_ticket(
    api: TestClient, kiosk: dict[str, str]
) -> None:
    first = take(api, kiosk)
    second = take(api, kiosk)
    assert first["phone_url"] != second["phone_url"]
    page = api.get(path_of(second["phone_url"]))
    assert page.status_code == 200
    assert second["number"] in page.text
    assert "前面还有" in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "no-store" in page.headers["cache-control"]
    state = api.get(path_of(second["phone_url"]) + "/state").json()
    assert state["number"] == second["number"]
    assert state["ahead"] == 1
    assert state["status"] == "waiting"
    TicketView.model_validate(state)  # what central takes from a hub (sync.phone_page)
    # no other ticket's number, and nothing personal
    assert first["number"] not in page.text
    assert not {"id_masked", "name_masked", "phone", "id"} & set(state)


def test_a_retried_issue_answers_the_same_address(api: TestClient, kiosk: dict[str, str]) -> None:
    headers = {**kiosk, "Idempotency-Key": "k-1"}
    one = api.post("/api/v1/tickets", json={"category": "A"}, headers=headers).json()
    two = api.post("/api/v1/tickets", json={"category": "A"}, headers=headers).json()
    assert one["id"] == two["id"]
    assert one["phone_url"] == two["phone_url"]


def test_guessed_and_malformed_codes_get_404(
    api: TestClient, kiosk: dict[str, str], hub: Hub
) -> None:
    ticket = take(api, kiosk)
    wrong_secret = make_code(b"another-hall-secret-0123456789abcdef", "ticket", ticket["id"])
    for code in (wrong_secret, "a" * 26, "..%2f..", "A" * 26, ticket["id"]):
        assert api.get(f"/m/{code}").status_code == 404, code
        assert api.get(f"/m/{code}/state").status_code == 404, code
        assert api.post(f"/m/{code}/rating", json={"level": 1}).status_code == 404, code


def test_yesterdays_code_gets_404(
    api: TestClient, kiosk: dict[str, str], clock: FixedClock
) -> None:
    path = path_of(take(api, kiosk)["phone_url"])
    assert api.get(path).status_code == 200
    clock.advance(24 * 3600)
    take(api, kiosk)  # the hub opens the new day
    answer = api.get(path)
    assert answer.status_code == 404
    assert "已过期" in answer.text


def test_the_page_follows_the_call_and_rates_once_after_the_keypad_stopped_asking(
    api: TestClient,
    kiosk: dict[str, str],
    counter: dict[str, str],
    clock: FixedClock,
    hub: Hub,
) -> None:
    ticket = take(api, kiosk)
    path = path_of(ticket["phone_url"])
    called = api.post("/api/v1/windows/1/call-next", headers=counter)
    assert called.status_code == 200, called.text
    state = api.get(path + "/state").json()
    assert (state["status"], state["window"]) == ("called", 1)
    assert "请到" in api.get(path).text
    assert api.post("/api/v1/windows/1/finish", headers=counter).status_code == 200
    state = api.get(path + "/state").json()
    assert state["rating"]["state"] == "keypad"  # the window's keypad asks first
    early = api.post(path + "/rating", json={"level": 1})
    assert (early.status_code, early.json()["error"]) == (409, "rating_not_open")
    clock.advance(hub.config.rating.keypad_timeout_seconds + 10)
    assert api.get(path + "/state").json()["rating"]["state"] == "open"
    bad = api.post(path + "/rating", json={"level": 5})
    assert (bad.status_code, bad.json()["error"]) == (422, "reason_required")
    reason = hub.config.rating.bad_reasons[0]
    done = api.post(path + "/rating", json={"level": 5, "reason": reason})
    assert done.status_code == 200, done.text
    assert done.json()["rating"] == {"state": "done", "level": 5, "text": "非常不满意"}
    again = api.post(path + "/rating", json={"level": 1})
    assert (again.status_code, again.json()["error"]) == (409, "already_rated")
    row = hub.store.reader().execute("SELECT channel, level FROM ratings").fetchall()
    assert [tuple(r) for r in row] == [(2, 5)]
    followups = hub.store.reader().execute("SELECT COUNT(*) FROM followups").fetchone()[0]
    assert followups == 1  # a 差评 from the phone opens its follow-up like a keypad one


def test_a_keypad_rating_closes_the_online_one(
    api: TestClient, kiosk: dict[str, str], counter: dict[str, str]
) -> None:
    path = path_of(take(api, kiosk)["phone_url"])
    api.post("/api/v1/windows/1/call-next", headers=counter)
    api.post("/api/v1/windows/1/finish", headers=counter)
    rated = api.post("/api/v1/windows/1/rating", json={"level": 2}, headers=counter)
    assert rated.status_code == 201, rated.text
    assert api.get(path + "/state").json()["rating"]["state"] == "done"


def test_the_case_answer_carries_its_progress_page(
    api: TestClient, counter: dict[str, str], hub: Hub
) -> None:
    item = next(i for i in hub.config.items if len(i.materials) > 1)
    answer = api.post(
        "/api/v1/cases",
        json={"window": 1, "item_id": item.id, "materials_received": [item.materials[0]]},
        headers=counter,
    )
    assert answer.status_code == 201, answer.text
    case = answer.json()
    page = api.get(path_of(case["phone_url"]))
    assert page.status_code == 200
    assert case["receipt"] in page.text and "已受理" in page.text
    CaseView.model_validate(api.get(path_of(case["phone_url"]) + "/state").json())
    assert api.get(path_of(case["phone_url"]) + "/events").status_code == 404
    moved = api.post(
        f"/api/v1/cases/{case['receipt']}/status",
        json={"status": "correction", "window": 1, "missing": [item.materials[-1]]},
        headers=counter,
    )
    assert moved.status_code == 200, moved.text
    page = api.get(path_of(case["phone_url"]))
    assert "需补正" in page.text and "请一次性补齐以下材料" in page.text
    assert item.materials[-1] in page.text


def test_phone_pages_off_means_no_address(
    tmp_path: Path, clock: FixedClock, hall_with: Any
) -> None:
    hub = open_hub(tmp_path / "off", clock=clock, config=hall_with(phone={"enabled": False}))
    try:
        api = TestClient(hub.app, raise_server_exceptions=False)
        kiosk = device(api, bearer(hub.admin_token_path.read_text().strip()), "kiosk")
        assert take(api, kiosk)["phone_url"] is None
    finally:
        hub.store.close()


def test_without_a_base_url_the_address_is_the_one_the_kiosk_used(
    tmp_path: Path, clock: FixedClock
) -> None:
    hub = open_hub(tmp_path / "plain", clock=clock, config=queue_hall())
    try:
        api = TestClient(hub.app, base_url="http://10.1.2.3:8700")
        kiosk = device(api, bearer(hub.admin_token_path.read_text().strip()), "kiosk")
        assert take(api, kiosk)["phone_url"].startswith("http://10.1.2.3:8700/m/")
    finally:
        hub.store.close()


def test_the_page_script_is_es5_and_everything_comes_from_the_hub(
    api: TestClient, kiosk: dict[str, str]
) -> None:
    script = api.get("/web/phone/phone.js")
    assert script.status_code == 200
    code = re.sub(r"/\*.*?\*/|//[^\n]*", "", script.text, flags=re.S)
    for modern in ("=>", "const ", "let ", "fetch(", "class ", "`", "Promise", "async "):
        assert modern not in code, modern
    assert api.get("/web/phone/phone.css").status_code == 200
    assert api.get("/web/phone/other.js").status_code == 404
    page = api.get(path_of(take(api, kiosk)["phone_url"]))
    assert "http://" not in page.text and "https://" not in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_a_tickets_page_lives_until_the_halls_day_boundary_not_the_machines_midnight(
    tmp_path: Path, hall_with: Any
) -> None:
    # 16:30 UTC is 00:30 in the hall (Asia/Shanghai): still the service day that began at 03:00
    clock = FixedClock(datetime(2026, 12, 7, 16, 30, tzinfo=UTC))
    hub = open_hub(tmp_path / "night", clock=clock, always_open=True, config=hall_with())
    try:
        api = TestClient(hub.app, raise_server_exceptions=False)
        kiosk = device(api, bearer(hub.admin_token_path.read_text().strip()), "kiosk")
        ticket = take(api, kiosk)
        assert ticket["service_day"] == "2026-12-07"
        path = ticket["phone_url"].split("testserver", 1)[1]
        clock.advance(2 * 3600)  # 18:30 UTC, 02:30 in the hall: the same service day
        assert api.get(path).status_code == 200
        clock.advance(3600)  # 19:30 UTC, 03:30 in the hall: the next service day began
        assert api.get(path).status_code == 404
    finally:
        hub.store.close()
