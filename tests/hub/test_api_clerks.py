"""Clerk sign-in, sign-out and photos through the LAN API and the HubClient."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from config import HallConfig
from config.pins import hash_pin
from hub.client import HubClient, HubRefused
from hub.server import Hub, open_hub
from sync.clock import FixedClock
from tests.hub.hubapp import served

FAST_HASH = hash_pin("1234", iterations=1000, salt=b"test-salt-16byte")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "photos" / "3001.png"
    path.parent.mkdir()
    path.write_bytes(PNG)
    return path


@pytest.fixture
def hall(hall_with: Callable[..., HallConfig], photo: Path) -> HallConfig:
    return hall_with(
        staff=[
            {"number": "3001", "name": "王丽华", "pin_hash": FAST_HASH, "photo": str(photo)},
            {"number": "3002", "name": "李建国", "pin_hash": FAST_HASH, "windows": [2]},
            {"number": "3003", "name": "周文", "pin_hash": FAST_HASH, "photo": "missing.jpg"},
        ],
        service={"require_sign_in": True},
    )


@pytest.fixture
def hub(tmp_path: Path, clock: FixedClock, hall: HallConfig) -> Iterator[Hub]:
    opened = open_hub(tmp_path / "hub", clock=clock, config=hall, always_open=True)
    yield opened
    opened.store.close()


@pytest.fixture
def api(hub: Hub) -> TestClient:
    return TestClient(hub.app, raise_server_exceptions=False)


def token(api: TestClient, hub: Hub, role: str, window: int | None = None) -> dict[str, str]:
    admin = {"Authorization": f"Bearer {hub.admin_token_path.read_text().strip()}"}
    body: dict[str, Any] = {"role": role, "name": f"{role}-{window}", "window": window}
    answer = api.post("/api/v1/devices", json=body, headers=admin)
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def sign_in(api: TestClient, headers: dict[str, str], window: int, pin: str = "1234") -> Any:
    body = {"staff_no": "3001", "pin": pin}
    return api.post(f"/api/v1/windows/{window}/sign-in", json=body, headers=headers)


def test_a_counter_signs_its_clerk_in_and_every_window_state_shows_them(
    api: TestClient, hub: Hub
) -> None:
    counter = token(api, hub, "counter", 1)
    answer = sign_in(api, counter, 1)
    assert answer.status_code == 200, answer.text
    clerk = {"number": "3001", "name": "王丽华", "title": "窗口工作人员"}
    shown = answer.json()["clerk"]
    assert shown == {**clerk, "photo": shown["photo"]}
    assert shown["photo"].startswith("/api/v1/staff/3001/photo?v=")  # a new photo, a new address
    assert api.get("/api/v1/windows/1", headers=counter).json()["clerk"]["number"] == "3001"
    listed = api.get("/api/v1/windows", headers=counter).json()["windows"]
    assert [w["clerk"] is not None for w in listed][:2] == [True, False]
    assert "unit" in listed[0]


def test_a_counter_may_not_sign_in_at_another_window(api: TestClient, hub: Hub) -> None:
    answer = sign_in(api, token(api, hub, "counter", 2), 1)
    assert (answer.status_code, answer.json()["error"]) == (403, "wrong_window")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"staff_no": "9999", "pin": "1234"}, 404, "unknown_staff"),
        ({"staff_no": "3001", "pin": "0000"}, 403, "pin_wrong"),
        ({"staff_no": "3002", "pin": "1234"}, 403, "staff_not_allowed"),
        ({"staff_no": "3001"}, 422, "bad_request"),
    ],
)
def test_sign_in_refusals_answer_their_codes(
    api: TestClient, hub: Hub, body: dict[str, str], status: int, code: str
) -> None:
    answer = api.post("/api/v1/windows/1/sign-in", json=body, headers=token(api, hub, "counter", 1))
    assert (answer.status_code, answer.json()["error"]) == (status, code)
    assert answer.json()["message"]


def test_the_fifth_wrong_pin_answers_423(api: TestClient, hub: Hub) -> None:
    counter = token(api, hub, "counter", 1)
    codes = [sign_in(api, counter, 1, "0000").status_code for _ in range(5)]
    assert codes == [403, 403, 403, 403, 423]
    locked = sign_in(api, counter, 1)
    assert (locked.status_code, locked.json()["error"]) == (423, "staff_locked")


def test_calls_need_a_signed_in_clerk_and_sign_out_waits_for_the_citizen(
    api: TestClient, hub: Hub
) -> None:
    counter = token(api, hub, "counter", 1)
    api.post("/api/v1/tickets", json={"category": "A"}, headers=token(api, hub, "kiosk"))
    refused = api.post("/api/v1/windows/1/call-next", headers=counter)
    assert (refused.status_code, refused.json()["error"]) == (409, "not_signed_in")
    sign_in(api, counter, 1)
    assert api.post("/api/v1/windows/1/call-next", headers=counter).status_code == 200
    serving = api.post("/api/v1/windows/1/sign-out", headers=counter)
    assert (serving.status_code, serving.json()["error"]) == (409, "still_serving")
    api.post("/api/v1/windows/1/finish", headers=counter)
    out = api.post("/api/v1/windows/1/sign-out", headers=counter)
    assert (out.status_code, out.json()["clerk"]) == (200, None)


def test_a_staff_photo_is_served_to_any_device_with_a_cache_lifetime(
    api: TestClient, hub: Hub
) -> None:
    answer = api.get("/api/v1/staff/3001/photo", headers=token(api, hub, "board", 1))
    assert answer.status_code == 200
    assert answer.content == PNG
    assert answer.headers["content-type"] == "image/png"
    assert answer.headers["cache-control"] == "max-age=300"


@pytest.mark.parametrize("number", ["3002", "3003", "9999"])
def test_no_photo_answers_404_no_photo(api: TestClient, hub: Hub, number: str) -> None:
    answer = api.get(f"/api/v1/staff/{number}/photo", headers=token(api, hub, "display"))
    assert (answer.status_code, answer.json()["error"]) == (404, "no_photo")


def test_the_hub_client_signs_in_and_out_and_fetches_photos(
    tmp_path: Path, hall: HallConfig
) -> None:
    with served(tmp_path / "hub", config=hall) as (hub, url):
        _, secret = hub.registry.add("counter", "counter-1", 1)
        client = HubClient(url, secret)
        assert client.sign_in(1, "3001", "1234").clerk.name == "王丽华"
        assert client.staff_photo("3001") == PNG
        with pytest.raises(HubRefused) as wrong:
            client.sign_in(1, "3001", "9876")
        assert (wrong.value.status, wrong.value.code) == (403, "pin_wrong")
        with pytest.raises(HubRefused) as missing:
            client.staff_photo("3002")
        assert missing.value.code == "no_photo"
        assert client.sign_out(1).clerk is None
