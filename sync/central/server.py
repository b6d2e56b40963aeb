"""Running the reference central: open its data folder, build the app, serve with uvicorn."""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp

from sync.central.app import create_central_app
from sync.central.faults import Faults
from sync.central.protocol import CentralHttp
from sync.central.store import CentralStore

log = logging.getLogger(__name__)

DB_NAME = "central.db"
ADMIN_TOKEN = "admin.token"  # noqa: S105 - a file name, not a secret


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


def open_store(data_dir: str | Path) -> CentralStore:
    """Central's store in ``data_dir`` (created, mode 0700, if missing); raises StoreError."""
    folder = Path(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    return CentralStore(folder / DB_NAME)


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


def open_central(data_dir: str | Path, faults: Faults | None = None) -> Central:
    """Open (or create) a central in ``data_dir``; raises StoreError."""
    folder = Path(data_dir)
    store = open_store(folder)
    token, new = ensure_admin_token(folder / ADMIN_TOKEN)
    app = create_central_app(store, admin_token=token, faults=faults)
    return Central(folder, store, app, token, new)


def parse_bind(bind: str) -> tuple[str, int]:
    """``HOST:PORT`` → (host, port); raises ValueError with a plain message."""
    host, sep, port = bind.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"--bind expects HOST:PORT such as 127.0.0.1:8800, got {bind!r}")
    return host.strip("[]") or "127.0.0.1", int(port)


def uvicorn_config(
    app: ASGIApp, bind: str, tls_cert: str | None = None, tls_key: str | None = None
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
    central: Central, bind: str, tls_cert: str | None = None, tls_key: str | None = None
) -> None:
    """Serve until SIGINT/SIGTERM, then close the store."""
    config = uvicorn_config(central.app, bind, tls_cert, tls_key)
    try:
        uvicorn.Server(config).run()
    finally:
        central.store.close()
