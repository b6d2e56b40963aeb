"""The downlink: the hall's catalog and appointments pulled from central (docs/sync-protocol.md).

One thread per hub (:class:`Downlink`) asks central, on its own timing:

- every ``sync.catalog_seconds`` for the catalog, with ``If-None-Match`` the ETag of the version
  last applied (kept in the store's ``sync_state``, so a restarted hub does not download what it
  already has). A new version is checked (checksum, version order) and handed to the hub's
  ``apply_catalog`` callback, which swaps it in or refuses it by raising :class:`ApplyRefused`;
- every ``sync.appointments_seconds`` for the appointments of today's service day (and of the
  next day once the hall has closed), with an ETag per date, handed to ``apply_appointments``;
- as often, when the hub gives ``apply_case_change``, for the changes central made to the hall's
  cases after the last one applied (``case-changes?after=N``), handed over one by one in
  ``change_id`` order; the last one applied is kept in ``sync_state``.

The hub plugs in through those callbacks: this module knows nothing of the hub. Network
trouble and central's error answers are retried with capped full-jitter backoff, honouring
``Retry-After``. A refused catalog is recorded and reported by :meth:`Downlink.status`, and its
ETag is sent as ``If-None-Match`` from then on, so it is not downloaded again and again.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from urllib.parse import quote

import sqlite_utils
from pydantic import ValidationError

from config.calendar import HallCalendar
from config.schema import SyncSettings
from sync.backoff import Backoff
from sync.errors import SyncError
from sync.http import Answer, CentralClient, CentralRefused, CentralUnreachable
from sync.store import Store
from sync.wire import (
    API_PREFIX,
    AppointmentsAnswer,
    CatalogAnswer,
    WireError,
    catalog_etag,
    check_catalog,
)

log = logging.getLogger(__name__)

STATE_KEY = "downlink"
"""The ``sync_state`` row holding what the downlink has applied (JSON)."""
STATUS_KEY = "downlink.status"
"""The ``sync_state`` row holding the last :class:`DownlinkStatus` (JSON), for other processes."""

BACKOFF_BASE_SECONDS = 1.0
STOP_JOIN_SECONDS = 5.0

CatalogOutcome = Literal["applied", "unchanged", "absent", "refused"]


class ApplyRefused(SyncError):
    """Raised by an apply callback: the hub will not take what central sent; says why."""


CatalogApplier = Callable[[CatalogAnswer], None]
AppointmentsApplier = Callable[[str, AppointmentsAnswer], None]
CaseChangeApplier = Callable[[dict[str, Any]], object]
"""Applies one change of a case from central (idempotent by its ``change_id``)."""


@dataclass(frozen=True)
class DownlinkStatus:
    """A snapshot of the downlink for ``hall sync status`` and the hub's status page."""

    catalog_version: int | None
    """Version of the catalog applied from central; None while the configuration's is in use."""
    catalog_etag: str | None
    last_check: str | None
    """When central last answered a catalog check (ISO 8601, UTC)."""
    appointments_checked: str | None
    last_error: str | None
    """What went wrong in the latest failed round of each job; None when every job is fine."""
    refused_version: int | None
    refused_reason: str | None
    appointments: dict[str, int]
    """Service day (``YYYY-MM-DD``) → appointments version applied."""
    failures: int
    running: bool
    case_change: int = 0
    """The last change of a case from central applied (its ``change_id``; 0: none yet)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Applied:
    """What the downlink has applied; persisted as JSON under :data:`STATE_KEY`."""

    catalog_version: int = 0
    catalog_checksum: str = ""
    catalog_etag: str = ""
    appointments: dict[str, dict[str, Any]] = field(default_factory=dict)
    case_change: int = 0
    """The last case change from central applied (its ``change_id``)."""

    @classmethod
    def from_json(cls, text: str) -> _Applied:
        try:
            data = json.loads(text)
            return cls(
                catalog_version=int(data.get("catalog_version", 0)),
                catalog_checksum=str(data.get("catalog_checksum", "")),
                catalog_etag=str(data.get("catalog_etag", "")),
                appointments={
                    str(k): dict(v) for k, v in dict(data.get("appointments", {})).items()
                },
                case_change=int(data.get("case_change", 0)),
            )
        except (ValueError, TypeError, AttributeError):
            # Only costs one full download of each list; never a reason to stop the hub.
            log.warning("the downlink's saved state is unreadable; starting afresh")
            return cls()


@dataclass
class _Refusal:
    version: int
    etag: str
    reason: str


@dataclass
class _Job:
    name: str
    interval: float
    run: Callable[[], object]
    backoff: Backoff
    due: float = 0.0
    failing: bool = False


def appointment_days(calendar: HallCalendar, moment: datetime) -> list[date]:
    """The service days whose appointments the hub should hold at ``moment``.

    Today's service day, plus the next day once the hall's last service period of today has
    ended (so tomorrow's bookings are in before the morning's first check-in).
    """
    today = calendar.service_day(moment)
    days = [today]
    closing = calendar.at(today, calendar.closing_time(today))
    if calendar.local(moment) >= closing:
        days.append(today + timedelta(days=1))
    return days


def stored_status(db: sqlite_utils.Database) -> dict[str, Any] | None:
    """The downlink's last recorded status (``DownlinkStatus.to_dict()`` without ``running``),
    read from a hub store by any process; None when the downlink never ran."""
    row = db.execute("SELECT value FROM sync_state WHERE key = ?", (STATUS_KEY,)).fetchone()
    if row is None:
        return None
    try:
        data: dict[str, Any] = json.loads(row[0])
    except ValueError:
        return None
    return data


def _header(answer: Answer, name: str) -> str | None:
    wanted = name.lower()
    return next((v for k, v in answer.headers.items() if k.lower() == wanted), None)


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Downlink:
    """Pulls the catalog and the appointments from central in its own thread.

    ``start()`` starts the thread, ``wake()`` makes it check both at once, ``stop()`` ends it.
    :meth:`poll_catalog` and :meth:`poll_appointments` run one round in the caller's thread (the
    thread uses them; so can a command or a test). The callbacks run in the downlink's thread.
    """

    def __init__(
        self,
        client: CentralClient,
        store: Store,
        settings: SyncSettings,
        calendar: HallCalendar,
        *,
        apply_catalog: CatalogApplier,
        apply_appointments: AppointmentsApplier,
        apply_case_change: CaseChangeApplier | None = None,
        now: Callable[[], datetime] | None = None,
        backoff: Callable[[], Backoff] | None = None,
    ) -> None:
        self._client = client
        self._store = store
        self._calendar = calendar
        self._apply_catalog = apply_catalog
        self._apply_appointments = apply_appointments
        self._apply_case_change = apply_case_change
        self._now = now or (lambda: datetime.now(UTC))
        make_backoff = backoff or (
            lambda: Backoff(BACKOFF_BASE_SECONDS, float(settings.backoff_cap_seconds))
        )
        self._lock = threading.Lock()
        self._applied = self._load()
        self._refused: _Refusal | None = None
        self._errors: dict[str, str] = {}
        self._last_check: str | None = None
        self._appointments_checked: str | None = None
        self._jobs = [
            _Job("catalog", float(settings.catalog_seconds), self.poll_catalog, make_backoff()),
            _Job(
                "appointments",
                float(settings.appointments_seconds),
                self.poll_appointments,
                make_backoff(),
            ),
        ]
        if apply_case_change is not None:
            self._jobs.append(
                _Job(
                    "cases",
                    float(settings.appointments_seconds),
                    self.poll_case_changes,
                    make_backoff(),
                )
            )
        self._wakeup = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def _hall_path(self) -> str:
        return f"{API_PREFIX}/halls/{quote(self._client.credential.hall, safe='')}"

    # -- state ---------------------------------------------------------------------------------

    def _load(self) -> _Applied:
        row = (
            self._store.reader()
            .execute("SELECT value FROM sync_state WHERE key = ?", (STATE_KEY,))
            .fetchone()
        )
        return _Applied.from_json(row[0]) if row else _Applied()

    def _save(self) -> None:
        with self._lock:
            text = json.dumps(asdict(self._applied), ensure_ascii=False, sort_keys=True)
        report = self.status().to_dict()
        del report["running"]  # true of this process only
        with self._store.write() as db:
            for key, value in ((STATE_KEY, text), (STATUS_KEY, json.dumps(report))):
                db.execute(
                    "INSERT INTO sync_state (key, value) VALUES (?, ?)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (key, value),
                )

    def status(self) -> DownlinkStatus:
        """What the downlink has applied and what went wrong last (a consistent snapshot)."""
        with self._lock:
            applied, refused = self._applied, self._refused
            return DownlinkStatus(
                catalog_version=applied.catalog_version or None,
                catalog_etag=applied.catalog_etag or None,
                last_check=self._last_check,
                appointments_checked=self._appointments_checked,
                last_error="; ".join(self._errors.values()) or None,
                refused_version=refused.version if refused else None,
                refused_reason=refused.reason if refused else None,
                appointments={d: int(v["version"]) for d, v in applied.appointments.items()},
                failures=sum(job.backoff.attempt for job in self._jobs),
                running=self._thread is not None and self._thread.is_alive(),
                case_change=applied.case_change,
            )

    def forget_catalog(self) -> None:
        """Forget which catalog was applied, so the next check downloads central's current one.

        For a hub that serves another catalog than the one recorded here (it could not restore
        the stored one, or stopped between applying a catalog and recording it).
        """
        with self._lock:
            self._applied.catalog_version = 0
            self._applied.catalog_checksum = ""
            self._applied.catalog_etag = ""
            self._refused = None
        self._save()

    # -- catalog -------------------------------------------------------------------------------

    def poll_catalog(self) -> CatalogOutcome:
        """Ask central for the catalog once and apply a new version.

        Returns ``applied``, ``unchanged`` (304, or the version already applied), ``absent``
        (204: central has none for this hall, the hub keeps its own) or ``refused`` (the
        checksum, the version order or the hub's callback refused it; recorded in status).
        Raises CentralUnreachable, CentralRefused, or WireError for an answer that does not
        follow the protocol.
        """
        outcome = self._check_catalog()
        self._save()
        return outcome

    def _check_catalog(self) -> CatalogOutcome:
        with self._lock:
            # The newest ETag we have seen: central's current version is at least that one, so
            # a refused catalog gets 304 until central publishes the next version.
            etag = self._refused.etag if self._refused else self._applied.catalog_etag
        headers = {"If-None-Match": etag} if etag else {}
        answer = self._client.request("GET", f"{self._hall_path}/catalog", headers=headers)
        with self._lock:
            self._last_check = _now_iso()
            self._errors.pop("catalog", None)
        if answer.status == 304:
            return "unchanged"
        if answer.status == 204:
            return "absent"
        try:
            catalog = CatalogAnswer.model_validate(answer.json())
        except (ValueError, ValidationError) as err:
            raise WireError(f"central's catalog answer is not a catalog: {err}") from err
        tag = _header(answer, "ETag") or catalog_etag(catalog.version, catalog.checksum)
        return self._take_catalog(catalog, tag)

    def _take_catalog(self, catalog: CatalogAnswer, tag: str) -> CatalogOutcome:
        with self._lock:
            applied = self._applied
            if self._refused is not None and self._refused.etag == tag:
                return "refused"
        if catalog.version == applied.catalog_version and catalog.checksum == (
            applied.catalog_checksum
        ):
            return "unchanged"
        try:
            if catalog.version <= applied.catalog_version:
                raise ApplyRefused(
                    f"central sent version {catalog.version}, not newer than the applied "
                    f"version {applied.catalog_version} (versions only grow)"
                )
            check_catalog(catalog)
            self._apply_catalog(catalog)
        except (ApplyRefused, WireError) as err:
            log.warning("catalog version %d refused: %s", catalog.version, err)
            with self._lock:
                self._refused = _Refusal(catalog.version, tag, str(err))
            return "refused"
        with self._lock:
            self._applied.catalog_version = catalog.version
            self._applied.catalog_checksum = catalog.checksum
            self._applied.catalog_etag = tag
            self._refused = None
        log.info("catalog version %d applied", catalog.version)
        return "applied"

    # -- appointments --------------------------------------------------------------------------

    def poll_appointments(self) -> dict[str, str]:
        """Pull the appointments of each day :func:`appointment_days` names, once.

        Returns ``{day: outcome}`` with outcome ``applied``, ``unchanged`` (304), ``absent``
        (204) or ``refused`` (the callback refused part of the list; its ETag is not kept, so
        the list is pulled again next round). Raises CentralUnreachable, CentralRefused or
        WireError; days done before the error stay done.
        """
        days = [d.isoformat() for d in appointment_days(self._calendar, self._now())]
        outcomes: dict[str, str] = {}
        problems: list[str] = []
        for day in days:
            if self._stopping.is_set():
                break
            outcomes[day] = self._pull_day(day, problems)
        with self._lock:
            self._appointments_checked = _now_iso()
            for old in [d for d in self._applied.appointments if d not in days]:
                del self._applied.appointments[old]
            if problems:
                self._errors["appointments"] = "; ".join(problems)
            else:
                self._errors.pop("appointments", None)
        self._save()
        return outcomes

    def _pull_day(self, day: str, problems: list[str]) -> str:
        with self._lock:
            etag = str(self._applied.appointments.get(day, {}).get("etag", ""))
        headers = {"If-None-Match": etag} if etag else {}
        answer = self._client.request(
            "GET", f"{self._hall_path}/appointments?date={day}", headers=headers
        )
        if answer.status in (204, 304):
            return "absent" if answer.status == 204 else "unchanged"
        try:
            listing = AppointmentsAnswer.model_validate(answer.json())
        except (ValueError, ValidationError) as err:
            raise WireError(f"central's appointments answer is not a list: {err}") from err
        if listing.date != day:
            raise WireError(f"asked central for the appointments of {day}, got {listing.date}")
        try:
            self._apply_appointments(day, listing)
        except ApplyRefused as err:
            log.warning("appointments of %s (version %d): %s", day, listing.version, err)
            problems.append(f"appointments {day}: {err}")
            return "refused"
        tag = _header(answer, "ETag") or f'"{listing.version}"'
        with self._lock:
            self._applied.appointments[day] = {"version": listing.version, "etag": tag}
        return "applied"

    # -- case changes --------------------------------------------------------------------------

    def poll_case_changes(self) -> int:
        """Pull central's changes to the hall's cases after the last one applied and apply them
        in order; returns how many were handed over. Raises CentralUnreachable, CentralRefused
        or WireError (changes applied before the error stay applied and recorded)."""
        if self._apply_case_change is None:
            return 0
        handed = 0
        try:
            while not self._stopping.is_set():
                with self._lock:
                    after = self._applied.case_change
                answer = self._client.request(
                    "GET", f"{self._hall_path}/case-changes?after={after}"
                ).json()
                try:
                    changes = [dict(c) for c in answer["changes"]]
                    ids = [int(c["change_id"]) for c in changes]
                except (KeyError, TypeError, ValueError) as err:
                    raise WireError(f"central's case changes are not a list: {err}") from err
                if ids != sorted(ids) or any(i <= after for i in ids):
                    raise WireError(f"central's case changes after {after} are out of order")
                for change, change_id in zip(changes, ids, strict=True):
                    self._apply_case_change(change)
                    handed += 1
                    with self._lock:
                        self._applied.case_change = change_id
                if not changes or ids[-1] >= int(answer.get("last", 0)):
                    break
        finally:
            if handed:
                self._save()
        return handed

    # -- the thread ----------------------------------------------------------------------------

    def start(self) -> None:
        """Start the downlink's thread (once)."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="downlink", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Check the catalog and the appointments now instead of at their next due time."""
        for job in self._jobs:
            job.due = 0.0
        self._wakeup.set()

    def stop(self, timeout: float = STOP_JOIN_SECONDS) -> None:
        """Stop the thread; waits at most ``timeout`` seconds for a request in flight."""
        self._stopping.set()
        self._wakeup.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                log.warning("the downlink is still waiting for central; leaving it behind")

    def _loop(self) -> None:
        try:
            while not self._stopping.is_set():
                for job in self._jobs:
                    if not self._stopping.is_set() and job.due <= time.monotonic():
                        self._run(job)
                pause = min(job.due for job in self._jobs) - time.monotonic()
                if pause > 0 and not self._stopping.is_set():
                    self._wakeup.wait(pause)
                self._wakeup.clear()
        finally:
            self._client.close()  # the HTTP session belongs to this thread

    def _run(self, job: _Job) -> None:
        retry_after: float | None = None
        try:
            job.run()
        except (CentralUnreachable, CentralRefused, WireError) as err:
            retry_after = err.retry_after if isinstance(err, CentralRefused) else None
            problem = str(err)
        except Exception as err:  # keep the thread alive: a bug here must not stop the sync
            log.exception("the downlink's %s round failed", job.name)
            problem = f"{type(err).__name__}: {err}"
        else:
            job.backoff.reset()
            job.due = time.monotonic() + job.interval
            if job.failing:
                log.info("downlink %s: central answers again", job.name)
                job.failing = False
            return
        delay = job.backoff.next_delay(retry_after)
        job.due = time.monotonic() + delay
        with self._lock:
            self._errors[job.name] = f"{job.name}: {problem}"
        try:
            self._save()
        except (SyncError, sqlite3.Error) as err:  # the store's trouble is the hub's to report
            log.debug("could not record the downlink's status: %s", err)
        if not job.failing:
            log.warning("downlink %s failed (%s); retrying in %.0f s", job.name, problem, delay)
            job.failing = True
        else:
            log.debug("downlink %s failed again (%s); retry in %.0f s", job.name, problem, delay)
