"""过号重排: put a missed number back in the queue within the hall's time limit.

States::

    enter (keyboard: letter + digits) ─submit─► working ─► printing ─► shown
                                                   └─refused─► refused (why; new ticket / retry)

The hub keeps the rules (only a missed ticket, once, within ``queue.requeue_minutes``) and says
which one stopped it; the kiosk shows that as one sentence and offers a new ticket.
"""

from __future__ import annotations

import re
from typing import ClassVar

from kiosk.journeys.base import Handoff, TextInput
from kiosk.journeys.issued import DONE, PRINTING, REPRINT, SHOWN, IssuedTicket, ShowsTicket
from kiosk.journeys.screens import Choice, Group, Tone, View
from kiosk.ports import TicketInfo
from kiosk.texts import Sentence

ENTER = "enter"
WORKING = "working"
REFUSED = "refused"

_NUMBER = re.compile(r"^([A-Z])(\d{1,4})$")


def ticket_number(text: str) -> str | None:
    """A typed ticket number as the hub writes it (``a1`` → ``A001``), or None if it is not one."""
    found = _NUMBER.match(text.strip().upper())
    if found is None:
        return None
    return f"{found.group(1)}{int(found.group(2)):03d}"


def _number_char(char: str) -> bool:
    return char.isascii() and char.isalnum()


class RequeueJourney(ShowsTicket):
    """Re-queue a missed ticket."""

    name: ClassVar[str] = "requeue"
    done_states: ClassVar[frozenset[str]] = frozenset({SHOWN})

    number: TextInput
    issued: IssuedTicket | None
    print_label = "（过号重排）"

    def reset(self) -> None:
        self.number = TextInput("ticket_number", _number_char, 6)
        self.issued = None
        self._go(ENTER)

    def prefill(self, number: str) -> None:
        """Start with the number filled in (from the progress journey)."""
        with self._lock:
            self.number.press("clear")
            self.number.press(number)

    def _on_key(self, key: str) -> None:
        if self.state in (ENTER, REFUSED):
            if self.state == REFUSED:
                self._go(ENTER)
            self.number.press(key.upper())

    def _on_tap(self, action: str) -> None:
        if action == "submit" and self.state == ENTER:
            self._submit()
        elif action == "retry" and self.state == REFUSED:
            self.number.press("clear")
            self._go(ENTER)
        elif action == "new_ticket" and self.state == REFUSED:
            self.handoff = Handoff("ticket")
        elif action == DONE and self.state in (SHOWN, PRINTING):
            self.handoff = Handoff(None)
        elif action == REPRINT and self.state == SHOWN and self.issued is not None:
            self._print_issued()

    def _on_back(self) -> None:
        if self.state == REFUSED:
            self._go(ENTER)
        else:
            super()._on_back()

    def _submit(self) -> None:
        number = ticket_number(self.number.text)
        if number is None:
            self.message = Sentence(self.texts.get("requeue.bad_number"))
            self.tone = Tone.ERROR
            return
        hub = self.ctx.hub
        self._start_work(
            WORKING,
            self.texts.get("requeue.working"),
            self._hub_work(lambda: hub.requeue(number), self._requeued, self._refused, self._away),
        )

    def _requeued(self, ticket: TicketInfo) -> None:
        issued = IssuedTicket(ticket, self.texts.get("requeue.done"))
        self.issued = issued
        self._print_issued()

    def _typed(self) -> str:
        return self.number.text

    def _view(self) -> View:
        texts = self.texts
        title = texts.get("requeue.title")
        if self.state in (PRINTING, SHOWN) and self.issued is not None:
            return self.issued.view(self.ctx)
        field = self.number.field(texts.get("requeue.prompt"))
        if self.state == REFUSED:
            actions = (
                Choice("new_ticket", texts.get("requeue.new_ticket"), group=Group.ACTION),
                Choice("retry", texts.get("requeue.retry"), group=Group.ACTION),
            )
            return View(title, lines=(texts.get("home.staffed_desk"),), choices=actions)
        submit = Choice("submit", texts.get("requeue.submit"), group=Group.ACTION)
        return View(title, input=field, choices=(submit,))
