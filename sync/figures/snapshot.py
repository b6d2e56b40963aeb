"""A hall's figures of one service day, as the snapshot a hub sends central.

Central does not fold events itself: it keeps each hall's rollups as the hub computed them
(the same fold, :mod:`sync.figures.fold`) and combines them with the same report code
(:mod:`sync.figures.report` over central's tables, :mod:`sync.central.figures`). A snapshot
holds everything a report needs of that day: the counts rows, the wait and service-time
histograms, the follow-ups of that day's services with the date each turns overdue
(:func:`sync.figures.overdue.late_from_sql`), and the sign-ins and pauses still under way,
counted up to ``as_of``. Central replaces the day's rows with a newer snapshot whole.

Which days are sent (:func:`due_days`): every day never sent; the last days (late ratings may
still arrive); and every day whose last sent snapshot could still change without new events (a
follow-up not closed yet, a sign-in under way). ``figures_meta`` remembers, per day, the digest
sent and whether it was still live.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from config import HallCalendar
from sync.figures.overdue import followup_columns, late_from_sql
from sync.figures.presence import open_intervals
from sync.figures.rollup import MAXED, SUMMED, Sql

COUNT_COLUMNS = (*SUMMED, *MAXED)
"""The values of a snapshot's ``counts`` rows, after ``dim`` and ``key``, in this order."""

RECENT_DAYS = 2
"""Days before today that are checked for changes at every round."""

_META = "central:"


@dataclass(frozen=True)
class DaySnapshot:
    day: str
    body: dict[str, Any]
    digest: str
    """Over everything but ``as_of``: equal digests mean central already has this content."""
    live: bool
    """Whether the day may change without new events (open follow-ups, sign-ins under way)."""


def day_snapshot(db: Sql, day: str, calendar: HallCalendar, now: datetime) -> DaySnapshot:
    """The snapshot of service day ``day`` (``YYYY-MM-DD``) as of ``now``."""
    counts = [
        list(row)
        for row in db.execute(
            f"SELECT dim, key, {', '.join(COUNT_COLUMNS)} FROM figures_counts"  # noqa: S608
            " WHERE day = ? ORDER BY dim, key",
            (day,),
        ).fetchall()
    ]
    hist = [
        list(row)
        for row in db.execute(
            "SELECT dim, key, metric, bucket, n FROM figures_hist WHERE day = ?"
            " ORDER BY dim, key, metric, bucket",
            (day,),
        ).fetchall()
    ]
    followups = _followups(db, day)
    still_open = [
        [o["window"], o["clerk"], o.get("signed_in_s", 0.0), o.get("pause_s", 0.0)]
        for o in open_intervals(db, calendar, now)
        if o["day"] == day
    ]
    body: dict[str, Any] = {"counts": counts, "hist": hist, "followups": followups}
    digest = hashlib.sha256(
        json.dumps([day, body, [o[:2] for o in still_open]], sort_keys=True).encode()
    ).hexdigest()
    body["open"] = still_open
    body["as_of"] = calendar.local(now).isoformat(timespec="seconds")
    live = bool(still_open) or any(f[-1] is not None for f in followups)
    return DaySnapshot(day, body, digest, live)


def _followups(db: Sql, day: str) -> list[list[Any]]:
    """``[id, hour, window, clerk, category, item, late_from]`` of the day's follow-ups: those
    of the day's services (attributed as the rating) and those without a ticket opened that
    day (attribution all None: counted in the total only)."""
    columns = followup_columns(db)
    late = late_from_sql(columns)
    if late is None:
        return []
    found: list[list[Any]] = []
    if "ticket_id" in columns:
        found += [
            list(row)
            for row in db.execute(
                f"SELECT f.id, t.fin_hour, t.fin_window, t.fin_clerk, t.fin_category, t.item,"  # noqa: S608
                f" {late} FROM followups f JOIN figures_tickets t ON t.id = f.ticket_id"
                " WHERE t.day = ? AND t.fin_window IS NOT NULL ORDER BY f.id",
                (day,),
            ).fetchall()
        ]
    if "service_day" in columns:
        found += [
            list(row)
            for row in db.execute(
                f"SELECT f.id, NULL, NULL, NULL, NULL, NULL, {late} FROM followups f"  # noqa: S608
                " WHERE f.ticket_id IS NULL AND f.service_day = ? ORDER BY f.id",
                (day,),
            ).fetchall()
        ]
    return [[str(r[0]), *r[1:]] for r in found]


def due_days(db: Sql, today: date) -> list[str]:
    """Days whose snapshot should be (re)computed and compared with what central has, oldest
    first: never sent, recent (``RECENT_DAYS``), or live when last sent."""
    days = {
        str(row[0])
        for row in db.execute("SELECT DISTINCT day FROM figures_counts WHERE dim = 't'").fetchall()
    }
    sent: dict[str, str] = {
        str(row[0])[len(_META) :]: str(row[1])
        for row in db.execute(
            "SELECT key, value FROM figures_meta WHERE key LIKE ?", (_META + "%",)
        ).fetchall()
    }
    since = (today - timedelta(days=RECENT_DAYS)).isoformat()
    return sorted(
        day
        for day in days | {d for d, v in sent.items() if v.endswith(" live")}
        if day not in sent or day >= since or sent[day].endswith(" live")
    )


def sent_digest(db: Sql, day: str) -> str | None:
    """The digest of the day's snapshot central last acknowledged, or None."""
    row = db.execute("SELECT value FROM figures_meta WHERE key = ?", (_META + day,)).fetchone()
    return None if row is None else str(row[0]).split(" ")[0]


def mark_sent(db: Sql, snapshot: DaySnapshot) -> None:
    """Remember that central acknowledged ``snapshot`` (call inside a write transaction)."""
    db.execute(
        "INSERT INTO figures_meta (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (_META + snapshot.day, f"{snapshot.digest} {'live' if snapshot.live else 'done'}"),
    )
