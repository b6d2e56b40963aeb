"""Fixtures for the counter's workflow tests: the sample hall, an in-memory hub, fakes."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from config import sample_hall
from config.sample import DEMO_STAFF_PIN
from counter.simhub import SimHub
from counter.states import InlineExecutor
from counter.workflow import CounterWorkflow
from tests.counter.fakes import FakeClock, FakeKeypad, FakePrinter


@dataclass
class Counter:
    hub: SimHub
    keypad: FakeKeypad
    printer: FakePrinter
    clock: FakeClock
    flow: CounterWorkflow
    changes: list[int]

    def signed_in(self, staff_no: str = "1001") -> Counter:
        assert self.flow.sign_in(staff_no, DEMO_STAFF_PIN)
        return self


@pytest.fixture
def counter() -> Counter:
    """Window 1 of the sample hall (categories A, B, …) over a SimHub, run inline."""
    config = sample_hall()
    hub, keypad, printer, clock = SimHub(config), FakeKeypad(), FakePrinter(), FakeClock()
    changes: list[int] = []
    flow = CounterWorkflow(
        1,
        hub,
        config,
        clock,
        keypad=keypad,
        printer=printer,
        executor=InlineExecutor(),
        on_change=lambda: changes.append(1),
    )
    return Counter(hub, keypad, printer, clock, flow, changes)
