"""The fold: the hub's events, one at a time, into rollup deltas (and the state it needs).

:class:`FigureFold` reads the outbox events the hub writes (same types and payloads, see
docs/hub.md's event table) and turns each into additions to the rollups of
:mod:`sync.figures.rollup`, in the caller's transaction. It is the ONE definition of how an
event counts (docs/reports.md says it in words); the hub runs it inside ``Tx.emit``, and a
store that had events before it had the figures replays them through it once (:meth:`rebuild`).

What each event does (``at`` is the event's time; its hour and, for window events, its service
day are the hall's local ones; ticket events belong to the ticket's service day):

- ``ticket.issued``: +issued at (day, hour, category, item), no window or clerk.
- ``ticket.called``: undoes the ticket's pending miss if it has one (called back after a
  skip); +called the first time *this window* calls the ticket; on the ticket's first call
  ever, its wait (issued → called) goes into the wait histograms. Attributed to (day, hour,
  window, clerk signed in, category at the call, item).
- ``ticket.skipped``: +missed at the skip's attribution, remembered as the ticket's pending miss.
- ``ticket.requeued``: undoes the pending miss (−missed where it was counted).
- ``ticket.transferred``: +transferred at the sending window, in the category it left.
- ``ticket.finished``: +served and the service time at the finishing window; the attribution
  is kept for the ticket's rating.
- ``rating.recorded``: +r1…r5 at the attribution of the ticket's finish (so ratings, served
  and unrated line up row by row).
- ``window.clerk``, ``window.paused``, ``window.resumed``, ``day.closed``: clerks' presence,
  see :mod:`sync.figures.presence`.

The clerk of an event is the payload's ``clerk_id`` (the hub adds it; null: nobody signed in),
or for older events that lack the field, the clerk the fold saw sign in at that window.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from config import HallCalendar
from sync.figures import presence
from sync.figures.rollup import Sql, Where, add, sample
from sync.outbox import Event

log = logging.getLogger(__name__)

Handler = Callable[[Sql, Mapping[str, Any], datetime], None]

_TICKET_COLUMNS = (
    "id",
    "day",
    "category",
    "item",
    "called_windows",
    "waited",
    "miss_hour",
    "miss_window",
    "miss_clerk",
    "miss_category",
    "fin_hour",
    "fin_window",
    "fin_clerk",
    "fin_category",
    "level",
)

FIGURE_TABLES = ("figures_counts", "figures_hist", "figures_tickets", "figures_windows")


class FigureFold:
    """Folds events into the figures tables of one hall. Stateless itself: everything it
    remembers is in the tables, so it may be used from any thread holding the transaction."""

    def __init__(self, calendar: HallCalendar) -> None:
        self.calendar = calendar
        self._handlers: dict[str, Handler] = {
            "ticket.issued": self._issued,
            "ticket.called": self._called,
            "ticket.skipped": self._skipped,
            "ticket.requeued": self._requeued,
            "ticket.transferred": self._transferred,
            "ticket.finished": self._finished,
            "rating.recorded": self._rated,
            "window.clerk": self._clerk_changed,
            "window.paused": self._paused,
            "window.resumed": self._resumed,
            "day.closed": self._day_closed,
        }

    # -- entry points ----------------------------------------------------------------------

    def apply_event(self, db: Sql, event: Event) -> None:
        """Fold one stored event (its ``wall_time`` is when it happened)."""
        self.apply(db, event.type, event.payload, datetime.fromisoformat(event.wall_time))

    def apply(self, db: Sql, type_: str, payload: Mapping[str, Any], at: datetime) -> None:
        """Fold one event of type ``type_`` that happened at ``at`` (timezone-aware).

        Types that carry no figure are ignored. Raises KeyError/ValueError for a payload that
        lacks what its type must carry (the caller's transaction then rolls back).
        """
        handler = self._handlers.get(type_)
        if handler is not None:
            handler(db, payload, at)

    def rebuild(self, db: Sql, events: Iterable[Event]) -> int:
        """Empty the figures tables, fold ``events`` (in seq order) again, and clear a pending
        rebuild mark; returns how many events were read. Run it in one transaction."""
        for table in FIGURE_TABLES:
            db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
        count = 0
        for event in events:
            self.apply_event(db, event)
            count += 1
        db.execute("DELETE FROM figures_meta WHERE key = 'rebuild'")
        return count

    @staticmethod
    def rebuild_pending(db: Sql) -> bool:
        """Whether the figures still have to be rebuilt from the outbox."""
        row = db.execute("SELECT value FROM figures_meta WHERE key = 'rebuild'").fetchone()
        return row is not None

    # -- helpers ---------------------------------------------------------------------------

    def _hour(self, at: datetime) -> str:
        return f"{self.calendar.local(at).hour:02d}"

    def _day(self, at: datetime) -> str:
        return self.calendar.service_day(at).isoformat()

    @staticmethod
    def _clerk(payload: Mapping[str, Any], db: Sql, window: str) -> str:
        if "clerk_id" in payload:
            return str(payload["clerk_id"] or "")
        return presence.clerk_at(db, window)

    @staticmethod
    def _ticket(db: Sql, ticket: Mapping[str, Any]) -> dict[str, Any]:
        """The fold's row of ``ticket`` (a payload's ``ticket``), created if it is new."""
        row = db.execute(
            f"SELECT {', '.join(_TICKET_COLUMNS)} FROM figures_tickets WHERE id = ?",  # noqa: S608
            (ticket["id"],),
        ).fetchone()
        if row is not None:
            return dict(zip(_TICKET_COLUMNS, tuple(row), strict=True))
        fresh: dict[str, Any] = dict.fromkeys(_TICKET_COLUMNS)
        fresh.update(
            id=ticket["id"],
            day=ticket["service_day"],
            category=ticket["category"],
            item=ticket.get("item_id") or "",
            called_windows=",",
            waited=0,
        )
        db.execute(
            "INSERT INTO figures_tickets (id, day, category, item) VALUES (?, ?, ?, ?)",
            (fresh["id"], fresh["day"], fresh["category"], fresh["item"]),
        )
        return fresh

    @staticmethod
    def _undo_miss(db: Sql, row: dict[str, Any]) -> None:
        if row["miss_window"] is None:
            return
        where = Where(
            row["day"],
            row["miss_hour"],
            row["miss_window"],
            row["miss_clerk"],
            row["miss_category"],
            row["item"],
        )
        add(db, where, missed=-1)
        db.execute(
            "UPDATE figures_tickets SET miss_hour = NULL, miss_window = NULL, miss_clerk = NULL,"
            " miss_category = NULL WHERE id = ?",
            (row["id"],),
        )

    def _at_window(
        self,
        db: Sql,
        payload: Mapping[str, Any],
        at: datetime,
        window_key: str = "window",
        row: dict[str, Any] | None = None,
    ) -> tuple[dict[str, Any], Where]:
        """The ticket's row and the attribution of an event at its window (in the category the
        ticket is in as the event happens)."""
        row = row if row is not None else self._ticket(db, payload["ticket"])
        window = str(payload[window_key])
        where = Where(
            row["day"],
            self._hour(at),
            window,
            self._clerk(payload, db, window),
            row["category"],
            row["item"],
        )
        return row, where

    @staticmethod
    def _move(db: Sql, row: dict[str, Any], category: str) -> None:
        """The ticket is in ``category`` from now on (after a transfer)."""
        if row["category"] != category:
            row["category"] = category
            db.execute(
                "UPDATE figures_tickets SET category = ? WHERE id = ?", (category, row["id"])
            )

    # -- tickets ---------------------------------------------------------------------------

    def _issued(self, db: Sql, payload: Mapping[str, Any], at: datetime) -> None:
        row = self._ticket(db, payload["ticket"])
        add(
            db,
            Where(row["day"], self._hour(at), None, None, row["category"], row["item"]),
            issued=1,
        )

    def _called(self, db: Sql, payload: Mapping[str, Any], at: datetime) -> None:
        ticket = payload["ticket"]
        row = self._ticket(db, ticket)
        self._move(db, row, ticket["category"])
        self._undo_miss(db, row)
        row, where = self._at_window(db, payload, at, row=row)
        mark = f"{where.window},"
        if f",{mark}" not in row["called_windows"]:
            add(db, where, called=1)
            db.execute(
                "UPDATE figures_tickets SET called_windows = called_windows || ? WHERE id = ?",
                (mark, row["id"]),
            )
        if not row["waited"] and ticket.get("called_at") and ticket.get("issued_at"):
            waited = datetime.fromisoformat(ticket["called_at"]) - datetime.fromisoformat(
                ticket["issued_at"]
            )
            sample(db, where, "w", waited.total_seconds())
            db.execute("UPDATE figures_tickets SET waited = 1 WHERE id = ?", (row["id"],))

    def _skipped(self, db: Sql, payload: Mapping[str, Any], at: datetime) -> None:
        row, where = self._at_window(db, payload, at)
        self._undo_miss(db, row)  # never two pending misses for one ticket
        add(db, where, missed=1)
        db.execute(
            "UPDATE figures_tickets SET miss_hour = ?, miss_window = ?, miss_clerk = ?,"
            " miss_category = ? WHERE id = ?",
            (where.hour, where.window, where.clerk, where.category, row["id"]),
        )

    def _requeued(self, db: Sql, payload: Mapping[str, Any], at: datetime) -> None:
        self._undo_miss(db, self._ticket(db, payload["ticket"]))

    def _transferred(self, db: Sql, payload: Mapping[str, Any], at: datetime) -> None:
        row, where = self._at_window(db, payload, at, "from_window")
        add(db, where, transferred=1)
        self._move(db, row, payload["ticket"]["category"])

    def _finished(self, db: Sql, payload: Mapping[str, Any], at: datetime) -> None:
        row = self._ticket(db, payload["ticket"])
        self._move(db, row, payload["ticket"]["category"])
        row, where = self._at_window(db, payload, at, row=row)
        add(db, where, served=1)
        sample(db, where, "s", float(payload["service_seconds"]))
        db.execute(
            "UPDATE figures_tickets SET fin_hour = ?, fin_window = ?, fin_clerk = ?,"
            " fin_category = ? WHERE id = ?",
            (where.hour, where.window, where.clerk, where.category, row["id"]),
        )

    def _rated(self, db: Sql, payload: Mapping[str, Any], at: datetime) -> None:
        level = int(payload["level"])
        found = db.execute(
            "SELECT day, item, fin_hour, fin_window, fin_clerk, fin_category, category"
            " FROM figures_tickets WHERE id = ?",
            (payload["ticket_id"],),
        ).fetchone()
        if found is not None and found[3] is not None:
            day, item, hour, window, clerk, category, _ = tuple(found)
            where = Where(day, hour, window, clerk, category, item)
        else:
            # The finish is not in the fold (its events were purged before the figures were
            # built): attribute the rating by its own payload and time.
            window = str(payload["window"])
            log.info("rating of ticket %s without its finish in the figures", payload["ticket_id"])
            where = Where(
                str(payload.get("service_day") or self._day(at)),
                self._hour(at),
                window,
                str(payload.get("clerk_id") or ""),
                str(found[6]) if found is not None else "",
                str(payload.get("item_id") or ""),
            )
        add(db, where, **{f"r{level}": 1})
        db.execute(
            "UPDATE figures_tickets SET level = ? WHERE id = ?", (level, payload["ticket_id"])
        )

    # -- windows and days ------------------------------------------------------------------

    def _clerk_changed(self, db: Sql, payload: Mapping[str, Any], at: datetime) -> None:
        clerk = payload.get("clerk")
        number = str(clerk["number"]) if clerk else None
        presence.sign_in(db, str(payload["window"]), number, self._day(at), at)

    def _paused(self, db: Sql, payload: Mapping[str, Any], at: datetime) -> None:
        window = str(payload["window"])
        presence.pause(db, window, self._clerk(payload, db, window), self._day(at), at)

    def _resumed(self, db: Sql, payload: Mapping[str, Any], at: datetime) -> None:
        presence.end_pause(db, str(payload["window"]), at)

    def _day_closed(self, db: Sql, payload: Mapping[str, Any], at: datetime) -> None:
        presence.close_day(db, self.calendar, at)
        # Tickets of days before the closed one can get no more events; keep only the 差评
        # ones, whose attribution the follow-ups' overdue count needs.
        db.execute(
            "DELETE FROM figures_tickets WHERE day < ? AND (level IS NULL OR level < 4)",
            (str(payload["service_day"]),),
        )
