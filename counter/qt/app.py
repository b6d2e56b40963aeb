"""Wiring of the counter app: the hub client, this box's keypad and printer, the workflow, the
live link and the window. ``build_counter`` is what ``hall counter`` and the Qt tests use."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

from config import HallConfig
from config.schema import DeviceSettings
from counter.case_reader import CounterCardReader
from counter.device_watch import DeviceWatch
from counter.hub_adapter import HubClientCounter
from counter.live import LiveLink
from counter.ports import RatingKeypad, ReceiptPrinter
from counter.qt.keys import parse_keys
from counter.qt.open_dialog import make_dialog
from counter.qt.window import CounterWindow
from counter.receipt import HallPhones, ServiceReceiptPrinter
from counter.states import Action
from counter.workflow import CounterWorkflow
from devices.keypad.keys import KeyMap
from devices.keypad.service import KeypadService, open_keypad_source
from devices.printer.layout import PAPER_58, PAPER_80
from devices.printer.service import PrinterService
from hub.alert_sender import AlertSender
from hub.client import HubClient

log = logging.getLogger(__name__)

WATCH_SECONDS = 5.0
"""How often the box's devices are looked at for the staff's alerts."""


class SystemClock:
    """The box's wall clock in the hall's time zone (aware; the box itself may run on UTC) and
    monotonic seconds."""

    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone

    def now(self) -> datetime:
        return datetime.now(self.zone)

    def monotonic(self) -> float:
        return time.monotonic()


@dataclass
class Counter:
    """A running counter: stop it with ``close()``."""

    workflow: CounterWorkflow
    window: CounterWindow
    link: LiveLink
    client: HubClient
    stoppers: list[object]

    def close(self) -> None:
        # Threads that outlive the window (a stream read, the keypad) must not signal into it.
        self.workflow.on_change = lambda: None
        self.link.stop()
        self.workflow.close()
        for stopper in self.stoppers:
            stop = getattr(stopper, "stop", None)
            if callable(stop):
                stop()
        self.client.close()


def open_devices(
    settings: DeviceSettings, config: HallConfig, record_dir: str | None = None
) -> tuple[RatingKeypad | None, ReceiptPrinter | None, list[object]]:
    """This box's keypad and printer services, started; (None, None) where not configured.
    The ID-card reader, when configured, is started too and listed in the third item (the
    stoppers), where ``build_counter`` finds it. Raises DeviceError for a malformed device
    address (a start-up error)."""
    started: list[object] = []
    keypad: RatingKeypad | None = None
    printer: ReceiptPrinter | None = None
    if settings.keypad:
        source = open_keypad_source(settings.keypad, settings.keypad_keys)
        service = KeypadService(source, KeyMap(settings.keypad_keys), record_dir=record_dir)
        service.start()
        started.append(service)
        keypad = service
    if settings.printer:
        page = PAPER_58 if settings.printer_width == 58 else PAPER_80
        printer_service = PrinterService(settings.printer, page=page, record_dir=record_dir)
        printer_service.start()
        started.append(printer_service)
        printer = ServiceReceiptPrinter(
            printer_service, config.hall.name, phones=HallPhones.of(config.hall)
        )
    if settings.idcard:
        started.append(CounterCardReader.start(settings.idcard, record_dir))
    return keypad, printer, started


def build_counter(
    window: int,
    config: HallConfig,
    settings: DeviceSettings,
    client: HubClient,
    *,
    keypad: RatingKeypad | None = None,
    printer: ReceiptPrinter | None = None,
    stoppers: list[object] | None = None,
    ping_seconds: float = 3.0,
    retry_seconds: float = 1.0,
) -> Counter:
    """The workflow, its window and its live link (started). Raises KeyConfigError for a bad
    ``counter_keys`` entry. Needs a QApplication."""
    keys = parse_keys({k: list(v) for k, v in settings.counter_keys.items()})
    if isinstance(printer, ServiceReceiptPrinter):
        printer.follow_hub(client)  # the phones a manager set in the console
        printer.use_links(config)  # the receipt's QR when the hub gives no phone page
    workflow = CounterWorkflow(
        window,
        HubClientCounter(client),
        config,
        SystemClock(ZoneInfo(config.hall.timezone)),
        keypad=keypad,
        printer=printer,
    )
    view = CounterWindow(workflow, keys)
    for device in stoppers or []:
        if isinstance(device, CounterCardReader):  # a card finds the applicant's cases
            device.on_card = workflow.cases.card_read
            workflow.cases.reader_present = True

    def open_dialog(action: Action, parent: QWidget = view) -> None:
        make_dialog(action, workflow, parent).open()

    view.open_dialog = open_dialog
    link = LiveLink(workflow, client, ping_seconds=ping_seconds, retry_seconds=retry_seconds)
    link.start()
    # A keypad or printer that stops working is an alert on the manager's console.
    watch = DeviceWatch(
        stoppers or [], AlertSender(client, f"counter-{window}"), f"counter-{window}"
    )
    timer = QTimer(view)
    timer.setInterval(int(WATCH_SECONDS * 1000))
    timer.timeout.connect(watch.check)
    timer.start()
    watch.check()
    return Counter(workflow, view, link, client, list(stoppers or []))
