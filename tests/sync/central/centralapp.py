"""Helpers for central tests: a settable clock, a hub that signs its requests, a live server."""

from __future__ import annotations

import base64
import gzip
import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from fastapi.testclient import TestClient

from sync.central.server import Central, uvicorn_config
from sync.credential import Credential
from sync.signing import sign_headers
from sync.wire import API_PREFIX
from tests.timing import PATIENCE

T0 = 1_790_000_000.0  # 2026-09-21, an arbitrary fixed instant


@dataclass
class FakeNow:
    """A clock in Unix seconds that moves only when a test moves it."""

    t: float = T0

    def __call__(self) -> float:
        return self.t


def event(
    seq: int,
    type_: str = "ticket.issued",
    payload: dict[str, Any] | None = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    """One wire event; ticket events get a minimal valid ticket payload by default."""
    if payload is None:
        payload = {"ticket": {"id": f"t-{seq}", "number": f"A{seq:03d}"}}
        if type_ in ("ticket.called", "ticket.finished"):
            payload["window"] = 3
    return {
        "seq": seq,
        "event_id": event_id or str(uuid.uuid4()),
        "type": type_,
        "schema_version": 1,
        "wall_time": "2026-09-21T09:30:00.000+08:00",
        "mono_ns": seq * 1000,
        "boot_id": "boot-1",
        "clock_trusted": True,
        "payload": payload,
    }


@dataclass
class SignedHub:
    """A hub's side of the protocol over a TestClient: signs every request with its key."""

    client: TestClient
    hall: str
    key_id: str
    secret: bytes
    now: FakeNow
    sent: list[dict[str, str]] = field(default_factory=list)

    def request(
        self,
        method: str,
        target: str,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        timestamp: float | None = None,
    ) -> httpx.Response:
        """Send a signed request; ``target`` is the path (and query) below the API prefix."""
        full = API_PREFIX + target
        signed = sign_headers(
            self.secret,
            self.key_id,
            method,
            full,
            body,
            int(self.now() if timestamp is None else timestamp),
        )
        all_headers = {**signed, **(headers or {})}
        self.sent.append(all_headers)
        return self.client.request(method, full, content=body or None, headers=all_headers)

    def batch_body(self, events: list[dict[str, Any]], hub_last_seq: int | None = None) -> bytes:
        last = hub_last_seq if hub_last_seq is not None else (events[-1]["seq"] if events else 0)
        raw = {"hall": self.hall, "hub_last_seq": last, "sent_at": "now", "events": events}
        return json.dumps(raw, ensure_ascii=False).encode("utf-8")

    def send(
        self,
        events: list[dict[str, Any]],
        hub_last_seq: int | None = None,
        compress: bool = True,
        idempotency_key: str | None = None,
    ) -> httpx.Response:
        """POST the events as one batch (gzip by default)."""
        body = self.batch_body(events, hub_last_seq)
        headers = {"Content-Type": "application/json"}
        if compress:
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        return self.request("POST", f"/halls/{self.hall}/events", body, headers)


def enroll(client: TestClient, code: str, now: FakeNow) -> SignedHub:
    """Enroll through the API with ``code``; the hub that holds the new key."""
    answer = client.post(API_PREFIX + "/enroll", json={"code": code, "hub_name": "hub-test"})
    answer.raise_for_status()
    data = answer.json()
    return SignedHub(client, data["hall"], data["key_id"], base64.b64decode(data["secret"]), now)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def live_central(central: Central, tls: tuple[str, str] | None = None) -> Iterator[str]:
    """Serve ``central`` with uvicorn on a loopback port in a thread; yields the base URL."""
    port = free_port()
    config = uvicorn_config(central.app, f"127.0.0.1:{port}", *(tls if tls else (None, None)))
    config.timeout_graceful_shutdown = 1
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + PATIENCE
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("test central did not start")
        time.sleep(0.02)
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(PATIENCE)


def credential_for(
    central: Central, base_url: str, name: str = "测试大厅", ca_file: str | None = None
) -> Credential:
    """Register a hall and enroll it directly in the store; the hub's credential."""
    _, code = central.store.add_hall(name)
    done = central.store.enroll(code, "127.0.0.1")
    return Credential(
        central_url=base_url,
        hall=done.hall,
        hall_name=done.hall_name,
        key_id=done.key_id,
        secret_b64=done.secret_b64,
        ca_file=ca_file,
    )
