"""The hall display's voice: calls and recalls handed to the speech queue, in arrival order."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Protocol

from boards.display_model import Announcement
from devices.errors import DeviceError

log = logging.getLogger(__name__)


class Speaker(Protocol):
    """The part of devices.speech.service.SpeechService the display uses."""

    def call(self, number: str, window: int) -> object: ...

    def recall(self, number: str, window: int) -> object: ...


class Announcer:
    """Queues every announcement on the speaker; never drops one, never blocks on speaking."""

    def __init__(self, speaker: Speaker) -> None:
        self.speaker = speaker

    def say(self, announcements: Iterable[Announcement]) -> None:
        """Queue each announcement (the speaker says them in this order, ``repeat`` times each).
        A number the speaker cannot say is logged and skipped; the rest still go."""
        for item in announcements:
            try:
                if item.kind == "recall":
                    self.speaker.recall(item.number, item.window)
                else:
                    self.speaker.call(item.number, item.window)
            except DeviceError as err:
                log.warning("cannot announce %s to window %s: %s", item.number, item.window, err)
