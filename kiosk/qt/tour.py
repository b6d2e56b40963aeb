"""``hall kiosk --tour DIR``: every screen of every journey, drawn to PNG offscreen, in portrait
(1080×1920) and landscape (1920×1080), elder mode off and on.

The tour starts a real hub in a temporary folder (always open), walks the kiosk model from the
home screen breadth-first (every choice of every new screen, a sample typed into every input
field, an adult's and an elderly citizen's card swiped at home) and keeps one path to each
distinct screen (journey, state, whether something was typed). Then a few conditions a walk
cannot reach: the printer out of paper, the hub away, the card reader broken, the idle
countdown. Each path is replayed in both modes and drawn in both orientations.
"""

from __future__ import annotations

import logging
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import uvicorn
from PySide6.QtWidgets import QApplication

from config import sample_hall
from devices.health import Health, HealthState
from devices.idnumber import check_digit
from hall.hubprocess import free_port
from hub.client import HubClient
from hub.server import open_hub
from kiosk.app_model import ELDER, HOME, MORE_TIME, KioskModel
from kiosk.catalog import CatalogKeeper, CatalogStore
from kiosk.hub_adapter import HubClientPort
from kiosk.journeys.base import NAV_BACK, NAV_PREV, Context
from kiosk.journeys.screens import Group, InputKind, Screen
from kiosk.ports import PrintOutcome, Slip, SwipedCard
from kiosk.qt.screen_view import ScreenView
from kiosk.qt.style import Metrics

log = logging.getLogger(__name__)

SIZES = {"portrait": (1080, 1920), "landscape": (1920, 1080)}
SAMPLES: dict[InputKind, str] = {
    "pinyin": "hjdj",
    "digits": "1",
    "phone": "13800000000",
    "ticket_number": "A001",
    "code": "SJ2026",
    "pin": "8642",
}
LIST_CHOICES_TRIED = 3  # a list's first few choices: the rest lead to the same kinds of screen
SKIPPED = frozenset({HOME, ELDER, MORE_TIME, NAV_BACK, NAV_PREV})

Step = str  # "tap:ID", "type:TEXT", "swipe:adult", "swipe:elder", "paper:off", "hub:away", …


def sample_card(birth: str, name: str) -> SwipedCard:
    first17 = f"320402{birth}0{len(name)}1"
    return SwipedCard(first17 + check_digit(first17), name)


CARDS = {"adult": sample_card("19850615", "张小三"), "elder": sample_card("19480101", "李大爷")}


class TourClock:
    """Wall time plus an offset the tour moves to show the idle countdown; today's date in the
    hall's zone (the tour's hub runs the sample hall)."""

    def __init__(self) -> None:
        self.offset = 0.0
        self.zone = ZoneInfo(sample_hall().hall.timezone)

    def monotonic(self) -> float:
        return time.monotonic() + self.offset

    def today(self) -> date:
        return datetime.now(self.zone).date()


@dataclass
class TourPrinter:
    """A printer that prints into a list, or is out of paper."""

    paper: bool = True
    slips: list[Slip] = field(default_factory=list)

    def print_slip(self, slip: Slip) -> PrintOutcome:
        if self.paper:
            self.slips.append(slip)
        return PrintOutcome(self.paper, self.health())

    def health(self) -> Health:
        if self.paper:
            return Health("printer", HealthState.OK)
        return Health("printer", HealthState.ERROR, "打印机缺纸", "请装入新纸卷", "paper end")


class LogAlerts:
    def alert(self, device: str, problem: str, detail: str = "") -> None:
        log.info("tour: staff alert %s: %s %s", device, problem, detail)


@contextmanager
def tour_hub(folder: Path) -> Iterator[tuple[str, str]]:
    """A real hub on a loopback port, always open; yields its base URL and admin token."""
    hub = open_hub(folder, always_open=True)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(hub.app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="tour-hub", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the tour's hub did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", hub.admin_token_path.read_text().strip()
    finally:
        server.should_exit = True
        thread.join(10)
        hub.store.close()


class TourKiosk:
    """Builds a fresh kiosk model over the tour's hub and replays paths on it."""

    def __init__(self, url: str, admin_token: str, folder: Path) -> None:
        admin = HubClient(url, admin_token)
        token = admin.add_device("kiosk", "kiosk-tour")["token"]
        self.port = HubClientPort(HubClient(url, token, timeout=3.0), folder)
        self.dead = HubClientPort(HubClient("http://127.0.0.1:9", token, timeout=0.5), folder)
        self.keeper = CatalogKeeper(CatalogStore(folder))
        self.keeper.refresh(self.port)

    def replay(self, path: tuple[Step, ...], elder: bool) -> Screen:
        printer, clock = TourPrinter(), TourClock()
        ctx = Context(
            hub=self.port,
            printer=printer,
            alerts=LogAlerts(),
            catalog_source=lambda: self.keeper.current,
            clock=clock,
        )
        model = KioskModel(ctx, keeper=self.keeper)
        if elder:
            model.tap(ELDER)
        for step in path:
            kind, _, arg = step.partition(":")
            if kind == "tap":
                model.tap(arg)
            elif kind == "type":
                for char in arg:
                    model.key(char)
            elif kind == "swipe":
                model.card_swiped(CARDS[arg])
            elif kind == "paper":
                printer.paper = arg == "on"
            elif kind == "hub":
                ctx.hub = self.dead if arg == "away" else self.port
                ctx.hub_away = arg == "away"
            elif kind == "reader":
                ctx.reader_ok = arg == "ok"
            elif kind == "idle":
                current = model.current
                if current is not None:
                    clock.offset += current.seconds_left() - float(arg)
            model.settle()
        return model.screen

    def close(self) -> None:
        self.port.close()
        self.dead.close()


def _key(screen: Screen) -> tuple[str, str, bool]:
    return (screen.journey, screen.state, bool(screen.input and screen.input.text))


def _children(screen: Screen, path: tuple[Step, ...]) -> list[tuple[Step, ...]]:
    steps: list[Step] = []
    listed = 0
    for choice in screen.choices:
        if choice.id in SKIPPED or not choice.enabled:
            continue
        if choice.group is Group.LIST and path:
            listed += 1
            if listed > LIST_CHOICES_TRIED:
                continue
        steps.append(f"tap:{choice.id}")
    if screen.input is not None and not screen.input.text:
        steps.append(f"type:{SAMPLES[screen.input.kind]}")
    if not path:
        steps += ["swipe:adult", "swipe:elder"]
    return [(*path, step) for step in steps]


EXTRA_PATHS: tuple[tuple[str, tuple[Step, ...]], ...] = (
    ("paper-out", ("paper:off", "tap:ticket", "tap:cat:A")),
    ("hub-away-home", ("hub:away",)),
    ("hub-away-ticket", ("hub:away", "tap:ticket", "tap:cat:A")),
    ("hub-away-guide", ("hub:away", "tap:guide")),
    ("reader-broken", ("reader:broken",)),
    ("countdown", ("tap:guide", "idle:7")),
)


def explore(kiosk: TourKiosk, limit: int = 90) -> list[tuple[str, tuple[Step, ...]]]:
    """Paths to every distinct screen found from home (breadth-first, at most ``limit``)."""
    seen: dict[tuple[str, str, bool], tuple[Step, ...]] = {}
    queue: deque[tuple[Step, ...]] = deque([()])
    while queue and len(seen) < limit:
        path = queue.popleft()
        screen = kiosk.replay(path, elder=False)
        key = _key(screen)
        if key in seen:
            continue
        seen[key] = path
        queue.extend(_children(screen, path))
    named = []
    for (journey, state, typed), path in seen.items():
        name = f"{journey}-{state or 'start'}" + ("-typed" if typed else "")
        named.append((name, path))
    return named + list(EXTRA_PATHS)


def render(view: ScreenView, screen: Screen, width: int, height: int, target: Path) -> None:
    """Draw ``screen`` at ``width``×``height`` px into the PNG ``target``."""
    view.setFixedSize(width, height)
    view.show_screen(screen, Metrics.for_size(width, height, screen.elder))
    view.show()
    QApplication.processEvents()
    if not view.grab().save(str(target), "PNG"):
        raise OSError(f"cannot write {target}")


def run_tour(out_dir: Path, progress: Callable[[str], None] = print) -> list[Path]:
    """Render every screen into ``out_dir``; returns the PNG files written. Needs a
    QApplication (offscreen is fine) with the kiosk font set."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="kiosk-tour-") as temp:
        folder = Path(temp)
        with tour_hub(folder / "hub") as (url, admin_token):
            kiosk = TourKiosk(url, admin_token, folder / "kiosk")
            try:
                paths = explore(kiosk)
                progress(f"{len(paths)} screens")
                view = ScreenView()
                for n, (name, path) in enumerate(paths, 1):
                    for elder in (False, True):
                        screen = kiosk.replay(path, elder)
                        mode = "elder" if elder else "normal"
                        for orientation, (width, height) in SIZES.items():
                            target = out_dir / f"{n:02d}-{name}-{orientation}-{mode}.png"
                            render(view, screen, width, height, target)
                            written.append(target)
                view.close()
            finally:
                kiosk.close()
    return written
