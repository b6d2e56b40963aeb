"""The counter's main window: a thin view of ``CounterWorkflow``.

It draws ``workflow.snapshot()`` (sign-in page or work page), turns buttons and shortcuts into
workflow calls, and repaints when the workflow says it changed: ``on_change`` may fire on any
thread, so it only emits a signal, which Qt queues to the GUI thread. A one-second timer repaints
the ticking service time and the rating countdown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from counter.qt.keys import key_label
from counter.states import Action, Phase, Snapshot
from counter.workflow import CounterWorkflow

FONT_FAMILY = "WenQuanYi Micro Hei"
BUTTON_ACTIONS = (
    Action.CALL_NEXT,
    Action.CALL_NUMBER,
    Action.RECALL,
    Action.SKIP,
    Action.TRANSFER,
    Action.PAUSE,
    Action.RESUME,
    Action.FINISH,
    Action.RECEIPT,
)
STYLE = """
QWidget { font-family: "WenQuanYi Micro Hei"; font-size: 18px; color: #1d2733; }
QMainWindow, #page { background: #eef2f6; }
#header { background: #1f4e79; } #header QLabel { color: white; }
#banner { background: #c62828; color: white; padding: 8px; font-weight: bold; }
#panel { background: white; border: 1px solid #c9d3de; border-radius: 8px; }
#number { font-size: 88px; font-weight: bold; color: #1f4e79; }
#message { padding: 6px; }
#message[error="true"] { color: #b71c1c; font-weight: bold; }
QPushButton { background: #ffffff; border: 1px solid #8aa1b8; border-radius: 6px;
              padding: 8px; min-height: 48px; }
QPushButton:disabled { color: #9aa5b1; background: #e3e8ed; border-color: #c9d3de; }
QPushButton#primary { background: #1f6fb5; color: white; font-weight: bold; }
QPushButton#primary:disabled { background: #9fb8cf; }
QPushButton#reason { background: #fff3e0; border-color: #ef6c00; }
QLineEdit { padding: 6px; min-height: 40px; font-size: 24px; background: white;
            border: 1px solid #8aa1b8; border-radius: 4px; }
"""


class Bridge(QObject):
    """Carries ``workflow.on_change`` (any thread) to the GUI thread."""

    changed = Signal()


def _label(text: str = "", name: str = "", size: int | None = None) -> QLabel:
    label = QLabel(text)
    if name:
        label.setObjectName(name)
    if size is not None:
        font = QFont(FONT_FAMILY)
        font.setPixelSize(size)
        label.setFont(font)
    label.setWordWrap(True)
    return label


class SignInPage(QWidget):
    """Staff number and PIN with an on-screen number pad (a USB number pad types too)."""

    def __init__(self, workflow: CounterWorkflow) -> None:
        super().__init__()
        self.workflow = workflow
        texts = workflow.texts
        self.staff_no = QLineEdit()
        self.staff_no.setPlaceholderText(texts.get("signin.staff_no"))
        self.pin = QLineEdit()
        self.pin.setPlaceholderText(texts.get("signin.pin"))
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.staff_no.returnPressed.connect(self.pin.setFocus)
        self.pin.returnPressed.connect(self.submit)
        self.message = _label(texts.get("signin.hint"), "message")
        self.submit_button = QPushButton(texts.get("signin.submit"))
        self.submit_button.setObjectName("primary")
        self.submit_button.clicked.connect(self.submit)
        self._field = self.staff_no

        box = QFrame()
        box.setObjectName("panel")
        box.setFixedWidth(460)
        column = QVBoxLayout(box)
        column.addWidget(_label(texts.get("signin.title"), size=28))
        form = QGridLayout()
        form.addWidget(_label(texts.get("signin.staff_no")), 0, 0)
        form.addWidget(self.staff_no, 0, 1)
        form.addWidget(_label(texts.get("signin.pin")), 1, 0)
        form.addWidget(self.pin, 1, 1)
        column.addLayout(form)
        pad = QGridLayout()
        keys = ["7", "8", "9", "4", "5", "6", "1", "2", "3", "clear", "0", "back"]
        for index, key in enumerate(keys):
            text = {"clear": texts.get("keys.clear"), "back": texts.get("keys.backspace")}
            button = QPushButton(text.get(key, key))
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _=False, k=key: self._pad(k))
            pad.addWidget(button, index // 3, index % 3)
        column.addLayout(pad)
        column.addWidget(self.submit_button)
        column.addWidget(self.message)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(box)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(1)
        self.staff_no.installEventFilter(self)
        self.pin.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusIn and isinstance(watched, QLineEdit):
            self._field = watched
        return False

    def _pad(self, key: str) -> None:
        field = self._field
        if key == "clear":
            field.clear()
        elif key == "back":
            field.backspace()
        else:
            field.insert(key)

    def submit(self) -> None:
        if self.workflow.sign_in(self.staff_no.text(), self.pin.text()):
            self.pin.clear()

    def show_snapshot(self, snap: Snapshot) -> None:
        if snap.message is not None:
            self.message.setText(str(snap.message))
        self.message.setProperty("error", "true" if snap.message_is_error else "false")
        self.message.style().polish(self.message)
        self.submit_button.setEnabled(snap.hub_ok and not snap.busy)


class CounterWindow(QWidget):
    """The whole counter screen. ``open_dialog(action)`` is called for the keys that need a
    dialog (call a number, transfer, pause, receipt); the app wires it to ``counter.qt.dialogs``."""

    def __init__(
        self,
        workflow: CounterWorkflow,
        keys: Mapping[str, list[QKeySequence]],
        open_dialog: Callable[[Action], None] | None = None,
    ) -> None:
        super().__init__()
        self.workflow = workflow
        self.open_dialog = open_dialog or (lambda action: None)
        self.setStyleSheet(STYLE)
        self.setObjectName("page")
        self.setWindowTitle("hallkit 窗口叫号")
        self.resize(1280, 800)
        self.bridge = Bridge()
        self.bridge.changed.connect(self.redraw, Qt.ConnectionType.QueuedConnection)
        workflow.on_change = self.bridge.changed.emit
        texts = workflow.texts

        self.title = _label("", size=26)
        self.clerk = _label("", size=20)
        self.clerk.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.sign_out_button = QPushButton(texts.get("signout"))
        self.sign_out_button.clicked.connect(workflow.sign_out)
        header = QFrame()
        header.setObjectName("header")
        top = QHBoxLayout(header)
        top.addWidget(self.title, 2)
        top.addWidget(self.clerk, 2)
        top.addWidget(self.sign_out_button)
        self.banner = _label(texts.get("hub.away"), "banner")

        self.stack = QStackedWidget()
        self.sign_in_page = SignInPage(workflow)
        self.work_page = self._work_page(keys)
        self.stack.addWidget(self.sign_in_page)
        self.stack.addWidget(self.work_page)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(header)
        layout.addWidget(self.banner)
        layout.addWidget(self.stack, 1)

        self.shortcuts: dict[str, list[QShortcut]] = {}
        for action, sequences in keys.items():
            for sequence in sequences:
                shortcut = QShortcut(sequence, self)
                shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
                bound = Action(action)
                shortcut.activated.connect(lambda a=bound: self.trigger(a))
                self.shortcuts.setdefault(action, []).append(shortcut)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.redraw)
        self.timer.start(1000)
        self.redraw()

    def _work_page(self, keys: Mapping[str, list[QKeySequence]]) -> QWidget:
        texts = self.workflow.texts
        page = QWidget()
        serving = QFrame()
        serving.setObjectName("panel")
        left = QVBoxLayout(serving)
        self.status = _label("", size=22)
        self.number = _label("", "number")
        self.number.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.category = _label("", size=22)
        self.item = _label("", size=20)
        self.elapsed = _label("", size=26)
        self.rating = _label("", size=22)
        self.reasons = QWidget()
        grid = QGridLayout(self.reasons)
        grid.setContentsMargins(0, 0, 0, 0)
        self.reason_buttons: list[QPushButton] = []
        for index, reason in enumerate(self.workflow.config.rating.bad_reasons):
            button = QPushButton(reason)
            button.setObjectName("reason")
            button.clicked.connect(lambda _=False, r=reason: self.workflow.choose_bad_reason(r))
            grid.addWidget(button, index // 3, index % 3)
            self.reason_buttons.append(button)
        for widget in (self.status, self.number, self.category, self.item, self.elapsed):
            left.addWidget(widget)
        left.addWidget(self.rating)
        left.addWidget(self.reasons)
        left.addStretch(1)

        queue = QFrame()
        queue.setObjectName("panel")
        right = QVBoxLayout(queue)
        right.addWidget(_label(texts.get("queue.title"), size=22))
        self.queue_table = QGridLayout()
        right.addLayout(self.queue_table)
        self.queue_labels: list[QLabel] = []
        right.addStretch(1)
        right.addWidget(_label(texts.get("today.title"), size=22))
        self.today = _label("", size=20)
        right.addWidget(self.today)

        middle = QHBoxLayout()
        middle.addWidget(serving, 3)
        middle.addWidget(queue, 2)

        self.buttons: dict[Action, QPushButton] = {}
        row = QGridLayout()
        for index, action in enumerate(BUTTON_ACTIONS):
            label = texts.get(f"action.{action.value}")
            shortcut = key_label(keys.get(action.value, []))
            button = QPushButton(f"{label}\n{shortcut}" if shortcut else label)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            if action is Action.CALL_NEXT:
                button.setObjectName("primary")
            button.clicked.connect(lambda _=False, a=action: self.trigger(a))
            row.addWidget(button, 0, index)
            self.buttons[action] = button
        self.message = _label("", "message", size=20)

        column = QVBoxLayout(page)
        column.addLayout(middle, 1)
        column.addLayout(row)
        column.addWidget(self.message)
        return page

    # -- input ----------------------------------------------------------------------------------

    def trigger(self, action: Action) -> None:
        """A button or a shortcut: run it, or open its dialog if the workflow can take it now."""
        if self.workflow.phase is Phase.SIGNED_OUT and self.workflow.hub_ok:
            return  # the sign-in page is up: its own keys type the staff number and PIN
        if action in (Action.CALL_NUMBER, Action.TRANSFER, Action.PAUSE, Action.RECEIPT):
            if self.workflow.check(action):
                self.open_dialog(action)
        else:
            self.workflow.press(action)

    # -- drawing --------------------------------------------------------------------------------

    def redraw(self) -> None:
        snap = self.workflow.snapshot()
        texts = self.workflow.texts
        self.title.setText(texts.get("app.title", number=snap.window, name=snap.window_name))
        clerk = snap.clerk
        self.clerk.setText(
            texts.get("clerk.line", name=clerk.name, number=clerk.number)
            if clerk
            else texts.get("clerk.none")
        )
        self.sign_out_button.setVisible(snap.phase is not Phase.SIGNED_OUT)
        self.banner.setVisible(not snap.hub_ok)
        signed_out = snap.phase is Phase.SIGNED_OUT
        self.stack.setCurrentWidget(self.sign_in_page if signed_out else self.work_page)
        if signed_out:
            self.sign_in_page.show_snapshot(snap)
            return
        self._serving(snap)
        self._queue(snap)
        for action, button in self.buttons.items():
            button.setEnabled(self.workflow.refusal(action) is None)
        self.message.setText(str(snap.message) if snap.message else "")
        self.message.setProperty("error", "true" if snap.message_is_error else "false")
        self.message.style().polish(self.message)

    def _serving(self, snap: Snapshot) -> None:
        texts = self.workflow.texts
        if snap.phase is Phase.PAUSED:
            self.status.setText(texts.get("status.paused", reason=snap.pause_reason or ""))
        elif snap.current is not None:
            self.status.setText(texts.get("status.serving"))
        else:
            self.status.setText(texts.get("status.idle"))
        ticket = snap.current
        if ticket is None:
            self.number.setText("—")
            self.category.setText(texts.get("serving.none"))
            self.item.setText("")
            self.elapsed.setText("")
        else:
            lane = (
                texts.get(f"lane.{ticket.lane}")
                if ticket.lane != "green"
                else (
                    texts.get("lane.green_group", group=ticket.green_group)
                    if ticket.green_group
                    else texts.get("lane.green")
                )
            )
            self.number.setText(ticket.number)
            self.category.setText(
                texts.get("serving.category", category=self._category(ticket.category), lane=lane)
            )
            self.item.setText(
                texts.get("serving.item", item=snap.item_name)
                if snap.item_name
                else texts.get("serving.item_unknown")
            )
            seconds = snap.elapsed_seconds or 0
            self.elapsed.setText(
                texts.get("serving.elapsed", minutes=seconds // 60, seconds=seconds % 60)
            )
        self.rating.setText(snap.rating_line or "")
        self.rating.setVisible(bool(snap.rating_line))
        self.reasons.setVisible(snap.phase is Phase.BAD_REASON)
        for button in self.reason_buttons:
            button.setEnabled(snap.hub_ok and not snap.busy)

    def _category(self, code: str) -> str:
        for category in self.workflow.config.categories:
            if category.code == code:
                return f"{code} {category.name}"
        return code

    def _queue(self, snap: Snapshot) -> None:
        texts = self.workflow.texts
        headers = [
            "",
            texts.get("lane.appointment"),
            texts.get("lane.green"),
            texts.get("lane.ordinary"),
        ]
        rows = [headers]
        for code, lanes in snap.queue.items():
            rows.append(
                [
                    self._category(code),
                    *(str(lanes.get(lane, 0)) for lane in ("appointment", "green", "ordinary")),
                ]
            )
        cells = [(r, c, text) for r, row in enumerate(rows) for c, text in enumerate(row)]
        while len(self.queue_labels) < len(cells):  # labels are kept: no flicker each second
            r, c, _ = cells[len(self.queue_labels)]
            label = _label("", size=20)
            if c:
                label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.queue_table.addWidget(label, r, c)
            self.queue_labels.append(label)
        for label, (_, _, text) in zip(self.queue_labels, cells, strict=False):
            label.setText(text)
        for label in self.queue_labels[len(cells) :]:
            label.setText("")
        today = snap.today
        average = (
            texts.get("today.average", minutes=today.average_minutes)
            if today.average_minutes is not None
            else texts.get("today.average_none")
        )
        line = texts.get("today.line", count=today.finished, average=average)
        if today.source == "seen":
            line += texts.get("today.seen")
        self.today.setText(line)
