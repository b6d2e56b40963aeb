"""The manual green lane (绿色通道) of 取号: the citizen picks a group, and a member of staff
confirms it with the PIN they sign in with or their staff card — never a bare button. An ID card
decides it where it can: the citizen's own card at or over the elderly age confirms 老年人.

States (inside the ticket journey)::

    green_group ─group:N─┬─(老年人, an elderly card held)─────────────► choose (green chosen)
                         └─► green_confirm ─PIN + confirm─► green_checking ─staff─► choose
                                 │   └─(card swiped)─► elderly citizen: choose / staff: checking
                                 └─wrong PIN or card─► green_confirm (say so, try again)
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from kiosk.journeys.base import Apply, Journey, TextInput
from kiosk.journeys.screens import Choice, Group, InputField, Tone, View
from kiosk.ports import SwipedCard
from kiosk.texts import Sentence

log = logging.getLogger(__name__)

GREEN_GROUP = "green_group"
GREEN_CONFIRM = "green_confirm"
GREEN_CHECKING = "green_checking"
ELDERLY_GROUP = "老年人"  # the group the hub gives an elderly card (hub/issuing.py)


class GreenLane(Journey):
    """The green-lane steps; the ticket journey mixes them in (see the module docstring)."""

    card: SwipedCard | None
    green_group: str | None
    confirmed_by: str
    pin: TextInput
    _pending_group: str | None

    def _green_reset(self) -> None:
        self.green_group = None
        self.confirmed_by = ""
        self._pending_group = None
        self.pin = TextInput("pin", str.isdigit, 12)

    def _elderly(self, card: SwipedCard | None) -> bool:
        catalog = self.ctx.catalog
        if card is None or catalog is None:
            return False
        age = card.age(self.ctx.clock.today())
        return age is not None and age >= catalog.elderly_age

    def _green_chosen(self, by: str) -> None:
        self.green_group = self._pending_group
        self.confirmed_by = by
        self.pin.press("clear")
        self._go(
            "choose",
            Sentence(self.texts.get("ticket.green_selected", group=self.green_group), by),
            Tone.SUCCESS,
        )

    def _pick_group(self, group: str) -> None:
        self._pending_group = group
        self.pin.press("clear")
        if group == ELDERLY_GROUP and self._elderly(self.card):
            catalog = self.ctx.catalog
            age = catalog.elderly_age if catalog else 60
            self._green_chosen(self.texts.get("ticket.green_by_card", age=age))
            return
        self._go(GREEN_CONFIRM)

    def _green_card(self, card: SwipedCard) -> None:
        """A card swiped on the confirmation screen: the elderly citizen's own, or staff's."""
        if self._pending_group == ELDERLY_GROUP and self._elderly(card):
            self.card = card
            catalog = self.ctx.catalog
            age = catalog.elderly_age if catalog else 60
            self._green_chosen(self.texts.get("ticket.green_by_card", age=age))
            return
        staff = self.ctx.staff
        if staff is None:
            self.message = Sentence(self.texts.get("ticket.green_no_staff"))
            self.tone = Tone.ERROR
            return
        self._check_staff(lambda: staff.by_card(card), "ticket.green_card_wrong")

    def _confirm_green(self) -> None:
        staff = self.ctx.staff
        if staff is None:
            self.message = Sentence(self.texts.get("ticket.green_no_staff"))
            self.tone = Tone.ERROR
            return
        pin = self.pin.text
        self.pin.press("clear")
        if not pin:
            self.message = Sentence(self.texts.get("ticket.green_pin_wrong"))
            self.tone = Tone.ERROR
            return
        self._check_staff(lambda: staff.by_pin(pin), "ticket.green_pin_wrong")

    def _check_staff(self, check: Callable[[], str | None], wrong: str) -> None:
        def work() -> Apply:
            try:
                who = check()
            except Exception:  # a broken check is a refusal, never a green lane
                log.exception("staff confirmation failed")
                who = None

            def apply() -> None:
                if who is None:
                    self._go(GREEN_CONFIRM, Sentence(self.texts.get(wrong)), Tone.ERROR)
                    return
                log.info("green lane (%s) confirmed by staff %s", self._pending_group, who)
                self._green_chosen(self.texts.get("ticket.green_confirmed_by", staff=who))

            return apply

        self._start_work(GREEN_CHECKING, self.texts.get("ticket.green_checking"), work)

    def _confirm_view(self) -> View:
        texts = self.texts
        group = self._pending_group or ""
        lines = (
            texts.get("ticket.green_confirm", group=group),
            texts.get("ticket.green_confirm_how"),
        )
        field: InputField = self.pin.field(texts.get("ticket.green_pin"), masked=True)
        confirm = Choice("confirm", texts.get("ticket.green_confirm_button"), group=Group.ACTION)
        return View(texts.get("ticket.green"), lines=lines, choices=(confirm,), input=field)
