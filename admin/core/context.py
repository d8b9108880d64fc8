"""What a staff page needs of its request: the current event (or 404) and the signed-in user's
name as the audit log writes it. One place for every blueprint (they used to keep copies)."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from models.events.models import Event
from models.events.service import current_event


def event_or_404() -> Event:
    """The current event; 404 Not Found when there is none (no event made current yet)."""
    ev = current_event()
    if ev is None:
        abort(404)
    return ev


def actor_name() -> str:
    """The signed-in user as the audit log names them: ``user:<username>``."""
    return f"user:{current_user.username}"
