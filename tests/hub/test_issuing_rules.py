"""Issuing rules: one open ticket per person, green lane, daily caps, hours and last-ticket time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from config import HallConfig
from hub.engine import QueueEngine
from hub.errors import Conflict, Invalid
from hub.models import Lane
from sync.clock import FixedClock

ZONE = ZoneInfo("Asia/Shanghai")


def at(day: str, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=ZONE)


# -- one open ticket per person per category ----------------------------------------------------


def test_second_open_ticket_in_a_category_is_refused_naming_the_first(
    engine: QueueEngine, id_number: Callable[..., str]
) -> None:
    person = id_number()
    engine.issue_ticket(category="A")
    engine.issue_ticket(category="A", id_number=person)
    with pytest.raises(Conflict) as caught:
        engine.issue_ticket(category="A", id_number=person)
    assert caught.value.code == "already_queued"
    assert "A002" in caught.value.message
    assert "前面还有1人" in caught.value.message


def test_same_person_written_differently_is_still_one_person(
    engine: QueueEngine, id_number: Callable[..., str]
) -> None:
    person = "11010519491231002X"
    engine.issue_ticket(category="B", id_number=person, lane="ordinary")
    with pytest.raises(Conflict):
        engine.issue_ticket(category="B", id_number=" 110105 19491231 002x", lane="ordinary")


def test_called_person_is_told_which_window(
    engine: QueueEngine, id_number: Callable[..., str]
) -> None:
    person = id_number()
    engine.issue_ticket(category="A", id_number=person)
    engine.call_next(2)
    with pytest.raises(Conflict) as caught:
        engine.issue_ticket(category="A", id_number=person)
    assert "2号窗口" in caught.value.message


def test_same_person_may_queue_in_another_category(
    engine: QueueEngine, id_number: Callable[..., str]
) -> None:
    person = id_number()
    engine.issue_ticket(category="A", id_number=person)
    assert engine.issue_ticket(category="B", id_number=person).number == "B001"


def test_same_person_may_queue_again_after_being_served(
    engine: QueueEngine, id_number: Callable[..., str]
) -> None:
    person = id_number()
    engine.issue_ticket(category="A", id_number=person)
    engine.call_next(1)
    engine.finish(1)
    assert engine.issue_ticket(category="A", id_number=person).number == "A002"


def test_different_people_each_get_a_ticket(
    engine: QueueEngine, id_number: Callable[..., str]
) -> None:
    numbers = [engine.issue_ticket(category="A", id_number=id_number()).number for _ in range(3)]
    assert numbers == ["A001", "A002", "A003"]


def test_rule_can_be_switched_off(
    make_engine: Callable[..., QueueEngine],
    hall_with: Callable[..., HallConfig],
    id_number: Callable[..., str],
) -> None:
    engine = make_engine(hall_with(queue={"one_open_ticket_per_person": False}))
    person = id_number()
    engine.issue_ticket(category="A", id_number=person)
    assert engine.issue_ticket(category="A", id_number=person).number == "A002"


def test_invalid_id_number_is_refused_and_uses_no_number(engine: QueueEngine) -> None:
    with pytest.raises(Invalid) as caught:
        engine.issue_ticket(category="A", id_number="110105194912310021")
    assert caught.value.code == "invalid_id_number"
    assert engine.issue_ticket(category="A").number == "A001"


# -- lanes ----------------------------------------------------------------------------------------


def test_citizen_at_the_elderly_age_gets_the_green_lane(
    engine: QueueEngine, id_number: Callable[..., str]
) -> None:
    # 60 years old exactly on the (fixed) day 2025-03-12.
    ticket = engine.issue_ticket(category="A", id_number=id_number(birth="19650312"))
    assert ticket.lane is Lane.GREEN
    assert ticket.green_group == "老年人"


def test_citizen_a_day_short_of_the_elderly_age_queues_ordinary(
    engine: QueueEngine, id_number: Callable[..., str]
) -> None:
    ticket = engine.issue_ticket(category="A", id_number=id_number(birth="19650313"))
    assert ticket.lane is Lane.ORDINARY


def test_elderly_age_is_the_halls_rule(
    make_engine: Callable[..., QueueEngine],
    hall_with: Callable[..., HallConfig],
    id_number: Callable[..., str],
) -> None:
    engine = make_engine(hall_with(priority={"elderly_age": 65}))
    assert engine.issue_ticket(category="A", id_number=id_number("19620101")).lane is Lane.ORDINARY
    assert engine.issue_ticket(category="A", id_number=id_number("19600101")).lane is Lane.GREEN


@pytest.mark.parametrize("group", ["残疾人", "军人及退役军人", "孕妇", "老年人"])
def test_green_lane_with_a_configured_group(engine: QueueEngine, group: str) -> None:
    ticket = engine.issue_ticket(category="A", lane="green", green_group=group)
    assert (ticket.lane, ticket.green_group) == (Lane.GREEN, group)


@pytest.mark.parametrize("group", [None, "", "VIP", "领导"])
def test_green_lane_requires_a_configured_group(engine: QueueEngine, group: str | None) -> None:
    with pytest.raises(Invalid) as caught:
        engine.issue_ticket(category="A", lane="green", green_group=group)
    assert caught.value.code == "green_group_required"


def test_appointment_lane_cannot_be_chosen_without_an_appointment(engine: QueueEngine) -> None:
    with pytest.raises(Invalid) as caught:
        engine.issue_ticket(category="A", lane="appointment")
    assert caught.value.code == "appointment_required"


def test_unknown_lane_is_refused(engine: QueueEngine) -> None:
    with pytest.raises(Invalid) as caught:
        engine.issue_ticket(category="A", lane="express")
    assert caught.value.code == "unknown_lane"


# -- what is asked for ---------------------------------------------------------------------------


def test_category_is_case_insensitive(engine: QueueEngine) -> None:
    assert engine.issue_ticket(category=" b ").number == "B001"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({}, "category_required"),
        ({"category": "Z"}, "unknown_category"),
        ({"item_id": "jjb-999"}, "unknown_item"),
        ({"item_id": "jjb-001", "category": "B"}, "category_mismatch"),
    ],
)
def test_unknown_or_mismatched_requests_are_invalid(
    engine: QueueEngine, kwargs: dict[str, str], code: str
) -> None:
    with pytest.raises(Invalid) as caught:
        engine.issue_ticket(**kwargs)
    assert caught.value.code == code


# -- daily cap -------------------------------------------------------------------------------------


def test_daily_cap_refuses_the_ticket_after_the_last_one(engine: QueueEngine) -> None:
    cap = engine.config.category("D")
    assert cap is not None
    assert cap.daily_cap == 60
    numbers = [engine.issue_ticket(category="D").number for _ in range(60)]
    assert numbers[-1] == "D060"
    with pytest.raises(Conflict) as caught:
        engine.issue_ticket(category="D")
    assert caught.value.code == "daily_cap_reached"
    assert engine.issue_ticket(category="A").number == "A001"  # other categories go on


def test_daily_cap_starts_again_the_next_day(
    make_engine: Callable[..., QueueEngine],
    hall_with: Callable[..., HallConfig],
    clock: FixedClock,
) -> None:
    data_categories = [
        {"code": "A", "name": "户籍业务", "daily_cap": 2},
        {"code": "B", "name": "人社业务"},
    ]
    windows = [{"number": 1, "categories": ["A", "B"]}]
    engine = make_engine(hall_with(categories=data_categories, windows=windows, items=[]))
    engine.issue_ticket(category="A")
    engine.issue_ticket(category="A")
    with pytest.raises(Conflict):
        engine.issue_ticket(category="A")
    clock.set(at("2025-03-13", "09:00"))
    assert engine.issue_ticket(category="A").number == "A001"


# -- hours -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "moment",
    [
        at("2025-03-12", "08:59"),
        at("2025-03-12", "12:00"),
        at("2025-03-12", "12:59"),
        at("2025-03-12", "17:00"),
        at("2025-03-15", "10:00"),  # Saturday
    ],
)
def test_no_tickets_while_the_hall_is_closed(
    engine: QueueEngine, clock: FixedClock, moment: datetime
) -> None:
    clock.set(moment)
    with pytest.raises(Conflict) as caught:
        engine.issue_ticket(category="A")
    assert caught.value.code == "hall_closed"


def test_no_tickets_on_a_configured_holiday(
    make_engine: Callable[..., QueueEngine], hall_with: Callable[..., HallConfig]
) -> None:
    engine = make_engine(hall_with(service={"holidays": ["2025-03-12"]}))
    with pytest.raises(Conflict) as caught:
        engine.issue_ticket(category="A")
    assert caught.value.code == "hall_closed"


def test_last_ticket_time_refuses_from_that_minute(engine: QueueEngine, clock: FixedClock) -> None:
    clock.set(at("2025-03-12", "16:29"))
    assert engine.issue_ticket(category="A").number == "A001"
    clock.set(at("2025-03-12", "16:30"))
    with pytest.raises(Conflict) as caught:
        engine.issue_ticket(category="A")
    assert caught.value.code == "last_ticket_passed"
    assert "16:30" in caught.value.message


@pytest.mark.parametrize(
    "moment",
    [
        at("2025-03-12", "07:00"),
        at("2025-03-12", "12:30"),
        at("2025-03-12", "16:45"),
        at("2025-03-15", "10:00"),
    ],
)
def test_hours_are_not_enforced_when_switched_off_for_the_engine(
    make_engine: Callable[..., QueueEngine], clock: FixedClock, moment: datetime
) -> None:
    engine = make_engine(enforce_hours=False)
    clock.set(moment)
    assert engine.issue_ticket(category="A").number == "A001"


def test_hours_are_not_enforced_when_switched_off_in_the_config(
    make_engine: Callable[..., QueueEngine],
    hall_with: Callable[..., HallConfig],
    clock: FixedClock,
) -> None:
    engine = make_engine(hall_with(service={"enforce_hours": False}))
    clock.set(at("2025-03-15", "20:00"))
    assert engine.issue_ticket(category="A").number == "A001"


def test_sample_hall_enforces_hours_by_default(engine: QueueEngine) -> None:
    assert engine.config.service.enforce_hours is True
