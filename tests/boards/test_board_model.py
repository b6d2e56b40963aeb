"""The window board's model: snapshot plus events give what the board shows (no Qt)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from boards.board_model import BoardModel, public_name

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


def _ticket(number: str = "A001", name: str | None = "张*三", **extra: Any) -> dict[str, Any]:
    """A called ticket as the hub's events and window states carry it (hub.wire.Ticket)."""
    return {
        "id": f"t-{number}",
        "number": number,
        "service_day": "2026-11-22",
        "category": "A",
        "lane": "ordinary",
        "status": "called",
        "issued_at": "2026-11-22T09:00:00+08:00",
        "name_masked": name,
        **extra,
    }


def _window(**extra: Any) -> dict[str, Any]:
    state: dict[str, Any] = {
        "number": 3,
        "name": "综合窗口",
        "unit": "示例镇便民服务中心",
        "categories": ["A", "D"],
        "status": "idle",
        "current": None,
        "pause_reason": None,
        "clerk_id": None,
        "clerk_name": None,
        "clerk": None,
        "rating_pending": None,
    }
    state.update(extra)
    return state


def _model(now: list[datetime] | None = None) -> BoardModel:
    clock = now if now is not None else [NOW]
    return BoardModel(3, categories={"A": "户籍业务", "D": "卫健业务"}, now=lambda: clock[0])


CLERK = {"number": "1003", "name": "张晓明", "title": "综合窗口受理员", "photo": None}
RATED = {
    "id": "r-1",
    "ticket_id": "t-A001",
    "number": "A001",
    "window": 3,
    "level": 5,
    "level_name": "非常满意",
    "channel": 5,
    "rated_at": "2026-11-22T09:30:00+08:00",
}


def test_snapshot_gives_window_unit_items_clerk_and_serving_number() -> None:
    model = _model()
    state = model.resync(
        _window(status="serving", current=_ticket("A007"), clerk=CLERK, clerk_id="1003")
    )
    assert (state.window, state.name, state.unit) == (3, "综合窗口", "示例镇便民服务中心")
    assert state.items == ("户籍业务", "卫健业务")
    assert state.clerk is not None and state.clerk.number == "1003"
    assert state.clerk.name == "张晓明"
    assert (state.status_key, state.serving, state.serving_name) == (
        "status_serving",
        "A007",
        "张*三",
    )


def test_a_call_for_this_window_shows_the_number_and_another_windows_call_does_not() -> None:
    model = _model()
    model.resync(_window())
    assert not model.apply("ticket.called", {"ticket": _ticket("B002"), "window": 4})
    assert model.state.serving is None
    assert model.apply("ticket.called", {"ticket": _ticket("A001"), "window": 3})
    assert (model.state.serving, model.state.status) == ("A001", "serving")


def test_pause_shows_the_reason_and_resume_returns_to_idle() -> None:
    model = _model()
    model.resync(_window())
    model.apply("window.paused", {"window": 3, "reason": "系统维护"})
    assert (model.state.status_key, model.state.pause_reason) == ("status_paused", "系统维护")
    model.apply("window.resumed", {"window": 3})
    assert (model.state.status_key, model.state.pause_reason) == ("status_idle", None)


def test_finish_clears_the_number_and_shows_the_rating_prompt_until_it_expires() -> None:
    clock = [NOW]
    model = _model(clock)
    model.resync(_window(status="serving", current=_ticket("A001")))
    model.apply("ticket.finished", {"ticket": _ticket("A001"), "window": 3})
    expires = (NOW + timedelta(seconds=30)).isoformat()
    model.apply(
        "rating.requested",
        {"ticket_id": "t-A001", "number": "A001", "window": 3, "expires_at": expires},
    )
    assert model.state.serving is None
    assert model.state.rating is not None and model.state.rating.number == "A001"
    clock[0] = NOW + timedelta(seconds=29)
    assert not model.tick()
    clock[0] = NOW + timedelta(seconds=31)
    assert model.tick()
    assert model.state.rating is None


def test_a_recorded_rating_replaces_the_prompt_with_thanks_for_a_few_seconds() -> None:
    clock = [NOW]
    model = _model(clock)
    expires = (NOW + timedelta(seconds=60)).isoformat()
    model.resync(
        _window(rating_pending={"ticket_id": "t-A001", "number": "A001", "expires_at": expires})
    )
    assert model.state.rating is not None
    model.apply("rating.recorded", RATED)
    assert model.state.rating is None and model.state.thanks_until is not None
    clock[0] = NOW + timedelta(seconds=6)
    assert model.tick()
    assert model.state.thanks_until is None


def test_window_clerk_event_shows_the_substitute_and_a_clerk_moving_away_leaves_none() -> None:
    model = _model()
    model.resync(_window(clerk=CLERK))
    substitute = {"number": "1009", "name": "赵敏", "title": "综合窗口受理员", "photo": "/p"}
    model.apply("window.clerk", {"window": 3, "clerk": substitute, "previous": CLERK})
    assert model.state.clerk is not None and model.state.clerk.number == "1009"
    assert model.state.clerk.photo == "/p"
    model.apply("window.clerk", {"window": 5, "clerk": substitute, "previous": None})
    assert model.state.clerk is None


def test_window_status_replaces_everything_including_a_stale_number() -> None:
    model = _model()
    model.resync(_window(status="serving", current=_ticket("A001")))
    model.apply("window.status", _window(status="idle"))
    assert model.state.serving is None and model.state.status == "idle"
    model.apply("window.status", {**_window(status="serving", current=_ticket("A9")), "number": 4})
    assert model.state.serving is None  # another window's status


def test_day_closed_empties_the_board() -> None:
    model = _model()
    model.resync(_window(status="serving", current=_ticket("A001"), clerk=CLERK))
    model.apply("day.closed", {"service_day": "2026-11-21", "next_day": "2026-11-22"})
    assert (model.state.serving, model.state.clerk, model.state.status) == (None, None, "idle")


def test_a_full_name_in_a_payload_is_masked_before_it_reaches_the_board() -> None:
    model = _model()
    model.apply("ticket.called", {"ticket": _ticket("A001", name="张小三"), "window": 3})
    assert model.state.serving_name == "张*三"
    assert public_name("欧阳小明") == "欧**明"
    assert public_name("") is None


def test_an_old_hub_without_the_clerk_field_still_shows_staff_number_and_name() -> None:
    model = _model()
    state = _window(clerk_id="1001", clerk_name="王丽华")
    del state["clerk"]
    model.resync(state)
    assert model.state.clerk is not None
    assert (model.state.clerk.number, model.state.clerk.name) == ("1001", "王丽华")


def test_an_unreadable_payload_or_an_unknown_event_changes_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    model = _model()
    model.resync(_window(status="serving", current=_ticket("A001"), clerk=CLERK))
    before = model.state
    with caplog.at_level(logging.WARNING):
        assert not model.apply("ticket.called", {"ticket": {"number": "A099"}, "window": 3})
        assert not model.apply("window.status", {"number": 3, "status": "idle"})
        assert not model.apply("window.clerk", {"window": 3, "clerk": "李四"})
        assert not model.apply("ticket.finished", {"ticket": None, "window": "three"})
        assert model.resync({"number": 3}) == before
    assert len(caplog.records) == 5
    assert not model.apply("case.status", {"receipt": "R1", "window": 3})
    assert model.state == before
