"""The window sign as the counter app drives it: Modbus sign over the pty simulator, health on
silence and damage, refresh after a power cut, and the board sign."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devices.errors import DeviceAddressError
from devices.health import HealthState
from devices.sign.display import SignLayout, SignTextError
from devices.sign.service import (
    ABSENT_PROBLEM,
    SILENT_PROBLEM,
    BoardSign,
    ModbusSign,
    open_sign,
)
from devices.sign.sim import ModbusSignSimulator
from devices.sign.transport import ModbusRtuClient, SerialSettings
from tests.timing import PATIENCE
from tests.timing import wait_for as wait_until


@pytest.fixture
def sim() -> Iterator[ModbusSignSimulator]:
    with ModbusSignSimulator() as simulator:
        yield simulator


def make_sign(
    sim: ModbusSignSimulator, *, refresh_seconds: float = 30.0, retry_seconds: float = 2.0
) -> ModbusSign:
    client = ModbusRtuClient(SerialSettings(sim.port, timeout=0.1))
    return ModbusSign(
        client, sim.layout, refresh_seconds=refresh_seconds, retry_seconds=retry_seconds
    )


@pytest.fixture
def sign(sim: ModbusSignSimulator) -> Iterator[ModbusSign]:
    modbus = make_sign(sim, retry_seconds=0.1)
    modbus.start()
    yield modbus
    modbus.close()


def test_show_returns_at_once_and_the_sign_shows_the_number(
    sign: ModbusSign, sim: ModbusSignSimulator
) -> None:
    sign.show("A001")
    assert sign.shown == "A001"
    assert sign.flush(PATIENCE)
    assert sim.shown == "A001"
    assert sign.health.state is HealthState.OK


def test_clear_blanks_the_sign(sign: ModbusSign, sim: ModbusSignSimulator) -> None:
    sign.show("A001")
    sign.clear()
    assert sign.flush(PATIENCE)
    assert sim.shown == ""


def test_only_the_latest_number_matters_when_calls_come_quickly(
    sign: ModbusSign, sim: ModbusSignSimulator
) -> None:
    for n in range(1, 30):
        sign.show(f"A{n:03d}")
    assert sign.flush(PATIENCE)
    assert sim.shown == "A029"
    assert len(sim.requests) < 2 * 29  # stale numbers were skipped, not queued


def test_text_the_sign_cannot_show_is_refused_to_the_caller_at_once(sign: ModbusSign) -> None:
    with pytest.raises(SignTextError):
        sign.show("请A001")


def test_a_silent_sign_turns_health_to_error_and_recovers_by_itself(
    sign: ModbusSign, sim: ModbusSignSimulator
) -> None:
    assert sign.flush(PATIENCE)
    sim.fail_next("silent", times=4)  # brightness write: two tries, then the retry's two tries
    sign.show("A002")
    wait_until(lambda: sign.health.state is HealthState.ERROR)
    assert sign.health.problem == SILENT_PROBLEM
    assert "did not answer" in sign.health.detail
    assert sign.flush(PATIENCE)
    assert sim.shown == "A002"
    assert sign.health.state is HealthState.OK


def test_damaged_replies_twice_in_a_row_are_an_error_with_the_crc_in_the_detail(
    sign: ModbusSign, sim: ModbusSignSimulator
) -> None:
    assert sign.flush(PATIENCE)
    sim.fail_next("bad_crc", times=2)
    sign.show("A003")
    wait_until(lambda: sign.health.state is HealthState.ERROR)
    assert "CRC mismatch" in sign.health.detail
    assert sign.flush(PATIENCE)
    assert sim.shown == "A003"


def test_a_sign_that_lost_power_is_rewritten_by_the_refresh(sim: ModbusSignSimulator) -> None:
    sign = make_sign(sim, refresh_seconds=0.2)
    sign.start()
    try:
        sign.show("A004")
        assert sign.flush(PATIENCE)
        sim.power_cycle()
        assert sim.shown == ""
        wait_until(lambda: sim.shown == "A004")
    finally:
        sign.close()


def test_a_missing_serial_adapter_is_absent() -> None:
    sign = open_sign("modbus:///dev/ttyUSB-hallkit-missing?unit=1")
    sign.start()
    try:
        wait_until(lambda: sign.health.problem == ABSENT_PROBLEM)
        assert sign.health.state is HealthState.ABSENT
    finally:
        sign.close()


def test_sim_address_starts_a_simulated_sign_the_demo_can_read() -> None:
    sign = open_sign("sim://sign?digits=1")
    assert isinstance(sign, ModbusSign) and sign.simulator is not None
    sign.start()
    try:
        sign.show("A017")
        assert sign.flush(PATIENCE)
        assert sign.simulator.shown == "17"
        assert sign.simulator.layout == SignLayout(digits_only=True)
    finally:
        sign.close()


def test_modbus_address_options_set_the_layout() -> None:
    sign = open_sign("modbus:///dev/ttyUSB0?unit=5&chars=6&reg=0x20&brightness=3")
    assert isinstance(sign, ModbusSign)
    assert sign.layout == SignLayout(unit=5, chars=6, register=0x20)
    assert sign.client.settings.unit == 5


@pytest.mark.parametrize(
    "address",
    [
        "modbus:///dev/ttyUSB0?chars=5",
        "modbus:///dev/ttyUSB0?brightness=9",
        "modbus:///dev/ttyUSB0?unit=0",
        "tcp://10.0.0.9:502",
    ],
)
def test_bad_sign_addresses_are_address_errors(address: str) -> None:
    with pytest.raises(DeviceAddressError):
        open_sign(address)


@pytest.mark.parametrize("address", [None, "", "board"])
def test_board_or_nothing_gives_the_board_sign(address: str | None) -> None:
    assert isinstance(open_sign(address), BoardSign)


def test_the_board_sign_records_each_change_and_tells_listeners() -> None:
    board = BoardSign()
    seen: list[str] = []
    board.add_listener(seen.append)
    board.start()
    board.show("A001")
    board.show("A002")
    board.clear()
    assert board.history == seen == ["A001", "A002", ""]
    assert board.shown == ""
    assert board.health.state is HealthState.OK
    assert "board" in board.health.detail
