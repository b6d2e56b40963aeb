"""Rating requests: one press per request, a timeout is no rating, stray presses rate nothing."""

from __future__ import annotations

import pytest

from devices.keypad.session import Outcome, RatingDesk


def test_the_first_press_answers_the_request_and_a_second_press_is_ignored() -> None:
    desk = RatingDesk()
    request, _ = desk.open(30, now=100.0)
    assert desk.press(2, now=101.0) is request
    assert (request.outcome, request.level) == (Outcome.RATED, 2)
    assert desk.press(5, now=101.5) is None
    assert request.level == 2


def test_a_timeout_is_no_rating_never_a_default_level() -> None:
    desk = RatingDesk()
    request, _ = desk.open(30, now=100.0)
    assert desk.expire(now=129.9) is None
    assert desk.expire(now=130.0) is request
    assert (request.outcome, request.level) == (Outcome.TIMED_OUT, None)


def test_a_press_after_the_deadline_does_not_rate_the_expired_request() -> None:
    desk = RatingDesk()
    request, _ = desk.open(10, now=0.0)
    assert desk.press(1, now=10.0) is None
    assert (request.outcome, request.level) == (Outcome.TIMED_OUT, None)


def test_presses_while_no_request_is_open_are_ignored() -> None:
    desk = RatingDesk()
    assert desk.press(1, now=0.0) is None
    request, _ = desk.open(10, now=1.0)
    assert request.outcome is None


def test_a_press_that_is_no_rating_leaves_the_request_open() -> None:
    desk = RatingDesk()
    request, _ = desk.open(10, now=0.0)
    assert desk.press(None, now=1.0) is None
    assert desk.current is request
    assert desk.press(3, now=2.0) is request


def test_a_new_request_cancels_the_open_one_without_a_rating() -> None:
    desk = RatingDesk()
    first, replaced = desk.open(30, now=0.0)
    assert replaced is None
    second, replaced = desk.open(30, now=5.0)
    assert replaced is first
    assert (first.outcome, first.level) == (Outcome.CANCELLED, None)
    assert desk.press(4, now=6.0) is second
    assert second.number != first.number


def test_time_left_counts_down_to_zero() -> None:
    desk = RatingDesk()
    assert desk.time_left(0.0) is None
    desk.open(5, now=0.0)
    assert desk.time_left(2.0) == 3.0
    assert desk.time_left(9.0) == 0.0


@pytest.mark.parametrize("timeout", [0, -1])
def test_a_request_needs_a_positive_timeout(timeout: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        RatingDesk().open(timeout, now=0.0)
