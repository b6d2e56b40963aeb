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


def test_calling_next_waits_for_the_rating(counter: Counter) -> None:
    finished(counter)
    counter.hub.issue("A")
    assert not counter.flow.press(Action.CALL_NEXT)
    assert str(counter.flow.snapshot().message) == "请等待群众在评价器上评价。"
    counter.keypad.time_out()
    assert counter.flow.press(Action.CALL_NEXT)


def test_a_bad_key_asks_the_clerk_for_the_reason_and_keeps_the_level(counter: Counter) -> None:
    finished(counter)
    counter.keypad.press(5)
    snap = counter.flow.snapshot()
    assert snap.phase is Phase.BAD_REASON
    assert snap.rating_level == 5
    assert snap.bad_reasons[0] == "等候时间过长"
    assert counter.hub.ratings == []
    assert not counter.flow.press(Action.CALL_NEXT)
    assert counter.flow.choose_bad_reason("办事效率低")
    assert counter.hub.ratings == [(1, 5, "办事效率低")]
    snap = counter.flow.snapshot()
    assert snap.phase is Phase.IDLE
    assert snap.rating_line == (
        "群众评价：非常不满意；已提交差评原因“办事效率低”，已转整改回访，须在2025-03-26前完成"
    )


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
