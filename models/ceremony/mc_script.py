"""The MC script (PDF, A4): the paper backup of the MC tablet.

The programme with planned times, then each batch with its presenter and its recipients in
call order, one row per person (honorific + name, every entity — product they receive in that
batch, district, seat; "7 người · 9 giải" in the batch heading), built from the database each
time it is asked for (so it is "regenerated after changes"). DejaVu fonts (Vietnamese
diacritics); never the built-in Helvetica. Always in Vietnamese (the MC reads Vietnamese on
stage), whatever the page language: tier names are AwardTier.name.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from models.ceremony.models import AwardBatch
from models.ceremony.sequence import batches_of, calls_in
from models.core.base import db
from models.core.pdf_fonts import register_fonts
from models.core.timeutil import local, utcnow
from models.core.vndate import document_date, time_and_date
from models.events.models import Event, ProgrammeItem


def _fonts() -> None:
    register_fonts()


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName="DejaVuSans", fontSize=10, leading=13)
    return {
        "base": base,
        "title": ParagraphStyle(
            "title", parent=base, fontName="DejaVuSans-Bold", fontSize=14, leading=18, alignment=TA_CENTER
        ),
        "sub": ParagraphStyle("sub", parent=base, alignment=TA_CENTER, textColor=colors.grey),
        "h2": ParagraphStyle(
            "h2", parent=base, fontName="DejaVuSans-Bold", fontSize=12, leading=16, spaceBefore=8, spaceAfter=4
        ),
        "bold": ParagraphStyle("bold", parent=base, fontName="DejaVuSans-Bold"),
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=11),
    }


def _p(text: object, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(text or "")), style)


def _grid(rows: list[list], widths: list[float], header: bool = True) -> Table:
    t = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    t.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONTNAME", (0, 0), (-1, -1), "DejaVuSans"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.lightgrey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5") if header else colors.white),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return t


def mc_script_pdf(event: Event) -> bytes:
    """The MC script of ``event`` as PDF bytes (see the module docstring)."""
    _fonts()
    st = _styles()
    printed = local(utcnow(), event.timezone)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=f"Kịch bản MC — {event.name}",
        author="Event Kiosk",
        initialFontName="DejaVuSans",
        initialFontSize=10,
    )
    story: list = [
        _p("KỊCH BẢN DẪN CHƯƠNG TRÌNH", st["title"]),
        _p(event.name, st["title"]),
        _p(
            f"{event.venue} · {document_date(event.date)} · in lúc {time_and_date(printed)}",
            st["sub"],
        ),
        Spacer(1, 4 * mm),
        _p("I. Chương trình", st["h2"]),
    ]
    story.append(_programme_table(event, st))

    batches = batches_of(event.id)
    n_awards = sum(len(b.awards) for b in batches)
    n_people = len({a.recipient_id for b in batches for a in b.awards if a.recipient_id})
    story.append(
        _p(
            f"II. Trao thưởng: {len(batches)} đợt, {n_people} người · {n_awards} giải, "
            f"tối đa {event.stage_capacity} người mỗi đợt",
            st["h2"],
        )
    )
    if not batches:
        story.append(_p("Chưa có danh sách trao thưởng.", st["base"]))
    for b in batches:
        story.append(KeepTogether(_batch_block(b, len(batches), st)))
    doc.build(story, onFirstPage=_footer, onLaterPages=_footer)
    return buf.getvalue()


def _programme_table(event: Event, st: dict) -> Table:
    """Part I: the programme items with their planned times (award items in bold)."""
    items = db.session.scalars(
        db.select(ProgrammeItem)
        .where(ProgrammeItem.event_id == event.id)
        .order_by(ProgrammeItem.position, ProgrammeItem.id)
    ).all()
    rows = [
        [_p("Giờ", st["bold"]), _p("Phút", st["bold"]), _p("Nội dung", st["bold"]), _p("Người thực hiện", st["bold"])]
    ]
    for it in items:
        rows.append(
            [
                _p(it.planned_start.strftime("%H:%M") if it.planned_start else "", st["base"]),
                _p(it.planned_minutes, st["base"]),
                _p(
                    it.title + ("  [trao thưởng]" if it.kind == "awards" else ""),
                    st["bold"] if it.kind == "awards" else st["base"],
                ),
                _p(it.speaker, st["small"]),
            ]
        )
    return _grid(rows, [14 * mm, 13 * mm, 98 * mm, 55 * mm])


def _batch_block(b: AwardBatch, total: int, st: dict) -> list:
    """A batch: its presenter, then one row per person (a recipient with several awards once,
    every product listed)."""
    presenter = f"{b.presenter.display_name} — {b.presenter.position}" if b.presenter else "(chưa chọn)"
    calls = calls_in(b.awards)
    out = [
        _p(f"Đợt {b.number}/{total} · {b.tier.name} · {len(calls)} người · {len(b.awards)} giải", st["h2"]),
        _p(f"Người trao: {presenter}", st["bold"]),
        Spacer(1, 1.5 * mm),
    ]
    rows = [
        [
            _p("#", st["bold"]),
            _p("Người nhận", st["bold"]),
            _p("Chủ thể — sản phẩm", st["bold"]),
            _p("Địa phương", st["bold"]),
            _p("Ghế", st["bold"]),
        ]
    ]
    for i, call in enumerate(calls, 1):
        first = call[0]
        names = []
        for a in call:
            if a.recipient is not None and a.recipient.display_name not in names:
                names.append(a.recipient.display_name)
        who = ", ".join(names) or "(chưa có người nhận)"
        if first.substitute is not None:
            who += f" (nhận thay: {first.substitute.display_name})"
        if all(a.status == "absent" for a in call):
            who += " — VẮNG"
        seat_of = first.substitute or first.recipient
        if len(call) > 1 and len({a.entity_name for a in call}) == 1:  # one entity, named once
            products = [_p(first.entity_name, st["base"])] + [_p(f"• {a.product_name}", st["base"]) for a in call]
        else:
            products = [_p(f"{a.entity_name} — {a.product_name}", st["base"]) for a in call]
        districts = sorted({a.district.name for a in call if a.district})
        rows.append(
            [
                _p(i, st["base"]),
                _p(who, st["bold"]),
                products,
                _p(", ".join(districts), st["small"]),
                _p(seat_of.seat.label if seat_of and seat_of.seat else "", st["small"]),
            ]
        )
    out.append(_grid(rows, [8 * mm, 50 * mm, 82 * mm, 25 * mm, 15 * mm]))
    return out


def _footer(canvas, doc) -> None:
    canvas.saveState()
    canvas.setFont("DejaVuSans", 8)
    canvas.setFillColor(colors.grey)
    canvas.drawRightString(A4[0] - 15 * mm, 8 * mm, f"Trang {doc.page}")
    canvas.restoreState()
