"""The kiosk's printer port over the real printer service (``devices.printer``).

A kiosk ``Slip`` (plain lines: title, big, lines, QR, footer) is laid out as a printer
``Document`` in the form of the hall's slips (``devices.printer.documents``: hall name, the number
huge, the lines, a native QR code, the notice, a cut). The outcome follows the service: a slip
sent but unconfirmed (the printer does not answer status requests) counts as printed; a fault
(paper out, cover open, offline) is ``printed=False`` with the printer's health, never an
exception.
"""

from __future__ import annotations

import logging

from devices.health import Health, HealthState
from devices.printer.layout import Align, Block, Cut, Document, Qr, Separator, Size, Text
from devices.printer.service import PrinterService
from kiosk.ports import PrintOutcome, Slip

log = logging.getLogger(__name__)

PRINT_TIMEOUT = 20.0  # seconds; a job not started by then is withdrawn (never prints later)
QR_LIMIT = 300  # bytes of QR payload a ticket printer's native QR takes comfortably


def slip_document(slip: Slip) -> Document:
    """The printed form of a slip: a ticket's number huge, a checklist's item name big."""
    blocks: list[Block] = [Text(slip.title, Size.TALL, bold=True, align=Align.CENTER), Separator()]
    if slip.kind == "ticket":
        blocks.append(Text(slip.big, Size.HUGE, bold=True, align=Align.CENTER))
    else:
        blocks.append(Text(slip.big, Size.BIG, bold=True))
    blocks.append(Separator())
    blocks += [Text(line, hang=3 if line[:1].isdigit() else 0) for line in slip.lines]
    if slip.qr and len(slip.qr.encode("utf-8")) <= QR_LIMIT:
        blocks += [Separator(), Qr(slip.qr)]
    if slip.footer:
        blocks.append(Text(slip.footer))
    blocks.append(Cut())
    return Document(tuple(blocks))


class ServicePrinter:
    """PrinterPort over a started ``PrinterService``. Never raises."""

    def __init__(self, service: PrinterService, timeout: float = PRINT_TIMEOUT) -> None:
        self.service = service
        self._timeout = timeout

    def print_slip(self, slip: Slip) -> PrintOutcome:
        """Print and wait (from a worker thread); see the module docstring for the outcome."""
        try:
            result = self.service.print(slip_document(slip), self._timeout)
        except Exception as err:  # a driver bug must not lose the citizen's number
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
