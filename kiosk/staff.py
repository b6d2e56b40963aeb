"""Staff confirmation at the kiosk (the manual green lane), from the hall configuration's
``staff``: a member of staff types the PIN they sign in at the counter with (checked against
``pin_hash``), or swipes their own ID card (checked against ``id_card_hash``). Nothing is sent
anywhere; the kiosk logs who confirmed. A disabled member (``active = false``) confirms
nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from config.pins import verify_card, verify_pin
from config.schema import StaffMember
from kiosk.ports import SwipedCard

log = logging.getLogger(__name__)


class ConfigStaff:
    """StaffPort over the configured staff list. Slow by design (PBKDF2 per distinct hash):
    call it from pending work."""

    def __init__(self, staff: Iterable[StaffMember]) -> None:
        self._staff = tuple(member for member in staff if member.active)

    def __bool__(self) -> bool:
        return bool(self._staff)

    def by_pin(self, pin: str) -> str | None:
        """``王丽华（1001）`` for the first staff member whose PIN this is, or None."""
        checked: dict[str, bool] = {}
        for member in self._staff:
            stored = member.pin_hash
            if stored not in checked:
                checked[stored] = verify_pin(pin, stored)
            if checked[stored]:
                return f"{member.name}（{member.number}）"
        return None

    def by_card(self, card: SwipedCard) -> str | None:
        """The staff member whose ID card this is (``id_card_hash``), or None."""
        for member in self._staff:
            if member.id_card_hash and verify_card(card.id_number, member.id_card_hash):
                return f"{member.name}（{member.number}）"
        return None
