"""How ``hall`` commands log: to the journal with priorities under systemd, else with times.

Under systemd, standard error goes to the journal, which stamps every line itself and reads a
``<N>`` prefix as the line's priority (sd-daemon(3), ``SyslogLevelPrefix=``, on by default).
So when ``$JOURNAL_STREAM`` is set a line is ``<4>hub.engine: message`` (no second time) and
``journalctl -p warning`` shows warnings and errors only; otherwise it is
``2026-12-07 09:00:00,000 WARNING hub.engine: message`` as before.
"""

from __future__ import annotations

import logging
import os

# sd-daemon priorities: 2 crit, 3 err, 4 warning, 5 notice, 6 info, 7 debug.
PRIORITIES = {
    logging.CRITICAL: 2,
    logging.ERROR: 3,
    logging.WARNING: 4,
    logging.INFO: 6,
    logging.DEBUG: 7,
}
TERMINAL_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def priority(levelno: int) -> int:
    """The sd-daemon priority of a logging level (levels between take the next lower one's)."""
    for level in sorted(PRIORITIES, reverse=True):
        if levelno >= level:
            return PRIORITIES[level]
    return 7


class JournalFormatter(logging.Formatter):
    """``<N>name: message``; every line of a multi-line message (a traceback) carries the
    prefix, so that the journal keeps them at the record's priority."""

    def __init__(self) -> None:
        super().__init__("%(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        prefix = f"<{priority(record.levelno)}>"
        return "\n".join(prefix + line for line in super().format(record).splitlines())


def under_journal() -> bool:
    """Whether standard error goes to the journal (systemd sets ``$JOURNAL_STREAM``)."""
    return bool(os.environ.get("JOURNAL_STREAM"))


def configure_logging(*, verbose: bool = False) -> None:
    """The root logger for a ``hall`` command (once; a second call changes nothing)."""
    handler = logging.StreamHandler()
    handler.setFormatter(
        JournalFormatter() if under_journal() else logging.Formatter(TERMINAL_FORMAT)
    )
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, handlers=[handler])
