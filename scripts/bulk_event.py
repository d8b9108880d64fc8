"""An event with n delegates and signed badges, written in bulk (benchmarks and chaos tests).

Call inside an app context on a migrated database.
"""

from __future__ import annotations

from datetime import date


def bulk_event(
    n: int, *, slug: str, name: str, device: str, person: str = "Nguyễn Văn Thử", honorific: str = "Ông"
) -> tuple[list[tuple[int, str]], str]:
    """Create the event, n invited delegates (ids 1..n) with one badge each, and a kiosk
    device. Returns ([(attendee id, code)], device token)."""
    from sqlalchemy import insert

    from models import codes as C
    from models.accounts.models import Device, hash_token
    from models.core.base import db
    from models.core.names import fold, sort_key
    from models.events.models import Group
    from models.events.service import create_event, private_bytes
    from models.guests.models import Attendee, Badge

    ev = create_event(slug=slug, name=name, date=date(2025, 5, 22), planned_seats=n)
    group = Group(event_id=ev.id, code="g", name="Đại biểu", priority=1)
    db.session.add(group)
    db.session.flush()
    rows = []
    for i in range(1, n + 1):
        full = f"{person} {i}"
        rows.append(
            {
                "id": i,
                "event_id": ev.id,
                "honorific": honorific,
                "full_name": full,
                "name_key": fold(full),
                "sort_key": sort_key(full),
                "position": "",
                "organisation": "Sở Thử nghiệm",
                "group_id": group.id,
                "precedence": i,
                "status": "invited",
                "external_key": f"{slug}-{i}",
                "source": slug,
            }
        )
    db.session.execute(insert(Attendee), rows)
    key = ev.keys[0]
    private = private_bytes(key)
    people = [
        (i, C.make_code(private, event_tag=ev.tag, key_no=key.key_no, attendee_id=i, serial=1)) for i in range(1, n + 1)
    ]
    db.session.execute(
        insert(Badge),
        [{"event_id": ev.id, "attendee_id": i, "serial": 1, "key_no": key.key_no, "code": c} for i, c in people],
    )
    token = Device.new_token()
    db.session.add(Device(name=device, token_hash=hash_token(token)))
    db.session.commit()
    return people, token
