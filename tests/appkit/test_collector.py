"""Python's cyclic collector runs on the GUI thread only in the hall's Qt apps: a cycle dropped
while a worker allocates is collected by the GUI thread's timer, never by the worker."""

from __future__ import annotations

import gc
import os
import threading

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before pytest-qt makes the QApplication

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from appkit.collector import TIMER_NAME, collect_due, collect_on_gui_thread
from tests.timing import PATIENCE_MS


class Cycle:
    """A self-referencing object that notes the thread its finalizer ran on."""

    def __init__(self, seen: list[str]) -> None:
        self.me = self
        self.seen = seen

    def __del__(self) -> None:
        self.seen.append(threading.current_thread().name)


def allocate_past_the_threshold(kept: list[object]) -> None:
    """What a worker's hub call does: allocate many container objects and keep them a while."""
    kept.extend([] for _ in range(gc.get_threshold()[0] * 20))


def test_a_dropped_cycle_is_collected_by_the_gui_thread_and_never_by_a_worker(
    qapp: QApplication, qtbot: QtBot
) -> None:
    gc.enable()  # as in a fresh process
    timer = collect_on_gui_thread(qapp)
    assert not gc.isenabled()
    assert collect_on_gui_thread(qapp) is timer  # once per application
    assert qapp.findChild(type(timer), TIMER_NAME) is timer and timer.isActive()
    seen: list[str] = []
    Cycle(seen)
    kept: list[object] = []
    worker = threading.Thread(target=allocate_past_the_threshold, args=(kept,), name="worker")
    worker.start()
    worker.join()
    assert seen == []  # the worker allocated far past the threshold and collected nothing
    qtbot.waitUntil(lambda: bool(seen), timeout=PATIENCE_MS)
    assert seen == [threading.main_thread().name]


def test_collect_due_collects_only_when_a_threshold_was_passed() -> None:
    enabled = gc.isenabled()
    gc.disable()
    try:
        gc.collect()
        assert collect_due() == -1
        kept: list[object] = []
        allocate_past_the_threshold(kept)
        assert collect_due() >= 0
        assert gc.get_count()[0] <= gc.get_threshold()[0]
        assert collect_due() == -1
    finally:
        if enabled:
            gc.enable()
