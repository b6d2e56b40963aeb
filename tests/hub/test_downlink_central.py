"""End to end: the reference central (``sync.central``) publishes, the hub's downlink applies."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import requests
import uvicorn

from appkit.net import free_port
from config import HallCalendar, sample_hall
from hall.hubprocess import HubProcess
from hub.downlink import start_downlink
from hub.server import open_hub
from sync.central.app import create_central_app
from sync.central.downlink import add_appointment, cancel_appointment, publish_catalog
from sync.central.server import uvicorn_config
from sync.central.store import CentralStore
from sync.clock import FixedClock
from sync.credential import Credential
from sync.wire import WireAppointment
from tests.hub.test_catalog import versioned_catalog

TODAY = "2025-03-12"  # the shared clock stands at 09:30 that day


@contextmanager
def reference_central(data_dir: Path) -> Iterator[tuple[CentralStore, str]]:
    """The reference central on a free loopback port; yields (its store, its base URL)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    store = CentralStore(data_dir / "central.db")
    port = free_port()
    server = uvicorn.Server(uvicorn_config(create_central_app(store), f"127.0.0.1:{port}"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the reference central did not start")
        time.sleep(0.02)
    try:
        yield store, f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        store.close()


def enroll(store: CentralStore, base_url: str) -> Credential:
    _, code = store.add_hall("测试镇便民服务中心")
    granted = store.enroll(code, "127.0.0.1", hub_name="hub-test")
    return Credential(
        central_url=base_url,
        hall=granted.hall,
        hall_name=granted.hall_name,
        key_id=granted.key_id,
        secret_b64=granted.secret_b64,
    )


def wait_for(condition: Callable[[], object], seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def test_catalog_and_appointments_published_on_central_reach_the_hub(
    tmp_path: Path, clock: FixedClock
) -> None:
    with reference_central(tmp_path / "central") as (central, base_url):
        credential = enroll(central, base_url)
        publish_catalog(central, credential.hall, versioned_catalog(1))
        slot = {"slot_start": "10:00", "slot_end": "10:30", "category": "B"}
        add_appointment(central, credential.hall, TODAY, WireAppointment(code="Y1", **slot))
        hub = open_hub(tmp_path / "hub", clock=clock)
        credential.save(hub.data_dir)
        downlink = start_downlink(hub.data_dir, hub.engine, hub.catalog, hub.config.sync)
        assert downlink is not None
        try:
            wait_for(lambda: hub.catalog.view.version == 1)
            wait_for(lambda: downlink.status().appointments.get(TODAY) == 1)
            assert hub.engine.config.category("A").name == "户籍业务 v1"  # type: ignore[union-attr]

            publish_catalog(central, credential.hall, versioned_catalog(2))
            cancel_appointment(central, credential.hall, "Y1")
            downlink.wake()
            wait_for(lambda: hub.catalog.view.version == 2)
            wait_for(lambda: downlink.status().appointments.get(TODAY) == 2)
            status = hub.store.reader().execute("SELECT status FROM appointments").fetchone()
            assert status[0] == "cancelled"
            assert downlink.status().last_error is None
        finally:
            downlink.stop()
            hub.store.close()


def served_catalog_version(hub: HubProcess) -> int:
    headers = {"Authorization": f"Bearer {hub.admin_token}"}
    answer = requests.get(f"{hub.base_url}/api/v1/catalog", headers=headers, timeout=5)
    return int(answer.json()["catalog_version"])


def test_a_hub_process_pulls_the_catalog_and_serves_it_after_an_offline_restart(
    tmp_path: Path,
) -> None:
    data = tmp_path / "hub"
    with reference_central(tmp_path / "central") as (central, base_url):
        credential = enroll(central, base_url)
        publish_catalog(central, credential.hall, versioned_catalog(1))
        add_appointment(
            central,
            credential.hall,
            HallCalendar(sample_hall()).service_day(datetime.now(UTC)).isoformat(),
            WireAppointment(code="Y7", slot_start="10:00", slot_end="10:30", category="A"),
        )
        credential.save(data)
        with HubProcess(data, log_path=tmp_path / "hub.log") as hub:
            wait_for(lambda: served_catalog_version(hub) == 1)
    # Central is gone: the restarted hub still serves catalog 1 and holds the appointment.
    with HubProcess(data, log_path=tmp_path / "hub.log") as hub:
        assert served_catalog_version(hub) == 1
    reopened = open_hub(data)
    try:
        codes = [r[0] for r in reopened.store.reader().execute("SELECT code FROM appointments")]
        assert codes == ["Y7"]
    finally:
        reopened.store.close()
