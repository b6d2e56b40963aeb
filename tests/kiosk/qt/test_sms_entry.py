"""短信提醒 in the kiosk window against a real hub with SMS on: a number typed on the on-screen
pad after the ticket is kept by the hub for that ticket and shown masked; the printed ticket's
QR code is the hub's phone page for it."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from appkit.qtapp import make_application
from config import sample_hall
from config.loader import config_from_dict
from hub.alert_sender import AlertSender
from hub.client import HubClient
from hub.sms.gateways import write_secret
from kiosk.app_model import KioskModel
from kiosk.catalog import Catalog, CatalogKeeper, CatalogStore
from kiosk.hub_adapter import HubClientPort
from kiosk.journeys.base import Context
from kiosk.qt.maintenance import Technician
from kiosk.qt.window import KioskWindow
from tests.conftest import queue_hall_data
from tests.hub.hubapp import served
from tests.kiosk.fakes import FakeClock, FakePrinter, FakeReader, FakeSpeech
from tests.kiosk.qt.conftest import QtHall, hub_ok
from tests.timing import PATIENCE, PATIENCE_MS

SMS = {"gateway": "webhook", "endpoint": "http://127.0.0.1:9/sms", "near_ahead": 3}


@pytest.fixture
def sms_hall(tmp_path: Path, qtbot: QtBot) -> Iterator[QtHall]:
    make_application()
    folder = tmp_path / "hub"
    folder.mkdir(mode=0o700)
    write_secret(folder, "k")
    config = config_from_dict({**queue_hall_data(), "sms": SMS})
    with served(folder, config=config) as (hub, url):
        admin = HubClient(url, hub.admin_token_path.read_text().strip())
        client = HubClient(url, admin.add_device("kiosk", "kiosk-1")["token"], timeout=PATIENCE)
        port = HubClientPort(client, tmp_path / "kiosk")
        alerts = AlertSender(client, "kiosk-1")
        keeper = CatalogKeeper(CatalogStore(tmp_path / "kiosk"),
                               fallback=Catalog.from_config(sample_hall()))  # fmt: skip
        keeper.refresh(port)
        printer, speech, reader, clock = FakePrinter(), FakeSpeech(), FakeReader(), FakeClock()
        ctx = Context(hub=port, printer=printer, alerts=alerts,
                      catalog_source=lambda: keeper.current, clock=clock)  # fmt: skip
        model = KioskModel(ctx, keeper=keeper, speech=speech, reader=reader)
        technician = Technician(
            pin_hash=sample_hall().hall.technician_pin_hash, printer=printer, reader=reader,
            hub_check=hub_ok, zone=ZoneInfo(sample_hall().hall.timezone),
        )  # fmt: skip
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


def _kept_phones(hall: QtHall) -> list[tuple[str, str]]:
    uri = (hall.hub.data_dir / "hub.db").as_uri() + "?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as conn:
        return list(conn.execute("SELECT ticket_id, phone FROM sms_subscriptions"))


def test_a_number_entered_on_the_issued_screen_is_kept_by_the_hub_and_shown_masked(
    sms_hall: QtHall,
) -> None:
    sms_hall.tap("ticket")
    sms_hall.tap("cat:A")
    issued = sms_hall.model.current.issued  # type: ignore[union-attr]
    ticket = issued.ticket
    assert ticket.phone_url and ticket.phone_url.startswith(f"{sms_hall.url}/m/")
    assert [s.qr for s in sms_hall.printer.slips] == [ticket.phone_url]  # the printed QR
    sms_hall.tap("sms:start")
    assert sms_hall.window.view.findChild(QLabel, "field-text") is not None
    sms_hall.type("1380000123")
    sms_hall.tap("sms:submit")  # ten digits: explained, nothing sent
    assert any("11位手机号码" in t for t in sms_hall.texts())
    assert _kept_phones(sms_hall) == []
    sms_hall.type("4")
    sms_hall.tap("sms:submit")
    assert _kept_phones(sms_hall) == [(ticket.id, "13800001234")]
    shown = " ".join(sms_hall.texts())
    assert "138****1234" in shown and "13800001234" not in shown
    assert sms_hall.window.view.button("sms:start") is None
