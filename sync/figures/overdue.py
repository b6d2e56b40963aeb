"""Follow-ups overdue, counted per report row by READING the follow-ups table.

The follow-ups (差评核实整改) are owned by the hub's follow-up desk; the figures only read them.
A follow-up is **overdue** as of a day when it is still open on that day past a due date:

- with the state-machine table (``verify_due_on``, ``close_due_on``): ``pending`` past its
  verify-by date, or ``rectifying``/``revisiting`` past its close-by date (the due date in
  force, as the follow-up desk's ``is_overdue`` says);
- with the older table (``due_date``, status ``open``/``closed``): ``open`` past ``due_date``;
- without a follow-ups table: nothing is overdue.

"Past" means the due date is before the as-of service day (a follow-up due today is not late
yet). A follow-up of a rating belongs to the row of the rated service (the ticket's finish
attribution, as the rating itself); a follow-up without a ticket (a kiosk 办不成事反映) has no
row and is counted in the total only, by the service day it was opened.
"""

from __future__ import annotations

from datetime import date

from sync.figures.rollup import Sql

_KEY_COLUMN = {
    "t": "t.day",
    "h": "t.fin_hour",
    "w": "t.fin_window",
    "c": "t.fin_clerk",
    "g": "t.fin_category",
    "i": "t.item",
}


def _columns(db: Sql) -> set[str]:
    return {str(row[1]) for row in db.execute("PRAGMA table_info(followups)").fetchall()}


def _late_sql(columns: set[str]) -> str | None:
    if {"verify_due_on", "close_due_on", "status"} <= columns:
        return (
            "((f.status = 'pending' AND f.verify_due_on < :today)"
            " OR (f.status IN ('rectifying', 'revisiting')"
            " AND f.close_due_on < :today))"
        )
    if {"due_date", "status"} <= columns:
        return "(f.status = 'open' AND f.due_date < :today)"
    return None


def late_from_sql(columns: set[str]) -> str | None:
    """The date from which a follow-up counts as overdue, as an SQL expression over ``f``
    (NULL: it cannot become overdue in its present state) — the same rule as
    :func:`_late_sql`: overdue as of ``today`` exactly when ``late_from < today``. A hub sends
    it to central with each day's figures (:mod:`sync.figures.snapshot`), so central judges
    overdue on any later day by this one definition. None without a follow-ups table."""
    if {"verify_due_on", "close_due_on", "status"} <= columns:
        return (
            "(CASE WHEN f.status = 'pending' THEN f.verify_due_on"
            " WHEN f.status IN ('rectifying', 'revisiting') THEN f.close_due_on END)"
        )
    if {"due_date", "status"} <= columns:
        return "(CASE WHEN f.status = 'open' THEN f.due_date END)"
    return None


def followup_columns(db: Sql) -> set[str]:
    """The columns of the hub's follow-ups table (empty when it has none)."""
    return _columns(db)


def overdue(
    db: Sql, dim: str, first: date, last: date, today: date, *, by_day: bool = False
) -> dict[str, int]:
    """Overdue follow-ups of the services of days ``first``..``last`` as of ``today``, per row
    key of dimension ``dim`` (``by_day``: per day, for the day grouping). Empty without a
    follow-ups table."""
    columns = _columns(db)
    late = _late_sql(columns)
    if late is None or "ticket_id" not in columns:
        return {}
    key = "t.day" if by_day else _KEY_COLUMN[dim]
    rows = db.execute(
        f"SELECT {key}, COUNT(*) FROM followups f JOIN figures_tickets t ON t.id = f.ticket_id"  # noqa: S608
        f" WHERE t.day BETWEEN :first AND :last AND t.fin_window IS NOT NULL AND {late}"
        f" GROUP BY {key}",
        {"first": first.isoformat(), "last": last.isoformat(), "today": today.isoformat()},
    ).fetchall()
    return {str(k or ""): int(n) for k, n in (tuple(r) for r in rows)}


def overdue_without_ticket(db: Sql, first: date, last: date, today: date) -> int:
    """Overdue follow-ups with no ticket (kiosk feedback) opened on days ``first``..``last``."""
    columns = _columns(db)
    late = _late_sql(columns)
    if late is None or "service_day" not in columns:
        return 0
    row = db.execute(
        f"SELECT COUNT(*) FROM followups f WHERE f.ticket_id IS NULL"  # noqa: S608
        f" AND f.service_day BETWEEN :first AND :last AND {late}",
        {"first": first.isoformat(), "last": last.isoformat(), "today": today.isoformat()},
    ).fetchone()
    return int(row[0])
