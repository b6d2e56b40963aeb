"""Fixtures of the kiosk's Qt tests: a real hub served in-process, the kiosk model over it with
fake devices, and the window (offscreen, portrait 1080×1920)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pytestqt.qtbot import QtBot

from appkit.qtapp import make_application
from config import sample_hall
from devices.health import Health, HealthState
from hub.alert_sender import AlertSender
from hub.client import HubClient
from hub.server import Hub
from kiosk.app_model import KioskModel
from kiosk.catalog import Catalog, CatalogKeeper, CatalogStore
from kiosk.hub_adapter import HubClientPort
from kiosk.journeys.base import Context
from kiosk.qt.maintenance import Technician
from kiosk.qt.window import KioskWindow
from tests.hub.hubapp import served
from tests.kiosk.fakes import FakeClock, FakePrinter, FakeReader, FakeSpeech
from tests.timing import PATIENCE, PATIENCE_MS


@dataclass
class QtHall:
    hub: Hub
    url: str
    admin: HubClient
    port: HubClientPort
    alerts: AlertSender
    printer: FakePrinter
    speech: FakeSpeech
    reader: FakeReader
    clock: FakeClock
    model: KioskModel
    window: KioskWindow
    qtbot: QtBot

    def tap(self, choice_id: str) -> None:
        """Click the button of a choice, then wait for the worker and the redraw."""
        button = self.window.view.button(choice_id)
        assert button is not None, f"no button {choice_id}; have {self.ids()}"
        assert button.isEnabled()
        button.click()
        self.settle()

    def type(self, text: str) -> None:
        for char in text:
            key = self.window.view.findChild(object, f"key:{char}")
            assert key is not None, f"no key {char}"
            key.click()  # type: ignore[attr-defined]
        self.settle()

    def settle(self) -> None:
        self.qtbot.waitUntil(lambda: self.window.idle and not self.model.busy, timeout=PATIENCE_MS)
        self.window.refresh()

    def ids(self) -> list[str]:
        return [b.objectName().removeprefix("choice:") for b in self.window.view.buttons()]

    def texts(self) -> list[str]:
        from PySide6.QtWidgets import QLabel

        return [label.text() for label in self.window.findChildren(QLabel) if label.isVisible()]


def hub_ok() -> Health:
    return Health("hub", HealthState.OK)


@pytest.fixture
def qt_hall(tmp_path: Path, qtbot: QtBot) -> Iterator[QtHall]:
    make_application()
    with served(tmp_path / "hub") as (hub, url):
        admin = HubClient(url, hub.admin_token_path.read_text().strip())
        token = admin.add_device("kiosk", "kiosk-1")["token"]
        client = HubClient(url, token, timeout=PATIENCE)
        port = HubClientPort(client, tmp_path / "kiosk")
        alerts = AlertSender(client, "kiosk-1")
        keeper = CatalogKeeper(
            CatalogStore(tmp_path / "kiosk"), fallback=Catalog.from_config(sample_hall())
        )
        keeper.refresh(port)
        printer, speech, reader, clock = FakePrinter(), FakeSpeech(), FakeReader(), FakeClock()
        ctx = Context(
            hub=port,
            printer=printer,
            alerts=alerts,
            catalog_source=lambda: keeper.current,
            clock=clock,
        )
        model = KioskModel(ctx, keeper=keeper, speech=speech, reader=reader)
        technician = Technician(
            pin_hash=sample_hall().hall.technician_pin_hash,
            printer=printer,
            reader=reader,
            hub_check=hub_ok,
            zone=ZoneInfo(sample_hall().hall.timezone),
        )
        window = KioskWindow(model, technician, tick_ms=3_600_000, maintain_ms=3_600_000)
        qtbot.addWidget(window)
        window.setFixedSize(1080, 1920)
        window.show()
        window.refresh(force=True)
        yield QtHall(
            hub, url, admin, port, alerts, printer, speech, reader, clock, model, window, qtbot
        )
        window.exit_app()
        qtbot.waitUntil(lambda: window.idle, timeout=PATIENCE_MS)
        port.close()
