"""The web side of accounting for exports (models.privacy.exports): every route that sends a file
with people's data calls log_download() once, before sending it."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from models.accounts.models import AuditLog
from models.events.service import current_event
from models.privacy.exports import log_export


def log_download(what: str, people: int, *, actor: str = "", event_id: int | None = None, **detail: object) -> AuditLog:
    """Log one download by the signed-in user (or ``actor``, e.g. "district:3" for an officer's
    private link): what, how many people, the path asked for. Commits."""
    signed_in = current_user.is_authenticated
    if event_id is None:
        ev = current_event()
        event_id = ev.id if ev is not None else None
    return log_export(
        what,
        people,
        actor=actor or (f"user:{current_user.username}" if signed_in else "anonymous"),
        user_id=current_user.id if signed_in else None,
        event_id=event_id,
        path=request.path,
        **detail,
    )
