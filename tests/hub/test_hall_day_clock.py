"""The hall's day comes from the hall's clock: a hub and a central process whose machine clock
stands at 17:00 UTC, 20:00 UTC or 23:59 hall time serve the hall's service day.

Boxes often run on UTC. 17:00 UTC is 01:00 the next calendar day in the hall, but before the
03:00 day boundary, so the hub still serves the previous service day; 20:00 UTC is past the
boundary; 23:59 hall time is the hall's calendar day's last minute. An appointment booked at
central for the service day must come down and be checked in, and every date and time the hub
writes must be the hall's.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests

from devices.idcard.samples import SAMPLES
from hall.hubprocess import HubProcess
from hub.client import HubClient
from sync.central.downlink import add_appointment
from sync.central.process import CentralProcess
from sync.credential import Credential
from sync.wire import WireAppointment
from tests.shifted_clock import SetClock

HALL = ZoneInfo("Asia/Shanghai")  # the sample hall's zone
CARD = SAMPLES["resident"]

INSTANTS = [
    pytest.param(
        datetime(2026, 12, 9, 17, 0, tzinfo=UTC), "2026-12-09", id="17:00 UTC = 01:00 hall"
    ),
    pytest.param(
        datetime(2026, 12, 9, 20, 0, tzinfo=UTC), "2026-12-10", id="20:00 UTC = 04:00 hall"
    ),
    pytest.param(
        datetime(2026, 12, 9, 23, 59, tzinfo=HALL), "2026-12-09", id="23:59 hall = 15:59 UTC"
    ),
]


def wait_for(condition: Callable[[], object], what: str, seconds: float = 120.0) -> None:
    """Wait for the condition itself; the limit only turns a hang into a failure."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {seconds} s")
        time.sleep(0.1)


def enroll(central: CentralProcess, data: Path) -> str:
    hall, code = central.add_hall("时钟测试大厅")
    answer = requests.post(
        central.base_url + "/api/central/v1/enroll", json={"code": code}, timeout=30
    )
    assert answer.status_code == 201, answer.text
    granted = answer.json()
    credential = Credential(
        central.base_url,
        granted["hall"],
        granted["hall_name"],
        granted["key_id"],
        granted["secret"],
    )
    credential.save(data)
    return hall


def hub_rows(data: Path, sql: str) -> list[tuple[object, ...]]:
    db = sqlite3.connect(f"file:{data / 'hub.db'}?mode=ro", uri=True)
    try:
        return list(db.execute(sql))
    finally:
        db.close()


def slot_around(hall_time: datetime) -> tuple[str, str]:
    """A quarter of an hour either side of ``hall_time``, within its calendar day."""
    midnight = hall_time.replace(hour=0, minute=0, second=0, microsecond=0)
    start = max(hall_time - timedelta(minutes=15), midnight)
    end = min(hall_time + timedelta(minutes=15), midnight + timedelta(hours=23, minutes=59))
    return start.strftime("%H:%M"), end.strftime("%H:%M")


@pytest.mark.slow
@pytest.mark.parametrize(("instant", "service_day"), INSTANTS)
def test_hub_and_central_serve_the_halls_service_day_whatever_the_machine_date(
    tmp_path: Path, machine_clock_at: SetClock, instant: datetime, service_day: str
) -> None:
    machine_clock_at(instant)
    hall_time = instant.astimezone(HALL)
    data = tmp_path / "hub"
    data.mkdir()
    with CentralProcess(tmp_path / "central") as central:
        hall = enroll(central, data)
        start, end = slot_around(hall_time)
        store = central.store()
        try:
            add_appointment(
                store,
                hall,
                service_day,
                WireAppointment(
                    code="Y1", slot_start=start, slot_end=end, category="B", id_number=CARD.number
                ),
            )
        finally:
            store.close()
        with HubProcess(data, log_path=tmp_path / "hub.log") as hub:
            wait_for(
                lambda: hub_rows(data, "SELECT service_day FROM appointments WHERE code = 'Y1'"),
                "the hub pulling the appointment from central",
            )
            token = hub.client().add_device("kiosk", "kiosk-1")["token"]
            kiosk = HubClient(hub.base_url, token, timeout=30.0)
            try:
                checked_in = kiosk.issue_ticket(category="B", id_card={"number": CARD.number})
                ordinary = kiosk.issue_ticket(category="A")
            finally:
                kiosk.close()
            admin = hub.client()
            try:
                queue = admin.request("GET", "/queue")
            finally:
                admin.close()
            last_seq = hub_rows(data, "SELECT MAX(seq) FROM outbox")[0][0]
            wait_for(
                lambda: central_acked(central, hall) >= int(last_seq),  # type: ignore[arg-type]
                "central acknowledging the hub's events",
            )

    assert checked_in.lane == "appointment", checked_in
    assert (checked_in.number, ordinary.number) == ("B001", "A001")
    for ticket in (checked_in, ordinary):
        assert ticket.service_day == service_day
        issued = datetime.fromisoformat(ticket.issued_at)
        assert issued.utcoffset() == timedelta(hours=8), ticket.issued_at
        assert abs(issued - hall_time) < timedelta(minutes=10), (ticket.issued_at, hall_time)
    assert queue["today"]["service_day"] == service_day
    assert queue["today"]["issued"] == 2
    stored = hub_rows(data, "SELECT DISTINCT service_day FROM tickets")
    assert stored == [(service_day,)]
    assert hub_rows(data, "SELECT status FROM appointments") == [("checked_in",)]


def central_acked(central: CentralProcess, hall: str) -> int:
    store = central.store()
    try:
        return store.hall(hall).acked_seq
    finally:
        store.close()
