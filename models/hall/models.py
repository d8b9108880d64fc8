"""The hall: blocks, rows and seats, with blocks reserved for groups."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.core.base import db

block_group = Table(
    "block_group",
    db.metadata,
    Column("block_id", ForeignKey("block.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", ForeignKey("attendee_group.id", ondelete="CASCADE"), primary_key=True),
)


class Block(db.Model):
    __tablename__ = "block"
    __table_args__ = (UniqueConstraint("event_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(100), default="")
    rows: Mapped[int] = mapped_column(default=10)
    seats_per_row: Mapped[int] = mapped_column(default=10)
    #: top-left corner of the block on the seat map, in seat units (stage at y = 0)
    x: Mapped[int] = mapped_column(default=0)
    y: Mapped[int] = mapped_column(default=2)
    #: "left", "centre", "right": which side the block stands (press sits at a side)
    side: Mapped[str] = mapped_column(String(10), default="centre")
    #: seats at the start (1) or end (seats_per_row) of a row that touch an aisle: "first",
    #: "last", "both" or "none"
    aisle: Mapped[str] = mapped_column(String(10), default="both")

    groups = relationship("Group", secondary=block_group, lazy="selectin")
    seats: Mapped[list[Seat]] = relationship(back_populates="block", order_by="Seat.stage_rank")


class Seat(db.Model):
    __tablename__ = "seat"
    __table_args__ = (UniqueConstraint("block_id", "row", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    block_id: Mapped[int] = mapped_column(ForeignKey("block.id", ondelete="CASCADE"))
    #: 1 is the row nearest the stage
    row: Mapped[int]
    number: Mapped[int]
    #: printed on badges and shown on the kiosk, e.g. "B-03-07"
    label: Mapped[str] = mapped_column(String(20))
    is_aisle: Mapped[bool] = mapped_column(default=False)
    #: an unusable seat (broken, camera platform)
    disabled: Mapped[bool] = mapped_column(default=False)
    #: distance order from the stage: smaller is nearer (row first, then the centre line)
    stage_rank: Mapped[int] = mapped_column(default=0)
    #: seat-map coordinates in seat units
    x: Mapped[int] = mapped_column(default=0)
    y: Mapped[int] = mapped_column(default=0)

    block: Mapped[Block] = relationship(back_populates="seats")
