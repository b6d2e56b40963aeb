"""Fakes for the counter's workflow tests: a keypad a test presses, a printer, a clock."""

from __future__ import annotations

from datetime import datetime

from counter.case_view import CasePaper, CaseView
from counter.ports import CaseAccepted, Clerk, PrintOutcome, RatingDone
from devices.health import Health, HealthState
from tests.conftest import WEDNESDAY_0930


class FakeKeypad:
    """Records rating requests; ``press(level)`` / ``time_out()`` answer the open one."""

    def __init__(self) -> None:
        self.requests: list[float] = []
        self._done: RatingDone | None = None
        self.cancelled = 0

    def begin_rating(self, timeout: float, on_done: RatingDone) -> int:
        self.requests.append(timeout)
        self._done = on_done
        return len(self.requests)

    def cancel_rating(self) -> None:
        self.cancelled += 1
        self._answer(None)

    @property
    def asking(self) -> bool:
        return self._done is not None

    def press(self, level: int) -> None:
        self._answer(level)

    def time_out(self) -> None:
        self._answer(None)

    def _answer(self, level: int | None) -> None:
        done, self._done = self._done, None
        if done is not None:
            done(level)


class FakePrinter:
    """Keeps what it was asked to print; ``fault`` makes it report a paper-out."""

    def __init__(self) -> None:
        self.printed: list[tuple[CaseAccepted, Clerk | None, int]] = []
        self.papers: list[tuple[CasePaper, CaseView, Clerk | None, int, bool]] = []
        self.fault = False

    def print_receipt(self, case: CaseAccepted, clerk: Clerk | None, window: int) -> PrintOutcome:
        if self.fault:
            health = Health("printer", HealthState.ERROR, "打印机缺纸", "请装纸", "paper end")
            return PrintOutcome(False, health)
        self.printed.append((case, clerk, window))
        return PrintOutcome(True, Health("printer", HealthState.OK, "", "", "ok"))

    def print_case_paper(
        self,
        paper: CasePaper,
        case: CaseView,
        clerk: Clerk | None,
        window: int,
        at: datetime,
        *,
        reprint: bool = False,
    ) -> PrintOutcome:
        if self.fault:
            health = Health("printer", HealthState.ERROR, "打印机缺纸", "请装纸", "paper end")
            return PrintOutcome(False, health)
        self.papers.append((paper, case, clerk, window, reprint))
        return PrintOutcome(True, Health("printer", HealthState.OK, "", "", "ok"))


class FakeClock:
    """Hall time standing still until ``advance``; monotonic moves with it."""

    def __init__(self, start: datetime = WEDNESDAY_0930) -> None:
        self._now = start
        self._mono = 1000.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        from datetime import timedelta

        self._now += timedelta(seconds=seconds)
        self._mono += seconds
