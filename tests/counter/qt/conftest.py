"""A counter window against a REAL hub (in-process uvicorn behind a cuttable relay), with the
simulated keypad (KeypadService over SimKeypad) and the TCP printer simulator."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before pytest-qt makes the QApplication

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from config import HallConfig
from config.schema import DeviceSettings
from counter.qt.app import Counter, build_counter
from counter.receipt import ServiceReceiptPrinter
from devices.keypad.keys import KeyMap
from devices.keypad.service import KeypadService
from devices.keypad.sim import SimKeypad
from devices.printer.service import PrinterService
from devices.printer.sim import PrinterSimulator
from hub.client import HubClient
from hub.server import Hub
from tests.counter.qt.proxy import Relay
from tests.hub.hubapp import served
from tests.timing import PATIENCE, SteppedClock


@dataclass
class Hall:
    hub: Hub
    admin: HubClient
    kiosk: HubClient
    relay: Relay
    keypad: SimKeypad
    keypad_clock: SteppedClock  # the keypad's rating timeout runs out only when moved
    printer: PrinterSimulator
    counter: Counter

    def issue(self, category: str = "A", item_id: str | None = None) -> str:
        if item_id is not None:
            return str(self.kiosk.issue_ticket(item_id=item_id).number)
        return str(self.kiosk.issue_ticket(category=category).number)


@pytest.fixture
def hall(tmp_path: Path, qtbot: object, hall_with: Callable[..., HallConfig]) -> Iterator[Hall]:
    # The rating timeout is the counter's configuration's; the keypad's clock measures it.
    config = hall_with(rating={"keypad_timeout_seconds": 5})
    with served(tmp_path / "hub") as (hub, url):
        admin = HubClient(url, hub.admin_token_path.read_text().strip())
        kiosk = HubClient(url, admin.add_device("kiosk", "kiosk-1")["token"])
        token = admin.add_device("counter", "counter-1", 1)["token"]
        host, port = url.removeprefix("http://").split(":")
        relay = Relay((host, int(port)))
        client = HubClient(relay.url, token, timeout=PATIENCE)
        sim_keypad = SimKeypad()
        keypad_clock = SteppedClock()
        keypad = KeypadService(
            sim_keypad, KeyMap(DeviceSettings().keypad_keys), monotonic=keypad_clock
        )
        keypad.start()
        printer_sim = PrinterSimulator().start()
        printer_service = PrinterService(printer_sim.address).start()
        counter = build_counter(
            1,
            config,
            DeviceSettings(role="counter", window=1),
            client,
            keypad=keypad,
            printer=ServiceReceiptPrinter(printer_service, config.hall.name),
            stoppers=[keypad, printer_service],
            ping_seconds=0.5,
            retry_seconds=0.3,
        )
        counter.window.show()
        yield Hall(hub, admin, kiosk, relay, sim_keypad, keypad_clock, printer_sim, counter)
        counter.close()
        printer_sim.stop()
        relay.close()
