"""Demo data for district delegations: quotas, a private link per district, a few nominations.

prepare_demo_delegations(ev) -> int (links made). For each district: nomination places (quotas)
in the commune, OCOP and SME groups (QUOTAS), a link whose deadline is 17:00 three days before the
event (local time), and in the first two districts two pending SME nominations (the second over
the quota), so the review page and the officer page have something to show. The demo's guest
list already holds most delegates; the quotas are the places each district still fills itself.
Idempotent: a district that already has a link is left alone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from models.core.base import db
from models.districts import delegations as ds
from models.events.models import Event, Group

QUOTAS = {"ubnd-xa": 2, "chu-the-ocop": 3, "doanh-nghiep": 1}
DEMO_NOMINEES = [
    ("Ông", "Trương Văn Lực", "Giám đốc", "HTX Dịch vụ Nông nghiệp {d}", "0905 610 201"),
    ("Bà", "Lương Thị Bích Ngọc", "Chủ cơ sở", "Cơ sở sản xuất nước mắm {d}", "0914 220 318"),
    ("Ông", "Tạ Quang Thịnh", "Giám đốc", "Công ty TNHH Thực phẩm {d}", "0935 118 402"),
    ("Bà", "Mai Thị Thu Sương", "Chủ nhiệm", "Tổ hợp tác trồng nấm {d}", "0978 330 519"),
]


def prepare_demo_delegations(ev: Event, *, nominate_in: int = 2) -> int:
    groups = {g.code: g for g in db.session.scalars(select(Group).where(Group.event_id == ev.id))}
    tz = ZoneInfo(ev.timezone)
    deadline = (
        datetime.combine(ev.date - timedelta(days=3), datetime.min.time(), tz)
        .replace(hour=17)
        .astimezone(UTC)
        .replace(tzinfo=None)
    )
    made = 0
    for i, d in enumerate(ev.districts):
        if ds.current_link(d) is not None:
            continue
        for code, n in QUOTAS.items():
            if code in groups:
                ds.set_quota(d, groups[code], n, actor="demo")
        link = ds.new_link(d, deadline, actor="demo")
        made += 1
        if i < nominate_in and "doanh-nghiep" in groups:
            for hon, name, pos, org, phone in DEMO_NOMINEES[2 * i : 2 * i + 2]:
                ds.save_nomination(
                    link,
                    {
                        "honorific": hon,
                        "full_name": name,
                        "position": pos,
                        "organisation": org.format(d=d.name),
                        "phone": phone,
                        "group": str(groups["doanh-nghiep"].id),
                    },
                    now=deadline - timedelta(days=1),
                )
    db.session.flush()
    return made
