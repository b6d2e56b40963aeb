"""The window's LED sign follows the board: it shows the number being served, blank otherwise."""

from __future__ import annotations

import logging

from boards.board_model import BoardState
from devices.errors import DeviceError
from devices.sign.service import Sign

log = logging.getLogger(__name__)


class SignFollower:
    """Drives a sign (devices.sign.service.Sign) from board states. ``update`` never blocks."""

    def __init__(self, sign: Sign) -> None:
        self.sign = sign
        self._shown: str | None = None

    def update(self, state: BoardState) -> None:
        """Show ``state.serving`` on the sign, or blank it when nobody is being served. A number
        the sign cannot show (too long for it) is logged; the board still shows it."""
        wanted = state.serving or ""
        if wanted == self._shown:
            return
        self._shown = wanted
        try:
            if wanted:
                self.sign.show(wanted)
            else:
                self.sign.clear()
        except DeviceError as err:
            log.warning("the window sign cannot show %r: %s", wanted, err)
