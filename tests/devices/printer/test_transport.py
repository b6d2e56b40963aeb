"""Printer links: addresses, TCP and serial against the simulator, bounded status reads."""

from __future__ import annotations

import os
import pty
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from devices.errors import DeviceAbsent, DeviceAddressError
from devices.printer.decode import decode_job
from devices.printer.sim import PrinterSimulator, SimPrinter
from devices.printer.status import status_request
from devices.printer.transport import SerialLink, SimLink, TcpLink, open_link
from devices.printer.usb import UsbLink
from tests.timing import PATIENCE


def test_addresses_pick_their_link() -> None:
    assert isinstance(open_link("tcp://10.0.0.9"), TcpLink)
    assert open_link("tcp://10.0.0.9").port == 9100  # type: ignore[attr-defined]
    assert isinstance(open_link("serial:///dev/hall-printer?baud=9600"), SerialLink)
    assert isinstance(open_link("/dev/ttyS0"), SerialLink)
    assert isinstance(open_link("usb://0416:5011?in=0x81&out=0x03"), UsbLink)
    sim = open_link("sim://printer?paper=out&cover=open&silent=1&tickets=5")
    assert isinstance(sim, SimLink)
    assert (sim.printer.paper, sim.printer.cover_open, sim.printer.tickets) == ("out", True, 5)
    assert not sim.printer.answers_status


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("lpt://1", "unknown scheme"),
        ("tcp://:9100", "HOST:PORT"),
        ("usb://printer", "VID:PID"),
        ("serial:///dev/x?flow=magic", "flow must be"),
        ("serial:///dev/x?baud=fast", "whole number"),
        ("sim://printer?paper=blue", "paper must be"),
    ],
)
def test_malformed_addresses_say_what_was_expected(address: str, message: str) -> None:
    with pytest.raises(DeviceAddressError, match=message):
        open_link(address)


def test_tcp_connection_refused_is_absent_naming_the_address() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    link = open_link(f"tcp://127.0.0.1:{port}")
    with pytest.raises(DeviceAbsent, match=f"127.0.0.1:{port}"):
        link.open()


def test_tcp_status_read_comes_back_empty_after_its_timeout_when_the_printer_says_nothing() -> None:
    with socket.create_server(("127.0.0.1", 0)) as mute:
        link = open_link(f"tcp://127.0.0.1:{mute.getsockname()[1]}")
        link.open()
        started = time.monotonic()
        assert link.request(status_request(1), 0.2) == b""
        assert time.monotonic() - started >= 0.2  # it waited for an answer, then gave up
        link.close()


def test_tcp_link_prints_to_the_simulator_and_reads_its_status() -> None:
    with PrinterSimulator(SimPrinter(paper="near")) as sim:
        link = open_link(sim.address)
        link.open()
        link.write(b"\x1b@\x1c&\xba\xc5\x1c.\n")
        assert link.request(status_request(4), 1.0) == b"\x1e"
        link.close()
        (job,) = sim.printer.wait_for_jobs(1, timeout=PATIENCE)
    assert decode_job(job.data).texts == ["号"]


@pytest.fixture
def serial_sim() -> Iterator[tuple[str, SimPrinter]]:
    """A SimPrinter behind a pseudo-terminal: the serial link opens the pty's other end."""
    controller, device = pty.openpty()
    printer = SimPrinter()
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                data = os.read(controller, 4096)
            except OSError:
                return
            reply = printer.receive(data)
            if reply:
                os.write(controller, reply)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield os.ttyname(device), printer
    stop.set()
    os.close(device)
    os.close(controller)
    thread.join(timeout=2)


def test_serial_link_prints_and_reads_status_over_a_pty(serial_sim: tuple[str, SimPrinter]) -> None:
    path, printer = serial_sim
    link = open_link(f"serial://{path}?baud=115200")
    link.open()
    try:
        link.write(b"\x1b@A001\n")
        assert link.request(status_request(1), 1.0) == b"\x12"
    finally:
        link.close()
    printer.end_connection()
    assert decode_job(printer.jobs[0].data).texts == ["A001"]


def test_serial_port_that_does_not_exist_is_absent() -> None:
    link = open_link("serial:///dev/hall-printer-not-here")
    with pytest.raises(DeviceAbsent, match="hall-printer-not-here"):
        link.open()


def test_tcp_link_sends_small_status_requests_without_nagle_delay() -> None:
    # Without TCP_NODELAY each 3-byte DLE EOT after a job waited ~40 ms for a delayed ACK.
    with PrinterSimulator() as sim:
        link = open_link(sim.address)
        link.open()
        try:
            sock = link._sock  # type: ignore[attr-defined]
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
        finally:
            link.close()
