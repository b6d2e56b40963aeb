"""``hall device simulate sign``: a technician runs the simulator and watches what it shows."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

from devices.sign.service import ModbusSign, open_sign
from tests.timing import PATIENCE

ROOT = Path(__file__).resolve().parents[3]


def test_simulate_sign_prints_its_address_and_each_number_it_shows() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "hall", "device", "simulate", "sign", "--seconds", "10"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    try:
        first = process.stdout.readline()
        found = re.search(r"address: (modbus://\S+)", first)
        assert found, first
        sign = open_sign(found.group(1))
        assert isinstance(sign, ModbusSign)
        sign.start()
        try:
            sign.show("A001")
            assert sign.flush(PATIENCE)
            sign.clear()
            assert sign.flush(PATIENCE)
        finally:
            sign.close()
        deadline = time.monotonic() + PATIENCE
        lines = []
        while time.monotonic() < deadline and "sign is blank" not in lines:
            lines.append(process.stdout.readline().strip())
        assert any(line.endswith("sign shows: 'A001'") for line in lines), lines
        assert "sign is blank" in lines
    finally:
        process.terminate()
        process.wait(PATIENCE)
