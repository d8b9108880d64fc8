"""Staff sign-in: server-side revocable sessions and failed-login counting (issue 16).

A staff session is a row of ``user_session``; the signed Flask cookie carries only a random
session id (the row keeps its sha256, so a database read does not hand out live cookies).
Logout ends the row at once; a password, role or active-flag change and a user's deletion end
every row of that user (a flush hook below, so every path that changes a user does it: CLI,
pages, tests); a row not seen for ``idle_hours`` is over.

Failed logins are rows of ``login_failure`` (when, the account name tried, the address, the
device cookie), so every server process and a restart see the same counts; how they are
counted and when a login is refused: models/accounts/throttle.py.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, delete, event, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.accounts.models import User
from models.core.base import db
from models.core.timeutil import utcnow

#: how often a session's ``last_seen_at`` is written (a page view more often writes nothing)
TOUCH_EVERY = timedelta(seconds=60)
#: ended sessions are deleted after this long (at the next login)
KEEP_ENDED = timedelta(days=30)


class UserSession(db.Model):
    """One logged-in browser of a staff user."""

    __tablename__ = "user_session"
    #: sha256 (hex) of the random id in the signed cookie
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: set when it ends (logout, password/role change, deactivation, idle); never reopened
    ended_at: Mapped[datetime | None]
    #: "logout", "password", "role", "deactivated", "idle", "deleted"
    ended_reason: Mapped[str] = mapped_column(String(20), default="", server_default="")


class LoginFailure(db.Model):
    """One failed login attempt (wrong password, unknown user, or refused as over the limit)."""

    __tablename__ = "login_failure"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    #: the account name tried, folded to lower case (it need not exist)
    username: Mapped[str] = mapped_column(String(80), index=True)
    #: the client address as the server saw it (after a trusted proxy, the real client); IPv6 as
    #: its /64 (models/accounts/throttle.py address_key)
    address: Mapped[str] = mapped_column(String(64), index=True)
    #: the random id of the browser's device cookie of this account, "" without one
    device: Mapped[str] = mapped_column(String(32), default="", server_default="", index=True)


# -- sessions ------------------------------------------------------------------------------

_generation_lock = threading.Lock()
#: bumped whenever this process ends sessions: caches of "this session is live" (the
#: dashboard fast path) compare it and re-check at once in this process
generation = 0


def _bump() -> None:
    global generation
    with _generation_lock:
        generation += 1


def _digest(sid: str) -> str:
    return hashlib.sha256(sid.encode("utf-8", "surrogatepass")).hexdigest()


def start_session(user: User) -> str:
    """A new session row for ``user``; returns the random id for the cookie. Not committed."""
    sid = secrets.token_urlsafe(32)
    now = utcnow()
    # sessions ended long ago are of no use to anyone: forget them
    db.session.execute(
        delete(UserSession).where(UserSession.ended_at < now - KEEP_ENDED),
        execution_options={"synchronize_session": False},
    )
    db.session.add(UserSession(id=_digest(sid), user_id=user.id, created_at=now, last_seen_at=now))
    return sid


def check_session(sid: object, idle_hours: float) -> tuple[int | None, str | None]:
    """(user id, pending write) for the session ``sid``. The user id is None when the session
    is unknown, ended, idle longer than ``idle_hours`` or its user inactive. The pending write
    is "idle" (end it), "touch" (record the visit: at most once a minute) or None; it is left
    to the caller (record_visit), so that a request's own unfinished work is never committed
    along with it. Reads only."""
    if not isinstance(sid, str) or not sid or len(sid) > 100:
        return None, None
    row = db.session.execute(
        select(UserSession.user_id, UserSession.last_seen_at, UserSession.ended_at, User.active)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.id == _digest(sid))
    ).first()
    if row is None or row.ended_at is not None or not row.active:
        return None, None
    now = utcnow()
    if now - row.last_seen_at > timedelta(hours=idle_hours):
        return None, "idle"
    return row.user_id, ("touch" if now - row.last_seen_at > TOUCH_EVERY else None)


def record_visit(sid: str, what: str | None) -> None:
    """Carry out check_session's pending write: end an idle session or record the visit.
    Commits (call it when the session holds no other unfinished work)."""
    if what == "idle":
        _end(UserSession.id == _digest(sid), "idle")
    elif what == "touch":
        db.session.execute(
            update(UserSession).where(UserSession.id == _digest(sid)).values(last_seen_at=utcnow()),
            execution_options={"synchronize_session": False},
        )
    else:
        return
    db.session.commit()


def session_user_id(sid: object, idle_hours: float) -> int | None:
    """check_session, then its write at once (for callers with nothing else in the session)."""
    user_id, what = check_session(sid, idle_hours)
    if what:
        record_visit(sid, what)  # type: ignore[arg-type]
    return user_id


def end_session(sid: object, reason: str = "logout") -> None:
    """End one session (logout). Not committed."""
    if isinstance(sid, str) and sid:
        _end(UserSession.id == _digest(sid), reason)


def end_user_sessions(user_id: int, reason: str) -> int:
    """End every open session of a user; the number ended. Not committed."""
    return _end(UserSession.user_id == user_id, reason)


def _end(where, reason: str) -> int:
    result = db.session.execute(
        update(UserSession).where(where, UserSession.ended_at.is_(None)).values(ended_at=utcnow(), ended_reason=reason),
        execution_options={"synchronize_session": False},
    )
    _bump()
    return result.rowcount or 0


#: a change to one of these ends every session of the user (value: the reason recorded)
_WATCHED = {"role": "role", "active": "deactivated", "password_hash": "password"}


@event.listens_for(Session, "before_flush")
def _end_sessions_on_user_change(session: Session, _ctx, _instances) -> None:
    """Password, role or active flag changed, or user deleted -> their sessions end."""
    from sqlalchemy import inspect

    ended: list[tuple[int, str]] = []
    for obj in session.dirty:
        if not isinstance(obj, User) or obj.id is None:
            continue
        state = inspect(obj)
        for attr, reason in _WATCHED.items():
            hist = state.attrs[attr].history
            if hist.has_changes() and hist.deleted:
                ended.append((obj.id, reason))
                break
    for obj in session.deleted:
        if isinstance(obj, User) and obj.id is not None:
            ended.append((obj.id, "deleted"))
    for user_id, reason in ended:
        session.execute(
            update(UserSession)
            .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
            .values(ended_at=utcnow(), ended_reason=reason),
            execution_options={"synchronize_session": False},
        )
    if ended:
        _bump()
