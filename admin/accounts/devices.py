"""Device cookies (issue 22 item 5; OWASP "Slow Down Online Guessing Attacks with Device
Cookies"): a browser that has logged in to an account before carries a cookie, signed with the
app's secret, naming that account and a random id. It lets the right password through however
many failures other clients caused (models/accounts/throttle.py); it has a lock-out of its own.

One cookie, ``ek_device``, holds the entries of the last few accounts that logged in on this
browser (a shared desk laptop); each success gives its account a new random id. Path /login
only, HttpOnly, SameSite=Lax, Secure over HTTPS. It proves nothing about the password: without
the right one it opens nothing.
"""

from __future__ import annotations

import secrets

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from models.accounts.throttle import account_key

COOKIE = "ek_device"
SALT = "login-device-cookie"
#: accounts remembered per browser
KEEP = 5


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT)


def _max_age() -> int:
    return int(current_app.config["LOGIN_DEVICE_DAYS"] * 86400)


def _entries() -> list[list[str]]:
    raw = request.cookies.get(COOKIE)
    if not raw or len(raw) > 2000:
        return []
    try:
        data = _serializer().loads(raw, max_age=_max_age())
    except BadSignature:  # also expired
        return []
    if not isinstance(data, list):
        return []
    return [e for e in data if isinstance(e, list) and len(e) == 2 and all(isinstance(x, str) for x in e)][:KEEP]


def device_of(username: str) -> str | None:
    """The random id of this browser's valid device cookie for ``username``, else None."""
    name = account_key(username)
    return next((nonce for who, nonce in _entries() if who == name), None)


def issue(response, username: str) -> str:
    """Give ``username`` a new device id on this browser (after a successful login)."""
    name = account_key(username)
    nonce = secrets.token_hex(16)
    entries = [[name, nonce]] + [e for e in _entries() if e[0] != name]
    response.set_cookie(
        COOKIE,
        _serializer().dumps(entries[:KEEP]),
        max_age=_max_age(),
        path="/login",
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure,
    )
    return nonce
