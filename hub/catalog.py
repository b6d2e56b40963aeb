"""The hall's catalog as the hub serves it: categories, items and guides, swapped in whole.

The configuration file gives the hub its first catalog; central sends newer ones through the
downlink. :class:`Catalog` checks a catalog from central against this hall exactly as a
configuration file is checked (the same pydantic schema and cross-references: every item's
category exists, every window's categories exist, every category is served by a window), stores
it in the hub store, and swaps it in under the store's writer lock. The hall's windows come from
the configuration file, so a catalog can change categories' names, caps and hours and every item,
but not which category letters exist.

A reader never sees half a catalog: the engine's configuration and the LAN answer are each one
immutable object replaced by one reference assignment, and every engine write holds the same lock
as the swap. A hub restarted offline serves the last catalog it applied.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from config import ConfigError, HallConfig
from config.loader import config_from_dict
from hub.engine import QueueEngine
from sync.downlink import ApplyRefused
from sync.wire import CatalogAnswer, WireError, canonical_json, check_catalog

log = logging.getLogger(__name__)

CATALOGS_KEPT = 10
"""Applied catalogs kept in the store (the newest is served; older ones help explain changes)."""

MAX_ISSUES_SHOWN = 10


@dataclass(frozen=True)
class CatalogView:
    """One catalog as served: the hall configuration it belongs to and the LAN answer from it."""

    config: HallConfig
    version: int
    """Central's version of the catalog; 0 for the configuration file's own."""
    checksum: str
    """Central's checksum (``sha256:…``); empty for the configuration file's own."""
    etag: str
    """The quoted ETag of ``GET /api/v1/catalog``; changes whenever the answer does."""
    body: bytes
    """The JSON answer of ``GET /api/v1/catalog``."""

    def payload(self) -> dict[str, Any]:
        """The answer as data (parsed from :attr:`body`)."""
        data: dict[str, Any] = json.loads(self.body)
        return data


def build_view(config: HallConfig, version: int = 0, checksum: str = "") -> CatalogView:
    """The LAN catalog answer of ``config``: hall, categories, items with guides, windows, rules.

    ``version`` in the answer is a digest of its content (what kiosks compare); ``catalog_version``
    is central's version number (0 when the configuration file's catalog is served).
    """
    content = {
        "hall": {
            "id": config.hall.id,
            "name": config.hall.name,
            "division_code": config.hall.division_code,
            "notice": config.hall.notice,
            "phone": config.hall.phone,
            "supervision_phone": config.hall.supervision_phone,
        },
        "service": {  # the opening hours kiosks show (console edits reach them this way)
            "days": config.service.days,
            "hours": config.service.hours,
            "weekday_hours": {str(k): v for k, v in config.service.weekday_hours.items()},
        },
        "categories": [c.model_dump(mode="json") for c in config.categories],
        "items": [i.model_dump(mode="json") for i in config.items],
        "windows": [w.model_dump(mode="json") for w in config.windows],
        "rating": {
            "bad_reasons": config.rating.bad_reasons,
            "keypad_timeout_seconds": config.rating.keypad_timeout_seconds,
        },
        "priority": {
            "green_groups": config.priority.green_groups,
            "elderly_age": config.priority.elderly_age,
        },
    }
    digest = hashlib.sha256(canonical_json(content)).hexdigest()[:16]
    answer = {"version": digest, "catalog_version": version, **content}
    body = json.dumps(answer, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return CatalogView(config, version, checksum, f'"{digest}"', body)


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``etag`` (a list, weak tags or ``*``)."""
    if not if_none_match:
        return False
    tags = {part.strip().removeprefix("W/") for part in if_none_match.split(",")}
    return etag in tags or "*" in tags


class Catalog:
    """The catalog the hub serves; swaps in catalogs from central. Thread-safe."""

    def __init__(self, engine: QueueEngine) -> None:
        self._engine = engine
        # Catalogs replace the categories and items of the hall's own configuration (file or
        # console, hub.config_book); everything else (windows, hours, rules, and each category's
        # daily cap and last-ticket time) stays the hall's.
        self._base = engine.config
        self._view = build_view(engine.config)
        self._central: dict[str, Any] | None = None  # central's catalog in force, if any

    @property
    def view(self) -> CatalogView:
        """The catalog being served now (one immutable object: read it once per request)."""
        return self._view

    @property
    def base(self) -> HallConfig:
        """The hall's own configuration, before central's catalog is put in."""
        return self._base

    def overlay(self, base: HallConfig) -> tuple[HallConfig, CatalogView]:
        """What the hub would run on and serve with ``base`` as the hall's own configuration:
        central's catalog put in when one is in force. Raises ApplyRefused when ``base`` does
        not fit it (a window serving a category central's catalog lacks)."""
        view = self._view
        if self._central is None:
            return base, build_view(base, view.version, view.checksum)
        config = self._candidate(base, self._central, f"catalog version {view.version}")
        return config, build_view(config, view.version, view.checksum)

    def swap(self, base: HallConfig, config: HallConfig, view: CatalogView) -> None:
        """Serve ``view`` of ``config`` (made by :meth:`overlay` of ``base``). Call holding
        ``store.lock`` right after the commit, as :class:`hub.config_book.ConfigBook` does."""
        self._base = base
        self._view = view

    def candidate(self, catalog: dict[str, Any], source: str) -> HallConfig:
        """The hall configuration with ``catalog``'s categories and items in place of its own.

        Raises ApplyRefused listing what does not validate (``source`` names the catalog).
        """
        return self._candidate(self._base, catalog, source)

    @staticmethod
    def _candidate(base: HallConfig, catalog: dict[str, Any], source: str) -> HallConfig:
        if not isinstance(catalog.get("categories"), list):
            raise ApplyRefused(f"{source}: has no list of categories")
        extra = sorted(set(catalog) - {"categories", "items"})
        if extra:
            log.warning("%s: ignoring sections this hub does not know: %s", source, extra)
        data = base.model_dump()
        own = {c.code: c for c in base.categories}
        categories = []
        for entry in catalog["categories"]:
            mine = own.get(str(entry.get("code"))) if isinstance(entry, dict) else None
            if mine is None:
                categories.append(entry)
            else:  # central's name, the hall's own limits
                limits = {"daily_cap": mine.daily_cap, "last_ticket_time": mine.last_ticket_time}
                categories.append({**entry, **limits})
        data["categories"] = categories
        data["items"] = catalog.get("items", [])
        try:
            return config_from_dict(data, source)
        except ConfigError as err:
            shown = "; ".join(str(issue) for issue in err.issues[:MAX_ISSUES_SHOWN])
            more = len(err.issues) - MAX_ISSUES_SHOWN
            suffix = f" (and {more} more)" if more > 0 else ""
            raise ApplyRefused(f"{source} does not fit this hall: {shown}{suffix}") from err

    def apply(self, answer: CatalogAnswer) -> None:
        """Check a catalog from central, store it and swap it in; emits ``catalog.applied``.

        The version already served is accepted again without change. Raises ApplyRefused
        (checksum mismatch, a version not newer than the one served, or content that does not
        fit the hall); the catalog served until then stays.
        """
        try:
            check_catalog(answer)
        except WireError as err:
            raise ApplyRefused(str(err)) from err
        engine = self._engine
        store = engine.store
        with store.lock:  # on the hall's settings in force: a console edit cannot slip between
            config = self.candidate(answer.catalog, f"catalog version {answer.version}")
            view = build_view(config, answer.version, answer.checksum)
            current = self._view
            if (current.version, current.checksum) == (answer.version, answer.checksum):
                return
            if answer.version <= current.version:
                raise ApplyRefused(
                    f"catalog version {answer.version} is not newer than the version "
                    f"{current.version} served now"
                )
            payload = {
                "catalog_version": answer.version,
                "checksum": answer.checksum,
                "etag": view.etag,
                "categories": len(config.categories),
                "items": len(config.items),
            }
            with store.write() as db:
                db.execute(
                    "INSERT OR REPLACE INTO catalog (version, checksum, etag, json, applied_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (
                        answer.version,
                        answer.checksum,
                        view.etag,
                        json.dumps(answer.catalog, ensure_ascii=False),
                        datetime.now(UTC).isoformat(timespec="seconds"),
                    ),
                )
                db.execute(
                    "DELETE FROM catalog WHERE version NOT IN"
                    " (SELECT version FROM catalog ORDER BY version DESC LIMIT ?)",
                    (CATALOGS_KEPT,),
                )
                event = engine.outbox.append(db, "catalog.applied", payload)
            # Committed. Still under the writer lock, so no engine write runs between these
            # two assignments, and listeners hear of the catalog only once both are done.
            engine.use_config(config)
            self._view = view
            self._central = answer.catalog
            engine.announce([event])
        log.info(
            "catalog version %d applied: %d categories, %d items",
            answer.version,
            len(config.categories),
            len(config.items),
        )

    def restore(self) -> int:
        """Serve the last catalog applied from central again (at hub start, before serving).

        Returns its version, or 0 when there is none or it no longer fits this hall's
        configuration (then the configuration file's catalog is served, and a warning logged).
        """
        row = (
            self._engine.store.reader()
            .execute("SELECT version, checksum, json FROM catalog ORDER BY version DESC LIMIT 1")
            .fetchone()
        )
        if row is None:
            return 0
        version, checksum = int(row[0]), str(row[1])
        try:
            config = self.candidate(json.loads(row[2]), f"stored catalog version {version}")
        except (ApplyRefused, ValueError) as err:
            log.warning("%s; serving the configuration file's catalog until central sends one", err)
            return 0
        view = build_view(config, version, checksum)
        with self._engine.store.lock:
            self._engine.use_config(config)
            self._view = view
            self._central = json.loads(row[2])
        log.info("serving catalog version %d applied earlier", version)
        return version
