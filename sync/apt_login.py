"""The login a box's apt sends to central's package repository, made from the hub's credential.

apt authenticates with HTTP Basic from ``/etc/apt/auth.conf.d`` (a file on the box). Central
accepts the hub's key id as the user name and, as the password, an HMAC of a fixed label under
the hub's secret, never the secret itself: a copy of the apt login (on the hub box or any other
box of the hall) opens the repository but cannot sign a single sync request for the hall.
Central computes the same password from the secret it holds. A revoked key (a replaced hub)
opens nothing (docs/fleet-updates.md).
"""

from __future__ import annotations

import base64
import hashlib
import hmac

APT_LOGIN_LABEL = b"hallkit apt repository v1"


def apt_password(secret: bytes) -> str:
    """The repository password of the key whose secret is ``secret`` (URL-safe base64)."""
    digest = hmac.new(secret, APT_LOGIN_LABEL, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def password_matches(secret: bytes, password: str) -> bool:
    """Whether ``password`` is the repository password of ``secret`` (constant time)."""
    return hmac.compare_digest(apt_password(secret).encode("ascii"), password.encode("utf-8"))
