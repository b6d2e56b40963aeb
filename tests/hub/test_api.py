"""The LAN API contract: auth and roles, every endpoint's answer, JSON errors, no 500 on bad input."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devices.idnumber import check_digit
from hub.server import Hub, open_hub
from sync.clock import FixedClock
from tests.conftest import queue_hall


@pytest.fixture
def hub(tmp_path: Path, clock: FixedClock) -> Iterator[Hub]:
    opened = open_hub(tmp_path / "hub", clock=clock, config=queue_hall())
    yield opened
    opened.store.close()


@pytest.fixture
def api(hub: Hub) -> TestClient:
    return TestClient(hub.app, raise_server_exceptions=False)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def admin(hub: Hub) -> dict[str, str]:
    return bearer(hub.admin_token_path.read_text().strip())


def device(
    api: TestClient, admin: dict[str, str], role: str, window: int | None = None
) -> dict[str, str]:
    body: dict[str, Any] = {"role": role, "name": f"{role}-{window or 'x'}"}
    if window is not None:
        body["window"] = window
    answer = api.post("/api/v1/devices", json=body, headers=admin)
    assert answer.status_code == 201, answer.text
    return bearer(answer.json()["token"])


@pytest.fixture
def kiosk(api: TestClient, admin: dict[str, str]) -> dict[str, str]:
    return device(api, admin, "kiosk")


@pytest.fixture
def counter1(api: TestClient, admin: dict[str, str]) -> dict[str, str]:
    return device(api, admin, "counter", 1)


def valid_id(birth: str = "19800101") -> str:
    first17 = f"320402{birth}123"
    return first17 + check_digit(first17)


# -- auth ----------------------------------------------------------------------------------------


def test_health_needs_no_token(api: TestClient) -> None:
    answer = api.get("/api/v1/health")
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok"


def test_admin_token_file_is_private_and_reused_on_restart(
    tmp_path: Path, clock: FixedClock
) -> None:
    first = open_hub(tmp_path / "h", clock=clock, config=queue_hall())
    token = first.admin_token_path.read_text().strip()
    assert first.new_admin_token == token
    assert first.admin_token_path.stat().st_mode & 0o777 == 0o600
    first.store.close()
    second = open_hub(tmp_path / "h", clock=clock, config=queue_hall())
    assert second.new_admin_token is None
    assert second.admin_token_path.read_text().strip() == token
    second.store.close()


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic x"}]
)
def test_requests_without_a_valid_token_get_401_json(
    api: TestClient, headers: dict[str, str]
) -> None:
    answer = api.get("/api/v1/catalog", headers=headers)
    assert answer.status_code == 401
    assert answer.json()["error"] in ("no_token", "bad_token")
    assert answer.json()["message"]


def test_a_board_token_may_not_issue_tickets(api: TestClient, admin: dict[str, str]) -> None:
    board = device(api, admin, "board", 3)
    answer = api.post("/api/v1/tickets", json={"category": "A"}, headers=board)
    assert answer.status_code == 403
    assert answer.json()["error"] == "wrong_role"


def test_a_counter_token_acts_only_for_its_own_window(
    api: TestClient, counter1: dict[str, str]
) -> None:
    answer = api.post("/api/v1/windows/2/call-next", headers=counter1)
    assert answer.status_code == 403
    assert answer.json()["error"] == "wrong_window"


def test_only_admin_registers_devices(api: TestClient, kiosk: dict[str, str]) -> None:
    answer = api.post("/api/v1/devices", json={"role": "kiosk", "name": "k2"}, headers=kiosk)
    assert answer.status_code == 403


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"role": "counter", "name": "c"}, "window_required"),
        ({"role": "counter", "name": "c", "window": 99}, "unknown_window"),
        ({"role": "kiosk", "name": "k", "window": 1}, "window_not_allowed"),
    ],
)
def test_device_registration_checks_windows(
    api: TestClient, admin: dict[str, str], body: dict[str, Any], code: str
) -> None:
    answer = api.post("/api/v1/devices", json=body, headers=admin)
    assert answer.status_code == 422
    assert answer.json()["error"] == code


def test_device_registration_answers_the_contract(api: TestClient, admin: dict[str, str]) -> None:
    answer = api.post(
        "/api/v1/devices", json={"role": "counter", "name": "c1", "window": 1}, headers=admin
    )
    assert answer.status_code == 201
    assert set(answer.json()) >= {"id", "token", "role", "window"}
    assert api.get("/api/v1/whoami", headers=bearer(answer.json()["token"])).json()["window"] == 1


# -- catalog and tickets -------------------------------------------------------------------------


def test_catalog_lists_categories_items_and_windows(api: TestClient, kiosk: dict[str, str]) -> None:
    catalog = api.get("/api/v1/catalog", headers=kiosk).json()
    assert catalog["version"]
    assert {"code", "name"} <= set(catalog["categories"][0])
    assert {"id", "name", "department", "category"} <= set(catalog["items"][0])
    assert {"number", "categories"} <= set(catalog["windows"][0])
    assert len(catalog["items"]) == 180


def test_issuing_a_ticket_answers_the_contract(api: TestClient, kiosk: dict[str, str]) -> None:
    answer = api.post("/api/v1/tickets", json={"category": "A"}, headers=kiosk)
    assert answer.status_code == 201
    ticket = answer.json()
    assert {
        "id",
        "number",
        "category",
        "lane",
        "status",
        "waiting_ahead",
        "estimated_wait_minutes",
        "issued_at",
    } <= set(ticket)
    assert ticket["number"] == "A001"
    assert ticket["status"] == "waiting"
    fetched = api.get(f"/api/v1/tickets/{ticket['id']}", headers=kiosk).json()
    assert fetched["number"] == "A001"


def test_issuing_by_item_and_id_card_masks_the_number(
    api: TestClient, kiosk: dict[str, str]
) -> None:
    number = valid_id()
    answer = api.post(
        "/api/v1/tickets",
        json={"item_id": "jjb-156", "id_card": {"number": number, "name": "张小三"}},
        headers=kiosk,
    )
    assert answer.status_code == 201, answer.text
    ticket = answer.json()
    assert ticket["category"] == "B"
    assert ticket["id_masked"] == number[:6] + "********" + number[-4:]
    assert number not in answer.text
    assert ticket["name_masked"] == "张*三"


def test_a_second_open_ticket_for_the_same_person_is_explained(
    api: TestClient, kiosk: dict[str, str]
) -> None:
    body = {"category": "A", "id_card": valid_id()}
    assert api.post("/api/v1/tickets", json=body, headers=kiosk).status_code == 201
    again = api.post("/api/v1/tickets", json=body, headers=kiosk)
    assert again.status_code == 409
    assert again.json()["error"] == "already_queued"
    assert "A001" in again.json()["message"]
    # the facts for programs, so no client parses the sentence
    assert again.json()["details"] == {"number": "A001", "status": "waiting", "ahead": 0}


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 422, "category_required"),
        ({"category": "Z"}, 422, "unknown_category"),
        ({"item_id": "nope"}, 422, "unknown_item"),
        ({"category": "A", "id_card": "123"}, 422, "invalid_id_number"),
        ({"category": "A", "lane": "green"}, 422, "green_group_required"),
        ({"category": "A", "lane": "vip"}, 422, "bad_request"),
        ({"category": "A", "extra": 1}, 422, "bad_request"),
        ({"category": 5}, 422, "bad_request"),
        ({"category": "A", "appointment_code": "X1"}, 404, "unknown_appointment"),
    ],
)
def test_bad_ticket_requests_get_a_clear_error(
    api: TestClient, kiosk: dict[str, str], body: dict[str, Any], status: int, code: str
) -> None:
    answer = api.post("/api/v1/tickets", json=body, headers=kiosk)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"] == code
    assert answer.json()["message"]


def test_malformed_json_is_a_422_not_a_500(api: TestClient, kiosk: dict[str, str]) -> None:
    answer = api.post(
        "/api/v1/tickets",
        content=b"{not json",
        headers={**kiosk, "Content-Type": "application/json"},
    )
    assert answer.status_code == 422
    assert answer.json()["error"] == "bad_request"


def test_unknown_ticket_and_unknown_route_are_404_json(
    api: TestClient, kiosk: dict[str, str]
) -> None:
    assert api.get("/api/v1/tickets/nope", headers=kiosk).json()["error"] == "unknown_ticket"
    answer = api.get("/api/v1/nowhere", headers=kiosk)
    assert answer.status_code == 404
    assert answer.json()["error"] == "not_found"


def test_openapi_is_published(api: TestClient) -> None:
    spec = api.get("/api/v1/openapi.json").json()
    assert "/api/v1/tickets" in spec["paths"]
    assert "/api/v1/windows/{n}/call-next" in spec["paths"]


# -- window operations ---------------------------------------------------------------------------


def test_a_clerks_day_at_one_window(
    api: TestClient, kiosk: dict[str, str], counter1: dict[str, str]
) -> None:
    assert api.post("/api/v1/windows/1/call-next", headers=counter1).status_code == 204
    for _ in range(3):
        api.post("/api/v1/tickets", json={"category": "A"}, headers=kiosk)
    called = api.post("/api/v1/windows/1/call-next", headers=counter1)
    assert called.status_code == 200
    assert called.json()["ticket"]["number"] == "A001"
    busy = api.post("/api/v1/windows/1/call-next", headers=counter1)
    assert busy.status_code == 409
    assert busy.json()["error"] == "window_busy"
    recalled = api.post("/api/v1/windows/1/recall", headers=counter1).json()["ticket"]
    assert recalled["recall_count"] == 1
    skipped = api.post("/api/v1/windows/1/skip", headers=counter1).json()["ticket"]
    assert skipped["status"] == "missed"
    requeued = api.post("/api/v1/tickets/requeue", json={"number": "A001"}, headers=kiosk)
    assert requeued.status_code == 200
    assert requeued.json()["status"] == "waiting"
    assert (
        api.post("/api/v1/windows/1/call", json={"number": "A003"}, headers=counter1).json()[
            "ticket"
        ]["number"]
        == "A003"
    )
    moved = api.post(
        "/api/v1/windows/1/transfer", json={"window": 2, "reason": "需核验"}, headers=counter1
    )
    assert moved.json()["ticket"]["target_window"] == 2
    api.post("/api/v1/windows/1/call-next", headers=counter1)
    finished = api.post("/api/v1/windows/1/finish", headers=counter1).json()["ticket"]
    assert finished["status"] == "finished"
    bad = api.post("/api/v1/windows/1/rating", json={"level": 5}, headers=counter1)
    assert bad.status_code == 422
    assert bad.json()["error"] == "reason_required"
    rated = api.post(
        "/api/v1/windows/1/rating", json={"level": 5, "reason": "等候时间过长"}, headers=counter1
    )
    assert rated.status_code == 201
    assert rated.json()["followup_due"]
    twice = api.post("/api/v1/windows/1/rating", json={"level": 1}, headers=counter1)
    assert twice.status_code == 409
    paused = api.post(
        "/api/v1/windows/1/pause", json={"reason": "临时离岗"}, headers=counter1
    ).json()
    assert paused["status"] == "paused"
    assert (
        api.post("/api/v1/windows/1/call-next", headers=counter1).json()["error"] == "window_paused"
    )
    assert api.post("/api/v1/windows/1/resume", headers=counter1).json()["status"] == "idle"
    state = api.get("/api/v1/windows/1", headers=counter1).json()
    assert state["today"]["finished"] == 1


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/windows/1/rating", {"level": 9}),
        ("/api/v1/windows/1/rating", {"level": "good"}),
        ("/api/v1/windows/1/pause", {"reason": ""}),
        ("/api/v1/windows/1/pause", {}),
        ("/api/v1/windows/1/call", {"number": 7}),
        ("/api/v1/windows/1/transfer", {}),
        ("/api/v1/windows/1/transfer", {"category": "A", "window": 2}),
    ],
)
def test_bad_window_requests_are_422(
    api: TestClient, counter1: dict[str, str], path: str, body: dict[str, Any]
) -> None:
    answer = api.post(path, json=body, headers=counter1)
    assert answer.status_code == 422, answer.text
    assert answer.json()["message"]


def test_operations_on_an_unknown_window_are_404(api: TestClient, admin: dict[str, str]) -> None:
    answer = api.post("/api/v1/windows/42/call-next", headers=admin)
    assert answer.status_code == 404
    assert answer.json()["error"] == "unknown_window"


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=8,
)
body_fields = st.dictionaries(
    st.sampled_from(
        [
            "category",
            "item_id",
            "lane",
            "green_group",
            "id_card",
            "appointment_code",
            "number",
            "reason",
            "level",
            "window",
            "role",
            "name",
            "junk",
        ]
    ),
    json_values,
    max_size=4,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=st.sampled_from(
        [
            "/api/v1/tickets",
            "/api/v1/tickets/requeue",
            "/api/v1/devices",
            "/api/v1/appointments",
            "/api/v1/windows/1/call",
            "/api/v1/windows/1/pause",
            "/api/v1/windows/1/transfer",
            "/api/v1/windows/1/rating",
            "/api/v1/windows/1/call-next",
            "/api/v1/windows/1/finish",
        ]
    ),
    body=body_fields | json_values,
)
def test_no_body_ever_makes_the_hub_answer_500(
    api: TestClient, admin: dict[str, str], path: str, body: Any
) -> None:
    answer = api.post(path, json=body, headers=admin)
    assert answer.status_code < 500, answer.text
    if answer.status_code >= 400:
        assert set(answer.json()) >= {"error", "message"}
