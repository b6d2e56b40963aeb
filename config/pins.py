"""Staff and technician PINs, stored only as salted PBKDF2 hashes.

A configuration file never holds a PIN in clear: it holds ``pbkdf2_sha256$ITER$SALT$HASH``
(salt and hash in URL-safe base64), made by ``hall config hash-pin``. Checking compares in
constant time. PINs are 4 to 12 digits: what a clerk types on a number pad.
"""

from __future__ import annotations

import base64
import getpass
import hashlib
import hmac
import os
import re
import sys

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


_CARD = re.compile(r"^\d{17}[\dX]$")


def card_problem(number: str) -> str | None:
    """Why ``number`` cannot be an ID-card number to hash (a sentence), or None when it can."""
    if not _CARD.match(number.strip().upper()):
        return "an ID-card number is 17 digits and a check digit or X"
    return None


def hash_card(number: str, *, iterations: int = ITERATIONS, salt: bytes | None = None) -> str:
    """The stored form of a staff member's ID-card number (the kiosk's staff card check), in
    the PIN hash format. Raises ValueError if ``number`` is not an 18-character ID number."""
    problem = card_problem(number)
    if problem:
        raise ValueError(problem)
    salt = salt if salt is not None else os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", number.strip().upper().encode(), salt, iterations)
    return f"{SCHEME}${iterations}${_b64(salt)}${_b64(digest)}"


def verify_card(number: str, stored: str) -> bool:
    """Whether the ID-card ``number`` matches ``stored`` (from :func:`hash_card`); False, never
    an exception, for a malformed number or hash."""
    match = _HASH.match(stored)
    if match is None or card_problem(number):
        return False
    iterations, salt, expected = int(match[1]), _unb64(match[2]), _unb64(match[3])
    digest = hashlib.pbkdf2_hmac("sha256", number.strip().upper().encode(), salt, iterations)
    return hmac.compare_digest(digest, expected)


def verify_pin(pin: str, stored: str) -> bool:
    """Whether ``pin`` matches ``stored``. False (never an exception) for a malformed PIN or hash."""
    match = _HASH.match(stored)
    if match is None or pin_problem(pin):
        return False
    iterations, salt, expected = int(match[1]), _unb64(match[2]), _unb64(match[3])
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode("ascii"), salt, iterations)
    return hmac.compare_digest(digest, expected)


def main(argv: list[str] | None = None) -> int:
    """``python -m config.pins --id-card``: ask for a staff member's ID-card number (not
    echoed) and print its hash for ``staff[].id_card_hash`` (PINs: ``hall config hash-pin``)."""
    args = sys.argv[1:] if argv is None else argv
    if args != ["--id-card"]:
        print("usage: python -m config.pins --id-card", file=sys.stderr)
        return 2
    number = getpass.getpass("staff ID-card number: ")
    problem = card_problem(number)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    print(hash_card(number))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
