"""电子监察: open cases against their promised date, by the hall's working days.

A case is *open* while the hall still owes a result (:data:`sync.case_states.OPEN_STATUSES`).
An open case is **overdue** from the day after its ``promised_on``; it is **due soon** from two
working days before that date (the promised day is then at most two working days away,
:meth:`config.HallCalendar.add_working_days`) until the promised day itself, but not on the day
it was accepted (the clerk has just made the promise). A case with no
promised date is never either. :func:`watch_cases` raises each warning and each overdue finding
once per case (an alert of kind ``case_due`` / ``case_overdue`` and an event ``case.due_soon`` /
``case.overdue`` for central), inside the alert check's transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from config import HallCalendar
from hub.txn import Tx
from sync.case_states import OPEN_STATUSES

WARN_WORKING_DAYS = 2
"""How many working days before the promised date 电子监察 warns."""
ROUND_LIMIT = 200
"""Most cases one check notes (the most urgent first; the rest at the next check, 30 s later),
so a backlog (a hub back after days off) never holds the queue's writer for long."""
SHOWN_LIMIT = 200
"""Most cases the console's 电子监察 table lists (the most urgent first; the counts are whole)."""

RaiseAlert = Callable[..., dict[str, Any]]


def supervision(
    calendar: HallCalendar,
    today: date,
    status: str,
    promised_on: str | None,
    accepted_on: str,
) -> tuple[bool, bool]:
    """``(overdue, due_soon)`` of a case in ``status`` accepted on ``accepted_on`` and promised
    on ``promised_on`` (YYYY-MM-DD or None), seen on the hall's service day ``today``."""
    if status not in OPEN_STATUSES or not promised_on:
        return False, False
    promised = date.fromisoformat(promised_on)
    if today > promised:
        return True, False
    if today.isoformat() <= accepted_on:
        return False, False
    return False, calendar.add_working_days(today, WARN_WORKING_DAYS) >= promised


def _month_day(day: str) -> str:
    promised = date.fromisoformat(day)
    return f"{promised.month}月{promised.day}日"


def watch_cases(
    tx: Tx, calendar: HallCalendar, raise_alert: RaiseAlert
) -> tuple[list[dict[str, Any]], list[tuple[str, dict[str, Any]]]]:
    """Find the open cases newly due soon or overdue on ``tx.today``; note each once (columns
    ``due_noted_at`` / ``overdue_noted_at``) and raise its alert with ``raise_alert(tx, kind,
    source, device, problem, detail, subject=receipt)``. Returns the alerts raised and the
    events to emit (``(type, payload)``; payloads hold no personal data)."""
    today = date.fromisoformat(tx.today)
    horizon = calendar.add_working_days(today, WARN_WORKING_DAYS).isoformat()
    marks = ",".join("?" for _ in OPEN_STATUSES)
    rows = list(
        tx.db.query(
            "SELECT receipt, item_id, item_name, window, status, promised_on, service_day,"  # noqa: S608 - fixed
            " due_noted_at,"
            " overdue_noted_at FROM cases"
            f" WHERE status IN ({marks}) AND promised_on IS NOT NULL AND overdue_noted_at IS NULL"
            " AND (promised_on < ? OR (promised_on <= ? AND due_noted_at IS NULL))"
            " ORDER BY promised_on, receipt LIMIT ?",
            (*OPEN_STATUSES, tx.today, horizon, ROUND_LIMIT),
        )
    )
    raised: list[dict[str, Any]] = []
    events: list[tuple[str, dict[str, Any]]] = []
    for row in rows:
        overdue, due_soon = supervision(
            calendar, today, row["status"], row["promised_on"], row["service_day"]
        )
        payload = {
            "receipt": row["receipt"],
            "item_id": row["item_id"],
            "window": row["window"],
            "status": row["status"],
            "promised_on": row["promised_on"],
            "noted_on": tx.today,
        }
        when = _month_day(row["promised_on"])
        if overdue:
            tx.db.execute(
                "UPDATE cases SET overdue_noted_at = ? WHERE receipt = ?",
                (tx.stamp, row["receipt"]),
            )
            problem = f"办件{row['receipt']}已超过承诺时限（承诺{when}办结）：{row['item_name']}"
            kind, event = "case_overdue", "case.overdue"
        elif due_soon and row["due_noted_at"] is None:
            tx.db.execute(
                "UPDATE cases SET due_noted_at = ? WHERE receipt = ?",
                (tx.stamp, row["receipt"]),
            )
            problem = f"办件{row['receipt']}将于{when}到期，尚未办结：{row['item_name']}"
            kind, event = "case_due", "case.due_soon"
        else:
            continue
        raised.append(
            raise_alert(
                tx,
                kind,
                "hub",
                f"window-{row['window']}",
                problem,
                f"case {row['receipt']} ({row['status']}) promised on {row['promised_on']}",
                subject=row["receipt"],
            )
        )
        events.append((event, payload))
    return raised, events


def supervised_cases(db: Any, calendar: HallCalendar, today: date) -> list[dict[str, Any]]:
    """Every open case that is due soon or overdue on ``today`` (for the console's 电子监察
    table), most urgent first: receipt, item, window, status, promised date and the flags."""
    horizon = calendar.add_working_days(today, WARN_WORKING_DAYS).isoformat()
    marks = ",".join("?" for _ in OPEN_STATUSES)
    found = []
    for row in db.query(
        "SELECT receipt, item_name, window, status, promised_on, service_day FROM cases"  # noqa: S608 - fixed
        f" WHERE status IN ({marks}) AND promised_on IS NOT NULL AND promised_on <= ?"
        " ORDER BY promised_on, receipt",
        (*OPEN_STATUSES, horizon),
    ):
        overdue, due_soon = supervision(
            calendar, today, row["status"], row["promised_on"], row["service_day"]
        )
        if overdue or due_soon:
            found.append({**row, "overdue": overdue, "due_soon": due_soon})
    return found


def open_case_count(db: Any) -> int:
    """How many cases are open (still owed a result), whatever their promised date."""
    marks = ",".join("?" for _ in OPEN_STATUSES)
    return int(
        db.execute(
            f"SELECT COUNT(*) FROM cases WHERE status IN ({marks})",  # noqa: S608
            OPEN_STATUSES,
        ).fetchone()[0]
    )
