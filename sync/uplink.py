"""The uplink: drains the hub's outbox to central, in ``seq`` order, batched, idempotently.

One :class:`Uplink` owns one thread and that thread's own reader connection; the hall's queue
never waits for it (its only writes are small transactions: the acknowledged mark, rejections,
the occasional purge chunk). The rules it follows are docs/sync-protocol.md's:

- batches of events after the cursor, bounded by ``sync.batch_max_events`` and
  ``sync.batch_max_bytes`` (uncompressed), sent gzip with an ``Idempotency-Key``; a retry of a
  batch sends the very same bytes, so it has the very same key;
- the acknowledged mark moves only from central's ``acked_seq`` (capped by what the batch said
  the hub holds), and only forward: a second uplink on the same store (``hall sync now`` while
  the hub runs) can never move it back;
- ``resend_from`` rewinds the cursor; rejected events are recorded in ``sync_rejections``, a
  ``sync.rejected`` event reports each, and they are never resent;
- failures wait ``uniform(0, min(cap, 1 s · 2^attempt))`` or ``Retry-After`` if longer; a 413
  halves the batch;
- when there is nothing to send it checks in (``GET status``) every ``sync.heartbeat_seconds``;
  a woken idle uplink lingers briefly so a busy hall's events go up together, not one request
  per ticket.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from enum import Enum
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from config.schema import SyncSettings
from sync.backoff import Backoff
from sync.batches import OutgoingBatch, read_batch
from sync.clock import SYSTEM_WAIT_CLOCK, Clock, WaitClock
from sync.errors import StoreError
from sync.figure_uplink import FigureUplink
from sync.http import CentralClient, CentralRefused, CentralUnreachable
from sync.outbox import Event, Outbox
from sync.purge import purge_acknowledged
from sync.store import Store
from sync.uplink_records import Records, oldest_seq, rejected_count
from sync.uplink_status import UplinkState, UplinkStatus
from sync.wire import API_PREFIX, BatchAnswer, StatusAnswer

log = logging.getLogger(__name__)

CLOCK_TRUST_SECONDS = 30.0
"""The hub's clock is marked untrusted while it is more than this far from central's."""

LINGER_SECONDS = 0.1
PURGE_EVERY_SECONDS = 3600.0
BACKOFF_BASE_SECONDS = 1.0
WARN_AFTER_FAILURES = 3
"""Failures in a row before the log says so at WARNING: one lost answer on a flaky WAN is
routine (INFO); central away for a while is news, and so is its return."""


class Step(Enum):
    SENT = "sent"
    IDLE = "idle"
    FAILED = "failed"


class BadAnswer(Exception):
    """Central answered 2xx with a body that is not the protocol's."""


def _iso(unix: float | None, zone: ZoneInfo) -> str | None:
    if unix is None:
        return None
    return datetime.fromtimestamp(unix, zone).isoformat(timespec="seconds")


class Uplink:
    """Sends the outbox of ``store`` to central through ``client`` (None: not enrolled).

    ``clock`` is the clock the hub stamps events with; its ``trusted`` flag follows the
    measured offset from central. ``figures`` sends the hall's figures once the outbox is all
    sent (:mod:`sync.figure_uplink`; None: not). ``on_events`` hears the ``sync.rejected`` events the uplink
    writes (the hub passes its LAN event broker). ``waits`` is the monotonic time its heartbeat,
    lingering and backoff are measured and waited in (tests pass a clock they move by hand).
    Thread-safe: :meth:`status` and :meth:`wake` may be called from any thread.
    """

    def __init__(
        self,
        store: Store,
        settings: SyncSettings,
        client: CentralClient | None,
        clock: Clock,
        *,
        zone: ZoneInfo,
        on_events: Callable[[list[Event]], None] | None = None,
        rng: random.Random | None = None,
        backoff_base: float = BACKOFF_BASE_SECONDS,
        linger: float = LINGER_SECONDS,
        purge_every: float | None = PURGE_EVERY_SECONDS,
        waits: WaitClock = SYSTEM_WAIT_CLOCK,
        figures: FigureUplink | None = None,
    ) -> None:
        self.store = store
        self.figures = figures
        self.settings = settings
        self.client = client
        self.clock = clock
        self.zone = zone
        self.linger = linger
        self.purge_every = purge_every
        self._time = waits
        self._records = Records(store, clock, on_events)
        self._backoff = Backoff(backoff_base, settings.backoff_cap_seconds, rng)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._state = UplinkState.IDLE if client else UplinkState.NOT_ENROLLED
        self._cursor: int | None = None  # next seq to send; None until central's status is known
        self._pending: tuple[int, OutgoingBatch] | None = None  # (after, batch) kept for retries
        self._batch_limit = settings.batch_max_events
        self._scale = client.credential.rating_scale if client else "gbt39046"
        self._last_contact = 0.0  # monotonic
        self._last_purge: float | None = None  # monotonic
        self._last_success: float | None = None
        self._last_error: str | None = None
        self._last_error_at: float | None = None
        self._next_retry: float | None = None
        self._alarm = False
        self._warned = False  # a "central unreachable" warning is out, awaiting its recovery
        self._sent_events = 0
        self._sent_batches = 0
        self._purged = 0

    # -- the thread --------------------------------------------------------------------------

    def start(self) -> None:
        """Start the uplink's thread (nothing happens when not enrolled)."""
        if self.client is None or (self._thread and self._thread.is_alive()):
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="uplink", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop the thread; waits at most ``timeout`` s (a request in flight is abandoned:
        nothing is lost, the batch is simply sent again next time)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._set_state(UplinkState.STOPPED)

    def wake(self) -> None:
        """New events were committed: send soon. Cheap and never blocks (an engine listener)."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                step, delay = self.step()
            except Exception:
                # Only failure bookkeeping gets here, e.g. the store closed under a stopping hub.
                if self._stop.is_set():
                    return
                log.exception("uplink bookkeeping failed")
                step, delay = Step.FAILED, self._backoff.next_delay()
            if step is Step.IDLE:
                if self._time.wait(self._wake, delay):
                    self._wake.clear()
                    # Let a busy hall's next events join the batch.
                    self._time.wait(self._stop, self.linger)
            elif step is Step.FAILED:
                self._time.wait(self._stop, delay)

    def drain(
        self,
        progress: Callable[[UplinkStatus], None] | None = None,
        give_up_after: float = 120.0,
        stop: threading.Event | None = None,
    ) -> UplinkStatus:
        """Send, in the calling thread, until nothing is left to send (events written
        meanwhile, such as rejection reports, included) or failures went on for
        ``give_up_after`` seconds; returns the status at the end (``backlog`` > 0 and
        ``last_error`` say it did not finish)."""
        failing_since: float | None = None
        while stop is None or not stop.is_set():
            step, delay = self.step()
            status = self.status()
            if progress is not None:
                progress(status)
            if step is Step.IDLE:
                return status
            if step is Step.FAILED:
                now = self._time.monotonic()
                failing_since = failing_since or now
                if now + delay - failing_since > give_up_after:
                    return status
                self._time.wait(stop or threading.Event(), delay)
            else:
                failing_since = None
        return self.status()

    # -- one step ------------------------------------------------------------------------------

    def step(self) -> tuple[Step, float]:
        """Do the next thing: check in, purge, or send one batch. Returns what happened and
        how long to wait before the next step (the heartbeat wait when idle, the backoff
        delay after a failure)."""
        if self.client is None:
            return Step.IDLE, float(self.settings.heartbeat_seconds)
        try:
            cursor = self._cursor
            if cursor is None or self._heartbeat_due():
                cursor = self._check_in(self.client)
            self._maybe_purge()
            last = Outbox.last_seq(self.store.reader())
            self._check_alarm(last)
            if cursor > last:
                client = self.client
                if self.figures is not None and self.figures.step(
                    client, lambda what: self._hall_path(client, what)
                ):
                    return Step.SENT, 0.0
                self._set_state(UplinkState.IDLE)
                wait = self.settings.heartbeat_seconds - (
                    self._time.monotonic() - self._last_contact
                )
                return Step.IDLE, max(0.0, wait)
            self._send(self.client, cursor, last)
        except CentralUnreachable as err:
            return Step.FAILED, self._failed(UplinkState.UNREACHABLE, str(err), None)
        except CentralRefused as err:
            if err.status == 413:
                # Kept small until the hub restarts: growing back would meet the 413 again.
                self._batch_limit = max(1, self._batch_limit // 2)
                self._pending = None
                log.warning(
                    "central finds batches too large: now at most %d events", self._batch_limit
                )
            return Step.FAILED, self._failed(UplinkState.BACKING_OFF, str(err), err.retry_after)
        except BadAnswer as err:
            return Step.FAILED, self._failed(UplinkState.BACKING_OFF, str(err), None)
        except Exception as err:  # the uplink must outlive any surprise; it is logged in full
            log.exception("uplink step failed")
            return Step.FAILED, self._failed(UplinkState.BACKING_OFF, repr(err), None)
        return Step.SENT, 0.0

    def _heartbeat_due(self) -> bool:
        return self._time.monotonic() - self._last_contact >= self.settings.heartbeat_seconds

    def _hall_path(self, client: CentralClient, what: str) -> str:
        return f"{API_PREFIX}/halls/{client.credential.hall}/{what}"

    def _check_in(self, client: CentralClient) -> int:
        """Ask central what it holds; returns (and keeps) the cursor that follows from it."""
        answer = client.request("GET", self._hall_path(client, "status"))
        self._contact(client)
        try:
            status = StatusAnswer.model_validate(answer.json())
        except (ValueError, ValidationError) as err:
            raise BadAnswer(f"central's status answer is not the protocol's: {err}") from err
        db = self.store.reader()
        last = Outbox.last_seq(db)
        if status.acked_seq > last:
            log.error(
                "central holds events up to seq %d but this hub's outbox ends at %d: the store "
                "was restored from an older backup; central will refuse new events up to %d as "
                "conflicts",
                status.acked_seq,
                last,
                status.acked_seq,
            )
        acked = min(status.acked_seq, last)
        self._records.acknowledge(acked, [], self._contact_stamp())
        # Rewinds too when central holds less than it once acknowledged (it was restored):
        # whatever the hub still keeps is sent again; central ignores what it already has.
        self._cursor = max(acked + 1, oldest_seq(db, last))
        self._pending = None
        with self._lock:
            self._scale = status.rating_scale
        return self._cursor

    def _send(self, client: CentralClient, cursor: int, last: int) -> None:
        after = cursor - 1
        if self._pending is None or self._pending[0] != after:
            batch = read_batch(
                self.store.reader(),
                after,
                hall=client.credential.hall,
                hub_last_seq=last,
                max_events=self._batch_limit,
                max_bytes=self.settings.batch_max_bytes,
                scale=self._scale,
                zone=self.zone,
                sent_at=datetime.fromtimestamp(client.offset.corrected(time.time()), UTC)
                .astimezone(self.zone)
                .isoformat(timespec="seconds"),
            )
            if batch is None:  # the rest was purged under us: nothing left to send
                self._cursor = last + 1
                return
            self._pending = (after, batch)
        batch = self._pending[1]
        self._set_state(UplinkState.SENDING)
        answer = client.request(
            "POST",
            self._hall_path(client, "events"),
            raw=batch.body,
            compress=True,
            headers={"Idempotency-Key": batch.key},
        )
        self._contact(client)
        try:
            parsed = BatchAnswer.model_validate(answer.json())
        except (ValueError, ValidationError) as err:
            raise BadAnswer(f"central's batch answer is not the protocol's: {err}") from err
        self._pending = None
        self._apply(batch, parsed)

    def _apply(self, batch: OutgoingBatch, answer: BatchAnswer) -> None:
        acked = min(answer.acked_seq, batch.hub_last_seq)
        self._records.acknowledge(acked, list(answer.rejected), self._contact_stamp())
        next_seq = batch.last_seq + 1
        if answer.resend_from is not None:
            oldest = oldest_seq(self.store.reader(), batch.last_seq)
            if answer.resend_from >= oldest:
                log.info("central holds a gap: resending from seq %d", answer.resend_from)
                next_seq = answer.resend_from
            else:
                # Going back would only send the same batch again and again.
                self._note_error(
                    f"central lacks events from seq {answer.resend_from} that this hub already "
                    f"purged (its oldest is {oldest}): central's copy must be restored"
                )
        # Another uplink on this store may have got further: skip what central already holds.
        self._cursor = max(next_seq, acked + 1)
        self._backoff.reset()
        with self._lock:
            self._sent_events += batch.count
            self._sent_batches += 1
            self._next_retry = None

    # -- bookkeeping ---------------------------------------------------------------------------

    def _contact_stamp(self) -> str:
        return _iso(time.time(), self.zone) or ""

    def _contact(self, client: CentralClient) -> None:
        """Central answered: note it, and judge the hub's clock by the offset just measured."""
        self._last_contact = self._time.monotonic()
        with self._lock:
            self._last_success = time.time()
        offset = client.offset.seconds
        if offset is None:
            return
        trusted = abs(offset) <= CLOCK_TRUST_SECONDS
        if trusted != self.clock.trusted:
            if trusted:
                log.info("the hub's clock is within %.0f s of central's again", offset)
            else:
                log.warning(
                    "the hub's clock is %.0f s off central's: events are marked untrusted until "
                    "it is set right",
                    offset,
                )
            self.clock.trusted = trusted

    def _failed(self, state: UplinkState, message: str, retry_after: float | None) -> float:
        delay = self._backoff.next_delay(retry_after)
        self._note_error(message)
        self._set_state(state)
        with self._lock:
            self._next_retry = time.time() + delay
        if self._backoff.attempt == WARN_AFTER_FAILURES:
            self._warned = True
            log.warning("central: %s, retrying (%s)", state, message)
        else:
            log.info("central: %s, retrying in %.1f s (%s)", state, delay, message)
        return delay

    def _note_error(self, message: str) -> None:
        with self._lock:
            changed = message != self._last_error
            self._last_error = message
            self._last_error_at = time.time()
        if changed:  # a store write per distinct error, not per retry
            try:
                self._records.note(
                    last_error=message, last_error_at=_iso(time.time(), self.zone) or ""
                )
            except (sqlite3.Error, StoreError) as err:
                log.warning("cannot note the uplink's error in the store: %s", err)

    def _set_state(self, state: UplinkState) -> None:
        with self._lock:
            if self._stop.is_set() and self._thread is not None and state != UplinkState.STOPPED:
                return  # a step finishing after stop() must not make it look alive
            self._state = state
        if self._warned and state in (UplinkState.IDLE, UplinkState.SENDING):
            self._warned = False
            log.warning("central reachable again")

    def _check_alarm(self, last: int) -> None:
        backlog = last - Outbox.acked_seq(self.store.reader())
        alarm = backlog > self.settings.backlog_alarm_events
        if alarm != self._alarm:
            if alarm:
                log.warning(
                    "sync backlog alarm: %d events wait to be sent (threshold %d)",
                    backlog,
                    self.settings.backlog_alarm_events,
                )
            else:
                log.info("sync backlog back under %d events", self.settings.backlog_alarm_events)
            with self._lock:
                self._alarm = alarm

    def _maybe_purge(self) -> None:
        if self.purge_every is None:
            return
        now = self._time.monotonic()
        if self._last_purge is not None and now - self._last_purge < self.purge_every:
            return
        self._last_purge = now
        result = purge_acknowledged(self.store, self.settings.retention_days, self.clock.now())
        with self._lock:
            self._purged += result.deleted

    # -- reporting -----------------------------------------------------------------------------

    def status(self) -> UplinkStatus:
        """A snapshot (reads the store's marks on the caller's own reader connection)."""
        db = self.store.reader()
        last = Outbox.last_seq(db)
        acked = Outbox.acked_seq(db)
        rejected = rejected_count(db)
        client = self.client
        backlog = max(0, last - acked)
        with self._lock:
            return UplinkStatus(
                state=self._state,
                enrolled=client is not None,
                central_url=client.credential.central_url if client else None,
                hall=client.credential.hall if client else None,
                acked_seq=acked,
                last_seq=last,
                backlog=backlog,
                alarm=backlog > self.settings.backlog_alarm_events,
                alarm_threshold=self.settings.backlog_alarm_events,
                last_success=_iso(self._last_success, self.zone),
                last_error=self._last_error,
                last_error_at=_iso(self._last_error_at, self.zone),
                next_retry_at=_iso(self._next_retry, self.zone)
                if self._state != UplinkState.IDLE
                else None,
                clock_offset_seconds=client.offset.seconds if client else None,
                clock_trusted=self.clock.trusted,
                rating_scale=self._scale,
                rejected=rejected,
                sent_events=self._sent_events,
                sent_batches=self._sent_batches,
                purged_events=self._purged,
            )
