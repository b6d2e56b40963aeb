"""The kiosk's printer port over the real printer service (``devices.printer``).

A kiosk ``Slip`` carries its content as values (``Slip.facts``); the adapter lays them out with
the hall's own printed forms (``devices.printer.documents``): a ticket as the 取号票
(``queue_ticket``: hall name, the number huge, category or item with the lane, people ahead,
wait, time, QR code, notice) and a guide's checklist as the 办事材料清单 (``material_checklist``:
item, numbered materials with original or copy, conditions, windows, promised days, QR code).
A slip without facts (the maintenance test page) is printed line by line.

The outcome follows the service: a slip sent but unconfirmed (the printer does not answer status
requests) counts as printed; a fault (paper out, cover open, offline) is ``printed=False`` with the
printer's health, never an exception.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, tzinfo

from devices.health import Health, HealthState
from devices.printer.documents import (
    Material,
    MaterialChecklist,
    MaterialForm,
    QueueTicket,
    material_checklist,
    queue_ticket,
)
from devices.printer.layout import Align, Block, Cut, Document, Qr, Separator, Size, Text
from devices.printer.service import PrinterService
from kiosk.materials import read_material
from kiosk.ports import ChecklistFacts, PrintOutcome, Slip, TicketFacts

log = logging.getLogger(__name__)

PRINT_TIMEOUT = 20.0  # seconds; a job not started by then is withdrawn (never prints later)
QR_LIMIT = 300  # bytes of QR payload a ticket printer's native QR takes comfortably


def _qr(payload: str | None, fallback: str) -> str:
    if payload and len(payload.encode("utf-8")) <= QR_LIMIT:
        return payload
    return fallback


def _issued(text: str, now: datetime) -> datetime:
    """The hub's issue time in local time; ``now`` when it is missing or unreadable."""
    try:
        issued = datetime.fromisoformat(text)
    except ValueError:
        return now
    return issued.astimezone(now.tzinfo) if issued.tzinfo and now.tzinfo else issued


def ticket_document(slip: Slip, facts: TicketFacts, now: datetime) -> Document:
    """A ticket slip as the hall's ``queue_ticket``."""
    qr = _qr(slip.qr, slip.big)
    fields = QueueTicket(
        hall_name=slip.title,
        number=slip.big,
        category=" ".join(filter(None, [facts.queue, facts.lane])),
        people_ahead=facts.people_ahead,
        issued_at=_issued(facts.issued_at, now),
        qr=qr,
        wait_minutes=facts.wait_minutes,
        # the caption promises a phone page: only true when the payload is a web address
        qr_caption="微信扫码查看排队进度" if qr.startswith(("http://", "https://")) else "",
        hall_phone=facts.hall_phone,
        supervision_phone=facts.supervision_phone,
    )
    return queue_ticket(replace(fields, notice=slip.footer) if slip.footer else fields)


def _material(text: str) -> Material:
    """A guide's material as the printed form's line: name, original or copy, count, as the
    material's own text says (one original by default; ``kiosk.materials``)."""
    line = read_material(text)
    return Material(line.name, count=line.count, form=MaterialForm(line.form))


def checklist_document(slip: Slip, facts: ChecklistFacts, now: datetime) -> Document:
    """A guide's checklist slip as the hall's ``material_checklist``."""
    qr = _qr(slip.qr, facts.item_name)
    return material_checklist(
        MaterialChecklist(
            hall_name=facts.hall_name,
            item_name=facts.item_name,
            materials=tuple(_material(text) for text in facts.materials),
            conditions=facts.conditions,
            windows=facts.windows,
            qr=qr,
            printed_at=now,
            promised_days=facts.promised_days,
            qr_caption="扫码查看完整办事指南" if qr.startswith(("http://", "https://")) else "",
            hall_phone=facts.hall_phone,
            supervision_phone=facts.supervision_phone,
        )
    )


def plain_document(slip: Slip) -> Document:
    """A slip the hall's forms do not fit, laid out line by line (the number huge)."""
    blocks: list[Block] = [Text(slip.title, Size.TALL, bold=True, align=Align.CENTER), Separator()]
    blocks.append(Text(slip.big, Size.HUGE, bold=True, align=Align.CENTER))
    blocks.append(Separator())
    blocks += [Text(line, hang=3 if line[:1].isdigit() else 0) for line in slip.lines]
    if slip.qr and len(slip.qr.encode("utf-8")) <= QR_LIMIT:
        blocks += [Separator(), Qr(slip.qr)]
    if slip.footer:
        blocks.append(Text(slip.footer))
    blocks.append(Cut())
    return Document(tuple(blocks))


def slip_document(slip: Slip, now: datetime) -> Document:
    """The printed form of a slip (see the module docstring); ``now`` is the hall's local
    time (aware), for the date printed on it."""
    if isinstance(slip.facts, TicketFacts):
        return ticket_document(slip, slip.facts, now)
    if isinstance(slip.facts, ChecklistFacts):
        return checklist_document(slip, slip.facts, now)
    return plain_document(slip)


class ServicePrinter:
    """PrinterPort over a started ``PrinterService``. Never raises.

    ``zone`` is the hall's time zone: times on paper are the hall's, whatever the box's own
    zone is set to."""

    def __init__(
        self, service: PrinterService, zone: tzinfo, timeout: float = PRINT_TIMEOUT
    ) -> None:
        self.service = service
        self._timeout = timeout
        self._zone = zone

    def print_slip(self, slip: Slip) -> PrintOutcome:
        """Print and wait (from a worker thread); see the module docstring for the outcome."""
        try:
            document = slip_document(slip, datetime.now(self._zone))
            result = self.service.print(document, self._timeout)
        except Exception as err:  # a driver or layout bug must not lose the citizen's number
            log.exception("printing a %s slip crashed", slip.kind)
            health = Health(
                "printer", HealthState.ERROR, "打印机故障", "请联系技术人员查看日志", str(err)
            )
            return PrintOutcome(False, health)
        if not result.printed:
            log.warning("%s slip not printed: %s", slip.kind, result.detail or result.health)
        return PrintOutcome(result.printed, result.health)

    def health(self) -> Health:
        return self.service.health


class NoPrinter:
    """The port when no printer is configured: nothing prints, the screen shows the number."""

    def print_slip(self, slip: Slip) -> PrintOutcome:
        return PrintOutcome(False, self.health())

    def health(self) -> Health:
        return Health(
            "printer", HealthState.ABSENT, "本机未配置打印机", "如需打印，请在配置中设置打印机地址"
        )
