"""``hall device test-print`` and ``hall device simulate printer`` as a technician runs them."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from devices.printer.decode import decode_job
from devices.printer.sim import PrinterSimulator
from hall.cli import main
from tests.devices.printer.simwait import handled_so_far
from tests.timing import PATIENCE

ROOT = Path(__file__).resolve().parents[3]


def test_test_print_to_the_sim_prints_the_ticket_and_writes_a_preview(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    png = tmp_path / "ticket.png"
    code = main(["device", "test-print", "--printer", "sim://printer", "--width", "58",
                 "--preview", str(png)])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert "outcome / 结果: printed" in out
    assert "online yes, paper ok" in out
    assert "| A001" in out and "天宁区红梅街道便民服务中心" in out
    with Image.open(png) as image:
        assert image.width == 384


def test_test_print_over_tcp_reaches_the_simulator(capsys: pytest.CaptureFixture[str]) -> None:
    with PrinterSimulator() as sim:
        assert main(["device", "test-print", "--printer", sim.address]) == 0
        (job,) = sim.printer.wait_for_jobs(1, timeout=PATIENCE)
    printed = decode_job(job.data)
    assert printed.cuts == 1 and printed.qr_payloads
    assert "outcome / 结果: printed" in capsys.readouterr().out


def test_test_print_on_paper_out_exits_1_with_a_bilingual_fault(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["device", "test-print", "--printer", "sim://printer?paper=out"]) == 1
    captured = capsys.readouterr()
    assert "FAULT / 故障: 打印机缺纸" in captured.err
    assert "what to do / 处理办法:" in captured.err
    assert "detail: paper end" in captured.err
    assert "paper END" in captured.out


def test_test_print_with_a_bad_address_exits_1_naming_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["device", "test-print", "--printer", "lpt://1"]) == 1
    assert "lpt://1" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _simulator(out: Path, port: int, *, sigint_ignored: bool) -> subprocess.Popen[str]:
    """``hall device simulate printer`` as a subprocess; with ``sigint_ignored`` it inherits
    SIGINT ignored, as a background job of a non-interactive shell does (CI)."""
    command = [sys.executable, "-m", "hall", "device", "simulate", "printer", "--port",
               str(port), "--out", str(out), "--width", "58"]  # fmt: skip
    if sigint_ignored:
        command = ["sh", "-c", 'trap "" INT; exec "$@"', "sh", *command]
    return subprocess.Popen(
        command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("stop", "sigint_ignored"),
    [(signal.SIGINT, False), (signal.SIGINT, True), (signal.SIGTERM, False)],
    ids=["ctrl-c", "ctrl-c-inherited-ignored", "sigterm"],
)
def test_simulate_printer_saves_jobs_obeys_stdin_and_stops_on_ctrl_c(
    tmp_path: Path, stop: signal.Signals, sigint_ignored: bool
) -> None:
    port = _free_port()
    sim = _simulator(tmp_path, port, sigint_ignored=sigint_ignored)
    assert sim.stdin is not None and sim.stdout is not None
    try:
        assert "simulated printer on tcp://" in sim.stdout.readline()
        sim.stdout.readline()  # the command list
        address = f"tcp://127.0.0.1:{port}"
        assert main(["device", "test-print", "--printer", address, "--width", "58"]) == 0
        assert "job 1: printed" in sim.stdout.readline()
        sim.stdin.write("paper out\n")
        sim.stdin.flush()
        assert sim.stdout.readline().startswith("paper out")
        assert main(["device", "test-print", "--printer", address, "--width", "58"]) == 1
        handled_so_far(address)
        sim.send_signal(stop)
        assert sim.wait(timeout=PATIENCE) == 0
    finally:
        if sim.poll() is None:
            sim.kill()
            sim.wait()
    assert (tmp_path / "0001.bin").read_bytes().startswith(b"\x1b@")
    with Image.open(tmp_path / "0001.png") as image:
        assert image.width == 384
    assert not (tmp_path / "0002.bin").exists()  # nothing was sent into the paper-out printer
