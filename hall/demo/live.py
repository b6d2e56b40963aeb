"""The live demo hall: simulated citizens and clerks acting through the real apps until stopped.

Citizens arrive at the ticket machine at ``rate`` per second (a Poisson stream) and tap a
category, or swipe an ID card first (every fourth an elderly citizen); now and then one looks
up a guide on the touch kiosk. Each signed-in clerk calls the next citizen (F1), serves a few
seconds, mostly finishes (F4), sometimes recalls, skips or transfers, and rarely pauses; the
citizen rates on the keypad (mostly 非常满意, sometimes not at all). A hiccup (a button that is
not there because a worker is slow) is logged and the citizen walks away: the hall goes on.
"""

from __future__ import annotations

import contextlib
import logging
import random
import time

from counter.states import Phase
from devices.idcard.samples import SAMPLES
from hall.demo.apps import DemoApps
from hall.demo.drive import ClerkHands, KioskHands, Pump, ScriptError

log = logging.getLogger(__name__)

CLERKS = {1: "1001", 2: "1002"}
CATEGORIES = ("A", "B", "C")  # what windows 1 and 2 serve in the sample hall
PAUSE_REASONS = ("临时离岗", "业务咨询", "系统维护")
GUIDE_WORDS = ("hj", "sb", "gjj")
TICK_SECONDS = 0.1


class LiveHall:
    """Drives the apps of a :class:`DemoApps` like a hall's day (see the module doc)."""

    def __init__(self, apps: DemoApps, pump: Pump, *, rate: float, pin: str = "2580") -> None:
        self.pump = pump
        self.rate = max(rate, 0.001)
        self.pin = pin
        self.rng = random.Random(7)  # noqa: S311 - a simulation, not security
        self.ticket = KioskHands(apps.kiosks["ticket-1"], pump, "ticket-1")
        self.kiosk = KioskHands(apps.kiosks["kiosk-1"], pump, "kiosk-1")
        self.reader = apps.reader
        self.clerks = {
            n: ClerkHands(apps.counters[n], apps.keypads[n], pump, n) for n in apps.counters
        }
        self.issued = 0

    def run(self, duration: float) -> None:
        """Until :class:`Stopped` is raised by the pump, or ``duration`` seconds (0: forever)."""
        for window, clerk in self.clerks.items():
            if clerk.snap_phase() is Phase.SIGNED_OUT:
                clerk.sign_in(CLERKS.get(window, "1001"), self.pin)
        now = time.monotonic()
        deadline = now + duration if duration > 0 else None
        next_citizen = now + self.rng.expovariate(self.rate)
        due = {n: now + self.rng.uniform(0.5, 2.0) for n in self.clerks}
        while deadline is None or time.monotonic() < deadline:
            now = time.monotonic()
            if now >= next_citizen:
                self._guarded(self.citizen)
                next_citizen = time.monotonic() + self.rng.expovariate(self.rate)
            for window, clerk in self.clerks.items():
                if now >= due[window]:
                    wait = 2.0
                    try:
                        wait = self.clerk_turn(clerk)
                    except ScriptError as err:
                        log.warning("live demo: %s", err)
                    due[window] = time.monotonic() + wait
            self.pump.wait(TICK_SECONDS)

    def _guarded(self, act: object) -> None:
        try:
            act()  # type: ignore[operator]
        except ScriptError as err:
            log.warning("live demo: %s", err)
            for hands in (self.ticket, self.kiosk):
                with contextlib.suppress(ScriptError):
                    hands.home()

    # -- citizens -------------------------------------------------------------------------------

    def citizen(self) -> None:
        roll = self.rng.random()
        if roll < 0.1:
            self.kiosk.tap("guide")
            self.kiosk.tap("search")
            self.kiosk.type(self.rng.choice(GUIDE_WORDS))
            self.kiosk.home()
            return
        if roll < 0.3 and self.reader is not None:
            card = SAMPLES["resident-longterm" if roll < 0.15 else "resident"]
            self.reader.present(card)
            try:
                self.ticket.wait_state(("choose", "shown", "already_queued", "refused"), timeout=8)
            finally:
                self.reader.remove()
            if self.ticket.model.screen.state == "choose":
                self.ticket.tap(f"cat:{self.rng.choice(CATEGORIES)}")
        else:
            self.ticket.tap("ticket")
            self.ticket.tap(f"cat:{self.rng.choice(CATEGORIES)}")
        number = self.ticket.big_number()
        if number:
            self.issued += 1
            print(f"取号 / ticket {number}", flush=True)
        self.ticket.home()

    # -- clerks ---------------------------------------------------------------------------------

    def clerk_turn(self, clerk: ClerkHands) -> float:
        """One decision of a clerk; returns the seconds until the next one."""
        phase = clerk.snap_phase()
        roll = self.rng.random()
        if phase is Phase.IDLE:
            if roll < 0.02:
                clerk.pause(self.rng.choice(PAUSE_REASONS))
                return self.rng.uniform(5, 10)
            clerk.key("call_next")
            current = clerk.workflow.snapshot().current
            if current is None:
                return 2.0
            print(f"请{current.number}号到{clerk.number}号窗口办理", flush=True)
            return self.rng.uniform(3, 8)
        if phase is Phase.PAUSED:
            clerk.key("resume")
            return 0.5
        if phase is Phase.SERVING:
            if roll < 0.05:
                clerk.key("recall")
                return 2.0
            if roll < 0.1:
                clerk.key("skip")
                return 1.0
            if roll < 0.14:
                others = [c for c in CATEGORIES if c not in self._serves(clerk)]
                clerk.transfer(self.rng.choice(others or list(CATEGORIES)), "需其他窗口办理")
                return 1.0
            clerk.key("finish")
            return 0.8
        if phase is Phase.RATING:
            if roll < 0.9:
                level = self.rng.choices([1, 2, 3, 4, 5], weights=[80, 12, 5, 2, 1])[0]
                clerk.keypad.press(f"KEY_{level}")
            return 1.0
        if phase is Phase.BAD_REASON:
            clerk.window.reason_buttons[0].click()
            return 0.5
        return 1.0

    def _serves(self, clerk: ClerkHands) -> tuple[str, ...]:
        spec = clerk.workflow.config.window(clerk.number)
        return tuple(spec.categories) if spec else ()
