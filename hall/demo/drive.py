"""Hands for the demo: a citizen tapping the kiosk window, a clerk keying the counter window,
a citizen pressing the rating keypad, all on the GUI thread between turns of the Qt event loop.

Nothing here calls the hub directly: every action goes through an app's window or a simulated
device, as in a hall. Waiting is :class:`Pump`: it runs the event loop (so workers finish,
feeds redraw and the windows stay live on a desktop) until a condition holds or time is up.

A time limit on a wait is a last-resort guard that names what never happened; it is never the
script's pace. ``GUARD_SECONDS`` is generous on purpose: on a busy machine every step is slower,
and a slow step must not read as a broken one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QEventLoop, QObject, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget

from counter.qt.app import Counter
from counter.qt.dialogs import PauseDialog, ReceiptDialog, TransferDialog
from counter.states import Action, Phase
from devices.keypad.sim import SimKeypad
from kiosk.qt.app import Kiosk

STEP_SECONDS = 0.02  # how long one turn of the event loop may take while waiting
GUARD_SECONDS = 90.0  # the longest a step waits for an app before the script gives up
KEYS = {
    "call_next": Qt.Key.Key_F1,
    "recall": Qt.Key.Key_F2,
    "skip": Qt.Key.Key_F3,
    "finish": Qt.Key.Key_F4,
    "transfer": Qt.Key.Key_F5,
    "pause": Qt.Key.Key_F6,
    "resume": Qt.Key.Key_F7,
    "receipt": Qt.Key.Key_F9,
}
# The rating keypad's keys (devices/keypad defaults): 1 非常满意 … 5 非常不满意.
RATING_KEYS = {1: "KEY_1", 2: "KEY_2", 3: "KEY_3", 4: "KEY_4", 5: "KEY_5"}


class ScriptError(Exception):
    """The demo could not do what it meant to: ``str()`` says what and where."""


class Stopped(Exception):
    """The user asked the demo to stop (Ctrl-C, SIGTERM, --duration)."""


class Pump:
    """Runs the Qt event loop while the demo waits; raises :class:`Stopped` once asked to."""

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop

    def turn(self) -> None:
        if self.stop.is_set():
            raise Stopped
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        QApplication.sendPostedEvents()
        time.sleep(0.005)

    def wait(self, seconds: float) -> None:
        """Let ``seconds`` of wall time pass with the apps running."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.turn()

    def until(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        """Run the loop until ``condition()`` holds; raises ScriptError naming ``what`` after
        ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise ScriptError(f"waited {timeout:.0f} s for {what}")
            self.turn()


class KioskHands:
    """A citizen at a kiosk window: taps its buttons and types on its built-in keyboard."""

    def __init__(self, kiosk: Kiosk, pump: Pump, name: str) -> None:
        self.kiosk, self.pump, self.name = kiosk, pump, name
        self.window = kiosk.window
        self.model = kiosk.model

    def settle(self, timeout: float = GUARD_SECONDS) -> None:
        self.pump.until(
            lambda: self.window.idle and not self.model.busy, timeout, f"{self.name} to settle"
        )
        self.window.refresh()

    def ids(self) -> list[str]:
        return [b.objectName().removeprefix("choice:") for b in self.window.view.buttons()]

    def tap(self, choice_id: str) -> None:
        """Click the button of a choice and wait for the kiosk; ScriptError if it is not there."""
        self.settle()
        button = self.window.view.button(choice_id)
        if button is None or not button.isEnabled():
            raise ScriptError(
                f"{self.name}: no button {choice_id!r} on {self.model.screen.state!r}; "
                f"have {self.ids()}"
            )
        button.click()
        self.settle()

    def tap_first(self, prefix: str) -> str:
        """Tap the first choice whose id starts with ``prefix``; returns its id."""
        found = [i for i in self.ids() if i.startswith(prefix)]
        if not found:
            raise ScriptError(f"{self.name}: no {prefix}… choice; have {self.ids()}")
        self.tap(found[0])
        return found[0]

    def type(self, text: str) -> None:
        for char in text:
            key = self.window.view.findChild(QObject, f"key:{char}")
            if not isinstance(key, QAbstractButton):
                raise ScriptError(f"{self.name}: no key {char!r} on the on-screen keyboard")
            key.click()
        self.settle()

    def home(self) -> None:
        if "nav:home" in self.ids():
            self.tap("nav:home")

    def big_number(self) -> str:
        label = self.window.view.findChild(QLabel, "big")
        return label.text() if isinstance(label, QLabel) else ""

    def texts(self) -> list[str]:
        return [w.text() for w in self.window.findChildren(QLabel) if w.isVisible()]

    def wait_state(self, states: tuple[str, ...], timeout: float = GUARD_SECONDS) -> None:
        try:
            self.pump.until(
                lambda: self.model.current is not None and self.model.screen.state in states,
                timeout,
                f"{self.name} to show {'/'.join(states)}",
            )
        except ScriptError as err:
            raise ScriptError(f"{err}; it shows {self.model.screen.state!r}") from err
        self.settle()


class ClerkHands:
    """A clerk at a counter window: signs in on its number pad and presses its keys."""

    def __init__(self, counter: Counter, keypad: SimKeypad, pump: Pump, window: int) -> None:
        self.counter, self.keypad, self.pump, self.number = counter, keypad, pump, window
        self.window = counter.window
        self.workflow = counter.workflow

    def snap_phase(self) -> Phase:
        return self.workflow.snapshot().phase

    def ready(self) -> bool:
        return not self.workflow.snapshot().busy

    def settle(self, timeout: float = GUARD_SECONDS) -> None:
        self.pump.until(self.ready, timeout, f"counter {self.number} to finish its request")
        self.window.redraw()

    def sign_in(self, staff_no: str, pin: str) -> None:
        self.settle()
        page = self.window.sign_in_page
        page.staff_no.clear()
        page.pin.clear()
        QTest.keyClicks(page.staff_no, staff_no)
        QTest.keyClicks(page.pin, pin)
        QTest.keyClick(page.pin, Qt.Key.Key_Return)
        self.pump.until(
            lambda: self.snap_phase() is not Phase.SIGNED_OUT and self.ready(),
            GUARD_SECONDS,
            f"clerk {staff_no} to sign in at window {self.number}",
        )

    def sign_out(self) -> None:
        self.settle()
        self.window.sign_out_button.click()
        self.pump.until(
            lambda: self.snap_phase() is Phase.SIGNED_OUT and self.ready(),
            GUARD_SECONDS,
            f"window {self.number} to sign out",
        )

    def key(self, action: str) -> None:
        """Press the action's shortcut on the counter window, then wait for the hub's answer."""
        self.settle()
        if self._focus():
            QTest.keyClick(self.window, KEYS[action])
        else:  # a window manager that will not hand over focus: the on-screen button instead
            self.window.buttons[Action(action)].click()
        self.pump.wait(0.05)
        self.settle()

    def _focus(self) -> bool:
        """Make this counter the active window (its shortcuts work only there)."""
        if QApplication.activeWindow() is self.window:
            return True
        self.window.raise_()
        self.window.activateWindow()
        deadline = time.monotonic() + 2.0
        while QApplication.activeWindow() is not self.window:
            if time.monotonic() > deadline:
                return False
            self.pump.turn()
        return True

    def call_next(self, timeout: float = 10.0) -> str:
        """F1 until a citizen is called; returns the number ('' if nobody came in time)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.key("call_next")
            current = self.workflow.snapshot().current
            if current is not None:
                return current.number
            self.pump.wait(0.5)
        return ""

    def dialog(self, action: str, kind: type[QWidget]) -> QWidget:
        """Press the key that opens a dialog and return the dialog."""
        self.key(action)
        found: list[QWidget] = []

        def opened() -> bool:
            found[:] = [d for d in self.window.findChildren(kind) if d.isVisible()]
            return bool(found)

        try:
            self.pump.until(opened, GUARD_SECONDS, f"the {action} dialog at window {self.number}")
        except ScriptError as err:
            raise ScriptError(f"{err} (the counter says: {self.said()})") from err
        return found[-1]

    def said(self) -> str:
        """The counter's message line now (why a key was refused)."""
        message = self.workflow.snapshot().message
        return str(message) if message else ""

    def submit(self, dialog: QWidget, ok: QAbstractButton, what: str) -> None:
        """Press a dialog's OK; ScriptError with the dialog's complaint if it stays open."""
        ok.click()
        self.settle()
        if dialog.isVisible():
            raise ScriptError(f"window {self.number}: {what} refused ({self.said()})")

    def transfer(self, category: str, reason: str) -> None:
        dialog = self.dialog("transfer", TransferDialog)
        assert isinstance(dialog, TransferDialog)
        if not dialog.choose_category(category):
            raise ScriptError(f"no category {category} in the transfer dialog")
        dialog.reason.set_reason(reason)
        self.submit(dialog, dialog.ok, f"transfer to {category}")
        self.pump.until(
            lambda: self.workflow.snapshot().current is None,
            GUARD_SECONDS,
            f"window {self.number} to clear",
        )

    def pause(self, reason: str) -> None:
        dialog = self.dialog("pause", PauseDialog)
        assert isinstance(dialog, PauseDialog)
        dialog.reason.set_reason(reason)
        self.submit(dialog, dialog.ok, f"pause ({reason})")

    def receipt(self, search: str, applicant: str, phone: str) -> ReceiptDialog:
        """Open 收件回执, pick the first item matching ``search``, tick every material, print.
        Returns the dialog (still open if the workflow refused)."""
        dialog = self.dialog("receipt", ReceiptDialog)
        assert isinstance(dialog, ReceiptDialog)
        dialog.search.setText(search)
        item = dialog.current_item()
        if item is None:
            raise ScriptError(f"no item matching {search!r} in the receipt dialog")
        dialog.tick(*item.materials)
        dialog.applicant.setText(applicant)
        dialog.phone.setText(phone)
        return dialog

    def rate(self, level: int | None, timeout: float = GUARD_SECONDS) -> None:
        """The citizen presses the keypad's key for ``level`` once the counter asks."""
        self.pump.until(
            lambda: self.snap_phase() is Phase.RATING, timeout, f"window {self.number} to ask"
        )
        if level is not None:
            self.keypad.press(RATING_KEYS[level])

    def choose_reason(self, reason: str) -> None:
        self.pump.until(self.window.reasons.isVisible, GUARD_SECONDS, "the 差评 reason buttons")
        button = next((b for b in self.window.reason_buttons if b.text() == reason), None)
        if button is None:
            raise ScriptError(f"no 差评 reason {reason!r} at window {self.number}")
        button.click()
        self.settle()
