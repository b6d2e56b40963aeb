"""Clerks' presence at the windows: sign-ins and pauses, as intervals of time.

The fold keeps, per window, the clerk signed in (since when, on which service day) and the pause
under way (since when, and the clerk signed in when it began) in ``figures_windows``. When an
interval ends its seconds go into the rollups of its service day: ``signed_in_s`` to the clerk's
and the window's rows, ``pause_s`` likewise (a pause is counted in ``pauses`` when it begins).

An interval never ended (the clerk went home signed in, the window stayed paused) is closed at
the end of that service day's last service period, or at the end of the service day when it
began after that period; and never later than the moment the next day was opened
(``day.closed``). :func:`closing_time` is that rule; reports use it for intervals still open.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from config import HallCalendar
from sync.figures.rollup import Sql, Where, add


def closing_time(calendar: HallCalendar, day: str, since: datetime) -> datetime:
    """When an interval of service day ``day`` that began at ``since`` and was never ended
    is taken to have ended: the end of the day's last service period, or the end of the
    service day if it began after that."""
    service_day = date.fromisoformat(day)
    last_end = calendar.at(service_day, calendar.closing_time(service_day))
    if since < last_end:
        return last_end
    return calendar.day_span(service_day)[1]


def seconds_between(since: datetime, until: datetime) -> float:
    """Whole milliseconds from ``since`` to ``until`` as seconds, never negative."""
    return max(0.0, round((until - since).total_seconds(), 3))


def window_row(db: Sql, window: str) -> dict[str, Any] | None:
    """The fold's state of ``window``, or None if it never saw the window."""
    row = db.execute(
        "SELECT clerk, clerk_day, clerk_since, paused_clerk, paused_day, paused_since"
        " FROM figures_windows WHERE window = ?",
        (window,),
    ).fetchone()
    if row is None:
        return None
    names = ("clerk", "clerk_day", "clerk_since", "paused_clerk", "paused_day", "paused_since")
    return dict(zip(names, tuple(row), strict=True))


def clerk_at(db: Sql, window: str) -> str:
    """The staff number the fold knows signed in at ``window`` ("" for nobody)."""
    row = window_row(db, window)
    return (row["clerk"] or "") if row else ""


def _ensure(db: Sql, window: str) -> None:
    db.execute("INSERT OR IGNORE INTO figures_windows (window) VALUES (?)", (window,))


def sign_in(db: Sql, window: str, clerk: str | None, day: str, at: datetime) -> None:
    """End the sign-in under way at ``window`` at ``at`` and start ``clerk``'s (None: nobody)."""
    end_sign_in(db, window, at)
    _ensure(db, window)
    db.execute(
        "UPDATE figures_windows SET clerk = ?, clerk_day = ?, clerk_since = ? WHERE window = ?",
        (clerk, day if clerk else None, at.isoformat() if clerk else None, window),
    )


def end_sign_in(db: Sql, window: str, at: datetime) -> None:
    """Count the sign-in under way at ``window`` up to ``at`` and end it (nothing if none)."""
    row = window_row(db, window)
    if row is None or not row["clerk"]:
        return
    since = datetime.fromisoformat(row["clerk_since"])
    add(
        db,
        Where(row["clerk_day"], window=window, clerk=row["clerk"]),
        signed_in_s=seconds_between(since, at),
    )
    db.execute(
        "UPDATE figures_windows SET clerk = NULL, clerk_day = NULL, clerk_since = NULL"
        " WHERE window = ?",
        (window,),
    )


def pause(db: Sql, window: str, clerk: str, day: str, at: datetime) -> None:
    """A pause begins at ``window``: counted at once, its time when it ends."""
    end_pause(db, window, at)  # a second pause without a resume: the first ends here
    _ensure(db, window)
    add(db, Where(day, window=window, clerk=clerk), pauses=1)
    db.execute(
        "UPDATE figures_windows SET paused_clerk = ?, paused_day = ?, paused_since = ?"
        " WHERE window = ?",
        (clerk, day, at.isoformat(), window),
    )


def end_pause(db: Sql, window: str, at: datetime) -> None:
    """Count the pause under way at ``window`` up to ``at`` and end it (nothing if none)."""
    row = window_row(db, window)
    if row is None or row["paused_since"] is None:
        return
    since = datetime.fromisoformat(row["paused_since"])
    add(
        db,
        Where(row["paused_day"], window=window, clerk=row["paused_clerk"]),
        pause_s=seconds_between(since, at),
    )
    db.execute(
        "UPDATE figures_windows SET paused_clerk = NULL, paused_day = NULL, paused_since = NULL"
        " WHERE window = ?",
        (window,),
    )


def close_day(db: Sql, calendar: HallCalendar, at: datetime) -> None:
    """A new service day was opened at ``at``: end every sign-in and pause under way, each at
    its :func:`closing_time` (but not after ``at``), as the hub signs everyone out."""
    rows = db.execute(
        "SELECT window, clerk_day, clerk_since, paused_day, paused_since FROM figures_windows"
        " WHERE clerk_since IS NOT NULL OR paused_since IS NOT NULL"
    ).fetchall()
    for window, clerk_day, clerk_since, paused_day, paused_since in (tuple(r) for r in rows):
        if clerk_since is not None:
            since = datetime.fromisoformat(clerk_since)
            end_sign_in(db, window, min(at, closing_time(calendar, clerk_day, since)))
        if paused_since is not None:
            since = datetime.fromisoformat(paused_since)
            end_pause(db, window, min(at, closing_time(calendar, paused_day, since)))


def open_intervals(db: Sql, calendar: HallCalendar, now: datetime) -> list[dict[str, Any]]:
    """Sign-ins and pauses still under way, counted up to ``now`` (or their closing time if
    earlier), as dicts ``{"day", "window", "clerk", "signed_in_s" | "pause_s"}``: what the
    report adds for the time the rollups have not been told about yet."""
    found: list[dict[str, Any]] = []
    rows = db.execute(
        "SELECT window, clerk, clerk_day, clerk_since, paused_clerk, paused_day, paused_since"
        " FROM figures_windows WHERE clerk_since IS NOT NULL OR paused_since IS NOT NULL"
    ).fetchall()
    for window, clerk, clerk_day, clerk_since, p_clerk, p_day, p_since in (tuple(r) for r in rows):
        for day, who, since_text, column in (
            (clerk_day, clerk, clerk_since, "signed_in_s"),
            (p_day, p_clerk, p_since, "pause_s"),
        ):
            if since_text is None:
                continue
            since = datetime.fromisoformat(since_text)
            until = min(now, closing_time(calendar, day, since))
            found.append(
                {
                    "day": day,
                    "window": window,
                    "clerk": who or "",
                    column: seconds_between(since, until),
                }
            )
    return found
