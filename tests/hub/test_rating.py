"""好差评: finish opens one rating; 差评 need a reason and open a follow-up; timeouts rate nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from config import HallConfig
from hub.engine import QueueEngine
from hub.errors import Conflict, Invalid, NotFound
from sync.clock import FixedClock


def served(engine: QueueEngine, clock: FixedClock, window: int = 1) -> str:
    """Issue, call and finish one ticket at ``window`` after a 4-minute service; its number."""
    ticket = engine.issue_ticket(category="A")
    engine.call_next(window)
    clock.advance(240)
    engine.finish(window)
    return ticket.number


def followups(engine: QueueEngine) -> list[dict[str, object]]:
    return list(engine.store.reader().query("SELECT * FROM followups"))


def ratings_count(engine: QueueEngine) -> int:
    return int(engine.store.reader().execute("SELECT COUNT(*) FROM ratings").fetchone()[0])


def test_finish_opens_a_rating_request_at_the_window(
    engine: QueueEngine, clock: FixedClock
) -> None:
    number = served(engine, clock)
    pending = engine.window_state(1).rating_pending
    assert pending is not None
    assert pending["number"] == number
    assert pending["expires_at"] == "2025-03-12T09:34:30.000+08:00"


@pytest.mark.parametrize("level", [1, 2, 3])
def test_good_and_fair_ratings_need_no_reason(
    engine: QueueEngine, clock: FixedClock, level: int
) -> None:
    number = served(engine, clock)
    rating = engine.rate(1, level)
    assert (rating.number, rating.level, rating.window) == (number, level, 1)
    assert rating.channel == 5  # hall terminal
    assert rating.followup_due is None
    assert followups(engine) == []
    assert engine.window_state(1).rating_pending is None


@pytest.mark.parametrize("level", [0, 6, -1])
def test_levels_outside_1_to_5_are_refused(
    engine: QueueEngine, clock: FixedClock, level: int
) -> None:
    served(engine, clock)
    with pytest.raises(Invalid) as caught:
        engine.rate(1, level)
    assert caught.value.code == "bad_level"


@pytest.mark.parametrize("reason", [None, "", "   "])
@pytest.mark.parametrize("level", [4, 5])
def test_bad_rating_needs_a_reason(
    engine: QueueEngine, clock: FixedClock, level: int, reason: str | None
) -> None:
    served(engine, clock)
    with pytest.raises(Invalid) as caught:
        engine.rate(1, level, reason)
    assert caught.value.code == "reason_required"
    assert ratings_count(engine) == 0


@pytest.mark.parametrize("level", [4, 5])
def test_bad_rating_opens_a_follow_up_due_in_fifteen_working_days(
    engine: QueueEngine, clock: FixedClock, level: int
) -> None:
    served(engine, clock)
    rating = engine.rate(1, level, "等候时间过长")
    # Wednesday 2025-03-12 + 15 working days = Wednesday 2025-04-02.
    assert rating.followup_due == "2025-04-02"
    [followup] = followups(engine)
    assert followup["status"] == "pending"
    assert followup["kind"] == "rating"
    assert followup["rating_id"] == rating.id
    # Verified within 5 working days (Wed 19 March), closed within 15.
    assert followup["verify_due_on"] == "2025-03-19"
    assert followup["close_due_on"] == "2025-04-02"
    assert followup["level"] == level
    assert followup["reason"] == "等候时间过长"
    assert followup["ticket_id"] == rating.ticket_id


def test_follow_up_due_date_skips_the_halls_holidays(
    make_engine: Callable[..., QueueEngine],
    hall_with: Callable[..., HallConfig],
    clock: FixedClock,
) -> None:
    engine = make_engine(
        hall_with(service={"holidays": ["2025-03-14"]}, rating={"followup_working_days": 5})
    )
    served(engine, clock)
    # Thu 13 (1), Fri 14 holiday, Mon 17 (2), Tue 18 (3), Wed 19 (4), Thu 20 (5).
    assert engine.rate(1, 5, "其他").followup_due == "2025-03-20"


def test_a_service_is_rated_only_once(engine: QueueEngine, clock: FixedClock) -> None:
    served(engine, clock)
    engine.rate(1, 1)
    with pytest.raises(Conflict) as caught:
        engine.rate(1, 5, "其他")
    assert caught.value.code == "no_rating_pending"
    assert ratings_count(engine) == 1


def test_late_key_within_the_grace_still_counts(engine: QueueEngine, clock: FixedClock) -> None:
    served(engine, clock)
    clock.advance(30 + 5)
    assert engine.rate(1, 2).level == 2


def test_rating_after_timeout_and_grace_is_refused_and_nothing_is_recorded(
    engine: QueueEngine, clock: FixedClock
) -> None:
    served(engine, clock)
    clock.advance(30 + 5 + 1)
    with pytest.raises(Conflict) as caught:
        engine.rate(1, 1)
    assert caught.value.code == "rating_expired"
    assert ratings_count(engine) == 0


def test_a_bad_rating_may_wait_for_the_clerk_to_ask_its_reason(
    engine: QueueEngine, clock: FixedClock
) -> None:
    served(engine, clock)
    clock.advance(30 + 90)  # keypad pressed at 29 s; the reason was picked a minute later
    assert engine.rate(1, 5, "等候时间过长").followup_due is not None


def test_a_bad_rating_after_the_reason_time_is_refused(
    engine: QueueEngine, clock: FixedClock
) -> None:
    served(engine, clock)
    clock.advance(30 + 121)
    with pytest.raises(Conflict) as caught:
        engine.rate(1, 4, "其他")
    assert caught.value.code == "rating_expired"
    assert ratings_count(engine) == 0


def test_timeout_leaves_no_pending_rating_and_invents_none(
    engine: QueueEngine, clock: FixedClock
) -> None:
    served(engine, clock)
    clock.advance(31)
    assert engine.window_state(1).rating_pending is None
    assert ratings_count(engine) == 0


def test_rating_with_nothing_finished_is_refused(engine: QueueEngine) -> None:
    with pytest.raises(Conflict) as caught:
        engine.rate(1, 1)
    assert caught.value.code == "no_rating_pending"


def test_skipped_ticket_cannot_be_rated(engine: QueueEngine) -> None:
    engine.issue_ticket(category="A")
    engine.call_next(1)
    engine.skip(1)
    with pytest.raises(Conflict):
        engine.rate(1, 1)


def test_each_window_rates_its_own_last_service(engine: QueueEngine, clock: FixedClock) -> None:
    engine.issue_ticket(category="A")
    engine.issue_ticket(category="A")
    engine.call_next(1)
    engine.call_next(2)
    clock.advance(120)
    engine.finish(1)
    engine.finish(2)
    assert engine.rate(2, 3).number == "A002"
    assert engine.rate(1, 1).number == "A001"


def test_rating_at_an_unknown_window_is_not_found(engine: QueueEngine) -> None:
    with pytest.raises(NotFound):
        engine.rate(42, 1)
