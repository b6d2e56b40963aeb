"""The simulated printer: job boundaries, status answers from its state, refusing without paper."""

from __future__ import annotations

import socket

from devices.printer.decode import decode_job
from devices.printer.sim import PaperLevel, PrinterSimulator, SimJob, SimPrinter
from devices.printer.status import PAPER, PRINTER, decode_status
from tests.timing import PATIENCE


def test_a_job_is_one_connection_or_the_bytes_between_two_esc_at() -> None:
    printer = SimPrinter()
    printer.receive(b"\x1b@one\n\x1b@tw")
    printer.receive(b"o\n")
    printer.end_connection()
    printer.receive(b"three\n")
    printer.end_connection()
    assert [decode_job(job.data).texts for job in printer.jobs] == [["one"], ["two"], ["three"]]
    assert [job.number for job in printer.jobs] == [1, 2, 3]


def test_esc_at_split_across_two_reads_still_starts_a_new_job() -> None:
    printer = SimPrinter()
    printer.receive(b"\x1b@a\n\x1b")
    printer.receive(b"@b\n")
    printer.end_connection()
    assert [job.data for job in printer.jobs] == [b"\x1b@a\n", b"\x1b@b\n"]


def test_status_requests_are_answered_at_once_and_kept_out_of_the_job() -> None:
    printer = SimPrinter(paper=PaperLevel.NEAR_END)
    assert printer.receive(b"\x1b@x\n\x10\x04\x04") == b"\x1e"
    assert printer.receive(b"\x10") == b""  # half a request waits for the rest
    assert printer.receive(b"\x04\x01") == b"\x12"
    printer.end_connection()
    assert [job.data for job in printer.jobs] == [b"\x1b@x\n"]
    assert printer.status_requests == 2


def test_out_of_paper_answers_paper_end_and_stores_the_job_as_failed() -> None:
    seen: list[SimJob] = []
    printer = SimPrinter(paper="out", on_job=seen.append)
    assert decode_status(PAPER, printer.receive(b"\x10\x04\x04")).paper_end is True
    assert decode_status(PRINTER, printer.receive(b"\x10\x04\x01")).online is False
    printer.receive(b"\x1b@ticket\n")
    printer.end_connection()
    assert [(job.printed, job.reason) for job in seen] == [(False, "paper out")]


def test_a_silent_printer_never_answers() -> None:
    printer = SimPrinter(answers_status=False)
    assert printer.receive(b"\x10\x04\x01\x10\x04\x02\x10\x04\x04") == b""


def test_the_roll_goes_near_end_then_out_after_its_tickets() -> None:
    printer = SimPrinter(tickets=3, near_at=1)
    papers = []
    for _ in range(4):
        printer.receive(b"\x1b@t\n")
        printer.end_connection()
        papers.append(printer.paper)
    assert [job.printed for job in printer.jobs] == [True, True, True, False]
    assert papers == [PaperLevel.OK, PaperLevel.NEAR_END, PaperLevel.OUT, PaperLevel.OUT]
    printer.set_paper("ok")
    assert printer.tickets is None


def test_tcp_simulator_stores_a_job_per_connection_and_answers_status() -> None:
    with PrinterSimulator() as sim:
        with socket.create_connection((sim.host, sim.port), timeout=2) as conn:
            conn.sendall(b"\x1b@hello\n\x10\x04\x01")
            assert conn.recv(1) == b"\x12"
        (job,) = sim.printer.wait_for_jobs(1, timeout=PATIENCE)
    assert decode_job(job.data).texts == ["hello"]
    assert job.printed
