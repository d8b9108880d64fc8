"""Staff users, kiosk devices and the audit log."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from models.core.base import db
from models.core.timeutil import utcnow

ROLES = ("admin", "desk", "mc")


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    # active_history: the old value is loaded on change, so that models/accounts/sessions.py can end
    # the user's sessions when one of these really changes
    #: werkzeug scrypt hash; never the password
    password_hash: Mapped[str] = mapped_column(String(255), active_history=True)
    #: one of ROLES
    role: Mapped[str] = mapped_column(String(20), active_history=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    active: Mapped[bool] = mapped_column(default=True, active_history=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def has_role(self, *roles: str) -> bool:
        """Admin may do everything; others only their own role."""
        return self.role == "admin" or self.role in roles


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class Device(db.Model):
    """A kiosk or a paired phone (or other machine) that talks to the API with a bearer token."""

    __tablename__ = "device"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    #: sha256 of the token; the token itself is shown once
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: "hall" (arrivals) or "exhibition" (exhibitor set-up)
    kind: Mapped[str] = mapped_column(String(20), default="hall")
    #: "kiosk" (a webcam kiosk: kiosk-token) or "phone" (the /scan/ page, paired by scan-link)
    platform: Mapped[str] = mapped_column(String(20), default="kiosk", server_default="kiosk")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]
    #: what the kiosk last reported about itself (queue length, version...)
    last_status: Mapped[dict | None] = mapped_column(JSON)
    #: the checkpoint it scans at (models.checkin.checkpoints); null: the event's default entrance
    checkpoint_id: Mapped[int | None] = mapped_column(ForeignKey("checkpoint.id", ondelete="SET NULL"))

    @staticmethod
    def new_token() -> str:
        return "ekt_" + secrets.token_urlsafe(32)


class AuditLog(db.Model):
    """Who changed what: every change to delegates, seats, awards, badges and check-in undo."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    #: "user:admin", "device:kiosk-1", "cli", "district:3", "exhibitor:12"
    actor: Mapped[str] = mapped_column(String(120), default="")
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None]
    detail: Mapped[dict | None] = mapped_column(JSON)


def audit(
    action: str,
    entity: str,
    entity_id: int | None = None,
    *,
    actor: str = "",
    user_id: int | None = None,
    **detail: object,
) -> AuditLog:
    """Add an audit row to the current session (committed with the change it describes)."""
    row = AuditLog(
        action=action,
        entity=entity,
        entity_id=entity_id,
        actor=actor,
        user_id=user_id,
        detail=detail or None,
    )
    db.session.add(row)
    return row
