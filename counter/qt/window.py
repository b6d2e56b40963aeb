"""The counter's main window: a thin view of ``CounterWorkflow``.

It draws ``workflow.snapshot()`` (sign-in page or work page), turns buttons and shortcuts into
workflow calls, and repaints when the workflow says it changed: ``on_change`` may fire on any
thread, so it only emits a signal, which Qt queues to the GUI thread. A one-second timer repaints
the clock, the ticking service time and the rating countdown.

From the top: the header (window, clerk, clock, 退出登录), the hub-away banner, the state band
(the window's state in its colour, large), the rating band (the last citizen's rating, beside
whatever the clerk does next), then the serving panel and the window's queue, the keys, and the
sentence of the last key. Everything is sized from the screen's height (``counter.qt.style``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from appkit.style import clock_text
from counter.qt.bands import RatingBand, StateBand
from counter.qt.keys import key_label
from counter.qt.signin import SignInPage, label
from counter.qt.style import px, scale_for, stylesheet
from counter.states import CASE_ACTIONS, Action, Phase, Snapshot
from counter.workflow import CounterWorkflow

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
    Action.PROGRESS,
    Action.DELIVER,
    Action.CORRECTION,
    Action.REJECT,
)
DIALOG_ACTIONS = frozenset(
    {Action.CALL_NUMBER, Action.TRANSFER, Action.PAUSE, *CASE_ACTIONS}
)  # keys that open a dialog (a case's keys: 收件回执, 办理进度, 出件, 补正通知, 不予受理)
LANES = ("appointment", "green", "ordinary")
LATE_MINUTES = 30  # a longest wait this long is shown in the warning colour


class KeyButton(QPushButton):
    """A key on screen: the action's name, and under it, smaller, its keyboard keys."""

    def __init__(self, name: str, keys: str) -> None:
        super().__init__()
        self.name = label(name, "keyname", wrap=False)
        self.keys = label(keys, "keykeys", wrap=False)
        for part in (self.name, self.keys):
            part.setAlignment(Qt.AlignmentFlag.AlignCenter)
            part.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        column = QVBoxLayout(self)
        column.setContentsMargins(4, 4, 4, 4)
        column.setSpacing(0)
        column.addWidget(self.name)
        column.addWidget(self.keys)
        self.keys.setVisible(bool(keys))

    def text(self) -> str:  # the label, as the clerk reads it
        return self.name.text()


class Bridge(QObject):
    """Carries ``workflow.on_change`` (any thread) to the GUI thread."""

    changed = Signal()


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
        self.setObjectName("page")
        self.setWindowTitle("hallkit 窗口叫号")
        self.bridge = Bridge()
        self.bridge.changed.connect(self.redraw, Qt.ConnectionType.QueuedConnection)
        workflow.on_change = self.bridge.changed.emit
        texts = workflow.texts
        self.key_names = {
            action.value: (key_label(keys.get(action.value, [])[:1]) or "") for action in Action
        }

        self.title = label("", "title", wrap=False)
        self.clerk = label("", "clock", wrap=False)
        self.clock = label("", "clock", wrap=False)
        self.clerk.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.clock.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.sign_out_button = QPushButton(texts.get("signout"))
        self.sign_out_button.setObjectName("signout")
        self.sign_out_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.sign_out_button.clicked.connect(workflow.sign_out)
        self.header = QFrame()
        self.header.setObjectName("header")
        top = self.header_row = QHBoxLayout(self.header)
        top.addWidget(self.title, 3)
        top.addWidget(self.clerk, 2)
        top.addSpacing(24)
        top.addWidget(self.clock)
        top.addSpacing(12)
        top.addWidget(self.sign_out_button)
        self.banner = label(texts.get("hub.away"), "banner")
        self.state_band = StateBand(workflow)
        self.rating_band = RatingBand(workflow)
        self.reasons = self.rating_band.reasons
        self.reason_buttons = self.rating_band.reason_buttons
        self.rating = self.rating_band  # .text() is the rating line

        # One page at a time; a hidden page takes no room (a stacked widget would keep the
        # sign-in page's height under the work page too).
        self.sign_in_page = SignInPage(workflow)
        self.work_page = self._work_page(keys)

        self.body = QVBoxLayout()
        self.body.addWidget(self.rating_band)
        self.body.addWidget(self.sign_in_page, 1)
        self.body.addWidget(self.work_page, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(self.banner)
        layout.addWidget(self.state_band)
        layout.addLayout(self.body, 1)

        self.shortcuts: dict[str, list[QShortcut]] = {}
        for action, sequences in keys.items():
            for sequence in sequences:
                shortcut = QShortcut(sequence, self)
                shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
                bound = Action(action)
                shortcut.activated.connect(lambda a=bound: self.trigger(a))
                self.shortcuts.setdefault(action, []).append(shortcut)
        self._scale = 0.0
        self.resize(1280, 800)
        self._restyle()
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
        self.caption = label(texts.get("serving.caption"), "caption")
        self.number = label("", "number", wrap=False)
        self.number.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.category = label("", "detail")
        self.item = label("", "detail")
        self.item.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.elapsed = label("", "elapsed", wrap=False)
        self.hint = label("", "hint")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # The number large, and beside it what it is and how long it has been served.
        facts = QVBoxLayout()
        facts.addStretch(1)
        facts.addWidget(self.category)
        facts.addWidget(self.elapsed)
        facts.addStretch(1)
        ticket = QHBoxLayout()
        ticket.addStretch(1)
        ticket.addWidget(self.number)
        ticket.addSpacing(24)
        ticket.addLayout(facts)
        ticket.addStretch(1)
        left.addWidget(self.caption)
        left.addStretch(1)
        left.addLayout(ticket)
        left.addWidget(self.item)
        left.addWidget(self.hint)
        left.addStretch(1)

        queue = QFrame()
        queue.setObjectName("panel")
        right = QVBoxLayout(queue)
        right.addWidget(label(texts.get("queue.title"), "caption"))
        self.queue_table = QGridLayout()
        self.queue_table.setHorizontalSpacing(8)
        right.addLayout(self.queue_table)
        self.queue_labels: list[QLabel] = []
        right.addStretch(1)
        self.longest = label("", "longest")
        right.addWidget(self.longest)
        right.addSpacing(8)
        self.today = label("", "today")
        right.addWidget(self.today)

        middle = QHBoxLayout()
        middle.addWidget(serving, 3)
        middle.addWidget(queue, 2)

        self.buttons: dict[Action, KeyButton] = {}
        row = QGridLayout()
        # The queue's keys in one row, a case's paperwork (收件, 进度, 出件, 补正, 不予受理) under
        # them; each row's keys share the row's width equally (a grid of lcm(m, n) columns).
        queue_keys = [a for a in BUTTON_ACTIONS if a not in CASE_ACTIONS]
        case_keys = [a for a in BUTTON_ACTIONS if a in CASE_ACTIONS]
        columns = math.lcm(len(queue_keys), len(case_keys))
        queue_span, span = columns // len(queue_keys), columns // len(case_keys)
        for index in range(columns):
            row.setColumnStretch(index, 1)
        for action in BUTTON_ACTIONS:
            name = texts.get(f"action.{action.value}")
            button = KeyButton(name, key_label(keys.get(action.value, [])))
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            if action is Action.CALL_NEXT:
                button.setObjectName("primary")
            button.clicked.connect(lambda _=False, a=action: self.trigger(a))
            if action in CASE_ACTIONS:
                row.addWidget(button, 1, case_keys.index(action) * span, 1, span)
            else:
                row.addWidget(button, 0, queue_keys.index(action) * queue_span, 1, queue_span)
            self.buttons[action] = button
        self.message = label("", "message")

        column = QVBoxLayout(page)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(middle, 1)
        column.addLayout(row)
        column.addWidget(self.message)
        return page

    # -- sizing ---------------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._restyle()

    def _restyle(self) -> None:
        scale = scale_for(self.height(), self.width())
        if abs(scale - self._scale) < 0.01:
            return
        self._scale = scale
        self.setStyleSheet(stylesheet(scale))
        margin = px(12, scale)
        self.body.setContentsMargins(margin, margin, margin, margin // 2)
        self.header_row.setContentsMargins(margin * 2, margin // 2, margin, margin // 2)
        self.sign_in_page.set_scale(scale)
        for button in self.buttons.values():
            button.setMinimumHeight(px(68, scale))

    # -- input ----------------------------------------------------------------------------------

    def trigger(self, action: Action) -> None:
        """A button or a shortcut: run it, or open its dialog if the workflow can take it now."""
        if self.workflow.phase is Phase.SIGNED_OUT and self.workflow.hub_ok:
            return  # the sign-in page is up: its own keys type the staff number and PIN
        if action in DIALOG_ACTIONS:
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
        self.clock.setText(clock_text(snap.now) if snap.now is not None else "")
        signed_out = snap.phase is Phase.SIGNED_OUT
        self.sign_out_button.setVisible(not signed_out)
        self.sign_out_button.setEnabled(self.workflow.refusal(Action.SIGN_OUT) is None)
        self.banner.setVisible(not snap.hub_ok)
        self.state_band.show_snapshot(snap, self.key_names)
        self.rating_band.show_snapshot(snap)
        self.sign_in_page.setVisible(signed_out)
        self.work_page.setVisible(not signed_out)
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
        ticket = snap.current
        small = snap.rating is not None  # the rating band takes some of the panel's height
        if (
            self.number.property("empty") != (ticket is None)
            or self.number.property("small") != small
        ):
            self.number.setProperty("empty", ticket is None)
            self.number.setProperty("small", small)
            self.number.style().polish(self.number)
        if ticket is None:
            waiting = sum(sum(lanes.values()) for lanes in snap.queue.values())
            self.number.setText(texts.get("serving.waiting", waiting=waiting))
            hint = (
                texts.get("serving.hint_paused", key=self.key_names["resume"])
                if snap.phase is Phase.PAUSED
                else texts.get("serving.hint_idle", key=self.key_names["call_next"])
            )
            self.category.setText("")
            self.category.setVisible(False)
            self.item.setText("")
            self.elapsed.setText("")
            self.item.setVisible(False)
            self.hint.setText(hint)
            self.hint.setVisible(True)
            return
        if ticket.lane == "green":
            lane = (
                texts.get("lane.green_group", group=ticket.green_group)
                if ticket.green_group
                else texts.get("lane.green")
            )
        else:
            lane = texts.get(f"lane.{ticket.lane}")
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
        self.hint.setText("")
        self.hint.setVisible(False)
        self.item.setVisible(True)
        self.category.setVisible(True)

    def _category(self, code: str) -> str:
        for category in self.workflow.config.categories:
            if category.code == code:
                return f"{code} {category.name}"
        return code

    def _queue(self, snap: Snapshot) -> None:
        texts = self.workflow.texts
        rows = [
            [
                ("", "qhead"),
                *((texts.get(f"lane.{lane}"), "qhead") for lane in LANES),
                (texts.get("queue.sum"), "qhead"),
            ]
        ]
        for code, lanes in snap.queue.items():
            counts = [lanes.get(lane, 0) for lane in LANES]
            rows.append(
                [
                    (self._category(code), "qcell"),
                    *((str(n), "qcell") for n in counts),
                    (str(sum(counts)), "qtotal"),
                ]
            )
        cells = [(r, c, cell) for r, row in enumerate(rows) for c, cell in enumerate(row)]
        while len(self.queue_labels) < len(cells):  # labels are kept: no flicker each second
            r, c, _ = cells[len(self.queue_labels)]
            cell = label("", "qcell", wrap=False)
            if c:
                cell.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.queue_table.addWidget(cell, r, c)
            self.queue_labels.append(cell)
        for cell, (_, _, (text, name)) in zip(self.queue_labels, cells, strict=False):
            cell.setText(text)
            if cell.objectName() != name:
                cell.setObjectName(name)
                cell.style().polish(cell)
        for cell in self.queue_labels[len(cells) :]:
            cell.setText("")
        longest = snap.longest_wait
        if longest is None:
            self.longest.setText(texts.get("queue.nobody"))
            late = False
        else:
            self.longest.setText(
                texts.get("queue.longest", number=longest.number, minutes=longest.minutes)
            )
            late = longest.minutes >= LATE_MINUTES
        if self.longest.property("late") != late:
            self.longest.setProperty("late", late)
            self.longest.style().polish(self.longest)
        today = snap.today
        average = (
            texts.get("today.average", minutes=today.average_minutes)
            if today.average_minutes is not None
            else texts.get("today.average_none")
        )
        line = texts.get("today.line", count=today.finished, average=average)
        if today.source == "seen":
            line += texts.get("today.seen")
        self.today.setText(texts.get("today.title") + "：" + line)
