"""The reader service: one thread owns the reader, polls it, and turns polls into events.

It emits one ``CardPresented`` per card put on the reader (not one per poll) and one
``CardRemoved`` when it is taken away, reports ``Health`` (absent / ok / degraded / error) through
a ``HealthTracker`` that logs only on changes, and reconnects by itself, with backoff, when the
reader is unplugged or stops answering.

Events are delivered on the service's thread: a GUI must hand them to its own thread (a queued
signal). The card, with its ID number, is only ever passed in memory.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from devices.errors import DecodeError, DeviceAbsent, DeviceError, DeviceTimeout
from devices.health import Health, HealthState, HealthTracker
from devices.idcard.card import IdCard
from devices.idcard.errors import CardUnreadable, ReaderRejectedFrame, SamFault
from devices.idcard.session import ReaderSession
from devices.idcard.transport import Transport, open_transport

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CardPresented:
    """A card was put on the reader and read. ``at`` is ``time.monotonic()``."""

    card: IdCard
    at: float


@dataclass(frozen=True)
class CardRemoved:
    """The card was taken away (or the reader went away with it)."""

    at: float


ReaderEvent = CardPresented | CardRemoved

ABSENT = ("身份证读卡器未连接", "请检查读卡器的数据线是否插好；插好后会自动恢复")
NO_ANSWER = ("身份证读卡器没有响应", "请重新插拔读卡器的数据线；如仍无响应，请联系技术人员")
SAM_BROKEN = ("身份证读卡器安全模块故障", "请联系技术人员检修或更换读卡器")
LINK_FAULT = ("身份证读卡器通信异常", "请重新插拔读卡器；如反复出现，请联系技术人员")
UNSTABLE = ("身份证读卡器通信不稳定", "读卡失败时请重新放卡；如反复出现，请联系技术人员")
_UNSTABLE_AFTER = 3  # consecutive garbled exchanges before health says degraded


class IdCardReaderService:
    """Polls the reader at ``address`` from its own thread; ``on_event`` gets each event.

    ``poll_interval`` is seconds between polls; a card counts as removed after
    ``removal_misses`` polls in a row find nothing (one miss is normal on modules that halt a
    card after reading it). Reconnection waits ``reconnect_min`` seconds, doubling to
    ``reconnect_max``.
    """

    def __init__(
        self,
        address: str,
        on_event: Callable[[ReaderEvent], None],
        *,
        device: str = "idcard",
        poll_interval: float = 0.3,
        removal_misses: int = 2,
        reconnect_min: float = 0.5,
        reconnect_max: float = 5.0,
        read_fingerprints: bool = False,
        opener: Callable[[str], Transport] = open_transport,
        record_dir: str | Path | None = None,
    ) -> None:
        self.address = address
        self._on_event = on_event
        self._poll_interval = poll_interval
        self._removal_misses = max(1, removal_misses)
        self._reconnect = (reconnect_min, reconnect_max)
        self._fingerprints = read_fingerprints
        self._opener = opener
        self._tracker = HealthTracker(device, log, record_dir)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._present: IdCard | None = None
        self._connected = ""  # what health.detail says while all is well

    @property
    def health(self) -> Health:
        """The reader's current health (thread-safe)."""
        return self._tracker.health

    def start(self) -> None:
        """Start the service thread (once)."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="idcard-reader", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop polling and close the reader; waits up to ``timeout`` seconds for the thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        delay = self._reconnect[0]
        while not self._stop.is_set():
            session = self._connect()
            if session is not None:
                delay = self._reconnect[0]
                try:
                    self._poll(session)
                except DeviceError as err:
                    self._record(err)
                finally:
                    session.close()
                    if self._present is not None:
                        self._emit(CardRemoved(time.monotonic()))
                        self._present = None
            if self._stop.wait(delay):
                return
            delay = min(delay * 2, self._reconnect[1])

    def _connect(self) -> ReaderSession | None:
        """Open the reader and check its module; None (with health set) if that fails."""
        try:
            session = ReaderSession(self._opener(self.address))
        except DeviceError as err:
            self._record(err)
            return None
        try:
            try:
                session.check_status()
            except SamFault:
                session.reset()  # a module that failed its self-test may recover on reset
                session.check_status()
            sam = session.sam_id()
        except DeviceError as err:
            session.close()
            self._record(err)
            return None
        self._connected = f"{session.transport.description}, SAM {sam}"
        self._tracker.ok(self._connected)
        return session

    def _record(self, err: DeviceError) -> None:
        """Set health from ``err``: who can fix it decides the state and the sentence."""
        if isinstance(err, DeviceAbsent):
            state, (problem, advice) = HealthState.ABSENT, ABSENT
        elif isinstance(err, DeviceTimeout):
            state, (problem, advice) = HealthState.ERROR, NO_ANSWER
        elif isinstance(err, SamFault):
            state, (problem, advice) = HealthState.ERROR, SAM_BROKEN
        else:
            state, (problem, advice) = HealthState.ERROR, LINK_FAULT
        self._tracker.set(state, problem, advice, str(err))

    def _poll(self, session: ReaderSession) -> None:
        """Poll until stopped; raises DeviceError when the reader itself fails."""
        misses = garbled = 0
        while not self._stop.wait(self._poll_interval):
            try:
                if not session.find_card():
                    misses += 1
                    if self._present is not None and misses >= self._removal_misses:
                        self._present = None
                        self._emit(CardRemoved(time.monotonic()))
                    continue
                if self._present is None or misses:
                    self._read(session)
                misses = garbled = 0
            except CardUnreadable as err:
                log.debug("card not read: %s", err)
            except (DecodeError, ReaderRejectedFrame) as err:
                garbled += 1
                if garbled >= _UNSTABLE_AFTER:
                    self._tracker.set(HealthState.DEGRADED, *UNSTABLE, detail=str(err))
                continue
            if garbled == 0 and not self.health.ok:
                self._tracker.ok(self._connected)

    def _read(self, session: ReaderSession) -> None:
        """Read the found card; a new presentation unless it is the card already there."""
        card = session.read_selected(self._fingerprints)
        if self._present is not None and card.number == self._present.number:
            return
        if self._present is not None:
            self._emit(CardRemoved(time.monotonic()))
        self._present = card
        self._emit(CardPresented(card, time.monotonic()))

    def _emit(self, event: ReaderEvent) -> None:
        try:
            self._on_event(event)
        except Exception:  # a listener's bug must not stop the reader
            log.exception("ID-card event listener failed on %s", type(event).__name__)
