"""Putting the kiosk together from the box's settings (``appkit.startup.AppSetup``): hub, devices,
catalog, model, window (the QApplication is ``appkit.qtapp.make_application``).

Every device is optional: with no printer configured the number is shown and read aloud, with no
reader nobody needs to swipe, with no token or hub the guides still come from the local catalog
copy and taking a ticket says to go to the staffed desk.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from appkit.qtapp import make_application
from appkit.startup import AppSetup, AppSetupError
from devices.errors import DeviceError
from devices.health import Health, HealthState
from devices.printer.layout import PAPER_58, PAPER_80
from devices.printer.service import PrinterService
from devices.speech.service import SpeechService
from hub.alert_sender import AlertSender
from hub.client import HubClient
from hub.errors import HubError
from hub.presence import HubPresence
from kiosk.app_model import KioskModel, Role
from kiosk.catalog import Catalog, CatalogKeeper, CatalogStore
from kiosk.devices_adapter import ReaderPort, SpeechPortAdapter
from kiosk.facts import HallFacts
from kiosk.hub_adapter import HubClientPort
from kiosk.hub_watch import SettingsWatch
from kiosk.journeys.base import Context, SystemClock
from kiosk.ports import PrinterPort
from kiosk.printer_adapter import NoPrinter, ServicePrinter
from kiosk.qt.maintenance import Technician
from kiosk.qt.window import KioskWindow, freeze, install_excepthook
from kiosk.settings import kiosk_settings
from kiosk.staff import ConfigStaff, HubStaff

log = logging.getLogger(__name__)

HUB_TIMEOUT = 5.0  # seconds per hub call; a worker waits, never the screen


def emblem_path(setup: AppSetup) -> str:
    """The hall's emblem image (``hall.emblem``, relative to the configuration file), or ""
    for the built-in one."""
    name = setup.config.hall.emblem
    if not name:
        return ""
    path = Path(name)
    if not path.is_absolute() and setup.config_path is not None:
        path = setup.config_path.parent / path
    return str(path)


@dataclass
class Kiosk:
    model: KioskModel
    window: KioskWindow
    keeper: CatalogKeeper
    closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        for close in reversed(self.closers):
            try:
                close()
            except Exception:  # shutting down: log and go on with the rest
                log.exception("closing a kiosk service failed")


def _printer(setup: AppSetup, closers: list[Callable[[], None]]) -> PrinterPort:
    address = setup.settings.printer
    if not address:
        log.info("no printer configured: tickets are shown and read aloud")
        return NoPrinter()
    page = PAPER_58 if setup.settings.printer_width == 58 else PAPER_80
    try:
        service = PrinterService(address, page=page, record_dir=setup.data_dir).start()
    except DeviceError as err:
        log.error("printer %s cannot be used: %s", address, err)
        return NoPrinter()
    closers.append(service.stop)
    return ServicePrinter(service, zone=ZoneInfo(setup.config.hall.timezone))


def build_kiosk(setup: AppSetup, role: Role, *, maintain_ms: int = 30_000) -> Kiosk:
    """The model and window for this box; devices started, nothing drawn yet. Raises nothing a
    technician cannot read: a missing token or device is logged and the kiosk starts without."""
    closers: list[Callable[[], None]] = []
    try:
        token = setup.require_token()
    except AppSetupError as err:
        log.warning("%s; the kiosk starts with guides only", err)
        token = ""
    client = HubClient(setup.hub_url, token, timeout=HUB_TIMEOUT)
    port = HubClientPort(client, setup.data_dir)
    closers.append(port.close)
    fallback = Catalog.from_config(setup.config)
    keeper = CatalogKeeper(CatalogStore(setup.data_dir), fallback=fallback)
    printer = _printer(setup, closers)
    reader: ReaderPort | None = None
    if setup.settings.idcard:
        try:
            reader = ReaderPort.start(setup.settings.idcard)
            closers.append(reader.stop)
        except DeviceError as err:
            log.error("ID-card reader %s cannot be used: %s", setup.settings.idcard, err)
    speech: SpeechPortAdapter | None = None
    if setup.settings.speech.enabled:
        service = SpeechService(setup.settings.speech, record_dir=setup.data_dir)
        service.start()
        closers.append(lambda: service.stop(2.0))
        speech = SpeechPortAdapter(service)
    config = setup.config
    settings = kiosk_settings(config, setup.box)
    own_staff = ConfigStaff(config.staff)
    staff = HubStaff(client.confirm_staff, own_staff) if token else own_staff
    ctx = Context(
        hub=port,
        printer=printer,
        alerts=AlertSender(client, setup.box),
        catalog_source=lambda: keeper.current,
        clock=SystemClock(ZoneInfo(config.hall.timezone)),
        settings=settings,
        hall=HallFacts.from_config(config),
        staff=staff if staff else None,
        presence=HubPresence(setup.box),  # its log lines name the box
    )
    model = KioskModel(
        ctx,
        role=role,
        keeper=keeper,
        speech=speech,
        reader=reader,
        flush_feedback=port.flush_feedback,
    )

    def hub_check() -> Health:
        try:
            client.health()
        except HubError as err:
            return Health(
                "hub", HealthState.ERROR, "连不上集中控制器", "请检查网线和集中控制器", str(err)
            )
        return Health("hub", HealthState.OK, detail=setup.hub_url)

    technician = Technician(
        pin_hash=setup.config.hall.technician_pin_hash,
        printer=printer,
        reader=reader,
        hub_check=hub_check,
        zone=ZoneInfo(setup.config.hall.timezone),
        box=setup.box,
    )
    window = KioskWindow(model, technician, maintain_ms=maintain_ms, emblem=emblem_path(setup))
    if token:
        # A manager's edit or central's catalog: refresh at once, not at the next period.
        nudge = _Nudge(window)
        nudge.poke.connect(window.start_maintain, Qt.ConnectionType.QueuedConnection)
        watch = SettingsWatch(HubClient(setup.hub_url, token, timeout=HUB_TIMEOUT), nudge.poke.emit)
        watch.start()
        closers.append(watch.stop)
    return Kiosk(model, window, keeper, closers)


class _Nudge(QObject):
    """Carries the settings watch's call from its thread to the GUI thread."""

    poke = Signal()


def run(setup: AppSetup, role: Role, *, windowed: bool = False) -> int:
    """Run the kiosk until the technician exits; returns the exit status."""
    app = make_application()
    kiosk = build_kiosk(setup, role)
    install_excepthook(kiosk.window)
    if windowed:
        kiosk.window.resize(540, 960)
        kiosk.window.show()
    else:
        kiosk.window.showFullScreen()
    kiosk.window.refresh(force=True)
    freeze()  # after startup: the app's long-lived objects leave the collector's generations

    def first_maintain() -> None:
        kiosk.keeper.load_saved()
        kiosk.model.maintain()

    QTimer.singleShot(0, lambda: kiosk.window.run_in_pool(first_maintain))
    try:
        return int(app.exec())
    finally:
        kiosk.close()
