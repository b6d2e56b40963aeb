"""The kiosk's own copy of the hall catalog: browse model, popular row, search, and the file
that keeps guides readable while the hub is away.

The hub serves the catalog at ``GET /api/v1/catalog`` (``version`` is a digest of the content; an
``ETag`` with ``If-None-Match`` → 304 where the hub supports it). :class:`CatalogKeeper` fetches
it, checks it, saves it atomically to ``catalog.json`` in the kiosk's data folder and swaps it in
whole; at start it loads that file, so a kiosk started with the hub away still shows guides.

Browse model: departments (in catalog order) → topics → items. A topic is the part of an item's
name before ``-`` (立户和分户-普通家庭户立户 → 立户和分户) when at least two items of the
department share it; the department's other items go under 其他事项. A department with a single
topic skips that level.

Popular row: the items the catalog flags ``popular`` (schema field ``ServiceItem.popular``), in
catalog order; if none is flagged, the first item of each category in turn, in catalog order.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from config.schema import Category, HallConfig, ServiceItem, Window
from hub.client import HubRefused, HubUnavailable
from kiosk.facts import facts_of_catalog
from kiosk.ports import HubPort
from kiosk.search import SearchEntry, SearchIndex

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

FILE_NAME = "catalog.json"
OTHER_TOPIC = ""  # the topic key of a department's items that share no topic

# Words citizens use that item names do not contain, and name fragments of the items they mean.
# A starting list for the sample hall's items; a hall extends it with ``CatalogKeeper(words=…)``.
CITIZEN_WORDS: dict[str, tuple[str, ...]] = {
    "户籍登记": ("立户", "分户", "申报登记", "出生申报", "注销登记", "迁移登记", "户口"),
    "户口": ("立户", "分户", "申报登记", "注销登记", "迁移登记", "户口"),
    "落户": ("迁入", "投靠", "立户"),
    "社保": ("社会保障", "社保", "参保", "居民保险", "养老保险", "失业保险"),
    "低保": ("最低生活保障",),
    "医保": ("医疗保险", "医保"),
    "身份证": ("居民身份证", "身份证"),
    "社保卡": ("社会保障卡",),
    "生孩子": ("出生申报", "生育登记", "生育证"),
}


class CatalogError(Exception):
    """A catalog (from the hub or the saved file) cannot be used; the message says why."""


@dataclass(frozen=True)
class Topic:
    """A group of a department's items; ``key`` is empty for 其他事项."""

    key: str
    items: tuple[ServiceItem, ...]


class Catalog:
    """One catalog version, read-only. Build with :meth:`from_data` or :meth:`from_config`."""

    def __init__(
        self,
        *,
        version: str,
        hall_name: str,
        categories: Iterable[Category],
        items: Iterable[ServiceItem],
        windows: Iterable[Window],
        green_groups: Iterable[str] = (),
        elderly_age: int = 60,
        words: Mapping[str, tuple[str, ...]] | None = None,
        hall_facts: Mapping[str, str] | None = None,
    ) -> None:
        self.version = version
        self.hall_facts = dict(hall_facts or {})  # hours and phones as the hub has them
        self.hall_name = hall_name
        self.categories = tuple(categories)
        self.items = tuple(items)
        self.windows = tuple(windows)
        self.green_groups = tuple(green_groups)
        self.elderly_age = elderly_age
        self._words = dict(CITIZEN_WORDS if words is None else words)
        self._items = {i.id: i for i in self.items}
        self._categories = {c.code: c for c in self.categories}
        self._departments: dict[str, list[ServiceItem]] = {}
        for item in self.items:
            self._departments.setdefault(item.department, []).append(item)

    @classmethod
    def from_data(
        cls, data: Mapping[str, Any], words: Mapping[str, tuple[str, ...]] | None = None
    ) -> Catalog:
        """A catalog from the hub's answer (or the saved copy of it); raises CatalogError."""
        try:
            hall = data.get("hall") or {}
            priority = data.get("priority") or {}
            return cls(
                version=str(data.get("version") or ""),
                hall_name=str(hall.get("name") or ""),
                categories=[_model(Category, c) for c in data["categories"]],
                items=[_model(ServiceItem, i) for i in data.get("items") or []],
                windows=[_model(Window, w) for w in data.get("windows") or []],
                green_groups=[str(g) for g in priority.get("green_groups") or []],
                elderly_age=int(priority.get("elderly_age") or 60),
                words=words,
                hall_facts=facts_of_catalog(data),
            )
        except (KeyError, TypeError, AttributeError, ValueError, ValidationError) as err:
            raise CatalogError(f"the catalog cannot be read: {err}") from err

    @classmethod
    def from_config(
        cls, config: HallConfig, words: Mapping[str, tuple[str, ...]] | None = None
    ) -> Catalog:
        """A catalog straight from a hall configuration (the built-in sample, tests)."""
        return cls(
            version="config",
            hall_name=config.hall.name,
            categories=config.categories,
            items=config.items,
            windows=config.windows,
            green_groups=config.priority.green_groups,
            elderly_age=config.priority.elderly_age,
            words=words,
        )

    # -- lookups -------------------------------------------------------------------------------

    def item(self, item_id: str) -> ServiceItem | None:
        return self._items.get(item_id)

    def category(self, code: str) -> Category | None:
        return self._categories.get(code)

    def category_name(self, code: str) -> str:
        found = self._categories.get(code)
        return found.name if found else code

    def windows_for(self, item: ServiceItem) -> list[int]:
        """Numbers of the windows that take ``item`` (they call its category), ascending."""
        return sorted(w.number for w in self.windows if item.category in w.categories)

    # -- browsing ------------------------------------------------------------------------------

    @property
    def departments(self) -> list[str]:
        """Departments in catalog order (of their first item)."""
        return list(self._departments)

    def department_items(self, department: str) -> list[ServiceItem]:
        return list(self._departments.get(department, ()))

    def topics(self, department: str) -> list[Topic]:
        """The department's topics in catalog order, 其他事项 (key ``""``) last; a single topic
        means the browse screen goes straight to the items."""
        items = self._departments.get(department, [])
        groups: dict[str, list[ServiceItem]] = {}
        for item in items:
            groups.setdefault(topic_of(item.name), []).append(item)
        topics: list[Topic] = []
        others: list[ServiceItem] = []
        for key, members in groups.items():
            if key and len(members) >= 2:
                topics.append(Topic(key, tuple(members)))
            else:
                others.extend(members)
        if others:
            topics.append(Topic(OTHER_TOPIC, tuple(others)))
        return topics

    def popular(self, limit: int = 8) -> list[ServiceItem]:
        """The popular row (see the module docstring for where it comes from)."""
        flagged = [i for i in self.items if i.popular]
        if flagged:
            return flagged[:limit]
        firsts: list[ServiceItem] = []
        for category in self.categories:
            first = next((i for i in self.items if i.category == category.code), None)
            if first is not None:
                firsts.append(first)
        return firsts[:limit]

    # -- search --------------------------------------------------------------------------------

    @cached_property
    def search_index(self) -> SearchIndex:
        """The pinyin search index of this catalog (built on first use)."""
        started = time.perf_counter()
        index = SearchIndex(self.search_entries())
        log.info(
            "search index of %d items built in %.0f ms",
            len(index),
            (time.perf_counter() - started) * 1000,
        )
        return index

    def search_entries(self) -> list[SearchEntry]:
        """What the search index sees of each item: numbers (the digits of its id, the
        platform code) and keywords (category, department, topic, tags, citizens' words)."""
        entries = []
        for item in self.items:
            digits = "".join(c for c in item.id if c.isdigit())
            numbers = (digits, digits.lstrip("0"), item.code)
            keywords = [self.category_name(item.category), item.department, topic_of(item.name)]
            keywords += item.tags
            keywords += [
                w for w, parts in self._words.items() if any(p in item.name for p in parts)
            ]
            entries.append(
                SearchEntry(
                    item.id, item.name, numbers, tuple(k for k in keywords if k), item.popular
                )
            )
        return entries


_FULL_WIDTH = str.maketrans({"(": "（", ")": "）", ",": "，", ";": "；", ":": "：", "?": "？"})


def _cjk(char: str) -> bool:
    return ord(char) > 0x2E7F


def display_name(name: str, topic: str = "") -> str:
    """An item name as a citizen reads it: Chinese punctuation instead of ASCII (（城镇）, not
    (城镇)); quotes as “ ”; the topic separator ``-`` as ``：``, or the topic left out when the
    screen already names it (``topic``)."""
    text = name.strip()
    head, sep, rest = text.partition("-")
    if sep and head.strip() and rest.strip():
        text = (
            rest.strip() if topic and head.strip() == topic else f"{head.strip()}：{rest.strip()}"
        )
    text = text.translate(_FULL_WIDTH)
    out: list[str] = []
    opened = False
    for char in text:
        if char in "\"'":
            out.append("”" if opened else "“")
            opened = not opened
        else:
            out.append(char)
    joined = "".join(out)
    # No spaces beside Chinese characters (they come from copied platform data).
    kept = [
        c
        for n, c in enumerate(joined)
        if not (
            c == " "
            and ((n > 0 and _cjk(joined[n - 1])) or (n + 1 < len(joined) and _cjk(joined[n + 1])))
        )
    ]
    return "".join(kept)


def topic_of(name: str) -> str:
    """The topic part of an item name (before the first ``-``), or "" when there is none."""
    head, sep, _ = name.partition("-")
    return head.strip() if sep else ""


def _model(model: type[M], data: Any) -> M:
    """Validate ``data`` as ``model``, ignoring keys this kiosk's schema does not know (a newer
    hub may send more; the kiosk shows what it understands)."""
    if not isinstance(data, Mapping):
        raise TypeError(f"expected an object for {model.__name__}, got {type(data).__name__}")
    known = {k: v for k, v in data.items() if k in model.model_fields}
    return model.model_validate(known)


class CatalogStore:
    """``catalog.json`` in the kiosk's data folder: written atomically, read at start."""

    def __init__(self, folder: str | Path) -> None:
        self.path = Path(folder) / FILE_NAME

    def save(self, data: Mapping[str, Any], etag: str | None) -> None:
        """Write the catalog (temp file, fsync, rename, fsync the folder): a crash leaves the
        old copy or the new one, never half. Raises OSError."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        record = {"saved_at": time.time(), "etag": etag, "catalog": data}
        temp = self.path.with_suffix(".tmp")
        with temp.open("w", encoding="utf-8") as handle:
            json.dump(record, handle, ensure_ascii=False)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, self.path)
        folder = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)

    def load(self) -> tuple[dict[str, Any], str | None, float] | None:
        """(catalog data, etag, saved_at) of the saved copy, or None if there is none or it
        cannot be read (logged)."""
        try:
            record = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as err:
            log.warning("saved catalog %s cannot be read (%s); ignoring it", self.path, err)
            return None
        if not isinstance(record, dict) or not isinstance(record.get("catalog"), dict):
            log.warning("saved catalog %s is not a catalog record; ignoring it", self.path)
            return None
        etag = record.get("etag")
        saved_at = record.get("saved_at")
        return (
            record["catalog"],
            etag if isinstance(etag, str) else None,
            float(saved_at) if isinstance(saved_at, int | float) else 0.0,
        )


class Refresh(StrEnum):
    """What one :meth:`CatalogKeeper.refresh` did."""

    UPDATED = "updated"  # a new catalog was saved and swapped in
    UNCHANGED = "unchanged"  # the hub has the catalog the kiosk has
    HUB_AWAY = "hub_away"  # the hub did not answer: the kiosk keeps its copy
    REJECTED = "rejected"  # the hub's answer was refused or unusable: the kiosk keeps its copy


class CatalogKeeper:
    """Owns the kiosk's current catalog: loads the saved copy, refreshes from the hub. Call
    ``load_saved`` and ``refresh`` from a worker: they build the new catalog's search index
    (up to a second for 5,000 items) before swapping it in.

    ``current`` is swapped by one assignment, so readers see one catalog or the next, never a
    mix. ``fallback`` (e.g. from the kiosk's configuration file) is used when there is no saved
    copy and the hub has not answered yet.
    """

    def __init__(
        self,
        store: CatalogStore,
        fallback: Catalog | None = None,
        words: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        self._store = store
        self._words = words
        self._lock = threading.Lock()
        self._etag: str | None = None
        self.saved_at: float | None = None
        self.current: Catalog | None = fallback
        self.from_hub = False

    def load_saved(self) -> bool:
        """Load the saved copy (at start); True if there was a usable one."""
        saved = self._store.load()
        if saved is None:
            return False
        data, etag, saved_at = saved
        try:
            catalog = Catalog.from_data(data, self._words)
        except CatalogError as err:
            log.warning("saved catalog is unusable (%s); ignoring it", err)
            return False
        _ = catalog.search_index  # built here (a worker), never on the first keystroke
        with self._lock:
            self.current, self._etag, self.saved_at = catalog, etag, saved_at
        log.info(
            "loaded the saved catalog (version %s, %d items)", catalog.version, len(catalog.items)
        )
        return True

    def refresh(self, hub: HubPort) -> Refresh:
        """Ask the hub for its catalog; save and swap in a new one. Never raises: a hub away
        or a bad answer keeps the current copy (logged)."""
        try:
            fetched = hub.fetch_catalog(self._etag)
        except HubUnavailable as err:
            log.info("catalog refresh: hub away (%s); keeping the local copy", err.message)
            return Refresh.HUB_AWAY
        except HubRefused as err:
            log.warning("catalog refresh refused: %s %s", err.code, err.message)
            return Refresh.REJECTED
        if fetched.data is None:
            return Refresh.UNCHANGED
        current = self.current
        version = str(fetched.data.get("version") or "")
        if current is not None and self.from_hub and version and version == current.version:
            with self._lock:
                self._etag = fetched.etag or self._etag
            return Refresh.UNCHANGED
        try:
            catalog = Catalog.from_data(fetched.data, self._words)
        except CatalogError as err:
            log.warning("catalog from the hub is unusable (%s); keeping the local copy", err)
            return Refresh.REJECTED
        _ = catalog.search_index  # built before the swap: readers never wait for it
        try:
            self._store.save(fetched.data, fetched.etag)
        except OSError as err:  # still show the new one; the old file stays for the next start
            log.warning("cannot save the catalog to %s: %s", self._store.path, err)
        with self._lock:
            self.current, self._etag, self.from_hub = catalog, fetched.etag, True
            self.saved_at = time.time()
        log.info("catalog version %s in use (%d items)", catalog.version, len(catalog.items))
        return Refresh.UPDATED
