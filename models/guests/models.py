"""Attendees ("đại biểu"), their badges and the append-only check-in log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.core.base import db
from models.core.names import clean, fold, sort_key
from models.core.timeutil import utcnow

#: attendee statuses. "nominated"/"returned" are district nominations not yet on the guest list.
STATUSES = ("invited", "cancelled", "nominated", "returned")


class Attendee(db.Model):
    __tablename__ = "attendee"
    __table_args__ = (
        UniqueConstraint("event_id", "external_key"),
        Index("ix_attendee_event_name_key", "event_id", "name_key"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    #: "Ông", "Bà", "Đồng chí"...
    honorific: Mapped[str] = mapped_column(String(40), default="")
    #: NFC-normalised
    full_name: Mapped[str] = mapped_column(String(200))
    #: folded name + organisation for accent-insensitive search (see models.core.names.fold)
    name_key: Mapped[str] = mapped_column(String(600), default="")
    #: Vietnamese sort key (given name first), see models.core.names.sort_key
    sort_key: Mapped[str] = mapped_column(
        String(600).with_variant(String(600, collation="C"), "postgresql"), default=""
    )
    position: Mapped[str] = mapped_column(String(300), default="")
    organisation: Mapped[str] = mapped_column(String(300), default="")
    group_id: Mapped[int | None] = mapped_column(ForeignKey("attendee_group.id", ondelete="SET NULL"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id", ondelete="SET NULL"), index=True)
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    #: protocol rank: 1 is the most senior; larger numbers sit further back
    precedence: Mapped[int] = mapped_column(default=1000)
    #: the precedence was typed (a list's "Thứ tự ưu tiên" column, the edit page): it wins; else it
    #: is derived from the position and organisation by the event's protocol table
    #: (models/events/protocol.py) and re-derived when the title or the table changes
    precedence_typed: Mapped[bool] = mapped_column(default=False)
    seat_id: Mapped[int | None] = mapped_column(ForeignKey("seat.id", ondelete="SET NULL"), unique=True)
    #: one of STATUSES
    status: Mapped[str] = mapped_column(String(20), default="invited")
    #: stable key for re-imports (from the list's "Mã" column, else derived from name + org)
    external_key: Mapped[str | None] = mapped_column(String(200))
    #: "demo", "import", "desk", "district", "exhibitor", "admin"
    source: Mapped[str] = mapped_column(String(20), default="admin")
    is_walk_in: Mapped[bool] = mapped_column(default=False)
    #: arrival: set by the first accepted scan, cleared by an undo
    checked_in_at: Mapped[datetime | None] = mapped_column(index=True)
    first_checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkin.id", ondelete="SET NULL", use_alter=True))
    #: district nomination workflow: the district that nominated this person
    nominated_by_id: Mapped[int | None] = mapped_column(ForeignKey("district.id", ondelete="SET NULL"))
    nomination_comment: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    #: when and why the person was cancelled (status "cancelled"); cleared by a restore
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str] = mapped_column(String(300), default="")
    #: a record merged into another one (the kept record); it is cancelled
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("attendee.id", ondelete="SET NULL"))
    #: when the person's personal data was erased (models.privacy.person): the record stays as
    #: "Đã xóa #ID" for the event's figures
    erased_at: Mapped[datetime | None]
    #: a nomination's consent (issue 23 item 1): when the officer ticked `consent` and the
    #: version of the event's notice shown (models.events.notice); None: not given on a form
    consent_at: Mapped[datetime | None]
    consent_version: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    group = relationship("Group", lazy="joined")
    district = relationship("District", foreign_keys=[district_id], lazy="joined")
    seat = relationship("Seat", lazy="joined")
    first_checkin = relationship("CheckIn", foreign_keys=[first_checkin_id], post_update=True)
    badges = relationship("Badge", back_populates="attendee", order_by="Badge.serial", foreign_keys="Badge.attendee_id")

    def set_name(self, full_name: str) -> None:
        """Set the name and its derived search and sort keys."""
        self.full_name = clean(full_name)
        self.refresh_keys()

    def refresh_keys(self) -> None:
        self.full_name = clean(self.full_name)
        self.name_key = fold(f"{self.full_name} | {self.organisation or ''}")
        self.sort_key = sort_key(self.full_name)

    @property
    def display_name(self) -> str:
        return f"{self.honorific} {self.full_name}".strip()

    @property
    def current_badge(self) -> Badge | None:
        live = [b for b in self.badges if b.revoked_at is None]
        return live[-1] if live else None


class Badge(db.Model):
    """A printed card with a signed code. Reissuing revokes the previous one."""

    __tablename__ = "badge"
    __table_args__ = (UniqueConstraint("attendee_id", "serial"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    attendee_id: Mapped[int] = mapped_column(ForeignKey("attendee.id", ondelete="CASCADE"))
    #: 1 for the first badge, +1 for each reissue
    serial: Mapped[int]
    key_no: Mapped[int]
    #: the QR text (models.codes)
    code: Mapped[str] = mapped_column(String(140), unique=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    revoke_reason: Mapped[str] = mapped_column(String(200), default="")
    printed_at: Mapped[datetime | None]

    attendee = relationship("Attendee", back_populates="badges", foreign_keys=[attendee_id])
