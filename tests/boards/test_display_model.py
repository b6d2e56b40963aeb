"""The hall display's model: calls, waiting counts and what the voice says (no Qt)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from boards.display_model import FRESH_SECONDS, Announcement, DisplayModel
from tests.boards.board_fakes import wire_queue, wire_window


def _ticket(number: str, calls: int = 1, recalls: int = 0, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"t-{number}",
        "number": number,
        "service_day": "2026-11-22",
        "category": number[0],
        "lane": "ordinary",
        "status": "called",
        "issued_at": "2026-11-22T09:00:00+08:00",
        "call_count": calls,
        "recall_count": recalls,
        **extra,
    }


def _model(clock: list[float] | None = None) -> DisplayModel:
    now = clock if clock is not None else [100.0]
    return DisplayModel(
        hall="示例镇", categories={"A": "户籍业务", "B": "人社业务"}, monotonic=lambda: now[0]
    )


def test_two_windows_calling_at_once_are_both_listed_and_both_announced_in_order() -> None:
    model = _model()
    first = model.apply("ticket.called", {"ticket": _ticket("A001"), "window": 1})
    second = model.apply("ticket.called", {"ticket": _ticket("B001"), "window": 2})
    assert first + second == [
        Announcement("call", "A001", 1),
        Announcement("call", "B001", 2),
    ]
    assert [(c.number, c.window) for c in model.state.calls] == [("B001", 2), ("A001", 1)]


def test_a_recall_is_announced_again_and_moves_the_number_to_the_top() -> None:
    model = _model()
    model.apply("ticket.called", {"ticket": _ticket("A001"), "window": 1})
    model.apply("ticket.called", {"ticket": _ticket("B001"), "window": 2})
    said = model.apply("ticket.recalled", {"ticket": _ticket("A001", recalls=1), "window": 1})
    assert said == [Announcement("recall", "A001", 1)]
    assert [c.number for c in model.state.calls] == ["A001", "B001"]


def test_the_same_event_seen_twice_is_listed_and_said_once() -> None:
    model = _model()
    event = {"ticket": _ticket("A001"), "window": 1}
    assert model.apply("ticket.called", event)
    assert model.apply("ticket.called", event) == []
    assert len(model.state.calls) == 1


def test_only_the_newest_call_is_highlighted_and_only_for_a_while() -> None:
    clock = [100.0]
    model = _model(clock)
    model.apply("ticket.called", {"ticket": _ticket("A001"), "window": 1})
    model.apply("ticket.called", {"ticket": _ticket("A002"), "window": 2})
    newest, older = model.state.calls
    assert model.state.fresh(newest, 100.0) and not model.state.fresh(older, 100.0)
    assert not model.state.fresh(newest, 100.0 + FRESH_SECONDS)


def test_the_list_keeps_the_latest_calls_only() -> None:
    model = DisplayModel(max_calls=3)
    for n in range(1, 6):
        model.apply("ticket.called", {"ticket": _ticket(f"A00{n}"), "window": n})
    assert [c.number for c in model.state.calls] == ["A005", "A004", "A003"]


def test_waiting_counts_follow_issue_call_requeue_and_transfer() -> None:
    model = _model()
    model.resync([], wire_queue({"A": {"ordinary": 2, "green": 1}, "B": {"ordinary": 0}}))
    assert model.state.waiting == (("A", "户籍业务", 3), ("B", "人社业务", 0))
    model.apply("ticket.issued", {"ticket": {**_ticket("B001"), "status": "waiting"}})
    model.apply("ticket.called", {"ticket": _ticket("A001"), "window": 1})
    model.apply("ticket.requeued", {"ticket": {**_ticket("A002"), "status": "waiting"}})
    model.apply(
        "ticket.transferred",
        {"ticket": {**_ticket("A003"), "category": "B", "status": "waiting"}, "from_window": 1},
    )
    assert model.state.waiting == (("A", "户籍业务", 3), ("B", "人社业务", 2))


def test_snapshot_lists_numbers_called_while_away_without_announcing_them() -> None:
    model = _model()
    windows = [
        wire_window(1, status="serving", current={**_ticket("A001"), "called_at": "09:01"}),
        wire_window(2, status="serving", current={**_ticket("B001"), "called_at": "09:02"}),
        wire_window(3, current=None),
    ]
    state = model.resync(windows, wire_queue({}))
    assert [(c.number, c.window) for c in state.calls] == [("B001", 2), ("A001", 1)]
    assert not state.fresh(state.calls[0], 100.0)
    # The replayed event of a call the snapshot already showed is not said again.
    assert model.apply("ticket.called", {"ticket": _ticket("B001"), "window": 2}) == []


def test_day_closed_clears_calls_and_counts() -> None:
    model = _model()
    model.resync([], wire_queue({"A": {"ordinary": 4}}))
    model.apply("ticket.called", {"ticket": _ticket("A001"), "window": 1})
    model.apply("day.closed", {"service_day": "d1", "next_day": "d2"})
    assert model.state.calls == ()
    assert model.state.waiting == (("A", "户籍业务", 0), ("B", "人社业务", 0))


def test_an_unreadable_call_is_neither_listed_nor_said(caplog: pytest.LogCaptureFixture) -> None:
    model = _model()
    with caplog.at_level(logging.WARNING):
        assert model.apply("ticket.called", {"ticket": {"number": "A001"}, "window": 1}) == []
        assert model.apply("ticket.recalled", {"ticket": _ticket("A001"), "window": "1号"}) == []
    assert model.state.calls == () and len(caplog.records) == 2
    assert model.apply("ticket.called", {"ticket": _ticket("A001"), "window": 1})
