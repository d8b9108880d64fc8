"""A seat spelled out for a person: phrase (pure, on rows) and seat_phrase (on a Seat)."""

from __future__ import annotations

from models.hall.models import Seat


def phrase(
    block_name: str | None, block_code: str | None, row: int | None, number: int | None, label: str | None = None
) -> str:
    """The seat spelled out for a person: "Khu giữa · Hàng 8 · Ghế 6" (the block's name, or
    "Khu <code>" when it has none of its own), with " (B-08-06)" after it when ``label`` is
    given. "" when there is no seat. Pure: the check-in path and the snapshot call it on rows."""
    if row is None or number is None:
        return ""
    name = (block_name or "").strip()
    code = (block_code or "").strip()
    if not name or name == code:
        name = f"Khu {code}" if code else "Khu"
    text = f"{name} · Hàng {row} · Ghế {number}"
    return f"{text} ({label})" if label else text


def seat_phrase(seat: Seat | None, *, label: bool = False) -> str:
    """phrase() of a Seat (see there); ``label=True`` adds the short label "(B-08-06)"."""
    if seat is None:
        return ""
    block = seat.block
    return phrase(
        block.name if block else "", block.code if block else "", seat.row, seat.number, seat.label if label else None
    )
