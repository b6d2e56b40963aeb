"""Rating after finish: only the keypad gives a level; a 差评 asks the clerk for the reason."""

from __future__ import annotations

import inspect

from counter.states import Action, Phase
from counter.workflow import CounterWorkflow
from tests.counter.conftest import Counter


def finished(counter: Counter) -> Counter:
    counter.hub.issue("A")
    counter.signed_in()
    counter.flow.press(Action.CALL_NEXT)
    counter.flow.press(Action.FINISH)
    return counter


def test_finish_asks_the_keypad_for_the_configured_timeout(counter: Counter) -> None:
    finished(counter)
    assert counter.keypad.requests == [30.0]
    snap = counter.flow.snapshot()
    assert snap.phase is Phase.RATING
    assert snap.rating_line == "请评价：请群众在评价器上按键（还剩30秒）"
    counter.clock.advance(12)
    assert counter.flow.snapshot().rating_line == "请评价：请群众在评价器上按键（还剩18秒）"


def test_a_good_key_is_posted_and_shown(counter: Counter) -> None:
    finished(counter)
    counter.keypad.press(2)
    assert counter.hub.ratings == [(1, 2, None)]
    snap = counter.flow.snapshot()
    assert snap.phase is Phase.IDLE
    assert snap.rating_line == "群众评价：满意"


def test_no_key_before_the_timeout_is_no_rating_and_nothing_posted(counter: Counter) -> None:
    finished(counter)
    counter.keypad.time_out()
    snap = counter.flow.snapshot()
    assert snap.rating_line == "未评价"
    assert snap.phase is Phase.IDLE
    assert counter.hub.ratings == []


def test_calling_next_while_the_citizen_rates_keeps_the_rating_with_the_served_ticket(
    counter: Counter,
) -> None:
    finished(counter)
    counter.hub.issue("A")
    assert counter.flow.press(Action.CALL_NEXT)
    snap = counter.flow.snapshot()
    assert snap.phase is Phase.SERVING
    assert snap.current is not None and snap.current.number == "A002"
    assert snap.rating is not None
    assert (snap.rating.number, snap.rating.open) == ("A001", True)
    counter.keypad.press(2)  # the first citizen presses while the second sits down
    assert counter.hub.ratings == [(1, 2, None)]
    assert counter.hub.rated_tickets == ["t-A001"]


def test_a_bad_key_asks_the_clerk_for_the_reason_and_keeps_the_level(counter: Counter) -> None:
    finished(counter)
    counter.keypad.press(5)
    snap = counter.flow.snapshot()
    assert snap.phase is Phase.BAD_REASON
    assert snap.rating_level == 5
    assert snap.rating is not None and snap.rating.wants_reason
    assert snap.bad_reasons[0] == "等候时间过长"
    assert counter.hub.ratings == []
    assert counter.flow.choose_bad_reason("办事效率低")
    assert counter.hub.ratings == [(1, 5, "办事效率低")]
    snap = counter.flow.snapshot()
    assert snap.phase is Phase.IDLE
    assert snap.rating_line == (
        "群众评价：非常不满意；已提交差评原因“办事效率低”，已转整改回访，须在2025-03-26前完成"
    )


def test_a_bad_rating_waits_for_its_reason_without_blocking_the_next_call(
    counter: Counter,
) -> None:
    finished(counter)
    counter.keypad.press(4)
    counter.hub.issue("A")
    assert counter.flow.press(Action.CALL_NEXT)
    snap = counter.flow.snapshot()
    assert snap.phase is Phase.SERVING
    assert snap.rating is not None and snap.rating.wants_reason
    # Only finishing the next service waits: the keypad asks one citizen at a time.
    assert not counter.flow.press(Action.FINISH)
    assert str(counter.flow.snapshot().message) == "请先选择A001号群众给出的差评原因，再办结。"
    assert counter.flow.choose_bad_reason("服务态度不好")
    assert counter.hub.rated_tickets == ["t-A001"]
    assert counter.flow.press(Action.FINISH)
    assert counter.flow.snapshot().rating is not None
    assert counter.flow.snapshot().rating.number == "A002"  # type: ignore[union-attr]


def test_signing_out_while_the_citizen_rates_still_records_the_rating(counter: Counter) -> None:
    finished(counter)
    assert counter.flow.sign_out()
    assert counter.flow.phase is Phase.SIGNED_OUT
    counter.keypad.press(1)
    assert counter.hub.rated_tickets == ["t-A001"]
    assert counter.flow.snapshot().rating_line == "群众评价：非常满意"


def test_a_bad_rating_reason_can_be_given_after_sign_out(counter: Counter) -> None:
    finished(counter)
    counter.keypad.press(5)
    assert counter.flow.sign_out()
    snap = counter.flow.snapshot()
    assert snap.phase is Phase.SIGNED_OUT
    assert snap.rating is not None and snap.rating.wants_reason
    assert counter.flow.choose_bad_reason("其他")
    assert counter.hub.ratings == [(1, 5, "其他")]


def test_a_bad_rating_whose_reason_time_ran_out_says_so_and_frees_the_window(
    counter: Counter,
) -> None:
    finished(counter)
    counter.keypad.press(5)
    counter.clock.advance(30 + 120 - 5 - 2)
    left = counter.flow.snapshot().rating
    assert left is not None and left.seconds_left == 2
    counter.clock.advance(3)
    snap = counter.flow.snapshot()
    assert snap.phase is Phase.IDLE
    assert snap.rating_line == "差评原因未在时限内选择，排队系统不再接收这次评价。"
    assert not counter.flow.choose_bad_reason("其他")
    assert counter.hub.ratings == []


def test_a_recorded_ratings_line_leaves_the_band_after_a_while(counter: Counter) -> None:
    finished(counter)
    counter.keypad.press(1)
    assert counter.flow.snapshot().rating is not None
    counter.clock.advance(21)
    assert counter.flow.snapshot().rating is None


def test_no_method_lets_the_clerk_post_a_level() -> None:
    """The only way a level reaches the hub is the keypad's callback."""
    for name, method in inspect.getmembers(CounterWorkflow, inspect.isfunction):
        if name.startswith("_"):
            continue
        assert "level" not in inspect.signature(method).parameters, name


def test_a_rating_the_hub_refuses_is_said_plainly(counter: Counter) -> None:
    finished(counter)
    counter.hub.refuse_next = (409, "rating_expired", "评价时间已过")
    counter.keypad.press(1)
    line = counter.flow.snapshot().rating_line
    assert line == "评价没能提交到排队系统：评价时间已过，本次服务记为未评价。"


def test_a_new_call_clears_the_last_rating_line(counter: Counter) -> None:
    finished(counter)
    counter.keypad.press(1)
    counter.hub.issue("A")
    counter.flow.press(Action.CALL_NEXT)
    assert counter.flow.snapshot().rating_line is None


def test_without_a_keypad_finish_goes_straight_back_to_idle(counter: Counter) -> None:
    counter.flow.keypad = None
    finished(counter)
    assert counter.flow.phase is Phase.IDLE
    assert counter.flow.snapshot().rating_line is None
