"""The real serial transport against the pty sign simulator: exact bytes on the line, retries,
silence, damaged replies, refusals, a missing port."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from devices.address import parse_address
from devices.errors import DecodeError, DeviceAbsent, DeviceAddressError, DeviceTimeout
from devices.sign.display import SignLayout, show_requests
from devices.sign.modbus import OtherRequest, SignRefused, WriteRegister, WriteRegisters
from devices.sign.sim import ModbusSignSimulator
from devices.sign.transport import ModbusRtuClient, SerialSettings
from tests.devices.sign.frames import golden


@pytest.fixture
def sim() -> Iterator[ModbusSignSimulator]:
    with ModbusSignSimulator() as simulator:
        yield simulator


@pytest.fixture
def client(sim: ModbusSignSimulator) -> Iterator[ModbusRtuClient]:
    modbus = ModbusRtuClient(SerialSettings(sim.port, unit=1, baud=9600, timeout=0.3))
    yield modbus
    modbus.close()


def test_showing_a001_puts_the_golden_frame_on_the_line_and_the_sign_shows_it(
    sim: ModbusSignSimulator, client: ModbusRtuClient
) -> None:
    for request in show_requests(SignLayout(), "A001"):
        client.write(request)
    assert sim.frames == [golden("show-A001-unit-1")]
    assert sim.shown == "A001"
    assert client.exchanges == 1


def test_one_damaged_reply_is_retried_once_and_succeeds(
    sim: ModbusSignSimulator, client: ModbusRtuClient
) -> None:
    sim.fail_next("bad_crc")
    client.write(WriteRegister(1, 0x10, 5))
    assert client.exchanges == 2
    assert sim.brightness == 5


def test_two_damaged_replies_are_a_clear_decode_error(
    sim: ModbusSignSimulator, client: ModbusRtuClient
) -> None:
    sim.fail_next("bad_crc", times=2)
    with pytest.raises(DecodeError, match=r"CRC mismatch.*\(after 2 tries\)"):
        client.write(WriteRegister(1, 0x10, 5))
    assert client.exchanges == 2


def test_one_lost_frame_is_retried_once_and_succeeds(
    sim: ModbusSignSimulator, client: ModbusRtuClient
) -> None:
    sim.fail_next("silent")
    client.write(WriteRegisters(1, 0, (0x4130, 0x3032, 0x2020, 0x2020)))
    assert len(sim.requests) == 2
    assert sim.shown == "A002"


def test_a_silent_sign_is_a_timeout_after_two_bounded_tries(
    sim: ModbusSignSimulator, client: ModbusRtuClient
) -> None:
    sim.fail_next("silent", times=2)
    started = time.monotonic()
    with pytest.raises(DeviceTimeout, match=r"unit 1 .* did not answer within 0.3 s \(after 2"):
        client.write(WriteRegister(1, 0x10, 5))
    assert time.monotonic() - started >= 0.6  # each try waited out its 0.3 s
    assert len(sim.requests) == 2  # and there was no third


def test_an_exception_reply_is_refused_at_once_without_a_retry(
    sim: ModbusSignSimulator, client: ModbusRtuClient
) -> None:
    sim.fail_next("busy")
    with pytest.raises(SignRefused, match="exception 0x06 \\(slave device busy\\)"):
        client.write(WriteRegister(1, 0x10, 5))
    assert client.exchanges == 1


def test_a_register_the_sign_does_not_have_is_refused_with_illegal_address(
    client: ModbusRtuClient,
) -> None:
    with pytest.raises(SignRefused) as caught:
        client.write(WriteRegister(1, 0x0100, 1))
    assert caught.value.code == 2


def test_the_simulator_answers_unknown_functions_with_exception_1(
    sim: ModbusSignSimulator,
) -> None:
    import serial

    with serial.Serial(sim.port, 9600, timeout=0.5) as port:
        port.write(golden("read-holding-0-1"))
        reply = port.read(5)
    assert reply[:3] == bytes([0x01, 0x83, 0x01])
    assert sim.requests == [OtherRequest(1, 0x03)]


def test_a_sign_with_another_unit_number_stays_silent(sim: ModbusSignSimulator) -> None:
    other = ModbusRtuClient(SerialSettings(sim.port, unit=2, timeout=0.1))
    try:
        with pytest.raises(DeviceTimeout, match="unit 2"):
            other.write(WriteRegister(2, 0x10, 5))
    finally:
        other.close()
    assert sim.requests == [] and len(sim.frames) == 2


def test_a_missing_serial_port_is_absent(tmp_path: object) -> None:
    client = ModbusRtuClient(SerialSettings("/dev/ttyUSB-hallkit-missing"))
    with pytest.raises(DeviceAbsent, match="no such serial port"):
        client.write(WriteRegister(1, 0x10, 5))


def test_addresses_give_port_unit_speed_and_timeout() -> None:
    settings = SerialSettings.from_address(
        parse_address("modbus:///dev/ttyUSB0?unit=7&baud=19200&timeout=0.2", ("modbus",))
    )
    assert settings == SerialSettings("/dev/ttyUSB0", 7, 19200, 0.2)
    assert settings.silence == pytest.approx(3.5 * 11 / 19200)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("unit=0", "unit 0"),
        ("unit=248", "unit 248"),
        ("baud=1000", "baud 1000"),
        ("timeout=9", "timeout"),
    ],
)
def test_bad_line_settings_are_address_errors(query: str, message: str) -> None:
    with pytest.raises(DeviceAddressError, match=message):
        SerialSettings.from_address(parse_address(f"modbus:///dev/ttyUSB0?{query}", ("modbus",)))
