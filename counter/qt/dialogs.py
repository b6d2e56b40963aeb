"""The counter's dialogs: call a number, transfer, pause, 收件回执. Each collects what the
workflow needs and hands it over; the workflow checks it and says what is wrong.

They look like the window (its stylesheet, at its scale): a title, choices as big buttons that
stay pressed when chosen, long lists in pages with 上一页/下一页 instead of scroll bars, item
names and materials wrapped in full, never cut, and big 确定/取消 keys.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from appkit.style import NORMAL
from counter.ports import ItemInfo
from counter.qt.signin import label
from counter.qt.style import scale_for, stylesheet
from counter.states import Action
from counter.workflow import CounterWorkflow
from devices.idnumber import mask

ITEMS_PER_PAGE = 5


def choice(text: str, group: QButtonGroup | None = None) -> QPushButton:
    """A big button that stays pressed when chosen (one of ``group``)."""
    button = QPushButton(text)
    button.setObjectName("choice")
    button.setCheckable(True)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    if group is not None:
        group.addButton(button)
    return button


class WrapButton(QPushButton):
    """A choice whose text wraps to its width and whose height follows (an item's full name,
    never cut); ``fulltext`` is the text."""

    PAD = 10

    def __init__(
        self, text: str = "", group: QButtonGroup | None = None, font_px: int = 20
    ) -> None:
        super().__init__()
        self.font_px = font_px
        self.setObjectName("choice")
        self.setCheckable(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        if group is not None:
            group.addButton(self)
        self.inner = QLabel(text, self)
        self.inner.setWordWrap(True)
        self.inner.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(self.PAD, self.PAD // 2, self.PAD, self.PAD // 2)
        layout.addWidget(self.inner)
        policy = self.sizePolicy()
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.toggled.connect(self._recolour)
        self._recolour(False)

    @property
    def fulltext(self) -> str:
        return self.inner.text()

    def set_fulltext(self, text: str) -> None:
        self.inner.setText(text)
        self.updateGeometry()

    def hasHeightForWidth(self) -> bool:
        return True

    def minimumSizeHint(self) -> QSize:
        """Never squeezed below its text's height at its width (a layout short of room)."""
        hint = super().minimumSizeHint()
        if self.width() > 2 * self.PAD:
            hint.setHeight(max(hint.height(), self.heightForWidth(self.width())))
        return hint

    def heightForWidth(self, width: int) -> int:
        text = self.inner.heightForWidth(max(1, width - 2 * self.PAD)) + self.PAD * 2
        return max(self.minimumHeight(), text)

    def _recolour(self, checked: bool) -> None:
        colour = NORMAL.on_primary if checked else NORMAL.text
        weight = "bold" if checked else "normal"
        self.inner.setStyleSheet(
            f"background: transparent; color: {colour}; font-weight: {weight};"
            f" font-size: {self.font_px}px;"
        )


class _Dialog(QDialog):
    def __init__(self, workflow: CounterWorkflow, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.workflow = workflow
        self.setWindowTitle(title)
        scale = scale_for(*((parent.height(), parent.width()) if parent is not None else (800,)))
        self.scale = scale
        self.setStyleSheet(stylesheet(scale))
        self.setMinimumWidth(round(760 * scale))
        self.column = QVBoxLayout(self)
        self.column.setSpacing(round(10 * scale))
        self.column.setContentsMargins(*(round(24 * scale),) * 4)
        self.column.addWidget(label(title, "dialogtitle"))
        self.problem = label("", "problem")
        texts = workflow.texts
        self.ok = QPushButton(texts.get("dialog.ok"))
        self.ok.setObjectName("primary")
        self.cancel = QPushButton(texts.get("dialog.cancel"))
        self.ok.clicked.connect(self.submit)
        self.cancel.clicked.connect(self.reject)
        for button in (self.ok, self.cancel):
            button.setMinimumWidth(round(200 * scale))

    def sizeHint(self) -> QSize:
        """Tall enough for every wrapped line (a long item name) at the dialog's width."""
        hint = super().sizeHint()
        width = max(hint.width(), self.minimumWidth(), self.width())
        if self.column.hasHeightForWidth():
            hint.setHeight(max(hint.height(), self.column.totalHeightForWidth(width)))
        return QSize(width, hint.height())

    def _grow(self) -> None:
        """Grow (never shrink) to the height the content needs now: its wrapped lines at the
        widths they got, so a long item name is never squeezed into a cut-off button."""
        need = max(self.sizeHint().height(), self.column.minimumSize().height())
        if need > self.height():
            self.resize(self.width(), need)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self._grow)  # once laid out: the buttons know their widths

    def finish_layout(self) -> None:
        self.column.addWidget(self.problem)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.cancel)
        row.addWidget(self.ok)
        self.column.addLayout(row)

    def hand_over(self, accepted: bool) -> None:
        """Close if the workflow took it; else show its sentence and stay open."""
        if accepted:
            self.accept()
        else:
            message = self.workflow.snapshot().message
            self.problem.setText(str(message) if message else "")

    def submit(self) -> None:
        raise NotImplementedError


class _ReasonPicker(QWidget):
    """Preset reasons as big buttons, and a line to write another."""

    def __init__(self, presets: Sequence[str], placeholder: str, columns: int = 2) -> None:
        super().__init__()
        self.group = QButtonGroup(self)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.buttons = [choice(text, self.group) for text in presets]
        for index, button in enumerate(self.buttons):
            grid.addWidget(button, index // columns, index % columns)
        self.other = QLineEdit()
        self.other.setPlaceholderText(placeholder)
        self.other.textEdited.connect(self._typed)
        rows = (len(presets) + columns - 1) // columns
        grid.addWidget(self.other, rows, 0, 1, columns)
        if self.buttons:
            self.buttons[0].setChecked(True)

    def _typed(self, text: str) -> None:
        if text.strip() and self.group.checkedButton() is not None:
            self.group.setExclusive(False)
            for button in self.buttons:
                button.setChecked(False)
            self.group.setExclusive(True)

    def set_reason(self, text: str) -> None:
        """Choose the preset ``text``, or write it as another reason."""
        for button in self.buttons:
            if button.text() == text:
                button.setChecked(True)
                self.other.clear()
                return
        self.other.setText(text)
        self._typed(text)

    def reason(self) -> str:
        written = self.other.text().strip()
        if written:
            return written
        chosen = self.group.checkedButton()
        return chosen.text() if chosen is not None else ""


class CallNumberDialog(_Dialog):
    def __init__(self, workflow: CounterWorkflow, parent: QWidget | None = None) -> None:
        super().__init__(workflow, workflow.texts.get("call_number.title"), parent)
        self.column.addWidget(label(workflow.texts.get("call_number.prompt"), "section"))
        self.number = QLineEdit()
        self.number.returnPressed.connect(self.submit)
        self.column.addWidget(self.number)
        self.finish_layout()

    def submit(self) -> None:
        self.hand_over(self.workflow.call_number(self.number.text()))


class TransferDialog(_Dialog):
    """To a category or to a window (one choice among both), and why."""

    def __init__(self, workflow: CounterWorkflow, parent: QWidget | None = None) -> None:
        texts = workflow.texts
        super().__init__(workflow, texts.get("transfer.title"), parent)
        config = workflow.config
        self.setMinimumWidth(round(1100 * self.scale))
        self.targets = QButtonGroup(self)
        self.categories: dict[str, QPushButton] = {}
        self.windows: dict[int, QPushButton] = {}
        self.column.addWidget(label(texts.get("transfer.to_category"), "section"))
        grid = QGridLayout()
        for index, category in enumerate(config.categories):
            button = choice(f"{category.code} {category.name}", self.targets)
            self.categories[category.code] = button
            grid.addWidget(button, index // 5, index % 5)
        self.column.addLayout(grid)
        self.column.addWidget(label(texts.get("transfer.to_window"), "section"))
        grid = QGridLayout()
        others = [w for w in config.windows if w.number != workflow.window]
        for index, window in enumerate(others):
            line = texts.get("transfer.window_short", number=window.number)
            button = choice(line, self.targets)
            self.windows[window.number] = button
            grid.addWidget(button, index // 8, index % 8)
        self.column.addLayout(grid)
        first = next(iter(self.categories.values()), None)
        if first is not None:
            first.setChecked(True)
        self.column.addWidget(label(texts.get("transfer.reason"), "section"))
        self.reason = _ReasonPicker(
            texts.choices("transfer.reasons"), texts.get("reason.other"), columns=4
        )
        self.column.addWidget(self.reason)
        self.finish_layout()

    def choose_category(self, code: str) -> bool:
        button = self.categories.get(code)
        if button is not None:
            button.setChecked(True)
        return button is not None

    def choose_window(self, number: int) -> bool:
        button = self.windows.get(number)
        if button is not None:
            button.setChecked(True)
        return button is not None

    def submit(self) -> None:
        reason = self.reason.reason()
        chosen = self.targets.checkedButton()
        category = next((c for c, b in self.categories.items() if b is chosen), None)
        window = next((n for n, b in self.windows.items() if b is chosen), None)
        if window is not None:
            accepted = self.workflow.transfer(to_window=window, reason=reason)
        else:
            accepted = self.workflow.transfer(category=category, reason=reason)
        self.hand_over(accepted)


class PauseDialog(_Dialog):
    def __init__(self, workflow: CounterWorkflow, parent: QWidget | None = None) -> None:
        texts = workflow.texts
        super().__init__(workflow, texts.get("pause.title"), parent)
        self.column.addWidget(label(texts.get("pause.reason"), "section"))
        self.reason = _ReasonPicker(texts.choices("pause.reasons"), texts.get("reason.other"))
        self.column.addWidget(self.reason)
        self.finish_layout()

    def submit(self) -> None:
        self.hand_over(self.workflow.pause(self.reason.reason()))


class ReceiptDialog(_Dialog):
    """Pick the item (search by name or code; pages of full names), tick the materials
    received (big toggles), the applicant and phone (optional), print."""

    def __init__(self, workflow: CounterWorkflow, parent: QWidget | None = None) -> None:
        texts = workflow.texts
        super().__init__(workflow, texts.get("receipt.title"), parent)
        scale = self.scale
        self.setMinimumWidth(round(1200 * scale))
        self.items = workflow.receipt_items()
        self.shown: list[ItemInfo] = []
        self.page = 0
        self.chosen: ItemInfo | None = None
        self.search = QLineEdit()
        self.search.setPlaceholderText(texts.get("receipt.search"))
        self.search.textChanged.connect(self._filter)
        self.item_group = QButtonGroup(self)
        self.item_buttons: list[WrapButton] = []
        items = QVBoxLayout()
        items.addWidget(self.search)
        for _ in range(ITEMS_PER_PAGE):
            button = WrapButton("", self.item_group, round(19 * scale))
            button.setMinimumHeight(round(54 * scale))
            button.clicked.connect(self._item_clicked)
            items.addWidget(button)
            self.item_buttons.append(button)
        paging = QHBoxLayout()
        self.previous = QPushButton(texts.get("receipt.previous"))
        self.next = QPushButton(texts.get("receipt.next"))
        self.page_info = label("", "pageinfo", wrap=False)
        self.page_info.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.previous.clicked.connect(lambda: self._turn(-1))
        self.next.clicked.connect(lambda: self._turn(1))
        for turn in (self.previous, self.next):
            turn.setMinimumWidth(round(150 * scale))
        paging.addWidget(self.previous)
        paging.addWidget(self.page_info, 1)
        paging.addWidget(self.next)
        items.addLayout(paging)
        items.addStretch(1)

        self.materials = QVBoxLayout()
        self.material_buttons: list[WrapButton] = []
        right = QVBoxLayout()
        right.addWidget(label(texts.get("receipt.materials"), "section"))
        self.item_name = label("", "detail")
        right.addWidget(self.item_name)
        right.addLayout(self.materials)
        right.addStretch(1)
        self.applicant = QLineEdit()
        self.applicant.setPlaceholderText(texts.get("receipt.applicant"))
        self.phone = QLineEdit()
        self.phone.setPlaceholderText(texts.get("receipt.phone"))
        self.id_number: str | None = None  # from a card on the reader, sent once, never shown
        self.card_line = label("", "hint")
        self.card_line.hide()  # room for it only once a card was read
        right.addWidget(self.applicant)
        right.addWidget(self.card_line)
        right.addWidget(self.phone)
        right.addWidget(self.problem)
        keys = QHBoxLayout()
        keys.addWidget(self.cancel)
        keys.addWidget(self.ok)
        right.addLayout(keys)
        self.ok.setText(texts.get("receipt.print"))
        self.cancel.setMinimumWidth(round(140 * scale))
        row = QHBoxLayout()
        row.addLayout(items, 5)
        row.addSpacing(round(16 * scale))
        row.addLayout(right, 4)
        self.column.addLayout(row, 1)
        self._filter("")
        self.card_timer = QTimer(self)
        self.card_timer.timeout.connect(self.take_card)
        self.card_timer.start(300)

    def take_card(self) -> None:
        """A card put on the counter's reader fills in the applicant (name; number masked)."""
        card = self.workflow.cases.take_card()
        if card is not None:
            self.id_number, name = card
            self.applicant.setText(name)
            self.card_line.setText(self.workflow.texts.get("receipt.card", number=mask(card[0])))
            self.card_line.show()

    def _filter(self, text: str) -> None:
        wanted = text.strip().lower()
        self.shown = [
            item
            for item in self.items
            if not wanted or wanted in item.name.lower() or wanted in item.id.lower()
        ]
        self.page = 0
        self._choose(self.shown[0] if self.shown else None)
        self._draw_page()

    def pages(self) -> int:
        return max(1, -(-len(self.shown) // ITEMS_PER_PAGE))

    def _turn(self, step: int) -> None:
        self.page = min(self.pages() - 1, max(0, self.page + step))
        self._draw_page()

    def _draw_page(self) -> None:
        start = self.page * ITEMS_PER_PAGE
        page_items = self.shown[start : start + ITEMS_PER_PAGE]
        for index, button in enumerate(self.item_buttons):
            item = page_items[index] if index < len(page_items) else None
            button.set_fulltext(item.name if item else "")
            button.setProperty("item_id", item.id if item else "")
            button.setVisible(item is not None)
            button.setChecked(item is not None and item is self.chosen)
        self.page_info.setText(
            self.workflow.texts.get(
                "receipt.page", page=self.page + 1, pages=self.pages(), count=len(self.shown)
            )
        )
        self.previous.setEnabled(self.page > 0)
        self.next.setEnabled(self.page < self.pages() - 1)

    def _item_clicked(self) -> None:
        button = self.item_group.checkedButton()
        wanted = button.property("item_id") if button is not None else None
        self._choose(next((i for i in self.items if i.id == wanted), None))

    def _choose(self, item: ItemInfo | None) -> None:
        self.chosen = item
        self.item_name.setText(item.name if item else "")
        for button in self.material_buttons:
            self.materials.removeWidget(button)
            button.hide()
            button.setParent(None)
            button.deleteLater()
        self.material_buttons = []
        for material in item.materials if item else ():
            button = WrapButton(material, font_px=round(20 * self.scale))
            button.setMinimumHeight(round(52 * self.scale))
            self.materials.addWidget(button)
            self.material_buttons.append(button)

    def current_item(self) -> ItemInfo | None:
        """The item chosen now (the first one found, until the clerk picks another)."""
        return self.chosen

    def tick(self, *names: str) -> None:
        """Tick these materials (tests and the tour)."""
        for button in self.material_buttons:
            if button.fulltext in names:
                button.setChecked(True)

    def submit(self) -> None:
        item = self.chosen
        ticked = [button.fulltext for button in self.material_buttons if button.isChecked()]
        self.hand_over(
            self.workflow.accept_case(
                item.id if item else "",
                ticked,
                self.applicant.text(),
                self.phone.text(),
                self.id_number,
            )
        )


DIALOGS: dict[Action, Callable[[CounterWorkflow, QWidget | None], _Dialog]] = {
    Action.CALL_NUMBER: CallNumberDialog,
    Action.TRANSFER: TransferDialog,
    Action.PAUSE: PauseDialog,
    Action.RECEIPT: ReceiptDialog,
}
