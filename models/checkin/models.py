"""The check-in log (table ``checkin``): every scan of a badge at a kiosk, the desk or a
checkpoint, and every undo. Written by models.checkin.checkin only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.core.base import db
from models.core.timeutil import utcnow

#: check-in outcomes, in the order of the rules
OUTCOMES = ("ok", "already", "invalid", "revoked", "unknown", "wrong_event")


class CheckIn(db.Model):
    """Append-only log of every scan (and every undo). Never updated, never deleted."""

    __tablename__ = "checkin"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    #: client-generated id: a retried or re-synced scan carries the same one
    scan_id: Mapped[str] = mapped_column(String(80), unique=True)
    #: the scanned text as received (at most 512 characters kept)
    code: Mapped[str] = mapped_column(String(520), default="")
    attendee_id: Mapped[int | None] = mapped_column(ForeignKey("attendee.id", ondelete="SET NULL"), index=True)
    badge_id: Mapped[int | None] = mapped_column(ForeignKey("badge.id", ondelete="SET NULL"))
    station: Mapped[str] = mapped_column(String(80), default="")
    device_id: Mapped[int | None] = mapped_column(ForeignKey("device.id", ondelete="SET NULL"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    #: "kiosk", "scanner" (desk USB scanner), "manual" (desk by name), "undo"
    method: Mapped[str] = mapped_column(String(20), default="kiosk")
    #: one of OUTCOMES, or "undone" for an undo row
    outcome: Mapped[str] = mapped_column(String(20), index=True)
    #: when the device saw the badge (may be earlier than received_at after an offline sync)
    scanned_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    #: an undo row names the check-in it undid and why
    undoes_id: Mapped[int | None] = mapped_column(ForeignKey("checkin.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(300), default="")
    #: where the badge was scanned (models.checkin.checkpoints); null: the hall entrance (rows
    #: from before checkpoints, undo rows)
    checkpoint_id: Mapped[int | None] = mapped_column(ForeignKey("checkpoint.id", ondelete="SET NULL"))

    attendee = relationship("Attendee", foreign_keys=[attendee_id])
