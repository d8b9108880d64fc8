"""Failed logins, throttled so that no anonymous client can stop a real user (issue 22 item 5,
OWASP "Blocking Brute Force Attacks" / "Slow Down Online Guessing Attacks with Device Cookies").

Every failed login is a row of ``login_failure`` (models/accounts/sessions.py): when, the
account name tried, the client's address (an IPv6 address as its /64: one device holds a
whole /64) and, when the browser showed a valid device cookie of that account, the cookie's
random id. A login is refused (429) before any password is checked when

- the browser has a device cookie of this account (it logged in here before): its own
  failures reach ``per_account``; failures from anywhere else never refuse it;
- otherwise: the failures of this account from this address reach ``per_account``, or the
  failures of this address (any account) reach ``per_address``.

So an attacker locks out only their own address (and their own device), never the account:
the admin logs in from their own address, or with their device cookie from any address.
Refused attempts are counted too (an attacker who keeps trying stays refused), but a refused
key keeps only its newest ``cap`` rows, so a flood cannot grow the table. A success clears
only the failures of its own account from its own address (and of its device): an insider
who logs in as themselves cannot reset their address's count of guesses at someone else.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, select

from models.accounts.sessions import LoginFailure
from models.core.base import db
from models.core.timeutil import utcnow


@dataclass(frozen=True)
class Limits:
    """The thresholds (config: LOGIN_FAILURES_PER_ACCOUNT, LOGIN_RATE_LIMIT, LOGIN_FAILURE_WINDOW)."""

    per_account: int
    per_address: int
    window_seconds: float

    @property
    def window(self) -> timedelta:
        return timedelta(seconds=self.window_seconds)


def account_key(username: object) -> str:
    """The account name as counted: trimmed, lower case, at most 80 characters."""
    return str(username or "").strip().lower()[:80]


def address_key(address: object) -> str:
    """The client address as counted: IPv4 as it is, IPv6 as its /64 network (an IPv4-mapped
    IPv6 address as the IPv4 one); anything else as given, at most 64 characters."""
    text = str(address or "?")
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return text[:64]
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


@dataclass(frozen=True)
class Verdict:
    """What the failures so far say about one attempt."""

    #: why it is refused ("device", "account", "address"), None: its password is checked
    refused: str | None
    #: its address (or device) failed within the window: its check waits behind clean ones
    suspect: bool


def verdict(username: str, address: str, device: str | None, limits: Limits) -> Verdict:
    """Refused or not, suspect or not (models/accounts/passwords.py). Reads only."""
    since = utcnow() - limits.window
    name, addr = account_key(username), address_key(address)
    if device:
        count = db.session.scalar(
            select(func.count()).where(LoginFailure.at >= since, LoginFailure.device == device[:32])
        )
        return Verdict("device" if count >= limits.per_account else None, count > 0)
    pair, by_address = db.session.execute(
        select(
            func.count().filter(LoginFailure.username == name),
            func.count(),
        ).where(LoginFailure.at >= since, LoginFailure.address == addr)
    ).one()
    if pair >= limits.per_account:
        return Verdict("account", True)
    if by_address >= limits.per_address:
        return Verdict("address", True)
    return Verdict(None, by_address > 0)


def record_failure(username: str, address: str, device: str | None, limits: Limits, *, refused: bool = False) -> None:
    """Count one failed (or refused) attempt; forget failures older than the window. A refused
    attempt's key (its device, else its address) keeps only its newest rows: enough to stay
    refused, never more. Commits."""
    now = utcnow()
    db.session.execute(delete(LoginFailure).where(LoginFailure.at < now - limits.window))
    row = LoginFailure(at=now, username=account_key(username), address=address_key(address), device=(device or "")[:32])
    db.session.add(row)
    db.session.flush()
    if refused:
        if device:
            same, cap = LoginFailure.device == row.device, limits.per_account
        else:
            same, cap = LoginFailure.address == row.address, max(limits.per_address, limits.per_account)
        keep = select(LoginFailure.id).where(same).order_by(LoginFailure.id.desc()).limit(cap)
        db.session.execute(
            delete(LoginFailure).where(same, LoginFailure.id.not_in(keep.scalar_subquery())),
            execution_options={"synchronize_session": False},
        )
    db.session.commit()


def clear_success(username: str, address: str, device: str | None) -> None:
    """A successful login clears what its own path counted, nothing else: with a device cookie,
    that device's failures; without, its account's failures from its own address. (An admin
    logging in with their cookie from an attacker's address leaves the attacker refused.)
    Not committed."""
    if device:
        mine = LoginFailure.device == device[:32]
    else:
        mine = and_(LoginFailure.username == account_key(username), LoginFailure.address == address_key(address))
    db.session.execute(delete(LoginFailure).where(mine), execution_options={"synchronize_session": False})


def unthrottle(username: str) -> int:
    """Lift every throttle of an account (its failures from every address and device); the
    number of failures forgotten. Not committed."""
    result = db.session.execute(
        delete(LoginFailure).where(LoginFailure.username == account_key(username)),
        execution_options={"synchronize_session": False},
    )
    return result.rowcount or 0


@dataclass
class Throttle:
    """One line of `users --throttled`: failures of one account from one address (or one
    device cookie), or of one address over every account (``username`` None)."""

    username: str | None
    address: str
    device: str
    failures: int
    last_at: datetime
    #: while refused: when it lifts if nobody tries again (UTC); None: not refused
    until: datetime | None


def throttles(limits: Limits) -> list[Throttle]:
    """Every account / address / device with failures in the window, refused ones first."""
    since = utcnow() - limits.window
    rows = db.session.execute(
        select(LoginFailure.username, LoginFailure.address, LoginFailure.device, LoginFailure.at)
        .where(LoginFailure.at >= since)
        .order_by(LoginFailure.at.desc())
    ).all()
    groups: dict[tuple, list[datetime]] = {}
    for r in rows:
        groups.setdefault((r.username, "", r.device) if r.device else (r.username, r.address, ""), []).append(r.at)
        groups.setdefault((None, r.address, ""), []).append(r.at)
    out = []
    for (name, addr, device), times in groups.items():
        limit = limits.per_address if name is None else limits.per_account
        until = times[limit - 1] + limits.window if len(times) >= limit else None
        if name is None and until is None:
            continue  # an address below its limit: its accounts' lines say enough
        out.append(Throttle(name, addr, device, len(times), times[0], until))
    out.sort(key=lambda t: (t.until is None, t.username or "", t.address, t.device))
    return out
