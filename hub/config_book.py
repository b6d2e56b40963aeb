"""The hall's effective configuration and its versions: the store is the one source of truth.

How the configuration file and the console live together (docs/hub.md, "Configuration"):

- At start the hub reads the configuration file (``--config``, else the sample hall). When the
  store holds no version yet, or the file differs from the file last imported, the file's
  content becomes a new version (source ``file``): a technician's deliberate edit of the file
  wins. Otherwise the latest stored version is in force, so console edits survive restarts.
- The console edits through :meth:`ConfigBook.edit`: the edit is validated by the same schema as
  the file (errors as :class:`~hub.config_problems.FieldProblem`, in Chinese, per field); if
  valid it is stored as a new version, audited (who, before, after), and swapped into the running
  hub in the same writer-lock hold as its ``config.applied`` event, so no request ever sees half
  of an edit and every kiosk, counter and board hears of it at once. Nothing changes on refusal.
- :meth:`ConfigBook.rollback` makes a new version with an earlier version's content.
- ``hall config export`` writes the effective configuration as TOML; ``hall config check
  --data`` checks it (:func:`read_effective`).

Central's catalog (category names, items and guides) stays central's: when central sent one, the
hub runs on the hall's configuration with central's categories and items in place
(:class:`hub.catalog.Catalog`), keeping the hall's own daily caps and last-ticket times.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from config import HallConfig
from config.errors import ConfigError, ConfigIssue
from hub.actors import Actor
from hub.audit import record
from hub.auth import DeviceRegistry
from hub.catalog import Catalog
from hub.config_problems import FieldProblem, problems_of
from hub.engine import QueueEngine
from hub.errors import HubError
from hub.txn import Tx
from sync.downlink import ApplyRefused
from sync.store import Store

log = logging.getLogger(__name__)

SOURCE_NAMES = {"file": "配置文件", "console": "管理后台", "rollback": "回滚"}
FILE_AUTHOR = "配置文件"
SECRET_KEYS = ("pin_hash", "id_card_hash", "technician_pin_hash")
LARGE_SECTIONS = ("items",)  # audited by size only


class ConfigRejected(HubError):
    """An edit the schema refuses; ``problems`` name each field. Nothing was changed."""

    status = 422

    def __init__(self, problems: list[FieldProblem]) -> None:
        first = problems[0] if problems else FieldProblem("", "配置有误")
        super().__init__("config_invalid", f"{first.path}：{first.message}")
        self.problems = problems


@dataclass(frozen=True)
class ConfigVersion:
    """One stored version of the hall's configuration (without its content)."""

    number: int
    created_at: str
    author: str
    author_role: str
    source: str
    note: str
    sections: tuple[str, ...]

    @property
    def source_name(self) -> str:
        return SOURCE_NAMES.get(self.source, self.source)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.number,
            "created_at": self.created_at,
            "author": self.author,
            "author_role": self.author_role,
            "source": self.source,
            "note": self.note,
            "sections": list(self.sections),
        }


def plain(config: HallConfig) -> dict[str, Any]:
    """The configuration as plain JSON-ready data (dates as ``YYYY-MM-DD``)."""
    return config.model_dump(mode="json")


def digest(data: dict[str, Any]) -> str:
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def changed_sections(before: dict[str, Any], after: dict[str, Any]) -> tuple[str, ...]:
    return tuple(key for key in after if before.get(key) != after.get(key))


def _hide_secrets(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: ("（已隐藏）" if k in SECRET_KEYS and v else _hide_secrets(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_hide_secrets(v) for v in value]
    return value


IDENTITY_KEYS = ("number", "code", "id")


def _identity(entry: Any) -> tuple[str, Any] | None:
    if isinstance(entry, dict):
        for key in IDENTITY_KEYS:
            if key in entry:
                return key, entry[key]
    return None


def _changed_parts(before: Any, after: Any) -> tuple[Any, Any]:
    """The parts of ``before`` and ``after`` that differ: changed keys of a mapping, changed,
    added or removed entries of a list of numbered or coded entries (by that identity), else
    the values themselves."""
    if isinstance(before, dict) and isinstance(after, dict):
        old: dict[str, Any] = {}
        new: dict[str, Any] = {}
        for key in dict.fromkeys([*before, *after]):
            if before.get(key) != after.get(key):
                old[key], new[key] = _changed_parts(before.get(key), after.get(key))
        return old, new
    if isinstance(before, list) and isinstance(after, list):
        ids_before = {_identity(e): e for e in before}
        ids_after = {_identity(e): e for e in after}
        if None not in ids_before and None not in ids_after:
            old_list, new_list = [], []
            for key in dict.fromkeys([*ids_before, *ids_after]):
                if ids_before.get(key) != ids_after.get(key):
                    old_entry, new_entry = ids_before.get(key), ids_after.get(key)
                    if old_entry is not None and new_entry is not None:
                        old_part, new_part = _changed_parts(old_entry, new_entry)
                        label = dict([key]) if key is not None else {}
                        old_entry, new_entry = {**label, **old_part}, {**label, **new_part}
                    old_list.append(old_entry)
                    new_list.append(new_entry)
            return old_list, new_list
    return before, after


def audit_pair(
    before: dict[str, Any], after: dict[str, Any], sections: tuple[str, ...]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """What the audit log keeps of an edit: per changed section only what changed (a window's
    categories, a clerk's name), secrets hidden, big sections (items) as a count."""
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    for section in sections:
        if section in LARGE_SECTIONS:
            old[section] = f"{len(before.get(section) or [])} 项"
            new[section] = f"{len(after.get(section) or [])} 项"
            continue
        old_part, new_part = _changed_parts(before.get(section), after.get(section))
        old[section], new[section] = _hide_secrets(old_part), _hide_secrets(new_part)
    return old, new


def _version(row: Any) -> ConfigVersion:
    return ConfigVersion(
        int(row[0]), str(row[1]), str(row[2]), str(row[3]), str(row[4]), str(row[5]),
        tuple(json.loads(row[6])),
    )  # fmt: skip


class ConfigBook:
    """The effective configuration of one running hub, its versions, edits and rollbacks."""

    def __init__(self, engine: QueueEngine, catalog: Catalog, registry: DeviceRegistry) -> None:
        self.engine = engine
        self.catalog = catalog
        self.registry = registry
        self._current = catalog.base

    @property
    def store(self) -> Store:
        return self.engine.store

    # -- reading ------------------------------------------------------------------------------

    def current(self) -> HallConfig:
        """The hall's own effective configuration (before central's catalog is put in)."""
        return self._current

    def in_force(self) -> HallConfig:
        """What the hub runs on now: :meth:`current` with central's catalog when it sent one."""
        return self.engine.config

    def catalog_version(self) -> int:
        """The version of central's catalog in force; 0 when the hall's own categories are."""
        return self.catalog.view.version

    def latest(self) -> ConfigVersion:
        row = (
            self.store.reader()
            .execute(
                "SELECT version, created_at, author, author_role, source, note, sections"
                " FROM config_versions ORDER BY version DESC LIMIT 1"
            )
            .fetchone()
        )
        if row is None:  # pragma: no cover - open_book always stores one
            raise HubError("config_missing", "没有配置版本")
        return _version(row)

    def history(self, limit: int = 100) -> list[ConfigVersion]:
        rows = self.store.reader().execute(
            "SELECT version, created_at, author, author_role, source, note, sections"
            " FROM config_versions ORDER BY version DESC LIMIT ?",
            (limit,),
        )
        return [_version(row) for row in rows]

    def version(self, number: int) -> ConfigVersion:
        row = (
            self.store.reader()
            .execute(
                "SELECT version, created_at, author, author_role, source, note, sections"
                " FROM config_versions WHERE version = ?",
                (number,),
            )
            .fetchone()
        )
        if row is None:
            raise HubError("version_unknown", f"没有第 {number} 版配置")
        return _version(row)

    def data_of(self, number: int) -> dict[str, Any]:
        row = (
            self.store.reader()
            .execute("SELECT data FROM config_versions WHERE version = ?", (number,))
            .fetchone()
        )
        if row is None:
            raise HubError("version_unknown", f"没有第 {number} 版配置")
        data: dict[str, Any] = json.loads(row[0])
        return data

    # -- changing -----------------------------------------------------------------------------

    def edit(
        self, actor: Actor, change: Callable[[dict[str, Any]], None], note: str
    ) -> ConfigVersion | None:
        """Apply ``change`` (it mutates a copy of :meth:`current` as plain data) to the running
        hall. Returns the new version, or None when the change changed nothing; raises
        :class:`ConfigRejected` (nothing changed) when the result is not a valid hall."""
        with self.store.lock:  # one edit at a time, each on the version in force (a few ms)
            data = plain(self._current)
            change(data)
            return self._apply(actor, data, note, "console")

    def rollback(self, actor: Actor, number: int) -> ConfigVersion:
        """A new version with version ``number``'s content, applied now."""
        data = self.data_of(number)
        with self.store.lock:
            made = self._apply(actor, data, f"回滚到第 {number} 版", "rollback", force=True)
        assert made is not None
        return made

    def _apply(
        self, actor: Actor, data: dict[str, Any], note: str, source: str, *, force: bool = False
    ) -> ConfigVersion | None:
        config, problems = problems_of(data)
        if config is None:
            raise ConfigRejected(problems)
        after = plain(config)
        before = plain(self._current)
        sections = changed_sections(before, after)
        if not sections and not force:
            return None
        try:
            in_force, view = self.catalog.overlay(config)
        except ApplyRefused as err:  # the hall's edit does not fit central's catalog
            raise ConfigRejected(
                [FieldProblem("windows", f"与中心下发的业务目录不符：{err}")]
            ) from err
        created: list[ConfigVersion] = []

        def operation(tx: Tx) -> None:
            number = _store_version(
                tx, actor.name, actor.role, source, note, sections, after, file_digest=None
            )
            for window in config.windows:
                tx.db.execute(
                    "INSERT OR IGNORE INTO windows (number, status) VALUES (?, 'idle')",
                    (window.number,),
                )
            record(
                tx,
                actor,
                "config.edit" if source == "console" else "config.rollback",
                f"config:{number}",
                *audit_pair(before, after, sections),
            )
            tx.emit(
                "config.applied",
                {"version": number, "sections": list(sections), "author": actor.name},
            )
            created.append(
                ConfigVersion(number, tx.stamp, actor.name, actor.role, source, note, sections)
            )

        def swap() -> None:  # committed; still under the writer lock, before anyone hears
            self.engine.use_config(in_force)
            self.catalog.swap(config, in_force, view)
            self.registry.windows = {w.number for w in in_force.windows}
            self._current = config

        self.engine._run(operation, committed=swap)
        log.info("configuration version %d applied by %s: %s", created[0].number, actor.name, note)
        return created[0]


def _store_version(
    tx: Tx,
    author: str,
    role: str,
    source: str,
    note: str,
    sections: tuple[str, ...],
    data: dict[str, Any],
    *,
    file_digest: str | None,
) -> int:
    cursor = tx.db.execute(
        "INSERT INTO config_versions (created_at, author, author_role, source, note, sections,"
        " digest, file_digest, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            tx.stamp,
            author,
            role,
            source,
            note,
            json.dumps(list(sections)),
            digest(data),
            file_digest,
            json.dumps(data, ensure_ascii=False, separators=(",", ":")),
        ),
    )
    return int(cursor.lastrowid or 0)


def effective_at_start(engine: QueueEngine, file_config: HallConfig) -> HallConfig:
    """The hall configuration to run on at start (module docstring): the latest stored version,
    or the file's when it is new or changed (then stored as a version first)."""
    store = engine.store
    file_data = plain(file_config)
    file_digest = digest(file_data)
    db = store.reader()
    latest = db.execute("SELECT version, data FROM config_versions ORDER BY version DESC LIMIT 1")
    latest_row = latest.fetchone()
    last_file = db.execute(
        "SELECT file_digest FROM config_versions WHERE source = 'file'"
        " ORDER BY version DESC LIMIT 1"
    ).fetchone()
    chosen: HallConfig | None = None
    if latest_row is not None and last_file is not None and last_file[0] == file_digest:
        chosen, problems = problems_of(json.loads(latest_row[1]))
        if chosen is None:
            log.error(
                "stored configuration version %s no longer validates (%s); using the file's",
                latest_row[0],
                "; ".join(f"{p.path}: {p.message}" for p in problems[:3]),
            )
    elif latest_row is not None:
        log.warning(
            "the configuration file differs from the one imported before: it is now in force as"
            " a new version; earlier versions stay in the history (hall config export, rollback)"
        )
    config = chosen or file_config
    before: dict[str, Any] = json.loads(latest_row[1]) if latest_row is not None else {}

    def operation(tx: Tx) -> None:
        if chosen is None:
            note = "导入配置文件" if latest_row is None else "配置文件已更改，重新导入"
            sections = changed_sections(before, file_data) if before else tuple(file_data)
            _store_version(
                tx, FILE_AUTHOR, "technician", "file", note, sections, file_data,
                file_digest=file_digest,
            )  # fmt: skip
        for window in config.windows:  # windows added from the console have their rows
            tx.db.execute(
                "INSERT OR IGNORE INTO windows (number, status) VALUES (?, 'idle')",
                (window.number,),
            )

    engine._run(operation)
    return config


def read_effective(store: Store) -> tuple[HallConfig, ConfigVersion]:
    """The latest stored configuration version of a hub's store (``hall config export`` and
    ``check --data``); raises ConfigError when there is none or it does not validate."""
    db = store.reader()
    row = db.execute(
        "SELECT version, created_at, author, author_role, source, note, sections, data"
        " FROM config_versions ORDER BY version DESC LIMIT 1"
    ).fetchone()
    source = f"{store.path} (configuration versions)"
    if row is None:
        raise ConfigError(source, [ConfigIssue("", "no configuration version stored yet")])
    config, problems = problems_of(json.loads(row[7]))
    if config is None:
        raise ConfigError(source, [ConfigIssue(p.path, p.message) for p in problems])
    return config, _version(row)


def photo_folder(store: Store) -> Path:
    """Where the console keeps uploaded staff photos: ``<data>/photos`` beside the store."""
    return Path(store.path).parent / "photos"
