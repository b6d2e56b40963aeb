"""The hub's side of the downlink: appointments from central into the engine, and the wiring."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.downlink import apply_appointments, held_appointments, start_downlink
from hub.engine import QueueEngine
from hub.errors import Conflict
from hub.server import Hub, _start_downlink, open_hub
from sync.clock import FixedClock
from sync.downlink import ApplyRefused
from sync.wire import AppointmentsAnswer, catalog_checksum
from tests.hub.test_catalog import versioned_catalog
from tests.sync.fakecentral import FakeCentral, running
from tests.timing import wait_for

TODAY = "2025-03-12"  # the shared clock stands at 09:30 that day


def listing(*entries: dict[str, Any], version: int = 1) -> AppointmentsAnswer:
    return AppointmentsAnswer.model_validate(
        {"date": TODAY, "version": version, "appointments": list(entries)}
    )


def entry(code: str, status: str = "booked", **fields: Any) -> dict[str, Any]:
    values = {"code": code, "slot_start": "10:00", "slot_end": "10:30", "category": "B"}
    return {**values, "status": status, **fields}


def appointment_rows(engine: QueueEngine) -> dict[str, dict[str, Any]]:
    rows = engine.store.reader().query("SELECT * FROM appointments ORDER BY code")
    return {row["code"]: row for row in rows}


def event_types(engine: QueueEngine) -> list[str]:
    return [e.type for e in engine.events_after(0, 10_000)]


# -- appointments --------------------------------------------------------------------------------


def test_booked_appointments_are_added_with_the_id_number_only_hashed(
    engine: QueueEngine, id_number: Callable[..., str]
) -> None:
    number = id_number()
    apply_appointments(engine, TODAY, listing(entry("Y1", id_number=number), entry("Y2")))
    rows = appointment_rows(engine)
    assert set(rows) == {"Y1", "Y2"}
    assert rows["Y1"]["service_day"] == TODAY
    assert rows["Y1"]["status"] == "booked"
    assert rows["Y1"]["id_hash"] and number not in json.dumps(rows)
    assert rows["Y1"]["id_masked"].startswith(number[:6])
    assert engine.issue_ticket(appointment_code="Y2").lane.value == "appointment"


def test_applying_the_same_list_twice_changes_nothing(engine: QueueEngine) -> None:
    answer = listing(entry("Y1"), entry("Y2", "cancelled"))
    apply_appointments(engine, TODAY, listing(entry("Y1"), entry("Y2")))
    apply_appointments(engine, TODAY, answer)
    first = appointment_rows(engine)
    events = event_types(engine)
    apply_appointments(engine, TODAY, answer)
    assert appointment_rows(engine) == first
    assert event_types(engine) == events
    assert events.count("appointment.cancelled") == 1


def test_a_cancelled_appointment_is_cancelled_with_an_event_and_cannot_check_in(
    engine: QueueEngine,
) -> None:
    apply_appointments(engine, TODAY, listing(entry("Y1", item_id="jjb-085")))
    apply_appointments(engine, TODAY, listing(entry("Y1", "cancelled"), version=2))
    assert appointment_rows(engine)["Y1"]["status"] == "cancelled"
    [event] = [e for e in engine.events_after(0, 100) if e.type == "appointment.cancelled"]
    assert event.payload == {
        "code": "Y1",
        "service_day": TODAY,
        "slot_start": "10:00",
        "slot_end": "10:30",
        "category": "B",
        "item_id": "jjb-085",
    }
    with pytest.raises(Conflict) as caught:
        engine.issue_ticket(appointment_code="Y1")
    assert caught.value.code == "appointment_cancelled"


def test_a_cancellation_after_check_in_leaves_the_ticket_standing(engine: QueueEngine) -> None:
    apply_appointments(engine, TODAY, listing(entry("Y1")))
    engine.issue_ticket(appointment_code="Y1")
    apply_appointments(engine, TODAY, listing(entry("Y1", "cancelled"), version=2))
    assert appointment_rows(engine)["Y1"]["status"] == "checked_in"
    with pytest.raises(Conflict):
        engine.cancel_appointment("Y1")


def test_a_cancellation_of_an_appointment_never_held_is_ignored(engine: QueueEngine) -> None:
    apply_appointments(engine, TODAY, listing(entry("Y9", "cancelled")))
    assert appointment_rows(engine) == {}


def test_entries_the_hub_cannot_take_are_named_and_the_rest_applied(
    engine: QueueEngine,
) -> None:
    bad = listing(
        entry("Y1"),
        entry("Y2", category="Z"),
        entry("Y3", id_number="110101199001011234"),
        entry("Y4", slot_start="11:00", slot_end="10:00"),
    )
    with pytest.raises(ApplyRefused) as caught:
        apply_appointments(engine, TODAY, bad)
    message = str(caught.value)
    assert "3 appointment(s)" in message
    assert all(code in message for code in ("Y2", "Y3", "Y4"))
    assert "110101199001011234" not in message
    assert set(appointment_rows(engine)) == {"Y1"}


def test_held_appointments_reads_many_codes_in_chunks(engine: QueueEngine) -> None:
    for n in range(3):
        engine.add_appointment(
            code=f"Y{n}", service_day=TODAY, slot_start="10:00", slot_end="10:30", category="A"
        )
    codes = [f"Y{n}" for n in range(1200)]
    held = held_appointments(engine, codes)
    assert {code: row["status"] for code, row in held.items()} == {
        "Y0": "booked",
        "Y1": "booked",
        "Y2": "booked",
    }


def test_an_appointment_moved_to_another_slot_is_moved_and_said_once(
    engine: QueueEngine,
) -> None:
    apply_appointments(engine, TODAY, listing(entry("Y1")))
    moved = listing(entry("Y1", slot_start="14:00", slot_end="14:30", category="A"), version=2)
    apply_appointments(engine, TODAY, moved)
    apply_appointments(engine, TODAY, moved)  # the same list again changes nothing
    row = appointment_rows(engine)["Y1"]
    assert (row["slot_start"], row["category"], row["status"]) == ("14:00", "A", "booked")
    events = [e for e in engine.events_after(0, 10_000) if e.type == "appointment.moved"]
    assert len(events) == 1
    assert events[0].payload["from"]["slot_start"] == "10:00"
    assert events[0].payload["to"]["slot_start"] == "14:00"


def test_an_appointment_moved_to_another_day_leaves_this_day_and_arrives_on_its_new_day(
    engine: QueueEngine,
) -> None:
    apply_appointments(engine, TODAY, listing(entry("Y1"), entry("Y2")))
    apply_appointments(engine, TODAY, listing(entry("Y2"), version=2))  # Y1 left today's list
    assert appointment_rows(engine)["Y1"]["status"] == "cancelled"
    with pytest.raises(Conflict):  # nobody checks in today with a booking moved away
        engine.issue_ticket(appointment_code="Y1")
    tomorrow = AppointmentsAnswer.model_validate(
        {"date": "2025-03-13", "version": 1, "appointments": [entry("Y1")]}
    )
    apply_appointments(engine, "2025-03-13", tomorrow)
    row = appointment_rows(engine)["Y1"]
    assert (row["service_day"], row["status"]) == ("2025-03-13", "booked")
    assert appointment_rows(engine)["Y2"]["status"] == "booked"  # still on today's list


def test_the_halls_own_bookings_are_not_withdrawn_by_centrals_list(engine: QueueEngine) -> None:
    engine.add_appointment(
        code="H1", service_day=TODAY, slot_start="10:00", slot_end="10:30", category="A"
    )
    apply_appointments(engine, TODAY, listing(entry("Y1")))
    assert appointment_rows(engine)["H1"]["status"] == "booked"
    assert appointment_rows(engine)["Y1"]["source"] == "central"


def test_a_checked_in_appointment_is_never_moved_or_cancelled_by_a_later_list(
    engine: QueueEngine,
) -> None:
    apply_appointments(engine, TODAY, listing(entry("Y1")))
    engine.issue_ticket(appointment_code="Y1")
    apply_appointments(engine, TODAY, listing(entry("Y1", slot_start="15:00", slot_end="15:30")))
    apply_appointments(engine, TODAY, listing(version=3))
    assert appointment_rows(engine)["Y1"]["status"] == "checked_in"


# -- wiring --------------------------------------------------------------------------------------


@pytest.fixture
def central() -> Iterator[FakeCentral]:
    with running() as fake:
        yield fake


def test_a_hub_that_was_never_enrolled_starts_no_downlink(
    tmp_path: Path, clock: FixedClock
) -> None:
    hub = open_hub(tmp_path / "hub", clock=clock)
    try:
        assert start_downlink(hub.data_dir, hub.engine, hub.catalog, hub.config.sync) is None
    finally:
        hub.store.close()


def test_an_enrolled_hub_takes_catalog_and_appointments_from_central(
    tmp_path: Path, clock: FixedClock, central: FakeCentral
) -> None:
    central.publish_catalog(6, versioned_catalog(6))
    central.publish_appointments(TODAY, 2, [entry("Y1")])
    hub = open_hub(tmp_path / "hub", clock=clock)
    central.credential().save(hub.data_dir)
    downlink = start_downlink(hub.data_dir, hub.engine, hub.catalog, hub.config.sync)
    assert downlink is not None
    try:
        wait_for(lambda: downlink.status().appointments == {TODAY: 2})
        wait_for(lambda: hub.catalog.view.version == 6)
        assert "Y1" in appointment_rows(hub.engine)
        assert downlink.status().catalog_version == 6
    finally:
        downlink.stop()
        hub.store.close()


def test_a_downlink_that_recorded_another_catalog_than_the_hub_serves_asks_anew(
    tmp_path: Path, clock: FixedClock, central: FakeCentral
) -> None:
    central.publish_catalog(6, versioned_catalog(6))
    hub: Hub = open_hub(tmp_path / "hub", clock=clock)
    central.credential().save(hub.data_dir)
    # As if the hub had lost its catalog rows (restored from an older backup) but not sync_state.
    with hub.store.write() as db:
        state = {
            "catalog_version": 6,
            "catalog_checksum": catalog_checksum(versioned_catalog(6)),
            "catalog_etag": '"6-x"',
            "appointments": {},
        }
        db.execute(
            "INSERT INTO sync_state (key, value) VALUES ('downlink', ?)", (json.dumps(state),)
        )
    downlink = start_downlink(hub.data_dir, hub.engine, hub.catalog, hub.config.sync)
    assert downlink is not None
    try:
        wait_for(lambda: hub.catalog.view.version == 6)
        assert "If-None-Match" not in central.requests_to("/catalog")[0].headers
    finally:
        downlink.stop()
        hub.store.close()


def test_an_unreadable_credential_is_logged_and_the_hub_runs_without_downlink(
    tmp_path: Path, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    hub = open_hub(tmp_path / "hub", clock=clock)
    (hub.data_dir / "central.json").write_text("{not json", encoding="utf-8")
    try:
        _start_downlink(hub)
        assert hub.downlink is None
        assert "central.json" in caplog.text
    finally:
        hub.store.close()
