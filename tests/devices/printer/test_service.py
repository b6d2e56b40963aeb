"""The printer service end to end: real TCP transport to the simulator, faults as health."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from devices.health import HealthState
from devices.printer.decode import decode_job
from devices.printer.documents import queue_ticket, sample_ticket
from devices.printer.layout import PAPER_58, Document
from devices.printer.service import JobOutcome, PrinterService
from devices.printer.sim import PrinterSimulator, SimPrinter
from tests.devices.printer.simwait import handled_so_far
from tests.timing import PATIENCE
from tests.timing import wait_for as wait_until

TICKET: Document = queue_ticket(sample_ticket())


@pytest.fixture
def sim() -> Iterator[PrinterSimulator]:
    with PrinterSimulator() as simulator:
        yield simulator


@pytest.fixture
def service(sim: PrinterSimulator) -> Iterator[PrinterService]:
    svc = PrinterService(sim.address, page=PAPER_58, poll_seconds=60, status_timeout=0.5)
    svc.start()
    yield svc
    svc.stop()


def test_ticket_over_tcp_prints_number_hall_name_qr_and_one_cut(
    sim: PrinterSimulator, service: PrinterService
) -> None:
    result = service.print(TICKET)
    assert result.outcome is JobOutcome.PRINTED
    assert result.health.state is HealthState.OK
    (job,) = sim.printer.wait_for_jobs(1, timeout=PATIENCE)
    assert job.printed
    printed = decode_job(job.data)
    assert "A001" in printed.texts
    assert "天宁区红梅街道便民服务中心" in printed.texts
    assert printed.qr_payloads == ["https://hall.example.cn/q/A001?d=20250312"]
    assert printed.cuts == 1


def test_paper_out_is_a_health_error_in_chinese_and_nothing_is_sent(
    sim: PrinterSimulator, service: PrinterService
) -> None:
    sim.printer.set_paper("out")
    result = service.print(TICKET)  # no exception reaches the caller
    assert result.outcome is JobOutcome.FAILED
    assert not result.printed
    assert result.health.state is HealthState.ERROR
    assert result.health.problem == "打印机缺纸"
    assert "纸卷" in result.health.advice
    assert service.health.problem == "打印机缺纸"
    handled_so_far(sim.address)
    assert sim.printer.jobs == []


def test_refilled_paper_brings_health_back_and_prints_again(
    sim: PrinterSimulator, service: PrinterService
) -> None:
    sim.printer.set_paper("out")
    assert service.check().result(PATIENCE).state is HealthState.ERROR
    sim.printer.set_paper("ok")
    assert service.check().result(PATIENCE).state is HealthState.OK
    assert service.print(TICKET).outcome is JobOutcome.PRINTED
    assert [job.printed for job in sim.printer.wait_for_jobs(1, timeout=PATIENCE)] == [True]


def test_idle_polling_notices_paper_out_and_refill_without_a_job(sim: PrinterSimulator) -> None:
    svc = PrinterService(sim.address, page=PAPER_58, poll_seconds=0.05).start()
    try:
        sim.printer.set_paper("out")
        wait_until(lambda: svc.health.problem == "打印机缺纸")
        sim.printer.set_paper("ok")
        wait_until(lambda: svc.health.state is HealthState.OK)
    finally:
        svc.stop()


def test_paper_near_end_prints_and_degrades_health(
    sim: PrinterSimulator, service: PrinterService
) -> None:
    sim.printer.set_paper("near")
    result = service.print(TICKET)
    assert result.outcome is JobOutcome.PRINTED
    assert result.health.state is HealthState.DEGRADED
    assert result.health.problem == "打印纸即将用完"


def test_cover_open_refuses_the_job(sim: PrinterSimulator, service: PrinterService) -> None:
    sim.printer.set_cover(True)
    result = service.print(TICKET)
    assert (result.outcome, result.health.problem) == (JobOutcome.FAILED, "打印机上盖未合上")


def test_roll_running_out_fails_the_next_job_not_the_last_one() -> None:
    with PrinterSimulator(SimPrinter(tickets=1)) as sim:
        svc = PrinterService(sim.address, page=PAPER_58, poll_seconds=60).start()
        try:
            assert svc.print(TICKET).outcome is JobOutcome.PRINTED
            second = svc.print(TICKET)
        finally:
            svc.stop()
    assert second.outcome is JobOutcome.FAILED
    assert second.health.problem == "打印机缺纸"


def test_a_printer_that_never_answers_status_prints_unconfirmed(sim: PrinterSimulator) -> None:
    sim.printer.set_answers_status(False)
    svc = PrinterService(sim.address, page=PAPER_58, poll_seconds=60, status_timeout=0.1).start()
    try:
        result = svc.print(TICKET)
    finally:
        svc.stop()
    assert result.outcome is JobOutcome.UNCONFIRMED
    assert result.printed
    assert result.health.state is HealthState.DEGRADED
    assert result.health.problem == "无法读取打印机状态"  # unknown, never "paper ok"
    assert result.status.paper_end is None
    # One unanswered request at start, one before the job and one after: a printer that
    # ignores one status request ignores them all, so the service does not wait out the rest.
    assert sim.printer.status_requests == 3


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_switched_off_printer_is_absent_then_recovers_when_it_returns() -> None:
    port = _free_port()
    svc = PrinterService(f"tcp://127.0.0.1:{port}", page=PAPER_58, poll_seconds=60).start()
    try:
        result = svc.print(TICKET)
        assert result.outcome is JobOutcome.FAILED
        assert result.health.state is HealthState.ABSENT
        assert result.health.problem == "未连接打印机"
        assert "127.0.0.1" in result.health.detail
        with PrinterSimulator(port=port) as sim:
            assert svc.check().result(PATIENCE).state is HealthState.OK
            assert svc.print(TICKET).outcome is JobOutcome.PRINTED
            assert len(sim.printer.wait_for_jobs(1, timeout=PATIENCE)) == 1
    finally:
        svc.stop()


def test_sim_address_prints_in_process_through_the_same_bytes() -> None:
    svc = PrinterService("sim://printer?paper=near", page=PAPER_58).start()
    try:
        result = svc.print(TICKET)
    finally:
        svc.stop()
    assert result.outcome is JobOutcome.PRINTED
    assert result.health.problem == "打印纸即将用完"
    printer = svc.link.printer  # type: ignore[attr-defined]
    assert "A001" in decode_job(printer.jobs[0].data).texts


def test_a_job_still_queued_at_the_timeout_is_withdrawn_and_never_prints(
    sim: PrinterSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc = PrinterService(sim.address, page=PAPER_58, poll_seconds=60).start()
    try:
        assert svc.check().result(PATIENCE).state is HealthState.OK
        busy, free = threading.Event(), threading.Event()
        ask = svc.link.request

        def held_request(command: bytes, timeout: float) -> bytes:
            busy.set()  # the printer is busy with the first job until the test frees it
            assert free.wait(PATIENCE)
            return ask(command, timeout)

        monkeypatch.setattr(svc.link, "request", held_request)
        first = svc.submit(TICKET)
        assert busy.wait(PATIENCE)
        second = svc.print(TICKET, timeout=0.1)
        assert second.outcome is JobOutcome.FAILED
        assert "withdrawn" in second.detail
        free.set()
        assert first.result(PATIENCE).outcome is JobOutcome.PRINTED
        assert svc.check().result(PATIENCE)  # the queue has drained past the second job
    finally:
        free.set()
        svc.stop()
    handled_so_far(sim.address)
    assert len(sim.printer.jobs) == 1


def test_sim_printer_switched_off_is_absent() -> None:
    svc = PrinterService("sim://printer?absent=1", page=PAPER_58).start()
    try:
        result = svc.print(TICKET)
    finally:
        svc.stop()
    assert (result.outcome, result.health.state) == (JobOutcome.FAILED, HealthState.ABSENT)
    assert "switched off" in result.detail


def test_health_is_checked_as_soon_as_the_service_starts(sim: PrinterSimulator) -> None:
    sim.printer.set_paper("near")
    svc = PrinterService(sim.address, page=PAPER_58, poll_seconds=60).start()
    try:
        wait_until(lambda: svc.health.state is HealthState.DEGRADED)
    finally:
        svc.stop()


def test_a_job_that_cannot_be_rendered_fails_its_caller_and_the_service_lives_on(
    service: PrinterService,
) -> None:
    broken = Document((object(),))  # type: ignore[arg-type]
    with pytest.raises(AttributeError):
        service.submit(broken).result(PATIENCE)
    assert service.print(TICKET).outcome is JobOutcome.PRINTED
