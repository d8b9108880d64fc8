"""Times are stored as naive UTC; shown in the event's time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    """The current time, naive UTC (as stored)."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_naive_utc(value: datetime) -> datetime:
    """An aware datetime to naive UTC; a naive one is taken as UTC already."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def iso_utc(value: datetime | None) -> str | None:
    return None if value is None else value.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")


def local(value: datetime | None, tz: str = "Asia/Ho_Chi_Minh") -> datetime | None:
    """A stored (naive UTC) time in the event's time zone."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC).astimezone(ZoneInfo(tz))


def parse_iso(text: str) -> datetime:
    """Parse ISO-8601 (a trailing Z allowed) to naive UTC. Raises ValueError."""
    if not isinstance(text, str) or not (1 <= len(text) <= 40):
        raise ValueError("not an ISO-8601 time")
    value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    try:
        return to_naive_utc(value)
    except OverflowError as exc:  # e.g. 0001-01-01T00:00:00+01:00 is before year 1 in UTC
        raise ValueError("time out of range") from exc
