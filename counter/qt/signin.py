"""The counter's sign-in page: staff number and PIN with an on-screen number pad (a USB number
pad types too)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter.states import Snapshot
from counter.workflow import CounterWorkflow


def label(text: str = "", name: str = "", *, wrap: bool = True) -> QLabel:
    """A label with an object name (the stylesheet sizes it by name)."""
    widget = QLabel(text)
    if name:
        widget.setObjectName(name)
    widget.setWordWrap(wrap)
    return widget


class SignInPage(QWidget):
    """Staff number and PIN, a number pad, 登录, and the sentence of the last attempt."""

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
        self.message = label(texts.get("signin.hint"), "message")
        self.submit_button = QPushButton(texts.get("signin.submit"))
        self.submit_button.setObjectName("primary")
        self.submit_button.clicked.connect(self.submit)
        self._field = self.staff_no

        self.box = QFrame()
        self.box.setObjectName("panel")
        # The fields and 登录 on the left, the number pad on the right: the page fits under a
        # rating band on a 1280×800 counter.
        column = QVBoxLayout(self.box)
        column.addWidget(label(texts.get("signin.title"), "dialogtitle"))
        sides = QHBoxLayout()
        column.addLayout(sides)
        fields = QVBoxLayout()
        form = QGridLayout()
        form.addWidget(label(texts.get("signin.staff_no"), "section", wrap=False), 0, 0)
        form.addWidget(self.staff_no, 0, 1)
        form.addWidget(label(texts.get("signin.pin"), "section", wrap=False), 1, 0)
        form.addWidget(self.pin, 1, 1)
        fields.addLayout(form)
        fields.addWidget(self.submit_button)
        fields.addWidget(self.message)
        fields.addStretch(1)
        sides.addLayout(fields, 1)
        pad = QGridLayout()
        keys = ["7", "8", "9", "4", "5", "6", "1", "2", "3", "clear", "0", "back"]
        names = {"clear": texts.get("keys.clear"), "back": texts.get("keys.backspace")}
        for index, key in enumerate(keys):
            button = QPushButton(names.get(key, key))
            button.setObjectName("padkey")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _=False, k=key: self._pad(k))
            pad.addWidget(button, index // 3, index % 3)
        sides.addSpacing(16)
        sides.addLayout(pad, 1)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.box)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(1)
        self.staff_no.installEventFilter(self)
        self.pin.installEventFilter(self)

    def set_scale(self, scale: float) -> None:
        self.box.setFixedWidth(round(900 * scale))

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
