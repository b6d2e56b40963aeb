"""What a phone page shows: a ticket's place and state, or a case's progress.

Views carry no name, ID number or phone, and nothing of any other ticket than a count. Ticket
views are made in batches (:func:`ticket_views`): one ordered read per queue category gives every
followed ticket of that category its place, so a call in a busy hall costs one query per category,
not one per phone.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlite_utils

from hub.cases import status_text
from hub.models import BAD_LEVELS, RATING_LEVELS
from hub.rating import online_opens_at

if TYPE_CHECKING:
    from hub.engine import QueueEngine

STATUS_TEXT = {
    "waiting": "排队中",
    "called": "请到窗口办理",
    "finished": "已办结",
    "missed": "已过号",
    "cancelled": "已失效",
}


def _rating(
    row: dict[str, Any], rated: dict[str, int], today: str, now: datetime
) -> dict[str, Any]:
    """The online rating's state: ``done`` (with level), ``keypad`` (the window's keypad is
    still asking; ``opens_in`` seconds), ``open`` (the phone may rate), or ``none``."""
    if row["id"] in rated:
        level = rated[row["id"]]
        return {"state": "done", "level": level, "text": RATING_LEVELS.get(level, "")}
    if row["status"] != "finished" or row["service_day"] != today:
        return {"state": "none"}
    opens = online_opens_at(row.get("rating_due_at"))
    if opens is not None and opens > now:
        return {"state": "keypad", "opens_in": math.ceil((opens - now).total_seconds())}
    return {"state": "open"}


def _ticket_view(
    engine: QueueEngine,
    row: dict[str, Any],
    ahead: int | None,
    pace: tuple[float, int] | None,
    rated: dict[str, int],
    today: str,
    now: datetime,
) -> dict[str, Any]:
    config = engine.config
    category = config.category(row["category"])
    item = config.item(row["item_id"]) if row["item_id"] else None
    window = config.window(row["window"]) if row["window"] is not None else None
    view: dict[str, Any] = {
        "kind": "ticket",
        "number": row["number"],
        "category_code": row["category"],
        "business": category.name if category else row["category"],
        "item": item.name if item else None,
        "status": row["status"],
        "status_text": STATUS_TEXT.get(row["status"], row["status"]),
        "ahead": None,
        "wait_minutes": None,
        "window": None,
        "window_name": None,
        "rating": _rating(row, rated, today, now),
    }
    if row["status"] == "waiting" and ahead is not None and pace is not None:
        average, open_windows = pace
        view["ahead"] = ahead
        view["wait_minutes"] = math.ceil(ahead * average / open_windows / 60)
    if row["status"] == "called" and window is not None:
        view["window"] = window.number
        view["window_name"] = window.name
    return view


def _places(db: sqlite_utils.Database, today: str, category: str) -> dict[str, int]:
    """Every waiting ticket of ``category`` today → how many would be called before it (better
    lane, or the same lane and an earlier place), as :meth:`QueueReads._ahead` counts (lanes
    ranked as :data:`hub.models.LANE_RANK`)."""
    rows = db.execute(
        "SELECT id FROM tickets WHERE service_day = ? AND status = 'waiting' AND category = ?"
        " ORDER BY CASE lane WHEN 'appointment' THEN 0 WHEN 'green' THEN 1 ELSE 2 END,"
        " sort_key, id",
        (today, category),
    )
    return {str(r[0]): i for i, r in enumerate(rows)}


def ticket_views(engine: QueueEngine, ticket_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The views of ``ticket_ids`` (unknown ids are left out). Reads are not one snapshot: a
    change in between is followed by its own event, which makes the views again."""
    if not ticket_ids:
        return {}
    db = engine.store.reader()
    now = engine.calendar.local(engine.clock.now())
    today = engine.calendar.service_day(engine.clock.now()).isoformat()
    views: dict[str, dict[str, Any]] = {}
    wanted = json.dumps(ticket_ids)
    rows = list(
        db.query("SELECT * FROM tickets WHERE id IN (SELECT value FROM json_each(?))", (wanted,))
    )
    rated = {
        str(tid): int(level)
        for tid, level in db.execute(
            "SELECT ticket_id, level FROM ratings WHERE ticket_id IN"
            " (SELECT value FROM json_each(?))",
            (wanted,),
        )
    }
    waiting = {r["category"] for r in rows if r["status"] == "waiting"}
    places = {c: _places(db, today, c) for c in waiting}
    paces = {c: engine._service_pace(db, c) for c in waiting}
    for row in rows:
        cat = row["category"]
        ahead = places.get(cat, {}).get(row["id"]) if row["status"] == "waiting" else None
        views[row["id"]] = _ticket_view(engine, row, ahead, paces.get(cat), rated, today, now)
    return views


def case_view(engine: QueueEngine, receipt: str) -> dict[str, Any] | None:
    """A case's progress for its page: item, status, dates, what is missing (需补正), where to
    collect it; no applicant, phone or clerk. None when the hub does not hold it."""
    return case_views(engine, [receipt]).get(receipt)


def case_views(engine: QueueEngine, receipts: list[str]) -> dict[str, dict[str, Any]]:
    """The views of the cases ``receipts`` the hub holds, by receipt (one read)."""
    rows = engine.store.reader().query(
        "SELECT * FROM cases WHERE receipt IN (SELECT value FROM json_each(?))",
        (json.dumps(receipts),),
    )
    return {row["receipt"]: _case_view(engine, row) for row in rows}


def _case_view(engine: QueueEngine, row: dict[str, Any]) -> dict[str, Any]:
    missing = row.get("missing")
    window = row.get("pickup_window") or row["window"]
    spec = engine.config.window(window) if isinstance(window, int) else None
    return {
        "kind": "case",
        "receipt": row["receipt"],
        "item": row["item_name"],
        "department": row["department"],
        "status": row["status"],
        "status_text": status_text(row["status"]),
        "accepted_on": row["service_day"],
        "promised_on": row["promised_on"],
        "missing": json.loads(missing) if isinstance(missing, str) and missing else [],
        "reason": row.get("reason"),
        "window": window,
        "window_name": spec.name if spec else None,
    }


def rating_choices(engine: QueueEngine) -> dict[str, Any]:
    """The five GB/T 39046 levels and the reasons a 差评 must choose from."""
    return {
        "levels": [[level, text] for level, text in sorted(RATING_LEVELS.items())],
        "bad_levels": sorted(BAD_LEVELS),
        "bad_reasons": list(engine.config.rating.bad_reasons),
    }
