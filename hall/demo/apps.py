"""Every app of the demo hall in this one process, over simulated devices.

One QApplication, one top-level window per app: the ticket machine (kiosk role ``ticket``, with
the ID-card reader and a printer), the touch kiosk (a printer), counters 1 and 2 (a rating
keypad and a printer each), their window boards (board 1 drives the LED sign) and the hall
display (calls spoken to wav files, and to the speaker when asked). Each app is built by the
same function its own command uses, from its own ``[devices.BOX]`` section and device token.

The simulators are started first (:meth:`DemoApps.start_devices`) because the configuration
names their addresses; the apps after the hub is up (:meth:`DemoApps.start_apps`).
"""

from __future__ import annotations

import argparse
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QWidget

from appkit.startup import AppSetup
from boards.qt.app import Running, build_board, build_display
from counter.qt.app import Counter, build_counter
from counter.receipt import HallPhones, ServiceReceiptPrinter
from devices.idcard.sim import SimulatedReader
from devices.keypad.keys import KeyMap
from devices.keypad.service import KeypadService
from devices.keypad.sim import SimKeypad
from devices.printer.service import PrinterService
from devices.printer.sim import PrinterSimulator
from devices.sign.sim import ModbusSignSimulator
from devices.speech.service import SpeechService
from hall.appsetup import resolve
from hall.demo.site import BOXES, Box, DemoSite
from hub.client import HubClient
from kiosk.qt.app import Kiosk, build_kiosk

log = logging.getLogger(__name__)

PRINTED_BOXES = ("ticket-1", "kiosk-1", "counter-1", "counter-2")
# Window sizes (px) when shown on a desktop and grabbed for screenshots.
SIZES = {
    "ticket": (720, 1280),
    "kiosk": (720, 1280),
    "counter": (1280, 800),
    "board": (1366, 768),
    "display": (1366, 768),
}
COUNTER_HUB_TIMEOUT = 5.0  # seconds per hub call from a counter (its worker waits, not the GUI)


@dataclass
class DemoApps:
    """The simulators and the apps of the demo hall; ``close()`` stops all of them."""

    site: DemoSite
    wav_dir: Path
    speaker: bool = False  # also play the display's calls on the sound card
    printers: dict[str, PrinterSimulator] = field(default_factory=dict)
    reader: SimulatedReader | None = None
    keypads: dict[int, SimKeypad] = field(default_factory=dict)
    sign: ModbusSignSimulator | None = None
    speech: SpeechService | None = None
    kiosks: dict[str, Kiosk] = field(default_factory=dict)
    counters: dict[int, Counter] = field(default_factory=dict)
    boards: dict[int, Running] = field(default_factory=dict)
    display: Running | None = None
    _closed: bool = False

    # -- start ----------------------------------------------------------------------------------

    def start_devices(self) -> dict[str, dict[str, Any]]:
        """Start the printer, card reader and sign simulators; returns each box's device
        settings naming them (for :meth:`DemoSite.write_config`). Raises DeviceError when a
        simulator cannot start (no pty, no port)."""
        for name in PRINTED_BOXES:
            self.printers[name] = PrinterSimulator(idle_seconds=5.0).start()
        self.reader = SimulatedReader()
        self.reader.start()
        self.reader.remove()  # nobody stands at the ticket machine yet
        self.sign = ModbusSignSimulator().start()
        quiet = {"enabled": False}  # the kiosks' read-aloud would only queue up on a demo box
        return {
            "ticket-1": {
                "printer": self.printers["ticket-1"].address,
                "idcard": self.reader.address,
                "speech": quiet,
            },
            "kiosk-1": {"printer": self.printers["kiosk-1"].address, "speech": quiet},
            "counter-1": {"printer": self.printers["counter-1"].address, "keypad": "sim://keypad"},
            "counter-2": {"printer": self.printers["counter-2"].address, "keypad": "sim://keypad"},
            "board-1": {"sign": self.sign.address},
        }

    def setup(self, box: Box, app: str) -> AppSetup:
        """The box's settings as its own command would resolve them."""
        args = argparse.Namespace(
            config=str(self.site.config_path),
            box=box.name,
            hub=self.site.hub_url,
            token_file=None,
            data=str(self.site.box_dir(box)),
        )
        return resolve(args, app)

    def start_apps(self) -> None:
        """Build every app over the running hub (needs the QApplication)."""
        for box in BOXES:
            if box.role in ("ticket", "kiosk"):
                self.kiosks[box.name] = build_kiosk(
                    self.setup(box, "kiosk"), "ticket" if box.role == "ticket" else "kiosk"
                )
            elif box.role == "counter" and box.window is not None:
                self.counters[box.window] = self._counter(box, box.window)
            elif box.role == "board" and box.window is not None:
                self.boards[box.window] = build_board(self.setup(box, "board"), box.window)
            elif box.role == "display":
                setup = self.setup(box, "display")
                self.speech = SpeechService(
                    setup.settings.speech,
                    play=self.speaker,
                    wav_dir=self.wav_dir,
                    record_dir=setup.data_dir,
                )
                self.speech.start()
                self.display = build_display(setup, speech=self.speech)
        for kiosk in self.kiosks.values():
            kiosk.window.refresh(force=True)
            kiosk.window.run_in_pool(_first_maintain(kiosk))

    def _counter(self, box: Box, window: int) -> Counter:
        setup = self.setup(box, "counter")
        sim = SimKeypad()
        self.keypads[window] = sim
        keypad = KeypadService(sim, KeyMap(setup.settings.keypad_keys))
        keypad.start()
        printer = PrinterService(setup.settings.printer or "", record_dir=setup.data_dir).start()
        client = HubClient(setup.hub_url, setup.require_token(), timeout=COUNTER_HUB_TIMEOUT)
        return build_counter(
            window,
            setup.config,
            setup.settings,
            client,
            keypad=keypad,
            printer=ServiceReceiptPrinter(
                printer, setup.config.hall.name, phones=HallPhones.of(setup.config.hall)
            ),
            stoppers=[keypad, printer],
        )

    # -- windows --------------------------------------------------------------------------------

    def windows(self) -> dict[str, QWidget]:
        """Every app's top-level window by box name."""
        shown: dict[str, QWidget] = {n: k.window for n, k in self.kiosks.items()}
        shown.update({f"counter-{n}": c.window for n, c in self.counters.items()})
        shown.update({f"board-{n}": b.view for n, b in self.boards.items()})
        if self.display is not None:
            shown["display-1"] = self.display.view
        return shown

    def show(self) -> None:
        """Show every window at its demo size (offscreen too: that lays them out for grabs)."""
        roles = {box.name: box.role for box in BOXES}
        for name, widget in self.windows().items():
            widget.setWindowTitle(f"hallkit demo · {name}")
            widget.resize(*SIZES[roles[name]])
            widget.show()

    # -- stop -----------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the apps, then stop the simulators. Safe to call twice; logs, never raises."""
        if self._closed:
            return
        for kiosk in self.kiosks.values():
            _quietly(kiosk.window.exit_app)
            _quietly(kiosk.window.pool.waitForDone, 10_000)
            _quietly(kiosk.close)
        for counter in self.counters.values():
            _quietly(counter.close)
            _quietly(counter.window.close)
        for running in [*self.boards.values(), *([self.display] if self.display else [])]:
            _quietly(running.close)
            _quietly(running.view.close)
        if self.speech is not None:
            _quietly(self.speech.stop, 10.0)
        for printer in self.printers.values():
            _quietly(printer.stop)
        if self.reader is not None:
            _quietly(self.reader.stop)
        if self.sign is not None:
            _quietly(self.sign.stop)
        # The apps stay referenced until the process ends (a stopped feed is silent, but its
        # thread may still be ending a stream read).
        self._closed = True


def _first_maintain(kiosk: Kiosk) -> Any:
    def work() -> None:
        kiosk.keeper.load_saved()
        kiosk.model.maintain()

    return work


def _quietly(call: Any, *args: Any) -> None:
    try:
        call(*args)
    except Exception:  # shutting down: one failure must not keep the rest running
        log.exception("stopping part of the demo failed")
