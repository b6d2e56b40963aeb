"""``hall demo --script day``: a hall morning played through the real apps and devices.

Clerks sign in at windows 1 and 2; citizens take tickets by taps at the ticket machine, one
elderly citizen and one with an appointment (booked at central, brought down by the hub's
downlink) by ID card on the reader simulator; a citizen finds a guide by pinyin on the touch
kiosk and prints its checklist; clerks call, recall, skip (the citizen re-queues at the ticket
machine), transfer and pause with reasons, resume and finish; citizens rate on the keypad
(mostly 非常满意, one 差评 whose reason the clerk picks, one no key at all); counter 2 prints a
收件回执; the WAN drops for a while and comes back; the AB-post clerk 1009 takes over window 2.
Then it waits until central holds every event and writes the evidence (:mod:`hall.demo.report`).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from PySide6.QtWidgets import QWidget

from config import HallCalendar, load_config
from counter.states import Phase
from devices.idcard.samples import SAMPLES
from hall.demo.apps import DemoApps
from hall.demo.drive import ClerkHands, KioskHands, Pump, ScriptError
from hall.demo.report import Evidence, hub_figures, write_summary
from hall.demo.site import RATING_TIMEOUT_SECONDS, DemoSite
from sync.central.downlink import add_appointment, next_appointment_code
from sync.wire import WireAppointment

PIN = "2580"  # every sample clerk's demo PIN (config.sample.DEMO_STAFF_PIN)
ELDER = SAMPLES["resident-longterm"]  # born 1949: the green lane
BOOKED = SAMPLES["resident"]  # has an appointment today
APPOINTMENT_CATEGORY = "B"
DOWNLINK_WAIT = 25.0  # seconds for the hub to pull the booking (it asks every 10 s)
SYNC_TIMEOUT = 90.0  # seconds for central to hold everything once the WAN is back


class DayScript:
    """One scripted morning over a running :class:`DemoApps`; :meth:`run` returns the exit
    status (0 only when every step happened and nothing was lost)."""

    def __init__(self, site: DemoSite, apps: DemoApps, pump: Pump, out: Path) -> None:
        self.site, self.apps, self.pump = site, apps, pump
        self.calendar = HallCalendar(load_config(site.config_path))
        self.ev = Evidence(out, self.calendar.zone)
        self.ticket = KioskHands(apps.kiosks["ticket-1"], pump, "ticket-1")
        self.kiosk = KioskHands(apps.kiosks["kiosk-1"], pump, "kiosk-1")
        self.c1 = ClerkHands(apps.counters[1], apps.keypads[1], pump, 1)
        self.c2 = ClerkHands(apps.counters[2], apps.keypads[2], pump, 2)
        self.not_rated = 0
        self.appointment_code = ""
        self.slot = ("", "")
        self.service_day = ""
        self.appointment_route = ""

    def run(self) -> int:
        started = time.monotonic()
        self.book_appointment()
        self.ev.grab("start", self.apps.windows())
        self.morning()
        wan_seconds = self.wan_down_and_up()
        self.substitute_and_close()
        synced = self.site.wait_synced(SYNC_TIMEOUT)
        self.ev.note(f"central {'holds every event' if synced else 'did NOT catch up in time'}")
        self.ev.grab("end", self.apps.windows())
        if self.apps.speech is not None:
            self.apps.speech.wait_idle(60)
        self.ev.print_slips(self.apps.printers)
        check = self.site.sync_check()
        summary = write_summary(
            self.ev.out,
            hub_figures(self.site.root / "hub" / "hub.db"),
            check,
            self.ev,
            {
                "service_day": self.service_day,
                "time_zone": self.calendar.zone.key,
                "not_rated": self.not_rated,
                "appointment_route": self.appointment_route,
                "wan_down_seconds": wan_seconds,
                "seconds": round(time.monotonic() - started, 1),
            },
        )
        print(f"\nsummary: {self.ev.out / 'summary.md'}")
        print(f"nothing lost: {'yes' if summary['nothing_lost'] else 'no'}", flush=True)
        return 0 if synced and summary["nothing_lost"] else 1

    # -- steps ----------------------------------------------------------------------------------

    def book_appointment(self) -> None:
        """Book today's appointment for BOOKED's card at central (the downlink brings it)."""
        # The hall's clock and its service day decide when a slot is open: at 01:00 with the
        # day boundary at 03:00 the hub still serves yesterday's service day.
        now = datetime.now(self.calendar.zone)
        service_day = self.calendar.service_day(now)
        day_start, day_end = self.calendar.day_span(service_day)
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        start = max(now - timedelta(minutes=15), day_start, midnight)
        end = min(now + timedelta(minutes=45), day_end - timedelta(minutes=1),
                  midnight + timedelta(hours=23, minutes=59))  # fmt: skip
        day = service_day.isoformat()
        self.service_day = day
        self.slot = (start.strftime("%H:%M"), end.strftime("%H:%M"))
        if self.site.central is None:
            raise ScriptError("central is not running")
        store = self.site.central.store()
        try:
            self.appointment_code = next_appointment_code(store, self.site.hall_id, day)
            add_appointment(
                store,
                self.site.hall_id,
                day,
                WireAppointment(
                    code=self.appointment_code,
                    slot_start=self.slot[0],
                    slot_end=self.slot[1],
                    category=APPOINTMENT_CATEGORY,
                    id_number=BOOKED.number,
                ),
            )
        finally:
            store.close()
        self.ev.note(f"central booked appointment {self.appointment_code} for {BOOKED.name[0]}**")

    def _hub_has_appointment(self) -> bool:
        db = sqlite3.connect(f"file:{self.site.root / 'hub' / 'hub.db'}?mode=ro", uri=True)
        try:
            row = db.execute(
                "SELECT COUNT(*) FROM appointments WHERE code = ?", (self.appointment_code,)
            ).fetchone()
        finally:
            db.close()
        return bool(row[0])

    def take(self, category: str) -> str:
        """A citizen's two taps at the ticket machine; returns the number shown."""
        self.ticket.tap("ticket")
        self.ticket.tap(f"cat:{category}")
        number = self.ticket.big_number()
        if not number:
            raise ScriptError(f"the ticket machine showed no number for {category}")
        self.ev.note(f"ticket machine: {number} in 2 taps")
        return number

    def swipe(self, card: object, states: tuple[str, ...]) -> None:
        assert self.apps.reader is not None
        self.apps.reader.present(card)  # type: ignore[arg-type]
        try:
            self.ticket.wait_state(states, timeout=10)
        finally:
            self.apps.reader.remove()

    def serve(
        self, clerk: ClerkHands, level: int | None, recall: bool = False, moment: str = ""
    ) -> str:
        """Call the next citizen, finish, and the citizen presses ``level`` (None: no key);
        ``moment``: screenshots of every app while the citizen is being served."""
        number = clerk.call_next()
        if not number:
            raise ScriptError(f"window {clerk.number} found nobody to call")
        if moment:
            self.pump.wait(1.0)  # the boards and the display follow the hub's event stream
            self.ev.grab(moment, self.apps.windows())
        if recall:
            clerk.key("recall")
        clerk.key("finish")
        clerk.rate(level)
        if level is None:
            self.not_rated += 1
            clerk.pump.until(
                lambda: clerk.snap_phase() is Phase.IDLE,
                RATING_TIMEOUT_SECONDS + 10,
                "the rating to time out",
            )
        else:
            self.pump.until(rated(clerk), 10, "the rating")
        said = {None: "no key (timeout)", 1: "非常满意", 2: "满意", 5: "非常不满意"}.get(level)
        self.ev.note(f"window {clerk.number}: {number} served, rated {said}")
        return number

    def morning(self) -> None:
        self.c1.sign_in("1001", PIN)
        self.c2.sign_in("1002", PIN)
        self.ev.note("clerks 1001 (window 1) and 1002 (window 2) signed in")
        self.take("A")
        self.ev.grab("ticket-taken", {"ticket-1": self.ticket.window})
        self.ticket.home()
        for category in ("B", "C", "A", "C", "B"):
            self.take(category)
            self.ticket.home()
        self.swipe(ELDER, ("choose", "shown"))
        if self.ticket.model.screen.state == "choose":
            self.ticket.tap("cat:A")
        self.ev.note(f"elderly citizen's card: {self.ticket.big_number()} (green lane)")
        self.ev.grab("elder-green-lane", {"ticket-1": self.ticket.window})
        self.ticket.home()
        self.kiosk.tap("guide")
        self.kiosk.tap("search")
        self.kiosk.type("hjdj")
        item = self.kiosk.tap_first("item:")
        self.kiosk.tap("print")
        self.ev.note(f"touch kiosk: guide found by pinyin hjdj ({item}), checklist printed")
        self.ev.grab("guide-printed", {"kiosk-1": self.kiosk.window})
        self.kiosk.home()
        # Calls: the green lane first at window 1, with a recall.
        called = self.serve(self.c1, 1, recall=True, moment="called")
        self.ev.note(f"window 1 called {called} first and recalled once")
        self.serve(self.c2, 1)
        skipped = self.c1.call_next()
        self.c1.key("skip")
        self.ev.note(f"window 1 skipped {skipped}; the citizen re-queues at the ticket machine")
        self.ticket.tap("requeue")
        self.ticket.type(skipped)
        self.ticket.tap("submit")
        self.ev.note(f"ticket machine re-queued {skipped}: {self.ticket.model.screen.state}")
        self.ev.grab("requeued", {"ticket-1": self.ticket.window})
        self.ticket.home()
        moved = self.c2.call_next()
        self.c2.transfer("B", "需其他窗口办理")
        self.ev.note(f"window 2 transferred {moved} to B (需其他窗口办理)")

    def wait_appointment(self) -> None:
        """The hub pulls the day's appointments every 10 s in the demo; if the downlink has not
        brought the booking within DOWNLINK_WAIT, the hub admin API adds it (and says so)."""
        try:
            self.pump.until(self._hub_has_appointment, DOWNLINK_WAIT, "the downlink")
            self.appointment_route = "booked at central, brought down by the hub's downlink"
        except ScriptError:
            admin = self.site.admin()
            try:
                admin.add_appointment(
                    code=self.appointment_code,
                    service_day=self.service_day,
                    slot_start=self.slot[0],
                    slot_end=self.slot[1],
                    category=APPOINTMENT_CATEGORY,
                    id_number=BOOKED.number,
                )
            finally:
                admin.close()
            self.appointment_route = "downlink too slow: added through the hub admin API"
        self.ev.note(f"appointment {self.appointment_code}: {self.appointment_route}")

    def wan_down_and_up(self) -> float:
        self.wait_appointment()
        self.site.wan_down()
        down_at = time.monotonic()
        self.ev.note("WAN down: central unreachable, the hall keeps working")
        self.take("A")
        self.ticket.home()
        bad = self.c1.call_next()
        self.c1.key("finish")
        self.c1.rate(5)
        self.c1.choose_reason("办事效率低")
        self.ev.note(f"window 1: {bad} rated 非常不满意 (差评), the clerk chose 办事效率低")
        self.ev.grab("bad-rating", {"counter-1": self.c1.window, "board-1": self.boards(1)})
        self.c2.pause("临时离岗")
        self.ev.note("window 2 paused (临时离岗)")
        self.ev.grab("paused", {"counter-2": self.c2.window, "board-2": self.boards(2)})
        self.c2.key("resume")
        self.ev.note("window 2 resumed")
        self.swipe(BOOKED, ("choose", "shown"))
        if self.ticket.model.screen.state == "choose":  # the hub finds it once B is chosen
            self.ticket.tap(f"cat:{APPOINTMENT_CATEGORY}")
        self.ev.note(f"appointment citizen checked in by ID card: {self.ticket.big_number()}")
        self.ev.grab("appointment-checked-in", {"ticket-1": self.ticket.window})
        self.ticket.home()
        self.serve(self.c1, 1)
        self.serve(self.c2, None)
        dialog = self.c2.receipt("", "张小三", "13800000000")
        dialog.ok.click()
        self.c2.settle()
        self.pump.until(
            lambda: bool(self.apps.printers["counter-2"].printer.jobs), 15, "the 收件回执"
        )
        case = self.c2.workflow.last_case
        self.ev.note(f"window 2 printed 收件回执 {case.receipt if case else '?'}")
        self.ev.grab("receipt", {"counter-2": self.c2.window})
        self.pump.wait(3)
        self.site.wan_up()
        seconds = round(time.monotonic() - down_at, 1)
        self.ev.note(f"WAN back after {seconds} s")
        return seconds

    def substitute_and_close(self) -> None:
        self.c2.sign_out()
        self.c2.sign_in("1009", PIN)
        self.ev.note("AB-post clerk 1009 took over window 2")
        self.ev.grab("ab-post", {"counter-2": self.c2.window, "board-2": self.boards(2)})
        for _ in range(20):  # serve whoever still waits, both windows in turn
            served = False
            for clerk in (self.c1, self.c2):
                if clerk.call_next(timeout=1.5):
                    clerk.key("finish")
                    clerk.rate(1)
                    self.pump.until(rated(clerk), 10, f"the rating at window {clerk.number}")
                    served = True
            if not served:
                break
        self.ev.note("the queue is empty")

    def boards(self, window: int) -> QWidget:
        return self.apps.boards[window].view


def rated(clerk: ClerkHands) -> Callable[[], bool]:
    """True once the window no longer waits for the citizen's key."""
    return lambda: clerk.snap_phase() is not Phase.RATING
