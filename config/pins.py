"""Staff and technician PINs, stored only as salted PBKDF2 hashes.

A configuration file never holds a PIN in clear: it holds ``pbkdf2_sha256$ITER$SALT$HASH``
(salt and hash in URL-safe base64), made by ``hall config hash-pin``. Checking compares in
constant time. PINs are 4 to 12 digits: what a clerk types on a number pad.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re

SCHEME = "pbkdf2_sha256"
ITERATIONS = 120_000  # about 50 ms on a small mini PC: slow for guessing, fine for a sign-in
_PIN = re.compile(r"^\d{4,12}$")
_HASH = re.compile(r"^pbkdf2_sha256\$(\d{4,7})\$([A-Za-z0-9_-]{16,64})\$([A-Za-z0-9_-]{43,44})$")


def pin_problem(pin: str) -> str | None:
    """Why ``pin`` cannot be a PIN (a sentence), or None when it can."""
    if not _PIN.match(pin):
        return "a PIN is 4 to 12 digits (0-9), nothing else"
    return None


def hash_problem(stored: str) -> str | None:
    """Why ``stored`` is not a PIN hash this module made (a sentence), or None when it is."""
    if not _HASH.match(stored):
        return (
            "expected a PIN hash like pbkdf2_sha256$120000$SALT$HASH; "
            "make one with `hall config hash-pin`"
        )
    return None


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_pin(pin: str, *, iterations: int = ITERATIONS, salt: bytes | None = None) -> str:
    """The stored form of ``pin``. Raises ValueError if ``pin`` is not 4 to 12 digits."""
    problem = pin_problem(pin)
    if problem:
        raise ValueError(problem)
    salt = salt if salt is not None else os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode("ascii"), salt, iterations)
    return f"{SCHEME}${iterations}${_b64(salt)}${_b64(digest)}"


def verify_pin(pin: str, stored: str) -> bool:
    """Whether ``pin`` matches ``stored``. False (never an exception) for a malformed PIN or hash."""
    match = _HASH.match(stored)
    if match is None or pin_problem(pin):
        return False
    iterations, salt, expected = int(match[1]), _unb64(match[2]), _unb64(match[3])
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode("ascii"), salt, iterations)
    return hmac.compare_digest(digest, expected)
