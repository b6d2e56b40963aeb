"""进度查询: where a ticket stands (people ahead, called to which window, missed) and where a
case (办件) stands by the receipt number (the hub asks the central platform).

States::

    start ─ticket─► ticket_input ─submit─► looking ─► ticket_result (missed: → 过号重排)
      └─case──► case_input ───submit─► looking ─► case_result
                                           └─► refused (one sentence: unknown, central away, …)
"""

from __future__ import annotations

from typing import ClassVar

from kiosk.journeys.base import Handoff, Journey, TextInput
from kiosk.journeys.issued import IssuedTicket
from kiosk.journeys.requeue import ticket_number
from kiosk.journeys.screens import Choice, Group, Listing, Tone, View
from kiosk.ports import CaseProgress, TicketInfo
from kiosk.texts import Sentence

START = "start"
TICKET_INPUT = "ticket_input"
CASE_INPUT = "case_input"
LOOKING = "looking"
TICKET_RESULT = "ticket_result"
CASE_RESULT = "case_result"
REFUSED = "refused"


def _receipt_char(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char == "-")


class ProgressJourney(Journey):
    """Progress of a ticket or of a case."""

    name: ClassVar[str] = "progress"
    done_states: ClassVar[frozenset[str]] = frozenset({TICKET_RESULT, CASE_RESULT})

    number: TextInput
    receipt: TextInput
    ticket: TicketInfo | None
    case: CaseProgress | None

    def reset(self) -> None:
        self.number = TextInput("ticket_number", lambda c: c.isascii() and c.isalnum(), 6)
        self.receipt = TextInput("code", _receipt_char, 50)
        self.ticket = None
        self.case = None
        self._go(START)

    def prefill(self, number: str) -> None:
        """Look a ticket up straight away (from 取号's "查看我的号")."""
        with self._lock:
            self.number.press(number)
            self._go(TICKET_INPUT)
            self._lookup_ticket()

    def _on_key(self, key: str) -> None:
        if self.state == TICKET_INPUT:
            self.number.press(key.upper())
        elif self.state == CASE_INPUT:
            self.receipt.press(key.upper())

    def _on_tap(self, action: str) -> None:
        if action == "ticket" and self.state == START:
            self._go(TICKET_INPUT)
        elif action == "case" and self.state == START:
            self._go(CASE_INPUT)
        elif action == "submit" and self.state == TICKET_INPUT:
            self._lookup_ticket()
        elif action == "submit" and self.state == CASE_INPUT and self.receipt.text:
            receipt = self.receipt.text
            hub = self.ctx.hub
            self._start_work(
                LOOKING,
                self.texts.get("progress.looking"),
                self._hub_work(
                    lambda: hub.case_progress(receipt), self._case, self._refused, self._away
                ),
            )
        elif action == "requeue" and self.state == TICKET_RESULT and self.ticket is not None:
            self.handoff = Handoff("requeue", {"number": self.ticket.number})
        elif action == "again" and self.state in (TICKET_RESULT, CASE_RESULT, REFUSED):
            self.reset()

    def _on_back(self) -> None:
        if self.state == START:
            super()._on_back()
        else:
            self.reset()

    def _lookup_ticket(self) -> None:
        number = ticket_number(self.number.text)
        if number is None:
            self.message = Sentence(self.texts.get("requeue.bad_number"))
            self.tone = Tone.ERROR
            return
        hub = self.ctx.hub
        self._start_work(
            LOOKING,
            self.texts.get("progress.looking"),
            self._hub_work(
                lambda: hub.ticket_by_number(number), self._ticket, self._refused, self._away
            ),
        )

    def _ticket(self, ticket: TicketInfo) -> None:
        self.ticket = ticket
        self._go(TICKET_RESULT)

    def _case(self, case: CaseProgress) -> None:
        self.case = case
        self._go(CASE_RESULT)

    def _typed(self) -> str:
        return self.receipt.text or self.number.text

    # -- screens --------------------------------------------------------------------------------

    def _view(self) -> View:
        texts = self.texts
        title = texts.get("progress.title")
        submit = Choice("submit", texts.get("progress.submit"), group=Group.ACTION)
        again = Choice("again", texts.get("progress.again"), group=Group.ACTION)
        if self.state == TICKET_INPUT:
            return View(
                title,
                input=self.number.field(texts.get("progress.ticket_prompt")),
                choices=(submit,),
            )
        if self.state == CASE_INPUT:
            return View(
                title,
                input=self.receipt.field(texts.get("progress.case_prompt")),
                choices=(submit,),
            )
        if self.state == TICKET_RESULT and self.ticket is not None:
            return self._ticket_view(self.ticket, again)
        if self.state == CASE_RESULT and self.case is not None:
            case = self.case
            lines = [
                texts.get("progress.case_number", receipt=case.receipt),
                texts.get("progress.case_item", item=case.item_name),
                texts.get("progress.case_status", status=case.status),
            ]
            if case.accepted_on:
                lines.append(texts.get("progress.case_accepted", date=case.accepted_on))
            if case.promised_on:
                lines.append(texts.get("progress.case_promised", date=case.promised_on))
            return View(title, lines=tuple(lines), choices=(again,))
        if self.state == REFUSED:
            return View(title, lines=(texts.get("home.staffed_desk"),), choices=(again,))
        choices = (
            Choice("ticket", texts.get("progress.ticket"), texts.get("progress.ticket.hint")),
            Choice("case", texts.get("progress.case"), texts.get("progress.case.hint")),
        )
        return View(title, listing=Listing.of(choices))

    def _ticket_view(self, ticket: TicketInfo, again: Choice) -> View:
        texts = self.texts
        choices = [again]
        status = ticket.status
        facts: tuple[tuple[str, str], ...] = ()
        if status == "waiting":
            lines = [texts.get("progress.waiting")]
            # As on the ticket screen: the business, its windows, people ahead, the wait.
            facts = IssuedTicket(ticket, texts.get("progress.title")).safe_facts(self.ctx)
            if not facts:
                if ticket.waiting_ahead:
                    lines.append(texts.get("ticket.ahead", count=ticket.waiting_ahead))
                else:
                    lines.append(texts.get("ticket.ahead_none"))
        elif status == "called":
            lines = [texts.get("progress.called", window=ticket.window or "")]
        elif status == "finished":
            lines = [texts.get("progress.finished")]
        elif status == "missed":
            minutes = self.ctx.settings.requeue_minutes
            lines = [
                texts.get("progress.missed"),
                texts.get("progress.missed_hint", minutes=minutes),
            ]
            choices.insert(0, Choice("requeue", texts.get("progress.requeue"), group=Group.ACTION))
        else:
            lines = [texts.get("progress.cancelled")]
        return View(
            texts.get("progress.title"),
            big=ticket.number,
            lines=tuple(lines),
            choices=tuple(choices),
            facts=facts,
        )
