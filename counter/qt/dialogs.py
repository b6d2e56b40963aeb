"""The counter's dialogs: call a number, transfer, pause, 收件回执. Each collects what the
workflow needs and hands it over; the workflow checks it and says what is wrong."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from counter.ports import ItemInfo
from counter.states import Action
from counter.workflow import CounterWorkflow


class _Dialog(QDialog):
    def __init__(self, workflow: CounterWorkflow, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.workflow = workflow
        self.setWindowTitle(title)
        self.setMinimumWidth(560)
        self.setStyleSheet(parent.styleSheet() if parent is not None else "")
        self.column = QVBoxLayout(self)
        heading = QLabel(title)
        heading.setStyleSheet("font-size: 26px; font-weight: bold;")
        self.column.addWidget(heading)
        self.problem = QLabel("")
        self.problem.setStyleSheet("color: #b71c1c; font-weight: bold;")
        self.problem.setWordWrap(True)
        texts = workflow.texts
        self.buttons = QDialogButtonBox()
        self.ok = self.buttons.addButton(
            texts.get("dialog.ok"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.addButton(texts.get("dialog.cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

    def finish_layout(self) -> None:
        self.column.addWidget(self.problem)
        self.column.addWidget(self.buttons)

    def hand_over(self, accepted: bool) -> None:
        """Close if the workflow took it; else show its sentence and stay open."""
        if accepted:
            self.accept()
        else:
            message = self.workflow.snapshot().message
            self.problem.setText(str(message) if message else "")

    def submit(self) -> None:
        raise NotImplementedError


class CallNumberDialog(_Dialog):
    def __init__(self, workflow: CounterWorkflow, parent: QWidget | None = None) -> None:
        super().__init__(workflow, workflow.texts.get("call_number.title"), parent)
        self.column.addWidget(QLabel(workflow.texts.get("call_number.prompt")))
        self.number = QLineEdit()
        self.number.returnPressed.connect(self.submit)
        self.column.addWidget(self.number)
        self.finish_layout()

    def submit(self) -> None:
        self.hand_over(self.workflow.call_number(self.number.text()))


class TransferDialog(_Dialog):
    def __init__(self, workflow: CounterWorkflow, parent: QWidget | None = None) -> None:
        texts = workflow.texts
        super().__init__(workflow, texts.get("transfer.title"), parent)
        config = workflow.config
        self.to_category = QRadioButton(texts.get("transfer.to_category"))
        self.to_window = QRadioButton(texts.get("transfer.to_window"))
        self.to_category.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.to_category)
        group.addButton(self.to_window)
        self.category = QComboBox()
        for category in config.categories:
            self.category.addItem(f"{category.code} {category.name}", category.code)
        self.window_box = QComboBox()
        for window in config.windows:
            if window.number != workflow.window:
                line = texts.get("transfer.window_line", number=window.number, name=window.name)
                self.window_box.addItem(line, window.number)
        self.reason = QComboBox()
        self.reason.setEditable(True)
        self.reason.addItems(texts.choices("transfer.reasons"))
        grid = QGridLayout()
        grid.addWidget(self.to_category, 0, 0)
        grid.addWidget(self.category, 0, 1)
        grid.addWidget(self.to_window, 1, 0)
        grid.addWidget(self.window_box, 1, 1)
        grid.addWidget(QLabel(texts.get("transfer.reason")), 2, 0)
        grid.addWidget(self.reason, 2, 1)
        self.column.addLayout(grid)
        self.finish_layout()

    def submit(self) -> None:
        reason = self.reason.currentText()
        if self.to_category.isChecked():
            accepted = self.workflow.transfer(category=self.category.currentData(), reason=reason)
        else:
            accepted = self.workflow.transfer(
                to_window=self.window_box.currentData(), reason=reason
            )
        self.hand_over(accepted)


class PauseDialog(_Dialog):
    def __init__(self, workflow: CounterWorkflow, parent: QWidget | None = None) -> None:
        texts = workflow.texts
        super().__init__(workflow, texts.get("pause.title"), parent)
        self.column.addWidget(QLabel(texts.get("pause.reason")))
        self.reason = QComboBox()
        self.reason.setEditable(True)
        self.reason.addItems(texts.choices("pause.reasons"))
        self.column.addWidget(self.reason)
        self.finish_layout()

    def submit(self) -> None:
        self.hand_over(self.workflow.pause(self.reason.currentText()))


class ReceiptDialog(_Dialog):
    """Pick the item (search by name or code), tick the materials received, print."""

    def __init__(self, workflow: CounterWorkflow, parent: QWidget | None = None) -> None:
        texts = workflow.texts
        super().__init__(workflow, texts.get("receipt.title"), parent)
        self.resize(900, 640)
        self.items = workflow.receipt_items()
        self.search = QLineEdit()
        self.search.setPlaceholderText(texts.get("receipt.search"))
        self.search.textChanged.connect(self._filter)
        self.item_list = QListWidget()
        self.item_list.currentItemChanged.connect(self._item_chosen)
        self.materials = QListWidget()
        self.applicant = QLineEdit()
        self.applicant.setPlaceholderText(texts.get("receipt.applicant"))
        self.phone = QLineEdit()
        self.phone.setPlaceholderText(texts.get("receipt.phone"))
        self.ok.setText(texts.get("receipt.print"))
        grid = QGridLayout()
        grid.addWidget(self.search, 0, 0)
        grid.addWidget(QLabel(texts.get("receipt.materials")), 0, 1)
        grid.addWidget(self.item_list, 1, 0)
        grid.addWidget(self.materials, 1, 1)
        grid.addWidget(self.applicant, 2, 0)
        grid.addWidget(self.phone, 2, 1)
        self.column.addLayout(grid, 1)
        self.finish_layout()
        self._filter("")

    def _filter(self, text: str) -> None:
        wanted = text.strip().lower()
        self.item_list.clear()
        for item in self.items:
            if not wanted or wanted in item.name.lower() or wanted in item.id.lower():
                entry = QListWidgetItem(item.name)
                entry.setData(Qt.ItemDataRole.UserRole, item.id)
                self.item_list.addItem(entry)
        if self.item_list.count():
            self.item_list.setCurrentRow(0)

    def _current(self) -> ItemInfo | None:
        entry = self.item_list.currentItem()
        if entry is None:
            return None
        wanted = entry.data(Qt.ItemDataRole.UserRole)
        return next((item for item in self.items if item.id == wanted), None)

    def _item_chosen(self, *_: object) -> None:
        self.materials.clear()
        item = self._current()
        for material in item.materials if item else ():
            entry = QListWidgetItem(material)
            entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            entry.setCheckState(Qt.CheckState.Unchecked)
            self.materials.addItem(entry)

    def tick(self, *names: str) -> None:
        """Tick these materials (tests and the tour)."""
        for row in range(self.materials.count()):
            entry = self.materials.item(row)
            if entry.text() in names:
                entry.setCheckState(Qt.CheckState.Checked)

    def submit(self) -> None:
        item = self._current()
        ticked = [
            self.materials.item(row).text()
            for row in range(self.materials.count())
            if self.materials.item(row).checkState() == Qt.CheckState.Checked
        ]
        self.hand_over(
            self.workflow.accept_case(
                item.id if item else "", ticked, self.applicant.text(), self.phone.text()
            )
        )


DIALOGS: dict[Action, Callable[[CounterWorkflow, QWidget | None], _Dialog]] = {
    Action.CALL_NUMBER: CallNumberDialog,
    Action.TRANSFER: TransferDialog,
    Action.PAUSE: PauseDialog,
    Action.RECEIPT: ReceiptDialog,
}


def make_dialog(action: Action, workflow: CounterWorkflow, parent: QWidget | None) -> _Dialog:
    """The dialog for a key that needs one."""
    return DIALOGS[action](workflow, parent)
