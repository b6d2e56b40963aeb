"""The alerts inbox: boxes' alerts stored, long waits and long pauses raised once each by the
hub's own check, acknowledged by a person, and kept from one service day to the next until
then."""

from __future__ import annotations

import pytest

from hub.alert_monitor import AlertMonitor
from hub.audit import entries
from hub.engine import QueueEngine
from hub.errors import Conflict, Forbidden, Invalid, NotFound
from sync.clock import FixedClock
from tests.hub.followup_helpers import MANAGER, SUPERVISOR, TECHNICIAN, at
from tests.timing import SteppedWaits, wait_for

MINUTE = 60


def test_a_boxes_alert_is_stored_and_announced(engine: QueueEngine) -> None:
    sent = engine.alert(
        source="kiosk-1", device="printer", problem="打印机缺纸", detail="paper end", sent_by="k1"
    )
    asked = engine.alert(source="kiosk-2", device="screen", problem="群众呼叫工作人员", kind="help")
    assert [(a["id"], a["kind"], a["open"]) for a in engine.alerts(open_only=True)] == [
        (asked["id"], "help", True),
        (sent["id"], "device", True),
    ]
    [event] = [e for e in engine.events_after(0) if e.payload.get("id") == sent["id"]]
    assert event.type == "staff.alert"
    assert event.payload["problem"] == "打印机缺纸"
    assert event.payload["kind_name"] == "设备故障"
    with pytest.raises(Invalid):
        engine.alert(source="kiosk-1", device="x", problem="x", kind="wait")


def test_long_waits_raise_one_alert_per_category_until_it_is_acknowledged(
    engine: QueueEngine, clock: FixedClock
) -> None:
    engine.issue_ticket(category="A")
    clock.advance(29 * MINUTE)
    assert engine.check_alerts() == []
    engine.issue_ticket(category="A")
    engine.issue_ticket(category="B")
    clock.advance(2 * MINUTE)
    seq = engine.last_seq()
    [raised] = engine.check_alerts()
    assert (raised["kind"], raised["problem"]) == (
        "wait",
        "户籍业务有1人等候超过30分钟，最长的A001号已等31分钟",
    )
    assert [e.type for e in engine.events_after(seq)] == ["alert.raised"]
    clock.advance(29 * MINUTE)  # A002 and B001 are late now too
    [b_queue] = engine.check_alerts()  # A's open alert stands for A002 as well
    assert b_queue["problem"] == "人社业务有1人等候超过30分钟，最长的B001号已等31分钟"
    assert engine.check_alerts() == []
    engine.ack_alert(MANAGER, raised["id"])
    clock.advance(10 * MINUTE)
    assert engine.check_alerts() == []  # the same late tickets do not come back
    engine.issue_ticket(category="A")
    clock.advance(31 * MINUTE)  # A003 is late now, after the acknowledgement
    [again] = engine.check_alerts()
    assert again["problem"] == "户籍业务有3人等候超过30分钟，最长的A001号已等101分钟"


def test_a_called_ticket_raises_no_wait_alert(engine: QueueEngine, clock: FixedClock) -> None:
    engine.sign_in(1, "1001", "2580")
    engine.issue_ticket(category="A")
    engine.call_next(1)
    clock.advance(45 * MINUTE)
    assert engine.check_alerts() == []


def test_a_long_pause_raises_one_alert_per_pause(engine: QueueEngine, clock: FixedClock) -> None:
    engine.pause(5, "午休")
    clock.advance(19 * MINUTE)
    assert engine.check_alerts() == []
    clock.advance(2 * MINUTE)
    [raised] = engine.check_alerts()
    assert raised["kind"] == "pause"
    assert raised["problem"] == "5号窗口已暂停21分钟（原因：午休），超过20分钟"
    clock.advance(30 * MINUTE)
    assert engine.check_alerts() == []
    engine.resume(5)
    engine.pause(5, "临时离岗")
    clock.advance(21 * MINUTE)
    [again] = engine.check_alerts()
    assert "临时离岗" in again["problem"]
    assert again["subject"] != raised["subject"]


def test_acknowledging_is_audited_and_happens_once(engine: QueueEngine) -> None:
    alert = engine.alert(source="kiosk-1", device="printer", problem="打印机缺纸")
    with pytest.raises(Forbidden):
        engine.ack_alert(TECHNICIAN, alert["id"])
    seq = engine.last_seq()
    acked = engine.ack_alert(SUPERVISOR, alert["id"])
    assert (acked["open"], acked["acked_by"]) == (False, "lidu")
    assert [e.type for e in engine.events_after(seq)] == ["audit.recorded", "alert.acked"]
    [audit] = entries(engine.store.reader(), target=f"alert:{alert['id']}")
    assert (audit.action, audit.actor) == ("alert.ack", "lidu")
    with pytest.raises(Conflict) as twice:
        engine.ack_alert(MANAGER, alert["id"])
    assert twice.value.message == "该提醒已由lidu于2025-03-12 09:30确认"
    with pytest.raises(NotFound):
        engine.ack_alert(MANAGER, "no-such-alert")
    assert engine.alerts(open_only=True) == []
    assert [a["id"] for a in engine.alerts()] == [alert["id"]]  # today's, acknowledged


def test_an_alert_of_a_previous_day_stays_listed_until_acknowledged(
    engine: QueueEngine, clock: FixedClock
) -> None:
    old = engine.alert(source="kiosk-1", device="printer", problem="打印机缺纸")
    done = engine.alert(source="kiosk-1", device="reader", problem="读卡器故障")
    engine.ack_alert(MANAGER, done["id"])
    clock.set(at("2025-03-13", "08:30"))
    engine.check_alerts()  # the new day begins
    assert [a["id"] for a in engine.alerts()] == [old["id"]]
    assert [a["id"] for a in engine.alerts(open_only=True)] == [old["id"]]
    engine.ack_alert(MANAGER, old["id"])
    assert engine.alerts(open_only=True) == []


def test_the_monitor_checks_at_start_and_every_interval_until_stopped(
    engine: QueueEngine, clock: FixedClock
) -> None:
    engine.issue_ticket(category="A")
    clock.advance(31 * MINUTE)
    waits = SteppedWaits()
    monitor = AlertMonitor(engine, interval=30, wait_clock=waits)
    monitor.start()
    try:
        wait_for(lambda: engine.alerts(open_only=True), "the wait alert raised at start")
        waits.wait_for_a_wait(30)
        engine.pause(3, "午休")
        clock.advance(21 * MINUTE)
        waits.advance(30)
        wait_for(
            lambda: any(a["kind"] == "pause" for a in engine.alerts(open_only=True)),
            "the pause alert raised by the next check",
        )
    finally:
        monitor.stop()
    assert not monitor.running
    assert monitor.checks >= 2
