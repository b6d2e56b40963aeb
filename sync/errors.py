"""Errors of the store and the sync link."""


class SyncError(Exception):
    """Base error of the ``sync`` package."""


class StoreError(SyncError):
    """The local store cannot be opened or used (corrupt, wrong version, disk trouble)."""


class StoreFull(StoreError):
    """A write failed because the disk (or the store's size cap) is full; nothing was written.
    The store works again as soon as there is room."""


class StoreUnavailable(StoreError):
    """The database server cannot be reached or has no free connection right now (restarting,
    overloaded); nothing of the request was stored. Worth trying again shortly."""
