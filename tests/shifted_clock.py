"""Run our own processes (hub, central, the demo) as if the machine's clock stood elsewhere.

Boxes often run on UTC while the hall lives at UTC+8, so from 16:00 to 24:00 UTC the machine's
date is not the hall's. ``machine_clock_at`` sets the wall clock of every process a test starts
after calling it: ``fixtures/clock/shifted_clock.c`` is built once per session and preloaded
into the children with the shift in nanoseconds. Only the wall clock moves; monotonic time,
sleeps and timeouts stay real. The test process itself keeps the real clock.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

SOURCE = Path(__file__).parent / "fixtures" / "clock" / "shifted_clock.c"
SetClock = Callable[[datetime], None]


def build_shifted_clock(folder: Path) -> Path:
    """Compile the preload library into ``folder``; fails the test run with the compiler's
    message when there is no C compiler (``make test`` installs gcc)."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.fail("no C compiler (cc/gcc) to build the shifted wall clock; run `make deps`")
    library = folder / "shifted_clock.so"
    built = subprocess.run(
        [compiler, "-shared", "-fPIC", "-O2", "-o", str(library), str(SOURCE), "-ldl"],
        capture_output=True,
        text=True,
        check=False,
    )
    if built.returncode != 0:
        pytest.fail(f"building {SOURCE.name} failed:\n{built.stderr}")
    return library


def child_wall_clock(env: dict[str, str]) -> float:
    """``time.time()`` as a child process started with ``env`` sees it."""
    probe = subprocess.run(
        [sys.executable, "-c", "import time; print(time.time())"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(probe.stdout)


@pytest.fixture(scope="session")
def shifted_clock_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_shifted_clock(tmp_path_factory.mktemp("clock"))


@pytest.fixture
def machine_clock_at(monkeypatch: pytest.MonkeyPatch, shifted_clock_library: Path) -> SetClock:
    """Call with an aware instant: processes started afterwards see the wall clock standing
    there (and running on). Checked once on a child, so a shim that did not take fails here."""

    def set_clock(instant: datetime) -> None:
        if instant.tzinfo is None:
            raise ValueError("machine_clock_at needs an aware datetime")
        shift_ns = round((instant.timestamp() - time.time()) * 1e9)
        preload = " ".join(filter(None, [str(shifted_clock_library), os.environ.get("LD_PRELOAD")]))
        monkeypatch.setenv("LD_PRELOAD", preload)
        monkeypatch.setenv("HALLKIT_CLOCK_SHIFT_NS", str(shift_ns))
        seen = child_wall_clock(dict(os.environ))
        if abs(seen - instant.timestamp()) > 60:
            pytest.fail(
                f"a child process sees {datetime.fromtimestamp(seen, UTC)}, "
                f"not {instant.astimezone(UTC)}"
            )

    return set_clock
