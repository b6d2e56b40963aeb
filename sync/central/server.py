"""Running the reference central: open its database, build the app, serve with uvicorn.

The database is a SQLite file in the data folder (the embedded default) or PostgreSQL
(``--db postgresql://…`` or ``HALLKIT_CENTRAL_DB``). With ``workers`` > 1, uvicorn's own
supervisor runs that many worker processes on one listening socket and restarts any that dies
or hangs; each worker opens its own pool on the shared database, so any worker answers any
hall (docs/central.md).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp
from uvicorn.supervisors import Multiprocess

from sync.central.app import create_central_app
from sync.central.apt_routes import with_apt_repo
from sync.central.faults import Faults
from sync.central.forwarder import Forwarder, WithForwarder
from sync.central.protocol import CentralHttp
from sync.central.province import config_from_env
from sync.central.store import CentralStore

log = logging.getLogger(__name__)

DB_NAME = "central.db"
ADMIN_TOKEN = "admin.token"  # noqa: S105 - a file name, not a secret
DB_ENV = "HALLKIT_CENTRAL_DB"
"""Environment variable naming central's database when ``--db`` is not given (a URL with a
password is better kept out of the process list: systemd's EnvironmentFile)."""
_WORKER_ENV = "HALLKIT_CENTRAL_WORKER"


@dataclass
class Central:
    """One central's data folder, store and application."""

    data_dir: Path
    store: CentralStore
    app: ASGIApp
    admin_token: str
    new_admin_token: bool

    @property
    def admin_token_path(self) -> Path:
        return self.data_dir / ADMIN_TOKEN


def open_store(data_dir: str | Path | None, db: str | None = None) -> CentralStore:
    """Central's store: the database ``db`` names (a ``postgresql://`` URL or a file), else
    ``central.db`` in ``data_dir`` (created, mode 0700, if missing); raises StoreError."""
    if db:
        return CentralStore(db)
    if data_dir is None:
        raise ValueError("central needs --data DIR or --db URL")
    folder = Path(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    return CentralStore(folder / DB_NAME)


def database_of(db: str | None) -> str | None:
    """``db`` as given, else ``HALLKIT_CENTRAL_DB`` from the environment, else None (SQLite)."""
    return db or os.environ.get(DB_ENV) or None


def ensure_admin_token(path: Path) -> tuple[str, bool]:
    """The admin token in ``path``, written (0600) if missing; and whether it is new."""
    if path.exists():
        token = path.read_text(encoding="ascii").strip()
        if token:
            return token, False
    token = secrets.token_urlsafe(24)
    temp = path.with_suffix(".tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(token + "\n")
    os.replace(temp, path)
    return token, True


def open_central(
    data_dir: str | Path, faults: Faults | None = None, db: str | None = None
) -> Central:
    """Open (or create) a central in ``data_dir`` (its admin token; its database unless ``db``
    names one); raises StoreError, or ProvinceError for a bad province configuration (which
    ``hall central serve`` puts in the environment so that every worker sends 好差评 records)."""
    folder = Path(data_dir)
    province = config_from_env()
    store = open_store(folder, db)
    token, new = ensure_admin_token(folder / ADMIN_TOKEN)
    app = create_central_app(store, admin_token=token, faults=faults)
    app = with_apt_repo(app, store, folder)  # /apt/, once `hall central repo init` made it
    if province is not None:
        app = WithForwarder(app, Forwarder(store, province))
    return Central(folder, store, app, token, new)


def parse_bind(bind: str) -> tuple[str, int]:
    """``HOST:PORT`` → (host, port); raises ValueError with a plain message."""
    host, sep, port = bind.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"--bind expects HOST:PORT such as 127.0.0.1:8800, got {bind!r}")
    return host.strip("[]") or "127.0.0.1", int(port)


def uvicorn_config(
    app: ASGIApp | str, bind: str, tls_cert: str | None = None, tls_key: str | None = None
) -> uvicorn.Config:
    """The server settings central runs with (our own Date header, TLS when both files given).

    Raises ValueError for a bad bind or only one of the TLS files.
    """
    host, port = parse_bind(bind)
    if bool(tls_cert) != bool(tls_key):
        raise ValueError("TLS needs both --tls-cert and --tls-key")
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        log_config=None,  # its lines go through ours (the journal's priorities)
        access_log=False,
        timeout_graceful_shutdown=2,
        date_header=False,  # the app sets Date from central's clock; two would confuse hubs
        server_header=False,
        ssl_certfile=tls_cert,
        ssl_keyfile=tls_key,
        http=CentralHttp,  # a request uvicorn cannot parse still gets a JSON refusal
    )


def serve(
    central: Central,
    bind: str,
    tls_cert: str | None = None,
    tls_key: str | None = None,
    *,
    workers: int = 1,
    db: str | None = None,
    faults: Faults | None = None,
) -> None:
    """Serve until SIGINT/SIGTERM, then close the store.

    With ``workers`` > 1 the store opened here is closed and uvicorn's supervisor starts the
    workers; each opens ``central.data_dir`` and ``db`` itself (:func:`worker_app`).
    """
    if workers <= 1:
        config = uvicorn_config(central.app, bind, tls_cert, tls_key)
        try:
            uvicorn.Server(config).run()
        finally:
            central.store.close()
        return
    central.store.close()
    os.environ[_WORKER_ENV] = json.dumps(
        {
            "data": str(central.data_dir),
            "db": db,
            "faults": None
            if faults is None
            else [faults.fail_rate, faults.lose_answer_rate, faults.seed],
        }
    )
    config = uvicorn_config("sync.central.server:worker_app", bind, tls_cert, tls_key)
    config.workers = workers
    config.factory = True
    config.timeout_worker_healthcheck = 10
    Multiprocess(config, sockets=[config.bind_socket()]).run()


def worker_app() -> ASGIApp:
    """The app of one worker process (uvicorn calls it in each worker it starts)."""
    settings = json.loads(os.environ[_WORKER_ENV])
    faults = None if settings["faults"] is None else Faults(*settings["faults"])
    return open_central(settings["data"], faults, settings["db"]).app
