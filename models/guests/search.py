"""Accent- and case-insensitive search of the guest list."""

from __future__ import annotations

from sqlalchemy import select

from models.core.base import db
from models.core.names import fold
from models.guests.models import Attendee


def search_attendees(event_id: int, query: str, *, limit: int = 50) -> list[Attendee]:
    """Attendees whose name or organisation contains every word of ``query``, ignoring accents
    and case ("nguyen van" finds "Nguyễn Văn…", "dang" finds "Đặng"), in Vietnamese name order.
    An empty query returns nothing."""
    words = [w for w in fold(query).split(" ") if w][:8]
    if not words:
        return []
    stmt = select(Attendee).where(Attendee.event_id == event_id, Attendee.status.not_in(("nominated", "returned")))
    for w in words:
        escaped = w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(Attendee.name_key.like(f"%{escaped}%", escape="\\"))
    return list(db.session.scalars(stmt.order_by(Attendee.sort_key).limit(limit)).unique())
