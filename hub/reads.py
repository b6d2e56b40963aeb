"""The read side of the queue: tickets with their place and wait, windows, counts, events.

Reads use the calling thread's own read connection (WAL: they never wait for the writer);
:class:`hub.engine.QueueEngine` builds its writes on these helpers.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import replace
from datetime import datetime
from typing import Any

import sqlite_utils

from config import HallCalendar, HallConfig
from hub.errors import NotFound
from hub.models import LANE_RANK, Lane, Ticket, TicketStatus, WindowState, WindowStatus
from sync.clock import Clock
from sync.outbox import Event, Outbox
from sync.store import Store


def photo_path(number: str) -> str:
    """The API path of a clerk's photo (what window states carry as ``clerk.photo``)."""
    return f"/api/v1/staff/{number}/photo"


def clerk_info(config: HallConfig, number: str | None, name: str | None) -> dict[str, Any] | None:
    """``{"number", "name", "title", "photo"}`` of the clerk signed in as ``number``, or None.

    A staff number no longer in the configuration keeps its stored name, with no post or photo.
    """
    if number is None:
        return None
    member = config.staff_member(number)
    if member is None:
        return {"number": number, "name": name or "", "title": "", "photo": None}
    return {
        "number": member.number,
        "name": member.name,
        "title": member.title,
        "photo": f"{photo_path(member.number)}?v={_photo_tag(member.photo)}"
        if member.photo
        else None,
    }


def _photo_tag(photo: str) -> str:
    """A short tag of the photo's file name: a new photo is a new address, so boards that keep
    photos by address fetch it again."""
    return hashlib.sha256(photo.encode("utf-8")).hexdigest()[:8]


class QueueReads:
    """Queries over the hub's store; no method here changes anything."""

    store: Store
    config: HallConfig
    clock: Clock
    calendar: HallCalendar

    def _today(self) -> str:
        return self.calendar.service_day(self.clock.now()).isoformat()

    @staticmethod
    def _ticket_row(db: sqlite_utils.Database, ticket_id: str) -> dict[str, Any] | None:
        rows = list(db.query("SELECT * FROM tickets WHERE id = ?", (ticket_id,)))
        return rows[0] if rows else None

    def _window_row(self, db: sqlite_utils.Database, number: int) -> dict[str, Any]:
        if self.config.window(number) is None:
            raise NotFound("unknown_window", f"本厅没有{number}号窗口")
        rows = list(db.query("SELECT * FROM windows WHERE number = ?", (number,)))
        return rows[0]

    def _by_number(self, db: sqlite_utils.Database, today: str, number: str) -> dict[str, Any]:
        wanted = number.strip().upper()
        rows = list(
            db.query("SELECT * FROM tickets WHERE service_day = ? AND number = ?", (today, wanted))
        )
        if not rows:
            raise NotFound("unknown_number", f"今天没有{wanted}号，请核对号码")
        return rows[0]

    def _ahead(self, db: sqlite_utils.Database, row: dict[str, Any]) -> int:
        """Waiting tickets of the same category that would be called first (better lane, or the
        same lane and an earlier place). One index range per lane, so it stays cheap on a busy
        day."""
        rank = LANE_RANK[Lane(row["lane"])]
        total = 0
        for lane, lane_rank in LANE_RANK.items():
            if lane_rank > rank:
                continue
            sql = (
                "SELECT COUNT(*) FROM tickets WHERE service_day = ? AND status = 'waiting'"
                " AND category = ? AND lane = ?"
            )
            params: tuple[Any, ...] = (row["service_day"], row["category"], lane.value)
            if lane_rank == rank:
                sql += " AND sort_key < ? AND id != ?"
                params = (*params, row["sort_key"], row["id"])
            total += int(db.execute(sql, params).fetchone()[0])
        return total

    def _estimate_minutes(self, db: sqlite_utils.Database, category: str, ahead: int) -> int:
        """People ahead × recent average service time ÷ open windows of the category."""
        average, open_windows = self._service_pace(db, category)
        return math.ceil(ahead * average / open_windows / 60)

    def _service_pace(self, db: sqlite_utils.Database, category: str) -> tuple[float, int]:
        """What a wait in ``category`` is estimated from: the recent average service time in
        seconds and the category's open windows (at least 1)."""
        cat = self.config.category(category)
        fallback = (cat.average_service_minutes if cat else 8.0) * 60
        recent = [
            r[0]
            for r in db.execute(
                "SELECT service_seconds FROM tickets WHERE category = ? AND status = 'finished'"
                " AND service_seconds IS NOT NULL ORDER BY finished_at DESC LIMIT ?",
                (category, self.config.queue.estimate_window),
            )
        ]
        average = sum(recent) / len(recent) if recent else fallback
        serving = [w.number for w in self.config.windows_serving(category)]
        paused = {r[0] for r in db.execute("SELECT number FROM windows WHERE status = 'paused'")}
        open_windows = max(1, len([n for n in serving if n not in paused]))
        return average, open_windows

    def estimate_minutes(self, category: str, ahead: int) -> int:
        """Minutes a ticket of ``category`` with ``ahead`` people before it would wait."""
        return self._estimate_minutes(self.store.reader(), category, ahead)

    def _with_wait(self, db: sqlite_utils.Database, row: dict[str, Any]) -> Ticket:
        ticket = Ticket.from_row(row)
        if ticket.status is not TicketStatus.WAITING:
            return ticket
        ahead = self._ahead(db, row)
        return replace(
            ticket,
            waiting_ahead=ahead,
            estimated_wait_minutes=self._estimate_minutes(db, row["category"], ahead),
        )

    def get_ticket(self, ticket_id: str) -> Ticket:
        """The ticket with its current place in the queue; raises NotFound."""
        db = self.store.reader()
        row = self._ticket_row(db, ticket_id)
        if row is None:
            raise NotFound("unknown_ticket", "没有找到这张号票")
        return self._with_wait(db, row)

    def find_ticket(self, number: str) -> Ticket:
        """Today's ticket with this number; raises NotFound."""
        db = self.store.reader()
        today = self._today()
        return self._with_wait(db, self._by_number(db, today, number))

    def _window_state(self, db: sqlite_utils.Database, number: int) -> WindowState:
        row = self._window_row(db, number)
        spec = self.config.window(number)
        current = self._ticket_row(db, row["current_ticket"]) if row["current_ticket"] else None
        pending = None
        last = list(
            db.query(
                "SELECT t.id, t.number, t.rating_due_at FROM tickets t"
                " LEFT JOIN ratings r ON r.ticket_id = t.id WHERE t.window = ?"
                " AND t.status = 'finished' AND t.rating_due_at IS NOT NULL AND r.id IS NULL"
                " ORDER BY t.finished_at DESC LIMIT 1",
                (number,),
            )
        )
        if last and datetime.fromisoformat(last[0]["rating_due_at"]) > self.calendar.local(
            self.clock.now()
        ):
            pending = {
                "ticket_id": last[0]["id"],
                "number": last[0]["number"],
                "expires_at": last[0]["rating_due_at"],
            }
        return WindowState(
            number=number,
            name=spec.name if spec else "",
            categories=list(spec.categories) if spec else [],
            status=WindowStatus(row["status"]),
            current=Ticket.from_row(current) if current else None,
            pause_reason=row["pause_reason"],
            clerk_id=row["clerk_id"],
            clerk_name=row["clerk_name"],
            rating_pending=pending,
            unit=spec.unit if spec else "",
            clerk=clerk_info(self.config, row["clerk_id"], row["clerk_name"]),
        )

    def window_state(self, number: int) -> WindowState:
        """What window ``number`` is doing now; raises NotFound."""
        return self._window_state(self.store.reader(), number)

    def windows(self) -> list[WindowState]:
        """Every configured window's state."""
        db = self.store.reader()
        return [self._window_state(db, w.number) for w in self.config.windows]

    def waiting_counts(self) -> dict[str, dict[str, int]]:
        """Waiting tickets today per category and lane: ``{"A": {"ordinary": 3, ...}, ...}``."""
        db = self.store.reader()
        today = self._today()
        counts: dict[str, dict[str, int]] = {
            c.code: {lane.value: 0 for lane in Lane} for c in self.config.categories
        }
        for row in db.execute(
            "SELECT category, lane, COUNT(*) FROM tickets WHERE service_day = ?"
            " AND status = 'waiting' GROUP BY category, lane",
            (today,),
        ):
            counts.setdefault(row[0], {lane.value: 0 for lane in Lane})[row[1]] = row[2]
        return counts

    def category_waits(self) -> dict[str, dict[str, Any]]:
        """Per category today: ``waiting`` (all lanes), ``estimated_wait_minutes`` for a ticket
        taken now, and the longest-waiting ticket's ``oldest_number`` and ``oldest_issued_at``
        (hall-local ISO time; both None when nobody waits). Every configured category is there.
        """
        db = self.store.reader()
        today = self._today()
        counts = {c.code: 0 for c in self.config.categories}
        oldest: dict[str, tuple[str, str]] = {}
        for code, count, number, issued in db.execute(
            "SELECT category, COUNT(*), number, MIN(issued_at) FROM tickets"
            " WHERE service_day = ? AND status = 'waiting' GROUP BY category",
            (today,),
        ):
            counts[code] = int(count)
            oldest[code] = (str(number), str(issued))
        result: dict[str, dict[str, Any]] = {}
        for code, waiting in counts.items():
            number, issued = oldest.get(code, (None, None))
            result[code] = {
                "waiting": waiting,
                "estimated_wait_minutes": self._estimate_minutes(db, code, waiting),
                "oldest_number": number,
                "oldest_issued_at": issued,
            }
        return result

    def today_stats(self, window: int | None = None) -> dict[str, Any]:
        """Today's finished count and average service minutes, for the hall or one window."""
        db = self.store.reader()
        today = self._today()
        sql = (
            "SELECT COUNT(*), AVG(service_seconds) FROM tickets WHERE service_day = ?"
            " AND status = 'finished'"
        )
        params: tuple[Any, ...] = (today,)
        if window is not None:
            sql += " AND window = ?"
            params = (today, window)
        count, average = db.execute(sql, params).fetchone()
        issued = db.execute(
            "SELECT COUNT(*) FROM tickets WHERE service_day = ?", (today,)
        ).fetchone()[0]
        return {
            "service_day": today,
            "issued": issued,
            "finished": count,
            "average_service_minutes": round(average / 60, 1) if average else None,
        }

    def events_after(self, seq: int, limit: int = 1000) -> list[Event]:
        """Committed events after ``seq`` (for resuming event streams)."""
        return Outbox.after(self.store.reader(), seq, limit)

    def last_seq(self) -> int:
        """Highest event ``seq`` handed out so far."""
        return Outbox.last_seq(self.store.reader())
