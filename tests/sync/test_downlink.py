"""The downlink against a fake central: ETags, refusals, appointments per day, backoff, thread."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from config.calendar import HallCalendar
from config.sample import sample_hall
from config.schema import SyncSettings
from sync.backoff import Backoff
from sync.downlink import ApplyRefused, Downlink, appointment_days, stored_status
from sync.http import CentralClient, CentralRefused
from sync.outbox import OUTBOX_MIGRATIONS
from sync.signing import SIGNED_HEADERS
from sync.store import Store
from sync.wire import AppointmentsAnswer, CatalogAnswer, WireError
from tests.sync.fakecentral import FakeCentral, running
from tests.timing import wait_for

ZONE = ZoneInfo("Asia/Shanghai")
MORNING = datetime(2025, 3, 12, 9, 30, tzinfo=ZONE)  # a working Wednesday
EVENING = datetime(2025, 3, 12, 18, 0, tzinfo=ZONE)
CALENDAR = HallCalendar(sample_hall())


def catalog_v(version: int) -> dict[str, Any]:
    return {
        "categories": [{"code": "A", "name": f"户籍业务 v{version}"}],
        "items": [
            {"id": "jjb-001", "name": f"立户 v{version}", "department": "公安局", "category": "A"}
        ],
    }


class Hub:
    """What the hub would plug in: records what it is handed, refuses when told to."""

    def __init__(self) -> None:
        self.catalogs: list[CatalogAnswer] = []
        self.appointments: list[tuple[str, AppointmentsAnswer]] = []
        self.refuse_catalog: str | None = None
        self.refuse_appointments: str | None = None

    def apply_catalog(self, answer: CatalogAnswer) -> None:
        self.catalogs.append(answer)
        if self.refuse_catalog:
            raise ApplyRefused(self.refuse_catalog)

    def apply_appointments(self, day: str, answer: AppointmentsAnswer) -> None:
        self.appointments.append((day, answer))
        if self.refuse_appointments:
            raise ApplyRefused(self.refuse_appointments)


@pytest.fixture
def central() -> Iterator[FakeCentral]:
    with running() as fake:
        yield fake


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(tmp_path / "hub.db", OUTBOX_MIGRATIONS)
    yield opened
    opened.close()


@pytest.fixture
def hub() -> Hub:
    return Hub()


def make_downlink(
    central: FakeCentral,
    store: Store,
    hub: Hub,
    *,
    now: datetime = MORNING,
    secret: bytes | None = None,
    **settings: Any,
) -> Downlink:
    credential = central.credential(secret) if secret else central.credential()
    return Downlink(
        CentralClient(credential, timeout=5),
        store,
        SyncSettings(**settings),
        CALENDAR,
        apply_catalog=hub.apply_catalog,
        apply_appointments=hub.apply_appointments,
        now=lambda: now,
        backoff=lambda: Backoff(0.05, 0.2, random.Random(7)),
    )


# -- catalog -------------------------------------------------------------------------------------


def test_new_catalog_is_handed_to_the_hub_then_answered_304_by_its_etag(
    central: FakeCentral, store: Store, hub: Hub
) -> None:
    central.publish_catalog(3, catalog_v(3))
    downlink = make_downlink(central, store, hub)
    assert downlink.poll_catalog() == "applied"
    assert [c.version for c in hub.catalogs] == [3]
    assert downlink.poll_catalog() == "unchanged"
    first, second = central.requests_to("/catalog")
    assert "If-None-Match" not in first.headers
    assert second.headers["If-None-Match"].startswith('"3-')
    assert len(hub.catalogs) == 1
    status = downlink.status()
    assert status.catalog_version == 3
    assert status.last_check is not None
    assert status.refused_version is None


def test_centrals_own_etag_header_is_what_is_sent_back(
    central: FakeCentral, store: Store, hub: Hub
) -> None:
    central.publish_catalog(4, catalog_v(4))
    central.catalog_etag_header = '"catalog-four"'
    downlink = make_downlink(central, store, hub)
    downlink.poll_catalog()
    assert downlink.poll_catalog() == "unchanged"
    assert central.requests_to("/catalog")[-1].headers["If-None-Match"] == '"catalog-four"'
    assert len(hub.catalogs) == 1


def test_every_request_carries_the_signature_headers(
    central: FakeCentral, store: Store, hub: Hub
) -> None:
    central.publish_catalog(1, catalog_v(1))
    downlink = make_downlink(central, store, hub)
    downlink.poll_catalog()
    downlink.poll_appointments()
    assert central.seen
    for request in central.seen:
        assert all(request.headers.get(name) for name in SIGNED_HEADERS)


def test_a_wrong_secret_is_refused_by_central_and_raised(
    central: FakeCentral, store: Store, hub: Hub
) -> None:
    central.publish_catalog(1, catalog_v(1))
    downlink = make_downlink(central, store, hub, secret=b"x" * 32)
    with pytest.raises(CentralRefused) as caught:
        downlink.poll_catalog()
    assert caught.value.status == 401
    assert caught.value.code == "bad_signature"
    assert hub.catalogs == []


def test_a_restarted_downlink_sends_the_stored_etag_and_downloads_nothing(
    central: FakeCentral, store: Store, hub: Hub
) -> None:
    central.publish_catalog(5, catalog_v(5))
    make_downlink(central, store, hub).poll_catalog()
    again = make_downlink(central, store, hub)
    assert again.status().catalog_version == 5
    assert again.poll_catalog() == "unchanged"
    assert central.requests_to("/catalog")[-1].headers["If-None-Match"].startswith('"5-')
    assert len(hub.catalogs) == 1


def test_no_catalog_on_central_is_204_and_the_hub_keeps_its_own(
    central: FakeCentral, store: Store, hub: Hub
) -> None:
    downlink = make_downlink(central, store, hub)
    assert downlink.poll_catalog() == "absent"
    assert hub.catalogs == []
    assert downlink.status().catalog_version is None


def test_a_catalog_with_a_wrong_checksum_is_refused_before_the_hub_sees_it(
    central: FakeCentral, store: Store, hub: Hub
) -> None:
    central.publish_catalog(2, catalog_v(2), checksum="sha256:" + "0" * 64)
    downlink = make_downlink(central, store, hub)
    assert downlink.poll_catalog() == "refused"
    assert hub.catalogs == []
    status = downlink.status()
    assert status.refused_version == 2
    assert "checksum" in (status.refused_reason or "")
    assert status.catalog_version is None


def test_a_catalog_the_hub_refuses_is_reported_and_not_downloaded_again(
    central: FakeCentral, store: Store, hub: Hub
) -> None:
    central.publish_catalog(1, catalog_v(1))
    downlink = make_downlink(central, store, hub)
    downlink.poll_catalog()
    hub.refuse_catalog = "窗口1的类别A不存在"
    central.publish_catalog(2, catalog_v(2))
    assert downlink.poll_catalog() == "refused"
    assert downlink.poll_catalog() == "unchanged"
    assert [c.version for c in hub.catalogs] == [1, 2]
    assert central.requests_to("/catalog")[-1].headers["If-None-Match"].startswith('"2-')
    status = downlink.status()
    assert (status.catalog_version, status.refused_version) == (1, 2)
    assert status.refused_reason == "窗口1的类别A不存在"

    hub.refuse_catalog = None
    central.publish_catalog(3, catalog_v(3))
    assert downlink.poll_catalog() == "applied"
    status = downlink.status()
    assert (status.catalog_version, status.refused_version) == (3, None)


def test_the_status_is_recorded_in_the_store_for_other_processes(
    central: FakeCentral, store: Store, hub: Hub
) -> None:
    assert stored_status(store.reader()) is None
    central.publish_catalog(2, catalog_v(2), checksum="sha256:" + "0" * 64)
    downlink = make_downlink(central, store, hub)
    downlink.poll_catalog()
    downlink.poll_appointments()
    recorded = stored_status(store.reader())
    assert recorded is not None
    assert recorded["refused_version"] == 2
    assert recorded["appointments"] == {"2025-03-12": 0}
    assert "running" not in recorded


def test_an_older_version_than_the_applied_one_is_refused(
    central: FakeCentral, store: Store, hub: Hub
) -> None:
    central.publish_catalog(7, catalog_v(7))
    downlink = make_downlink(central, store, hub)
    downlink.poll_catalog()
    central.publish_catalog(6, catalog_v(6))
    assert downlink.poll_catalog() == "refused"
    assert [c.version for c in hub.catalogs] == [7]
    assert "not newer" in (downlink.status().refused_reason or "")


def test_an_answer_that_is_not_a_catalog_raises_a_wire_error(
    central: FakeCentral, store: Store, hub: Hub
) -> None:
    central.catalog = {"version": "seven", "checksum": "sha256:x"}
    downlink = make_downlink(central, store, hub)
    with pytest.raises(WireError):
        downlink.poll_catalog()
    assert hub.catalogs == []


# -- appointments --------------------------------------------------------------------------------


def booked(code: str, status: str = "booked") -> dict[str, Any]:
    return {
        "code": code,
        "slot_start": "10:00",
        "slot_end": "10:30",
        "category": "A",
        "status": status,
    }


def test_appointment_days_add_tomorrow_only_after_closing_time() -> None:
    assert [d.isoformat() for d in appointment_days(CALENDAR, MORNING)] == ["2025-03-12"]
    assert [d.isoformat() for d in appointment_days(CALENDAR, EVENING)] == [
        "2025-03-12",
        "2025-03-13",
    ]
    # 01:00 still belongs to the previous service day (boundary 03:00), after its closing.
    night = datetime(2025, 3, 13, 1, 0, tzinfo=ZONE)
    assert [d.isoformat() for d in appointment_days(CALENDAR, night)] == [
        "2025-03-12",
        "2025-03-13",
    ]


def test_todays_appointments_are_pulled_then_answered_304_per_date(
    central: FakeCentral, store: Store, hub: Hub
) -> None:
    central.publish_appointments("2025-03-12", 3, [booked("Y1"), booked("Y2", "cancelled")])
    downlink = make_downlink(central, store, hub)
    assert downlink.poll_appointments() == {"2025-03-12": "applied"}
    [(day, listing)] = hub.appointments
    assert day == "2025-03-12"
    assert [(a.code, a.status) for a in listing.appointments] == [
        ("Y1", "booked"),
        ("Y2", "cancelled"),
    ]
    assert downlink.poll_appointments() == {"2025-03-12": "unchanged"}
    assert central.requests_to("/appointments")[-1].headers["If-None-Match"] == '"3"'
    assert central.requests_to("/appointments")[-1].query == {"date": "2025-03-12"}
    assert downlink.status().appointments == {"2025-03-12": 3}


def test_after_closing_tomorrows_appointments_are_pulled_too(
    central: FakeCentral, store: Store, hub: Hub
) -> None:
    central.publish_appointments("2025-03-13", 1, [booked("Y9")])
    downlink = make_downlink(central, store, hub, now=EVENING)
    assert downlink.poll_appointments() == {"2025-03-12": "applied", "2025-03-13": "applied"}
    assert [d for d, _ in hub.appointments] == ["2025-03-12", "2025-03-13"]


def test_a_refused_list_is_reported_and_pulled_again_next_round(
    central: FakeCentral, store: Store, hub: Hub
) -> None:
    central.publish_appointments("2025-03-12", 2, [booked("Y1")])
    downlink = make_downlink(central, store, hub)
    hub.refuse_appointments = "Y1: 没有A类业务"
    assert downlink.poll_appointments() == {"2025-03-12": "refused"}
    assert "Y1" in (downlink.status().last_error or "")
    hub.refuse_appointments = None
    assert downlink.poll_appointments() == {"2025-03-12": "applied"}
    assert len(hub.appointments) == 2
    assert downlink.status().last_error is None


def test_etags_of_past_days_are_forgotten(central: FakeCentral, store: Store, hub: Hub) -> None:
    make_downlink(central, store, hub, now=EVENING).poll_appointments()
    tomorrow = datetime(2025, 3, 13, 9, 30, tzinfo=ZONE)
    downlink = make_downlink(central, store, hub, now=tomorrow)
    downlink.poll_appointments()
    assert set(downlink.status().appointments) == {"2025-03-13"}


def test_a_list_for_another_date_is_a_wire_error(
    central: FakeCentral, store: Store, hub: Hub
) -> None:
    central.appointments["2025-03-12"] = {"date": "2025-03-11", "version": 1, "appointments": []}
    with pytest.raises(WireError):
        make_downlink(central, store, hub).poll_appointments()
    assert hub.appointments == []


# -- the thread ----------------------------------------------------------------------------------


def test_the_thread_pulls_at_start_and_again_when_woken(
    central: FakeCentral, store: Store, hub: Hub
) -> None:
    central.publish_catalog(1, catalog_v(1))
    downlink = make_downlink(central, store, hub)
    downlink.start()
    try:
        wait_for(lambda: hub.catalogs and hub.appointments)
        assert downlink.status().running
        central.publish_catalog(2, catalog_v(2))
        downlink.wake()
        wait_for(lambda: len(hub.catalogs) == 2)
    finally:
        downlink.stop()  # wakes the thread from its wait for the next poll: it ends at once
    assert not downlink.status().running


def test_server_errors_are_retried_with_backoff_until_central_recovers(
    central: FakeCentral, store: Store, hub: Hub
) -> None:
    central.publish_catalog(1, catalog_v(1))
    central.errors = [(500, {}), (500, {}), (500, {})]
    downlink = make_downlink(central, store, hub)
    downlink.start()
    try:
        wait_for(lambda: hub.catalogs and hub.appointments)
    finally:
        downlink.stop()
    assert len(central.seen) >= 5  # three failures, then one success of each job
    status = downlink.status()
    assert status.catalog_version == 1
    assert (status.failures, status.last_error) == (0, None)


def test_a_retry_after_is_waited_for(central: FakeCentral, store: Store, hub: Hub) -> None:
    central.publish_catalog(1, catalog_v(1))
    central.errors = [(503, {"Retry-After": "1"})]
    downlink = make_downlink(central, store, hub)
    started = time.monotonic()
    downlink.start()
    try:
        wait_for(lambda: downlink.status().last_error is not None)
        assert "503" in (downlink.status().last_error or "")
        wait_for(lambda: "503" in str((stored_status(store.reader()) or {}).get("last_error")))
        wait_for(lambda: hub.catalogs)
        waited = time.monotonic() - started
    finally:
        downlink.stop()
    # The first answer (catalog, 503) asked for 1 s; the backoff alone would be ≤ 0.2 s.
    assert waited >= 0.95
    assert downlink.status().last_error is None
