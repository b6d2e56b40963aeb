"""The real commands tell systemd they are ready and feed its watchdog: `hall hub` from uvicorn's
loop and `hall kiosk` from the Qt event loop (the units are Type=notify with WatchdogSec)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from appkit.net import free_port
from hall.hubprocess import ROOT
from tests.timing import PATIENCE


def _listen(tmp_path: Path) -> tuple[socket.socket, Path]:
    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(0.5)
    return sock, path


def _collect(sock: socket.socket, until: set[str], seconds: float) -> set[str]:
    """Messages received until every one of ``until`` was seen or ``seconds`` passed."""
    seen: set[str] = set()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not until <= seen:
        try:
            data = sock.recv(4096).decode()
        except TimeoutError:
            continue
        seen |= set(data.splitlines())
    return seen


def _start(argv: list[str], tmp_path: Path, notify: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "NOTIFY_SOCKET": str(notify),
        "WATCHDOG_USEC": "1000000",  # 1 s: pings every half second or faster
        "QT_QPA_PLATFORM": "offscreen",
        "HALLKIT_DATA": str(tmp_path / "box"),
    }
    env.pop("WATCHDOG_PID", None)
    return subprocess.Popen(
        [sys.executable, "-m", "hall", *argv],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


def test_hall_hub_says_ready_and_feeds_the_watchdog(tmp_path: Path) -> None:
    sock, path = _listen(tmp_path)
    hub = _start(
        ["hub", "--data", str(tmp_path / "hub"), "--bind", f"127.0.0.1:{free_port()}"],
        tmp_path,
        path,
    )
    try:
        seen = _collect(sock, {"READY=1", "WATCHDOG=1"}, PATIENCE)
    finally:
        _stop(hub)
        sock.close()
    assert {"READY=1", "WATCHDOG=1"} <= seen


def test_hall_kiosk_says_ready_and_feeds_the_watchdog_from_the_gui_loop(tmp_path: Path) -> None:
    sock, path = _listen(tmp_path)
    # No hub and no token: the kiosk still starts (guides from its own copy) and runs its loop.
    kiosk = _start(
        ["kiosk", "--box", "kiosk-t", "--hub", f"http://127.0.0.1:{free_port()}", "--windowed"],
        tmp_path,
        path,
    )
    try:
        seen = _collect(sock, {"READY=1", "WATCHDOG=1"}, PATIENCE)
    finally:
        _stop(kiosk)
        sock.close()
    assert {"READY=1", "WATCHDOG=1"} <= seen
