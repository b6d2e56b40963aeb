"""Device addresses: every malformed address is refused with a message naming the fix."""

from __future__ import annotations

import pytest

from devices.address import parse_address
from devices.errors import DeviceAddressError


def test_a_serial_address_with_options() -> None:
    address = parse_address("serial:///dev/hall-idcard?baud=115200", ("serial", "usb", "sim"))
    assert (address.scheme, address.target) == ("serial", "/dev/hall-idcard")
    assert address.int_option("baud", 9600) == 115200
    assert address.int_option("timeout", 3) == 3


def test_a_bare_path_takes_the_default_scheme() -> None:
    address = parse_address("/dev/ttyUSB0", ("serial",), bare_path_scheme="serial")
    assert address.scheme == "serial" and address.target == "/dev/ttyUSB0"


def test_usb_and_tcp_targets() -> None:
    assert parse_address("usb://0400:C35A", ("usb",)).usb_ids() == (0x0400, 0xC35A)
    assert parse_address("tcp://10.0.0.9:9100", ("tcp",)).host_port(9100) == ("10.0.0.9", 9100)
    assert parse_address("tcp://printer-1", ("tcp",)).host_port(9100) == ("printer-1", 9100)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("/dev/ttyUSB0", "needs a scheme"),
        ("ftp://x", "unknown scheme ftp://"),
        ("serial://", "nothing after"),
    ],
)
def test_malformed_addresses_say_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(DeviceAddressError, match=says):
        parse_address(text, ("serial", "usb"))


@pytest.mark.parametrize(
    ("text", "call", "says"),
    [
        ("usb://0400", lambda a: a.usb_ids(), "VID:PID"),
        ("tcp://host:printer", lambda a: a.host_port(9100), "not a number"),
        ("tcp://host:70000", lambda a: a.host_port(9100), "out of range"),
        ("serial:///dev/x?baud=fast", lambda a: a.int_option("baud", 1), "whole number"),
    ],
)
def test_malformed_targets_and_options(text: str, call, says: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DeviceAddressError, match=says):
        call(parse_address(text, ("usb", "tcp", "serial")))
