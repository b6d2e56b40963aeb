"""The kiosk's printer port over the real printer service (``devices.printer``).

A kiosk ``Slip`` (plain lines) is laid out with the hall's own printed forms
(``devices.printer.documents``): a ticket as the 取号票 (``queue_ticket``: hall name, the number
huge, category or item with the lane, people ahead, wait, time, QR code, notice) and a guide's
checklist as the 办事材料清单 (``material_checklist``: item, numbered materials with original or
copy, conditions, windows, promised days, QR code). The slip's lines are the journeys' texts
(``kiosk.texts``); the adapter reads the values back with the same templates, so a text changed
in one place is read in the other. A slip these forms cannot hold (the maintenance test page,
a ticket without a queue position) keeps a plain layout of its lines.

The outcome follows the service: a slip sent but unconfirmed (the printer does not answer status
requests) counts as printed; a fault (paper out, cover open, offline) is ``printed=False`` with the
printer's health, never an exception.
"""

from __future__ import annotations

import logging
import re
import string
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from datetime import time as clock_time

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
from kiosk.catalog import Catalog
from kiosk.ports import PrintOutcome, Slip
from kiosk.texts import Texts

log = logging.getLogger(__name__)

PRINT_TIMEOUT = 20.0  # seconds; a job not started by then is withdrawn (never prints later)
QR_LIMIT = 300  # bytes of QR payload a ticket printer's native QR takes comfortably
_MATERIAL = re.compile(r"^(\d+)\.\s*(.+)$")  # "1. 申请人居民身份证原件" (kiosk.journeys.guide)
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")

CatalogSource = Callable[[], Catalog | None]


def _pattern(template: str) -> re.Pattern[str]:
    """A regex matching what ``template.format(...)`` gives, one named group per placeholder."""
    parts = []
    for literal, name, _, _ in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if name:
            parts.append(f"(?P<{name}>.+?)")
    return re.compile("^" + "".join(parts) + "$")


class _Reader:
    """Reads the values of a slip's lines back with the kiosk's text templates."""

    def __init__(self, texts: Texts) -> None:
        self.texts = texts
        self._patterns: dict[str, re.Pattern[str]] = {}

    def match(self, key: str, line: str) -> dict[str, str] | None:
        pattern = self._patterns.get(key)
        if pattern is None:
            pattern = self._patterns[key] = _pattern(self.texts.get(key))
        found = pattern.match(line)
        return found.groupdict() if found else None

    def number(self, key: str, name: str, line: str) -> int | None:
        found = self.match(key, line)
        value = found.get(name, "") if found else ""
        return int(value) if value.isdigit() else None


def _qr(payload: str | None, fallback: str) -> str:
    if payload and len(payload.encode("utf-8")) <= QR_LIMIT:
        return payload
    return fallback


def ticket_document(slip: Slip, texts: Texts, now: datetime) -> Document | None:
    """The slip of a ticket as a ``queue_ticket``; None when its lines do not say the people
    ahead (not a queue position: the maintenance test page, say)."""
    read = _Reader(texts)
    lines = list(slip.lines)
    category = lines.pop(0) if lines else ""
    ahead: int | None = None
    wait: int | None = None
    issued = now
    lanes: list[str] = []
    for line in lines:
        if (item := read.match("ticket.slip_item", line)) is not None:
            category = item["item"]  # the item chosen says more than its queue's name
        elif (count := read.number("ticket.ahead", "count", line)) is not None:
            ahead = count
        elif line == texts.get("ticket.ahead_none"):
            ahead = 0
        elif (minutes := read.number("ticket.wait", "minutes", line)) is not None:
            wait = minutes
        elif (at := read.match("ticket.slip_time", line)) is not None:
            hhmm = _TIME.match(at["time"])
            if hhmm:
                issued = datetime.combine(
                    now.date(), clock_time(int(hhmm[1]), int(hhmm[2])), now.tzinfo
                )
        else:
            lanes.append(line)  # 绿色通道（老年人）, 预约通道: staff read it at the window
    if ahead is None:
        return None
    qr = _qr(slip.qr, slip.big)
    fields = QueueTicket(
        hall_name=slip.title,
        number=slip.big,
        category=" ".join([category, *lanes]).strip(),
        people_ahead=ahead,
        issued_at=issued,
        qr=qr,
        wait_minutes=wait,
        # the caption promises a phone page: only true when the payload is a web address
        qr_caption="微信扫码查看排队进度" if qr.startswith(("http://", "https://")) else "",
    )
    return queue_ticket(replace(fields, notice=slip.footer) if slip.footer else fields)


def _form(material: str) -> MaterialForm:
    """Original, copy or both, as the material's own text says (originals by default)."""
    if "复印件" in material:
        return MaterialForm.BOTH if "原件" in material else MaterialForm.COPY
    return MaterialForm.ORIGINAL


def checklist_document(
    slip: Slip, texts: Texts, now: datetime, catalog: Catalog | None = None
) -> Document:
    """The slip of a guide as a ``material_checklist``: materials from its numbered lines,
    windows and promised days from their lines, conditions from the catalog's item of that
    name (none when the catalog does not have it)."""
    read = _Reader(texts)
    materials: list[Material] = []
    windows = texts.get("guide.windows_none")
    promised: int | None = None
    windows_prefix = texts.get("guide.windows") + "："
    for line in slip.lines:
        if (found := _MATERIAL.match(line)) is not None:
            name = found[2].strip()
            materials.append(Material(name, form=_form(name)))
        elif line.startswith(windows_prefix):
            windows = line.removeprefix(windows_prefix)
        elif (days := read.number("guide.promised", "days", line)) is not None:
            promised = days
    suffix = " " + texts.get("guide.checklist_title")
    hall = slip.title.removesuffix(suffix) if slip.title.endswith(suffix) else slip.title
    conditions = ""
    if catalog is not None:
        item = next((i for i in catalog.items if i.name == slip.big), None)
        conditions = item.conditions if item is not None else ""
    return material_checklist(
        MaterialChecklist(
            hall_name=hall,
            item_name=slip.big,
            materials=tuple(materials),
            conditions=conditions,
            windows=windows,
            qr=_qr(slip.qr, slip.big),
            printed_at=now,
            promised_days=promised,
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


def slip_document(
    slip: Slip,
    texts: Texts | None = None,
    now: datetime | None = None,
    catalog: Catalog | None = None,
) -> Document:
    """The printed form of a slip (see the module docstring); ``now`` is local time, for the
    date printed on it."""
    texts = texts or Texts()
    now = now or datetime.now().astimezone()
    if slip.kind == "checklist":
        return checklist_document(slip, texts, now, catalog)
    return ticket_document(slip, texts, now) or plain_document(slip)


class ServicePrinter:
    """PrinterPort over a started ``PrinterService``. Never raises.

    ``catalog`` gives the kiosk's current catalog (for a checklist's conditions)."""

    def __init__(
        self,
        service: PrinterService,
        timeout: float = PRINT_TIMEOUT,
        catalog: CatalogSource | None = None,
        texts: Texts | None = None,
    ) -> None:
        self.service = service
        self._timeout = timeout
        self._catalog = catalog
        self._texts = texts or Texts()

    def print_slip(self, slip: Slip) -> PrintOutcome:
        """Print and wait (from a worker thread); see the module docstring for the outcome."""
        try:
            catalog = self._catalog() if self._catalog is not None else None
            document = slip_document(slip, self._texts, catalog=catalog)
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
