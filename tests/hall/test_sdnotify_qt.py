"""The Qt watchdog pings from the GUI thread: a frozen event loop stops the pings."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from hall.sdnotify_qt import qt_watchdog
from tests.timing import PATIENCE_MS


@pytest.fixture
def listener(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(tmp_path / "notify"))
    sock.setblocking(False)
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "notify"))
    monkeypatch.setenv("WATCHDOG_USEC", "200000")  # ping every 100 ms
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    yield sock
    sock.close()


def drain(sock: socket.socket) -> list[str]:
    messages = []
    while True:
        try:
            messages.append(sock.recv(4096).decode())
        except BlockingIOError:
            return messages


def test_pings_stop_while_the_gui_loop_is_blocked_and_resume_after(
    qtbot: QtBot, qapp: QApplication, listener: socket.socket
) -> None:
    timer = qt_watchdog(qapp, status_text="kiosk up")
    assert timer is not None
    heard: list[str] = []

    def pings_heard(count: int) -> None:
        """Run the GUI loop until ``count`` more pings arrived."""
        target = heard.count("WATCHDOG=1") + count
        qtbot.waitUntil(
            lambda: heard.extend(drain(listener)) or heard.count("WATCHDOG=1") >= target,
            timeout=PATIENCE_MS,
        )

    try:
        pings_heard(3)
        running = list(heard)
        heard.extend(drain(listener))
        before = len(heard)
        time.sleep(0.5)  # the GUI thread is frozen: no event is processed, no timer fires
        frozen = drain(listener)
        pings_heard(3)  # and it pings again once the loop runs
    finally:
        timer.stop()
        timer.deleteLater()
    assert running[0] == "READY=1\nSTATUS=kiosk up"
    assert running[1:].count("WATCHDOG=1") >= 3
    assert frozen == [] and len(heard) > before


def test_no_timer_without_a_watchdog(
    qtbot: QtBot, qapp: QApplication, listener: socket.socket, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WATCHDOG_USEC")
    assert qt_watchdog(qapp) is None
    qtbot.wait(50)
    assert drain(listener) == ["READY=1"]  # readiness is still told
