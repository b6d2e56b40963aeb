"""Appointments (预约): check-in by code or by ID card within the slot's check-in window."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hub.engine import QueueEngine
from hub.errors import Conflict, Invalid, NotFound
from hub.models import Lane
from sync.clock import FixedClock

ZONE = ZoneInfo("Asia/Shanghai")
TODAY = "2025-03-12"  # the clock stands at 09:30 that day


def book(engine: QueueEngine, code: str = "YY0001", **fields: str) -> dict[str, object]:
    values = {"service_day": TODAY, "slot_start": "10:00", "slot_end": "10:30", "category": "B"}
    values.update(fields)
    return engine.add_appointment(code=code, **values)


def appointment_status(engine: QueueEngine, code: str) -> str:
    row = (
        engine.store.reader()
        .execute("SELECT status FROM appointments WHERE code = ?", (code,))
        .fetchone()
    )
    return str(row[0])


def test_check_in_by_code_gives_an_appointment_ticket_of_the_booked_category(
    engine: QueueEngine,
) -> None:
    book(engine, item_id="jjb-085")
    ticket = engine.issue_ticket(appointment_code="YY0001")
    assert ticket.lane is Lane.APPOINTMENT
    assert ticket.category == "B"
    assert ticket.number == "B001"
    assert ticket.item_id == "jjb-085"
    assert appointment_status(engine, "YY0001") == "checked_in"


def test_booked_category_wins_over_the_one_chosen_at_the_kiosk(engine: QueueEngine) -> None:
    book(engine)
    assert engine.issue_ticket(category="A", appointment_code="YY0001").category == "B"


def test_appointment_code_can_be_used_once(engine: QueueEngine) -> None:
    book(engine)
    engine.issue_ticket(appointment_code="YY0001")
    with pytest.raises(Conflict) as caught:
        engine.issue_ticket(appointment_code="YY0001")
    assert caught.value.code == "appointment_used"


def test_unknown_appointment_code_is_not_found(engine: QueueEngine) -> None:
    with pytest.raises(NotFound) as caught:
        engine.issue_ticket(appointment_code="NOPE")
    assert caught.value.code == "unknown_appointment"


def test_appointment_of_another_day_is_refused(engine: QueueEngine) -> None:
    book(engine, service_day="2025-03-13")
    with pytest.raises(Conflict) as caught:
        engine.issue_ticket(appointment_code="YY0001")
    assert caught.value.code == "appointment_not_today"
    assert appointment_status(engine, "YY0001") == "booked"


@pytest.mark.parametrize(("slot", "ok"), [("10:30", True), ("10:31", False)])
def test_check_in_opens_an_hour_before_the_slot(engine: QueueEngine, slot: str, ok: bool) -> None:
    book(engine, slot_start=slot, slot_end="11:30")
    if ok:
        assert engine.issue_ticket(appointment_code="YY0001").lane is Lane.APPOINTMENT
    else:
        with pytest.raises(Conflict) as caught:
            engine.issue_ticket(appointment_code="YY0001")
        assert caught.value.code == "appointment_too_early"


@pytest.mark.parametrize(("slot", "ok"), [("09:00", True), ("08:59", False)])
def test_check_in_closes_half_an_hour_after_the_slot_starts(
    make_engine: Callable[..., QueueEngine], slot: str, ok: bool
) -> None:
    engine = make_engine(enforce_hours=False)
    book(engine, slot_start=slot, slot_end="09:30")
    if ok:
        assert engine.issue_ticket(appointment_code="YY0001").lane is Lane.APPOINTMENT
    else:
        with pytest.raises(Conflict) as caught:
            engine.issue_ticket(appointment_code="YY0001")
        assert caught.value.code == "appointment_too_late"


def test_check_in_by_id_card_within_the_slot_window(
    engine: QueueEngine, id_number: Callable[..., str]
) -> None:
    person = id_number()
    book(engine, id_number=person)
    ticket = engine.issue_ticket(category="B", id_number=person)
    assert ticket.lane is Lane.APPOINTMENT
    assert appointment_status(engine, "YY0001") == "checked_in"


def test_id_card_outside_the_slot_window_gets_an_ordinary_ticket(
    engine: QueueEngine, id_number: Callable[..., str]
) -> None:
    person = id_number()
    book(engine, id_number=person, slot_start="15:00", slot_end="15:30")
    ticket = engine.issue_ticket(category="B", id_number=person)
    assert ticket.lane is Lane.ORDINARY
    assert appointment_status(engine, "YY0001") == "booked"


def test_id_card_of_someone_else_does_not_check_in(
    engine: QueueEngine, id_number: Callable[..., str]
) -> None:
    book(engine, id_number=id_number())
    assert engine.issue_ticket(category="B", id_number=id_number()).lane is Lane.ORDINARY


def test_appointment_may_check_in_after_the_last_ticket_time(
    engine: QueueEngine, clock: FixedClock
) -> None:
    book(engine, slot_start="16:30", slot_end="17:00")
    clock.set(datetime(2025, 3, 12, 16, 45, tzinfo=ZONE))
    with pytest.raises(Conflict):
        engine.issue_ticket(category="B")
    assert engine.issue_ticket(appointment_code="YY0001").lane is Lane.APPOINTMENT


def test_appointment_does_not_open_a_closed_hall(engine: QueueEngine, clock: FixedClock) -> None:
    book(engine, slot_start="12:30", slot_end="13:00")
    clock.set(datetime(2025, 3, 12, 12, 15, tzinfo=ZONE))
    with pytest.raises(Conflict) as caught:
        engine.issue_ticket(appointment_code="YY0001")
    assert caught.value.code == "hall_closed"


def test_booking_does_not_return_the_id_hash(
    engine: QueueEngine, id_number: Callable[..., str]
) -> None:
    booked = book(engine, id_number=id_number())
    assert "id_hash" not in booked
    assert booked["id_masked"] is not None


def test_duplicate_appointment_code_is_refused(engine: QueueEngine) -> None:
    book(engine)
    with pytest.raises(Conflict) as caught:
        book(engine)
    assert caught.value.code == "appointment_exists"


@pytest.mark.parametrize(
    "fields",
    [
        {"category": "Z"},
        {"service_day": "2025-13-01"},
        {"slot_start": "10"},
        {"slot_start": "10:30", "slot_end": "10:00"},
        {"id_number": "123"},
    ],
)
def test_malformed_appointment_is_invalid(engine: QueueEngine, fields: dict[str, str]) -> None:
    with pytest.raises(Invalid):
        book(engine, **fields)


def test_an_appointment_code_with_someone_elses_id_card_is_refused(
    make_engine: Any, id_number: Any
) -> None:
    engine = make_engine()
    owner, other = id_number("19800101"), id_number("19900202")
    engine.add_appointment(
        code="P1",
        service_day="2025-03-12",
        slot_start="09:30",
        slot_end="10:00",
        category="B",
        id_number=owner,
    )
    with pytest.raises(Conflict) as refused:
        engine.issue_ticket(appointment_code="P1", id_number=other)
    assert refused.value.code == "appointment_other_person"
    ticket = engine.issue_ticket(appointment_code="P1", id_number=owner)
    assert ticket.lane == "appointment"


def test_an_id_card_swiped_for_another_category_gets_an_ordinary_ticket_there(
    make_engine: Any, id_number: Any
) -> None:
    engine = make_engine()
    person = id_number("19800101")
    engine.add_appointment(
        code="P2",
        service_day="2025-03-12",
        slot_start="09:30",
        slot_end="10:00",
        category="B",
        id_number=person,
    )
    elsewhere = engine.issue_ticket(category="A", id_number=person)
    assert (elsewhere.category, elsewhere.lane) == ("A", "ordinary")
    booked = engine.issue_ticket(category="B", id_number=person)
    assert (booked.category, booked.lane) == ("B", "appointment")


def test_an_item_of_another_category_does_not_ride_on_an_appointment(make_engine: Any) -> None:
    engine = make_engine()
    engine.add_appointment(
        code="P3",
        service_day="2025-03-12",
        slot_start="09:30",
        slot_end="10:00",
        category="B",
        item_id="jjb-156",
    )
    ticket = engine.issue_ticket(appointment_code="P3", item_id="jjb-001")
    assert (ticket.category, ticket.item_id) == ("B", "jjb-156")


def test_a_slot_after_midnight_belongs_to_the_service_day_that_is_still_running(
    make_engine: Callable[..., QueueEngine], clock: FixedClock
) -> None:
    # 00:50 on the 13th, before the 03:00 day boundary: a hall open late still serves the
    # 12th, and a slot at 00:45 of the 12th's service day is now, not 24 hours ago.
    engine = make_engine(enforce_hours=False)
    clock.set(datetime(2025, 3, 13, 0, 50, tzinfo=ZONE))
    book(engine, slot_start="00:45", slot_end="01:15")
    ticket = engine.issue_ticket(appointment_code="YY0001")
    assert (ticket.lane, ticket.service_day) == (Lane.APPOINTMENT, TODAY)
