"""Staff confirmation at the kiosk (the manual green lane): a member of staff types the PIN
they sign in at the counter with, or swipes their own ID card. :class:`HubStaff` asks the hub,
which checks the configuration in force (a clerk added, disabled or given a new PIN in the
console counts at once, and wrong tries lock the kiosk's confirmations for a while); while the
hub cannot be reached, :class:`ConfigStaff` checks the box's own configuration file
(``pin_hash``, ``id_card_hash``). The kiosk logs who confirmed. A disabled member
(``active = false``) confirms nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from config.pins import verify_card, verify_pin
from config.schema import StaffMember
from hub import wire
from hub.client import HubRefused, HubUnavailable
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


class HubStaff:
    """StaffPort that asks the hub (``confirm``: ``HubClient.confirm_staff``), and the box's own
    list (``fallback``) only while the hub cannot be reached. Call it from pending work."""

    def __init__(self, confirm: Callable[..., wire.StaffMember], fallback: ConfigStaff) -> None:
        self._confirm = confirm
        self._fallback = fallback

    def __bool__(self) -> bool:
        return True  # the hub knows the hall's staff even when this box's file lists none

    def _ask(self, **sent: str) -> tuple[bool, str | None]:
        """(reached the hub, the confirmer's ``name（number）`` or None when it said no)."""
        try:
            member = self._confirm(**sent)
        except HubRefused as err:
            log.info("staff confirmation refused by the hub: %s", err.code)
            return True, None
        except HubUnavailable:
            return False, None
        return True, f"{member.name}（{member.number}）"

    def by_pin(self, pin: str) -> str | None:
        reached, name = self._ask(pin=pin)
        return name if reached else self._fallback.by_pin(pin)

    def by_card(self, card: SwipedCard) -> str | None:
        reached, name = self._ask(id_card=card.id_number)
        return name if reached else self._fallback.by_card(card)
