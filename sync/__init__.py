"""The hub's local store plumbing and its link to the central platform.

``sync.store`` opens SQLite by the project's rules (WAL, ``synchronous=FULL``, ``BEGIN
IMMEDIATE`` writes, numbered migrations, ``integrity_check`` at start); ``sync.outbox`` is the
transactional outbox that every domain change writes its event into; ``sync.clock`` is the
wall/monotonic clock events are stamped with. The uplink and the reference central live here too.
"""

from sync.clock import Clock, SystemClock
from sync.errors import StoreError, SyncError
from sync.outbox import OUTBOX_MIGRATIONS, Event, Outbox
from sync.store import Migration, Store

__all__ = [
    "OUTBOX_MIGRATIONS",
    "Clock",
    "Event",
    "Migration",
    "Outbox",
    "Store",
    "StoreError",
    "SyncError",
    "SystemClock",
]
