"""The reader service against the pty simulator: one event per card, removals, health, reconnects."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from devices.health import HealthState
from devices.idcard import service as s
from devices.idcard.samples import SAMPLES
from devices.idcard.service import CardPresented, CardRemoved, IdCardReaderService, ReaderEvent
from devices.idcard.sim import SimulatedReader
from tests.timing import PATIENCE, wait_for


class Listener:
    """Collects events; ``next`` waits for the following one."""

    def __init__(self) -> None:
        self.events: queue.Queue[ReaderEvent] = queue.Queue()

    def __call__(self, event: ReaderEvent) -> None:
        self.events.put(event)

    def next(self, seconds: float = PATIENCE) -> ReaderEvent:
        return self.events.get(timeout=seconds)

    def nothing_more(self, sim: SimulatedReader, polls: int) -> bool:
        """True if nothing was heard while the reader polled ``sim`` ``polls`` more times."""
        asked = len(sim.commands)
        wait_for(lambda: len(sim.commands) >= asked + polls, f"{polls} more polls")
        return self.events.empty()


@pytest.fixture
def link(tmp_path: Path) -> Path:
    return tmp_path / "hall-idcard"


@pytest.fixture
def listener() -> Listener:
    return Listener()


@pytest.fixture
def service(link: Path, listener: Listener) -> Iterator[IdCardReaderService]:
    reader = IdCardReaderService(
        f"serial://{link}?baud=115200",
        listener,
        poll_interval=0.05,
        reconnect_min=0.05,
        reconnect_max=0.2,
    )
    reader.start()
    yield reader
    reader.stop()


@pytest.mark.parametrize("faults", [[], ["halt-after-read"]], ids=["plain", "halting module"])
def test_one_event_per_presented_card_and_one_per_removal(
    link: Path, listener: Listener, service: IdCardReaderService, faults: list[str]
) -> None:
    with SimulatedReader([SAMPLES["resident"]], faults=faults, link=link) as sim:
        first = listener.next()
        assert isinstance(first, CardPresented)
        assert first.card.number == SAMPLES["resident"].number
        assert listener.nothing_more(sim, 12)  # a dozen polls with the card resting there
        sim.remove()
        assert isinstance(listener.next(), CardRemoved)
        sim.present(SAMPLES["permit-j"])
        second = listener.next()
        assert isinstance(second, CardPresented)
        assert second.card.pass_number == "H12345678"
        assert listener.nothing_more(sim, 6)


def test_health_goes_absent_ok_error_ok_and_reconnects_after_an_unplug(
    link: Path, listener: Listener, service: IdCardReaderService
) -> None:
    def is_(state: HealthState, problem: str = "") -> Callable[[], bool]:
        return lambda: service.health.state is state and service.health.problem == problem

    wait_for(is_(HealthState.ABSENT, s.ABSENT[0]))
    sim = SimulatedReader([SAMPLES["resident"]], link=link)
    sim.start()
    try:
        wait_for(is_(HealthState.OK))
        assert "SAM 05.01-20101231-0012345678-1234567890" in service.health.detail
        assert isinstance(listener.next(), CardPresented)
        sim.set_faults(["sam-fail"])
        wait_for(is_(HealthState.ERROR, s.SAM_BROKEN[0]))
        assert service.health.advice == s.SAM_BROKEN[1]
        assert isinstance(listener.next(), CardRemoved)  # the card is not known to be there
        sim.set_faults([])
        wait_for(is_(HealthState.OK))
        assert isinstance(listener.next(), CardPresented)
        sim.stop()  # the port vanishes
        wait_for(is_(HealthState.ABSENT, s.ABSENT[0]))
        assert isinstance(listener.next(), CardRemoved)
        sim.start()
        wait_for(is_(HealthState.OK))
        assert isinstance(listener.next(), CardPresented)
    finally:
        sim.stop()


def test_a_reader_that_stops_answering_is_an_error_not_a_hang(
    link: Path, service: IdCardReaderService
) -> None:
    with SimulatedReader(link=link) as sim:
        wait_for(lambda: service.health.ok)
        sim.set_faults(["silent"])
        wait_for(lambda: service.health.problem == s.NO_ANSWER[0])
        assert service.health.state is HealthState.ERROR
        sim.set_faults([])
        wait_for(lambda: service.health.ok)


def test_a_garbling_link_degrades_health_then_recovers(
    link: Path, listener: Listener, service: IdCardReaderService
) -> None:
    with SimulatedReader(faults=["bad-checksum"], link=link) as sim:
        wait_for(lambda: service.health.state is HealthState.DEGRADED)
        assert service.health.problem == s.UNSTABLE[0]
        assert listener.events.empty()
        sim.set_faults([])
        assert isinstance(listener.next(), CardPresented)
        wait_for(lambda: service.health.ok)


def test_a_listener_that_raises_does_not_stop_the_reader(link: Path) -> None:
    seen: list[ReaderEvent] = []

    def clumsy(event: ReaderEvent) -> None:
        seen.append(event)
        raise RuntimeError("listener bug")

    reader = IdCardReaderService(str(link), clumsy, poll_interval=0.05, reconnect_min=0.05)
    with SimulatedReader(link=link) as sim:
        reader.start()
        try:
            wait_for(lambda: len(seen) == 1)
            sim.remove()
            wait_for(lambda: len(seen) == 2)
        finally:
            reader.stop()
    assert [type(e) for e in seen] == [CardPresented, CardRemoved]


def test_stop_ends_the_polling_thread(link: Path, listener: Listener) -> None:
    reader = IdCardReaderService(str(link), listener, poll_interval=0.05)
    with SimulatedReader(link=link):
        before = set(threading.enumerate())
        reader.start()
        (thread,) = [
            t for t in threading.enumerate() if t not in before and t.name == "idcard-reader"
        ]
        wait_for(lambda: reader.health.ok)
        reader.stop()
        assert not thread.is_alive()  # no poll can come after stop() returned


def test_a_cycling_simulator_brings_each_card_in_turn(link: Path, listener: Listener) -> None:
    reader = IdCardReaderService(str(link), listener, poll_interval=0.05, reconnect_min=0.05)
    cards = [SAMPLES["resident"], SAMPLES["foreign-i"]]
    with SimulatedReader(cards, link=link, cycle=0.6):
        reader.start()
        try:
            seen = [listener.next() for _ in range(4)]
        finally:
            reader.stop()
    assert [type(e) for e in seen] == [CardPresented, CardRemoved, CardPresented, CardRemoved]
    presented = [e.card.number for e in seen if isinstance(e, CardPresented)]
    assert presented == [c.number for c in cards]
