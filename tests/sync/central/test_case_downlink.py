"""Cases moved at central reach the hub (downlink), the hall's moves reach central (uplink), and
both end at the same status when they move one case at once (on SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient

from appkit.net import free_port
from config import HallCalendar
from hub.server import Hub, open_hub
from sync.central.app import create_central_app
from sync.central.cases import find_case, set_case_status
from sync.central.errors import CentralError
from sync.central.server import uvicorn_config
from sync.central.store import CentralStore
from sync.clock import FixedClock
from sync.credential import Credential
from sync.downlink import Downlink
from sync.http import CentralClient
from tests.conftest import queue_hall
from tests.timing import PATIENCE

ARCHIVE = {"window": 7, "item_id": "jjb-170", "materials_received": ["查阅事由说明"]}
REASON, FORM = "查阅事由说明", "申请表（窗口领取或现场填写）"


@contextmanager
def serving(central: CentralStore) -> Iterator[str]:
    """``central`` served on a free loopback port; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn_config(create_central_app(central), f"127.0.0.1:{port}"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + PATIENCE
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("central did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(PATIENCE)


@pytest.fixture
def linked(
    central: CentralStore, tmp_path: Path, clock: FixedClock
) -> Iterator[tuple[Hub, Callable[[], Downlink]]]:
    """A hub enrolled with ``central`` (served) with its uplink, and a maker of its downlink
    (run by hand; a second one is the downlink of the hub restarted)."""
    with serving(central) as base_url:
        _, code = central.add_hall("测试镇便民服务中心")
        granted = central.enroll(code, "127.0.0.1", hub_name="hub-test")
        credential = Credential(
            central_url=base_url,
            hall=granted.hall,
            hall_name=granted.hall_name,
            key_id=granted.key_id,
            secret_b64=granted.secret_b64,
        )
        credential.save(tmp_path / "hub")
        hub = open_hub(tmp_path / "hub", clock=clock, always_open=True, config=queue_hall())

        def make() -> Downlink:
            return Downlink(
                CentralClient(credential),
                hub.store,
                hub.config.sync,
                HallCalendar(hub.config),
                apply_catalog=lambda _answer: None,
                apply_appointments=lambda _day, _answer: None,
                apply_case_change=hub.engine.apply_central_change,
                now=clock.now,
            )

        try:
            yield hub, make
        finally:
            hub.store.close()


def sent(hub: Hub) -> None:
    assert hub.uplink is not None
    assert hub.uplink.drain(give_up_after=PATIENCE).backlog == 0


def central_moves(hub: Hub) -> list[tuple[str, str, int]]:
    return [
        (e.payload["status"], e.payload["source"], e.payload["central_change"])
        for e in hub.engine.events_after(0)
        if e.type == "case.status"
    ]


def test_central_moves_a_case_down_to_the_hub_once_and_the_hall_moves_it_up(
    central: CentralStore, linked: tuple[Hub, Callable[[], Downlink]]
) -> None:
    hub, make_downlink = linked
    downlink = make_downlink()
    api = TestClient(hub.app, raise_server_exceptions=False)
    _, secret = hub.registry.add("counter", "counter-7", 7)
    counter = {"Authorization": f"Bearer {secret}"}
    receipt = api.post("/api/v1/cases", json=ARCHIVE, headers=counter).json()["receipt"]
    sent(hub)
    hall = find_case(central, hub_hall(central), receipt).hall

    set_case_status(central, receipt, "processing")
    set_case_status(central, receipt, "correction", missing=[FORM])
    with pytest.raises(CentralError) as bad:
        set_case_status(central, receipt, "delivered")
    assert (bad.value.status, bad.value.code) == (409, "bad_case_move")
    assert downlink.poll_case_changes() == 2
    assert downlink.poll_case_changes() == 0  # nothing new: nothing applied twice
    assert downlink.status().case_change == 2
    restarted = make_downlink()  # as after a restart: from the saved mark
    assert (restarted.status().case_change, restarted.poll_case_changes()) == (2, 0)
    on_hub = hub.engine.case(receipt)
    assert (on_hub.status, on_hub.missing) == ("correction", [FORM])
    assert central_moves(hub) == [("processing", "central", 1), ("correction", "central", 2)]
    again = hub.engine.apply_central_change({"change_id": 2, "receipt": receipt, "status": "x"})
    assert again == "unknown"
    assert (
        hub.engine.apply_central_change(
            {"change_id": 1, "receipt": receipt, "status": "processing"}
        )
        == "already"
    )

    # The hall moves it on after seeing central's changes: central takes the move.
    moved = api.post(
        f"/api/v1/cases/{receipt}/status", json={"status": "processing", "window": 7},
        headers=counter,
    )  # fmt: skip
    assert moved.status_code == 200, moved.text
    sent(hub)
    assert find_case(central, hall, receipt).status == "processing"

    # Both move it at once: central's later change wins on both sides.
    set_case_status(central, receipt, "ready", pickup_window=3)
    corrected = api.post(
        f"/api/v1/cases/{receipt}/status",
        json={"status": "correction", "window": 7, "missing": [REASON]},
        headers=counter,
    )
    assert corrected.status_code == 200, corrected.text
    sent(hub)
    assert find_case(central, hall, receipt).status == "ready"  # the hall had not seen it yet
    assert downlink.poll_case_changes() == 1
    assert (hub.engine.case(receipt).status, hub.engine.case(receipt).pickup_window) == (
        "ready",
        3,
    )
    sent(hub)
    assert find_case(central, hall, receipt).status == "ready"

    delivered = api.post(
        f"/api/v1/cases/{receipt}/deliver", json={"window": 7, "confirmed": True}, headers=counter
    )
    assert delivered.status_code == 200, delivered.text
    sent(hub)
    assert find_case(central, hall, receipt).status == "delivered"
    assert [m[:2] for m in central_moves(hub)] == [
        ("processing", "central"),
        ("correction", "central"),
        ("processing", "hall"),
        ("correction", "hall"),
        ("ready", "central"),
        ("delivered", "hall"),
    ]


def hub_hall(central: CentralStore) -> str:
    halls: list[Any] = central.halls()
    return str(halls[0].id)
