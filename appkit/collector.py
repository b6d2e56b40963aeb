"""Python's cyclic garbage collector, run on the GUI thread only.

CPython runs a collection on whichever thread happens to allocate past the threshold. In the
hall's Qt apps that is often a worker (a kiosk's hub call, a board's event feed) or, in the demo,
the hub's own server thread. A cycle that holds a Qt wrapper (a replaced screen's widget whose
signal is connected to one of its own methods, say) is then destroyed on that thread, and Qt
deletes a widget off the GUI thread: the process dies with a segmentation fault. It was seen in
the kiosk's tests as a crash inside "Garbage-collecting" on the hub's thread.

``collect_on_gui_thread(app)`` switches the automatic collector off and collects from a timer
on the application's thread instead, generation by generation as CPython would: the same
thresholds, so memory behaves as before, but a Qt object is only ever finalized where Qt allows.
Reference counting (which frees almost everything) is untouched.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QTimer

TIMER_NAME = "gui-thread-gc"
INTERVAL_MS = 500


def collect_due() -> int:
    """Collect what CPython's automatic collector would collect now: the oldest generation
    whose count passed its threshold (with the younger ones). Returns that generation, or -1
    when nothing was due."""
    thresholds = gc.get_threshold()
    counts = gc.get_count()
    for generation in (2, 1, 0):
        if 0 < thresholds[generation] < counts[generation]:
            gc.collect(generation)
            return generation
    return -1


def collect_on_gui_thread(app: QCoreApplication, interval_ms: int = INTERVAL_MS) -> QTimer:
    """Turn the automatic collector off and collect from a timer on ``app``'s thread.

    Call from the GUI thread once the application exists; calling again returns the timer
    already running. Collections then happen only while the event loop turns, which is where
    a Qt app spends its life."""
    existing = app.findChild(QTimer, TIMER_NAME)
    if isinstance(existing, QTimer):
        gc.disable()
        return existing
    timer = QTimer(app)
    timer.setObjectName(TIMER_NAME)
    timer.setInterval(interval_ms)
    timer.timeout.connect(collect_due)
    gc.disable()
    timer.start()
    return timer
