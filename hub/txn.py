"""The engine's core: one write transaction at a time, its events, and the day roll-over.

Every operation runs in one ``BEGIN IMMEDIATE`` transaction that changes the domain rows and
writes the matching outbox events together; listeners hear about the events only after the
commit, so nothing is announced that a crash could take back. The rule modules
(:mod:`hub.issuing`, :mod:`hub.engine`, …) build their operations on :class:`EngineCore`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol, TypeVar

import sqlite_utils

from config import HallCalendar, HallConfig
from hub.errors import Conflict
from hub.reads import QueueReads
from hub.retention import purge_personal
from sync.clock import Clock
from sync.figures import FigureFold
from sync.outbox import Event, Outbox
from sync.store import Store

log = logging.getLogger(__name__)

T = TypeVar("T")
Listener = Callable[[list[Event]], None]


class EventHook(Protocol):
    """Something that reacts to each event inside the transaction that wrote it (queueing an
    SMS for a call, say), so its rows commit or roll back with the event."""

    def on_event(self, tx: Tx, event: Event) -> None: ...


@dataclass
class Tx:
    """One write transaction: its database handle, its instant, and the events it wrote."""

    db: sqlite_utils.Database
    outbox: Outbox
    now: datetime
    local_now: datetime
    today: str
    events: list[Event] = field(default_factory=list)
    figures: FigureFold | None = None
    hooks: tuple[EventHook, ...] = ()

    def emit(self, type_: str, payload: dict[str, Any]) -> None:
        """Write an event to the outbox, fold it into the figures' rollups and hand it to the
        hooks, in this transaction (so nothing counts or queues an event a rollback takes
        back)."""
        event = self.outbox.append(self.db, type_, payload)
        self.events.append(event)
        if self.figures is not None:
            self.figures.apply_event(self.db, event)
        for hook in self.hooks:
            hook.on_event(self, event)

    @property
    def stamp(self) -> str:
        return self.local_now.isoformat(timespec="milliseconds")


class EngineCore(QueueReads):
    """What every engine operation runs on: the store, the configuration, the clock and
    :meth:`_run`, which wraps one operation in its transaction.

    Thread-safe: writes are serialised by the store's writer lock. Every public method raises a
    :class:`hub.errors.HubError` subclass (with a code and a plain sentence) when the request is
    not possible; nothing is changed in that case.
    """

    def __init__(
        self,
        store: Store,
        config: HallConfig,
        clock: Clock,
        secret: bytes,
        *,
        enforce_hours: bool | None = None,
    ) -> None:
        self.store = store
        self.config = config
        self.clock = clock
        self.calendar = HallCalendar(config)
        self.outbox = Outbox(clock)
        self._secret = secret
        self._enforce_override = enforce_hours
        self._enforce_hours = (
            config.service.enforce_hours if enforce_hours is None else enforce_hours
        )
        self._listeners: list[Listener] = []
        self.hooks: list[EventHook] = []
        self.figures = FigureFold(self.calendar)
        with self.store.write() as db:
            for window in config.windows:
                db.execute(
                    "INSERT OR IGNORE INTO windows (number, status) VALUES (?, 'idle')",
                    (window.number,),
                )
            if self.figures.rebuild_pending(db):
                # A store that had events before it had the figures: replay what it holds.
                folded = self.figures.rebuild(db, Outbox.iter_all(db))
                log.info("figures rebuilt from %d stored events", folded)

    # -- plumbing ----------------------------------------------------------------------------

    def add_hook(self, hook: EventHook) -> None:
        """Hand every event this engine writes to ``hook.on_event`` inside its transaction."""
        self.hooks.append(hook)

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener(events)`` after each commit that wrote events (in commit order)."""
        self._listeners.append(listener)

    def announce(self, events: list[Event]) -> None:
        """Hand events committed outside the engine's own operations (a catalog swap) to the
        listeners. Call it holding ``store.lock``, right after the commit, to keep seq order."""
        for listener in self._listeners if events else ():
            try:
                listener(events)
            except Exception:
                log.exception("event listener failed")

    def use_config(self, config: HallConfig) -> None:
        """Run on ``config`` from now on (a console edit, a rollback, a catalog): its calendar,
        hours rule and windows. Call holding ``store.lock``, right after the commit that stored
        it (:meth:`_run`'s ``committed``), so no operation sees half of the change."""
        self.config = config
        self.calendar = HallCalendar(config)
        self.figures.calendar = self.calendar
        if self._enforce_override is None:
            self._enforce_hours = config.service.enforce_hours

    def _run(self, operation: Callable[[Tx], T], committed: Callable[[], None] | None = None) -> T:
        # The writer lock is held until listeners have heard the events, so they always hear
        # them in seq order; listeners must only hand events on, never block. ``committed``
        # runs after the commit and before the listeners (a configuration swap).
        with self.store.lock:
            with self.store.write() as db:
                now = self.clock.now()
                local = self.calendar.local(now)
                day = self.calendar.service_day(now).isoformat()
                tx = Tx(
                    db, self.outbox, now, local, day, figures=self.figures, hooks=tuple(self.hooks)
                )
                self._roll_day(tx)
                result = operation(tx)
            if committed is not None:
                committed()
            for listener in self._listeners if tx.events else ():
                try:
                    listener(tx.events)
                except Exception:
                    log.exception("event listener failed")
        return result

    def _roll_day(self, tx: Tx) -> None:
        row = tx.db.execute("SELECT value FROM hall_meta WHERE key = 'service_day'").fetchone()
        previous = row[0] if row else None
        if previous == tx.today:
            return
        if previous is not None and previous > tx.today:
            # The wall clock went backwards across a day: keep serving the later day's numbers
            # rather than reopen a finished day (numbers would repeat).
            log.warning("clock is behind the last service day %s; keeping it", previous)
            tx.today = previous
            return
        cancelled = tx.db.execute(
            "UPDATE tickets SET status = 'cancelled' WHERE service_day < ?"
            " AND status IN ('waiting', 'called')",
            (tx.today,),
        ).rowcount
        tx.db.execute(
            "UPDATE windows SET status = 'idle', current_ticket = NULL, pause_reason = NULL,"
            " priority_streak = 0, clerk_id = NULL, clerk_name = NULL, updated_at = ?",
            (tx.stamp,),
        )
        tx.db.execute(
            "INSERT INTO hall_meta (key, value) VALUES ('service_day', ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (tx.today,),
        )
        purge_personal(tx.db, date.fromisoformat(tx.today), self.config.sync.retention_days)
        if previous is not None:
            tx.emit(
                "day.closed",
                {"service_day": previous, "next_day": tx.today, "cancelled": cancelled},
            )

    # -- reading rows ------------------------------------------------------------------------

    def _current(self, tx: Tx, number: int) -> tuple[dict[str, Any], dict[str, Any]]:
        window = self._window_row(tx.db, number)
        if window["current_ticket"] is None:
            raise Conflict("no_current_ticket", f"{number}号窗口当前没有正在办理的号")
        ticket = self._ticket_row(tx.db, window["current_ticket"])
        if ticket is None:  # pragma: no cover - foreign key forbids it
            raise Conflict("no_current_ticket", f"{number}号窗口当前没有正在办理的号")
        return window, ticket

    @staticmethod
    def _clerk_of(tx: Tx, number: int) -> str | None:
        """The staff number of the clerk signed in at window ``number`` (None: nobody); events
        of a window's work carry it as ``clerk_id``, so figures know who did it."""
        row = tx.db.execute("SELECT clerk_id FROM windows WHERE number = ?", (number,)).fetchone()
        return None if row is None or row[0] is None else str(row[0])

    def _window_payload(self, tx: Tx, number: int) -> dict[str, Any]:
        return self._window_state(tx.db, number).to_dict()

    def _emit_window(self, tx: Tx, number: int) -> None:
        tx.emit("window.status", self._window_payload(tx, number))
