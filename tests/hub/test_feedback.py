"""Kiosk feedback handled by the hall: read, assigned, replied to and closed, each step audited
and announced, the phone masked for all but a supervisor."""

from __future__ import annotations

from typing import Any

import pytest

from hub.actors import Actor
from hub.audit import entries
from hub.engine import QueueEngine
from hub.errors import Conflict, Forbidden, Invalid, NotFound
from sync.clock import FixedClock
from tests.hub.followup_helpers import ADMIN, MANAGER, SUPERVISOR, TECHNICIAN


def suggestion(engine: QueueEngine, phone: str | None = "13800001234") -> dict[str, Any]:
    return engine.add_feedback(
        kind="suggestion", reason="等候区座椅不够", phone=phone, source="kiosk-1"
    )


def test_feedback_goes_from_new_to_closed_with_who_did_what_and_when(
    engine: QueueEngine, clock: FixedClock
) -> None:
    given = suggestion(engine)
    fresh = engine.feedback_item(given["id"])
    assert (fresh["status"], fresh["status_name"], fresh["phone"]) == ("new", "未读", "138****1234")
    clock.advance(60)
    read = engine.read_feedback(MANAGER, given["id"])
    assert (read["status"], read["read_by"], read["read_at"]) == (
        "read",
        "wangfang",
        "2025-03-12T09:31:00.000+08:00",
    )
    assigned = engine.assign_feedback(MANAGER, given["id"], " 后勤组 ")
    assert (assigned["status"], assigned["assignee"], assigned["assigned_by"]) == (
        "assigned",
        "后勤组",
        "wangfang",
    )
    replied = engine.reply_feedback(SUPERVISOR, given["id"], "已增加10把座椅")
    assert (replied["status"], replied["reply_note"], replied["replied_by"]) == (
        "assigned",
        "已增加10把座椅",
        "lidu",
    )
    closed = engine.close_feedback(SUPERVISOR, given["id"])
    assert (closed["status"], closed["closed_by"], closed["close_note"]) == ("closed", "lidu", None)
    actions = [a.action for a in entries(engine.store.reader(), target=f"feedback:{given['id']}")]
    assert actions == ["feedback.close", "feedback.reply", "feedback.assign", "feedback.read"]


def test_each_action_is_an_event_with_the_phone_masked(engine: QueueEngine) -> None:
    given = suggestion(engine)
    seq = engine.last_seq()
    engine.read_feedback(MANAGER, given["id"])
    engine.close_feedback(MANAGER, given["id"], "已转后勤")
    updates = [e.payload for e in engine.events_after(seq) if e.type == "feedback.updated"]
    assert [u["action"] for u in updates] == ["read", "close"]
    assert updates[1]["feedback"]["close_note"] == "已转后勤"
    assert updates[1]["actor"] == {"name": "wangfang", "role": "manager", "role_name": "负责人"}
    assert {u["feedback"]["phone"] for u in updates} == {"138****1234"}


def test_reading_again_changes_nothing(engine: QueueEngine) -> None:
    given = suggestion(engine)
    engine.read_feedback(MANAGER, given["id"])
    seq = engine.last_seq()
    assert engine.read_feedback(SUPERVISOR, given["id"])["read_by"] == "wangfang"
    assert engine.events_after(seq) == []


def test_a_reply_to_new_feedback_marks_it_read(engine: QueueEngine) -> None:
    given = suggestion(engine)
    assert engine.reply_feedback(MANAGER, given["id"], "感谢建议")["status"] == "read"


def test_a_closed_feedback_takes_no_more_actions(engine: QueueEngine) -> None:
    given = suggestion(engine)
    engine.close_feedback(MANAGER, given["id"], None)
    for action in (
        lambda: engine.assign_feedback(MANAGER, given["id"], "后勤组"),
        lambda: engine.reply_feedback(MANAGER, given["id"], "好"),
        lambda: engine.close_feedback(MANAGER, given["id"]),
    ):
        with pytest.raises(Conflict) as refused:
            action()
        assert "该反映已于2025-03-12 09:30办结" in refused.value.message


@pytest.mark.parametrize(
    "action",
    [
        lambda e, i: e.assign_feedback(MANAGER, i, "  "),
        lambda e, i: e.reply_feedback(MANAGER, i, ""),
        lambda e, i: e.close_feedback(MANAGER, i, "长" * 501),
    ],
)
def test_empty_or_too_long_texts_are_refused(engine: QueueEngine, action: Any) -> None:
    given = suggestion(engine)
    with pytest.raises(Invalid):
        action(engine, given["id"])
    assert engine.feedback_item(given["id"])["status"] == "new"


def test_a_technician_does_not_handle_feedback(engine: QueueEngine) -> None:
    given = suggestion(engine)
    with pytest.raises(Forbidden):
        engine.read_feedback(TECHNICIAN, given["id"])
    with pytest.raises(NotFound):
        engine.read_feedback(MANAGER, "no-such-id")


@pytest.mark.parametrize(
    ("actor", "allowed"), [(SUPERVISOR, True), (ADMIN, True), (MANAGER, False)]
)
def test_the_phone_of_feedback_is_for_a_supervisors_call_back_only(
    engine: QueueEngine, actor: Actor, allowed: bool
) -> None:
    given = suggestion(engine)
    if allowed:
        assert engine.feedback_phone(actor, given["id"])["phone"] == "13800001234"
        [audit] = entries(engine.store.reader(), target=f"feedback:{given['id']}")
        assert (audit.action, audit.actor) == ("phone.read", actor.name)
    else:
        with pytest.raises(Forbidden):
            engine.feedback_phone(actor, given["id"])


def test_the_list_filters_by_status_and_kind_newest_first(
    engine: QueueEngine, clock: FixedClock
) -> None:
    first = suggestion(engine, phone=None)
    clock.advance(60)
    second = engine.add_feedback(kind="unresolved", reason="办不成")
    engine.read_feedback(MANAGER, first["id"])
    assert [f["id"] for f in engine.feedback_list()] == [second["id"], first["id"]]
    assert [f["id"] for f in engine.feedback_list(statuses=["new"])] == [second["id"]]
    assert [f["id"] for f in engine.feedback_list(kind="suggestion")] == [first["id"]]
    assert engine.feedback_list(statuses=["read"])[0]["phone"] is None
    with pytest.raises(Invalid):
        engine.feedback_list(statuses=["done"])
