"""``hall demo``: a hub on the sample hall with a simulated stream of citizens and clerks.

The hub runs as its own process, exactly as in a hall; simulated kiosks and counters talk to it
through the real client and API, and the live event stream is printed as it happens.
"""

from __future__ import annotations

import argparse
import random
import shutil
import signal
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from devices.idnumber import check_digit
from hall.hubprocess import HubProcess
from hub.client import HubClient, HubUnavailable, StreamEvent
from hub.errors import HubError

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"


def random_id_number(rng: random.Random, age: int) -> str:
    """A syntactically valid resident ID number of someone ``age`` years old (not a real one)."""
    born = date.today() - timedelta(days=365 * age + rng.randrange(0, 300))
    first17 = f"320402{born:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return first17 + check_digit(first17)


def random_name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))


class DemoHall:
    """Simulated kiosks and counters driving a real hub through :class:`HubClient`."""

    def __init__(self, base_url: str, admin_token: str, rate: float, seed: int = 7) -> None:
        self.base_url = base_url
        self.admin = HubClient(base_url, admin_token)
        self.rate = rate
        self.rng = random.Random(seed)  # noqa: S311 - simulation, not security
        self.stop = threading.Event()
        self.catalog = self.admin.catalog()
        self.popular = [i["id"] for i in self.catalog["items"] if i.get("popular")]
        self.counters: dict[int, HubClient] = {}
        for window in self.catalog["windows"]:
            number = int(window["number"])
            device = self.admin.add_device("counter", f"demo-counter-{number}", number)
            self.counters[number] = HubClient(base_url, device["token"])
        kiosk = self.admin.add_device("kiosk", "demo-kiosk-1")
        self.kiosk = HubClient(base_url, kiosk["token"])
        display = self.admin.add_device("display", "demo-display")
        self.display = HubClient(base_url, display["token"])

    def citizens(self) -> None:
        """Citizens arriving at the ticket machine (a Poisson stream)."""
        while not self.stop.wait(self.rng.expovariate(self.rate)):
            fields: dict[str, Any] = {}
            roll = self.rng.random()
            if roll < 0.5 and self.popular:
                fields["item_id"] = self.rng.choice(self.popular)
            else:
                fields["category"] = self.rng.choice(self.catalog["categories"])["code"]
            if self.rng.random() < 0.4:
                age = self.rng.choice((25, 34, 41, 52, 67, 72, 80))
                fields["id_card"] = {
                    "number": random_id_number(self.rng, age),
                    "name": random_name(self.rng),
                }
            try:
                self.kiosk.issue_ticket(**fields)
            except HubError as err:
                print(f"  取号机: {err.message}")

    def clerk(self, window: int) -> None:
        """One window's clerk: call, serve, sometimes skip, transfer or pause; the citizen rates."""
        client = self.counters[window]
        while not self.stop.is_set():
            try:
                if self.rng.random() < 0.03:
                    client.pause(window, self.rng.choice(["临时离岗", "系统故障", "业务培训"]))
                    self.stop.wait(self.rng.uniform(5, 12))
                    client.resume(window)
                ticket = client.call_next(window)
                if ticket is None:
                    self.stop.wait(2)
                    continue
                self.stop.wait(self.rng.uniform(2, 4))
                roll = self.rng.random()
                if roll < 0.08:
                    client.recall(window)
                    self.stop.wait(2)
                    client.skip(window)
                    continue
                if roll < 0.13:
                    others = [
                        c["code"]
                        for c in self.catalog["categories"]
                        if c["code"] != ticket["category"]
                    ]
                    client.transfer(
                        window, category=self.rng.choice(others), reason="需其他业务窗口办理"
                    )
                    continue
                self.stop.wait(self.rng.uniform(4, 15))
                client.finish(window)
                self.stop.wait(self.rng.uniform(0.5, 3))
                level = self.rng.choices([1, 2, 3, 4, 5], weights=[70, 20, 6, 3, 1])[0]
                if self.rng.random() < 0.85:
                    reason = (
                        self.rng.choice(self.catalog["rating"]["bad_reasons"])
                        if level >= 4
                        else None
                    )
                    client.rate(window, level, reason)
            except HubUnavailable:
                self.stop.wait(2)
            except HubError as err:
                print(f"  {window}号窗口: {err.message}")
                self.stop.wait(1)

    def show_events(self) -> None:
        """Print the hub's live events as the hall display would announce them."""
        last: int | None = None
        while not self.stop.is_set():
            try:
                for event in self.display.events(last_event_id=last, read_timeout=20):
                    last = event.seq
                    line = describe(event)
                    if line:
                        print(line, flush=True)
                    if self.stop.is_set():
                        return
            except HubError:
                self.stop.wait(1)

    def run(self, duration: float) -> None:
        threads = [
            threading.Thread(target=self.citizens, daemon=True),
            threading.Thread(target=self.show_events, daemon=True),
        ]
        threads += [
            threading.Thread(target=self.clerk, args=(n,), daemon=True) for n in self.counters
        ]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + duration if duration else None
        while not self.stop.is_set():
            if deadline and time.monotonic() >= deadline:
                break
            self.stop.wait(0.5)
        self.stop.set()


def describe(event: StreamEvent) -> str | None:
    """One line of Chinese for an event, as the hall would see or hear it."""
    p = event.payload
    ticket = p.get("ticket") or {}
    number = ticket.get("number") or p.get("number")
    lanes = {"green": "（绿色通道）", "appointment": "（预约）"}
    match event.type:
        case "ticket.issued":
            return (
                f"[{event.seq}] 取号 {number}{lanes.get(str(ticket.get('lane')), '')}"
                f"，前面{ticket.get('waiting_ahead')}人，约{ticket.get('estimated_wait_minutes')}分钟"
            )
        case "ticket.called":
            return f"[{event.seq}] 请{number}号到{p['window']}号窗口办理"
        case "ticket.recalled":
            return f"[{event.seq}] 重呼：请{number}号到{p['window']}号窗口办理"
        case "ticket.skipped":
            return f"[{event.seq}] {number}号过号（{p['window']}号窗口）"
        case "ticket.transferred":
            return f"[{event.seq}] {number}号由{p['from_window']}号窗口转至{p.get('to_category') or p.get('to_window')}"
        case "ticket.finished":
            return (
                f"[{event.seq}] {number}号办结（{p['window']}号窗口，{p['service_seconds']:.0f}秒）"
            )
        case "rating.recorded":
            return f"[{event.seq}] {p['window']}号窗口评价：{p['level_name']}" + (
                f"（{p['reason']}，整改期限{p['followup_due']}）" if p.get("followup_due") else ""
            )
        case "window.paused":
            return f"[{event.seq}] {p['window']}号窗口暂停服务：{p['reason']}"
        case "window.resumed":
            return f"[{event.seq}] {p['window']}号窗口恢复服务"
    return None


def run_demo(args: argparse.Namespace) -> int:
    """Start a hub process on the sample hall and feed it simulated citizens and clerks."""
    data = Path(args.data)
    if data.exists() and not args.resume:
        shutil.rmtree(data)
    hub_dir = data / "hub"
    hub = HubProcess(hub_dir, bind=args.bind)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        hub.start()
        base_url, token = hub.base_url, hub.admin_token
        token_file = hub_dir / "admin.token"
        print()
        print(f"演示大厅已启动 / demo hall running: {base_url}")
        print(
            f'  admin token:  {token_file}  (curl -H "Authorization: Bearer $(cat {token_file})" {base_url}/api/v1/queue)'
        )
        print(f"  API docs:     {base_url}/api/v1/docs")
        print(f'  live events:  curl -N "{base_url}/api/v1/events?token=$(cat {token_file})"')
        print("  按 Ctrl-C 停止 / Ctrl-C stops the demo")
        print()
        hall = DemoHall(base_url, token, args.rate)
        runner = threading.Thread(target=hall.run, args=(args.duration,), daemon=True)
        runner.start()
        while runner.is_alive() and not stop.is_set():
            runner.join(0.5)
        hall.stop.set()
        runner.join(5)
        summary = hall.admin.queue()["today"]
        average = summary["average_service_minutes"]
        print(
            f"\n今日：取号{summary['issued']}个，办结{summary['finished']}个"
            + (f"，平均办理{average}分钟" if average is not None else "")
        )
        return 0
    except KeyboardInterrupt:
        return 0
    except (RuntimeError, HubError) as err:
        print(f"hall demo: {err}", file=sys.stderr)
        return 1
    finally:
        hub.stop()
