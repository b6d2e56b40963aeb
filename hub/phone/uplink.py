"""Sending the views of the hall's live phone pages to central, for citizens off the hall's
Wi-Fi (``phone.public_base_url``; docs/phone.md, "Through central").

Every :data:`EVERY_SECONDS` a thread makes the views of today's tickets and of the cases whose
pages still answer, and PUTs to central those that changed since central last took them, at most
:data:`CHUNK` a request, each with the SHA-256 of its code (central never learns a code), when
the view was made and when its page expires; a round after which no event was written (and the
day did not turn) reads nothing. Views go without their rating: central's page has none.
Nothing is queued: a view is a snapshot, so after a WAN outage the next round sends what is true
then. A round that fails waits with backoff; the hall's queue never waits for it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from hub.phone.views import case_views, ticket_views
from sync.backoff import Backoff
from sync.clock import SYSTEM_WAIT_CLOCK, WaitClock
from sync.errors import SyncError
from sync.http import CentralClient
from sync.wire import API_PREFIX

if TYPE_CHECKING:
    from hub.engine import QueueEngine

log = logging.getLogger(__name__)

EVERY_SECONDS = 5.0
CHUNK = 200


def code_hash(code: str) -> str:
    """What central keeps of a page's code (as :func:`sync.central.phone.code_hash`)."""
    return hashlib.sha256(code.encode("ascii")).hexdigest()


class PhoneUplink:
    """The thread that keeps central's copy of the hall's phone pages up to date."""

    def __init__(
        self,
        engine: QueueEngine,
        client: CentralClient,
        *,
        every: float = EVERY_SECONDS,
        waits: WaitClock = SYSTEM_WAIT_CLOCK,
    ) -> None:
        self._engine = engine
        self._client = client
        self.every = every
        self._time = waits
        self._sent: dict[str, str] = {}  # code → digest of the view central holds
        self._mark: tuple[int, date] | None = None  # (last seq, service day) central is up to
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._backoff = Backoff(every, 300.0)
        self.views_sent = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="phone-uplink", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)

    def _loop(self) -> None:
        delay = 0.0
        while not self._time.wait(self._stop, delay):
            try:
                self.step()
            except SyncError as err:
                delay = self._backoff.next_delay(getattr(err, "retry_after", None))
                log.info("phone pages not sent to central (next try in %.0f s): %s", delay, err)
                continue
            except Exception:
                delay = self._backoff.next_delay()
                log.exception("phone pages not sent to central")
                continue
            self._backoff.reset()
            delay = self.every

    def step(self) -> int:
        """One round: send the views that changed; returns how many were sent. Raises
        CentralUnreachable / CentralRefused."""
        engine = self._engine
        if not engine.config.phone.enabled or not engine.config.phone.public_base_url:
            return 0
        # Nothing happened since the last round that central took whole: no view changed.
        mark = (engine.last_seq(), engine.calendar.service_day(engine.clock.now()))
        if mark == self._mark:
            return 0
        changed = self._changed()
        path = f"{API_PREFIX}/halls/{self._client.credential.hall}/phone-views"
        for start in range(0, len(changed), CHUNK):
            chunk = changed[start : start + CHUNK]
            self._client.request("PUT", path, body={"views": [v for _, _, v in chunk]})
            for code, digest, _ in chunk:
                self._sent[code] = digest
            self.views_sent += len(chunk)
        self._mark = mark
        return len(changed)

    def _changed(self) -> list[tuple[str, str, dict[str, Any]]]:
        """(code, digest, entry) of every live page whose view central does not hold yet."""
        engine = self._engine
        now = engine.clock.now()
        calendar = engine.calendar
        today = calendar.service_day(now)
        case_days = engine.config.phone.case_days
        rows = (
            engine.store.reader()
            .execute(
                "SELECT code, kind, subject, service_day FROM phone_links"
                " WHERE (kind = 'ticket' AND service_day = ?) OR (kind = 'case' AND service_day >= ?)",
                (today.isoformat(), (today - timedelta(days=case_days)).isoformat()),
            )
            .fetchall()
        )
        tickets = ticket_views(engine, [r[2] for r in rows if r[1] == "ticket"])
        cases = case_views(engine, [r[2] for r in rows if r[1] == "case"])
        made = calendar.local(now).isoformat(timespec="seconds")
        live: set[str] = set()
        changed = []
        for code, kind, subject, day in rows:
            view = (tickets if kind == "ticket" else cases).get(subject)
            if view is None:
                continue
            if "rating" in view:  # central's page has no rating (and its countdown would churn)
                view = {**view, "rating": {"state": "none"}}
            live.add(code)
            digest = hashlib.sha256(
                json.dumps(view, sort_keys=True, ensure_ascii=False).encode()
            ).hexdigest()
            if self._sent.get(code) == digest:
                continue
            last = date.fromisoformat(day) + timedelta(days=case_days if kind == "case" else 0)
            entry = {
                "code_hash": code_hash(code),
                "view": view,
                "made_at": made,
                "expires_at": int(calendar.day_span(last)[1].timestamp()),
            }
            changed.append((code, digest, entry))
        for gone in set(self._sent) - live:
            del self._sent[gone]
        return changed
