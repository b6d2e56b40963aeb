"""Console passwords: the shared slow salted hashes of :mod:`weblogin.passwords`, under the
names the hub has always used."""

from __future__ import annotations

from weblogin.passwords import (
    HASH_BYTES,
    MAX_LENGTH,
    MIN_LENGTH,
    SALT_BYTES,
    SCRYPT_N,
    SCRYPT_P,
    SCRYPT_R,
    dummy_hash,
    hash_password,
    password_problem,
    verify_password,
)

__all__ = [
    "HASH_BYTES",
    "MAX_LENGTH",
    "MIN_LENGTH",
    "SALT_BYTES",
    "SCRYPT_N",
    "SCRYPT_P",
    "SCRYPT_R",
    "dummy_hash",
    "hash_password",
    "password_problem",
    "verify_password",
]
