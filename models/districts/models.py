"""District delegations: each district's private link and its seat quota per group."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.core.base import db
from models.core.timeutil import utcnow


class DistrictLink(db.Model):
    """A district officer's private link (signed token naming this row's nonce)."""

    __tablename__ = "district_link"
    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    nonce: Mapped[str] = mapped_column(String(40), unique=True)
    #: after this the link is read-only
    deadline: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    district = relationship("District")


class DistrictQuota(db.Model):
    __tablename__ = "district_quota"
    __table_args__ = (UniqueConstraint("district_id", "group_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("attendee_group.id", ondelete="CASCADE"))
    quota: Mapped[int] = mapped_column(default=0)

    district = relationship("District")
    group = relationship("Group")
