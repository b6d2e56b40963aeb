"""Sending the 好差评 outbox to the province: leased per hall, in order, retried, each record once.

A pass (:meth:`Forwarder.run_once`) claims halls with due records — a lease on the hall's
``province_halls`` row, taken with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL and under the
writer lock on SQLite — so however many worker processes run a forwarder, one hall's records
are sent by one of them at a time, in seq order (the order they happened in at the hall), and
only up to the hall's ``acked_seq`` (a record behind a gap waits for the gap to fill).

Each request carries up to ``batch`` records, each with its ``record_id`` as idempotency key.
2xx with a result per record marks them sent (or held if refused); 400/422 for the whole
request holds the record when it was alone, else its records are sent one by one so only the
bad one is held; anything else (a timeout, a refused connection, 401, 429, 5xx, …) keeps them
pending, counts an attempt, keeps the error and retries the hall after a doubling backoff. A
sender that dies holds its lease until it expires; the records it may have sent are sent again
then, and the province's deduplication by ``record_id`` makes that harmless (docs/province.md).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import socket
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from sync.central.province import NO_REGION, ProvinceConfig, finish_record
from sync.central.store import CentralStore
from sync.errors import StoreError

log = logging.getLogger(__name__)

BATCHES_PER_HALL = 5
"""Requests one pass sends for one hall before moving on (others' halls get their turn)."""
HALLS_PER_CLAIM = 10
REFUSED = (400, 422)
"""Whole-request answers that mean "this record is invalid" (not worth trying again)."""
ALREADY = 409


@dataclass
class PassResult:
    """What one pass did: records sent and held, halls whose sending failed."""

    sent: int = 0
    held: int = 0
    failed: list[str] = field(default_factory=list)

    @property
    def worked(self) -> bool:
        return bool(self.sent or self.held)


@dataclass
class _Hall:
    id: str
    name: str
    region: str | None
    rows: list[tuple[int, dict[str, Any], int]]  # seq, stored record, attempts


class _Failed(Exception):
    """Sending stopped for this hall (the message is the error kept)."""


class Forwarder:
    """Sends ``central``'s outbox to the province ``config`` names; thread-safe passes.

    ``transport`` replaces httpx's (tests). Use :meth:`run_once` for one pass (``hall central
    province-send``), or :meth:`start` / :meth:`stop` for the background thread.
    """

    def __init__(
        self,
        central: CentralStore,
        config: ProvinceConfig,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.central = central
        self.config = config
        self.name = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self._client = httpx.Client(
            timeout=config.timeout,
            transport=transport,
            headers={"Authorization": f"Bearer {config.token}"},
            follow_redirects=False,
        )
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failing = False
        self._db_away = False

    # -- one pass ---------------------------------------------------------------------------

    def run_once(self) -> PassResult:
        """Claim the halls with due records, send what is due for each, release them.

        Raises StoreError (StoreUnavailable) when the database is away; sending errors are
        kept on the records and the hall, never raised.
        """
        result = PassResult()
        for hall in self._claim():
            try:
                self._send_hall(hall, result)
            finally:
                self._release(hall)
        return result

    def _claim(self) -> list[str]:
        now = self.central.now()
        with self.central.db.write() as tx:
            skip = " SKIP LOCKED" if tx.dialect == "postgresql" else ""
            rows = tx.query(
                "SELECT c.hall FROM province_halls c"  # noqa: S608 - fixed clauses only
                " WHERE c.lease_until < ? AND c.next_at <= ? AND EXISTS ("
                "  SELECT 1 FROM province_outbox o JOIN halls h ON h.id = o.hall"
                "  WHERE o.hall = c.hall AND o.status = 'pending' AND o.seq <= h.acked_seq"
                "  AND h.region IS NOT NULL)"
                " ORDER BY c.next_at, c.hall LIMIT ?" + tx.for_update + skip,
                (now, now, HALLS_PER_CLAIM),
            )
            halls = [row[0] for row in rows]
            tx.executemany(
                "UPDATE province_halls SET lease_until = ?, leased_by = ? WHERE hall = ?",
                [(now + self.config.lease, self.name, hall) for hall in halls],
            )
        return halls

    def _release(self, hall: str) -> None:
        with self.central.db.write() as tx:
            tx.execute(
                "UPDATE province_halls SET lease_until = 0, leased_by = NULL"
                " WHERE hall = ? AND leased_by = ?",
                (hall, self.name),
            )

    def _load(self, hall_id: str) -> _Hall:
        with self.central.db.read() as tx:
            hall = tx.execute(
                "SELECT name, region, acked_seq FROM halls WHERE id = ?", (hall_id,)
            ).fetchone()
            rows = tx.query(
                "SELECT seq, record, attempts FROM province_outbox"
                " WHERE hall = ? AND status = 'pending' AND seq <= ? ORDER BY seq LIMIT ?",
                (hall_id, hall["acked_seq"], self.config.batch),
            )
        return _Hall(
            hall_id,
            hall["name"],
            hall["region"],
            [(int(r[0]), json.loads(r[1]), int(r[2])) for r in rows],
        )

    def _send_hall(self, hall_id: str, result: PassResult) -> None:
        leased_until = self.central.now() + self.config.lease
        for _ in range(BATCHES_PER_HALL):
            # Never start a request that could outlive the lease: another sender may take the
            # hall once it expires, and the two must not send the same records at once.
            if self.central.now() + self.config.timeout >= leased_until:
                return
            hall = self._load(hall_id)
            if hall.region is None:
                log.info("province: %s waits: %s", hall_id, NO_REGION)
                return
            if not hall.rows:
                return
            try:
                self._deliver(hall, hall.rows, result)
            except _Failed as err:
                self._failed(hall, hall.rows, str(err))
                result.failed.append(hall_id)
                return
            if len(hall.rows) < self.config.batch:
                return

    def _deliver(
        self, hall: _Hall, rows: list[tuple[int, dict[str, Any], int]], result: PassResult
    ) -> None:
        """Send ``rows`` in one request; raises _Failed with the error when not delivered
        (records already settled in this call stay settled)."""
        region = hall.region or ""
        records = [finish_record(r[1], hall.name, region, self.config.scale) for r in rows]
        try:
            answer = self._client.post(self.config.url, json={"records": records})
        except httpx.HTTPError as err:
            raise _Failed(f"cannot reach the province: {type(err).__name__}: {err}") from err
        if answer.status_code == ALREADY:
            self._settle(hall.id, [(seq, None) for seq, _, _ in rows], result)
            return
        if answer.status_code in REFUSED:
            reason = _reason(answer)
            if len(rows) == 1:
                self._settle(
                    hall.id, [(rows[0][0], f"refused ({answer.status_code}): {reason}")], result
                )
                return
            for row in rows:  # find the bad one: each alone, in order
                self._deliver(hall, [row], result)
            return
        if not answer.is_success:
            raise _Failed(f"the province answered {answer.status_code}: {_reason(answer)}")
        outcomes = _outcomes(answer)
        settled: list[tuple[int, str | None]] = []
        for seq, record, _ in rows:
            if record["record_id"] not in outcomes:
                self._settle(hall.id, settled, result)
                raise _Failed(f"the province gave no result for {record['record_id']}")
            settled.append((seq, outcomes[record["record_id"]]))
        self._settle(hall.id, settled, result)

    def _settle(
        self, hall: str, outcomes: list[tuple[int, str | None]], result: PassResult
    ) -> None:
        """Mark records sent (outcome None) or held (outcome the reason)."""
        if not outcomes:
            return
        now = self.central.now()
        with self.central.db.write() as tx:
            tx.executemany(
                "UPDATE province_outbox SET status = ?, held_reason = ?, sent_at = ?,"
                " attempts = province_outbox.attempts + 1, last_error = NULL"
                " WHERE hall = ? AND seq = ? AND status = 'pending'",
                [
                    (
                        "sent" if why is None else "held",
                        why,
                        now if why is None else None,
                        hall,
                        seq,
                    )
                    for seq, why in outcomes
                ],
            )
        for _, why in outcomes:
            if why is None:
                result.sent += 1
            else:
                result.held += 1
                log.warning("province refused a record of %s: %s", hall, why)
        if self._failing:
            self._failing = False
            log.info("province: sending again")

    def _failed(self, hall: _Hall, rows: list[tuple[int, dict[str, Any], int]], error: str) -> None:
        now = self.central.now()
        attempts = rows[0][2] + 1
        delay = min(self.config.retry_max, self.config.retry_base * 2 ** (attempts - 1))
        with self.central.db.write() as tx:
            tx.executemany(
                "UPDATE province_outbox SET attempts = province_outbox.attempts + 1,"
                " last_error = ? WHERE hall = ? AND seq = ? AND status = 'pending'",
                [(error, hall.id, seq) for seq, _, _ in rows],
            )
            tx.execute(
                "UPDATE province_halls SET next_at = ?, last_error = ?, last_error_at = ?"
                " WHERE hall = ?",
                (now + delay, error, now, hall.id),
            )
        if not self._failing:
            self._failing = True
            log.warning("province: %s (retrying in %.0f s)", error, delay)

    # -- the background thread --------------------------------------------------------------

    def start(self) -> None:
        """Run passes in a daemon thread until :meth:`stop` (every ``interval`` seconds, at
        once again after a pass that sent something)."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="province-forwarder", daemon=True)
        self._thread.start()
        log.info("province: sending 好差评 records to %s", self.config.url)

    def _loop(self) -> None:
        while not self._stop.is_set():
            worked = False
            try:
                worked = self.run_once().worked
                if self._db_away:
                    self._db_away = False
                    log.info("province: the database is back")
            except StoreError as err:
                if not self._db_away:  # said once when it goes, once when it is back
                    self._db_away = True
                    log.warning("province: the database is away: %s", err)
            except Exception:  # the thread must outlive any one bad pass; it is logged whole
                log.exception("province: a sending pass failed")
            if not worked:
                self._stop.wait(self.config.interval)

    def stop(self) -> None:
        """Stop the thread (waits for the request in flight, at most its timeout) and close."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.config.timeout + 5)
            self._thread = None
        self._client.close()


def _reason(answer: httpx.Response) -> str:
    try:
        data = answer.json()
    except ValueError:
        return answer.text[:200]
    reason = data.get("reason") if isinstance(data, dict) else None
    if isinstance(reason, str):
        return reason[:500]
    return answer.text[:200]


def _outcomes(answer: httpx.Response) -> dict[str, str | None]:
    """record_id → None (accepted or duplicate) or the refusal's reason; unreadable → {}."""
    try:
        data = answer.json()
    except ValueError:
        return {}
    results = data.get("results") if isinstance(data, dict) else None
    outcomes: dict[str, str | None] = {}
    for item in results if isinstance(results, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("record_id"), str):
            continue
        status = item.get("status")
        if status in ("accepted", "duplicate"):
            outcomes[item["record_id"]] = None
        elif status == "refused":
            outcomes[item["record_id"]] = f"refused: {str(item.get('reason') or '')[:500]}"
    return outcomes


# -- inside the server -----------------------------------------------------------------------

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class WithForwarder:
    """An ASGI app that runs ``forwarder`` from the server's startup to its shutdown (each
    worker process runs its own; the leases keep them apart)."""

    def __init__(self, app: Any, forwarder: Forwarder) -> None:
        self.app = app
        self.forwarder = forwarder

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return

        async def lifespan_receive() -> Message:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.forwarder.start()
            elif message["type"] == "lifespan.shutdown":
                await asyncio.to_thread(self.forwarder.stop)
            return message

        await self.app(scope, lifespan_receive, send)
