"""``hall kiosk --tour DIR``: every screen of every journey, drawn to PNG offscreen at the hall's
real resolutions — a touch kiosk at 1080×1920 and 1920×1080, a ticket machine at 720×1280 and
1280×720 — with 长辈版 off and on, for the hall of ``--config`` and the box of ``--box`` (its
role picks the kiosk or the ticket machine; without a box both are toured).

The tour starts a real hub in a temporary folder (always open) on that hall, walks the kiosk
model from the home screen breadth-first (every choice of every new screen, a sample typed into
every input field, an adult's and an elderly citizen's card swiped at home) and keeps one path
to each distinct screen (journey, state, whether something was typed). Then a few conditions a
walk cannot reach: the printer out of paper, the hub away, the card reader broken, the idle
countdown, a staff call, the green lane's staff PIN. Each path is replayed in both modes and at
each size (lists page to the size), drawn, and measured (``kiosk.qt.measure``): ``tour.csv``
beside the pictures has every screen's empty background share, its smallest touch target and
text, and its lowest text contrast.
"""

from __future__ import annotations

import csv
import logging
import statistics
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

from appkit.net import free_port
from config import HallConfig, sample_hall
from devices.health import Health, HealthState
from devices.idnumber import check_digit
from hub.client import HubClient
from hub.server import open_hub
from kiosk.app_model import ELDER, HOME, MORE_TIME, KioskModel, Role
from kiosk.catalog import CatalogKeeper, CatalogStore
from kiosk.facts import HallFacts
from kiosk.hub_adapter import HubClientPort
from kiosk.journeys.base import NAV_BACK, NAV_PREV, Context
from kiosk.journeys.screens import Group, InputKind, Screen
from kiosk.layout import Metrics
from kiosk.ports import PrintOutcome, Slip, SwipedCard
from kiosk.qt import measure
from kiosk.qt.screen_view import ScreenView
from kiosk.settings import kiosk_settings
from kiosk.staff import ConfigStaff

log = logging.getLogger(__name__)

# The hall's screens: touch kiosks are 21.5–32″ 1080×1920 portrait (or landscape); ticket
# machines 720×1280.
SIZES: dict[Role, dict[str, tuple[int, int]]] = {
    "kiosk": {"portrait": (1080, 1920), "landscape": (1920, 1080)},
    "ticket": {"portrait": (720, 1280), "landscape": (1280, 720)},
}
SAMPLES: dict[InputKind, str] = {
    "pinyin": "hjdj",
    "digits": "1",
    "phone": "13800000000",
    "ticket_number": "A001",
    "code": "SJ2026",
    "pin": "1111",
}
LIST_CHOICES_TRIED = 3  # a list's first few choices: the rest lead to the same kinds of screen
SKIPPED = frozenset({HOME, ELDER, MORE_TIME, NAV_BACK, NAV_PREV, "staff:call"})

Step = str  # "tap:ID", "type:TEXT", "swipe:adult", "swipe:elder", "paper:off", "hub:away", …


def sample_card(birth: str, name: str) -> SwipedCard:
    first17 = f"320402{birth}0{len(name)}1"
    return SwipedCard(first17 + check_digit(first17), name)


CARDS = {"adult": sample_card("19850615", "张小三"), "elder": sample_card("19480101", "李大爷")}


class TourClock:
    """Wall time plus an offset the tour moves to show the idle countdown; today's date and
    the clock in the hall's zone."""

    def __init__(self, zone: str) -> None:
        self.offset = 0.0
        self.zone = ZoneInfo(zone)

    def monotonic(self) -> float:
        return time.monotonic() + self.offset

    def today(self) -> date:
        return datetime.now(self.zone).date()

    def now(self) -> datetime:
        return datetime.now(self.zone)


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
    def alert(self, device: str, problem: str, detail: str = "", kind: str = "device") -> None:
        log.info("tour: staff alert (%s) %s: %s %s", kind, device, problem, detail)


@contextmanager
def tour_hub(folder: Path, config_path: Path | None = None) -> Iterator[tuple[str, str]]:
    """A real hub on a loopback port, always open, on the hall of ``config_path`` (default: the
    sample hall); yields its base URL and admin token."""
    hub = open_hub(folder, config_path, always_open=True)
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

    def __init__(
        self,
        url: str,
        admin_token: str,
        folder: Path,
        config: HallConfig | None = None,
        box: str = "kiosk-tour",
    ) -> None:
        admin = HubClient(url, admin_token)
        token = admin.add_device("kiosk", box)["token"]
        self.config = config or sample_hall()
        self.box = box
        self.port = HubClientPort(HubClient(url, token, timeout=3.0), folder)
        self.dead = HubClientPort(HubClient("http://127.0.0.1:9", token, timeout=0.5), folder)
        self.keeper = CatalogKeeper(CatalogStore(folder))
        self.keeper.refresh(self.port)
        self.staff = ConfigStaff(self.config.staff)

    def replay(
        self,
        path: tuple[Step, ...],
        elder: bool,
        role: Role = "kiosk",
        size: tuple[int, int] | None = None,
    ) -> Screen:
        printer, clock = TourPrinter(), TourClock(self.config.hall.timezone)
        ctx = Context(
            hub=self.port,
            printer=printer,
            alerts=LogAlerts(),
            catalog_source=lambda: self.keeper.current,
            clock=clock,
            settings=kiosk_settings(self.config, self.box),
            hall=HallFacts.from_config(self.config),
            staff=self.staff if self.staff else None,
            screen_size=size,
        )
        model = KioskModel(ctx, role=role, keeper=self.keeper)
        model.refresh_waits()
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
    ("hub-away-ticket", ("tap:ticket", "hub:away", "tap:cat:A")),
    ("hub-away-guide", ("hub:away", "tap:guide")),
    ("reader-broken", ("reader:broken",)),
    ("countdown", ("tap:guide", "idle:7")),
    ("staff-called", ("tap:staff:call",)),
    ("green-confirmed", ("tap:ticket", "tap:green", "tap:group:1", "type:2580", "tap:confirm")),
    (
        "guide-page-2",
        ("tap:guide", "tap:dept:0", "tap:topic:0", "tap:item:jjb-001", "tap:nav:next"),
    ),
)


def explore(
    kiosk: TourKiosk,
    limit: int = 90,
    role: Role = "kiosk",
    size: tuple[int, int] | None = None,
) -> list[tuple[str, tuple[Step, ...]]]:
    """Paths to every distinct screen found from home (breadth-first, at most ``limit``)."""
    seen: dict[tuple[str, str, bool], tuple[Step, ...]] = {}
    queue: deque[tuple[Step, ...]] = deque([()])
    while queue and len(seen) < limit:
        path = queue.popleft()
        screen = kiosk.replay(path, elder=False, role=role, size=size)
        key = _key(screen)
        if key in seen:
            continue
        seen[key] = path
        queue.extend(_children(screen, path))
    named = []
    for (journey, state, typed), path in seen.items():
        name = f"{journey}-{state or 'start'}" + ("-typed" if typed else "")
        named.append((name, path))
    extra = [(n, p) for n, p in EXTRA_PATHS if role == "kiosk" or "guide" not in " ".join(p)]
    if role == "ticket":  # a ticket machine has no guides: its countdown shows on 取号
        extra.append(("countdown", ("tap:ticket", "idle:7")))
    return named + extra


def render(view: ScreenView, screen: Screen, width: int, height: int, target: Path) -> None:
    """Draw ``screen`` at ``width``×``height`` px into the PNG ``target``."""
    view.setFixedSize(width, height)
    view.show_screen(screen, Metrics.for_size(width, height, screen.elder))
    view.show()
    QApplication.processEvents()
    if not view.grab().save(str(target), "PNG"):
        raise OSError(f"cannot write {target}")


@dataclass(frozen=True)
class Measured:
    """One drawn screen's numbers (``kiosk.qt.measure``)."""

    file: str
    role: str
    journey: str
    state: str
    width: int
    height: int
    elder: bool
    empty: float
    smallest_target_dp: float
    smallest_text_dp: float
    title_dp: float
    lowest_contrast: float
    clipped: int


def measured(
    view: ScreenView, screen: Screen, role: str, size: tuple[int, int], name: str
) -> Measured:
    """The numbers of what ``view`` shows now."""
    m = Metrics.for_size(*size, screen.elder)
    targets = [b for b in view.buttons() if b.isVisibleTo(view)]
    smallest = min((min(b.width(), b.height()) for b in targets), default=0)
    texts = measure.text_sizes(view)
    contrast = measure.text_contrast(view)
    return Measured(
        file=name,
        role=role,
        journey=screen.journey,
        state=screen.state,
        width=size[0],
        height=size[1],
        elder=screen.elder,
        empty=round(measure.empty_share(view), 4),
        smallest_target_dp=round(smallest / m.scale, 1),
        smallest_text_dp=round(min((px for _, px in texts), default=0) / m.scale, 1),
        title_dp=round(max((px for n, px in texts if n == "title"), default=0) / m.scale, 1),
        lowest_contrast=round(contrast[0].ratio, 2) if contrast else 0.0,
        clipped=len(measure.clipped(view)),
    )


def summary(rows: list[Measured]) -> list[str]:
    """Median and share over 45 % of the empty background, per role, size and mode."""
    lines = []
    groups: dict[tuple[str, int, int, bool], list[float]] = {}
    for row in rows:
        groups.setdefault((row.role, row.width, row.height, row.elder), []).append(row.empty)
    for (role, width, height, elder), values in sorted(groups.items()):
        over = sum(1 for v in values if v > 0.45)
        lines.append(
            f"{role} {width}x{height} {'elder' if elder else 'normal'}: {len(values)} screens, "
            f"empty background median {statistics.median(values):.0%}, "
            f"{over} over 45 %"
        )
    everything = [row.empty for row in rows]
    if everything:
        over = sum(1 for v in everything if v > 0.45)
        lines.append(
            f"all: {len(everything)} screens, median {statistics.median(everything):.0%}, "
            f"{over} over 45 % ({over / len(everything):.0%})"
        )
    return lines


def tour_roles(config: HallConfig, box: str | None) -> list[Role]:
    """The box's role (kiosk or ticket machine), or both when no box section is named."""
    section = config.devices.get(box) if box else None
    if section is not None and section.role in ("kiosk", "ticket"):
        return ["ticket" if section.role == "ticket" else "kiosk"]
    return ["kiosk", "ticket"]


def run_tour(
    out_dir: Path,
    progress: Callable[[str], None] = print,
    *,
    config: HallConfig | None = None,
    config_path: Path | None = None,
    box: str | None = None,
    emblem: str = "",
) -> list[Path]:
    """Render every screen into ``out_dir`` (and ``tour.csv`` with their measurements);
    returns the PNG files written. Needs a QApplication (offscreen is fine) with the hall
    font set."""
    hall = config or sample_hall()
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    rows: list[Measured] = []
    with tempfile.TemporaryDirectory(prefix="kiosk-tour-") as temp:
        folder = Path(temp)
        with tour_hub(folder / "hub", config_path) as (url, admin_token):
            kiosk = TourKiosk(url, admin_token, folder / "kiosk", hall, box or "kiosk-tour")
            view = ScreenView(emblem=emblem)
            try:
                for role in tour_roles(hall, box):
                    sizes = SIZES[role]
                    paths = explore(kiosk, role=role, size=sizes["portrait"])
                    progress(f"{role}: {len(paths)} screens")
                    for n, (name, path) in enumerate(paths, 1):
                        for elder in (False, True):
                            for orientation, size in sizes.items():
                                screen = kiosk.replay(path, elder, role, size)
                                mode = "elder" if screen.elder else "normal"
                                file = f"{role}-{n:02d}-{name}-{orientation}-{mode}.png"
                                target = out_dir / file
                                if target in written:
                                    continue  # an elderly card turned 长辈版 on by itself
                                render(view, screen, *size, target)
                                written.append(target)
                                rows.append(measured(view, screen, role, size, file))
                                if rows[-1].clipped:  # say what, so that it gets fixed
                                    cut = "; ".join(measure.clipped(view))
                                    progress(f"clipped on {file}: {cut}")
                view.close()
            finally:
                kiosk.close()
    with (out_dir / "tour.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(Measured.__dataclass_fields__))
        writer.writeheader()
        for row in rows:
            writer.writerow(row.__dict__)
    for line in summary(rows):
        progress(line)
    return written
