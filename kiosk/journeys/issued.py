"""An issued ticket on screen: printed, or, when the printer fails, still valid, shown large, read
aloud and reported to staff. Shared by the ticket, check-in and re-queue journeys.

No ghost numbers: a ticket is printed only after the hub issued it, a reprint prints the same
ticket again (the hub is never asked twice), and a ticket that did not print stays on screen
(and in the citizen's ears) as the citizen's own number.

短信提醒: when the hall sends SMS (``TicketInfo.sms``), the ticket screen offers it; the citizen
types a mobile number on the number pad (shown while typed), the hub keeps it for this ticket,
and the screen then shows it masked (138****0000). The number is not kept by the kiosk. The
printed QR code is the ticket's phone page (``TicketInfo.phone_url``) when the hub gave one.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import ClassVar

from devices.health import Health, HealthState
from hub.client import HubRefused, HubUnavailable
from kiosk.catalog import display_name
from kiosk.journeys.base import NAV_BACK, Apply, Context, Journey, TextInput
from kiosk.journeys.screens import Choice, Group, Screen, Tone, View
from kiosk.ports import PrintOutcome, Slip, TicketFacts, TicketInfo
from kiosk.texts import Sentence, spoken_number

log = logging.getLogger(__name__)

DONE = "ticket:done"
REPRINT = "ticket:reprint"
SMS_START = "sms:start"
SMS_SUBMIT = "sms:submit"
SMS_CANCEL = "sms:cancel"
_MOBILE = re.compile(r"^1\d{10}$")


@dataclass
class IssuedTicket:
    """A ticket the hub issued, and how its printing went (``printed`` None: not yet tried)."""

    ticket: TicketInfo
    title: str
    printed: PrintOutcome | None = None
    phone: TextInput | None = None  # the number being typed for 短信提醒 (None: not typing)
    sms_masked: str | None = None  # the number the hub keeps for this ticket, masked

    @property
    def print_failed(self) -> bool:
        return self.printed is not None and not self.printed.printed

    def slip(self, ctx: Context) -> Slip:
        """The paper ticket: hall, number, category or item, lane, people ahead, QR code."""
        texts = ctx.texts
        catalog = ctx.catalog
        ticket = self.ticket
        hall = (catalog.hall_name if catalog else "") or ctx.hall.name
        category = catalog.category_name(ticket.category) if catalog else ticket.category
        lines = [category]
        item = catalog.item(ticket.item_id) if catalog and ticket.item_id else None
        if item is not None:
            lines.append(texts.get("ticket.slip_item", item=item.name))
        lines += list(self.status_lines(ctx))
        if ticket.issued_at:
            lines.append(texts.get("ticket.slip_time", time=_hhmm(ticket.issued_at)))
        hall_facts = ctx.hall
        if hall_facts.phone:
            lines.append(texts.get("ticket.slip_phone", phone=hall_facts.phone))
        if hall_facts.supervision_phone:
            lines.append(texts.get("ticket.slip_supervision", phone=hall_facts.supervision_phone))
        facts = None
        if ticket.waiting_ahead is not None:
            facts = TicketFacts(
                queue=display_name(item.name) if item is not None else category,
                lane=self.lane_text(ctx),
                people_ahead=ticket.waiting_ahead,
                wait_minutes=ticket.estimated_wait_minutes or None,
                issued_at=ticket.issued_at,
                hall_phone=hall_facts.phone,
                supervision_phone=hall_facts.supervision_phone,
            )
        return Slip(
            kind="ticket",
            title=hall,
            big=ticket.number,
            lines=tuple(lines),
            qr=self.qr(ctx),
            footer=texts.get("ticket.requeue_hint", minutes=ctx.settings.requeue_minutes),
            facts=facts,
        )

    def qr(self, ctx: Context) -> str:
        """The ticket's phone page when the hub gave one, else the payload from
        ``settings.ticket_qr`` (a bad template gives the number alone)."""
        if self.ticket.phone_url:
            return self.ticket.phone_url
        catalog = ctx.catalog
        try:
            return ctx.settings.ticket_qr.format(
                number=self.ticket.number,
                day=self.ticket.service_day,
                hall=(catalog.hall_name if catalog else "") or ctx.hall.name,
                hall_id=ctx.hall.hall_id,
                id=self.ticket.id,
                category=self.ticket.category,
            )
        except (KeyError, IndexError, ValueError) as err:
            log.warning("ticket_qr template %r is broken (%r)", ctx.settings.ticket_qr, err)
            return self.ticket.number

    def lane_text(self, ctx: Context) -> str:
        """The priority lane as the screen says it; "" for the ordinary lane."""
        ticket = self.ticket
        if ticket.lane == "green":
            return ctx.texts.get("ticket.lane_green", group=ticket.green_group or "")
        if ticket.lane == "appointment":
            return ctx.texts.get("ticket.lane_appointment")
        return ""

    def status_lines(self, ctx: Context) -> tuple[str, ...]:
        """Lane, people ahead and estimated wait, as the screen and the slip say them."""
        texts = ctx.texts
        ticket = self.ticket
        lane = self.lane_text(ctx)
        lines: list[str] = [lane] if lane else []
        if ticket.waiting_ahead:
            lines.append(texts.get("ticket.ahead", count=ticket.waiting_ahead))
            if ticket.estimated_wait_minutes:
                lines.append(texts.get("ticket.wait", minutes=ticket.estimated_wait_minutes))
        elif ticket.waiting_ahead == 0:
            lines.append(texts.get("ticket.ahead_none"))
        return tuple(lines)

    def facts(self, ctx: Context) -> tuple[tuple[str, str], ...]:
        """The ticket's details in reading order: the business, the windows that serve it, the
        people ahead, the estimated wait and the time it was taken."""
        texts = ctx.texts
        catalog = ctx.catalog
        ticket = self.ticket
        item = catalog.item(ticket.item_id) if catalog and ticket.item_id else None
        category = catalog.category_name(ticket.category) if catalog else ticket.category
        business = f"{category}（{display_name(item.name)}）" if item is not None else category
        rows = [(texts.get("ticket.fact_business"), business)]
        if catalog is not None:
            windows = sorted(w.number for w in catalog.windows if ticket.category in w.categories)
            if windows:
                listed = "、".join(str(n) for n in windows)
                rows.append(
                    (
                        texts.get("ticket.fact_windows"),
                        texts.get("ticket.windows_value", windows=listed),
                    )
                )
        if ticket.waiting_ahead is not None:
            ahead = ticket.waiting_ahead
            rows.append(
                (
                    texts.get("ticket.fact_ahead"),
                    texts.get("ticket.ahead_value", count=ahead)
                    if ahead
                    else texts.get("ticket.waits_none"),
                )
            )
            if ahead and ticket.estimated_wait_minutes:
                rows.append(
                    (
                        texts.get("ticket.fact_wait"),
                        texts.get("ticket.wait_value", minutes=ticket.estimated_wait_minutes),
                    )
                )
        if ticket.issued_at:
            rows.append((texts.get("ticket.fact_time"), _hhmm(ticket.issued_at)))
        return tuple(rows)

    def safe_facts(self, ctx: Context) -> tuple[tuple[str, str], ...]:
        """``facts``, or none when building them fails: the number is shown whatever happens."""
        try:
            return self.facts(ctx)
        except Exception:
            log.exception("ticket %s: cannot list its details", self.ticket.number)
            return ()

    def sms_view(self, ctx: Context, phone: TextInput) -> View:
        """The 短信提醒 screen: the number pad, what it is for, submit or not."""
        texts = ctx.texts
        return View(
            texts.get("sms.title"),
            lines=(texts.get("sms.for_number", number=self.ticket.number),),
            input=phone.field(texts.get("sms.prompt")),
            choices=(
                Choice(SMS_SUBMIT, texts.get("sms.submit"), group=Group.ACTION),
                Choice(SMS_CANCEL, texts.get("sms.cancel"), group=Group.ACTION),
            ),
            personal=bool(phone.text),
            back=False,
        )

    def view(self, ctx: Context, head: tuple[str, ...] = ()) -> View:
        """The ticket screen: the number very large with its QR code, then the business, the
        windows, the people ahead, the wait and the time (``facts``), then what to do; while a
        phone number is typed for 短信提醒, that screen instead."""
        if self.phone is not None:
            return self.sms_view(ctx, self.phone)
        texts = ctx.texts
        number = self.ticket.number
        lane = self.lane_text(ctx)
        lines = [*head, *([lane] if lane else [])]
        choices = [Choice(DONE, texts.get("ticket.done"), group=Group.ACTION)]
        tone = Tone.SUCCESS
        ahead = self.ticket.waiting_ahead or 0
        speak = (
            texts.get("ticket.speak", number=spoken_number(number), count=ahead)
            if ahead
            else texts.get("ticket.speak_none", number=spoken_number(number))
        )
        if self.print_failed:
            lines.insert(0, texts.get("ticket.print_failed"))
            choices = [
                Choice(DONE, texts.get("ticket.remembered"), group=Group.ACTION),
                Choice(REPRINT, texts.get("ticket.reprint"), group=Group.ACTION),
            ]
            tone = Tone.WARNING
            speak = texts.get("ticket.speak_print_failed", number=spoken_number(number))
        elif self.printed is not None:
            lines.append(texts.get("ticket.take_slip"))
        if not self.print_failed:  # then the one thing to say is: remember the number
            lines.append(texts.get("ticket.requeue_hint", minutes=ctx.settings.requeue_minutes))
        if self.sms_masked is not None:
            lines.append(texts.get("sms.registered", phone=self.sms_masked))
        elif self.ticket.sms:
            choices.append(Choice(SMS_START, texts.get("sms.offer"), group=Group.ACTION))
        return View(
            title=self.title,
            lines=tuple(lines),
            tone=tone,
            choices=tuple(choices),
            big=number,
            big_caption=texts.get("ticket.your_number"),
            facts=self.safe_facts(ctx),
            qr=self.qr(ctx),
            speak=speak,
            must_speak=self.print_failed,
            back=False,
        )


def print_slip(ctx: Context, slip: Slip, what: str) -> PrintOutcome:
    """Print ``slip`` (I/O: run it as pending work). Staff are alerted when it did not print,
    and when it printed but the printer needs attention (paper near its end). Never raises: a
    broken driver counts as a printer fault, so the citizen still gets the number on screen."""
    try:
        outcome = ctx.printer.print_slip(slip)
    except Exception as err:  # the driver promised not to raise; the ticket must survive it
        log.exception("printer driver raised while printing %s", what)
        health = Health("printer", HealthState.ERROR, "打印机故障", "请检查打印机", repr(err))
        outcome = PrintOutcome(False, health)
    health = outcome.health
    if not outcome.printed or not health.ok:
        cause = health.problem or "打印机故障"
        problem = f"{what}未能打印：{cause}" if not outcome.printed else f"打印机需要处理：{cause}"
        try:
            ctx.alerts.alert(f"{ctx.settings.device_name}/printer", problem, health.detail)
        except Exception:  # an alert that fails must not take the ticket with it
            log.exception("could not alert staff about the printer")
    return outcome


def _hhmm(stamp: str) -> str:
    """``2025-03-12T09:30:05+08:00`` → ``09:30`` (the hub's local time); the text if unreadable."""
    _, sep, rest = stamp.partition("T")
    return rest[:5] if sep and len(rest) >= 5 else stamp


PRINTING = "printing"
SHOWN = "shown"


class ShowsTicket(Journey):
    """A journey that ends with an issued ticket shown large and printed: the printing step
    and the recovery after a failure are the same for taking, checking in and re-queueing."""

    issued: IssuedTicket | None
    print_label: ClassVar[str] = ""  # what kind of ticket, for the staff alert: "（预约签到）"

    def _print_issued(self) -> None:
        issued = self.issued
        if issued is None:
            return
        slip = issued.slip(self.ctx)
        ctx = self.ctx
        what = f"{issued.ticket.number}号号票{self.print_label}"

        def work() -> Apply:
            outcome = print_slip(ctx, slip, what)

            def apply() -> None:
                issued.printed = outcome
                self._go(SHOWN)

            return apply

        self._start_work(PRINTING, self.texts.get("ticket.printing"), work)

    # -- 短信提醒 (the same on every journey that shows a ticket) -------------------------------

    def _sms_typing(self) -> TextInput | None:
        issued = self.issued
        return issued.phone if issued is not None and self.state == SHOWN else None

    def tap(self, action: str) -> None:
        with self._lock:
            issued = self.issued
            mine = action.startswith("sms:") or (action == NAV_BACK and self._sms_typing())
            if self._pending is None and issued is not None and self.state == SHOWN and mine:
                self._touch()
                self._sms_tap(issued, action)
                return
        super().tap(action)

    def key(self, key: str) -> None:
        with self._lock:
            phone = self._sms_typing()
            if self._pending is None and phone is not None:
                self._touch()
                phone.press(key)
                return
        super().key(key)

    def _compose(self, view: View) -> Screen:
        phone = self._sms_typing()
        if phone is not None and phone.text:
            view.personal = True  # a phone number is on screen, whatever the journey says
        return super()._compose(view)

    def _sms_tap(self, issued: IssuedTicket, action: str) -> None:
        if action == SMS_START and issued.ticket.sms and issued.sms_masked is None:
            issued.phone = TextInput("phone", lambda c: c.isascii() and c.isdigit(), 11)
            self._go(SHOWN)
        elif action in (SMS_CANCEL, NAV_BACK):
            issued.phone = None
            self._go(SHOWN)
        elif action == SMS_SUBMIT and issued.phone is not None:
            number = issued.phone.text
            if not _MOBILE.match(number):
                self.message = Sentence(self.texts.get("sms.bad_phone"))
                self.tone = Tone.ERROR
                return
            self._send_phone(issued, number)

    def _send_phone(self, issued: IssuedTicket, number: str) -> None:
        hub = self.ctx.hub
        ticket_id = issued.ticket.id

        def done(masked: str) -> None:
            issued.phone = None  # the digits are not kept past this point
            issued.sms_masked = masked
            self._go(SHOWN, Sentence(self.texts.get("sms.done", phone=masked)), Tone.SUCCESS)

        def refused(err: HubRefused) -> None:
            if err.code == "bad_phone" and issued.phone is not None:
                issued.phone.press("clear")
                self._go(SHOWN, Sentence(self.texts.get("sms.bad_phone")), Tone.ERROR)
                return
            issued.phone = None
            self._go(SHOWN, Sentence(self.texts.get("sms.failed")), Tone.WARNING)

        def away(_: HubUnavailable) -> None:
            issued.phone = None
            self._go(SHOWN, Sentence(self.texts.get("sms.failed")), Tone.WARNING)

        work = self._hub_work(lambda: hub.subscribe_sms(ticket_id, number), done, refused, away)
        self._start_work(SHOWN, self.texts.get("sms.sending"), work)

    def _recover(self) -> bool:
        if self.issued is None:
            return False
        self.issued.phone = None
        if self.issued.printed is None:  # the printing never happened: say so, speak it
            self.issued.printed = PrintOutcome(False, Health("printer", HealthState.ERROR))
        self._go(SHOWN)
        return True
