"""Printing a queue ticket: how long the software takes to make the bytes, against how long the
paper takes to come out.

- ticket data → ESC/POS bytes (layout, wrapping, GB18030, QR command), per paper width, with a
  different ticket (number, people ahead, wait) each sample;
- bytes per ticket and ticket length (from the preview, which lays out the same lines at the
  default line spacing, cut feed included), and the physical print time at 130 mm/s;
- a whole job through ``PrinterService`` over real TCP to the simulator on loopback: status
  before, the bytes, status after (what a kiosk waits for, minus the paper's own time).
"""

from __future__ import annotations

import time
from dataclasses import replace

from bench.hubproc import percentile
from bench.report import Measure, Target
from devices.printer import preview
from devices.printer.documents import QueueTicket, queue_ticket, sample_ticket
from devices.printer.escpos import render
from devices.printer.layout import DOTS_PER_MM, PAPER_58, PAPER_80, Paper
from devices.printer.service import JobOutcome, PrinterService
from devices.printer.sim import PrinterSimulator

GROUP = "printer"
PRINT_SPEED_MM_S = 130.0
BYTES_P99_MS = 5.0  # invisible beside the ~0.7 s the paper itself takes
JOB_P99_MS = 20.0


def _tickets(count: int) -> list[QueueTicket]:
    base = sample_ticket()
    return [
        replace(
            base,
            number=f"{'ABC'[i % 3]}{i % 1000:03d}",
            people_ahead=i % 57,
            wait_minutes=(i * 7) % 120,
            qr=f"{base.qr}&n={i}",
        )
        for i in range(count)
    ]


def _bytes_timing(page: Paper, tickets: list[QueueTicket]) -> list[Measure]:
    for ticket in tickets[:20]:  # warm up caches of the interpreter, not of our code
        render(queue_ticket(ticket), page)
    samples: list[float] = []
    sizes: list[int] = []
    for ticket in tickets:
        started = time.perf_counter()
        data = render(queue_ticket(ticket), page)
        samples.append((time.perf_counter() - started) * 1000)
        sizes.append(len(data))
    name = f"{page.width_mm} mm"
    n = len(samples)
    return [
        Measure(GROUP, f"ticket data → bytes p50, {name}", percentile(samples, 50), "ms", n),
        Measure(
            GROUP,
            f"ticket data → bytes p99, {name}",
            percentile(samples, 99),
            "ms",
            n,
            Target(at_most=BYTES_P99_MS),
        ),
        Measure(GROUP, f"bytes per ticket, {name}", sum(sizes) / n, "bytes", n),
    ]


def _paper(page: Paper) -> list[Measure]:
    image = preview.render(queue_ticket(sample_ticket()), page)
    length_mm = image.height / DOTS_PER_MM
    name = f"{page.width_mm} mm"
    return [
        Measure(GROUP, f"ticket length, {name}", length_mm, "mm", 1, note="cut feed included"),
        Measure(
            GROUP,
            f"physical print time at {PRINT_SPEED_MM_S:g} mm/s, {name}",
            length_mm / PRINT_SPEED_MM_S * 1000,
            "ms",
            1,
            note="for comparison",
        ),
    ]


def _service_jobs(count: int) -> list[Measure]:
    samples: list[float] = []
    failed = 0
    with PrinterSimulator() as sim:
        service = PrinterService(sim.address, page=PAPER_80, poll_seconds=3600).start()
        try:
            for ticket in _tickets(count):
                document = queue_ticket(ticket)
                started = time.perf_counter()
                result = service.print(document, timeout=10)
                samples.append((time.perf_counter() - started) * 1000)
                failed += result.outcome is not JobOutcome.PRINTED
        finally:
            service.stop()
    note = "TCP loopback to the simulator, status before and after" + (
        f"; {failed} jobs not printed" if failed else ""
    )
    return [
        Measure(
            GROUP, "job via service p50, 80 mm", percentile(samples, 50), "ms", count, note=note
        ),
        Measure(
            GROUP,
            "job via service p99, 80 mm",
            percentile(samples, 99),
            "ms",
            count,
            Target(at_most=JOB_P99_MS),
            note=note,
        ),
    ]


def run(quick: bool) -> list[Measure]:
    """All printer measures; ``quick`` takes a second or two, a full run a few seconds."""
    tickets = _tickets(300 if quick else 3000)
    measures: list[Measure] = []
    for page in (PAPER_58, PAPER_80):
        measures += _bytes_timing(page, tickets)
        measures += _paper(page)
    measures += _service_jobs(30 if quick else 300)
    return measures
