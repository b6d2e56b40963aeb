"""The two bands across the counter's screen: the window's state (空闲 / 办理中 / 暂停服务 /
等待评价, each in its own colour, large) and the rating band (the citizen's rating of the last
service, with its time left and, for a 差评, the reasons to pick), shown beside whatever the
window does next."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from counter.qt.signin import label
from counter.qt.style import STATE_COLOURS
from counter.states import Phase, Snapshot
from counter.workflow import CounterWorkflow


class StateBand(QFrame):
    """One line, large, in the colour of the window's state."""

    def __init__(self, workflow: CounterWorkflow) -> None:
        super().__init__()
        self.setObjectName("stateband")
        self.workflow = workflow
        self.text = label("", "state", wrap=False)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.text, 1)
        self.kind = ""

    def show_snapshot(self, snap: Snapshot, keys: dict[str, str]) -> None:
        texts = self.workflow.texts
        phase = snap.phase
        if phase is Phase.SIGNED_OUT:
            kind, line = "signed_out", texts.get("band.signed_out")
        elif phase is Phase.PAUSED:
            kind = "paused"
            line = texts.get("band.paused", reason=snap.pause_reason or "", key=keys["resume"])
        elif phase is Phase.SERVING and snap.current is not None:
            kind, line = "serving", texts.get("band.serving", number=snap.current.number)
        elif phase is Phase.RATING and snap.rating is not None:
            kind = "rating"
            line = texts.get("band.rating", number=snap.rating.number, key=keys["call_next"])
        elif phase is Phase.BAD_REASON and snap.rating is not None:
            kind, line = "bad_reason", texts.get("band.bad_reason", number=snap.rating.number)
        else:
            kind, line = "idle", texts.get("band.idle", key=keys["call_next"])
        self.kind = kind
        colours = STATE_COLOURS[kind]
        self.setStyleSheet(
            f"#stateband {{ background: {colours.background}; }}"
            f" #state {{ color: {colours.text}; }}"
        )
        self.text.setText(line)


class RatingBand(QFrame):
    """The rating of the last service: who, what so far, the time left, the 差评 reasons."""

    def __init__(self, workflow: CounterWorkflow) -> None:
        super().__init__()
        self.setObjectName("rating")
        self.workflow = workflow
        self.title = label("", "ratingline", wrap=False)
        self.time = label("", "ratingtime", wrap=False)
        self.line = label("", "ratingnote")
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.time)
        self.reasons = QWidget()
        grid = QGridLayout(self.reasons)
        grid.setContentsMargins(0, 0, 0, 0)
        self.reason_buttons: list[QPushButton] = []
        for index, reason in enumerate(workflow.config.rating.bad_reasons):
            button = QPushButton(reason)
            button.setObjectName("reason")
            button.clicked.connect(lambda _=False, r=reason: self.workflow.choose_bad_reason(r))
            grid.addWidget(button, 0, index)
            self.reason_buttons.append(button)
        column = QVBoxLayout(self)
        column.addLayout(top)
        column.addWidget(self.line)
        column.addWidget(self.reasons)

    def text(self) -> str:
        """The band's sentence (the rating line) as the clerk reads it."""
        return self.line.text()

    def show_snapshot(self, snap: Snapshot) -> None:
        rating = snap.rating
        self.setVisible(rating is not None)
        if rating is None:
            return
        texts = self.workflow.texts
        if rating.wants_reason:
            kind, title = "bad_reason", texts.get("rating.band_reason", number=rating.number)
        elif rating.open:
            kind, title = "rating", texts.get("rating.band_asking", number=rating.number)
        else:
            kind, title = "idle", texts.get("rating.band_done", number=rating.number)
        left = rating.seconds_left
        if left is None:
            self.time.setText("")
        elif rating.wants_reason:
            self.time.setText(
                texts.get("rating.reason_seconds", minutes=left // 60, seconds=left % 60)
            )
        else:
            self.time.setText(texts.get("rating.seconds", seconds=left))
        self.title.setText(title)
        open_key = rating.open and not rating.wants_reason
        self.line.setText(texts.get("rating.band_hint") if open_key else rating.line)
        self.line.setVisible(not rating.wants_reason)  # the title says it; room for the reasons
        self.reasons.setVisible(rating.wants_reason)
        for button in self.reason_buttons:
            button.setEnabled(snap.hub_ok and not snap.busy)
        colours = STATE_COLOURS[kind] if kind != "idle" else STATE_COLOURS["rating"]
        border = "#b3261e" if kind == "bad_reason" else "#c79100"
        self.setStyleSheet(
            f"#rating {{ background: {colours.background}; border: 3px solid {border}; }}"
            f" #rating QLabel {{ color: {colours.text}; background: transparent; }}"
        )
