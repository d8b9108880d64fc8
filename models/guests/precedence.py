"""A person's precedence derived from the event's protocol table (models.events.protocol.Ranker):
refresh_precedence(ev) re-derives everyone without a typed precedence (after the table changed;
seat assignment and the award batches call it too); derive_on_flush gives a person added, or
whose title changed, the rank their title gives (listening on every session's flush from the
moment this module is imported: models.schema imports it)."""

from __future__ import annotations

from sqlalchemy import bindparam, event, inspect, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from models.core.base import db
from models.events.models import Event
from models.events.protocol import Ranker
from models.guests.models import Attendee


def refresh_precedence(ev: Event, ranker: Ranker | None = None) -> int:
    """Re-derive the precedence of everyone of ``ev`` without a typed one; returns how many
    changed. Does not commit."""
    ranker = ranker or Ranker.of(ev)
    changed = []
    for pid, position, organisation, precedence in db.session.execute(
        select(Attendee.id, Attendee.position, Attendee.organisation, Attendee.precedence).where(
            Attendee.event_id == ev.id, Attendee.precedence_typed.is_(False)
        )
    ):
        rank = ranker.rank(position, organisation)
        if rank != precedence:
            changed.append({"pid": pid, "rank": rank})
    if changed:
        db.session.execute(
            update(Attendee.__table__)
            .where(Attendee.__table__.c.id == bindparam("pid"))
            .values(precedence=bindparam("rank")),
            changed,
        )
        for row in changed:  # people already loaded see the new rank; other pending changes stay
            loaded = db.session.identity_map.get(identity_key(Attendee, row["pid"]))
            if loaded is not None:
                db.session.expire(loaded, ["precedence"])
    return len(changed)


_TITLE_ATTRS = ("position", "organisation", "precedence_typed")


@event.listens_for(Session, "before_flush")
def derive_on_flush(session: Session, _ctx, _instances) -> None:
    """A person added, or whose title changed, without a typed precedence: the rank the title
    gives (one Ranker per event and flush)."""
    rankers: dict[int, Ranker] = {}
    for obj in (*session.new, *session.dirty):
        if not isinstance(obj, Attendee) or obj.precedence_typed or obj.event_id is None:
            continue
        if obj.precedence_typed is None:  # made here: a precedence given is a typed one
            obj.precedence_typed = obj.precedence is not None
            if obj.precedence_typed:
                continue
        elif obj not in session.new:
            attrs = inspect(obj).attrs
            if not any(attrs[a].history.has_changes() for a in _TITLE_ATTRS):
                continue
        if obj.event_id not in rankers:
            rankers[obj.event_id] = Ranker.of(obj.event_id, session)
        obj.precedence = rankers[obj.event_id].rank(obj.position or "", obj.organisation or "")
