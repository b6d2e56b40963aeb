"""A hall day played through the real hub's HTTP API, for the report tests.

Wednesday 2025-03-12 in the sample hall's windows 1 (A, B), 2 (A, C) and 3 (A, D, E), with
three clerks on a fast PIN hash. What happens, by hall time (the test's FixedClock):

    08:55 1001 signs in at window 1, 1002 at window 2
    09:00 T1 A001 (item a1)   09:01 T2 A002   09:02 T3 C001 (item c1)   09:03 T4 B001
    09:04 T5 A003 (item a1)
    09:05 w1 calls T1 (wait 300), 09:05:30 recalls it
    09:06 w2 calls T2 (wait 300)
    09:10 w1 finishes T1 (300 s), rated 1
    09:11 w2 skips T2
    09:12 w1 calls T4 (wait 540);  09:13 transfers it to category C
    09:14 w2 calls T3 (wait 720);  09:20 finishes it (360 s), rated 4 (差评)
    09:21 T2 re-queued at the kiosk (its miss is undone)
    09:22 w1 calls T5 (wait 1080); 09:30 finishes it (480 s), no rating (timeout)
    09:31 w1 pauses; 09:46 resumes (900 s)
    09:32 w2 calls T4 (transferred; no second wait); 09:40 finishes it (480 s), rated 2
    09:41 w2 calls T2 again (same window: not a new 接待); 09:45 finishes it (240 s), rated 3
    10:00 T6 A004 (item a2)  10:01 T7 C002
    10:02 w1 calls T6 (wait 120); 10:03 skips it (never comes back: missed)
    10:05 1002 signs out of window 2;  10:06 1003 signs in at window 3
    10:06:30 T8 A005;  10:07 w3 calls T8 (wait 30)
    10:08 1003 signs in at window 2 (leaves window 3 with nobody while T8 is served)
    10:10 w3 finishes T8 (180 s) with nobody signed in, rated 5 (差评, no clerk)
    10:12 w2 calls T7 (wait 660); 10:20 finishes it (480 s), no rating
    10:21 1003 signs out;  the report is made at 10:30 (1001 still signed in)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import requests
import tomli_w

from config import HallConfig, load_config
from config.pins import hash_pin
from config.sample import sample_hall_data
from hub.server import Hub
from sync.clock import FixedClock
from tests.hub.hubapp import served

ZONE = ZoneInfo("Asia/Shanghai")
DAY = "2025-03-12"
FAST_HASH = hash_pin("1234", iterations=1000, salt=b"test-salt-16byte")
STAFF = [("1001", "王丽华"), ("1002", "李建国"), ("1003", "张晓明")]


def write_hall(path: Path) -> HallConfig:
    """The sample hall with three fast-PIN clerks, as a TOML file (for ``hall report``)."""
    data = sample_hall_data()
    data["staff"] = [{"number": n, "name": name, "pin_hash": FAST_HASH} for n, name in STAFF]
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return load_config(path)


def items(hall: HallConfig) -> dict[str, str]:
    """a1, a2: the first two items of category A; c1: the first of category C."""
    of_a = [i.id for i in hall.items if i.category == "A"]
    of_c = [i.id for i in hall.items if i.category == "C"]
    return {"a1": of_a[0], "a2": of_a[1], "c1": of_c[0]}


@dataclass
class Hall:
    """The running hub, its clock, and HTTP sessions for the admin, a kiosk and counters."""

    hub: Hub
    url: str
    clock: FixedClock
    config: HallConfig
    admin: requests.Session
    kiosk: requests.Session = field(default_factory=requests.Session)
    counters: dict[int, requests.Session] = field(default_factory=dict)

    def at(self, hhmmss: str, day: str = DAY) -> None:
        """Move the hall clock to ``hhmmss`` of ``day`` (never backwards)."""
        moment = datetime.fromisoformat(f"{day}T{hhmmss}").replace(tzinfo=ZONE)
        seconds = (moment - self.clock.now()).total_seconds()
        assert seconds >= 0, f"the clock cannot go back to {hhmmss}"
        self.clock.advance(seconds)

    def token(self, role: str, window: int | None = None) -> str:
        body = {"role": role, "name": f"{role}-{window}", "window": window}
        answer = self.admin.post(f"{self.url}/api/v1/devices", json=body)
        assert answer.status_code == 201, answer.text
        return str(answer.json()["token"])

    def post(self, session: requests.Session, path: str, body: Any = None) -> Any:
        answer = session.post(f"{self.url}/api/v1{path}", json=body)
        assert answer.status_code in (200, 201), f"{path}: {answer.status_code} {answer.text}"
        return answer.json()

    def issue(self, category: str | None = None, item: str | None = None) -> str:
        body = {"category": category} if item is None else {"item_id": item}
        return str(self.post(self.kiosk, "/tickets", body)["number"])

    def window(self, n: int, action: str, body: Any = None) -> Any:
        return self.post(self.counters[n], f"/windows/{n}/{action}", body)

    def called(self, n: int) -> str:
        return str(self.window(n, "call-next")["ticket"]["number"])

    def sign_in(self, n: int, staff_no: str) -> None:
        self.window(n, "sign-in", {"staff_no": staff_no, "pin": "1234"})

    def get(self, path: str, **params: str) -> requests.Response:
        return self.admin.get(f"{self.url}/api/v1{path}", params=params)


@contextmanager
def open_hall(folder: Path, config: HallConfig, start: str = "08:50:00") -> Iterator[Hall]:
    """A real hub on loopback over ``folder``, clock at ``start`` of the day, tokens ready."""
    clock = FixedClock(datetime.fromisoformat(f"{DAY}T{start}").replace(tzinfo=ZONE))
    with served(folder, clock=clock, config=config) as (hub, url):
        admin = requests.Session()
        admin.headers["Authorization"] = f"Bearer {hub.admin_token_path.read_text().strip()}"
        hall = Hall(hub, url, clock, config, admin)
        hall.kiosk.headers["Authorization"] = f"Bearer {hall.token('kiosk')}"
        for n in (1, 2, 3):
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer {hall.token('counter', n)}"
            hall.counters[n] = session
        yield hall


def play_day(hall: Hall) -> None:
    """The day of the module docstring; asserts each call went to the expected ticket."""
    it = items(hall.config)
    hall.at("08:55:00")
    hall.sign_in(1, "1001")
    hall.sign_in(2, "1002")
    for time, (category, item) in zip(
        ("09:00:00", "09:01:00", "09:02:00", "09:03:00", "09:04:00"),
        ((None, it["a1"]), ("A", None), (None, it["c1"]), ("B", None), (None, it["a1"])),
        strict=True,
    ):
        hall.at(time)
        hall.issue(category, item)
    steps: list[tuple[str, int, str, Any]] = [
        ("09:05:00", 1, "call", "A001"),
        ("09:05:30", 1, "recall", None),
        ("09:06:00", 2, "call", "A002"),
        ("09:10:00", 1, "finish", 1),
        ("09:11:00", 2, "skip", None),
        ("09:12:00", 1, "call", "B001"),
        ("09:13:00", 1, "transfer", {"category": "C", "reason": "应到公积金"}),
        ("09:14:00", 2, "call", "C001"),
        ("09:20:00", 2, "finish", 4),
    ]
    run(hall, steps)
    hall.at("09:21:00")
    hall.post(hall.kiosk, "/tickets/requeue", {"number": "A002"})
    run(
        hall,
        [
            ("09:22:00", 1, "call", "A003"),
            ("09:30:00", 1, "finish", None),
            ("09:31:00", 1, "pause", {"reason": "临时离开"}),
            ("09:32:00", 2, "call", "B001"),
            ("09:40:00", 2, "finish", 2),
            ("09:41:00", 2, "call", "A002"),
            ("09:45:00", 2, "finish", 3),
            ("09:46:00", 1, "resume", None),
        ],
    )
    hall.at("10:00:00")
    hall.issue(None, it["a2"])
    hall.at("10:01:00")
    hall.issue("C")
    run(hall, [("10:02:00", 1, "call", "A004"), ("10:03:00", 1, "skip", None)])
    hall.at("10:05:00")
    hall.window(2, "sign-out")
    hall.at("10:06:00")
    hall.sign_in(3, "1003")
    hall.at("10:06:30")
    hall.issue("A")
    run(hall, [("10:07:00", 3, "call", "A005")])
    hall.at("10:08:00")
    hall.sign_in(2, "1003")
    run(
        hall,
        [
            ("10:10:00", 3, "finish", 5),
            ("10:12:00", 2, "call", "C002"),
            ("10:20:00", 2, "finish", None),
        ],
    )
    hall.at("10:21:00")
    hall.window(2, "sign-out")
    hall.at("10:30:00")


def run(hall: Hall, steps: list[tuple[str, int, str, Any]]) -> None:
    for time, window, action, arg in steps:
        hall.at(time)
        if action == "call":
            assert hall.called(window) == arg, f"{time} window {window}"
        elif action == "finish":
            hall.window(window, "finish")
            if arg is not None:
                reason = "等候时间过长" if arg >= 4 else None
                hall.window(window, "rating", {"level": arg, "reason": reason})
        else:
            hall.window(window, action, arg)
