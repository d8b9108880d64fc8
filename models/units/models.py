"""District: one delegation unit of an event (table ``district``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.core.base import db

if TYPE_CHECKING:
    from models.events.models import Event


class District(db.Model):
    """A district (huyện, thị xã, thành phố) with its exhibit area."""

    __tablename__ = "district"
    __table_args__ = (UniqueConstraint("event_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    #: "thành phố", "thị xã", "huyện"
    kind: Mapped[str] = mapped_column(String(40), default="")
    sort_order: Mapped[int] = mapped_column(default=0)
    #: name of the exhibit area in the hall lobby
    exhibit_area: Mapped[str] = mapped_column(String(100), default="")
    #: number of exhibit tables in the district's area
    table_count: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship(back_populates="districts")
