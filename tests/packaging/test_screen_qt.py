"""hallkit-screen ships only the Qt the apps use, and the apps' tours still render with it.

The allowed set is what the kiosk, counter, board and display import and load (measured with
their tours offscreen: QtCore, QtGui, QtWidgets, QtSvg, and below them Qt6DBus and ICU), plus
what Qt needs to show them under cage (the wayland platform, xdg-shell, the EGL buffer
integration) and to load their pictures. The tours run from the unpacked packages: the base
venv's interpreter and site-packages with /opt/hallkit/qt of hallkit-screen, offscreen.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

QT = "opt/hallkit/qt"
VENV = "opt/hallkit/venv"
PYTHON_MODULES = {"QtCore", "QtGui", "QtWidgets", "QtSvg"}
LIBRARIES = {
    *(f"libQt6{m}.so.6" for m in ("Core", "Gui", "Widgets", "Svg", "DBus", "OpenGL")),
    "libQt6WaylandClient.so.6",
    "libQt6WlShellIntegration.so.6",
    "libicudata.so.73",
    "libicui18n.so.73",
    "libicuuc.so.73",
}
PLUGINS = {
    "platforms/libqoffscreen.so",
    "platforms/libqminimal.so",
    "platforms/libqwayland.so",
    "wayland-shell-integration/libxdg-shell.so",
    "wayland-decoration-client/libbradient.so",
    "wayland-graphics-integration-client/libqt-plugin-wayland-egl.so",
    "platforminputcontexts/libcomposeplatforminputcontextplugin.so",
    "iconengines/libqsvgicon.so",
    "imageformats/libqsvg.so",
    "imageformats/libqjpeg.so",
    "imageformats/libqgif.so",
}
TICKET_BOX = '\n[devices.ticket-1]\nrole = "ticket"\n'


def test_only_the_qt_modules_the_apps_use_are_shipped(extracted: dict[str, Path]) -> None:
    pyside = extracted["hallkit-screen"] / QT / "PySide6"
    modules = {p.name.removesuffix(".abi3.so") for p in pyside.glob("Qt*.abi3.so")}
    assert modules == PYTHON_MODULES
    assert {p.name for p in (pyside / "Qt" / "lib").iterdir()} == LIBRARIES
    plugins = pyside / "Qt" / "plugins"
    assert {p.relative_to(plugins).as_posix() for p in plugins.rglob("*.so")} == PLUGINS
    everything = [p.relative_to(pyside).as_posix() for p in pyside.rglob("*")]
    for unwanted in ("qml", "Quick", "Designer", "designer", "translations", "libexec", "Test"):
        assert not [p for p in everything if unwanted in p], unwanted
    tools = ("designer", "assistant", "linguist", "lupdate", "lrelease", "qmllint", "uic", "rcc")
    assert not [p for p in everything if p.split("/")[-1] in tools]


def test_no_qt_program_is_shipped(extracted: dict[str, Path]) -> None:
    for root in extracted.values():
        programs = [p for p in root.rglob("*") if p.is_file() and os.access(p, os.X_OK)]
        names = {p.relative_to(root).as_posix() for p in programs}
        assert not [n for n in names if n.startswith(QT)], names
        assert not [n for n in names if "pyside6-" in n], names


@pytest.fixture(scope="module")
def packaged_python(extracted: dict[str, Path]) -> tuple[str, dict[str, str]]:
    """The unpacked base venv's interpreter, with hallkit-screen's Qt folder on its path."""
    python = extracted["hallkit"] / VENV / "bin" / "python"
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(extracted["hallkit"]),
        "LC_ALL": "C.UTF-8",
        "PYTHONPATH": str(extracted["hallkit-screen"] / QT),
        "PYTHONDONTWRITEBYTECODE": "1",
        "QT_QPA_PLATFORM": "offscreen",
        "QT_LOGGING_RULES": "qt.qpa.*=false",
    }
    where = subprocess.run(
        [str(python), "-c", "import PySide6, hub; print(PySide6.__file__); print(hub.__file__)"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=extracted["hallkit"],  # not the checkout: python puts the working folder on its path
    ).stdout.split()
    assert where[0].startswith(str(extracted["hallkit-screen"] / QT))  # not the developer's Qt
    assert where[1].startswith(str(extracted["hallkit"] / VENV))
    return str(python), env


@pytest.mark.slow
@pytest.mark.parametrize("role", ["kiosk", "counter", "board", "display"])
def test_the_tours_render_with_the_pruned_qt(
    role: str, packaged_python: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    python, env = packaged_python
    command = [python, "-m", "hall", role, "--tour", str(tmp_path / "tour")]
    if role == "kiosk":  # a ticket machine's screens: the kiosk's widgets in a quarter of the time
        config = tmp_path / "hall.toml"
        sample = subprocess.run(
            [python, "-m", "hall", "config", "sample"],
            capture_output=True,
            text=True,
            env=env,
            check=True,
            cwd=tmp_path,
        )
        config.write_text(sample.stdout + TICKET_BOX, encoding="utf-8")
        command += ["--config", str(config), "--box", "ticket-1"]
    done = subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=600, check=False, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr[-3000:]
    pictures = sorted((tmp_path / "tour").rglob("*.png"))
    assert len(pictures) >= 5
    assert all(p.read_bytes().startswith(b"\x89PNG") and p.stat().st_size > 2000 for p in pictures)
