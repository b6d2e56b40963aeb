"""Console passwords (the hub's and central's): stored only as a slow salted hash (scrypt),
checked in constant time.

A stored hash describes itself, ``scrypt$N$r$p$SALT$HASH`` (salt and hash in URL-safe
base64 without padding), so the cost can be raised later without breaking older hashes.
Hashing costs ~50-100 ms and 32 MiB of memory on purpose: call it off the event loop and
outside the store's writer lock.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets

SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
HASH_BYTES = 32

MIN_LENGTH = 8
MAX_LENGTH = 128


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    # scrypt needs 128 * n * r bytes; OpenSSL's default ceiling (32 MiB) is just too small.
    return hashlib.scrypt(
        password.encode("utf-8"),
        salt=salt,
        n=n,
        r=r,
        p=p,
        maxmem=256 * n * r + 1024 * 1024,
        dklen=length,
    )


def password_problem(password: str) -> str | None:
    """Why ``password`` may not be used (a Chinese sentence), or None when it may."""
    if len(password) < MIN_LENGTH:
        return f"密码至少需要{MIN_LENGTH}个字符，请换一个更长的密码"
    if len(password) > MAX_LENGTH:
        return f"密码最多{MAX_LENGTH}个字符"
    if password != password.strip():
        return "密码的开头和结尾不能是空格"
    return None


def hash_password(password: str) -> str:
    """The self-describing scrypt hash of ``password`` with a fresh random salt."""
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, HASH_BYTES)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored`` (a :func:`hash_password` string); False for
    a malformed or unknown kind of hash. The comparison takes constant time."""
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        expected = _unb64(digest)
        got = _scrypt(password, _unb64(salt), int(n), int(r), int(p), len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


@functools.cache
def dummy_hash() -> str:
    """A hash no password is known for: checked against for unknown user names, so that they
    cost the same time as a wrong password."""
    return hash_password(secrets.token_urlsafe(24))
