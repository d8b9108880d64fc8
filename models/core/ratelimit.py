"""Per-key limits of the public forms (pairing, exhibitor registration, district links), counted
in the database like failed logins (models/accounts/throttle.py): every server process of
``serve --workers N`` and every app on the same database sees the same counts, so two workers do
not double a limit. One row per accepted hit; rows older than the window are forgotten on the
next hit of their bucket. Counting and adding happen in one write transaction (SQLite: BEGIN
IMMEDIATE, as every POST; PostgreSQL: an advisory lock on the bucket and key), so processes
hitting at once never let more than the limit through."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Index, String, delete, func, select, text
from sqlalchemy.orm import Mapped, mapped_column

from models.core.base import db
from models.core.timeutil import utcnow


class RateHit(db.Model):
    """One accepted hit of a limited form: its bucket ("pair", "exhibitor", ...), its key (the
    client address, a link's id) and when."""

    __tablename__ = "rate_hit"
    __table_args__ = (Index("ix_rate_hit_bucket_key_at", "bucket", "key", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[str] = mapped_column(String(24))
    key: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


def hit(bucket: str, key: str, limit: int, window: float) -> bool:
    """Count one hit of ``key`` in ``bucket``; False (nothing counted) when ``limit`` hits
    within the last ``window`` seconds were counted already. Commits the session."""
    now, key = utcnow(), str(key)[:64]
    since = now - timedelta(seconds=window)
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"{bucket}\n{key}"})
    db.session.execute(delete(RateHit).where(RateHit.bucket == bucket, RateHit.at <= since))
    count = db.session.scalar(
        select(func.count()).where(RateHit.bucket == bucket, RateHit.key == key, RateHit.at > since)
    )
    allowed = count < limit
    if allowed:
        db.session.add(RateHit(bucket=bucket, key=key, at=now))
    db.session.commit()
    return allowed


def forget(bucket: str | None = None) -> None:
    """Delete the counted hits (of one bucket, or all). Commits."""
    query = delete(RateHit) if bucket is None else delete(RateHit).where(RateHit.bucket == bucket)
    db.session.execute(query)
    db.session.commit()
