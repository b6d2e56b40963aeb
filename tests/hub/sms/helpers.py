"""Shared by the SMS tests: a hall with SMS on, an engine with the SMS hook, a recording gateway."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from config import HallConfig
from hub.engine import QueueEngine
from hub.sms.gateways import GatewayRefused, GatewayUnavailable, Message
from hub.sms.queueing import SmsHook
from hub.sms.service import SmsService
from sync.store import Store

WEBHOOK = {"gateway": "webhook", "endpoint": "http://127.0.0.1:9/sms", "near_ahead": 2}


def sms_engine(
    make_engine: Callable[..., QueueEngine], hall_with: Callable[..., HallConfig], **sms: Any
) -> tuple[QueueEngine, SmsService]:
    """An engine on the sample hall with SMS on (webhook, near at 2 ahead) and its hook."""
    engine = make_engine(hall_with(sms={**WEBHOOK, **sms}), enforce_hours=False)
    settings = engine.config.sms
    engine.add_hook(SmsHook(settings, settings.sign_name or engine.config.hall.name, engine))
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
