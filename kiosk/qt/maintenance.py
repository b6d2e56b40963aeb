"""The technician's maintenance screen, behind the hidden gesture and the technician PIN
(config ``hall.technician_pin_hash``): device health (printer, card reader, hub), a test print,
a test read, and the only way to close the kiosk app.

It is drawn by the same ``ScreenView`` as the citizen screens (it builds ``Screen`` values).
Five wrong PINs lock it for a minute; it goes back to the kiosk after two idle minutes. The
hub check and the test print run on the window's thread pool.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from config.pins import verify_pin
from devices.health import Health, HealthState
from kiosk.journeys.base import KEY_BACKSPACE, KEY_CLEAR
from kiosk.journeys.screens import Choice, Group, InputField, Screen, Section, Tone
from kiosk.ports import CardReaderPort, PrinterPort, Slip
from kiosk.qt.screen_view import ScreenView
from kiosk.qt.style import Metrics

log = logging.getLogger(__name__)

MAX_TRIES = 5
LOCK_SECONDS = 60.0
IDLE_SECONDS = 120.0
PIN_LIMIT = 12

STATE_TEXT = {
    HealthState.OK: "正常",
    HealthState.DEGRADED: "需留意",
    HealthState.ABSENT: "未连接",
    HealthState.ERROR: "故障",
}


@dataclass
class Technician:
    """What the maintenance screen can see and do."""

    pin_hash: str | None
    printer: PrinterPort
    reader: CardReaderPort | None
    hub_check: Callable[[], Health]  # blocking (a hub ping): called on a worker
    zone: tzinfo  # the hall's: the test page prints the hall's time, not the box's
    box: str = "kiosk"


class _Signal(QObject):
    done = Signal(object)


class _Task(QRunnable):
    def __init__(self, work: Callable[[], object]) -> None:
        super().__init__()
        self.work = work
        self.signal = _Signal()

    def run(self) -> None:
        try:
            result: object = self.work()
        except Exception as err:  # shown to the technician, never raised into the pool
            log.exception("maintenance task failed")
            result = err
        self.signal.done.emit(result)


def health_lines(health: Health | None, missing: str) -> tuple[str, ...]:
    """A device's state for the technician (Chinese, with the English detail)."""
    if health is None:
        return (missing,)
    lines = [f"状态：{STATE_TEXT.get(health.state, str(health.state))}"]
    if health.problem:
        lines.append(f"问题：{health.problem}")
    if health.advice:
        lines.append(f"处理：{health.advice}")
    if health.detail:
        lines.append(f"detail: {health.detail}")
    return tuple(lines)


class MaintenanceView(QWidget):
    """PIN entry, then the health page. ``closed`` returns to the kiosk; ``exit_requested``
    closes the app."""

    closed = Signal()
    exit_requested = Signal()

    def __init__(self, technician: Technician, pool: QThreadPool) -> None:
        super().__init__()
        self.tech = technician
        self.pool = pool
        self.view = ScreenView()
        self.view.tapped.connect(self.tap)
        self.view.keyed.connect(self.key)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self._tasks: set[_Task] = set()
        self._metrics = Metrics.for_size(1080, 1920, False)
        self.state = "pin"
        self.pin = ""
        self.message = ""
        self.tries = 0
        self.locked_until = 0.0
        self.hub: Health | None = None
        self.reading = False
        self.read_result = ""
        self._touched = time.monotonic()

    # -- flow -----------------------------------------------------------------------------------

    def start(self, metrics: Metrics) -> None:
        self._metrics = metrics
        self.state, self.pin, self.message = "pin", "", ""
        self.hub, self.reading, self.read_result = None, False, ""
        self._touched = time.monotonic()
        self.redraw()

    def tap(self, action: str) -> None:
        self._touched = time.monotonic()
        if action == "leave":
            self.closed.emit()
            return
        if action == "exit":
            self.exit_requested.emit()
            return
        if action == "enter":
            self._check_pin()
        elif action == "test_print":
            self.message = "正在打印测试页…"
            self._run(self._test_print, self._printed)
        elif action == "test_read":
            self.reading, self.read_result = True, ""
            self.message = "请把身份证放到读卡器上"
        elif action == "recheck":
            self._check_hub()
        self.redraw()

    def key(self, key: str) -> None:
        self._touched = time.monotonic()
        if key == KEY_BACKSPACE:
            self.pin = self.pin[:-1]
        elif key == KEY_CLEAR:
            self.pin = ""
        elif key.isdigit() and len(self.pin) < PIN_LIMIT:
            self.pin += key
        self.redraw()

    def tick(self) -> None:
        """Once a second: idle timeout, and the test read's swipe."""
        if time.monotonic() - self._touched > IDLE_SECONDS:
            self.closed.emit()
            return
        if self.reading and self.tech.reader is not None:
            try:
                card = self.tech.reader.take_swipe()
            except Exception as err:
                log.exception("test read failed")
                card, self.read_result = None, f"读卡出错：{err}"
            if card is not None:
                self.reading = False
                self.read_result = f"读卡成功：{card.masked_name}"
        self.redraw()

    def _check_pin(self) -> None:
        now = time.monotonic()
        if self.tech.pin_hash is None:
            self.message = "未设置维护密码（hall.technician_pin_hash），不能进入维护"
        elif now < self.locked_until:
            self.message = f"密码错误次数过多，请{int(self.locked_until - now) + 1}秒后再试"
        elif verify_pin(self.pin, self.tech.pin_hash):
            log.info("maintenance screen opened with the technician PIN")
            self.state, self.tries, self.message = "health", 0, ""
            self._check_hub()
        else:
            self.tries += 1
            log.warning("wrong technician PIN (%d in a row)", self.tries)
            if self.tries >= MAX_TRIES:
                self.locked_until, self.tries = now + LOCK_SECONDS, 0
                self.message = f"密码错误次数过多，请{int(LOCK_SECONDS)}秒后再试"
            else:
                self.message = f"密码错误，还可以再试{MAX_TRIES - self.tries}次"
        self.pin = ""

    # -- workers --------------------------------------------------------------------------------

    def _run(self, work: Callable[[], object], done: Callable[[object], None]) -> None:
        task = _Task(work)
        task.setAutoDelete(False)
        self._tasks.add(task)

        def finished(result: object) -> None:
            self._tasks.discard(task)
            done(result)
            self.redraw()

        task.signal.done.connect(finished)
        self.pool.start(task)

    @property
    def idle(self) -> bool:
        return not self._tasks

    def _check_hub(self) -> None:
        def done(result: object) -> None:
            self.hub = result if isinstance(result, Health) else None

        self._run(self.tech.hub_check, done)

    def _test_print(self) -> object:
        slip = Slip(
            kind="ticket",
            title=f"{self.tech.box} 打印测试",
            big="TEST",
            lines=("打印机测试页", datetime.now(self.tech.zone).strftime("%Y-%m-%d %H:%M:%S")),
            qr="hallkit printer test",
            footer="看到此页说明打印正常",
        )
        return self.tech.printer.print_slip(slip)

    def _printed(self, result: object) -> None:
        printed = getattr(result, "printed", False)
        self.message = "测试页已打印" if printed else "测试页没有打印出来，请看打印机状态"

    # -- screens --------------------------------------------------------------------------------

    def build_screen(self) -> Screen:
        leave = Choice("leave", "返回自助服务", group=Group.NAV)
        if self.state == "pin":
            return Screen(
                journey="maintenance",
                state="pin",
                title="技术维护",
                lines=(self.message,) if self.message else ("请输入维护密码",),
                tone=Tone.ERROR if self.message else Tone.INFO,
                input=InputField("pin", self.pin, "维护密码", masked=True),
                choices=(Choice("enter", "确定", group=Group.ACTION), leave),
            )
        reader_health = None
        if self.tech.reader is not None:
            try:
                reader_health = self.tech.reader.health()
            except Exception as err:
                reader_health = Health("idcard", HealthState.ERROR, "读卡器服务出错", "", str(err))
        sections = (
            Section("打印机", health_lines(self.tech.printer.health(), "")),
            Section("身份证读卡器", health_lines(reader_health, "本机未配置读卡器")),
            Section("集中控制器", health_lines(self.hub, "正在检查…")),
        )
        lines = tuple(x for x in (self.message, self.read_result) if x)
        return Screen(
            journey="maintenance",
            state="health",
            title=f"技术维护 · {self.tech.box}",
            lines=lines,
            sections=sections,
            choices=(
                Choice("test_print", "测试打印", group=Group.ACTION),
                Choice(
                    "test_read",
                    "测试读卡",
                    group=Group.ACTION,
                    enabled=self.tech.reader is not None,
                ),
                Choice("recheck", "重新检查", group=Group.ACTION),
                Choice("exit", "退出程序", group=Group.ACTION),
                leave,
            ),
        )

    def redraw(self) -> None:
        self.view.show_screen(self.build_screen(), self._metrics)
