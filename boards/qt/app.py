"""Running the window board and the hall display, and their offscreen tours.

``run_board``/``run_display`` wire a HubFeed (its own thread) to a session (model folded on the
feed's thread) and a view (rendered on the GUI thread through a queued signal). The board drives
the window's LED sign; the display speaks calls through the speech queue.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QWidget

from appkit.qtapp import make_application
from appkit.startup import AppSetup
from boards.announce import Announcer
from boards.board_model import BoardModel, BoardState, Clerk, RatingPrompt
from boards.display_model import BANNER_SECONDS, Call, DisplayModel, DisplayState
from boards.feed import HubFeed
from boards.qt.board import BoardView, StateBridge
from boards.qt.display import DisplayView
from boards.session import BoardSession, DisplaySession
from boards.sign import SignFollower
from config.schema import HallConfig
from devices.errors import DeviceError
from devices.sign.service import Sign, open_sign
from devices.speech.service import SpeechService
from hub.client import HubClient

log = logging.getLogger(__name__)

BIG, SMALL, HUGE = (1920, 1080), (1366, 768), (3840, 2160)


def _show(view: QWidget, windowed: bool) -> None:
    view.setCursor(Qt.CursorShape.BlankCursor)
    if windowed:
        view.resize(*SMALL)
        view.show()
    else:
        view.showFullScreen()


@dataclass
class Running:
    """A board or display built and following the hub: ``view`` to show, ``close()`` to stop."""

    view: QWidget
    feed: HubFeed
    closers: list[Callable[[], None]] = field(default_factory=list)
    timers: list[QTimer] = field(default_factory=list)

    def close(self) -> None:
        """Stop the timers, the feed, then the devices (a sign, the voice) in reverse order."""
        for timer in self.timers:
            timer.stop()
        self.feed.stop()
        for close in reversed(self.closers):
            try:
                close()
            except Exception:  # shutting down: log and go on with the rest
                log.exception("closing a board device failed")


def build_board(setup: AppSetup, window: int) -> Running:
    """The window board's view and its feed (started), driving ``setup.settings.sign`` when one
    is configured (a sign that cannot be opened is logged and left out). Raises AppSetupError
    when there is no device token. Needs a QApplication."""
    config = setup.config
    spec = config.window(window)
    model = BoardModel(
        window,
        name=spec.name if spec else "",
        unit=(spec.unit if spec and spec.unit else config.hall.name),
        categories={c.code: c.name for c in config.categories},
        phone=config.hall.phone,
        supervision_phone=config.hall.supervision_phone,
    )
    view = BoardView()
    bridge = StateBridge(view)
    bridge.changed.connect(view.show_state)
    bridge.photo.connect(lambda _path, data: view.set_photo(data))
    closers: list[Callable[[], None]] = []
    sign: Sign | None = None
    if setup.settings.sign:
        try:
            sign = open_sign(setup.settings.sign, record_dir=setup.data_dir)
            sign.start()
            closers.append(sign.close)
        except DeviceError as err:
            log.warning("window sign %s not opened: %s", setup.settings.sign, err)
            sign = None
    session = BoardSession(
        model,
        bridge.changed.emit,
        sign=SignFollower(sign) if sign is not None else None,
        on_photo=bridge.photo.emit,
    )
    feed = HubFeed(
        HubClient(setup.hub_url, setup.require_token()), session, window=window, photos=True
    )
    view.show_state(model.state)
    ticker = QTimer()
    ticker.timeout.connect(session.tick)
    ticker.start(1000)
    feed.start()
    return Running(view, feed, closers, [ticker])


def build_display(setup: AppSetup, *, speech: SpeechService | None = None) -> Running:
    """The hall display's view and its feed (started), calls spoken by ``speech`` (started by
    the caller) or by a speech service made from ``setup.settings.speech``. Raises
    AppSetupError when there is no device token. Needs a QApplication."""
    config = setup.config
    model = DisplayModel(
        hall=config.hall.name,
        notice=config.hall.notice,
        categories={c.code: c.name for c in config.categories},
    )
    view = DisplayView(zone=ZoneInfo(config.hall.timezone))
    bridge = StateBridge(view)
    bridge.changed.connect(view.show_state)
    closers: list[Callable[[], None]] = []
    if speech is None:
        speech = SpeechService(setup.settings.speech, record_dir=setup.data_dir)
        speech.start()
        own = speech
        closers.append(lambda: own.stop(5))
    session = DisplaySession(model, bridge.changed.emit, announcer=Announcer(speech))
    feed = HubFeed(HubClient(setup.hub_url, setup.require_token()), session)
    view.show_state(model.state)
    feed.start()
    return Running(view, feed, closers)


def run_board(setup: AppSetup, window: int, *, windowed: bool = False) -> int:
    """The window board until the app is closed; returns the exit status."""
    app = make_application()
    running = build_board(setup, window)
    _show(running.view, windowed)
    try:
        return app.exec()
    finally:
        running.close()


def run_display(setup: AppSetup, *, windowed: bool = False) -> int:
    """The hall display (and its voice) until the app is closed; returns the exit status."""
    app = make_application()
    running = build_display(setup)
    _show(running.view, windowed)
    try:
        return app.exec()
    finally:
        running.close()


# -- tours -------------------------------------------------------------------------------------


def sample_photo() -> bytes:
    """A drawn stand-in for a clerk's ID photo (blue background, as on staff cards), PNG bytes."""
    pixmap = QPixmap(300, 400)
    pixmap.fill(QColor("#3d7cc9"))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#f1c9a5"))
    painter.drawEllipse(QRectF(90, 70, 120, 150))
    painter.setBrush(QColor("#263238"))
    painter.drawRoundedRect(QRectF(40, 250, 220, 200), 90, 90)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    pixmap.save(buffer, "PNG")
    return bytes(data.data())


def board_tour_states(
    config: HallConfig, window: int | None = None
) -> dict[str, tuple[BoardState, bytes | None]]:
    """The board screens a tour draws for ``window`` (default: 3, else the hall's first):
    name → (state, photo bytes or None)."""
    names = {c.code: c.name for c in config.categories}
    spec = (config.window(window) if window else None) or config.window(3) or config.windows[0]
    clerk = Clerk("1003", "张晓明", "综合窗口受理员", None)
    base = BoardState(
        window=spec.number,
        name=spec.name,
        unit=spec.unit or config.hall.name,
        items=tuple(names.get(c, c) for c in spec.categories),
        clerk=clerk,
        connected=True,
        phone=config.hall.phone,
        supervision_phone=config.hall.supervision_phone,
    )
    serving = BoardState(
        **{**base.__dict__, "status": "serving", "serving": "A023", "serving_name": "张*三"}
    )
    expires = datetime.now(UTC) + timedelta(seconds=30)
    substitute = Clerk("1009", "赵敏", "综合窗口受理员（AB岗）", "/api/v1/staff/1009/photo")
    return {
        "board-idle": (base, None),
        "board-serving": (serving, None),
        "board-paused": (
            BoardState(**{**base.__dict__, "status": "paused", "pause_reason": "系统维护"}),
            None,
        ),
        "board-rating": (
            BoardState(**{**base.__dict__, "rating": RatingPrompt("A023", expires)}),
            None,
        ),
        "board-ab-clerk": (
            BoardState(
                **{
                    **serving.__dict__,
                    "clerk": substitute,
                    "serving": "D007",
                    "serving_name": "欧**明",
                }
            ),
            sample_photo(),
        ),
        "board-no-clerk-offline": (
            BoardState(**{**base.__dict__, "clerk": None, "connected": False}),
            None,
        ),
    }


def display_tour_state(config: HallConfig, now: float, age: float = 2.0) -> DisplayState:
    """The display screen a tour draws: several calls, the newest made ``age`` seconds ago
    (within BANNER_SECONDS: the banner shows), waiting counts with estimated waits."""
    calls = [("A023", 3), ("B011", 5), ("D007", 6), ("A022", 1), ("C005", 2), ("F002", 8)]
    made = tuple(
        Call(number, window, "call", (number, 1, 0), now - age - 40 * index)
        for index, (number, window) in enumerate(calls)
    )
    waiting = tuple((c.code, c.name, (7 * i + 3) % 13) for i, c in enumerate(config.categories))
    return DisplayState(
        hall=config.hall.name,
        notice=config.hall.notice,
        calls=made,
        waiting=waiting,
        estimates=tuple((code, count * 4) for code, _, count in waiting if count),
        connected=True,
    )


def tour(config: HallConfig, out: Path, which: str, window: int | None = None) -> list[Path]:
    """Draw the ``board`` (of ``window``, see :func:`board_tour_states`) or ``display`` screens
    of the hall ``config`` to PNG files in ``out``, at 1920×1080, 1366×768 and 3840×2160;
    returns the files written."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    make_application()
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for width, height in (BIG, SMALL, HUGE):
        size = f"{width}x{height}"
        if which == "board":
            for name, (state, photo) in board_tour_states(config, window).items():
                board = BoardView()
                board.resize(width, height)
                board.set_photo(photo)
                board.show_state(state)
                written.append(_save(board, out / f"{name}-{size}.png"))
        else:
            # Two seconds after a call: its banner; eight: the list, the call still highlighted.
            for name, age in (("display-banner", 2.0), ("display", BANNER_SECONDS + 2)):
                view = DisplayView(zone=ZoneInfo(config.hall.timezone))
                view.resize(width, height)
                view.now = lambda: 1000.0
                view.show_state(display_tour_state(config, 1000.0, age))
                view.notice.offset = width * 0.6  # mid-scroll, as a passer-by sees it
                written.append(_save(view, out / f"{name}-{size}.png"))
    return written


def _save(view: QWidget, path: Path) -> Path:
    view.show()  # offscreen: lays the widgets out at their real size
    QApplication.processEvents()
    if not view.grab().save(str(path), "PNG"):
        raise OSError(f"cannot write {path}")
    view.close()
    return path
