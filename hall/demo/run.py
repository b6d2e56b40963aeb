"""The demo hall's run in this process, once the Qt platform is chosen (see :mod:`hall.demo`):
simulators, central and hub, the apps, then the live hall or the scripted day; and the clean
stop in the reverse order whatever happened."""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from pathlib import Path

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

from appkit.qtapp import make_application
from hall.demo.apps import DemoApps
from hall.demo.day import DayScript
from hall.demo.drive import Pump, ScriptError, Stopped
from hall.demo.live import LiveHall
from hall.demo.site import BOXES, CENTRAL_ACCOUNT, CONSOLE_PASSWORD, DemoSite
from hall.exits import EXIT_FAIL, EXIT_OK

log = logging.getLogger(__name__)


def has_speaker() -> bool:
    """Whether this machine has a sound card to say the calls on (ALSA's card list)."""
    try:
        cards = Path("/proc/asound/cards").read_text(encoding="utf-8")
    except OSError:
        return False
    return bool(cards.strip()) and "no soundcards" not in cards


def _qt_messages_to_log() -> None:
    """Qt's own warnings (the offscreen plugin has many) go to the log file, not the terminal."""
    qt_log = logging.getLogger("qt")

    def handler(kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
        level = logging.WARNING if kind in (QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg) else 10
        qt_log.log(level, "%s", message)

    qInstallMessageHandler(handler)


def run(
    args: argparse.Namespace, data: Path, windowed: bool, stop: threading.Event, script: str | None
) -> int:
    _qt_messages_to_log()
    app = make_application()
    out = Path(args.out).resolve() if script and args.out else data / "out"
    speaker = windowed and has_speaker() and not script
    site = DemoSite(data, hub_bind=args.bind)
    apps = DemoApps(site, wav_dir=(out / "wav") if script else data / "wav", speaker=speaker)
    pump = Pump(stop)
    try:
        print("演示大厅启动中 / starting the demo hall …", flush=True)
        site.write_config(apps.start_devices())
        site.start()
        apps.start_apps()
        apps.show()
        pump.wait(0.5)
        _print_where(site, windowed, speaker, apps)
        if script == "day":
            return DayScript(site, apps, pump, out).run()
        LiveHall(apps, pump, rate=args.rate).run(args.duration)
        return EXIT_OK
    except Stopped:
        return EXIT_OK
    except ScriptError as err:
        print(f"hall demo: the script stopped: {err}", file=sys.stderr)
        return EXIT_FAIL
    except (RuntimeError, OSError) as err:
        print(f"hall demo: {err} (log: {data / 'demo.log'})", file=sys.stderr)
        return EXIT_FAIL
    finally:
        apps.close()
        app.processEvents()
        site.stop()
        print("演示已停止 / the demo hall stopped", flush=True)


def _print_where(site: DemoSite, windowed: bool, speaker: bool, apps: DemoApps) -> None:
    """Where to look: the hub, the web boards and display with their tokens, central's admin."""
    by_name = {box.name: box for box in BOXES}
    hub = site.hub_url
    central = site.central.base_url if site.central else "?"
    central_token = (site.root / "central" / "admin.token").read_text(encoding="utf-8").strip()
    print()
    print(f"演示大厅已启动 / the demo hall is running ({site.root})")
    if windowed:
        print("  窗口已打开 / app windows are open on this desktop")
    else:
        print("  没有显示器：应用在后台（offscreen）运行 / no display: the apps run offscreen")
    print(f"  hub:            {hub}   (admin token: {site.root / 'hub' / 'admin.token'})")
    print(f"  web board 1:    {hub}/board/1?token={site.token(by_name['board-1'])}")
    print(f"  web board 2:    {hub}/board/2?token={site.token(by_name['board-2'])}")
    print(f"  web display:    {hub}/display?token={site.token(by_name['display-1'])}")
    print(
        f"  manager console: {hub}/manage/  (管理后台: manager / supervisor, "
        f"password {CONSOLE_PASSWORD})"
    )
    print(
        f"  phone pages:    {hub}/m/…  (手机页面: the QR on every printed ticket and 收件回执;"
        " real phones need --bind 0.0.0.0:8700 and [phone] base_url, docs/phone.md)"
    )
    print(f"  central admin:  {central}/admin?token={central_token}")
    print(
        f"  central console: {central}/console/  (中心平台监管台: {CENTRAL_ACCOUNT}, "
        f"password {CONSOLE_PASSWORD})"
    )
    print(f"  voice:          {apps.wav_dir} (wav)" + (" and the speaker" if speaker else ""))
    print(f"  log:            {site.root / 'demo.log'}")
    print("  按 Ctrl-C 停止 / Ctrl-C stops the demo")
    print(flush=True)
