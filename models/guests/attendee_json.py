"""One attendee-to-dict: a person as the JSON answers and lists show them.

The variants are the field lists below (same names and values everywhere a field appears):

- ``CHECKIN_FIELDS``: the check-in answer's ``attendee`` (API, kiosk, desk; models.checkin.checkin);
- ``ROSTER_FIELDS``: the kiosk snapshot's roster (no position or organisation: least data;
  models.checkin.stats.kiosk_snapshot);
- ``PERSON_FIELDS``: a person the ceremony names (models.ceremony.view.person_json);
- ``PICK_FIELDS`` / ``ARRIVAL_FIELDS``: the MC's "receive on behalf" picker and a district's
  arrivals list (admin.ceremony.mc, admin.districts.views), which show the name with its honorific.

``attendee_summary`` takes an ``Attendee`` or a row (the hot check-in path and the snapshot
select plain columns, not ORM objects) labelled like the Attendee's attributes: ``id``,
``honorific``, ``full_name``, ``position``, ``organisation``, ``group`` (the group's name),
``seat`` (the seat's label), ``block_name``, ``block_code``, ``seat_row``, ``seat_number``,
``seat_needed`` (only those its fields need).
"""

from __future__ import annotations

from operator import attrgetter

from models.guests.models import Attendee
from models.hall.seats import phrase, seat_phrase

CHECKIN_FIELDS = ("id", "honorific", "name", "position", "organisation", "group", "seat", "seat_text", "seat_needed")
ROSTER_FIELDS = ("id", "honorific", "name", "seat", "seat_text", "group", "seat_needed")
PERSON_FIELDS = ("id", "honorific", "name", "position", "organisation", "seat")
PICK_FIELDS = ("id", "name", "organisation", "seat")
ARRIVAL_FIELDS = ("id", "name", "organisation", "group", "seat")

_FROM_ROW = {
    "id": attrgetter("id"),
    "honorific": attrgetter("honorific"),
    "name": attrgetter("full_name"),
    "position": attrgetter("position"),
    "organisation": attrgetter("organisation"),
    "group": attrgetter("group"),
    "seat": attrgetter("seat"),
    "seat_text": lambda r: phrase(r.block_name, r.block_code, r.seat_row, r.seat_number),
    "seat_needed": lambda r: bool(r.seat_needed),
}
_FROM_ORM = {
    **_FROM_ROW,
    "group": lambda a: a.group.name if a.group is not None else None,
    "seat": lambda a: a.seat.label if a.seat is not None else None,
    "seat_text": lambda a: seat_phrase(a.seat),
}


def attendee_summary(
    a, fields: tuple[str, ...] = CHECKIN_FIELDS, *, display_name: bool = False, blank: str | None = None
) -> dict:
    """``{field: value}`` for ``fields`` (in that order). ``display_name``: ``name`` with the
    honorific ("Ông Nguyễn Văn An"); ``blank``: what a missing ``group`` or ``seat`` shows
    (default None)."""
    get = _FROM_ORM if isinstance(a, Attendee) else _FROM_ROW
    out = {f: get[f](a) for f in fields}
    if display_name and "name" in out:
        out["name"] = f"{a.honorific} {a.full_name}".strip()
    if blank is not None:
        for key in ("group", "seat"):
            if key in out and out[key] is None:
                out[key] = blank
    return out
