"""The wrong-secret lock of the clerks' PINs and the console's passwords: the shared
:mod:`weblogin.lockout`, under the names the hub has always used."""

from __future__ import annotations

from weblogin.lockout import LOCK_SECONDS, MAX_KEYS, MAX_WRONG, Lockout, Strike

__all__ = ["LOCK_SECONDS", "MAX_KEYS", "MAX_WRONG", "Lockout", "Strike"]
