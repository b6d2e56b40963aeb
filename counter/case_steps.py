"""The counter workflow's steps for a case after 收件: 办理进度 (办理中, 已办结待领取), 出件/领取,
补正通知 and 不予受理.

One form at a time (the dialog the clerk opened, ``Action.PROGRESS``, ``DELIVER``,
``CORRECTION`` or ``REJECT``)::

    open ─ find(receipt) ─┐                ┌─ PROGRESS: advance(status, pickup window)
           card(id) ──────┴─ found ─ choose ┼─ DELIVER: confirm() ─ keypad key ─ deliver ─ 领取凭证
                                            ├─ CORRECTION: correct(missing) ─ 补正材料通知书
                                            └─ REJECT: reject(reason) ─ 不予受理通知书

A case is found by its receipt number (typed, or scanned: a scanner types and ends with Enter)
or by the applicant's ID card on the counter's reader (the number goes to the hub, which keeps
only a keyed hash; it is not kept here). A case whose status does not allow the step is told in
a sentence naming its status before the hub is asked.

出件 is confirmed by the citizen on the window's keypad (any key, ``CONFIRM_SECONDS``): no key
is no delivery, said so; the clerk cannot confirm for the citizen. The keypad asks one thing at
a time, so a confirmation waits for an open rating, and finishing a service waits for an open
confirmation.

Threads: the methods run on the GUI thread and never block; hub calls and printing run on the
workflow's worker through its ``start`` (one job at a time, refused while another runs or the
hub is away, errors turned into the workflow's sentence); the keypad answers on its own thread;
a card comes from the reader's thread.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace

from counter.case_papers import print_paper
from counter.case_view import DELIVERABLE, CasePaper, CaseView, can_move
from counter.flow_ports import CaseFlow
from counter.ports import Clerk
from counter.states import Action
from counter.texts import Sentence
from sync.case_states import status_text

log = logging.getLogger(__name__)

CONFIRM_SECONDS = 30.0
"""How long the citizen has to press a key on the keypad to confirm a 出件."""

RECEIPT = re.compile(r"^[A-Z0-9][A-Z0-9-]{3,49}$")
"""A receipt number as typed or scanned (upper-cased, spaces dropped): 办件编号 up to 50."""

ID_NUMBER = re.compile(r"^\d{17}[\dX]$")

PROGRESS_TARGETS = ("processing", "ready")
"""The statuses a window sets itself (办理中, 已办结待领取); central's downlink sets them too."""

WINDOW_MAX = 999
"""The highest window number (config.schema.Window.number)."""

CARD_KEEP_SECONDS = 10.0
"""A card read with no case form open waits this long for the 收件 form to take it."""


@dataclass(frozen=True)
class CaseForm:
    """The open case form as the dialog draws it."""

    action: Action
    found: tuple[CaseView, ...] = ()
    chosen: CaseView | None = None
    confirming: bool = False  # the keypad waits for the citizen's key
    confirm_started: float = 0.0  # monotonic
    done: bool = False  # the step was recorded (the form may close)
    searched: bool = False  # a search answered (an empty ``found`` means none)
    generation: int = 0  # bumped by each open: late answers for an older form are dropped


@dataclass(frozen=True)
class FormView:
    """What the case dialog shows now."""

    form: CaseForm
    seconds_left: int | None  # while the keypad waits for the citizen


class CaseSteps:
    """The case form of one counter workflow (``flow``; see the module docstring)."""

    def __init__(
        self,
        flow: CaseFlow,
        lock: threading.RLock,
        start: Callable[[Action, Callable[[], None]], bool],
        refuse: Callable[[Sentence], bool],
        say: Callable[..., None],
        clerk: Callable[[], Clerk | None],
    ) -> None:
        self._flow = flow
        self._lock = lock
        self._start = start
        self._refuse = refuse
        self._say = say
        self._clerk = clerk  # called with the lock held
        self._form: CaseForm | None = None
        self._generation = 0
        self._card: tuple[str, str, float] | None = None  # number, name, monotonic read
        # The 补正 lists recorded here, for a reprint when the hub's lookup answer lacks them.
        self._kept: dict[str, CaseView] = {}
        self.reader_present = False  # the app sets it when the window has a card reader

    # -- what to show ------------------------------------------------------------------------------

    def view(self) -> FormView | None:
        """The open form, or None (any thread)."""
        with self._lock:
            form = self._form
            if form is None:
                return None
            left = None
            if form.confirming:
                elapsed = self._flow.clock.monotonic() - form.confirm_started
                left = max(0, round(CONFIRM_SECONDS - elapsed))
            return FormView(form, left)

    def confirming(self) -> bool:
        """True while the keypad waits for a citizen's 出件 confirmation (lock held)."""
        return self._form is not None and self._form.confirming

    def materials_of(self, case: CaseView) -> tuple[str, ...]:
        """The item's material list for ``case`` (by item id, else by its name), or ()."""
        items = self._flow.all_items()
        for item in items:
            if case.item_id and item.id == case.item_id:
                return item.materials
        for item in items:
            if item.name == case.item_name:
                return item.materials
        return ()

    # -- the clerk's steps (GUI thread) -------------------------------------------------------------

    def open(self, action: Action) -> None:
        """Start a form for ``action`` (the dialog opened). For 补正 and 不予受理 the case just
        accepted at this window, if any, is found at once."""
        with self._lock:
            self._generation += 1
            self._form = CaseForm(action, generation=self._generation)
            last = self._flow.last_case
        if last is not None and action is not Action.DELIVER:
            self.find(last.receipt)
        self._flow.on_change()

    def close(self) -> None:
        """The dialog closed: forget the form; an open confirmation ends as not delivered."""
        with self._lock:
            form, self._form = self._form, None
            self._generation += 1
        if form is not None and form.confirming and self._flow.keypad is not None:
            self._flow.keypad.cancel_rating()
        self._flow.on_change()

    def find(self, receipt: str) -> bool:
        """Look the receipt number up in the hub (typed or scanned)."""
        wanted = re.sub(r"\s+", "", receipt).upper()
        form = self._form
        if form is None:
            return False
        if not RECEIPT.match(wanted):
            return self._refuse(Sentence(self._flow.texts.get("refuse.case_receipt")))
        generation = form.generation
        return self._start(
            form.action, lambda: self._found(generation, (self._flow.hub.case(wanted),))
        )

    def card(self, id_number: str) -> bool:
        """An ID card was read on the counter's reader (the reader's thread): the applicant's
        cases, if a case form is open; ignored otherwise. The number is only passed on."""
        number = id_number.strip().upper()
        with self._lock:
            form = self._form
        if form is None or form.confirming:
            return False
        if not ID_NUMBER.match(number):
            return self._refuse(Sentence(self._flow.texts.get("err.bad_id_number")))
        generation = form.generation
        hub = self._flow.hub
        return self._start(
            form.action, lambda: self._found(generation, hub.cases_for_person(number))
        )

    def card_read(self, id_number: str, name: str) -> None:
        """A card on the counter's reader (the reader's thread): it finds the applicant's cases
        in an open case form; with none open it waits briefly for the 收件 form
        (:meth:`take_card`)."""
        with self._lock:
            form_open = self._form is not None
            if not form_open:
                self._card = (id_number, name, self._flow.clock.monotonic())
        if form_open:
            self.card(id_number)
        else:
            self._flow.on_change()

    def take_card(self) -> tuple[str, str] | None:
        """The card read in the last ``CARD_KEEP_SECONDS`` (number, name), once; else None."""
        with self._lock:
            card, self._card = self._card, None
        if card is None or self._flow.clock.monotonic() - card[2] > CARD_KEEP_SECONDS:
            return None
        return card[0], card[1]

    def choose(self, receipt: str) -> bool:
        """Pick one of the cases found; says why it cannot go on if its status does not allow
        this form's step."""
        with self._lock:
            form = self._form
            if form is None or form.confirming:
                return False
            case = next((c for c in form.found if c.receipt == receipt), None)
            if case is None:
                return False
            self._form = replace(form, chosen=case)
        refusal = self._status_refusal(form.action, case)
        if refusal is not None:
            self._refuse(refusal)
        else:
            self._say(Sentence(self._chosen_line(case)))
            self._flow.on_change()
        return refusal is None

    def confirm(self) -> bool:
        """Ask the citizen to confirm the 出件 of the chosen case on the keypad."""
        flow, texts = self._flow, self._flow.texts
        with self._lock:
            form = self._form
            case = form.chosen if form is not None else None
            rating = flow.rating_number_open()
        if form is None or case is None:
            return self._refuse(Sentence(texts.get("refuse.case_none")))
        refusal = self._status_refusal(Action.DELIVER, case)
        if refusal is None and flow.keypad is None:
            refusal = Sentence(texts.get("refuse.case_no_keypad"))
        if refusal is None and rating is not None:
            refusal = Sentence(texts.get("refuse.case_keypad_busy", number=rating))
        if refusal is None:
            refusal = flow.refusal(Action.DELIVER)
        if refusal is not None:
            return self._refuse(refusal)
        keypad = flow.keypad
        if keypad is None:  # checked above; keeps the type checker sure
            return False
        generation = form.generation
        with self._lock:
            if self._form is not form:  # a search answered meanwhile: look again first
                return False
            self._form = replace(form, confirming=True, confirm_started=flow.clock.monotonic())
        self._say(Sentence(texts.get("case.confirm_ask", seconds=round(CONFIRM_SECONDS))))
        flow.on_change()
        keypad.begin_rating(CONFIRM_SECONDS, lambda level: self._confirmed(generation, level))
        return True

    def correct(self, missing: list[str]) -> bool:
        """Move the chosen case to 需补正 with every material in ``missing`` and print the
        补正材料通知书."""
        texts = self._flow.texts
        form = self._form
        case = form.chosen if form is not None else None
        if form is None or case is None:
            return self._refuse(Sentence(texts.get("refuse.case_none")))
        wanted = tuple(dict.fromkeys(m.strip() for m in missing if m.strip()))
        refusal = self._status_refusal(Action.CORRECTION, case)
        if refusal is None and not wanted:
            refusal = Sentence(texts.get("refuse.case_no_missing"))
        if refusal is not None:
            return self._refuse(refusal)
        window = self._flow.window

        def job() -> None:
            moved = self._flow.hub.case_status(case.receipt, "correction", window, missing=wanted)
            if not moved.missing:  # an older hub may not answer the list: it is the one sent
                moved = replace(moved, missing=wanted)
            done = texts.get("case.corrected", receipt=moved.receipt, count=len(moved.missing))
            self._recorded(form.generation, moved, CasePaper.CORRECTION, done)

        return self._start(Action.CORRECTION, job)

    def reprint_correction(self) -> bool:
        """Print the chosen case's 补正材料通知书 again, from the list the hub kept."""
        texts = self._flow.texts
        form = self._form
        case = form.chosen if form is not None else None
        if form is None or case is None:
            return self._refuse(Sentence(texts.get("refuse.case_none")))
        if case.status != "correction" or not case.missing:
            return self._refuse(
                Sentence(texts.get("refuse.case_not_correction", receipt=case.receipt))
            )

        def job() -> None:
            sentence, failed = self._printed(case, CasePaper.CORRECTION, None)
            self._say(sentence, error=failed)

        return self._start(Action.CORRECTION, job)

    def advance(self, status: str, pickup_window: int | None = None) -> bool:
        """Move the chosen case on to 办理中 (``processing``) or 已办结待领取 (``ready``, to be
        collected at ``pickup_window``, by default this window). Nothing is printed: the hub
        tells the citizen (phone page, SMS when enabled)."""
        texts = self._flow.texts
        form = self._form
        case = form.chosen if form is not None else None
        if form is None or case is None:
            return self._refuse(Sentence(texts.get("refuse.case_none")))
        refusal = self._status_refusal(Action.PROGRESS, case)
        if refusal is None and status not in PROGRESS_TARGETS:
            refusal = Sentence(texts.get("refuse.case_no_target"))
        if refusal is None and not can_move(case.status, status):
            refusal = Sentence(
                texts.get(
                    "refuse.case_bad_target",
                    receipt=case.receipt,
                    status=case.status_text,
                    target=status_text(status),
                )
            )
        window = self._flow.window
        pickup = (pickup_window or window) if status == "ready" else None
        if refusal is None and pickup is not None and not self._pickup_ok(pickup):
            refusal = Sentence(texts.get("refuse.case_pickup_window", max=WINDOW_MAX))
        if refusal is not None:
            return self._refuse(refusal)

        def job() -> None:
            moved = self._flow.hub.case_status(case.receipt, status, window, pickup_window=pickup)
            if status == "ready":
                shown = moved.pickup_window or pickup
                done = texts.get("case.ready_done", receipt=moved.receipt, window=shown)
            else:
                done = texts.get("case.processing_done", receipt=moved.receipt)
            with self._lock:
                now = self._form
                if now is not None and now.generation == form.generation:
                    self._form = replace(now, chosen=moved, found=(moved,), done=True)
            self._say(Sentence(done))

        return self._start(Action.PROGRESS, job)

    def _pickup_ok(self, window: int) -> bool:
        """True if ``window`` is a window of the hall (any 1–999 when the list is unknown)."""
        windows = self._flow.hall_windows()
        return 1 <= window <= WINDOW_MAX and (not windows or window in windows)

    def reject(self, reason: str) -> bool:
        """Move the chosen case to 不予受理 for ``reason`` and print the 不予受理通知书 with the
        legal basis the hub takes from the catalog."""
        texts = self._flow.texts
        form = self._form
        case = form.chosen if form is not None else None
        if form is None or case is None:
            return self._refuse(Sentence(texts.get("refuse.case_none")))
        reason = reason.strip()
        refusal = self._status_refusal(Action.REJECT, case)
        if refusal is None and not reason:
            refusal = Sentence(texts.get("refuse.reason_required"))
        if refusal is not None:
            return self._refuse(refusal)
        window = self._flow.window

        def job() -> None:
            moved = self._flow.hub.case_status(case.receipt, "rejected", window, reason=reason)
            if moved.reason is None:
                moved = replace(moved, reason=reason)
            done = texts.get("case.rejected", receipt=moved.receipt)
            self._recorded(form.generation, moved, CasePaper.REJECTION, done)

        return self._start(Action.REJECT, job)

    # -- on other threads ------------------------------------------------------------------------

    def _found(self, generation: int, cases: tuple[CaseView, ...]) -> None:
        """A search answered (on the worker)."""
        texts = self._flow.texts
        with self._lock:
            form = self._form
            if form is None or form.generation != generation:
                return
            cases = tuple(self._with_kept(c) for c in cases)
            chosen = cases[0] if len(cases) == 1 else None
            if form.action is Action.DELIVER and len(cases) > 1:
                takeable = [c for c in cases if c.status in DELIVERABLE]
                chosen = takeable[0] if len(takeable) == 1 else None
            self._form = replace(form, found=cases, chosen=chosen, searched=True)
        if not cases:
            self._say(Sentence(texts.get("case.found_none")), error=True)
        elif chosen is not None:
            refusal = self._status_refusal(form.action, chosen)
            if refusal is not None:
                self._say(refusal, error=True)
            else:
                self._say(Sentence(self._chosen_line(chosen)))
        else:
            ready = sum(1 for c in cases if c.status in DELIVERABLE)
            self._say(Sentence(texts.get("case.found_person", count=len(cases), ready=ready)))

    def _confirmed(self, generation: int, level: int | None) -> None:
        """The keypad's answer to a 出件 confirmation (keypad thread: must not block)."""
        texts = self._flow.texts
        with self._lock:
            form = self._form
            if form is None or form.generation != generation or not form.confirming:
                return
            self._form = replace(form, confirming=False)
            case = form.chosen
        if case is None:
            return
        if level is None:
            self._say(Sentence(texts.get("case.confirm_none", receipt=case.receipt)), error=True)
            self._flow.on_change()
            return
        window = self._flow.window

        def job() -> None:
            delivered = self._flow.hub.deliver_case(case.receipt, window)
            done = texts.get("case.delivered", receipt=delivered.receipt)
            self._recorded(generation, delivered, CasePaper.PICKUP, done)

        if not self._start(Action.DELIVER, job):
            log.warning("出件 %s confirmed on the keypad but could not be sent now", case.receipt)

    def _with_kept(self, case: CaseView) -> CaseView:
        """``case`` with the 补正 list recorded here if the hub's answer lacks it (lock held)."""
        kept = self._kept.get(case.receipt)
        if kept is None or case.missing or case.status != "correction":
            return case
        return replace(case, missing=kept.missing, item_id=case.item_id or kept.item_id)

    def _recorded(self, generation: int, case: CaseView, paper: CasePaper, done: str) -> None:
        """The hub recorded the step (on the worker): mark the form done, print, say so."""
        with self._lock:
            if paper is CasePaper.CORRECTION:
                self._kept[case.receipt] = case
            form = self._form
            if form is not None and form.generation == generation:
                self._form = replace(form, chosen=case, found=(case,), done=True)
        sentence, failed = self._printed(case, paper, done)
        self._say(sentence, error=failed)

    def _printed(self, case: CaseView, paper: CasePaper, done: str | None) -> tuple[Sentence, bool]:
        """Print ``paper`` (on the worker) after the step ``done`` says was recorded (None: a
        copy printed again, 补打); the sentence and whether it reports a failure."""
        flow = self._flow
        with self._lock:
            clerk = self._clerk()
        return print_paper(
            flow.printer, flow.texts, paper, case, clerk, flow.window, flow.clock.now(), done
        )

    # -- rules ---------------------------------------------------------------------------------------

    def _status_refusal(self, action: Action, case: CaseView) -> Sentence | None:
        texts = self._flow.texts
        values = {"receipt": case.receipt, "status": case.status_text}
        if action is Action.DELIVER and case.status not in DELIVERABLE:
            return Sentence(texts.get("refuse.case_not_ready", **values))
        if action is Action.CORRECTION and not can_move(case.status, "correction"):
            return Sentence(texts.get("refuse.case_no_correction", **values))
        if action is Action.REJECT and not can_move(case.status, "rejected"):
            return Sentence(texts.get("refuse.case_no_reject", **values))
        if action is Action.PROGRESS and not any(
            can_move(case.status, s) for s in PROGRESS_TARGETS
        ):
            return Sentence(texts.get("refuse.case_no_progress", **values))
        return None

    def _chosen_line(self, case: CaseView) -> str:
        return self._flow.texts.get(
            "case.chosen", receipt=case.receipt, item=case.item_name, status=case.status_text
        )
