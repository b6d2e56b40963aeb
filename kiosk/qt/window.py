"""The kiosk's main window: full screen, frameless, no way out to the desktop.

It shows ``model.screen`` in a ``ScreenView`` and forwards touches. Slow work never runs on the
GUI thread: when the model is busy (a hub call, printing) ``run_pending`` runs on a
``QThreadPool`` worker, and so does ``maintain`` every ``maintain_ms`` (catalog refresh, hub
recovery, spooled feedback); each finishes with a queued signal that redraws. A one-second timer
calls ``tick`` (idle timeout, card reader). Every slot is guarded: an unexpected exception is a
log line and a citizen sentence, never a traceback (``install_excepthook`` catches the rest).

Five taps in the top-left corner within three seconds open the maintenance screen behind the
technician PIN.
"""

from __future__ import annotations

import gc
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from types import TracebackType
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent, QMouseEvent, QResizeEvent
from PySide6.QtWidgets import QLayout, QSizePolicy, QStackedWidget, QVBoxLayout, QWidget

from kiosk.app_model import KioskModel
from kiosk.catalog import Refresh
from kiosk.journeys.base import KEY_BACKSPACE
from kiosk.journeys.screens import Screen
from kiosk.layout import Metrics
from kiosk.qt.maintenance import MaintenanceView, Technician
from kiosk.qt.screen_view import ScreenView

log = logging.getLogger(__name__)

CORNER_DP = 80  # the hidden corner's side
CORNER_TAPS = 5
CORNER_SECONDS = 3.0


class _Done(QObject):
    finished = Signal(object)


class _Job(QRunnable):
    """Runs ``work`` on a pool thread; ``done.finished`` carries its result (or None) back to
    the GUI thread as a queued signal."""

    def __init__(self, work: Callable[[], object]) -> None:
        super().__init__()
        self.work = work
        self.done = _Done()

    def run(self) -> None:
        result: object = None
        try:
            result = self.work()
        except Exception:  # the model promises not to raise; a bug still must not kill the pool
            log.exception("kiosk worker failed")
        self.done.finished.emit(result)


class KioskWindow(QWidget):
    """The kiosk app's only window."""

    problem = Signal(str)  # a citizen sentence to show after an unexpected failure

    def __init__(
        self,
        model: KioskModel,
        technician: Technician,
        *,
        tick_ms: int = 1000,
        maintain_ms: int = 30_000,
        pool: QThreadPool | None = None,
        emblem: str = "",
    ) -> None:
        super().__init__()
        self.model = model
        self.setWindowTitle("hallkit kiosk")
        self.setWindowFlags(Qt.WindowType.FramelessWindowHint | Qt.WindowType.Window)
        self.pool = pool or QThreadPool.globalInstance()
        self._jobs: set[_Job] = set()
        self._pending_running = False
        self._maintaining = False
        self._maintain_again = False
        self.allow_close = False
        self._corner_taps: list[float] = []
        self._shown: Screen | None = None
        self._shown_metrics: Metrics | None = None
        self._note = ""  # an unexpected failure's sentence, shown as a banner until next tap

        self.stack = QStackedWidget(self)
        self.view = ScreenView(emblem=emblem)
        self.view.tapped.connect(self.on_tap)
        self.view.keyed.connect(self.on_key)
        self.maintenance = MaintenanceView(technician, self.pool)
        self.maintenance.closed.connect(self.close_maintenance)
        self.maintenance.exit_requested.connect(self.exit_app)
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.maintenance)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        # The window never grows to what its content asks for: it is the screen's size (the
        # 720×1280 ticket machine once grew to 895 px wide after the guide screen).
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        layout.addWidget(self.stack)
        self.stack.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.problem.connect(self._show_problem)

        self.tick_timer = QTimer(self)
        self.tick_timer.timeout.connect(self.on_tick)
        self.tick_timer.start(tick_ms)
        self.maintain_timer = QTimer(self)
        self.maintain_timer.timeout.connect(self.start_maintain)
        self.maintain_timer.start(maintain_ms)

    # -- drawing --------------------------------------------------------------------------------

    @property
    def metrics(self) -> Metrics:
        return Metrics.for_size(self.width(), self.height(), self.model.ctx.elder)

    def refresh(self, force: bool = False) -> None:
        """Redraw if the model's screen (or the window size or mode) changed."""
        self.model.ctx.screen_size = (self.width(), self.height())  # lists page to fit it
        screen = self.model.screen
        if self._note:
            screen = replace(screen, banners=(self._note, *screen.banners))
        metrics = self.metrics
        if force or screen != self._shown or metrics != self._shown_metrics:
            self.view.show_screen(screen, metrics)
            self._shown, self._shown_metrics = screen, metrics
        if self.model.busy:
            self.start_pending()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._guard(self.refresh)

    # -- events from the view -------------------------------------------------------------------

    def on_tap(self, choice_id: str) -> None:
        self._note = ""
        self._guard(lambda: self.model.tap(choice_id))
        self._guard(self.refresh)

    def on_key(self, key: str) -> None:
        self._guard(lambda: self.model.key(key))
        self._guard(self.refresh)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """A hardware keyboard or handwriting pad types into the open field; Alt+F4 and friends
        do nothing (the window cannot be closed)."""
        if self.stack.currentWidget() is not self.view:
            return
        if event.key() == Qt.Key.Key_Backspace:
            self._guard(lambda: self.model.key(KEY_BACKSPACE))
        elif event.text() and event.text().isprintable():
            text = event.text()
            self._guard(lambda: self.model.type_text(text))
        self._guard(self.refresh)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.corner_tap(event.position().x(), event.position().y())
        super().mousePressEvent(event)

    def corner_tap(self, x: float, y: float) -> bool:
        """Count a tap at (x, y) px; True when it completes the maintenance gesture."""
        side = self.metrics.px(CORNER_DP)
        if x > side or y > side:
            self._corner_taps.clear()
            return False
        now = time.monotonic()
        self._corner_taps = [t for t in self._corner_taps if now - t <= CORNER_SECONDS]
        self._corner_taps.append(now)
        if len(self._corner_taps) >= CORNER_TAPS:
            self._corner_taps.clear()
            self.open_maintenance()
            return True
        return False

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.allow_close:
            event.accept()
        else:
            event.ignore()  # no way out to the desktop but the maintenance screen's exit

    # -- maintenance ----------------------------------------------------------------------------

    def open_maintenance(self) -> None:
        log.info("maintenance gesture: asking for the technician PIN")
        self.maintenance.start(self.metrics)
        self.stack.setCurrentWidget(self.maintenance)

    def close_maintenance(self) -> None:
        self.stack.setCurrentWidget(self.view)
        self.refresh(force=True)

    def exit_app(self) -> None:
        log.info("the technician closed the kiosk app")
        self.allow_close = True
        self.tick_timer.stop()
        self.maintain_timer.stop()
        self.close()

    # -- time and workers -----------------------------------------------------------------------

    def on_tick(self) -> None:
        if self.stack.currentWidget() is self.view:
            self._guard(self.model.tick)
            self._guard(self.refresh)
        else:
            self.maintenance.tick()

    def start_pending(self) -> None:
        """Run the model's pending work on a pool thread (one at a time)."""
        if self._pending_running:
            return
        self._pending_running = True
        self._submit(self.model.run_pending, self._pending_done)

    def _pending_done(self, _: object) -> None:
        self._pending_running = False
        self._guard(self.refresh)

    def start_maintain(self) -> None:
        """Refresh the catalog and the hub's figures on a worker; asked while one runs, it runs
        once more afterwards (the hub's change may have come after that one's fetch)."""
        if self._maintaining:
            self._maintain_again = True
            return
        self._maintaining = True
        self._maintain_again = False
        self._submit(self.model.maintain, self._maintain_done)

    def _maintain_done(self, outcome: object) -> None:
        self._maintaining = False
        if self._maintain_again:
            QTimer.singleShot(0, self.start_maintain)
        if outcome is Refresh.UPDATED:
            freeze()  # the new catalog is long-lived: keep it out of the collector's way
        self._guard(self.refresh)

    def _submit(self, work: Callable[[], object], done: Callable[[Any], None]) -> None:
        job = _Job(work)
        job.setAutoDelete(False)
        self._jobs.add(job)

        def finished(result: object) -> None:
            self._jobs.discard(job)
            done(result)

        job.done.finished.connect(finished, Qt.ConnectionType.QueuedConnection)
        self.pool.start(job)

    def run_in_pool(self, work: Callable[[], object]) -> None:
        """Run ``work`` on a worker, then redraw (startup: the saved catalog, the first refresh)."""
        self._submit(work, lambda _: self._guard(self.refresh))

    @property
    def idle(self) -> bool:
        """No worker running (tests wait for this)."""
        return not self._jobs

    # -- failures -------------------------------------------------------------------------------

    def _guard(self, call: Callable[[], object]) -> None:
        try:
            call()
        except Exception:
            log.exception("kiosk slot failed")
            self._show_problem(self.model.ctx.texts.get("err.unexpected"))

    def _show_problem(self, sentence: str) -> None:
        self._note = sentence
        try:
            self.refresh(force=True)
        except Exception:  # drawing itself failed: the log has it, the old screen stays
            log.exception("cannot redraw after a failure")


def freeze() -> None:
    """Move what exists now (the app, the catalog) out of the cyclic collector's generations,
    so that its pauses stay short while citizens tap."""
    gc.collect()
    gc.freeze()


def install_excepthook(window: KioskWindow) -> None:
    """Any exception that escapes a slot becomes a log line and a sentence on the screen."""

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, value, tb)
            return
        log.error("unexpected exception in the kiosk", exc_info=(kind, value, tb))
        window.problem.emit(window.model.ctx.texts.get("err.unexpected"))

    sys.excepthook = hook
