"""The counter's dialogs for a case after 收件: 办理进度, 出件/领取, 补正通知, 不予受理. Thin views
of ``workflow.cases`` (``counter.case_steps``): they draw its form and turn keys into its calls.

Each finds the case first: the receipt field has the focus, so a USB barcode scanner (which types
the number and ends with Enter) finds it without a click; or the applicant puts their ID card on
the reader and their cases are listed, to pick one. Then, by dialog: 办理中 or 已办结待领取 with
the window to collect it at (this one unless changed), 请群众确认领取 (the citizen
presses any key on the keypad, the countdown shows here), the item's materials as big toggles to
tick every missing one (一次性告知), or the reason (presets, or written). The line under it is the
workflow's sentence for the last step, in red when something went wrong.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter.case_steps import PROGRESS_TARGETS, FormView
from counter.case_view import CaseView, can_move
from counter.qt.dialogs import WrapButton, _Dialog, _ReasonPicker
from counter.qt.signin import label
from counter.states import Action
from counter.workflow import CounterWorkflow

FOUND_SHOWN = 4
"""Cases of one person listed at once (the newest; older ones are rarely collected)."""

MATERIALS_IN_TWO_COLUMNS = 8
"""Up to this many materials are ticked in two columns; a longer list takes three."""

TITLES = {
    Action.PROGRESS: "case.progress_title",
    Action.DELIVER: "case.deliver_title",
    Action.CORRECTION: "case.correction_title",
    Action.REJECT: "case.reject_title",
}
OK_TEXT = {
    Action.PROGRESS: "case.progress_button",
    Action.DELIVER: "case.confirm",
    Action.CORRECTION: "case.correct",
    Action.REJECT: "case.reject_button",
}


TARGET_TEXT = {"processing": "case.to_processing", "ready": "case.to_ready"}


class CaseDialog(_Dialog):
    """Find a case, then the step of ``action`` (PROGRESS, DELIVER, CORRECTION or REJECT)."""

    def __init__(
        self, action: Action, workflow: CounterWorkflow, parent: QWidget | None = None
    ) -> None:
        texts = workflow.texts
        super().__init__(workflow, texts.get(TITLES[action]), parent)
        self.action = action
        self.cases = workflow.cases
        scale = self.scale
        self.setMinimumWidth(round(1100 * scale))
        self.column.addWidget(label(texts.get("case.receipt"), "section"))
        self.receipt = QLineEdit()
        self.receipt.returnPressed.connect(self.find_case)
        self.find_button = QPushButton(texts.get("case.find"))
        self.find_button.setMinimumWidth(round(160 * scale))
        self.find_button.clicked.connect(self.find_case)
        row = QHBoxLayout()
        row.addWidget(self.receipt, 1)
        row.addWidget(self.find_button)
        self.column.addLayout(row)
        hint = "case.card_hint" if self.cases.reader_present else "case.no_reader"
        self.hint = label(texts.get(hint), "hint")
        self.column.addWidget(self.hint)

        self.found_group = QButtonGroup(self)
        self.found_buttons: list[WrapButton] = []
        for _ in range(FOUND_SHOWN):
            button = WrapButton("", self.found_group, round(20 * scale))
            button.setMinimumHeight(round(52 * scale))
            button.clicked.connect(self._picked)
            button.hide()
            self.column.addWidget(button)
            self.found_buttons.append(button)

        self.body = QVBoxLayout()
        self.column.addLayout(self.body, 1)
        self.material_buttons: list[WrapButton] = []
        self._materials_of: str | None = None  # the receipt whose materials are shown
        self.reprint: QPushButton | None = None
        self.reason: _ReasonPicker | None = None
        self.targets: dict[str, WrapButton] = {}
        self.pickup: QComboBox | None = None
        if action is Action.PROGRESS:
            self._progress_body()
        elif action is Action.CORRECTION:
            self.ticked = label(texts.get("case.materials"), "section")
            self.body.addWidget(self.ticked)
            self.materials = QGridLayout()
            self.body.addLayout(self.materials)
            self.reprint = QPushButton(texts.get("case.reprint"))
            self.reprint.clicked.connect(self.cases.reprint_correction)
        elif action is Action.REJECT:
            self.body.addWidget(label(texts.get("case.reason"), "section"))
            self.reason = _ReasonPicker(texts.choices("case.reasons"), texts.get("reason.other"))
            self.body.addWidget(self.reason)
        self.line = label("", "message")
        self.column.addWidget(self.line)
        self.countdown = label("", "ratingline")  # large: the moment the citizen is asked
        self.countdown.hide()
        self.column.addWidget(self.countdown)
        keys = QHBoxLayout()
        if self.reprint is not None:
            keys.addWidget(self.reprint)
        keys.addStretch(1)
        keys.addWidget(self.cancel)
        keys.addWidget(self.ok)
        self.column.addLayout(keys)
        self.ok.setText(texts.get(OK_TEXT[action]))
        self.cancel.setText(texts.get("case.close"))
        self.ok.setMinimumWidth(round(280 * scale))

        bridge = getattr(parent, "bridge", None)  # the window's "workflow changed" signal
        if bridge is not None:
            bridge.changed.connect(self.redraw, Qt.ConnectionType.QueuedConnection)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.redraw)
        self.timer.start(500)  # the confirmation's countdown, and changes without a bridge
        self.cases.open(action)
        self.receipt.setFocus()
        self.redraw()

    def _progress_body(self) -> None:
        """办理中 / 已办结待领取 as two big choices, and the window to collect the result at."""
        texts, scale = self.workflow.texts, self.scale
        self.body.addWidget(label(texts.get("case.progress_to"), "section"))
        group = QButtonGroup(self)
        row = QHBoxLayout()
        for target in PROGRESS_TARGETS:
            button = WrapButton(texts.get(TARGET_TEXT[target]), group, round(22 * scale))
            button.setMinimumHeight(round(64 * scale))
            button.clicked.connect(lambda _=False: self.redraw())
            row.addWidget(button)
            self.targets[target] = button
        self.body.addLayout(row)
        self.pickup = QComboBox()
        self.pickup.setMinimumHeight(round(48 * scale))
        own = self.workflow.window
        windows = self.workflow.hall_windows() or (own,)
        names = {w.number: w.name for w in self.workflow.config.windows}
        for number in windows:
            name = names.get(number, "")
            self.pickup.addItem(f"{number}号窗口" + (f" · {name}" if name else ""), number)
        self.pickup.setCurrentIndex(max(0, self.pickup.findData(own)))
        pickup_row = QHBoxLayout()
        pickup_row.addWidget(label(texts.get("case.pickup_window"), "section"))
        pickup_row.addWidget(self.pickup, 1)
        self.body.addLayout(pickup_row)
        self.body.addStretch(1)

    def target(self) -> str | None:
        """The status ticked in the 办理进度 dialog, or None."""
        return next((t for t, b in self.targets.items() if b.isChecked()), None)

    def choose_target(self, status: str, pickup_window: int | None = None) -> None:
        """Tick ``status`` (and pick the pickup window): tests and the tour."""
        self.targets[status].setChecked(True)
        if pickup_window is not None and self.pickup is not None:
            self.pickup.setCurrentIndex(self.pickup.findData(pickup_window))
        self.redraw()

    # -- input -----------------------------------------------------------------------------------

    def find_case(self) -> None:
        self.cases.find(self.receipt.text())
        self.redraw()

    def _picked(self) -> None:
        button = self.found_group.checkedButton()
        if button is not None:
            self.cases.choose(str(button.property("receipt")))
        self.redraw()

    def tick(self, *names: str) -> None:
        """Tick these materials (tests and the tour)."""
        for button in self.material_buttons:
            if button.fulltext in names:
                button.setChecked(True)
        self.redraw()

    def submit(self) -> None:
        if self.action is Action.PROGRESS:
            target = self.target()
            if target is None:
                self.cases.advance("")  # says which to choose
            else:
                pickup = self.pickup.currentData() if self.pickup is not None else None
                self.cases.advance(target, int(pickup) if pickup is not None else None)
        elif self.action is Action.DELIVER:
            self.cases.confirm()
        elif self.action is Action.CORRECTION:
            ticked = [b.fulltext for b in self.material_buttons if b.isChecked()]
            self.cases.correct(ticked)
        elif self.reason is not None:
            self.cases.reject(self.reason.reason())
        self.redraw()

    def done(self, result: int) -> None:  # every way out: 关闭, Esc, the window closing
        self.timer.stop()
        self.cases.close()
        super().done(result)

    # -- drawing -----------------------------------------------------------------------------------

    def redraw(self) -> None:
        view = self.cases.view()
        if view is None:
            return
        snap = self.workflow.snapshot()
        self._draw_found(view)
        self.hint.setVisible(not view.form.found)  # room for the case once one is found
        chosen = view.form.chosen
        if self.action is Action.CORRECTION:
            self._draw_materials(chosen)
        if self.action is Action.PROGRESS:
            self._draw_targets(chosen, view.form.done)
        asking = view.seconds_left is not None
        if asking:
            self.countdown.setText(
                self.workflow.texts.get("case.confirm_ask", seconds=view.seconds_left)
            )
        self.countdown.setVisible(asking)
        self.line.setVisible(not asking)
        self.line.setText(str(snap.message) if snap.message else "")
        error = "true" if snap.message_is_error else "false"
        if self.line.property("error") != error:
            self.line.setProperty("error", error)
            self.line.style().polish(self.line)
        idle = not snap.busy and not view.form.confirming and not view.form.done
        ticked = self.action is not Action.PROGRESS or self.target() is not None
        self.ok.setEnabled(idle and chosen is not None and ticked)
        self.receipt.setEnabled(not view.form.confirming)
        self.find_button.setEnabled(idle)
        if self.reprint is not None:
            self.reprint.setVisible(chosen is not None and bool(chosen.missing))
            self.reprint.setEnabled(not snap.busy)
        self._grow()

    def _draw_found(self, view: FormView) -> None:
        texts = self.workflow.texts
        found = view.form.found
        for index, button in enumerate(self.found_buttons):
            case = found[index] if index < len(found) else None
            button.setVisible(case is not None)
            if case is None:
                continue
            text = texts.get(
                "case.line", receipt=case.receipt, item=case.item_name, status=case.status_text
            )
            if button.fulltext != text:
                button.set_fulltext(text)
            button.setProperty("receipt", case.receipt)
            chosen = view.form.chosen
            button.setChecked(chosen is not None and chosen.receipt == case.receipt)
            button.setEnabled(not view.form.confirming)

    def _draw_targets(self, case: CaseView | None, done: bool) -> None:
        """Only the moves the case's status allows can be ticked; the only one is ticked."""
        allowed = [t for t in PROGRESS_TARGETS if case is not None and can_move(case.status, t)]
        for target, button in self.targets.items():
            button.setEnabled(target in allowed and not done)
            if target not in allowed and button.isChecked():
                group = button.group()
                group.setExclusive(False)
                button.setChecked(False)
                group.setExclusive(True)
        if len(allowed) == 1 and self.target() is None and not done:
            self.targets[allowed[0]].setChecked(True)
        if self.pickup is not None:
            self.pickup.setEnabled(self.target() == "ready" and not done)

    def _draw_materials(self, case: CaseView | None) -> None:
        receipt = case.receipt if case is not None else None
        if receipt != self._materials_of:
            self._materials_of = receipt
            for button in self.material_buttons:
                self.materials.removeWidget(button)
                button.hide()
                button.setParent(None)
                button.deleteLater()
            self.material_buttons = []
            wanted = set(case.missing) if case is not None else set()
            materials = self.cases.materials_of(case) if case is not None else ()
            columns = 2 if len(materials) <= MATERIALS_IN_TWO_COLUMNS else 3
            for index, material in enumerate(materials):
                button = WrapButton(material, font_px=round(20 * self.scale))
                button.setMinimumHeight(round(52 * self.scale))
                button.setChecked(material in wanted)
                button.toggled.connect(lambda _=False: self.redraw())
                self.materials.addWidget(button, index // columns, index % columns)
                self.material_buttons.append(button)
        count = sum(1 for b in self.material_buttons if b.isChecked())
        texts = self.workflow.texts
        self.ticked.setText(
            texts.get("case.materials") + " · " + texts.get("case.missing_count", count=count)
        )


def progress_dialog(workflow: CounterWorkflow, parent: QWidget | None) -> CaseDialog:
    return CaseDialog(Action.PROGRESS, workflow, parent)


def deliver_dialog(workflow: CounterWorkflow, parent: QWidget | None) -> CaseDialog:
    return CaseDialog(Action.DELIVER, workflow, parent)


def correction_dialog(workflow: CounterWorkflow, parent: QWidget | None) -> CaseDialog:
    return CaseDialog(Action.CORRECTION, workflow, parent)


def reject_dialog(workflow: CounterWorkflow, parent: QWidget | None) -> CaseDialog:
    return CaseDialog(Action.REJECT, workflow, parent)


CASE_DIALOGS = {
    Action.PROGRESS: progress_dialog,
    Action.DELIVER: deliver_dialog,
    Action.CORRECTION: correction_dialog,
    Action.REJECT: reject_dialog,
}
