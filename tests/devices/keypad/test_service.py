"""The keypad service through the simulated keypad: ratings, timeouts, unplug and replug."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from config.schema import DeviceSettings
from devices.errors import DeviceAddressError, DeviceError
from devices.health import HealthState
from devices.keypad.keys import KeyEvent, KeyMap, KeyValue
from devices.keypad.service import KeypadService, open_keypad_source
from devices.keypad.sim import SimKeypad
from devices.keypad.transport import EvdevKeypad
from tests.timing import PATIENCE, SteppedClock
from tests.timing import wait_for as wait_until


class Ratings:
    """Collects rating callbacks, in order, and lets a test wait for them."""

    def __init__(self) -> None:
        self.levels: list[int | None] = []
        self._cond = threading.Condition()

    def __call__(self, level: int | None) -> None:
        with self._cond:
            self.levels.append(level)
            self._cond.notify_all()

    def wait(self, count: int, timeout: float = PATIENCE) -> list[int | None]:
        with self._cond:
            assert self._cond.wait_for(lambda: len(self.levels) >= count, timeout), self.levels
            return list(self.levels)


@pytest.fixture
def keypad() -> SimKeypad:
    return SimKeypad()


@pytest.fixture
def clock() -> SteppedClock:
    """The service's clock: rating timeouts and retries come only when the test moves it."""
    return SteppedClock()


def pressing(keypad: SimKeypad, key: str, until: threading.Event) -> threading.Thread:
    """A citizen pressing ``key`` again and again until ``until`` is set (a press made before
    the request opens rates nothing; the first one after it does)."""

    def press() -> None:
        while not until.wait(0.02):
            keypad.press(key)

    thread = threading.Thread(target=press, daemon=True)
    thread.start()
    return thread


@pytest.fixture
def service(keypad: SimKeypad, clock: SteppedClock) -> Iterator[KeypadService]:
    svc = KeypadService(
        keypad,
        KeyMap(DeviceSettings().keypad_keys),
        retry_seconds=0.1,
        slice_seconds=0.05,
        monotonic=clock,
    )
    svc.start()
    wait_until(lambda: svc.health.state is HealthState.OK)
    yield svc
    svc.stop()


def test_a_press_during_a_request_gives_its_level(
    service: KeypadService, keypad: SimKeypad
) -> None:
    ratings = Ratings()
    service.begin_rating(5, ratings)
    keypad.press("KEY_2")
    assert ratings.wait(1) == [2]


def test_only_the_first_press_of_a_request_counts(
    service: KeypadService, keypad: SimKeypad
) -> None:
    ratings = Ratings()
    service.begin_rating(5, ratings)
    keypad.press("KEY_KP4")
    keypad.press("KEY_1")
    assert ratings.wait(1) == [4]
    wait_until(lambda: KeyEvent(("KEY_1",), KeyValue.UP) in service.presses, "the second press")
    assert ratings.levels == [4]


def test_autorepeat_of_a_key_held_from_before_the_request_does_not_rate(
    service: KeypadService, keypad: SimKeypad
) -> None:
    keypad.send("KEY_1", KeyValue.DOWN)  # pressed before the request: ignored
    wait_until(lambda: KeyEvent(("KEY_1",), KeyValue.DOWN) in service.presses)
    ratings = Ratings()
    service.begin_rating(5, ratings)
    for _ in range(5):
        keypad.send("KEY_1", KeyValue.REPEAT)
    keypad.send("KEY_1", KeyValue.UP)
    wait_until(lambda: KeyEvent(("KEY_1",), KeyValue.UP) in service.presses)
    assert ratings.levels == []
    keypad.press("KEY_5")
    assert ratings.wait(1) == [5]


def test_holding_a_key_rates_once(
    service: KeypadService, keypad: SimKeypad, clock: SteppedClock
) -> None:
    first, second = Ratings(), Ratings()
    service.begin_rating(5, first)
    keypad.hold("KEY_3", repeats=10)
    assert first.wait(1) == [3]
    wait_until(lambda: KeyEvent(("KEY_3",), KeyValue.UP) in service.presses, "the key let go")
    service.begin_rating(30, second)
    clock.advance(30)
    assert second.wait(1) == [None]


def test_no_press_within_the_timeout_is_no_rating(
    service: KeypadService, clock: SteppedClock
) -> None:
    ratings = Ratings()
    service.begin_rating(30, ratings)
    clock.advance(29.9)
    clock.looked_again()  # the service went round with 0.1 s left: still open
    assert ratings.levels == []
    clock.advance(0.1)
    assert ratings.wait(1) == [None]


def test_a_press_outside_a_request_rates_nothing(
    service: KeypadService, keypad: SimKeypad, clock: SteppedClock
) -> None:
    keypad.press("KEY_1")
    wait_until(lambda: len(service.presses) >= 2, "the press read")
    ratings = Ratings()
    service.begin_rating(30, ratings)
    clock.advance(30)
    assert ratings.wait(1) == [None]


def test_request_rating_blocks_until_the_press(service: KeypadService, keypad: SimKeypad) -> None:
    rated = threading.Event()
    presser = pressing(keypad, "KEY_F1", rated)
    try:
        assert service.request_rating(PATIENCE) == 1
    finally:
        rated.set()
        presser.join()


def test_a_new_request_ends_the_open_one_as_no_rating(
    service: KeypadService, keypad: SimKeypad
) -> None:
    first, second = Ratings(), Ratings()
    service.begin_rating(5, first)
    service.begin_rating(5, second)
    assert first.levels == [None]
    keypad.press("KEY_2")
    assert second.wait(1) == [2]
    assert first.levels == [None]


def test_unplug_makes_health_absent_and_replug_rates_again(
    service: KeypadService, keypad: SimKeypad
) -> None:
    keypad.unplug()
    wait_until(lambda: service.health.state is HealthState.ABSENT)
    assert service.health.problem == "评价器未连接"
    assert service.running
    during = Ratings()
    service.begin_rating(5, during)
    keypad.press("KEY_1")  # goes nowhere: the keypad is unplugged
    keypad.replug()
    wait_until(lambda: service.health.state is HealthState.OK)
    assert keypad.opens == 2 and keypad.grabbed
    keypad.press("KEY_2")
    assert during.wait(1) == [2]
    after = Ratings()
    service.begin_rating(5, after)
    keypad.press("KEY_4")
    assert after.wait(1) == [4]


def test_a_keypad_absent_at_start_is_picked_up_when_plugged_in(clock: SteppedClock) -> None:
    keypad = SimKeypad(plugged=False)
    svc = KeypadService(
        keypad, KeyMap({"KEY_1": 1}), retry_seconds=10, slice_seconds=0.05, monotonic=clock
    )
    svc.start()
    try:
        wait_until(lambda: svc.health.state is HealthState.ABSENT)
        keypad.replug()  # picked up from the "add" hint: the clock never reaches the 10 s retry
        wait_until(lambda: svc.health.state is HealthState.OK)
    finally:
        svc.stop()


def test_a_failing_callback_does_not_stop_the_keypad(
    service: KeypadService, keypad: SimKeypad
) -> None:
    def broken(level: int | None) -> None:
        raise RuntimeError("counter app bug")

    service.begin_rating(5, broken)
    keypad.press("KEY_1")
    wait_until(lambda: service.presses != [])
    ratings = Ratings()
    service.begin_rating(5, ratings)
    keypad.press("KEY_3")
    assert ratings.wait(1) == [3]
    assert service.running


class FlakyKeypad(SimKeypad):
    """A keypad whose first read hits a bug that is not a DeviceError."""

    def __init__(self) -> None:
        super().__init__()
        self.failed = False

    def read(self, timeout: float) -> list[KeyEvent]:
        if not self.failed:
            self.failed = True
            raise RuntimeError("driver bug")
        return super().read(timeout)


def test_the_thread_survives_an_unexpected_error_and_reopens() -> None:
    keypad = FlakyKeypad()
    svc = KeypadService(keypad, KeyMap({"KEY_1": 1}), retry_seconds=0.05, slice_seconds=0.05)
    svc.start()
    try:
        wait_until(lambda: keypad.failed and keypad.opens == 2)
        wait_until(lambda: svc.health.state is HealthState.OK)
        rated = threading.Event()
        presser = pressing(keypad, "KEY_1", rated)
        assert svc.request_rating(PATIENCE) == 1
        rated.set()
        presser.join()
    finally:
        svc.stop()


def test_stop_ends_an_open_request_as_no_rating_and_releases_the_keypad(
    keypad: SimKeypad,
) -> None:
    svc = KeypadService(keypad, KeyMap({"KEY_1": 1}), slice_seconds=0.05)
    svc.start()
    wait_until(lambda: keypad.grabbed)
    ratings = Ratings()
    svc.begin_rating(30, ratings)
    svc.stop()
    assert ratings.levels == [None]
    assert not svc.running and not keypad.grabbed


def test_request_rating_refuses_when_the_service_is_not_running(keypad: SimKeypad) -> None:
    with pytest.raises(DeviceError, match="not running"):
        KeypadService(keypad, KeyMap({})).request_rating(1)


def test_addresses_pick_the_simulator_a_node_or_a_device_name() -> None:
    assert isinstance(open_keypad_source("sim://keypad"), SimKeypad)
    node = open_keypad_source("/dev/input/event3")
    assert isinstance(node, EvdevKeypad) and node.name == "evdev:///dev/input/event3"
    link = open_keypad_source("evdev:///dev/input/hall-keypad")
    assert link.name == "evdev:///dev/input/hall-keypad"
    named = open_keypad_source("evdev://SONiX%20USB%20Keypad")
    assert named.name == "evdev://SONiX USB Keypad"
    with pytest.raises(DeviceAddressError, match="evdev://, sim://"):
        open_keypad_source("serial:///dev/ttyUSB0")
