"""The pages' cookie session and CSRF protection: a signed cookie, no server-side session table.

The session cookie (:data:`COOKIE`) holds the login, the time it expires and the session's CSRF token, as
base64url JSON followed by its HMAC-SHA256 under the app's secret; it is ``HttpOnly``, ``SameSite=Strict``,
``Path=/``, ``Secure`` when the request came over https, and expires after :data:`LIFETIME` (the signed expiry
is checked, not only the browser's). Each request reads the user again from the store, so that a user disabled
or whose role changed is taken at their word at once.

CSRF: every form carries the hidden field ``csrf``; a POST is refused (403) unless it equals the session's
token (or, on the login form, before any session, the token of the signed pre-login cookie :data:`PRELOGIN`).
``SameSite=Strict`` is a second line of defence, not the only one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

__all__ = ["COOKIE", "LIFETIME", "PRELOGIN", "cookie_attrs", "new_token", "read_signed", "sign", "tokens_equal"]

COOKIE = "cqpkit_session"
PRELOGIN = "cqpkit_csrf"
#: How long a session lasts after login (seconds): a working day.
LIFETIME = 8 * 3600


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(secret: bytes, payload: dict[str, Any]) -> str:
    """``payload`` as a cookie value: base64url JSON, a dot, and its HMAC-SHA256."""
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8"))
    mac = _b64(hmac.new(secret, body.encode("ascii"), hashlib.sha256).digest())
    return f"{body}.{mac}"


def read_signed(secret: bytes, value: str | None, now: float | None = None) -> dict[str, Any] | None:
    """The payload of a cookie value :func:`sign` made with ``secret`` and not expired (``exp``), else ``None``."""
    if not value or value.count(".") != 1 or len(value) > 4096:
        return None
    body, mac = value.split(".")
    expected = _b64(hmac.new(secret, body.encode("ascii", "replace"), hashlib.sha256).digest())
    if not hmac.compare_digest(expected, mac):
        return None
    try:
        payload = json.loads(_unb64(body))
    except ValueError:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("exp"), (int, float)):
        return None
    if payload["exp"] <= (time.time() if now is None else now):
        return None
    return payload


def new_token() -> str:
    """A fresh CSRF token (256 random bits)."""
    return secrets.token_urlsafe(32)


def tokens_equal(a: object, b: object) -> bool:
    """Whether two CSRF tokens are the same non-empty string (constant time)."""
    return isinstance(a, str) and isinstance(b, str) and bool(a) and hmac.compare_digest(a.encode(), b.encode())


def cookie_attrs(secure: bool, max_age: int) -> dict[str, Any]:
    """The attributes of the pages' cookies (Litestar's ``Cookie`` keywords)."""
    return {"httponly": True, "samesite": "strict", "secure": secure, "path": "/", "max_age": max_age}
