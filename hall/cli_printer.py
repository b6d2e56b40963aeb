"""``hall`` subcommands for the printer: registered by ``hall.cli``; handlers import lazily.

``hall device test-print --printer URL [--width 58|80] [--preview FILE.png]`` prints a sample
ticket (Chinese text, a QR code, a cut) and the printer's status; exit 1 on a fault.
``hall device simulate printer [--port 9100] [--out DIR]`` runs a simulated network printer
until Ctrl-C, saving each job as .bin and .png; commands on stdin change its state.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from devices.printer.service import PrintResult
    from devices.printer.sim import SimJob, SimPrinter

from hall.exits import EXIT_FAIL, EXIT_OK

ADDRESS_HELP = (
    "printer address: tcp://HOST[:9100], usb://VID:PID[?in=0x81&out=0x03], "
    "serial:///dev/hall-printer?baud=115200, sim://printer[?paper=out]"
)
SIM_COMMANDS = (
    "paper ok|near|out · cover open|closed · offline · online · silent · answer · jobs · help"
)


def register(
    sub: argparse._SubParsersAction[Any], simulate: argparse._SubParsersAction[Any]
) -> None:
    """Add this module's subcommands to the given subparsers."""
    test = sub.add_parser(
        "test-print",
        help="打印一张样票（中文、二维码、切纸）并显示打印机状态 (print a sample ticket)",
    )
    test.add_argument("--printer", required=True, help=ADDRESS_HELP)
    test.add_argument("--width", type=int, choices=(58, 80), default=80, help="paper width, mm")
    test.add_argument("--preview", metavar="FILE.png", help="also write what prints as a PNG")
    test.add_argument(
        "--json", action="store_true", help="以 JSON 输出结果 (print the result as JSON)"
    )
    test.set_defaults(handler=_cmd_test_print)

    sim = simulate.add_parser(
        "printer",
        help="模拟网络小票打印机，直到 Ctrl-C (a simulated ESC/POS network printer on TCP)",
    )
    sim.add_argument("--host", default="127.0.0.1", help="address to listen on")
    sim.add_argument("--port", type=int, default=9100, help="TCP port (default 9100)")
    sim.add_argument("--out", metavar="DIR", help="save each job as NNNN.bin and NNNN.png here")
    sim.add_argument("--width", type=int, choices=(58, 80), default=80, help="preview width, mm")
    sim.add_argument("--paper", choices=("ok", "near", "out"), default="ok")
    sim.add_argument("--tickets", type=int, help="paper runs out after this many printed jobs")
    sim.add_argument("--silent", action="store_true", help="never answer status requests")
    sim.set_defaults(handler=_cmd_simulate, until_stopped=True)


def _describe(result: PrintResult) -> list[str]:
    status = result.status

    def said(value: bool | None, yes: str, no: str) -> str:
        return "unknown / 未知" if value is None else (yes if value else no)

    return [
        f"outcome / 结果: {result.outcome.value}",
        "status / 状态: "
        + ", ".join(
            (
                "online " + said(status.online, "yes", "no"),
                "paper " + said(status.paper_end, "END", "ok"),
                "near end " + said(status.paper_near_end, "yes", "no"),
                "cover " + said(status.cover_open, "OPEN", "closed"),
            )
        ),
        f"health / 健康: {result.health.state.value}"
        + (f" — {result.health.problem}" if result.health.problem else ""),
    ]


def _cmd_test_print(args: argparse.Namespace) -> int:
    from devices.errors import DeviceAddressError
    from devices.printer import preview
    from devices.printer.decode import decode_job
    from devices.printer.documents import queue_ticket, sample_ticket
    from devices.printer.layout import paper
    from devices.printer.service import JobOutcome, PrinterService
    from devices.printer.transport import SimLink

    page = paper(args.width)
    document = queue_ticket(sample_ticket())
    if args.preview:
        path = preview.save(preview.render(document, page), Path(args.preview))
        if not args.json:
            print(f"preview / 预览: {path}")
    try:
        service = PrinterService(args.printer, page=page, poll_seconds=3600)
    except DeviceAddressError as err:
        print(f"打印机地址有误 bad printer address: {err}", file=sys.stderr)
        return EXIT_FAIL
    service.start()
    try:
        result = service.print(document, timeout=60)
    finally:
        service.stop()
    if args.json:
        import json
        from dataclasses import asdict

        status = result.status
        print(
            json.dumps(
                {
                    "printer": args.printer,
                    "width_mm": page.width_mm,
                    "printed": result.outcome is not JobOutcome.FAILED,
                    "outcome": result.outcome.value,
                    "status": {
                        "online": status.online,
                        "paper_end": status.paper_end,
                        "paper_near_end": status.paper_near_end,
                        "cover_open": status.cover_open,
                    },
                    "health": {**asdict(result.health), "state": result.health.state.value},
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return EXIT_FAIL if result.outcome is JobOutcome.FAILED else EXIT_OK
    print(f"printer / 打印机: {args.printer} ({page.width_mm} mm)")
    for line in _describe(result):
        print(line)
    if isinstance(service.link, SimLink) and service.link.printer.jobs:
        print("simulated printout / 模拟打印内容:")
        for text in decode_job(service.link.printer.jobs[-1].data).texts:
            print(f"  | {text}")
    health = result.health
    if result.outcome is JobOutcome.FAILED:
        print(f"FAULT / 故障: {health.problem or 'the ticket did not print'}", file=sys.stderr)
        print(f"  what to do / 处理办法: {health.advice}", file=sys.stderr)
        print(f"  detail: {health.detail}", file=sys.stderr)
        return EXIT_FAIL
    if health.problem:
        print(f"warning / 提示: {health.problem} — {health.advice}")
    return EXIT_OK


def _job_saver(out: Path | None, width: int) -> Any:
    from devices.errors import DecodeError
    from devices.printer import preview
    from devices.printer.decode import decode_job
    from devices.printer.layout import paper

    def save(job: SimJob) -> None:
        state = "printed / 已打印" if job.printed else f"NOT printed / 未打印 ({job.reason})"
        where = ""
        if out is not None:
            stem = out / f"{job.number:04d}"
            stem.with_suffix(".bin").write_bytes(job.data)
            where = f" → {stem}.bin"
            try:
                lines = decode_job(job.data).lines
                preview.save(preview.render_lines(lines, paper(width)), stem.with_suffix(".png"))
                where += " + .png"
            except DecodeError as err:
                where += f" (no preview: {err})"
        print(f"job {job.number}: {state}, {len(job.data)} bytes{where}", flush=True)

    return save


def _obey(printer: SimPrinter, line: str) -> str:
    words = line.split()
    match words:
        case ["paper", ("ok" | "near" | "out") as state]:
            printer.set_paper(state)
        case ["cover", ("open" | "closed") as state]:
            printer.set_cover(state == "open")
        case ["offline" | "online" as state]:
            printer.set_online(state == "online")
        case ["silent" | "answer" as state]:
            printer.set_answers_status(state == "answer")
        case ["jobs"]:
            return "\n".join(
                f"job {j.number}: {'printed' if j.printed else j.reason}" for j in printer.jobs
            )
        case [] | ["help"]:
            return SIM_COMMANDS
        case _:
            return f"unknown command; try: {SIM_COMMANDS}"
    return (
        f"paper {printer.paper.value}, cover {'open' if printer.cover_open else 'closed'}, "
        f"{'online' if printer.online else 'offline'}"
        + ("" if printer.answers_status else ", silent")
    )


def _cmd_simulate(args: argparse.Namespace) -> int:
    from devices.printer.sim import PrinterSimulator, SimPrinter

    out = Path(args.out) if args.out else None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    printer = SimPrinter(
        paper=args.paper,
        tickets=args.tickets,
        answers_status=not args.silent,
        on_job=_job_saver(out, args.width),
    )
    try:
        simulator = PrinterSimulator(printer, args.host, args.port)
    except OSError as err:
        print(f"cannot listen on {args.host}:{args.port} / 端口无法监听: {err}", file=sys.stderr)
        return EXIT_FAIL
    with simulator:
        print(f"simulated printer on {simulator.address} (Ctrl-C stops it)", flush=True)
        print(f"commands: {SIM_COMMANDS}", flush=True)
        for line in sys.stdin:
            print(_obey(printer, line.strip().lower()), flush=True)
        while True:  # stdin closed: keep serving until Ctrl-C
            time.sleep(1)
