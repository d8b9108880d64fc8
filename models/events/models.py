"""Event, its signing keys, its groups ("thành phần") and programme (its delegation units:
models.units)."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time

from sqlalchemy import BigInteger, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.core.base import db
from models.core.timeutil import utcnow


class Event(db.Model):
    __tablename__ = "event"
    id: Mapped[int] = mapped_column(primary_key=True)
    #: random public number printed inside every badge code (no personal data)
    tag: Mapped[int] = mapped_column(BigInteger, unique=True, default=lambda: secrets.randbelow(2**32 - 1) + 1)
    #: short machine name, used in URLs and the CLI
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    short_name: Mapped[str] = mapped_column(String(120), default="")
    organiser: Mapped[str] = mapped_column(String(300), default="")
    date: Mapped[date]
    start_time: Mapped[time | None]
    venue: Mapped[str] = mapped_column(String(300), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    planned_seats: Mapped[int] = mapped_column(default=250)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Ho_Chi_Minh")
    #: at most this many recipients on stage at once
    stage_capacity: Mapped[int] = mapped_column(default=10)
    #: the event the server is running now (one at a time)
    is_current: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: the demo event (marked "DEMO" on every page header, badge and letter; `delete-demo`)
    is_demo: Mapped[bool] = mapped_column(default=False)
    #: the parent body printed top left on letters and badges, e.g. "UBND TỈNH KHÁNH HÒA"
    parent_body: Mapped[str] = mapped_column(String(200), default="")
    #: the issuing body under it, e.g. "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG"
    issuing_body: Mapped[str] = mapped_column(String(200), default="")
    #: the event's name for its delegation units' level, e.g. "huyện, thị xã, thành phố" (2025)
    #: or "xã, phường, đặc khu" (after the 1 July 2025 reform); pages use it, never "huyện"
    unit_level: Mapped[str] = mapped_column(String(100), default="huyện, thị xã, thành phố")
    #: one unit of that level in a column header or a label, e.g. "Huyện" or "Xã/phường"
    unit_label: Mapped[str] = mapped_column(String(60), default="Huyện")
    #: the same in English ("District", "Commune/ward"); empty: derived from unit_label
    #: (models.events.settings.english_unit_label)
    unit_label_en: Mapped[str] = mapped_column(String(60), default="")
    #: personal data is kept this many days after the event's date, then shredded
    #: (models.privacy.retention); the dashboard and /admin/events remind once it is due
    retention_days: Mapped[int] = mapped_column(default=90)
    #: when the event's personal data was shredded (shred-event); its figures stay
    shredded_at: Mapped[datetime | None]
    #: optional badge logo (PNG or JPEG bytes, checked at upload) and its MIME type
    logo: Mapped[bytes | None] = mapped_column(LargeBinary)
    logo_mime: Mapped[str] = mapped_column(String(20), default="")
    # --- invitation letters (giấy mời, Decree 30/2020/NĐ-CP) ---
    #: number and symbol, e.g. "45/GM-SNNMT" (printed "Số: 45/GM-SNNMT")
    letter_number: Mapped[str] = mapped_column(String(60), default="")
    #: place printed before the date, e.g. "Khánh Hòa"
    letter_place: Mapped[str] = mapped_column(String(100), default="")
    #: issue date; None: "ngày … tháng … năm …" left blank for the signer (never the print date)
    letter_date: Mapped[date | None]
    #: the signer's authority line, e.g. "KT. GIÁM ĐỐC"
    signer_authority: Mapped[str] = mapped_column(String(100), default="")
    #: the signer's title, e.g. "PHÓ GIÁM ĐỐC"
    signer_title: Mapped[str] = mapped_column(String(100), default="")
    #: the signer's name
    signer_name: Mapped[str] = mapped_column(String(120), default="")
    #: "Nơi nhận:" lines, one per line
    letter_recipients: Mapped[str] = mapped_column(Text, default="")
    # --- the personal data notice on the public forms (Law 91/2025/QH15; models.events.notice) ---
    #: the notice in Vietnamese and in English; empty: the default built from the event
    privacy_notice: Mapped[str] = mapped_column(Text, default="")
    privacy_notice_en: Mapped[str] = mapped_column(Text, default="")
    #: whom a person asks (office, phone, e-mail); used by the default notice
    privacy_contact: Mapped[str] = mapped_column(String(300), default="")
    #: raised whenever the text shown changes; kept with each consent
    privacy_notice_version: Mapped[int] = mapped_column(default=1)

    groups: Mapped[list[Group]] = relationship(back_populates="event", order_by="Group.priority")
    #: its delegation units (models.units.models.District)
    districts: Mapped[list[District]] = relationship(  # noqa: F821 (the registry resolves it: no import upward)
        back_populates="event", order_by="District.sort_order"
    )
    keys: Mapped[list[EventKey]] = relationship(back_populates="event", order_by="EventKey.key_no")


class EventKey(db.Model):
    """An Ed25519 key pair of an event. Several may be valid at once (rotation)."""

    __tablename__ = "event_key"
    __table_args__ = (UniqueConstraint("event_id", "key_no"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    #: 0..255, printed in the code so a verifier picks the right public key
    key_no: Mapped[int]
    #: base64 of the raw 32-byte public key (published to kiosks)
    public_key: Mapped[str] = mapped_column(String(64))
    #: the raw 32-byte private key sealed with the SIGNING_KEY_FILE key (models/core/secretbox.py,
    #: "enc1:..."); never leaves the server, never a plain row
    private_key: Mapped[str] = mapped_column(String(200))
    #: new badges are signed with the active key
    active: Mapped[bool] = mapped_column(default=True)
    #: a retired key no longer verifies anything
    retired_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    event: Mapped[Event] = relationship(back_populates="keys")


class Group(db.Model):
    """A "thành phần": provincial leaders, departments, press, OCOP producers..."""

    __tablename__ = "attendee_group"
    __table_args__ = (UniqueConstraint("event_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    #: badge band colour, "#rrggbb"
    color: Mapped[str] = mapped_column(String(7), default="#607d8b")
    #: seating priority: lower sits nearer the front
    priority: Mapped[int] = mapped_column(default=100)
    #: leaders: seated first by precedence, may present awards
    is_leader: Mapped[bool] = mapped_column(default=False)
    #: press: seated at the side
    is_press: Mapped[bool] = mapped_column(default=False)
    #: exhibitor staff: their scans at the exhibition entrance mark the booth set up
    is_exhibitor_staff: Mapped[bool] = mapped_column(default=False)
    #: hall seats reserved for the group (0: none). Booth staff need no hall seat unless their
    #: group has seats reserved.
    seats_reserved: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship(back_populates="groups")


class ProgrammeItem(db.Model):
    """One item of the run of show."""

    __tablename__ = "programme_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300), default="")
    #: who speaks or leads the item
    speaker: Mapped[str] = mapped_column(String(300), default="")
    planned_start: Mapped[time | None]
    planned_minutes: Mapped[int] = mapped_column(default=10)
    #: "item" or "awards" (the award hand-out segment)
    kind: Mapped[str] = mapped_column(String(20), default="item")
    notes: Mapped[str] = mapped_column(Text, default="")
    actual_start: Mapped[datetime | None]
    actual_end: Mapped[datetime | None]


class ProtocolRank(db.Model):
    """One line of the event's protocol table (lễ tân): an office and the rank it gives.

    A person whose position (and organisation) names the office gets the rank as their
    precedence unless one was typed (models/events/protocol.py). Lower ranks sit nearer the
    centre of the front row and present the higher award tiers."""

    __tablename__ = "protocol_rank"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    #: the office, e.g. "Phó Chủ tịch"; several separated by ";" ("Vụ trưởng; Cục trưởng")
    position: Mapped[str] = mapped_column(String(200))
    #: the body it must be of, e.g. "UBND tỉnh" ("" for any); several separated by ";"
    body: Mapped[str] = mapped_column(String(300), default="")
    #: the precedence it gives: 1 is the most senior
    rank: Mapped[int] = mapped_column(default=1000)
