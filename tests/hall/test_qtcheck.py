"""The screen apps' commands (and the demo hall) on a box without Qt (the hub package only, no
hallkit-screen), and central on PostgreSQL without its driver (no hallkit-central): one sentence
naming what is missing and how to fix it, no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from hall import exits
from hall.qtcheck import qt_problem

ROOT = Path(__file__).resolve().parents[2]

# Runs each command line of argv[2:] (JSON lists) through hall.cli.main in a process whose Qt is
# gone the way argv[1] says, and prints [status, stderr] per command as JSON.
DRIVER = r"""
import contextlib, importlib.abc, io, json, sys, traceback

mode, commands = sys.argv[1], [json.loads(a) for a in sys.argv[2:]]
if mode == "absent":  # no PySide6 installed at all
    for name in ("PySide6", "shiboken6"):
        sys.modules[name] = None
elif mode == "no-psycopg":  # the hub box's package: no PostgreSQL driver
    for name in ("psycopg", "psycopg_pool", "psycopg_binary"):
        sys.modules[name] = None
else:  # PySide6 is there but Qt's shared libraries do not load
    class BrokenQt(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.startswith("PySide6.Qt"):
                raise ImportError(
                    "libEGL.so.1: cannot open shared object file: No such file or directory"
                )
            return None
    sys.meta_path.insert(0, BrokenQt())

from hall.cli import main

results = []
for argv in commands:
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            status = main(argv)
        except BaseException:
            status, err = "raised", io.StringIO(traceback.format_exc())
    results.append([status, err.getvalue()])
print(json.dumps(results))
"""


def _run(mode: str, commands: list[list[str]]) -> list[tuple[int | str, str]]:
    result = subprocess.run(
        [sys.executable, "-c", DRIVER, mode, *(json.dumps(c) for c in commands)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr
    return [(status, err) for status, err in json.loads(result.stdout)]


def test_every_screen_command_and_tour_says_in_one_line_that_hallkit_screen_is_missing(
    tmp_path: Path,
) -> None:
    tour = tmp_path / "tour"
    commands = [
        [app, *extra]
        for app in ("kiosk", "counter", "board", "display")
        for extra in ([], ["--tour", str(tour)])
    ]
    for argv, (status, err) in zip(commands, _run("absent", commands), strict=True):
        assert status == exits.USAGE, (argv, status, err)
        assert "Traceback" not in err, (argv, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1, (argv, err)
        line = lines[0]
        assert line.startswith(f"hall {argv[0]}："), line
        assert "PySide6" in line
        assert "apt install hallkit-screen" in line
        assert "本机没有安装" in line and "is not installed" in line
    assert not tour.exists()


def test_qt_that_cannot_load_its_libraries_is_named_with_the_library(tmp_path: Path) -> None:
    commands = [["kiosk"], ["board", "--tour", str(tmp_path / "tour")]]
    for argv, (status, err) in zip(commands, _run("broken", commands), strict=True):
        assert status == exits.USAGE, (argv, status, err)
        assert "Traceback" not in err, (argv, err)
        assert len(err.strip().splitlines()) == 1, err
        assert "libEGL.so.1" in err
        assert "Qt 无法加载" in err and "hallkit-screen" in err


def test_the_demo_hall_without_qt_says_so_in_one_line(tmp_path: Path) -> None:
    [(status, err)] = _run("absent", [["demo", "--data", str(tmp_path / "demo")]])
    assert status == exits.USAGE, err
    assert "Traceback" not in err
    assert err.strip().startswith("hall demo：") and "apt install hallkit-screen" in err
    assert not (tmp_path / "demo").exists()


def test_central_on_postgresql_without_its_driver_names_the_package(tmp_path: Path) -> None:
    url = "postgresql://central:secret@127.0.0.1:1/central"
    argv = ["central", "serve", "--data", str(tmp_path / "central"), "--db", url]
    [(status, err)] = _run("no-psycopg", [argv])
    assert status == exits.FAIL, err
    assert "Traceback" not in err
    assert "PostgreSQL support is not installed" in err
    assert "apt install hallkit-central" in err
    assert "secret" not in err  # the URL is shown without its password


def test_with_qt_installed_there_is_no_problem() -> None:
    assert qt_problem("hall kiosk") is None
