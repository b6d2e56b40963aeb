"""Fakes and helpers for the board and display tests: a speech engine that records, a served hub
with tokens, and the hub's JSON of a ticket, a window state and the queue (the shapes of
hub.wire's models, which the board models read)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devices.idnumber import check_digit
from hub.client import HubClient

FIRST17 = "32040219800101123"
ID_NUMBER = FIRST17 + check_digit(FIRST17)
FULL_NAME = "张小三"


def wire_ticket(number: str, **fields: Any) -> dict[str, Any]:
    """A ticket's JSON as the hub sends it (hub.wire.Ticket): waiting, unless ``fields`` say."""
    return {
        "id": f"t-{number}",
        "number": number,
        "service_day": "2026-11-22",
        "category": number[0],
        "lane": "ordinary",
        "status": "waiting",
        "issued_at": "2026-11-22T09:00:00+08:00",
        **fields,
    }


def wire_window(number: int, **fields: Any) -> dict[str, Any]:
    """A window state's JSON as the hub sends it (hub.wire.WindowState): idle, unless ``fields``
    say."""
    return {
        "number": number,
        "name": f"{number}号窗口",
        "categories": [],
        "status": "idle",
        **fields,
    }


def wire_queue(waiting: dict[str, dict[str, int]], **fields: Any) -> dict[str, Any]:
    """``GET /queue``'s JSON (hub.wire.QueueOverview) with ``waiting`` per category and lane."""
    today = {"service_day": "2026-11-22", "issued": 0, "finished": 0}
    return {"waiting": waiting, "today": today, **fields}


class RecordingEngine:
    """A speech engine that says nothing; records what it said, when, and how many at once."""

    def __init__(self, seconds: float = 0.02) -> None:
        self.seconds = seconds
        self.lock = threading.Lock()
        self.spoken: list[str] = []
        self.active = 0
        self.most_active = 0

    def check(self) -> None:
        """Always ready."""

    def speak(self, text: str) -> None:
        with self.lock:
            self.active += 1
            self.most_active = max(self.most_active, self.active)
        time.sleep(self.seconds)
        with self.lock:
            self.active -= 1
            self.spoken.append(text)

    def write_wav(self, text: str, path: Path) -> None:
        path.write_bytes(b"RIFF\x24\x00\x00\x00WAVE")


@dataclass
class HallTokens:
    admin: HubClient
    kiosk: HubClient
    counters: dict[int, HubClient]
    board_token: str
    display_token: str


def hall_tokens(url: str, admin_token: str, board_window: int = 1) -> HallTokens:
    """Tokens for a kiosk, counters 1–3, a board of ``board_window`` and a display."""
    admin = HubClient(url, admin_token)
    kiosk = HubClient(url, admin.add_device("kiosk", "kiosk-1")["token"])
    counters = {
        n: HubClient(url, admin.add_device("counter", f"counter-{n}", n)["token"])
        for n in (1, 2, 3)
    }
    board = admin.add_device("board", f"board-{board_window}", board_window)["token"]
    display = admin.add_device("display", "display-1")["token"]
    return HallTokens(admin, kiosk, counters, board, display)
