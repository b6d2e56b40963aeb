"""Shared by the SMS tests: a hall with SMS on, an engine with the SMS hook, a recording gateway."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

from appkit.net import free_port
from config import HallConfig
from hall.hubprocess import ROOT
from hub.engine import QueueEngine
from hub.sms.gateways import GatewayRefused, GatewayUnavailable, Message
from hub.sms.queueing import SmsHook
from hub.sms.service import SmsService
from sync.store import Store
from tests.timing import PATIENCE, wait_for

SECRET = "gateway-test-secret"
WEBHOOK = {"gateway": "webhook", "endpoint": "http://127.0.0.1:9/sms", "near_ahead": 2}


def sms_engine(
    make_engine: Callable[..., QueueEngine], hall_with: Callable[..., HallConfig], **sms: Any
) -> tuple[QueueEngine, SmsService]:
    """An engine on the sample hall with SMS on (webhook, near at 2 ahead) and its hook."""
    engine = make_engine(hall_with(sms={**WEBHOOK, **sms}), enforce_hours=False)
    settings = engine.config.sms
    engine.add_hook(SmsHook(settings, settings.sign_name or engine.config.hall.name))
    return engine, SmsService(engine, True)


def outbox(store: Store) -> list[dict[str, Any]]:
    """Every row of sms_outbox, oldest first, params decoded."""
    rows = list(store.reader().query("SELECT * FROM sms_outbox ORDER BY id"))
    for row in rows:
        row["params"] = json.loads(row["params"])
    return rows


class RecordingGateway:
    """Takes every message (or fails as told) and remembers what it took."""

    def __init__(self) -> None:
        self.taken: list[Message] = []
        self.down = False
        self.refuse = False

    def send(self, message: Message) -> str:
        if self.down:
            raise GatewayUnavailable("gateway down (test)")
        if self.refuse:
            raise GatewayRefused("number refused (test)")
        self.taken.append(message)
        return f"g-{len(self.taken)}"


class FakeGateway:
    """tests/hub/sms/sms_gateway.py in its own process, on a fixed port across restarts."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.record = folder / "gateway.jsonl"
        self.hold = folder / "gateway.hold"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "tests.hub.sms.sms_gateway", "--port", str(self.port),
                   "--secret", SECRET, "--record", str(self.record), "--hold", str(self.hold)]  # fmt: skip
        self.process = subprocess.Popen(command, cwd=ROOT)
        wait_for(self._listening, "the fake gateway listens")

    def _listening(self) -> bool:
        with closing(socket.socket()) as sock:
            return sock.connect_ex(("127.0.0.1", self.port)) == 0

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(PATIENCE)

    def received(self) -> list[dict[str, Any]]:
        return _lines(self.record)

    def duplicates(self) -> list[dict[str, Any]]:
        return _lines(self.record.with_name(self.record.name + ".dup"))


def _lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
