"""Errors of the store and the sync link."""


class SyncError(Exception):
    """Base error of the ``sync`` package."""


class StoreError(SyncError):
    """The local store cannot be opened or used (corrupt, wrong version, disk trouble)."""
