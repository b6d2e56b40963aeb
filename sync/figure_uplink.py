"""Sending the hall's figures to central, a service day at a time, once the outbox is sent.

The uplink calls :meth:`FigureUplink.step` when it has nothing else to send: the figures of a
day are then those of every event central already holds. A day is sent when its snapshot
(:mod:`sync.figures.snapshot`) differs from the one central last acknowledged; the current day
at most every ``every`` seconds (a busy hall changes it with each ticket), other days at once.
The check itself runs at most every ``check_every`` seconds. A central that does not take
figures (an older one: 404/405) or refuses a snapshot (400/413) is logged once and left alone
until the hub restarts, so figures never hold up the events.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from config import HallCalendar
from sync.clock import SYSTEM_WAIT_CLOCK, WaitClock
from sync.figures.snapshot import DaySnapshot, day_snapshot, due_days, mark_sent, sent_digest
from sync.http import CentralClient, CentralRefused
from sync.store import Store

log = logging.getLogger(__name__)

TODAY_EVERY_SECONDS = 300.0
CHECK_EVERY_SECONDS = 60.0


class FigureUplink:
    """The figures' part of the uplink for the hub's ``store``.

    ``calendar`` gives the hall's calendar in force (it may change with the settings), ``now``
    the hub's clock. Used from the uplink's thread only.
    """

    def __init__(
        self,
        store: Store,
        calendar: Callable[[], HallCalendar],
        now: Callable[[], datetime],
        *,
        every: float = TODAY_EVERY_SECONDS,
        check_every: float = CHECK_EVERY_SECONDS,
        waits: WaitClock = SYSTEM_WAIT_CLOCK,
    ) -> None:
        self.store = store
        self.calendar = calendar
        self.now = now
        self.every = every
        self.check_every = check_every
        self._time = waits
        self._checked: float | None = None
        self._sent: dict[str, float] = {}
        self._refused: set[str] = set()
        self._off = False
        self.days_sent = 0

    def step(self, client: CentralClient, path: Callable[[str], str]) -> bool:
        """Send one day whose figures central lacks; True if one was sent (call again soon).

        Raises CentralUnreachable / CentralRefused (but for the refusals above) as the uplink
        expects of a request.
        """
        if self._off:
            return False
        monotonic = self._time.monotonic()
        if self._checked is not None and monotonic - self._checked < self.check_every:
            return False
        snapshot = self._next_due(monotonic)
        if snapshot is None:
            self._checked = monotonic
            return False
        try:
            client.request(
                "PUT",
                path(f"figures/{snapshot.day}"),
                body=snapshot.body,
                compress=True,
                headers={"X-Figures-Digest": snapshot.digest},
            )
        except CentralRefused as err:
            if err.status in (404, 405):
                log.warning("central does not take figures (%s); not sending them", err)
                self._off = True
                return False
            if err.status in (400, 413):
                log.error("central refused the figures of %s: %s", snapshot.day, err)
                self._refused.add(snapshot.digest)
                return True
            raise
        with self.store.write() as db:
            mark_sent(db, snapshot)
        self._sent[snapshot.day] = monotonic
        self.days_sent += 1
        return True

    def _next_due(self, monotonic: float) -> DaySnapshot | None:
        calendar = self.calendar()
        now = self.now()
        today = calendar.service_day(now).isoformat()
        reader = self.store.reader()
        for day in due_days(reader, calendar.service_day(now)):
            if day == today and monotonic - self._sent.get(day, -self.every) < self.every:
                continue
            snapshot = day_snapshot(reader, day, calendar, now)
            if snapshot.digest in self._refused:
                continue
            if snapshot.digest == sent_digest(reader, day):
                if not snapshot.live:
                    with self.store.write() as db:
                        mark_sent(db, snapshot)  # no longer live: no need to look again
                continue
            return snapshot
        return None
