"""The counter's workflow without Qt: sign-in, the window's keys, what is refused and why."""

from __future__ import annotations

from config.sample import DEMO_STAFF_PIN
from counter.states import Action, Phase
from tests.counter.conftest import Counter


def test_nothing_but_sign_in_works_before_a_clerk_signs_in(counter: Counter) -> None:
    counter.hub.issue("A")
    assert counter.flow.phase is Phase.SIGNED_OUT
    assert not counter.flow.press(Action.CALL_NEXT)
    assert str(counter.flow.snapshot().message) == "请先登录。"
    assert ("call_next", (1,)) not in counter.hub.calls


def test_a_wrong_pin_is_a_sentence_with_the_hubs_tries_left(counter: Counter) -> None:
    counter.flow.sign_in("1001", "0000")
    snap = counter.flow.snapshot()
    assert snap.phase is Phase.SIGNED_OUT
    assert snap.message is not None and snap.message.text == "密码不对。"
    assert snap.message.detail == "还可以再试4次"


def test_sign_in_needs_staff_number_and_pin_before_asking_the_hub(counter: Counter) -> None:
    assert not counter.flow.sign_in("1001", " ")
    assert counter.hub.calls == []


def test_signed_in_clerk_is_named_and_the_window_is_idle(counter: Counter) -> None:
    counter.signed_in("1001")
    snap = counter.flow.snapshot()
    assert snap.phase is Phase.IDLE
    assert snap.clerk is not None and snap.clerk.name == "王丽华"
    assert str(snap.message) == "王丽华已在1号窗口登录"


def test_a_substitute_signing_in_replaces_the_clerk_ab_cover(counter: Counter) -> None:
    counter.signed_in("1001")
    counter.flow.sign_in("1009", DEMO_STAFF_PIN)
    snap = counter.flow.snapshot()
    assert snap.clerk is not None and snap.clerk.number == "1009"
    assert str(snap.message) == "周文已接替王丽华在本窗口办理（AB岗）"


def test_a_refresh_read_before_the_sign_in_answered_does_not_sign_the_clerk_out(
    counter: Counter,
) -> None:
    # The live link's refresh reads the window (nobody signed in yet), the clerk's sign-in is
    # answered, then the refresh lands: its older picture must not undo the sign-in.
    read = counter.hub.window

    def read_then_the_sign_in_answers(window: int) -> object:
        before = read(window)
        counter.hub.window = read  # type: ignore[method-assign]
        counter.signed_in("1001")
        return before

    counter.hub.window = read_then_the_sign_in_answers  # type: ignore[method-assign,assignment]
    counter.flow.refresh()
    snap = counter.flow.snapshot()
    assert snap.phase is Phase.IDLE
    assert snap.clerk is not None and snap.clerk.number == "1001"
    assert str(snap.message) == "王丽华已在1号窗口登录"


def test_call_next_serves_the_ticket_and_shows_its_category_and_lane(counter: Counter) -> None:
    counter.hub.issue("A")
    counter.hub.issue("B", lane="green")
    counter.signed_in()
    assert counter.flow.press(Action.CALL_NEXT)
    snap = counter.flow.snapshot()
    assert snap.phase is Phase.SERVING
    assert snap.current is not None and snap.current.number == "B001"
    assert str(snap.message) == "已呼叫B001号"
    assert snap.queue == {
        "A": {"appointment": 0, "green": 0, "ordinary": 1},
        "B": {"appointment": 0, "green": 0, "ordinary": 0},
    }


def test_call_next_with_nobody_waiting_says_so(counter: Counter) -> None:
    counter.signed_in()
    counter.flow.press(Action.CALL_NEXT)
    assert str(counter.flow.snapshot().message) == "现在没有人等候本窗口"
    assert counter.flow.phase is Phase.IDLE


def test_elapsed_service_time_counts_from_the_call(counter: Counter) -> None:
    counter.hub.issue("A")
    counter.signed_in()
    counter.flow.press(Action.CALL_NEXT)
    assert counter.flow.snapshot().elapsed_seconds == 0
    counter.clock.advance(75)
    assert counter.flow.snapshot().elapsed_seconds == 75


def test_calling_while_serving_is_refused_before_the_hub_is_asked(counter: Counter) -> None:
    counter.hub.issue("A")
    counter.hub.issue("A")
    counter.signed_in()
    counter.flow.press(Action.CALL_NEXT)
    calls = len(counter.hub.calls)
    assert not counter.flow.press(Action.CALL_NEXT)
    assert str(counter.flow.snapshot().message) == "正在办理A001号，请先办结、过号或转移。"
    assert len(counter.hub.calls) == calls


def test_call_a_given_number_checks_its_form_first(counter: Counter) -> None:
    counter.hub.issue("A")
    counter.hub.issue("A")
    counter.signed_in()
    assert not counter.flow.call_number("12")
    assert str(counter.flow.snapshot().message) == "号码是一个字母加数字，如 A001，请再输入一次。"
    assert counter.flow.call_number("a002")
    current = counter.flow.snapshot().current
    assert current is not None and current.number == "A002"


def test_an_unknown_number_is_the_hubs_refusal_in_a_sentence(counter: Counter) -> None:
    counter.signed_in()
    counter.flow.call_number("A123")
    message = counter.flow.snapshot().message
    assert message is not None and message.text == "今天没有这个号码，请核对。"
    assert counter.flow.snapshot().message_is_error


def test_recall_skip_and_finish_need_a_ticket(counter: Counter) -> None:
    counter.signed_in()
    for action in (Action.RECALL, Action.SKIP, Action.FINISH, Action.TRANSFER):
        assert counter.flow.refusal(action) is not None
    assert not counter.flow.press(Action.SKIP)
    assert str(counter.flow.snapshot().message) == "当前没有办理中的号。"


def test_skip_frees_the_window(counter: Counter) -> None:
    counter.hub.issue("A")
    counter.signed_in()
    counter.flow.press(Action.CALL_NEXT)
    counter.flow.press(Action.RECALL)
    assert str(counter.flow.snapshot().message) == "已重呼A001号"
    counter.flow.press(Action.SKIP)
    assert counter.flow.phase is Phase.IDLE
    assert str(counter.flow.snapshot().message) == "A001号已过号"


def test_transfer_needs_one_target_and_a_reason(counter: Counter) -> None:
    counter.hub.issue("A")
    counter.signed_in()
    counter.flow.press(Action.CALL_NEXT)
    assert not counter.flow.transfer(reason="群众要求")
    assert not counter.flow.transfer(category="C", to_window=3, reason="群众要求")
    assert not counter.flow.transfer(category="C", reason=" ")
    assert counter.flow.transfer(category="C", reason="取错业务类别")
    assert ("transfer", (1, "C", None, "取错业务类别")) in counter.hub.calls
    assert counter.flow.phase is Phase.IDLE
    assert str(counter.flow.snapshot().message) == "A001号已转到C类（公积金业务）"


def test_transfer_to_a_window(counter: Counter) -> None:
    counter.hub.issue("A")
    counter.signed_in()
    counter.flow.press(Action.CALL_NEXT)
    counter.flow.transfer(to_window=3, reason="需其他窗口办理")
    assert str(counter.flow.snapshot().message) == "A001号已转到3号窗口"


def test_pause_with_a_reason_then_resume(counter: Counter) -> None:
    counter.signed_in()
    assert not counter.flow.pause("  ")
    assert counter.flow.pause("业务培训")
    snap = counter.flow.snapshot()
    assert snap.phase is Phase.PAUSED and snap.pause_reason == "业务培训"
    assert not counter.flow.press(Action.CALL_NEXT)
    assert str(counter.flow.snapshot().message) == "窗口暂停服务中，请先恢复服务。"
    assert counter.flow.press(Action.RESUME)
    assert counter.flow.phase is Phase.IDLE


def test_resume_when_not_paused_is_refused(counter: Counter) -> None:
    counter.signed_in()
    assert not counter.flow.press(Action.RESUME)
    assert str(counter.flow.snapshot().message) == "窗口没有暂停。"


def test_sign_out_while_serving_is_refused(counter: Counter) -> None:
    counter.hub.issue("A")
    counter.signed_in()
    counter.flow.press(Action.CALL_NEXT)
    assert not counter.flow.sign_out()
    counter.flow.press(Action.SKIP)
    assert counter.flow.sign_out()
    assert counter.flow.phase is Phase.SIGNED_OUT


def test_todays_figures_come_from_the_hub(counter: Counter) -> None:
    counter.hub.set_figures(1, [240.0, 360.0])
    counter.signed_in()
    today = counter.flow.snapshot().today
    assert (today.finished, today.average_minutes, today.source) == (2, 5.0, "hub")


def test_todays_figures_are_counted_here_when_the_hub_gives_none(counter: Counter) -> None:
    counter.hub.give_today = False
    counter.hub.issue("A")
    counter.signed_in()
    counter.flow.press(Action.CALL_NEXT)
    counter.clock.advance(120)
    counter.flow.press(Action.FINISH)
    counter.keypad.time_out()
    today = counter.flow.snapshot().today
    assert (today.finished, today.average_minutes, today.source) == (1, 2.0, "seen")


def test_a_press_while_another_runs_is_refused_not_queued(counter: Counter) -> None:
    jobs: list[object] = []

    class Held:
        def submit(self, job: object) -> None:
            jobs.append(job)

    counter.signed_in()
    counter.hub.issue("A")
    counter.flow._executor = Held()
    assert counter.flow.press(Action.CALL_NEXT)
    assert counter.flow.snapshot().busy
    assert not counter.flow.press(Action.CALL_NEXT)
    assert str(counter.flow.snapshot().message) == "上一个操作还在进行，请稍候再按。"
    assert len(jobs) == 1


def test_a_bug_in_a_job_leaves_a_sentence_and_frees_the_keys(counter: Counter) -> None:
    counter.signed_in()

    def broken(window: int) -> None:
        raise RuntimeError("boom")

    counter.hub.call_next = broken  # type: ignore[method-assign]
    counter.flow.press(Action.CALL_NEXT)
    snap = counter.flow.snapshot()
    assert str(snap.message) == "排队系统出了问题，这次操作没有完成，请联系技术人员。"
    assert not snap.busy
