"""Tell systemd how a hall app is doing: ready, alive (watchdog), stopping, a status line.

The protocol (sd_notify(3)) is one datagram of ``KEY=VALUE`` lines to the AF_UNIX socket named in
``$NOTIFY_SOCKET``; a name starting with ``@`` is in the abstract namespace. Written here in a
few lines so hallkit needs no extra dependency. Without ``$NOTIFY_SOCKET`` (a run by hand, a
test, a unit that is not ``Type=notify``) every function is a no-op.

A notification must never stop an app: sending failures are logged once and swallowed.

Three ways of feeding the watchdog, each from the loop whose freezing must restart the app:

- Qt apps: :func:`hall.sdnotify_qt.qt_watchdog` (a QTimer on the GUI thread);
- the hub (uvicorn/asyncio): :func:`attach_to_app` on the FastAPI app, or :func:`watchdog_task`
  on any running asyncio loop;
- anything else: call :func:`watchdog_ping` from its main loop at least every
  :func:`watchdog_interval` / 2 seconds.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from typing import Any

log = logging.getLogger(__name__)

_warned = False


def _address() -> str | None:
    """The notify socket's address as socket.connect wants it, or None when there is none."""
    name = os.environ.get("NOTIFY_SOCKET", "")
    if not name:
        return None
    if name.startswith("@"):
        return "\0" + name[1:]
    if name.startswith("/"):
        return name
    return None  # systemd also allows vsock:…; hallkit boxes never use it


def notify_socket_set() -> bool:
    """Whether ``$NOTIFY_SOCKET`` names a socket this module can send to."""
    return _address() is not None


def notify(message: str) -> bool:
    """Send ``message`` (``KEY=VALUE`` lines) to systemd.

    Returns True when it was sent, False when there is no notify socket or sending failed (the
    failure is logged once per process at WARNING; never raised).
    """
    global _warned  # noqa: PLW0603 - one warning per process, not one per watchdog ping
    address = _address()
    if address is None:
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(message.encode("utf-8"))
    except OSError as err:
        if not _warned:
            _warned = True
            log.warning("cannot notify systemd at %s: %s", os.environ.get("NOTIFY_SOCKET"), err)
        return False
    return True


def ready(status_text: str | None = None) -> bool:
    """Tell systemd start-up is done (``READY=1``), with an optional status line."""
    return notify("READY=1" + (f"\nSTATUS={_one_line(status_text)}" if status_text else ""))


def watchdog_ping() -> bool:
    """Tell systemd this process is alive (``WATCHDOG=1``); call it from the loop that matters."""
    return notify("WATCHDOG=1")


def stopping() -> bool:
    """Tell systemd the process is shutting down on purpose (``STOPPING=1``)."""
    return notify("STOPPING=1")


def status(text: str) -> bool:
    """Set the one-line status ``systemctl status`` shows (newlines become spaces)."""
    return notify(f"STATUS={_one_line(text)}")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def watchdog_interval() -> float | None:
    """Seconds within which systemd wants a ping (``$WATCHDOG_USEC``), or None when no watchdog.

    None also when ``$WATCHDOG_PID`` names another process (the watchdog is for that process)
    or when the variable is not a positive whole number of microseconds.
    """
    usec_text = os.environ.get("WATCHDOG_USEC", "")
    if not usec_text.isdigit() or int(usec_text) <= 0:
        return None
    pid_text = os.environ.get("WATCHDOG_PID", "")
    if pid_text and (not pid_text.isdigit() or int(pid_text) != os.getpid()):
        return None
    return int(usec_text) / 1_000_000


def ping_period(interval: float) -> float:
    """How often to ping for a watchdog of ``interval`` seconds: half of it, as systemd advises."""
    return interval / 2


# -- asyncio (the hub under uvicorn) -------------------------------------------------------------


async def _ping_forever(period: float) -> None:
    while True:
        watchdog_ping()
        await asyncio.sleep(period)


def watchdog_task() -> asyncio.Task[None] | None:
    """Start pinging the watchdog from the running asyncio loop; None when there is no watchdog.

    Must be called from a coroutine on the loop to watch (a blocked loop stops the pings, so
    systemd restarts the process). Cancel the task to stop.
    """
    interval = watchdog_interval()
    if interval is None or not notify_socket_set():
        return None
    return asyncio.get_running_loop().create_task(
        _ping_forever(ping_period(interval)), name="systemd-watchdog"
    )


async def wait_listening(host: str, port: int, timeout: float = 30.0) -> bool:
    """Wait until ``host:port`` accepts a TCP connection (0.0.0.0 and :: are tried on loopback).

    Returns False after ``timeout`` seconds without one. Used to send READY only once the
    server really listens (uvicorn binds its socket after the app's start-up).
    """
    target = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(host, host)  # noqa: S104
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        try:
            _reader, writer = await asyncio.open_connection(target, port)
        except OSError:
            await asyncio.sleep(0.05)
            continue
        writer.close()
        with suppress(OSError):
            await writer.wait_closed()
        return True
    return False


Lifespan = Callable[[Any], AbstractAsyncContextManager[Any]]


def systemd_lifespan(
    inner: Lifespan, listen: tuple[str, int] | None = None, status_text: str | None = None
) -> Lifespan:
    """A Starlette/FastAPI lifespan that runs ``inner`` and tells systemd about it.

    After ``inner``'s start-up: the watchdog task starts on the server's loop, and READY=1 is
    sent (once ``listen`` accepts connections, when given). Before ``inner``'s shutdown:
    STOPPING=1 and the task is cancelled.
    """

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[Any]:
        async with inner(app) as state:
            pinger = watchdog_task()

            async def announce() -> None:
                if listen is None or await wait_listening(*listen):
                    ready(status_text)
                else:
                    log.warning("not listening on %s:%d after 30 s; READY not sent", *listen)

            announcer = asyncio.get_running_loop().create_task(announce(), name="systemd-ready")
            try:
                yield state
            finally:
                stopping()
                for task in (announcer, pinger):
                    if task is not None:
                        task.cancel()
                        with suppress(asyncio.CancelledError):
                            await task

    return lifespan


def attach_to_app(
    app: Any, listen: tuple[str, int] | None = None, status_text: str | None = None
) -> None:
    """Wrap a Starlette/FastAPI ``app``'s lifespan with :func:`systemd_lifespan` (in place).

    Call it before the server starts. Harmless without ``$NOTIFY_SOCKET``.
    """
    app.router.lifespan_context = systemd_lifespan(app.router.lifespan_context, listen, status_text)
