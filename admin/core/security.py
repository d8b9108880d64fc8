"""Role checks, kiosk device tokens and a small in-memory rate limiter."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, g, request
from flask_login import current_user
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from models.accounts.models import Device, User, hash_token
from models.accounts.pairing import stamp
from models.core import caches, ratelimit
from models.core.base import db
from models.core.database import write_transaction
from models.core.timeutil import utcnow


def role_required(*roles: str) -> Callable:
    """Pages: anonymous -> login page (401 for JSON), wrong role -> 403. Admin passes all."""

    def deco(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                from admin.core.extensions import login_manager

                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return deco


def device_from_request() -> Device | None:
    """The kiosk or phone named by `Authorization: Bearer <token>`, or None. Cached for a few
    seconds per token, and only while the devices stamp is unchanged: a revoked or replaced token
    stops at once in every process (models/accounts/pairing.py)."""
    hit = device_for_header(request.headers.get("Authorization", ""))
    if hit is None:
        return None
    g.device_id, g.device_name, g.device_kind = hit
    return Device(id=hit[0], name=hit[1], kind=hit[2])


def device_for_header(header: str) -> tuple[int, str, str] | None:
    """(id, name, kind) of the live device whose token is in this Authorization header value,
    or None. Needs an app context; cached for caches.DEVICE_TTL seconds per token, under the
    devices stamp of the moment (a revoke or a new pairing changes it: the cache is not used)."""
    if not header.startswith("Bearer "):
        return None
    token = header[7:].strip()
    if not token or len(token) > 200:
        return None
    digest = hash_token(token)
    now = stamp()  # read before the database: a change committed after it is seen next time
    hit = caches.get(caches.devices, digest)
    if hit is None or hit[3] != now:
        row = db.session.execute(
            select(Device.id, Device.name, Device.kind).where(Device.token_hash == digest, Device.revoked_at.is_(None))
        ).first()
        db.session.rollback()
        if row is not None:
            _touch(row.id)
        hit = (row.id, row.name, row.kind, now) if row else (None, "", "", now)
        caches.put(caches.devices, digest, hit)
    if hit[0] is None:
        return None
    return hit[:3]


def _touch(device_id: int) -> None:
    """Record when a device was last seen (at most every few seconds; never fails a request)."""
    try:
        with write_transaction():
            db.session.execute(update(Device).where(Device.id == device_id).values(last_seen_at=utcnow()))
            db.session.commit()
    except OperationalError:
        db.session.rollback()


def record_status(device_id: int, status: dict) -> None:
    """Store what a kiosk reports about itself (and that it was seen now)."""
    with write_transaction():
        db.session.execute(
            update(Device).where(Device.id == device_id).values(last_status=status, last_seen_at=utcnow())
        )
        db.session.commit()


def forget_devices() -> None:
    caches.clear(caches.devices)


def staff_user() -> User | None:
    return current_user if current_user.is_authenticated else None


class RateLimiter:
    """At most ``limit`` hits per ``window`` seconds per key (e.g. the client address), counted
    in the database under ``bucket`` (models/core/ratelimit.py): shared by every server process."""

    def __init__(self, bucket: str, limit: int, window: float):
        self.bucket, self.limit, self.window = bucket, limit, window

    def hit(self, key: str) -> bool:
        """Record a hit; False when the key is over the limit. Commits the session."""
        return ratelimit.hit(self.bucket, key, self.limit, self.window)

    def reset(self) -> None:
        """Forget every hit of this limiter (in the current app's database)."""
        ratelimit.forget(self.bucket)


def client_address() -> str:
    return request.remote_addr or "?"
