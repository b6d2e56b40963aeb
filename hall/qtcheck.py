"""Whether this box can run a screen app (kiosk, counter, board, display and their tours).

The hub box's package (``hallkit``) has no Qt: PySide6 comes with ``hallkit-screen``. A screen
app's command started on a box without it says so in one sentence and exits with
:data:`hall.exits.USAGE`, instead of a traceback from deep inside the app.
"""

from __future__ import annotations

import importlib
import sys

from hall import exits

# What the apps import first; importing it also loads Qt's shared libraries (QtCore, QtGui).
QT_MODULE = "PySide6.QtWidgets"


def qt_problem(command: str) -> str | None:
    """None when the Qt the apps use imports; else the sentence for the technician."""
    try:
        importlib.import_module(QT_MODULE)
    except ImportError as err:
        missing = getattr(err, "name", None) or ""
        if isinstance(err, ModuleNotFoundError) and missing.split(".")[0] in (
            "PySide6",
            "shiboken6",
        ):
            return (
                f"{command}：本机没有安装屏幕程序所需的 Qt（PySide6），请安装屏幕包：apt install "
                f"hallkit-screen（源码目录里：make deps） (PySide6 is not installed: this box has "
                f"no screen package; install it with apt install hallkit-screen)"
            )
        reason = " ".join(str(err).split())
        return (
            f"{command}：Qt 无法加载（{reason}），请重新安装屏幕包：apt install --reinstall "
            f"hallkit-screen (Qt cannot load: {reason}; its package's dependencies bring Qt's "
            f"system libraries)"
        )
    return None


def require_qt(command: str) -> int | None:
    """None when Qt is there; else prints the sentence on stderr and returns the exit status."""
    problem = qt_problem(command)
    if problem is None:
        return None
    print(problem, file=sys.stderr)
    return exits.USAGE
