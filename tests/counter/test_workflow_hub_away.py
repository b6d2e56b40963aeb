"""Hub away: said at once, every press refused with a sentence, nothing replayed on return."""

from __future__ import annotations

from counter.states import Action, Phase
from tests.counter.conftest import Counter


def test_a_failed_call_marks_the_hub_away_and_says_it_may_not_have_happened(
    counter: Counter,
) -> None:
    counter.hub.issue("A")
    counter.signed_in()
    counter.hub.away = True
    counter.flow.press(Action.CALL_NEXT)
    snap = counter.flow.snapshot()
    assert not snap.hub_ok
    assert str(snap.message) == (
        "排队系统连接不上，这次操作可能没有完成；恢复连接后请查看当前状态再操作。"
    )


def test_presses_while_away_are_refused_and_never_replayed(counter: Counter) -> None:
    counter.hub.issue("A")
    counter.signed_in()
    counter.flow.hub_lost()
    calls = len(counter.hub.calls)
    for action in (Action.CALL_NEXT, Action.RESUME):
        assert not counter.flow.press(action)
    assert not counter.flow.pause("午间休息")
    assert str(counter.flow.snapshot().message) == (
        "排队系统连接中断，这次按键没有执行；恢复连接后请重新操作。"
    )
    counter.flow.refresh()
    counter.flow.hub_back()
    assert [name for name, _ in counter.hub.calls[calls:]] == ["window", "queue"]
    assert counter.flow.phase is Phase.IDLE
    assert str(counter.flow.snapshot().message) == "排队系统已恢复连接"
    assert counter.flow.press(Action.CALL_NEXT)


def test_a_rating_that_arrives_while_away_is_not_kept_to_post_later(counter: Counter) -> None:
    counter.hub.issue("A")
    counter.signed_in()
    counter.flow.press(Action.CALL_NEXT)
    counter.flow.press(Action.FINISH)
    counter.hub.away = True
    counter.keypad.press(1)
    assert counter.flow.snapshot().rating_line == (
        "评价没能提交到排队系统：排队系统连接不上，这次操作可能没有完成；恢复连接后请查看当前状态再操作。"
    )
    counter.hub.away = False
    counter.flow.refresh()
    counter.flow.hub_back()
    assert counter.hub.ratings == []


def test_another_clerk_taking_the_window_signs_this_one_out(counter: Counter) -> None:
    counter.signed_in("1001")
    counter.hub.sign_in(1, "1009", "2580")
    counter.flow.refresh()
    assert counter.flow.phase is Phase.SIGNED_OUT
    assert str(counter.flow.snapshot().message) == "周文已在本窗口登录，您已退出。"


def test_signing_in_at_another_window_signs_the_clerk_out_here(counter: Counter) -> None:
    counter.signed_in("1001")
    counter.hub.sign_in(2, "1001", "2580")
    counter.flow.refresh()
    assert counter.flow.phase is Phase.SIGNED_OUT
    assert "请重新登录" in str(counter.flow.snapshot().message)
