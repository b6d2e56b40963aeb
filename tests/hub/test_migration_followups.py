"""Hub migration 8 on a store written before it: open/closed follow-ups become the closed
loop's states with their ids, dates and notes kept; feedback and paused windows carry over."""

from __future__ import annotations

from pathlib import Path

from config import sample_hall
from hub.engine import QueueEngine
from hub.tables import ALL_MIGRATIONS
from sync.clock import FixedClock
from sync.store import Store

BEFORE = [m for m in ALL_MIGRATIONS if m.component != "hub" or m.version <= 6]


def old_store(path: Path) -> None:
    """A hub store at migration 6 holding two 差评 (one open, one closed with a note), a
    feedback and a paused window, written as the hub before migration 8 wrote them."""
    store = Store(path, BEFORE)
    with store.write() as db:
        for n, (ticket, rating, clerk) in enumerate(
            [("t1", "r1", "1001"), ("t2", "r2", None)], start=1
        ):
            db.execute(
                "INSERT INTO tickets (id, service_day, number, issued_category, seq_no, category,"
                " lane, status, sort_key, window, issued_at) VALUES (?, '2025-03-10', ?, 'A', ?,"
                " 'A', 'ordinary', 'finished', ?, 1, '2025-03-10T09:00:00.000+08:00')",
                (ticket, f"A00{n}", n, float(n)),
            )
            db.execute(
                "INSERT INTO ratings (id, ticket_id, window, level, reason, channel, clerk_id,"
                " rated_at) VALUES (?, ?, 1, 5, '等候时间过长', 5, ?,"
                " '2025-03-10T09:10:00.000+08:00')",
                (rating, ticket, clerk),
            )
        db.execute(
            "INSERT INTO followups (id, rating_id, ticket_id, window, level, reason, opened_at,"
            " due_date) VALUES ('f-open', 'r1', 't1', 1, 5, '等候时间过长',"
            " '2025-03-10T09:10:00.000+08:00', '2025-03-31')"
        )
        db.execute(
            "INSERT INTO followups (id, rating_id, ticket_id, window, level, reason, opened_at,"
            " due_date, status, closed_at, note) VALUES ('f-closed', 'r2', 't2', 1, 5, '态度差',"
            " '2025-03-10T09:10:00.000+08:00', '2025-03-31', 'closed',"
            " '2025-03-11T15:00:00.000+08:00', '已电话回访')"
        )
        db.execute(
            "INSERT INTO feedback (id, service_day, kind, reason, phone, source, received_at)"
            " VALUES ('fb1', '2025-03-10', 'suggestion', '多开窗口', '13800001234', 'kiosk-1',"
            " '2025-03-10T10:00:00.000+08:00')"
        )
        db.execute(
            "INSERT INTO windows (number, status, pause_reason, updated_at)"
            " VALUES (2, 'paused', '午休', '2025-03-10T12:00:00.000+08:00')"
        )
    store.close()


def test_an_old_store_opens_with_its_follow_ups_in_the_new_states(
    store_path: Path, clock: FixedClock, secret: bytes
) -> None:
    old_store(store_path)
    store = Store(store_path, ALL_MIGRATIONS)
    try:
        engine = QueueEngine(store, sample_hall(), clock, secret)
        pending = engine.followup("f-open")
        assert (pending["status"], pending["kind"], pending["rating_id"]) == (
            "pending",
            "rating",
            "r1",
        )
        assert (pending["ticket"], pending["service_day"], pending["case_no"]) == (
            "A001",
            "2025-03-10",
            "20250310-A001",
        )
        assert pending["clerk"] == {"number": "1001", "name": "王丽华"}
        # The one due date the old row had is both due dates now.
        assert (pending["verify_due_on"], pending["close_due_on"]) == ("2025-03-31", "2025-03-31")
        assert pending["steps"] == []
        closed = engine.followup("f-closed")
        assert (closed["status"], closed["closed_at"], closed["clerk"]) == (
            "closed",
            "2025-03-11T15:00:00.000+08:00",
            None,
        )
        [legacy] = closed["steps"]
        assert (legacy["step"], legacy["fields"]) == ("legacy", {"note": "已电话回访"})
        feedback = engine.feedback_item("fb1")
        assert (feedback["status"], feedback["phone"]) == ("new", "138****1234")
        paused_at = store.db.execute("SELECT paused_at FROM windows WHERE number = 2").fetchone()
        assert paused_at[0] == "2025-03-10T12:00:00.000+08:00"
        # The old rows go on through the loop like new ones.
        assert [f["id"] for f in engine.followups(statuses=["pending"])] == ["f-open"]
    finally:
        store.close()
