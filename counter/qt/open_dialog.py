"""Which dialog each of the counter's keys opens: the window's own (``counter.qt.dialogs``) and a
case's after 收件 (``counter.qt.case_dialogs``)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from counter.qt.case_dialogs import CASE_DIALOGS
from counter.qt.dialogs import DIALOGS, _Dialog
from counter.states import Action
from counter.workflow import CounterWorkflow


def make_dialog(action: Action, workflow: CounterWorkflow, parent: QWidget | None) -> _Dialog:
    """The dialog for a key that needs one; raises KeyError for a key that needs none."""
    if action in CASE_DIALOGS:
        return CASE_DIALOGS[action](workflow, parent)
    return DIALOGS[action](workflow, parent)
