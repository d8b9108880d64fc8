"""What a staff page needs of its request: the current event (or 404), a row of it (owned_or_404:
missing or another event's -> 404) and the signed-in user's name as the audit log writes it. One
place for every blueprint (they used to keep copies)."""

from __future__ import annotations

from typing import TypeVar

from flask import abort
from flask_login import current_user

from models.core.base import db
from models.events.models import Event
from models.events.service import current_event

M = TypeVar("M")


def event_or_404() -> Event:
    """The current event; 404 Not Found when there is none (no event made current yet)."""
    ev = current_event()
    if ev is None:
        abort(404)
    return ev


def owned_or_404(model: type[M], row_id: int, ev: Event | None = None) -> M:
    """The row ``row_id`` of ``model`` when it belongs to ``ev`` (default: the current event);
    404 Not Found when it is missing or another event's (the same answer: nothing leaks)."""
    ev = ev if ev is not None else event_or_404()
    row = db.session.get(model, row_id)
    if row is None or row.event_id != ev.id:
        abort(404)
    return row


def actor_name() -> str:
    """The signed-in user as the audit log names them: ``user:<username>``."""
    return f"user:{current_user.username}"
