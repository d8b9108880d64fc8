"""Awards: tiers, awards, batches on stage and the live ceremony state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.core.base import db
from models.core.timeutil import utcnow

#: pending -> on_stage -> done; or absent (not there when called)
AWARD_STATUSES = ("pending", "on_stage", "done", "absent")


class AwardTier(db.Model):
    """E.g. 5-star certificates (Ministry), 4-star certificates (province), 3-star flowers."""

    __tablename__ = "award_tier"
    __table_args__ = (UniqueConstraint("event_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    stars: Mapped[int | None]
    #: "certificate" or "flowers"
    kind: Mapped[str] = mapped_column(String(20), default="certificate")
    recognised_by: Mapped[str] = mapped_column(String(200), default="")
    #: hand-out order: smaller first
    sort_order: Mapped[int] = mapped_column(default=0)

    def label(self, lang: str = "vi") -> str:
        """The tier's name in ``lang`` ("en": ``name_en`` when set; else the Vietnamese name)."""
        return self.name_en if lang == "en" and self.name_en else self.name


class AwardBatch(db.Model):
    """The recipients on stage together, with the leader who presents to them."""

    __tablename__ = "award_batch"
    __table_args__ = (UniqueConstraint("event_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    tier_id: Mapped[int] = mapped_column(ForeignKey("award_tier.id", ondelete="CASCADE"))
    #: 1, 2, 3... in hand-out order across all tiers
    number: Mapped[int]
    presenter_id: Mapped[int | None] = mapped_column(ForeignKey("attendee.id", ondelete="SET NULL"))

    tier = relationship("AwardTier")
    presenter = relationship("Attendee")
    awards: Mapped[list[Award]] = relationship(back_populates="batch", order_by="Award.position")


class Award(db.Model):
    __tablename__ = "award"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    tier_id: Mapped[int] = mapped_column(ForeignKey("award_tier.id", ondelete="CASCADE"))
    product_name: Mapped[str] = mapped_column(String(300))
    entity_name: Mapped[str] = mapped_column(String(300))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id", ondelete="SET NULL"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id", ondelete="SET NULL"))
    #: the delegate who comes on stage
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("attendee.id", ondelete="SET NULL"))
    #: someone present who receives on the recipient's behalf
    substitute_id: Mapped[int | None] = mapped_column(ForeignKey("attendee.id", ondelete="SET NULL"))
    decision_no: Mapped[str] = mapped_column(String(100), default="")
    #: order in the whole sequence (0-based); set by the sequencing, editable before the start
    position: Mapped[int] = mapped_column(default=0)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("award_batch.id", ondelete="SET NULL"))
    #: one of AWARD_STATUSES
    status: Mapped[str] = mapped_column(String(20), default="pending")
    notes: Mapped[str] = mapped_column(Text, default="")

    tier = relationship("AwardTier", lazy="joined")
    district = relationship("District")
    recipient = relationship("Attendee", foreign_keys=[recipient_id])
    substitute = relationship("Attendee", foreign_keys=[substitute_id])
    batch: Mapped[AwardBatch | None] = relationship(back_populates="awards")


class CeremonyState(db.Model):
    """What the MC tablets and the stage screen show. Every change bumps ``version``
    (compare-and-set): two tablets pressing "next" together advance one step."""

    __tablename__ = "ceremony_state"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), unique=True)
    version: Mapped[int] = mapped_column(default=1)
    #: the programme item running now (None before the start)
    programme_item_id: Mapped[int | None] = mapped_column(ForeignKey("programme_item.id", ondelete="SET NULL"))
    #: the batch on stage now (None outside the award segment)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("award_batch.id", ondelete="SET NULL"))
    #: the award order is locked once the ceremony starts
    locked: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
