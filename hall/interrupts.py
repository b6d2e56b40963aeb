"""Ctrl-C and SIGTERM for the ``hall`` command.

A program started as a background job of a non-interactive shell (``hall device simulate
printer &`` in a script, as CI runs it) inherits SIGINT *ignored*, and Python leaves it ignored:
such a simulator would never see Ctrl-C (nor ``kill -INT``). ``hall`` therefore always asks for
Python's own SIGINT handling (``KeyboardInterrupt``), whatever it inherited. The commands that
run until stopped (the simulators, ``keypad-test``) also take SIGTERM (``kill``, ``timeout``,
a service manager) as Ctrl-C, so their ``finally`` blocks close ports and files as on Ctrl-C.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType


def _interrupt(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


@contextmanager
def interruptible(*, sigterm: bool = False) -> Iterator[None]:
    """While the block runs, SIGINT (and SIGTERM when ``sigterm``) raises KeyboardInterrupt in
    the main thread; the previous handlers come back afterwards. In another thread (signal
    handlers belong to the main one) it changes nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    wanted: dict[signal.Signals, Callable[[int, FrameType | None], object]] = {
        signal.SIGINT: signal.default_int_handler
    }
    if sigterm:
        wanted[signal.SIGTERM] = _interrupt
    previous = {signum: signal.signal(signum, handler) for signum, handler in wanted.items()}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            if handler is not None:  # None: installed outside Python, nothing to put back
                signal.signal(signum, handler)
