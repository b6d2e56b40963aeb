"""The counter's workflow without Qt: sign-in, the window's keys, rating, 差评 reason, receipts.

States (``Phase``): signed out → idle ⇄ serving → rating → (差评 reason) → idle, and paused. The
hub is the authority: after each operation the workflow takes the window state the hub answered
or refreshes it, so what the clerk sees is what the hub holds.

Threads. The view calls the action methods on the GUI thread; they never block: they check the
action is possible now (else they leave a sentence in ``message`` and return False), then hand
the hub call to ``executor`` (one worker: one operation at a time). A press while another runs,
or while the hub is away, is refused with a sentence and never replayed later. ``refresh``,
``hub_lost`` and ``hub_back`` come from the live link's threads (``counter.live``; the window
as the hub told it is kept by the workflow's ``counter.link_state.LiveLinkState``), the rating
result from the keypad's thread. Every change calls ``on_change`` (from any thread; the Qt view
turns it into a queued signal) and ``snapshot()`` gives a consistent picture to draw.

The clerk can never enter a rating: no method takes a level. The level comes only from the
keypad's callback; for a 差评 the clerk only picks the reason the citizen gives.

The rating steps live in ``counter.rating_steps``, the receipt steps in
``counter.receipt_steps`` and a case's later steps (出件, 补正, 不予受理) in ``counter.case_steps``
(``workflow.cases``): the workflow owns one of each, shares its lock with them and runs their
hub calls on its worker like any other job. Each sees the workflow only through its narrow port
in ``counter.flow_ports`` and none imports this module.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from config import HallConfig
from counter.case_steps import CaseSteps
from counter.link_state import LiveLinkState
from counter.ports import (
    CaseAccepted,
    CaseRequest,
    Clerk,
    Clock,
    CounterHub,
    ItemInfo,
    PrintOutcome,
    RatingKeypad,
    ReceiptPrinter,
    TicketView,
    WindowView,
)
from counter.rating_steps import RatingSteps
from counter.receipt_steps import ReceiptSteps, case_request
from counter.states import Action, Executor, Phase, Snapshot, refusal_for
from counter.texts import Sentence, Texts
from hub.client import HubRefused, HubUnavailable

log = logging.getLogger(__name__)

NUMBER = re.compile(r"^[A-Z]\d{3,4}$")


class CounterWorkflow:
    """One window's counter; see the module docstring for how to drive it."""

    def __init__(
        self,
        window: int,
        hub: CounterHub,
        config: HallConfig,
        clock: Clock,
        *,
        keypad: RatingKeypad | None = None,
        printer: ReceiptPrinter | None = None,
        executor: Executor | None = None,
        texts: Texts | None = None,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.window = window
        self.hub = hub
        self.config = config
        self.clock = clock
        self.keypad = keypad
        self.printer = printer
        self.texts = texts or Texts()
        self._executor: Executor = executor or ThreadPoolExecutor(1, "counter-work")
        self.on_change = on_change or (lambda: None)
        self._lock = threading.RLock()
        spec = config.window(window)
        self._clerk: Clerk | None = None
        self._signed_in = False
        self._busy = False
        self._message: Sentence | None = None
        self._message_is_error = False
        self._link = LiveLinkState(
            self,
            self._lock,
            WindowView(
                window, spec.name if spec else "", "idle", tuple(spec.categories) if spec else ()
            ),
            clerk=lambda: self._clerk if self._signed_in else None,
            signed_out=self._signed_out_by_hub,
            say=self._say,
        )
        self._ratings = RatingSteps(self, self._lock, self._submit)
        self._receipts = ReceiptSteps(self, self._lock, lambda: self._clerk)
        self.cases = CaseSteps(
            self, self._lock, self._start, self._refuse, self._say, lambda: self._clerk
        )

    @property
    def last_case(self) -> CaseAccepted | None:
        """The case the latest 收件 recorded in the hub, if any."""
        return self._receipts.last_case

    @property
    def last_print(self) -> PrintOutcome | None:
        """How printing the latest 收件回执 went, if one was tried."""
        return self._receipts.last_print

    # -- what to show ----------------------------------------------------------------------------

    @property
    def phase(self) -> Phase:
        with self._lock:
            return self._phase()

    def _phase(self) -> Phase:
        # The window's own state first: a rating still open beside a call, a pause or a
        # sign-out goes on in the rating band and holds nothing up.
        if not self._signed_in:
            return Phase.SIGNED_OUT
        state = self._link.state
        if state.status == "paused":
            return Phase.PAUSED
        if state.current is not None:
            return Phase.SERVING
        return self._ratings.open_phase() or Phase.IDLE

    @property
    def hub_ok(self) -> bool:
        return self._link.hub_ok

    def snapshot(self) -> Snapshot:
        """A consistent picture of the window for the view (cheap; any thread)."""
        with self._lock:
            link = self._link
            state = link.state
            elapsed = None
            if state.current is not None and link.serving is not None:
                elapsed = max(0, int(self.clock.monotonic() - link.serving[1]))
            return Snapshot(
                phase=self._phase(),
                window=self.window,
                window_name=state.name,
                clerk=self._clerk,
                current=state.current,
                item_name=self._item_name(state.current),
                elapsed_seconds=elapsed,
                pause_reason=state.pause_reason,
                queue=link.queue.for_categories(state.categories),
                today=link.today,
                hub_ok=link.hub_ok,
                busy=self._busy,
                message=self._message,
                message_is_error=self._message_is_error,
                rating_line=self._ratings.line(),
                rating_level=self._ratings.level(),
                bad_reasons=tuple(self.config.rating.bad_reasons),
                rating=self._ratings.view(),
                longest_wait=link.queue.longest_wait(state.categories, self.clock.now()),
                now=self.clock.now(),
            )

    def _item_name(self, ticket: TicketView | None) -> str | None:
        if ticket is None or ticket.item_id is None:
            return None
        for item in self._link.items or self._config_items():
            if item.id == ticket.item_id:
                return item.name
        return None

    def receipt_items(self) -> tuple[ItemInfo, ...]:
        """The items this window accepts cases for (its categories' items, hub catalog first)."""
        with self._lock:
            items = self._link.items or self._config_items()
            categories = set(self._link.state.categories)
        return tuple(item for item in items if item.category in categories)

    def all_items(self) -> tuple[ItemInfo, ...]:
        """Every item of the hall's catalog (the hub's, else this box's configuration)."""
        with self._lock:
            return self._link.items or self._config_items()

    def hall_windows(self) -> tuple[int, ...]:
        """The hall's window numbers, in order (this box's configuration)."""
        return tuple(sorted({w.number for w in self.config.windows}))

    def rating_number_open(self) -> str | None:
        """The number whose rating the keypad asks now (the keypad is not free), or None."""
        with self._lock:
            return self._ratings.asking_number()

    def _config_items(self) -> tuple[ItemInfo, ...]:
        return tuple(
            ItemInfo(i.id, i.name, i.category, i.department, tuple(i.materials), i.promised_days)
            for i in self.config.items
        )

    def refusal(self, action: Action) -> Sentence | None:
        """Why ``action`` cannot run now (a sentence), or None if it can. The view asks this
        before opening a dialog, so a clerk never fills in a form the hub will not take."""
        with self._lock:
            return self._refusal(action)

    def check(self, action: Action) -> bool:
        """True if ``action`` can run now; else leaves the sentence why in ``message``."""
        refusal = self.refusal(action)
        return True if refusal is None else self._refuse(refusal)

    def _refusal(self, action: Action) -> Sentence | None:
        if action is Action.FINISH and self.cases.confirming():  # the keypad asks one thing
            return Sentence(self.texts.get("refuse.case_confirming"))
        return refusal_for(
            action,
            self._phase(),
            self._link.state.current,
            self.texts,
            hub_ok=self._link.hub_ok,
            busy=self._busy,
            reason_for=self._ratings.wants_reason(),
        )

    # -- the clerk's actions (GUI thread; never block) ------------------------------------------

    def sign_in(self, staff_no: str, pin: str) -> bool:
        staff_no, pin = staff_no.strip(), pin.strip()
        if not staff_no or not pin:
            return self._refuse(Sentence(self.texts.get("signin.need_both")))
        return self._start(Action.SIGN_IN, lambda: self._do_sign_in(staff_no, pin))

    def sign_out(self) -> bool:
        return self._start(Action.SIGN_OUT, self._do_sign_out)

    def press(self, action: Action) -> bool:
        """A key that needs nothing more: call next, recall, skip, finish, resume."""
        jobs: dict[Action, Callable[[], None]] = {
            Action.CALL_NEXT: self._do_call_next,
            Action.RECALL: lambda: self._ticket_job("done.recalled", self.hub.recall),
            Action.SKIP: lambda: self._ticket_job("done.skipped", self.hub.skip, clear=True),
            Action.FINISH: self._do_finish,
            Action.RESUME: self._do_resume,
        }
        job = jobs.get(action)
        if job is None:
            raise ValueError(f"{action} needs a dialog: use its own method")
        return self._start(action, job)

    def call_number(self, number: str) -> bool:
        wanted = number.strip().upper()
        if not NUMBER.match(wanted):
            return self._refuse(Sentence(self.texts.get("refuse.bad_number")))
        return self._start(Action.CALL_NUMBER, lambda: self._do_call_number(wanted))

    def transfer(
        self, *, category: str | None = None, to_window: int | None = None, reason: str
    ) -> bool:
        reason = reason.strip()
        if (category is None) == (to_window is None):
            return self._refuse(Sentence(self.texts.get("refuse.transfer_target")))
        if not reason:
            return self._refuse(Sentence(self.texts.get("refuse.reason_required")))
        return self._start(Action.TRANSFER, lambda: self._do_transfer(category, to_window, reason))

    def pause(self, reason: str) -> bool:
        reason = reason.strip()
        if not reason:
            return self._refuse(Sentence(self.texts.get("refuse.reason_required")))
        return self._start(Action.PAUSE, lambda: self._do_pause(reason))

    def choose_bad_reason(self, reason: str) -> bool:
        """Post the citizen's 差评 with the reason they gave; the level stays the keypad's."""
        reason = reason.strip()
        if not reason:
            return self._refuse(Sentence(self.texts.get("refuse.reason_required")))
        return self._start(Action.BAD_REASON, lambda: self._do_bad_reason(reason))

    def accept_case(
        self,
        item_id: str,
        materials: list[str],
        applicant: str | None = None,
        phone: str | None = None,
        id_number: str | None = None,
    ) -> bool:
        """Record a case in the hub and print its 收件回执 (``id_number``: from the card)."""
        with self._lock:
            current = self._link.state.current
        request = case_request(
            self.texts, self.window, current, item_id, materials, applicant, phone, id_number
        )
        if isinstance(request, Sentence):
            return self._refuse(request)
        return self._start(Action.RECEIPT, lambda: self._do_accept_case(request))

    # -- running a job ----------------------------------------------------------------------------

    def _refuse(self, sentence: Sentence) -> bool:
        with self._lock:
            self._message, self._message_is_error = sentence, True
        self.on_change()
        return False

    def _start(self, action: Action, job: Callable[[], None]) -> bool:
        with self._lock:
            refusal = self._refusal(action)
            if refusal is None:
                self._busy = True
                self._message = None
        if refusal is not None:
            return self._refuse(refusal)
        self.on_change()
        self._submit(lambda: self._run(action, job))
        return True

    def _submit(self, job: Callable[[], None]) -> None:
        self._executor.submit(job)  # looked up per job: a test may hold the worker

    def _run(self, action: Action, job: Callable[[], None]) -> None:
        refresh = True
        try:
            job()
        except HubUnavailable as err:
            log.warning("%s: hub away: %s", action, err.message)
            self._say(Sentence(self.texts.get("err.hub_away")), error=True)
            self.hub_lost()
            refresh = False
        except HubRefused as err:
            log.info("%s refused by the hub: %s %s", action, err.code, err.message)
            self._say(self.texts.refusal(err.code, err.message), error=True)
        except Exception:  # a bug must leave a sentence, not a traceback, and free the keys
            log.exception("%s failed", action)
            self._say(Sentence(self.texts.get("err.system")), error=True)
        finally:
            with self._lock:
                self._busy = False
            self.on_change()
        if refresh:
            # The keys are free again while the queue and figures are read (still on the
            # worker, so a press made now runs after this refresh, never beside it).
            self._refresh_quietly()

    def _say(self, sentence: Sentence, *, error: bool = False) -> None:
        with self._lock:
            self._message, self._message_is_error = sentence, error

    # -- the live link (its threads, and the worker after each operation) --------------------------

    def refresh(self) -> None:
        """Read the window, its figures and the queue from the hub and show them (I/O: a worker
        or the live link's thread), unless an operation's answer was taken meanwhile. Raises
        HubUnavailable or HubRefused."""
        self._link.refresh()

    def hub_lost(self) -> None:
        """The hub stopped answering: say so, refuse every key until it is back."""
        self._link.hub_lost()

    def hub_back(self) -> None:
        """The hub answers again (the live link refreshed the window first)."""
        self._link.hub_back()

    def _signed_out_by_hub(self, text: str) -> None:
        """The hub's window state names another clerk, or none (lock held)."""
        self._signed_in, self._clerk = False, None
        self._ratings.forget_done()  # an open rating stays with its citizen
        self._message, self._message_is_error = Sentence(text), True

    def _refresh_quietly(self) -> None:
        try:
            self.refresh()
        except HubUnavailable as err:
            log.info("refresh after an operation failed: %s", err.message)
            self.hub_lost()
        except HubRefused as err:
            log.info("refresh after an operation refused: %s %s", err.code, err.message)

    # -- jobs (on the worker) ---------------------------------------------------------------------

    def _do_sign_in(self, staff_no: str, pin: str) -> None:
        previous = self._link.state.clerk
        state = self.hub.sign_in(self.window, staff_no, pin)
        clerk = state.clerk or Clerk(staff_no, self._staff_name(staff_no))
        with self._lock:
            self._clerk, self._signed_in = clerk, True
            self._link.set_state(state)
        if previous is not None and previous.number != clerk.number:
            self._say(
                Sentence(
                    self.texts.get(
                        "signin.replaced",
                        name=clerk.name,
                        previous=previous.name or previous.number,
                    )
                )
            )
        else:
            self._say(Sentence(self.texts.get("signin.done", name=clerk.name, window=self.window)))

    def _staff_name(self, staff_no: str) -> str:
        for member in self.config.staff:
            if member.number == staff_no:
                return member.name
        return staff_no

    def _do_sign_out(self) -> None:
        state = self.hub.sign_out(self.window)
        with self._lock:
            self._clerk, self._signed_in = None, False
            self._ratings.forget_done()  # an open rating goes on: the citizen may still rate
            self._link.set_state(state)
        self._say(Sentence(self.texts.get("signout.done")))

    def _do_call_next(self) -> None:
        ticket = self.hub.call_next(self.window)
        if ticket is None:
            self._say(Sentence(self.texts.get("done.nobody")))
        else:
            self._serve(ticket)
            self._say(Sentence(self.texts.get("done.called", number=ticket.number)))

    def _do_call_number(self, number: str) -> None:
        ticket = self.hub.call_number(self.window, number)
        self._serve(ticket)
        self._say(Sentence(self.texts.get("done.called", number=ticket.number)))

    def _serve(self, ticket: TicketView) -> None:
        with self._lock:
            self._ratings.forget_done()  # a finished rating's line gives way to the new citizen
            self._link.set_state(replace(self._link.state, status="serving", current=ticket))

    def _ticket_job(
        self, done: str, call: Callable[[int], TicketView], *, clear: bool = False
    ) -> None:
        ticket = call(self.window)
        if clear:
            with self._lock:
                self._link.set_state(replace(self._link.state, status="idle", current=None))
        self._say(Sentence(self.texts.get(done, number=ticket.number)))

    def _do_transfer(self, category: str | None, to_window: int | None, reason: str) -> None:
        ticket = self.hub.transfer(
            self.window, category=category, to_window=to_window, reason=reason
        )
        with self._lock:
            self._link.set_state(replace(self._link.state, status="idle", current=None))
        if category is not None:
            text = self.texts.get(
                "done.transferred_category",
                number=ticket.number,
                category=self._category_name(category),
            )
        else:
            text = self.texts.get("done.transferred_window", number=ticket.number, window=to_window)
        self._say(Sentence(text))

    def _category_name(self, code: str) -> str:
        for category in self.config.categories:
            if category.code == code:
                return f"{code}类（{category.name}）"
        return code

    def _do_pause(self, reason: str) -> None:
        state = self.hub.pause(self.window, reason)
        with self._lock:
            self._link.set_state(state)
        self._say(Sentence(self.texts.get("done.paused", reason=reason)))

    def _do_resume(self) -> None:
        state = self.hub.resume(self.window)
        with self._lock:
            self._link.set_state(state)
        self._say(Sentence(self.texts.get("done.resumed")))

    def _do_finish(self) -> None:
        with self._lock:
            started = self._link.serving
        ticket = self.hub.finish(self.window)
        seconds = self.clock.monotonic() - started[1] if started else None
        with self._lock:
            self._link.set_state(replace(self._link.state, status="idle", current=None))
            self._link.finished(seconds)
        self._say(Sentence(self.texts.get("done.finished", number=ticket.number)))
        self._ratings.ask(ticket)

    def _do_bad_reason(self, reason: str) -> None:
        said = self._ratings.post_bad_reason(reason)
        if said is not None:
            self._say(said)

    def _do_accept_case(self, request: CaseRequest) -> None:
        sentence, failed = self._receipts.accept(request)
        self._say(sentence, error=failed)

    def close(self) -> None:
        """End an open rating request or 出件 confirmation and stop the worker."""
        self.cases.close()
        with self._lock:
            self._ratings.forget()
        if self.keypad is not None:
            self.keypad.cancel_rating()
        if isinstance(self._executor, ThreadPoolExecutor):
            self._executor.shutdown(wait=False, cancel_futures=True)
