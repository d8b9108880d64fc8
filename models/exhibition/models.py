"""Exhibition: exhibitors ("chủ thể") per district, their products, tables and staff."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.core.base import db
from models.core.timeutil import utcnow

EXHIBITOR_KINDS = ("enterprise", "cooperative", "coop_group", "household")
#: registered -> approved | rejected -> assigned (table) -> set_up -> removed
EXHIBITOR_STATUSES = ("registered", "approved", "rejected", "assigned", "set_up", "removed")
#: Decision 148/QĐ-TTg (2023): the six OCOP product groups
OCOP_GROUPS = ("thuc_pham", "do_uong", "duoc_lieu", "thu_cong", "sinh_vat_canh", "du_lich")


class ExhibitTable(db.Model):
    __tablename__ = "exhibit_table"
    __table_args__ = (UniqueConstraint("district_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    number: Mapped[int]
    label: Mapped[str] = mapped_column(String(40), default="")
    #: how many exhibitors may share the table
    capacity: Mapped[int] = mapped_column(default=1)

    district = relationship("District")


class Exhibitor(db.Model):
    __tablename__ = "exhibitor"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    #: one of EXHIBITOR_KINDS
    kind: Mapped[str] = mapped_column(String(20), default="enterprise")
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id", ondelete="SET NULL"))
    address: Mapped[str] = mapped_column(String(300), default="")
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    needs_power: Mapped[bool] = mapped_column(default=False)
    needs_cold: Mapped[bool] = mapped_column(default=False)
    extra_table: Mapped[bool] = mapped_column(default=False)
    #: one of EXHIBITOR_STATUSES
    status: Mapped[str] = mapped_column(String(20), default="registered", index=True)
    reject_reason: Mapped[str] = mapped_column(Text, default="")
    table_id: Mapped[int | None] = mapped_column(ForeignKey("exhibit_table.id", ondelete="SET NULL"))
    set_up_at: Mapped[datetime | None]
    #: changes when the status link is reissued, so old links stop working
    link_nonce: Mapped[str] = mapped_column(String(40), default="")
    #: the registration's consent (issue 23 item 1): when `consent` was ticked and the version of
    #: the event's notice shown (models.events.notice)
    consent_at: Mapped[datetime | None]
    consent_version: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    district = relationship("District")
    table = relationship("ExhibitTable")
    products: Mapped[list[Product]] = relationship(
        back_populates="exhibitor", cascade="all, delete-orphan", order_by="Product.id"
    )
    staff: Mapped[list[ExhibitorStaff]] = relationship(back_populates="exhibitor", cascade="all, delete-orphan")


class Product(db.Model):
    __tablename__ = "product"
    id: Mapped[int] = mapped_column(primary_key=True)
    exhibitor_id: Mapped[int] = mapped_column(ForeignKey("exhibitor.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(300))
    #: one of OCOP_GROUPS
    ocop_group: Mapped[str] = mapped_column(String(20), default="thuc_pham")
    #: 3, 4 or 5; None for a "potential" product
    stars: Mapped[int | None]
    decision_no: Mapped[str] = mapped_column(String(100), default="")
    decision_date: Mapped[date | None]

    exhibitor: Mapped[Exhibitor] = relationship(back_populates="products")

    @property
    def is_potential(self) -> bool:
        return self.stars is None


class ExhibitorStaff(db.Model):
    """A person who mans a booth; they are attendees (with badges) of the exhibitor-staff group."""

    __tablename__ = "exhibitor_staff"
    id: Mapped[int] = mapped_column(primary_key=True)
    exhibitor_id: Mapped[int] = mapped_column(ForeignKey("exhibitor.id", ondelete="CASCADE"))
    attendee_id: Mapped[int] = mapped_column(ForeignKey("attendee.id", ondelete="CASCADE"), unique=True)

    exhibitor: Mapped[Exhibitor] = relationship(back_populates="staff")
    attendee = relationship("Attendee")
