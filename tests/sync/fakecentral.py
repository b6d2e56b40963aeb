"""A small fake central for downlink tests: catalog and appointments with ETags, signed requests.

It speaks the downlink half of docs/sync-protocol.md over real HTTP (``http.server`` on a
loopback port), checks every request's signature with the shared secret, and records what it
was asked. Tests publish catalogs and appointment lists and queue error answers.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sync.credential import Credential
from sync.signing import SignatureError, SignedRequest, verify
from sync.wire import API_PREFIX, catalog_checksum, catalog_etag

HALL = "h-test0001"
SECRET = bytes(range(32))


@dataclass
class Seen:
    """One request as central received it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclass
class FakeCentral:
    """What the fake serves; change it between polls from the test."""

    catalog: dict[str, Any] | None = None  # the whole 200 body, or None for 204
    catalog_etag_header: str | None = None
    appointments: dict[str, dict[str, Any]] = field(default_factory=dict)  # date → body
    errors: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # next answers
    seen: list[Seen] = field(default_factory=list)
    base_url: str = ""

    def publish_catalog(self, version: int, catalog: dict[str, Any], checksum: str = "") -> None:
        """Serve this catalog from now on (checksum computed unless given, e.g. a wrong one)."""
        self.catalog = {
            "version": version,
            "checksum": checksum or catalog_checksum(catalog),
            "catalog": catalog,
        }

    def publish_appointments(self, day: str, version: int, entries: list[dict[str, Any]]) -> None:
        self.appointments[day] = {"date": day, "version": version, "appointments": entries}

    def credential(self, secret: bytes = SECRET) -> Credential:
        return Credential(
            central_url=self.base_url,
            hall=HALL,
            hall_name="测试镇便民服务中心",
            key_id="k-test",
            secret_b64=base64.b64encode(secret).decode(),
        )

    def requests_to(self, suffix: str) -> list[Seen]:
        return [s for s in self.seen if s.path.endswith(suffix)]


def _handler(central: FakeCentral) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(
            self, status: int, body: Any = None, headers: dict[str, str] | None = None
        ) -> None:
            raw = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            if raw:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            central.seen.append(Seen("GET", parts.path, query, dict(self.headers.items())))
            try:
                signed = SignedRequest.from_headers(dict(self.headers.items()))
                verify(signed, SECRET, "GET", self.path, b"", time.time())
            except SignatureError as err:
                self._send(401, {"error": err.code, "message": err.message})
                return
            if central.errors:
                status, headers = central.errors.pop(0)
                self._send(status, {"error": "busy", "message": "try later"}, headers)
                return
            hall_path = f"{API_PREFIX}/halls/{HALL}"
            wanted = self.headers.get("If-None-Match")
            if parts.path == f"{hall_path}/catalog":
                body = central.catalog
                if body is None:
                    self._send(204)
                    return
                tag = central.catalog_etag_header or catalog_etag(body["version"], body["checksum"])
                self._send(
                    304 if wanted == tag else 200, None if wanted == tag else body, {"ETag": tag}
                )
                return
            if parts.path == f"{hall_path}/appointments":
                listing = central.appointments.get(query.get("date", ""))
                if listing is None:
                    listing = {"date": query.get("date"), "version": 0, "appointments": []}
                tag = f'"{listing["version"]}"'
                self._send(
                    304 if wanted == tag else 200, None if wanted == tag else listing, {"ETag": tag}
                )
                return
            self._send(404, {"error": "not_found", "message": parts.path})

    return Handler


@contextmanager
def running() -> Iterator[FakeCentral]:
    """A fake central on a free loopback port for the duration of the block."""
    central = FakeCentral()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(central))
    server.daemon_threads = True
    central.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield central
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
