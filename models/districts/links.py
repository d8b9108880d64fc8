"""A district officer's private link: signed, revocable, with a deadline.

district_token(link, secret) -> str: the signed token of a link (itsdangerous; carries the
    district id and the link's random nonce, and the time it was signed).
link_from_token(token, secret, max_age) -> DistrictLink. Raises LinkError with code
    "invalid" (forged, altered, another secret, unknown nonce, nonce of another district),
    "expired" (signed longer than max_age ago) or "revoked" (revoked or replaced).
new_link(district, deadline=None) -> DistrictLink: revokes the district's other links.
revoke_link(link); set_deadline(link, deadline); current_link(district).
is_open(link, now) -> False after the deadline (the officer's page is then read-only).
All changes are audited.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select

from models.accounts.models import audit
from models.core.base import db
from models.core.links import LinkError, read_link, sign_link  # noqa: F401 (LinkError: API)
from models.core.timeutil import utcnow
from models.districts.models import DistrictLink
from models.units.models import District

SALT = "district-link"
LINK_MAX_AGE = 365 * 24 * 3600


def district_token(link: DistrictLink, secret: str) -> str:
    return sign_link(secret, SALT, link.district_id, link.nonce)


def link_from_token(token: str, secret: str, max_age: int = LINK_MAX_AGE) -> DistrictLink:
    """The link a token names (see the module docstring for errors)."""
    district_id, nonce = read_link(token, secret, SALT, max_age)
    link = db.session.scalar(select(DistrictLink).where(DistrictLink.nonce == nonce))
    if link is None or link.district_id != district_id:
        raise LinkError("invalid")
    if link.revoked_at is not None:
        raise LinkError("revoked")
    return link


def current_link(district: District) -> DistrictLink | None:
    return db.session.scalar(
        select(DistrictLink)
        .where(DistrictLink.district_id == district.id, DistrictLink.revoked_at.is_(None))
        .order_by(DistrictLink.id.desc())
    )


def new_link(
    district: District, deadline: datetime | None = None, *, actor: str = "", user_id: int | None = None
) -> DistrictLink:
    """A new private link for the district; its earlier links stop working."""
    now = utcnow()
    for old in db.session.scalars(
        select(DistrictLink).where(DistrictLink.district_id == district.id, DistrictLink.revoked_at.is_(None))
    ):
        old.revoked_at = now
    link = DistrictLink(district_id=district.id, nonce=secrets.token_urlsafe(24), deadline=deadline)
    db.session.add(link)
    db.session.flush()
    audit(
        "district_link",
        "district",
        district.id,
        actor=actor,
        user_id=user_id,
        link=link.id,
        deadline=deadline.isoformat() if deadline else None,
    )
    return link


def revoke_link(link: DistrictLink, *, actor: str = "", user_id: int | None = None) -> None:
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        audit("district_link_revoke", "district", link.district_id, actor=actor, user_id=user_id, link=link.id)


def set_deadline(link: DistrictLink, deadline: datetime | None, *, actor: str = "", user_id: int | None = None) -> None:
    link.deadline = deadline
    audit(
        "district_deadline",
        "district",
        link.district_id,
        actor=actor,
        user_id=user_id,
        deadline=deadline.isoformat() if deadline else None,
    )


def is_open(link: DistrictLink, now: datetime | None = None) -> bool:
    """True while nominations may be added or edited (no deadline, or before it)."""
    return link.deadline is None or (now or utcnow()) < link.deadline
