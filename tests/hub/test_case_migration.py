"""Hub migration 13 on a store written before it: its alerts and cases carry over, and the cases
move on (and are watched) as new ones do."""

from __future__ import annotations

from pathlib import Path

from config import sample_hall
from hub.engine import QueueEngine
from hub.tables import ALL_MIGRATIONS
from sync.clock import FixedClock
from sync.store import Store

BEFORE = [m for m in ALL_MIGRATIONS if m.component != "hub" or m.version <= 12]


def test_an_old_store_keeps_its_alerts_and_cases_and_takes_the_new_kinds(
    tmp_path: Path, clock: FixedClock, secret: bytes
) -> None:
    path = tmp_path / "hub.db"
    old = Store(path, BEFORE)
    with old.write() as db:
        db.execute(
            "INSERT INTO alerts (id, kind, source, device, problem, subject, service_day,"
            " raised_at, acked_at, acked_by) VALUES ('a1', 'pause', 'hub', 'window-2',"
            " '2号窗口已暂停25分钟', '2@x', '2025-03-10', '2025-03-10T12:25:00.000+08:00',"
            " '2025-03-10T12:30:00.000+08:00', 'zhang.san')"
        )
        db.execute(
            "INSERT INTO cases (receipt, service_day, item_id, item_name, department, window,"
            " accepted_at, promised_days, promised_on, materials_received, materials_missing,"
            " status) VALUES ('SJ202503100001', '2025-03-10', 'jjb-170', '知青子女入户档案查阅',"
            " '档案局', 7, '2025-03-10T09:00:00.000+08:00', 1, '2025-03-11', '[]', '[]',"
            " 'accepted')"
        )
    old.close()

    store = Store(path, ALL_MIGRATIONS)
    engine = QueueEngine(store, sample_hall(), clock, secret)  # Wednesday 03-12: overdue
    kept = store.reader().execute("SELECT kind, problem, acked_by FROM alerts").fetchall()
    assert [tuple(row) for row in kept] == [("pause", "2号窗口已暂停25分钟", "zhang.san")]
    raised = engine.check_alerts()
    assert [(a["kind"], a["subject"]) for a in raised] == [("case_overdue", "SJ202503100001")]
    moved = engine.move_case("SJ202503100001", "ready", window=7)
    assert (moved.status, moved.overdue, moved.accepted_on) == ("ready", False, "2025-03-10")
    assert [h["previous"] for h in engine.case_history("SJ202503100001")] == ["accepted"]
    store.close()
