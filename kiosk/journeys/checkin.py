"""预约签到: check an appointment in by ID card or by appointment code.

States::

    start ─(card swiped)─► checking ─► printing ─► shown
      │                       ├─category needed─► choose_category ─cat:X─► checking
      │                       └─refused─► refused (why; take an ordinary ticket / enter the code)
      └─code─► code (keyboard) ─submit─► checking

A hub that can only find a card's appointment once it knows the category (it answers
``category_required``) gets the category from the citizen: 请选择您预约的业务. With the card reader
out of order the start screen says so and the code path works as ever.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from hub.client import HubRefused, HubUnavailable
from kiosk.journeys.base import Handoff, TextInput
from kiosk.journeys.issued import DONE, PRINTING, REPRINT, SHOWN, IssuedTicket, ShowsTicket
from kiosk.journeys.screens import Choice, Group, Listing, Tone, View
from kiosk.ports import SwipedCard, TicketInfo
from kiosk.texts import Sentence

START = "start"
CODE = "code"
CHECKING = "checking"
CHOOSE_CATEGORY = "choose_category"
REFUSED = "refused"


def _code_char(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char == "-")


class CheckinJourney(ShowsTicket):
    """Appointment check-in."""

    name: ClassVar[str] = "checkin"
    done_states: ClassVar[frozenset[str]] = frozenset({SHOWN})

    card: SwipedCard | None
    code: TextInput
    issued: IssuedTicket | None
    print_label = "（预约签到）"

    def reset(self) -> None:
        self.card = None
        self.code = TextInput("code", _code_char, 32)
        self.issued = None
        self._go(START)

    # -- events ---------------------------------------------------------------------------------

    def _on_tap(self, action: str) -> None:
        kind, _, value = action.partition(":")
        if action == "code" and self.state in (START, REFUSED):
            self._go(CODE)
        elif action == "submit" and self.state == CODE and self.code.text.strip():
            code = self.code.text.strip()
            self._check(lambda: self.ctx.hub.check_in(code=code))
        elif kind == "cat" and self.state == CHOOSE_CATEGORY and self.card is not None:
            card = self.card
            self._check(lambda: self.ctx.hub.check_in(card=card, category=value))
        elif action == "ordinary" and self.state == REFUSED:
            self.handoff = Handoff("ticket", card=self.card)
        elif action == DONE and self.state in (SHOWN, PRINTING):
            self.handoff = Handoff(None)
        elif action == REPRINT and self.state == SHOWN and self.issued is not None:
            self._print_issued()

    def _on_key(self, key: str) -> None:
        if self.state == CODE:
            self.code.press(key)

    def _on_card(self, card: SwipedCard) -> None:
        if self.state not in (START, CODE, REFUSED, CHOOSE_CATEGORY):
            return
        self.card = card
        self._check(lambda: self.ctx.hub.check_in(card=card))

    def _on_back(self) -> None:
        if self.state in (CODE, CHOOSE_CATEGORY, REFUSED):
            self._go(START)
        else:
            super()._on_back()

    def prefill(self, code: str = "", card: SwipedCard | None = None) -> None:
        """Start with a code typed or a card swiped elsewhere."""
        if card is not None:
            self.card_swiped(card)
        elif code:
            with self._lock:
                self.code.press(code)
                self._go(CODE)

    # -- steps ----------------------------------------------------------------------------------

    def _check(self, call: Callable[[], TicketInfo]) -> None:
        self._start_work(
            CHECKING,
            self.texts.get("checkin.checking"),
            self._hub_work(call, self._checked_in, self._refused, self._hub_away),
        )

    def _checked_in(self, ticket: TicketInfo) -> None:
        issued = IssuedTicket(ticket, self.texts.get("checkin.done"))
        self.issued = issued
        self._print_issued()

    def _refused(self, err: HubRefused) -> None:
        if err.code == "category_required" and self.card is not None:
            self._go(CHOOSE_CATEGORY)
            return
        self._go(REFUSED, self.texts.refusal(err.code, err.message), Tone.ERROR)

    def _hub_away(self, _: HubUnavailable) -> None:
        self._go(REFUSED, Sentence(self.texts.get("err.hub_away")), Tone.ERROR)

    def _typed(self) -> str:
        return self.code.text

    # -- screens --------------------------------------------------------------------------------

    def _view(self) -> View:
        texts = self.texts
        title = texts.get("checkin.title")
        personal = self.card is not None
        if self.state in (PRINTING, SHOWN) and self.issued is not None:
            view = self.issued.view(self.ctx)
            view.personal = personal
            return view
        if self.state == CODE:
            submit = Choice("submit", texts.get("checkin.submit"), group=Group.ACTION)
            field = self.code.field(texts.get("checkin.code_prompt"))
            return View(title, input=field, choices=(submit,))
        if self.state == CHOOSE_CATEGORY:
            catalog = self.ctx.catalog
            categories = (
                [Choice(f"cat:{c.code}", c.name) for c in catalog.categories] if catalog else []
            )
            lines = (
                (texts.get("ticket.card_read", name=self.card.masked_name),) if self.card else ()
            )
            return View(
                texts.get("checkin.choose_category"),
                lines=lines,
                listing=Listing.of(categories),
                personal=personal,
            )
        code = Choice("code", texts.get("checkin.enter_code"), group=Group.ACTION)
        if self.state == REFUSED:
            actions = (
                Choice("ordinary", texts.get("checkin.take_ordinary"), group=Group.ACTION),
                code,
            )
            return View(title, lines=(texts.get("home.staffed_desk"),), choices=actions)
        prompt = texts.get("checkin.reader_down" if not self.ctx.reader_ok else "checkin.prompt")
        picture = "card" if self.ctx.reader_ok else ""
        return View(title, lines=(prompt,), choices=(code,), picture=picture)
