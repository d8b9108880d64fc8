"""results_xlsx(ev) -> .xlsx bytes: the awarded products (tier, product, producer, unit, decision
no., recipient), one row per award, in hand-out order, every text cell formula-safe
(models.exhibition.reports.put_cell)."""

from __future__ import annotations

import io

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from models.ceremony.models import Award, AwardTier
from models.core.base import db
from models.events.models import Event
from models.exhibition.reports import put_cell
from models.guests.exports import sheet_title

RESULTS_HEAD = (
    "TT",
    "Hạng khen thưởng",
    "Hạng sao",
    "Sản phẩm",
    "Chủ thể (nhà sản xuất)",
    "Đơn vị",
    "Số quyết định",
    "Người nhận",
)


def results_xlsx(ev: Event) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    awards = list(
        db.session.scalars(
            select(Award)
            .join(AwardTier, Award.tier_id == AwardTier.id)
            .where(Award.event_id == ev.id)
            .options(joinedload(Award.district), joinedload(Award.recipient))
            .order_by(AwardTier.sort_order, Award.position, Award.id)
        )
    )
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title("Sản phẩm được khen thưởng")
    for col, text in enumerate(RESULTS_HEAD, 1):
        put_cell(ws, 1, col, text)
        ws.cell(row=1, column=col).font = Font(bold=True)
    for r, a in enumerate(awards, 2):
        values = [
            r - 1,
            a.tier.name,
            a.tier.stars,
            a.product_name,
            a.entity_name,
            a.district.name if a.district else "",
            a.decision_no,
            a.recipient.display_name if a.recipient else "",
        ]
        for col, value in enumerate(values, 1):
            put_cell(ws, r, col, value)
    ws.freeze_panes = "A2"
    for col, width in zip("ABCDEFGH", (6, 34, 9, 40, 40, 22, 22, 30), strict=True):
        ws.column_dimensions[col].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
