"""The kiosk's card reader and speech ports over the device services (``devices.idcard``,
``devices.speech``). Both are optional: a kiosk without them works (no swipe, no voice).

The reader service delivers cards on its own thread; the port keeps the last one until the GUI's
once-a-second ``tick`` takes it, and forgets a card that was not taken within ``keep_seconds``
(a card left on the reader does not start a journey minutes later).
"""

from __future__ import annotations

import logging
import threading
import time

from devices.errors import DeviceError
from devices.health import Health
from devices.idcard.service import CardPresented, IdCardReaderService, ReaderEvent
from devices.speech.service import SpeechService
from kiosk.ports import SwipedCard

log = logging.getLogger(__name__)


class ReaderPort:
    """CardReaderPort over an ``IdCardReaderService`` built with ``on_event=port.on_event``."""

    def __init__(self, keep_seconds: float = 5.0) -> None:
        self.service: IdCardReaderService | None = None
        self._keep = keep_seconds
        self._lock = threading.Lock()
        self._card: SwipedCard | None = None
        self._at = 0.0

    @classmethod
    def start(cls, address: str) -> ReaderPort:
        """A port over a started reader service at ``address``; raises DeviceAddressError for a
        malformed address (an absent reader is health, not an error)."""
        port = cls()
        port.service = IdCardReaderService(address, port.on_event)
        port.service.start()
        return port

    def on_event(self, event: ReaderEvent) -> None:
        """Called on the reader's thread."""
        if isinstance(event, CardPresented):
            card = event.card
            with self._lock:
                self._card = SwipedCard(card.number, card.name, card.birth)
                self._at = event.at

    def take_swipe(self) -> SwipedCard | None:
        with self._lock:
            card, self._card = self._card, None
            if card is not None and time.monotonic() - self._at > self._keep:
                return None
            return card

    def health(self) -> Health:
        if self.service is None:
            raise DeviceError("the reader port has no service")
        return self.service.health

    def stop(self) -> None:
        if self.service is not None:
            self.service.stop()


class SpeechPortAdapter:
    """SpeechPort over a started ``SpeechService``: queues and returns; never raises."""

    LIMIT = 200  # characters: a screen read aloud is cut here rather than refused

    def __init__(self, service: SpeechService) -> None:
        self.service = service

    def say(self, text: str) -> None:
        try:
            self.service.say(text[: self.LIMIT])
        except (DeviceError, ValueError) as err:
            log.warning("cannot say a screen (%d characters): %s", len(text), err)

    def health(self) -> Health:
        return self.service.health
