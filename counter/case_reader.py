"""The counter's ID-card reader (``devices.idcard``): a card put on it finds the applicant's cases
in an open 出件/补正/不予受理 form, or fills the applicant in the 收件 form.

The reader service polls on its own thread and calls ``on_card`` there with the card's number
and name; the number is passed on in memory only (the hub keeps a keyed hash) and never logged.
An absent or faulty reader is health (the staff's alerts inbox says so), not an error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from devices.health import Health, HealthState
from devices.idcard.service import CardPresented, IdCardReaderService, ReaderEvent

log = logging.getLogger(__name__)

CardRead = Callable[[str, str], None]
"""Called with a card's ID number and name, on the reader's thread."""


class CounterCardReader:
    """The reader at this window; set ``on_card`` before cards matter (until then they are
    dropped)."""

    def __init__(self) -> None:
        self.service: IdCardReaderService | None = None
        self.on_card: CardRead = lambda number, name: None

    @classmethod
    def start(cls, address: str, record_dir: str | Path | None = None) -> CounterCardReader:
        """A reader over a started service at ``address``; raises DeviceAddressError for a
        malformed address (an absent reader is health, not an error)."""
        reader = cls()
        reader.service = IdCardReaderService(address, reader.on_event, record_dir=record_dir)
        reader.service.start()
        return reader

    def on_event(self, event: ReaderEvent) -> None:
        """The service's event (its thread): a card put on the reader goes to ``on_card``."""
        if isinstance(event, CardPresented):
            try:
                self.on_card(event.card.number, event.card.name)
            except Exception:  # a card must never stop the reader's thread
                log.exception("a card read at the counter could not be handled")

    @property
    def health(self) -> Health:
        """The reader service's health (absent until started)."""
        if self.service is None:
            return Health("idcard", HealthState.ABSENT, detail="reader not started")
        return self.service.health

    def stop(self) -> None:
        if self.service is not None:
            self.service.stop()
