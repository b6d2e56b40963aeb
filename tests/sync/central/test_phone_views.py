"""A hall's phone pages through central (phone.public_base_url): the hub sends the views that
changed, central serves the same page from them until they expire, and nothing else reaches them
(on SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hub.server import Hub, open_hub
from sync.central.app import create_central_app
from sync.central.phone import PhoneViewsIn, code_hash, store_views
from sync.central.store import CentralStore
from sync.clock import FixedClock
from sync.credential import Credential
from tests.sync.central.centralapp import FakeNow
from tests.sync.central.test_case_downlink import serving

PUBLIC = "https://zwfw.example.gov.cn"


@pytest.fixture
def hall(
    central: CentralStore, tmp_path: Path, clock: FixedClock, now: FakeNow, hall_with: Any
) -> Iterator[tuple[Hub, TestClient, TestClient]]:
    """A hub enrolled with ``central`` (served), its API, central's API; central's clock is the
    hub's."""
    now.t = clock.now().timestamp()
    with serving(central) as base_url:
        _, code = central.add_hall("测试镇便民服务中心")
        granted = central.enroll(code, "127.0.0.1", hub_name="hub-test")
        Credential(
            central_url=base_url,
            hall=granted.hall,
            hall_name=granted.hall_name,
            key_id=granted.key_id,
            secret_b64=granted.secret_b64,
        ).save(tmp_path / "hub")
        config = hall_with(phone={"public_base_url": PUBLIC + "/"})
        hub = open_hub(tmp_path / "hub", clock=clock, always_open=True, config=config)
        try:
            yield hub, TestClient(hub.app), TestClient(create_central_app(central))
        finally:
            hub.store.close()


def path_of(url: str) -> str:
    assert url.startswith(PUBLIC + "/m/"), url
    return url[len(PUBLIC) :]


def test_the_page_through_central_follows_the_ticket_as_the_hub_sends_it(
    hall: tuple[Hub, TestClient, TestClient],
) -> None:
    hub, api, web = hall
    assert hub.phone_uplink is not None
    kiosk = {"Authorization": f"Bearer {hub.registry.add('kiosk', 'k')[1]}"}
    counter = {"Authorization": f"Bearer {hub.registry.add('counter', 'c1', 1)[1]}"}
    first = api.post("/api/v1/tickets", json={"category": "A"}, headers=kiosk).json()
    mine = api.post("/api/v1/tickets", json={"category": "A"}, headers=kiosk).json()
    path = path_of(mine["phone_url"])  # the printed QR: central's public address
    assert web.get(path).status_code == 404  # not sent yet

    assert hub.phone_uplink.step() == 2
    page = web.get(path)
    assert page.status_code == 200
    assert mine["number"] in page.text and first["number"] not in page.text
    assert "大厅数据更新于" in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    state = web.get(path + "/state").json()
    assert (state["status"], state["ahead"], state["rating"]) == ("waiting", 1, {"state": "none"})
    assert hub.phone_uplink.step() == 0  # nothing changed: nothing sent

    api.post("/api/v1/windows/1/call-next", headers=counter)
    api.post("/api/v1/windows/1/finish", headers=counter)
    api.post("/api/v1/windows/1/call-next", headers=counter)
    assert hub.phone_uplink.step() == 2
    state = web.get(path + "/state").json()
    assert (state["status"], state["window"]) == ("called", 1)
    assert web.get(path + "/events").status_code == 404  # central's page is not live
    assert web.get("/web/phone/phone.js").status_code == 200


def test_a_page_through_central_expires_with_the_halls_day(
    hall: tuple[Hub, TestClient, TestClient], clock: FixedClock, now: FakeNow
) -> None:
    hub, api, web = hall
    assert hub.phone_uplink is not None
    kiosk = {"Authorization": f"Bearer {hub.registry.add('kiosk', 'k')[1]}"}
    path = path_of(
        api.post("/api/v1/tickets", json={"category": "A"}, headers=kiosk).json()["phone_url"]
    )
    hub.phone_uplink.step()
    assert web.get(path).status_code == 200
    now.t += 24 * 3600
    assert web.get(path).status_code == 404
    assert web.get(path + "/state").status_code == 404


def test_codes_central_does_not_hold_get_404_and_a_hall_cannot_overwrite_anothers_page(
    central: CentralStore, hall: tuple[Hub, TestClient, TestClient], now: FakeNow
) -> None:
    hub, api, web = hall
    assert hub.phone_uplink is not None
    kiosk = {"Authorization": f"Bearer {hub.registry.add('kiosk', 'k')[1]}"}
    url = api.post("/api/v1/tickets", json={"category": "A"}, headers=kiosk).json()["phone_url"]
    hub.phone_uplink.step()
    code = url.rsplit("/", 1)[1]
    for other in ("a" * 26, code.upper(), code[:-1], "%2e%2e"):
        assert web.get(f"/m/{other}").status_code == 404, other

    other_hall, enroll_code = central.add_hall("另一个便民服务中心")
    central.enroll(enroll_code, "127.0.0.1")
    held = web.get(f"/m/{code}/state").json()
    forged = {
        "code_hash": code_hash(code),
        "view": {**held, "number": "Z999"},
        "made_at": "2099-01-01T00:00:00+08:00",
        "expires_at": int(now.t) + 3600,
    }
    del forged["view"]["updated"]
    store_views(
        central, other_hall.id, PhoneViewsIn.model_validate_json(json.dumps({"views": [forged]}))
    )
    assert "Z999" not in web.get(f"/m/{code}").text


def test_without_enrollment_the_qr_is_the_halls_own_page(
    tmp_path: Path, clock: FixedClock, hall_with: Any
) -> None:
    config = hall_with(phone={"public_base_url": PUBLIC, "base_url": "http://10.0.0.2:8700"})
    hub = open_hub(tmp_path / "alone", clock=clock, always_open=True, config=config)
    try:
        assert hub.phone_uplink is None
        kiosk = {"Authorization": f"Bearer {hub.registry.add('kiosk', 'k')[1]}"}
        answer = TestClient(hub.app).post("/api/v1/tickets", json={"category": "A"}, headers=kiosk)
        assert answer.json()["phone_url"].startswith("http://10.0.0.2:8700/m/")
    finally:
        hub.store.close()
