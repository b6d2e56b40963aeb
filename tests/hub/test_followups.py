"""差评核实整改 in the engine: every state, who may take each step, due dates in working days,
the events central gets, and the citizen's phone kept from everyone but a supervisor."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from config import HallConfig
from hub.actors import Actor
from hub.audit import entries
from hub.engine import QueueEngine
from hub.errors import Conflict, Forbidden, Invalid, NotFound
from sync.clock import FixedClock
from tests.hub.followup_helpers import (
    ADMIN,
    CLERK,
    MANAGER,
    STEP_BODIES,
    SUPERVISOR,
    TECHNICIAN,
    at,
    rated,
    the_followup,
)


def step(engine: QueueEngine, actor: Actor, followup: dict[str, Any], name: str) -> dict[str, Any]:
    return engine.followup_step(actor, followup["id"], name, STEP_BODIES[name])


def events_since(engine: QueueEngine, seq: int, type_: str | None = None) -> list[Any]:
    return [e for e in engine.events_after(seq) if type_ is None or e.type == type_]


# -- the walk ----------------------------------------------------------------------------------


def test_a_bad_rating_walks_from_pending_to_closed_with_every_step_recorded(
    engine: QueueEngine, clock: FixedClock
) -> None:
    rating = rated(engine, clock, level=5, reason="等候时间过长")
    opened = the_followup(engine)
    assert {k: opened[k] for k in ("status", "kind", "ticket", "window", "level", "reason")} == {
        "status": "pending",
        "kind": "rating",
        "ticket": "A001",
        "window": 1,
        "level": 5,
        "reason": "等候时间过长",
    }
    assert opened["clerk"] == {"number": CLERK[0], "name": CLERK[1]}
    assert opened["rating_id"] == rating.id
    assert (opened["due_on"], opened["overdue"], opened["steps"]) == ("2025-03-19", False, [])
    # What the counter shows the clerk: the date the follow-up must be closed by.
    assert rating.followup_due == opened["close_due_on"] == "2025-04-02"

    verified = step(engine, MANAGER, opened, "verify")
    assert (verified["status"], verified["due_on"]) == ("rectifying", "2025-04-02")
    assert verified["assignee"] == "王丽华"
    clock.advance(3600)
    assert step(engine, SUPERVISOR, opened, "rectify")["status"] == "revisiting"
    clock.advance(3600)
    closed = step(engine, MANAGER, opened, "revisit")
    assert (closed["status"], closed["due_on"], closed["overdue"]) == ("closed", None, False)
    assert closed["closed_at"] == "2025-03-12T11:31:00.000+08:00"
    assert closed["closed_late"] is False

    records = [
        (s["step"], s["actor"], s["actor_role"], s["from_status"], s["to_status"], s["fields"])
        for s in engine.followup(opened["id"])["steps"]
    ]
    assert records == [
        ("verify", "wangfang", "manager", "pending", "rectifying", STEP_BODIES["verify"]),
        ("rectify", "lidu", "supervisor", "rectifying", "revisiting", STEP_BODIES["rectify"]),
        ("revisit", "wangfang", "manager", "revisiting", "closed", STEP_BODIES["revisit"]),
    ]
    assert [s["at"] for s in closed["steps"]] == [
        "2025-03-12T09:31:00.000+08:00",
        "2025-03-12T10:31:00.000+08:00",
        "2025-03-12T11:31:00.000+08:00",
    ]


def test_a_fair_rating_opens_no_follow_up(engine: QueueEngine, clock: FixedClock) -> None:
    rated(engine, clock, level=3, reason="")
    assert engine.followups() == []


def test_each_step_is_audited_and_sent_up_in_its_transaction(
    engine: QueueEngine, clock: FixedClock
) -> None:
    rated(engine, clock)
    followup = the_followup(engine)
    seq = engine.last_seq()
    step(engine, MANAGER, followup, "verify")
    assert [e.type for e in engine.events_after(seq)] == ["audit.recorded", "followup.step"]
    [audit] = entries(engine.store.reader(), target=f"followup:{followup['id']}")
    assert (audit.actor, audit.actor_role, audit.action) == (
        "wangfang",
        "manager",
        "followup.verify",
    )
    assert audit.before == {"status": "pending"}
    assert audit.after == {"status": "rectifying", **STEP_BODIES["verify"]}


def test_the_step_events_carry_what_a_provincial_rating_system_needs(
    engine: QueueEngine, clock: FixedClock
) -> None:
    rating = rated(engine, clock, level=4, reason="服务态度不好")
    followup = the_followup(engine)
    seq = engine.last_seq()
    for name in ("verify", "rectify", "revisit"):
        clock.advance(600)
        step(engine, SUPERVISOR, followup, name)
    verify, rectify, revisit = (e.payload for e in events_since(engine, seq, "followup.step"))
    assert {k: revisit[k] for k in ("followup_id", "rating_id", "case_no", "ticket")} == {
        "followup_id": followup["id"],
        "rating_id": rating.id,
        "case_no": "20250312-A001",  # GB/T 39046 办件编号: service day + ticket number
        "ticket": "A001",
    }
    assert (revisit["service_day"], revisit["division_code"]) == ("2025-03-12", "320402100")
    assert (revisit["kind"], revisit["level"], revisit["level_name"]) == ("rating", 4, "不满意")
    assert (revisit["step"], revisit["from_status"], revisit["to_status"]) == (
        "revisit",
        "revisiting",
        "closed",
    )
    assert revisit["text"] == "群众表示认可整改"
    assert revisit["satisfied"] is True
    assert revisit["fields"] == STEP_BODIES["revisit"]
    assert revisit["opened_at"] == "2025-03-12T09:31:00.000+08:00"
    assert (revisit["verify_due_on"], revisit["close_due_on"]) == ("2025-03-19", "2025-04-02")
    assert revisit["at"] == revisit["closed_at"] == "2025-03-12T10:01:00.000+08:00"
    assert revisit["closed_late"] is False
    assert revisit["actor"] == {"name": "lidu", "role": "supervisor", "role_name": "督查"}
    assert rectify["text"] == STEP_BODIES["rectify"]["measures"]
    assert (verify["text"], verify["satisfied"]) == (STEP_BODIES["verify"]["note"], None)
    assert verify["due_on"] == "2025-04-02"  # after the step: to be closed by then


# -- who may ---------------------------------------------------------------------------------


@pytest.mark.parametrize("actor", [SUPERVISOR, ADMIN])
def test_a_supervisor_or_the_admin_token_finds_a_bad_rating_invalid(
    engine: QueueEngine, clock: FixedClock, actor: Actor
) -> None:
    rated(engine, clock)
    found = step(engine, actor, the_followup(engine), "invalid")
    assert (found["status"], found["status_name"], found["due_on"]) == ("invalid", "无效差评", None)
    assert found["steps"][0]["fields"] == STEP_BODIES["invalid"]
    assert found["closed_late"] is False


@pytest.mark.parametrize("actor", [MANAGER, TECHNICIAN])
def test_no_one_else_may_find_a_bad_rating_invalid(
    engine: QueueEngine, clock: FixedClock, actor: Actor
) -> None:
    rated(engine, clock)
    followup = the_followup(engine)
    seq = engine.last_seq()
    with pytest.raises(Forbidden):
        step(engine, actor, followup, "invalid")
    assert engine.followup(followup["id"])["status"] == "pending"
    assert engine.events_after(seq) == []


@pytest.mark.parametrize("name", ["verify", "rectify", "revisit", "invalid"])
def test_a_technician_takes_no_step(engine: QueueEngine, clock: FixedClock, name: str) -> None:
    rated(engine, clock)
    with pytest.raises(Forbidden) as refused:
        step(engine, TECHNICIAN, the_followup(engine), name)
    assert "技术人员无权" in refused.value.message


# -- refusals ----------------------------------------------------------------------------------


def test_a_step_that_does_not_fit_the_state_is_refused_with_a_sentence_naming_the_state(
    engine: QueueEngine, clock: FixedClock
) -> None:
    rated(engine, clock)
    followup = the_followup(engine)
    seq = engine.last_seq()
    for name in ("rectify", "revisit"):
        with pytest.raises(Conflict) as refused:
            step(engine, SUPERVISOR, followup, name)
        assert refused.value.code == "wrong_state"
        assert "该差评当前状态为“待核实”" in refused.value.message
    step(engine, SUPERVISOR, followup, "verify")
    for name in ("verify", "invalid", "revisit"):
        with pytest.raises(Conflict) as refused:
            step(engine, SUPERVISOR, followup, name)
        assert "当前状态为“整改中”" in refused.value.message
    step(engine, SUPERVISOR, followup, "rectify")
    step(engine, SUPERVISOR, followup, "revisit")
    for name in STEP_BODIES:
        with pytest.raises(Conflict) as refused:
            step(engine, SUPERVISOR, followup, name)
        assert "当前状态为“办结”" in refused.value.message
    assert len(events_since(engine, seq, "followup.step")) == 3


@pytest.mark.parametrize(
    ("name", "fields", "code"),
    [
        ("verify", {"assignee": "王丽华"}, "field_required"),
        ("verify", {"assignee": "王丽华", "note": "   "}, "field_required"),
        ("verify", {**STEP_BODIES["verify"], "phone": "13800001234"}, "unknown_field"),
        ("invalid", {}, "field_required"),
        ("rectify", {"measures": "整" * 1001}, "field_too_long"),
        ("revisit", {"method": "电话", "answer": "满意", "satisfied": "yes"}, "field_required"),
        ("revisit", {"method": "电话", "answer": "满意"}, "field_required"),
        ("close", {}, "unknown_step"),
    ],
)
def test_missing_empty_too_long_or_unknown_fields_are_refused_and_nothing_changes(
    engine: QueueEngine, clock: FixedClock, name: str, fields: dict[str, Any], code: str
) -> None:
    rated(engine, clock)
    followup = the_followup(engine)
    seq = engine.last_seq()
    with pytest.raises(Invalid) as refused:
        engine.followup_step(ADMIN, followup["id"], name, fields)
    assert refused.value.code == code
    assert engine.followup(followup["id"])["status"] == "pending"
    assert engine.events_after(seq) == []


def test_text_fields_are_kept_without_their_surrounding_blanks(
    engine: QueueEngine, clock: FixedClock
) -> None:
    rated(engine, clock)
    fields = {"assignee": "  王丽华 ", "note": "\n已核实\t"}
    done = engine.followup_step(MANAGER, the_followup(engine)["id"], "verify", fields)
    assert done["steps"][0]["fields"] == {"assignee": "王丽华", "note": "已核实"}


def test_an_unknown_follow_up_is_not_found(engine: QueueEngine) -> None:
    with pytest.raises(NotFound):
        engine.followup_step(ADMIN, "no-such-id", "verify", STEP_BODIES["verify"])
    with pytest.raises(NotFound):
        engine.followup("no-such-id")


# -- due dates -------------------------------------------------------------------------------


@pytest.fixture
def short_hall(hall_with: Callable[..., HallConfig]) -> HallConfig:
    """Friday 14 March 2025 a holiday; verify within 2 working days, close within 4."""
    return hall_with(
        service={"holidays": ["2025-03-14"]},
        rating={"verify_working_days": 2, "followup_working_days": 4},
    )


def test_overdue_counts_working_days_across_a_holiday_and_a_weekend(
    make_engine: Callable[..., QueueEngine], short_hall: HallConfig, clock: FixedClock
) -> None:
    engine = make_engine(short_hall)
    rated(engine, clock)  # Wednesday 12
    followup = the_followup(engine)
    # Thu 13 (1), Fri 14 holiday, Sat, Sun, Mon 17 (2) | Tue 18 (3), Wed 19 (4).
    assert (followup["verify_due_on"], followup["close_due_on"]) == ("2025-03-17", "2025-03-19")
    for day in ("2025-03-14", "2025-03-15", "2025-03-16", "2025-03-17"):
        clock.set(at(day, "16:00"))
        assert the_followup(engine)["overdue"] is False, day
        assert engine.followups(overdue=True) == []
    clock.set(at("2025-03-18"))
    assert the_followup(engine, overdue=True)["due_on"] == "2025-03-17"
    verified = step(engine, SUPERVISOR, followup, "verify")  # late, but now being rectified
    assert (verified["due_on"], verified["overdue"]) == ("2025-03-19", False)
    clock.set(at("2025-03-20"))
    assert the_followup(engine, overdue=True)["status"] == "rectifying"
    step(engine, SUPERVISOR, followup, "rectify")
    assert the_followup(engine, overdue=True)["status"] == "revisiting"
    closed = step(engine, SUPERVISOR, followup, "revisit")
    assert (closed["overdue"], closed["closed_late"]) == (False, True)
    assert engine.followups(overdue=True) == []


def test_a_follow_up_closed_on_its_due_day_is_not_late(
    make_engine: Callable[..., QueueEngine], short_hall: HallConfig, clock: FixedClock
) -> None:
    engine = make_engine(short_hall)
    rated(engine, clock)
    followup = the_followup(engine)
    clock.set(at("2025-03-19", "17:00"))
    for name in ("verify", "rectify", "revisit"):
        done = step(engine, MANAGER, followup, name)
    assert (done["status"], done["closed_late"]) == ("closed", False)


def test_a_bad_rating_found_invalid_after_its_verify_date_is_late(
    make_engine: Callable[..., QueueEngine], short_hall: HallConfig, clock: FixedClock
) -> None:
    engine = make_engine(short_hall)
    rated(engine, clock)
    clock.set(at("2025-03-18"))
    assert step(engine, SUPERVISOR, the_followup(engine), "invalid")["closed_late"] is True


def test_lists_filter_by_state_kind_and_opening_day(engine: QueueEngine, clock: FixedClock) -> None:
    rated(engine, clock)
    first = the_followup(engine)
    step(engine, MANAGER, first, "verify")
    clock.set(at("2025-03-13", "10:00"))
    rated(engine, clock, level=4, reason="办事效率低")
    clock.advance(60)
    engine.add_feedback(kind="unresolved", reason="材料要求前后不一致")
    assert [f["status"] for f in engine.followups()] == ["pending", "pending", "rectifying"]
    assert [f["kind"] for f in engine.followups(statuses=["pending"])] == ["unresolved", "rating"]
    assert [f["id"] for f in engine.followups(statuses=["rectifying", "closed"])] == [first["id"]]
    assert len(engine.followups(kind="unresolved")) == 1
    assert [f["id"] for f in engine.followups(day_to="2025-03-12")] == [first["id"]]
    assert len(engine.followups(day_from="2025-03-13", day_to="2025-03-13")) == 2
    with pytest.raises(Invalid):
        engine.followups(statuses=["open"])


# -- the citizen's phone ---------------------------------------------------------------------


def test_an_unresolved_feedback_opens_a_follow_up_with_its_phone_masked_everywhere(
    engine: QueueEngine,
) -> None:
    seq = engine.last_seq()
    given = engine.add_feedback(
        kind="unresolved", reason="社保卡补办要跑两次", phone="13800001234", source="kiosk-1"
    )
    followup = the_followup(engine)
    assert (followup["kind"], followup["feedback_id"], followup["ticket"]) == (
        "unresolved",
        given["id"],
        None,
    )
    assert (followup["phone"], followup["level"], followup["clerk"]) == ("138****1234", None, None)
    assert followup["reason"] == "社保卡补办要跑两次"
    assert engine.feedback_item(given["id"])["followup_id"] == followup["id"]
    types = [e.type for e in engine.events_after(seq)]
    assert types == ["feedback.received", "followup.opened"]
    step(engine, MANAGER, followup, "verify")
    written = json.dumps([e.payload for e in engine.events_after(0)], ensure_ascii=False)
    assert "13800001234" not in written
    assert "138****1234" in written


def test_only_a_supervisor_reads_the_phone_and_each_read_is_audited(engine: QueueEngine) -> None:
    engine.add_feedback(kind="unresolved", reason="窗口说系统故障办不了", phone="13900005678")
    followup = the_followup(engine)
    for actor in (MANAGER, TECHNICIAN):
        with pytest.raises(Forbidden):
            engine.followup_phone(actor, followup["id"])
    assert entries(engine.store.reader(), target=f"followup:{followup['id']}") == []
    answer = engine.followup_phone(SUPERVISOR, followup["id"])
    assert answer == {"id": followup["id"], "phone": "13900005678"}
    [audit] = entries(engine.store.reader(), target=f"followup:{followup['id']}")
    assert (audit.action, audit.actor, audit.actor_role) == ("phone.read", "lidu", "supervisor")


def test_a_rating_follow_up_has_no_phone_to_read(engine: QueueEngine, clock: FixedClock) -> None:
    rated(engine, clock)
    with pytest.raises(NotFound) as refused:
        engine.followup_phone(ADMIN, the_followup(engine)["id"])
    assert refused.value.code == "no_phone"


def test_retention_clears_the_phone_of_an_ended_follow_up_and_keeps_the_follow_up(
    engine: QueueEngine, clock: FixedClock
) -> None:
    engine.add_feedback(kind="unresolved", reason="一", phone="13800001111")
    ended = the_followup(engine)
    step(engine, SUPERVISOR, ended, "invalid")
    engine.add_feedback(kind="unresolved", reason="二", phone="13800002222")
    clock.advance(timedelta(days=31).total_seconds())
    engine.check_alerts()  # the first write of the day runs the retention purge
    phones = dict(engine.store.reader().execute("SELECT reason, phone FROM followups").fetchall())
    # The open one is due by 2 April: its phone stays until 30 days after that.
    assert phones == {"一": None, "二": "13800002222"}
