"""Clerks at windows: PIN sign-in, lockout, one clerk one window, AB cover, sign-out, photos."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from config import HallConfig
from config.pins import hash_pin
from config.sample import DEMO_STAFF_PIN
from hub.engine import QueueEngine
from hub.errors import Conflict, Forbidden, Locked, NotFound
from sync.clock import FixedClock

FAST_HASH = hash_pin("1234", iterations=1000, salt=b"test-salt-16byte")


def staff(number: str, name: str, **extra: Any) -> dict[str, Any]:
    return {"number": number, "name": name, "pin_hash": FAST_HASH, **extra}


@pytest.fixture
def small_staff(hall_with: Callable[..., HallConfig]) -> Callable[..., HallConfig]:
    """The sample hall with three quick-to-check clerks (PIN 1234); 3001 only at windows 1–2."""

    def make(**sections: Any) -> HallConfig:
        return hall_with(
            staff=[
                staff("3001", "王丽华", title="综合窗口受理员", windows=[1, 2]),
                staff("3002", "李建国"),
                staff("3003", "周文", title="AB岗（后备）", photo="photos/3003.jpg"),
            ],
            **sections,
        )

    return make


@pytest.fixture
def desk(
    make_engine: Callable[..., QueueEngine], small_staff: Callable[..., HallConfig]
) -> QueueEngine:
    return make_engine(small_staff(), enforce_hours=False)


def event_types(engine: QueueEngine, after: int) -> list[tuple[str, dict[str, Any]]]:
    return [(e.type, e.payload) for e in engine.events_after(after)]


def test_a_right_pin_signs_the_clerk_in_and_the_window_shows_them(desk: QueueEngine) -> None:
    before = desk.last_seq()
    state = desk.sign_in(1, "3001", "1234").to_dict()
    assert state["clerk"] == {
        "number": "3001",
        "name": "王丽华",
        "title": "综合窗口受理员",
        "photo": None,
    }
    assert (state["clerk_id"], state["clerk_name"]) == ("3001", "王丽华")
    assert state["unit"] == ""
    events = event_types(desk, before)
    assert [t for t, _ in events] == ["window.clerk", "window.status"]
    assert events[0][1] == {"window": 1, "clerk": state["clerk"], "previous": None}
    assert events[1][1]["clerk"]["number"] == "3001"


def test_the_sample_clerks_sign_in_with_the_demo_pin(engine: QueueEngine) -> None:
    assert engine.sign_in(3, "1009", DEMO_STAFF_PIN).clerk_name == "周文"


def test_a_clerk_with_a_photo_gets_its_api_path(desk: QueueEngine) -> None:
    clerk = desk.sign_in(4, "3003", "1234").clerk
    assert clerk is not None
    assert clerk["photo"].startswith("/api/v1/staff/3003/photo?v=")


def test_a_wrong_pin_says_how_many_tries_are_left(desk: QueueEngine) -> None:
    with pytest.raises(Forbidden) as caught:
        desk.sign_in(1, "3001", "9999")
    assert caught.value.code == "pin_wrong"
    assert "还可以再试4次" in caught.value.message
    assert desk.window_state(1).clerk is None


def test_five_wrong_pins_lock_the_staff_number_for_five_minutes(
    desk: QueueEngine, clock: FixedClock
) -> None:
    for _ in range(4):
        with pytest.raises(Forbidden):
            desk.sign_in(1, "3001", "9999")
    with pytest.raises(Locked) as fifth:
        desk.sign_in(1, "3001", "9999")
    assert fifth.value.code == "staff_locked"
    assert "09:35:00" in fifth.value.message  # clock at 09:30 hall time, plus five minutes
    clock.advance(299)
    with pytest.raises(Locked):
        desk.sign_in(1, "3001", "1234")  # even the right PIN, while locked
    clock.advance(1)
    assert desk.sign_in(1, "3001", "1234").clerk_id == "3001"


def test_a_lock_is_per_staff_number(desk: QueueEngine) -> None:
    for _ in range(4):
        with pytest.raises(Forbidden):
            desk.sign_in(1, "3001", "0000")
    with pytest.raises(Locked):
        desk.sign_in(1, "3001", "0000")
    assert desk.sign_in(1, "3002", "1234").clerk_id == "3002"


def test_a_right_pin_starts_the_wrong_count_again(desk: QueueEngine) -> None:
    for _ in range(4):
        with pytest.raises(Forbidden):
            desk.sign_in(1, "3001", "0000")
    desk.sign_in(1, "3001", "1234")
    with pytest.raises(Forbidden) as caught:
        desk.sign_in(1, "3001", "0000")
    assert "还可以再试4次" in caught.value.message


def test_an_unknown_staff_number_is_not_found(desk: QueueEngine) -> None:
    with pytest.raises(NotFound) as caught:
        desk.sign_in(1, "9999", "1234")
    assert caught.value.code == "unknown_staff"


def test_a_clerk_may_not_sign_in_at_a_window_outside_their_list(desk: QueueEngine) -> None:
    with pytest.raises(Forbidden) as caught:
        desk.sign_in(3, "3001", "1234")
    assert caught.value.code == "staff_not_allowed"
    assert "1、2号窗口" in caught.value.message


def test_one_clerk_is_signed_in_at_one_window_only(desk: QueueEngine) -> None:
    desk.sign_in(1, "3002", "1234")
    before = desk.last_seq()
    desk.sign_in(5, "3002", "1234")
    assert desk.window_state(1).clerk is None
    assert desk.window_state(5).clerk_id == "3002"
    clerk_events = [p for t, p in event_types(desk, before) if t == "window.clerk"]
    assert [p["window"] for p in clerk_events] == [1, 5]
    assert clerk_events[0]["clerk"] is None
    assert clerk_events[0]["previous"]["number"] == "3002"
    assert clerk_events[1]["previous"] is None


def test_ab_cover_replaces_the_clerk_signed_in_at_the_window(desk: QueueEngine) -> None:
    desk.sign_in(1, "3001", "1234")
    desk.issue_ticket(category="A")
    desk.call_next(1)
    before = desk.last_seq()
    state = desk.sign_in(1, "3003", "1234")
    assert state.clerk_id == "3003"
    assert state.current is not None  # the citizen being served stays with the window
    clerk_event = next(p for t, p in event_types(desk, before) if t == "window.clerk")
    assert clerk_event["previous"]["number"] == "3001"
    assert clerk_event["clerk"]["number"] == "3003"


def test_signing_in_again_where_one_is_changes_nothing(desk: QueueEngine) -> None:
    desk.sign_in(1, "3001", "1234")
    before = desk.last_seq()
    assert desk.sign_in(1, "3001", "1234").clerk_id == "3001"
    assert desk.last_seq() == before


def test_sign_out_is_refused_while_a_ticket_is_being_served(desk: QueueEngine) -> None:
    desk.sign_in(1, "3001", "1234")
    desk.issue_ticket(category="A")
    desk.call_next(1)
    with pytest.raises(Conflict) as caught:
        desk.sign_out(1)
    assert caught.value.code == "still_serving"
    desk.finish(1)
    before = desk.last_seq()
    assert desk.sign_out(1).clerk is None
    kind, payload = event_types(desk, before)[0]
    assert (kind, payload["window"], payload["clerk"]) == ("window.clerk", 1, None)
    assert payload["previous"]["number"] == "3001"


def test_calling_without_a_clerk_is_refused_when_the_hall_requires_sign_in(
    make_engine: Callable[..., QueueEngine], small_staff: Callable[..., HallConfig]
) -> None:
    engine = make_engine(small_staff(service={"require_sign_in": True}), enforce_hours=False)
    engine.issue_ticket(category="A")
    with pytest.raises(Conflict) as by_next:
        engine.call_next(1)
    with pytest.raises(Conflict) as by_number:
        engine.call_number(1, "A001")
    assert by_next.value.code == by_number.value.code == "not_signed_in"
    engine.sign_in(1, "3001", "1234")
    called = engine.call_next(1)
    assert called is not None and called.number == "A001"


def test_calling_without_a_clerk_is_allowed_when_the_hall_does_not_require_it(
    desk: QueueEngine,
) -> None:
    desk.issue_ticket(category="A")
    assert desk.call_next(1) is not None


def test_a_rating_records_the_clerk_who_served(desk: QueueEngine) -> None:
    desk.sign_in(1, "3002", "1234")
    desk.issue_ticket(category="A")
    desk.call_next(1)
    desk.finish(1)
    desk.rate(1, 1)
    stored = desk.store.reader().execute("SELECT clerk_id FROM ratings").fetchone()[0]
    assert stored == "3002"


def test_a_new_service_day_signs_every_clerk_out(desk: QueueEngine, clock: FixedClock) -> None:
    desk.sign_in(1, "3001", "1234")
    clock.advance(24 * 3600)
    desk.issue_ticket(category="A")
    assert desk.window_state(1).clerk is None
