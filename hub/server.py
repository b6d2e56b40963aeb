"""Running the hub: open its data folder, build the engine and the API, serve with uvicorn."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import uvicorn
from fastapi import FastAPI

from config import HallConfig, load_config, sample_hall
from hub.accounts import AccountBook
from hub.alert_monitor import AlertMonitor
from hub.api import create_app
from hub.api_update import install_update
from hub.auth import DeviceRegistry
from hub.case_lookup import LOOKUP_TIMEOUT_SECONDS, CaseLookup
from hub.catalog import Catalog
from hub.config_book import ConfigBook, effective_at_start
from hub.connections import ConnectionLimits, guarded_protocol
from hub.datadir import READ_ONLY, check_store_present, prepare_folder
from hub.downlink import start_downlink
from hub.engine import QueueEngine
from hub.events import EventBroker
from hub.fleet import FleetBook
from hub.identity import load_secret
from hub.limits import BodyLimit
from hub.manage.admin_pages import install_admin_pages
from hub.manage.pages import install_pages
from hub.manage.routes import install_console
from hub.phone.uplink import PhoneUplink
from hub.sessions import Sessions
from hub.sms.service import SmsService, open_sms
from hub.tables import ALL_MIGRATIONS
from sync.clock import Clock, SystemClock
from sync.credential import CredentialError, load_credential
from sync.downlink import Downlink
from sync.errors import StoreError
from sync.figure_uplink import FigureUplink
from sync.http import CentralClient
from sync.store import Store
from sync.uplink import Uplink

log = logging.getLogger(__name__)

DB_NAME = "hub.db"
SECRET_NAME = "hall.secret"  # noqa: S105 - config.schema's default hall.secret_file
ADMIN_TOKEN = "admin.token"  # noqa: S105 - a file name, not a secret


@dataclass
class Hub:
    """Everything one running hub is made of."""

    data_dir: Path
    config: HallConfig
    store: Store
    engine: QueueEngine
    registry: DeviceRegistry
    broker: EventBroker
    app: FastAPI
    new_admin_token: str | None
    catalog: Catalog
    accounts: AccountBook
    sessions: Sessions
    book: ConfigBook
    downlink: Downlink | None = None
    uplink: Uplink | None = None
    monitor: AlertMonitor | None = None
    phone_uplink: PhoneUplink | None = None
    sms: SmsService | None = None

    @property
    def admin_token_path(self) -> Path:
        return self.data_dir / ADMIN_TOKEN


def open_store(
    data_dir: str | Path, *, new_store: bool = False, secret_path: Path | None = None
) -> Store:
    """The hub store in ``data_dir`` (folder created, mode 0700, if missing).

    Raises StoreError with a sentence when the folder cannot be written, or when the store is
    empty or missing in a folder where a hub has run (``hall.secret`` or ``admin.token`` there;
    ``secret_path`` if the hall keeps its secret elsewhere) unless ``new_store``
    (:mod:`hub.datadir`); and when the store itself cannot be opened.
    """
    folder = Path(data_dir)
    marks = [secret_path or folder / SECRET_NAME, folder / ADMIN_TOKEN]
    check_store_present(folder, folder / DB_NAME, marks, new_store)
    prepare_folder(folder)
    return Store(folder / DB_NAME, ALL_MIGRATIONS)


def open_hub(
    data_dir: str | Path,
    config_path: str | Path | None = None,
    *,
    always_open: bool = False,
    clock: Clock | None = None,
    config: HallConfig | None = None,
    new_store: bool = False,
) -> Hub:
    """Open (or create) a hub in ``data_dir``; raises ConfigError or StoreError.

    The hall is ``config`` if given (tests), else the file ``config_path``, else the sample.
    Relative staff photo paths are taken beside ``config_path`` (else the working directory).
    ``new_store`` lets a folder where a hub ran start again with an empty store (see
    :func:`open_store`).
    """
    folder = Path(data_dir)
    if config is None:
        config = load_config(config_path) if config_path else sample_hall()
    photo_root = Path(config_path).resolve().parent if config_path else Path.cwd()
    secret_path = Path(config.hall.secret_file)
    if not secret_path.is_absolute():
        secret_path = folder / secret_path
    store = open_store(folder, new_store=new_store, secret_path=secret_path)
    try:
        secret = load_secret(secret_path)
        engine = QueueEngine(
            store,
            config,
            clock or SystemClock(),
            secret,
            enforce_hours=False if always_open else None,
        )
        registry = DeviceRegistry(store, {w.number for w in config.windows})
        new_token = registry.ensure_admin_token(folder / ADMIN_TOKEN)
    except OSError as err:
        store.close()
        raise StoreError(READ_ONLY.format(folder=folder, why=err.strerror or err)) from err
    # The store's latest configuration version is in force, unless the file is new or changed.
    engine.use_config(effective_at_start(engine, config))
    broker = EventBroker()
    catalog = Catalog(engine)
    catalog.restore()  # a hub started offline serves the last catalog it applied
    registry.windows = {w.number for w in engine.config.windows}
    book = ConfigBook(engine, catalog, registry)
    accounts = AccountBook(store, engine._run, engine.clock, engine.calendar.zone)
    sessions = Sessions(accounts, engine.clock, config.manage.session_idle_minutes)
    app = create_app(
        engine,
        registry,
        broker,
        catalog=catalog,
        photo_root=photo_root,
        cases=CaseLookup(engine, _lookup_client(folder)),
        sessions=sessions,
    )
    install_update(app, registry, folder, FleetBook(engine, folder))  # /api/v1/update/…
    install_console(app, store, registry, accounts, sessions, config.hall.name)  # /manage/
    install_pages(app, engine, broker)
    install_admin_pages(app, engine, book)
    app.add_middleware(BodyLimit)  # added last, so it runs first: nothing reads a body before it
    hub = Hub(
        folder,
        config,
        store,
        engine,
        registry,
        broker,
        app,
        new_token,
        catalog=catalog,
        accounts=accounts,
        sessions=sessions,
        book=book,
    )
    hub.uplink = _build_uplink(hub)
    hub.sms = app.state.sms = open_sms(engine, folder)  # docs/sms.md
    return hub


def parse_bind(bind: str) -> tuple[str, int]:
    """``HOST:PORT`` → (host, port); raises ValueError with a plain message."""
    host, sep, port = bind.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"--bind expects HOST:PORT such as 0.0.0.0:8700, got {bind!r}")
    return host.strip("[]") or "0.0.0.0", int(port)  # noqa: S104 - the hub serves the hall LAN


def _start_downlink(hub: Hub) -> None:
    """Pull catalog and appointments from central when the hub is enrolled (DATA/central.json).

    A credential the hub cannot read is logged, not fatal: the hall's queue never needs central.
    """
    try:
        hub.downlink = start_downlink(hub.data_dir, hub.engine, hub.catalog, hub.config.sync)
    except CredentialError as err:
        log.error("no catalog or appointments from central: %s", err)


def _lookup_client(folder: Path) -> CentralClient | None:
    """A signed client with a short time limit for case lookups, when the hub is enrolled."""
    try:
        credential = load_credential(folder)
    except CredentialError as err:
        log.error("case lookups answer from the hall's records only: %s", err)
        return None
    if credential is None:
        return None
    return CentralClient(credential, timeout=LOOKUP_TIMEOUT_SECONDS)


def _build_uplink(hub: Hub) -> Uplink:
    """The hub's uplink to central, ready to start; every commit of the engine wakes it.

    Without ``DATA/central.json`` (or with one the hub cannot read, which is logged) it is
    built unenrolled: its status still counts the backlog, and the hall works on regardless.
    """
    try:
        credential = load_credential(hub.data_dir)
    except CredentialError as err:
        log.error("not sending events to central: %s", err)
        credential = None
    sync = hub.config.sync
    client = CentralClient(credential, timeout=sync.request_timeout_seconds) if credential else None
    figures = FigureUplink(hub.store, lambda: hub.engine.calendar, hub.engine.clock.now)
    uplink = Uplink(
        hub.store,
        sync,
        client,
        hub.engine.clock,
        zone=ZoneInfo(hub.config.hall.timezone),
        on_events=hub.broker.publish,
        figures=figures,
    )
    hub.engine.subscribe(lambda _events: uplink.wake())
    hub.app.state.sync_status = lambda: _sync_status(hub, uplink)
    if client is not None and hub.config.phone.public_base_url:
        # phone pages through central (docs/phone.md); its own client: its own session
        phones = CentralClient(client.credential, timeout=sync.request_timeout_seconds)
        hub.phone_uplink = hub.app.state.phone_uplink = PhoneUplink(hub.engine, phones)
    return uplink


def _sync_status(hub: Hub, uplink: Uplink) -> dict[str, Any]:
    """``GET /api/v1/sync``: the uplink's snapshot with the downlink's beside it."""
    status = uplink.status().to_dict()
    status["downlink"] = hub.downlink.status().to_dict() if hub.downlink is not None else None
    return status


def serve(hub: Hub, bind: str, limits: ConnectionLimits | None = None) -> None:
    """Serve the hub's API until SIGINT/SIGTERM, with the connection ``limits`` (default: the
    hub's, :mod:`hub.connections`)."""
    host, port = parse_bind(bind)
    log.debug("hub %s listening on http://%s:%d", hub.config.hall.id, host, port)
    _start_downlink(hub)
    if hub.uplink is not None:
        hub.uplink.start()
    if hub.phone_uplink is not None:
        hub.phone_uplink.start()
    hub.monitor = AlertMonitor(hub.engine)  # wait and pause alerts, every 30 s
    hub.monitor.start()
    if hub.sms is not None:
        hub.sms.start()  # sends queued SMS on its own thread
    hub.registry.watch()  # tokens revoked by another process end their streams
    hub.app.state.fleet.watch()  # the hub box's own update state (hall update run)
    try:
        uvicorn.run(
            hub.app,
            host=host,
            port=port,
            log_level="warning",
            log_config=None,  # its lines go through ours (the journal's priorities)
            access_log=False,
            timeout_graceful_shutdown=2,
            http=guarded_protocol(limits),
        )
    finally:
        hub.monitor.stop()
        if hub.sms is not None:
            hub.sms.stop()
        hub.registry.stop_watching()
        if hub.downlink is not None:
            hub.downlink.stop()
        if hub.uplink is not None:
            hub.uplink.stop()
        if hub.phone_uplink is not None:
            hub.phone_uplink.stop()
    hub.store.close()
