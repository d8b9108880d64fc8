"""Events and their signing keys."""

from __future__ import annotations

from datetime import date

from cryptography.exceptions import InvalidTag
from sqlalchemy import select

from models import codes
from models.core import caches, secretbox
from models.core.base import db
from models.core.timeutil import utcnow
from models.events.models import Event, EventKey
from models.events.protocol import seed_defaults
from models.events.signals import event_created


def current_event() -> Event | None:
    """The event this server runs now (the newest one marked current)."""
    return db.session.scalar(select(Event).where(Event.is_current.is_(True)).order_by(Event.id.desc()).limit(1))


_MISSING = object()


def current_event_id() -> int | None:
    """The current event's id, cached for caches.CURRENT_EVENT_TTL seconds (the check-in hot
    path)."""
    ev_id = caches.get(caches.current_event, "id", _MISSING)
    if ev_id is not _MISSING:
        return ev_id  # type: ignore[return-value]
    ev_id = db.session.scalar(select(Event.id).where(Event.is_current.is_(True)).order_by(Event.id.desc()).limit(1))
    caches.put(caches.current_event, "id", ev_id)
    return ev_id


def forget_current_event() -> None:
    """Drop this process's cached current event id (after the current event changed)."""
    caches.clear(caches.current_event)


def create_event(*, slug: str, name: str, date: date, **fields: object) -> Event:
    """Make an event with its first key pair, the default protocol table
        (models/events/protocol.py) and, through the event_created signal, its default checkpoint
    (models.checkin.checkpoints). Other
        events stop being current."""
    db.session.execute(db.update(Event).values(is_current=False))
    forget_current_event()
    ev = Event(slug=slug, name=name, date=date, **fields)
    db.session.add(ev)
    db.session.flush()
    add_key(ev)
    seed_defaults(ev)
    event_created.send(ev)  # models.checkin.checkpoints: "Cổng hội trường", every event's hall entrance
    return ev


def add_key(ev: Event) -> EventKey:
    """Rotate: a new active key signs new badges; older keys still verify until retired."""
    private = codes.new_private_key()
    numbers = [k.key_no for k in ev.keys]
    key_no = (max(numbers) + 1) if numbers else 1
    if key_no > 255:
        raise ValueError("too many keys for one event")
    for k in ev.keys:
        k.active = False
    key = EventKey(
        event=ev,
        key_no=key_no,
        public_key=codes.b64(codes.public_key_of(private)),
        private_key=secretbox.seal(private, key_label(ev.id, key_no)),
        active=True,
    )
    db.session.add(key)
    db.session.flush()
    invalidate_keyring()
    return key


def retire_key(key: EventKey) -> None:
    """A retired key verifies nothing any more (its badges become invalid)."""
    key.retired_at = utcnow()
    key.active = False
    invalidate_keyring()


def signing_key(ev: Event) -> EventKey:
    for k in ev.keys:
        if k.active and k.retired_at is None:
            return k
    return add_key(ev)


def key_label(event_id: int, key_no: int) -> str:
    """The associated data a private key is sealed with (models/core/secretbox.py)."""
    return f"event_key:{event_id}:{key_no}"


def private_bytes(key: EventKey) -> bytes:
    """The raw private key, decrypted with the SIGNING_KEY_FILE key (cached per process)."""
    cache_key = (key.event_id, key.key_no, key.private_key)
    hit = caches.get(caches.private_keys, cache_key)
    if hit is None:
        try:
            hit = secretbox.open_sealed(key.private_key, key_label(key.event_id, key.key_no))
        except InvalidTag as exc:
            raise RuntimeError(
                f"cannot open the signing key of event {key.event_id}: {secretbox.key_file()} "
                "is not the key file this database was sealed with (SIGNING_KEY_FILE: copy the "
                "right key file there, e.g. a backup's .signing_key.aes; docs/reliability.md)"
            ) from exc
        caches.put(caches.private_keys, cache_key, hit)
    return hit


def invalidate_keyring() -> None:
    caches.clear(caches.keyring)


def public_keys() -> list[dict]:
    """Every valid public key of every event on this server (so wrong-event badges are known)."""
    rows = db.session.execute(
        select(Event.id, Event.tag, EventKey.key_no, EventKey.public_key)
        .join(EventKey, EventKey.event_id == Event.id)
        .where(EventKey.retired_at.is_(None))
        .order_by(Event.id, EventKey.key_no)
    ).all()
    return [{"event_id": r.id, "event_tag": r.tag, "key_no": r.key_no, "public_key": r.public_key} for r in rows]


def keyring() -> dict[tuple[int, int], bytes]:
    """(event_tag, key_no) -> raw public key, cached until a key changes in this process.
    (Other processes on the same database re-read it every caches.KEYRING_TTL seconds.)"""
    ring = caches.get(caches.keyring, "ring")
    if ring is not None:
        return ring
    ring = codes.keyring((k["event_tag"], k["key_no"], k["public_key"]) for k in public_keys())
    caches.put(caches.keyring, "ring", ring)
    return ring
