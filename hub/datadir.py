"""The hub's data folder before its store is opened: a folder the hub can write, and a store
that is not silently new when the hub has run there before.

A hub that has run leaves ``hall.secret`` and ``admin.token`` beside its store. If the store is
then missing or empty (a truncated ``hub.db`` with its WAL gone, a half-restored backup), opening
it would make a new hub: every device token void, numbers from A001 again on the same day, event
seqs from 1 (central sees conflicts). :func:`check_store_present` refuses that unless the
operator asks for it (``hall hub --new-store``).
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path

from sync.errors import StoreError

EMPTY_STORE = (
    "大厅数据库 {store} 为空或不存在，但数据目录中已有 {marks}：这台大厅主机运行过，数据可能已丢失。"
    "请停止服务，从备份恢复整个数据目录后再启动；如确实要作为新大厅从头开始（全部设备令牌作废、"
    "号码从头编起），请用 hall hub --new-store 启动。\n"
    "The hub store {store} is empty or missing but {marks} exist beside it: this hub has run "
    "before and its data may be lost. Restore the data folder from backup, or start with "
    "`hall hub --new-store` to begin a new store on purpose (every device token becomes void, "
    "numbers start again)."
)

READ_ONLY = (
    "数据目录 {folder} 无法写入（{why}）：大厅主机需要在此保存每一张号。请检查磁盘是否已满或被挂载为只读、"
    "目录权限是否正确，然后重新启动。\n"
    "The data folder {folder} cannot be written ({why}): the hub stores every ticket there. "
    "Check that the disk is not full or mounted read-only and that the folder's owner and mode "
    "are right, then start again."
)


def store_is_empty(path: Path) -> bool:
    """Whether the SQLite store at ``path`` holds nothing of a hub: missing, zero bytes with no
    write-ahead log, or a database without hallkit's ``schema_migrations`` table."""
    if not path.exists():
        return True
    wal = path.with_name(path.name + "-wal")
    if path.stat().st_size == 0:
        return not (wal.exists() and wal.stat().st_size > 0)
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            row = conn.execute(
                "SELECT COUNT(*) FROM sqlite_master WHERE name = 'schema_migrations'"
            ).fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return False  # not ours to judge: the store's own integrity check will say what is wrong
    return not row[0]


def check_store_present(folder: Path, store: Path, marks: list[Path], new_store: bool) -> None:
    """Raise StoreError (Chinese, then English) when ``store`` is empty or missing while any of
    ``marks`` (``hall.secret``, ``admin.token``) exists, unless ``new_store``. Touches nothing."""
    if new_store or not folder.exists():
        return
    present = [m for m in marks if m.exists()]
    if present and store_is_empty(store):
        names = "、".join(m.name for m in present)
        raise StoreError(EMPTY_STORE.format(store=store, marks=names))


def check_writable(folder: Path) -> None:
    """Raise StoreError (Chinese, then English) unless a file can be created in ``folder``
    (a read-only mount, an immutable folder, a full disk, a wrong owner)."""
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-check-"):
            pass
    except OSError as err:
        raise StoreError(READ_ONLY.format(folder=folder, why=_why(err))) from err


def prepare_folder(folder: Path) -> None:
    """Create ``folder`` (mode 0700) if missing and check it can be written; raises StoreError
    with a sentence instead of an OSError."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
    except OSError as err:
        raise StoreError(READ_ONLY.format(folder=folder, why=_why(err))) from err
    check_writable(folder)


def _why(err: OSError) -> str:
    return err.strerror or type(err).__name__
