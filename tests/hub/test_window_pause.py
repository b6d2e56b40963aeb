"""Pausing a window (暂停) with a reason, and resuming it."""

from __future__ import annotations

import pytest

from hub.engine import QueueEngine
from hub.errors import Conflict, Invalid
from hub.models import WindowStatus


@pytest.mark.parametrize("reason", ["", "   ", "很" * 101])
def test_pause_needs_a_short_reason(engine: QueueEngine, reason: str) -> None:
    with pytest.raises(Invalid) as caught:
        engine.pause(1, reason)
    assert caught.value.code == "reason_required"
    assert engine.window_state(1).status is WindowStatus.IDLE


def test_paused_window_shows_its_reason(engine: QueueEngine) -> None:
    state = engine.pause(1, "  临时离岗  ")
    assert state.status is WindowStatus.PAUSED
    assert state.pause_reason == "临时离岗"
    assert engine.window_state(1).pause_reason == "临时离岗"
    assert engine.pause(2, "很" * 100).status is WindowStatus.PAUSED


def test_pause_is_refused_while_serving(engine: QueueEngine) -> None:
    engine.issue_ticket(category="A")
    engine.call_next(1)
    with pytest.raises(Conflict) as caught:
        engine.pause(1, "午休")
    assert caught.value.code == "window_busy"
    assert engine.window_state(1).status is WindowStatus.SERVING


def test_paused_window_cannot_call(engine: QueueEngine) -> None:
    engine.issue_ticket(category="A")
    engine.pause(1, "午休")
    with pytest.raises(Conflict) as caught:
        engine.call_next(1)
    assert caught.value.code == "window_paused"
    with pytest.raises(Conflict):
        engine.call_number(1, "A001")


def test_resume_makes_the_window_call_again(engine: QueueEngine) -> None:
    engine.issue_ticket(category="A")
    engine.pause(1, "午休")
    state = engine.resume(1)
    assert state.status is WindowStatus.IDLE
    assert state.pause_reason is None
    called = engine.call_next(1)
    assert called is not None
    assert called.number == "A001"


def test_resume_of_a_window_that_is_not_paused_is_refused(engine: QueueEngine) -> None:
    with pytest.raises(Conflict) as caught:
        engine.resume(1)
    assert caught.value.code == "not_paused"
