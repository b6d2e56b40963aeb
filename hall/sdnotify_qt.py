"""systemd readiness and watchdog for the Qt apps (kiosk, counter, board, display).

The pings come from a QTimer on the GUI thread, so a GUI event loop that freezes (a blocking
call on the GUI thread, a dead lock) stops them and systemd restarts the app after
``WatchdogSec``. Never ping from a worker thread: it would keep a frozen window alive.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QTimer

from hall import sdnotify


def qt_watchdog(app: QCoreApplication, status_text: str | None = None) -> QTimer | None:
    """Send READY=1 on the event loop's first turn, then feed the watchdog from it.

    Call after the main window is built and before ``app.exec()``. Also sends STOPPING=1 when
    the app is about to quit. Returns the ping timer (parented to ``app``) or None when systemd
    set no watchdog or there is no ``$NOTIFY_SOCKET`` (then READY is still sent when possible).
    """
    QTimer.singleShot(0, app, lambda: sdnotify.ready(status_text))
    app.aboutToQuit.connect(sdnotify.stopping)
    interval = sdnotify.watchdog_interval()
    if interval is None or not sdnotify.notify_socket_set():
        return None
    timer = QTimer(app)
    timer.setObjectName("systemd-watchdog")
    timer.setInterval(max(1, round(sdnotify.ping_period(interval) * 1000)))
    timer.timeout.connect(sdnotify.watchdog_ping)
    timer.start()
    return timer
