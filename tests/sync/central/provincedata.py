"""Events as a hub sends them for 好差评 (ratings, follow-ups), and helpers for province tests."""

from __future__ import annotations

from typing import Any

from sync.central.store import CentralStore
from tests.sync.central.centralapp import event

REGION = "441402001"
"""A town's division code (统计用区划代码) the tests' hall belongs to."""


def rating(seq: int, level: int, reason: str | None = None) -> dict[str, Any]:
    """A ``rating.recorded`` event as the hub's uplink sends it (GB/T 39046 scale)."""
    payload = {
        "id": f"r-{seq}",
        "ticket_id": f"t-{seq}",
        "number": f"A{seq:03d}",
        "window": 3,
        "level": level,
        "level_name": "x",
        "reason": reason,
        "channel": 5,
        "rated_at": "2026-11-22T09:35:12+08:00",
        "followup_due": None,
        "division_code": "000000000",
        "clerk_id": "0107",
        "item_id": "jjb-001",
        "service_day": "2026-11-22",
        "gbt39046": {
            "case_no": f"20261122-A{seq:03d}",
            "channel": "5",
            "rater": "",
            "rated_at": "20261122T093512",
            "rating_no": 1,
            "satisfaction": level,
            "text": reason or "",
            "division_code": "000000000",
        },
    }
    return event(seq, "rating.recorded", payload)


def _reference(seq: int) -> dict[str, Any]:
    return {
        "followup_id": "f-1",
        "kind": "rating",
        "level": 5,
        "level_name": "非常不满意",
        "reason": "等候时间长",
        "rating_id": f"r-{seq - 1}",
        "case_no": f"20261122-A{seq - 1:03d}",
        "ticket": f"A{seq - 1:03d}",
        "ticket_id": f"t-{seq - 1}",
        "feedback_id": None,
        "service_day": "2026-11-22",
        "window": 3,
        "clerk": {"number": "0107", "name": "王小明"},
        "phone": "138****5678",
        "status": "pending",
        "opened_at": "2026-11-22T09:35:13+08:00",
        "verify_due_on": "2026-11-24",
        "close_due_on": "2026-11-29",
        "due_on": "2026-11-24",
        "closed_at": None,
        "closed_late": False,
        "division_code": "000000000",
    }


def followup_opened(seq: int) -> dict[str, Any]:
    """The ``followup.opened`` a 差评 (rated at ``seq - 1``) opens."""
    return event(seq, "followup.opened", _reference(seq))


def followup_step(seq: int, opened_seq: int, step: str = "verify") -> dict[str, Any]:
    """A ``followup.step`` of the follow-up opened at ``opened_seq``."""
    texts = {"verify": ("核实", "pending", "rectifying", "已核实，属实")}
    label, source, target, text = texts.get(step, ("回访", "revisiting", "closed", "满意"))
    payload = {
        **_reference(opened_seq),
        "step": step,
        "step_name": label,
        "from_status": source,
        "to_status": target,
        "text": text,
        "fields": {"note": text, "assignee": "李主任"},
        "satisfied": True if step == "revisit" else None,
        "at": "2026-11-23T10:00:00+08:00",
        "actor": {"name": "manager1", "role": "manager", "role_name": "大厅负责人"},
    }
    return event(seq, "followup.step", payload)


def set_region(central: CentralStore, hall: str, code: str = REGION) -> None:
    """Put the hall in a region (as ``hall central set-hall-region`` does)."""
    with central.db.write() as tx:
        tx.execute(
            "INSERT INTO regions (code, name, level) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            (code, "示例镇", "town"),
        )
        tx.execute("UPDATE halls SET region = ? WHERE id = ?", (code, hall))


def outbox(central: CentralStore) -> dict[str, tuple[str, int, str | None, str | None]]:
    """record_id → (status, attempts, last_error, held_reason)."""
    with central.db.read() as tx:
        rows = tx.query(
            "SELECT hall, seq, status, attempts, last_error, held_reason FROM province_outbox"
        )
    return {f"{r[0]}:{r[1]}": (r[2], int(r[3]), r[4], r[5]) for r in rows}
