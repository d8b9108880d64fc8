"""Documents of the exhibition for visitors, the press and the province's portal.

catalogue_pdf(ev) -> PDF bytes: "Danh mục sản phẩm OCOP trưng bày", A4, Liberation Serif, grouped
    by delegation unit: exhibitor, products, stars, OCOP group, table. Only approved exhibitors
    (models.exhibition.public.public_units); every product once. An event with none gives one page
    saying so.
(The awarded products' list, results_xlsx, is the ceremony's: models.ceremony.results.)
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from models.core.vndate import document_date
from models.events.models import Event
from models.exhibition.public import public_units
from models.exhibition.reports import GROUP_NAMES, KIND_NAMES

CATALOGUE_TITLE = "Danh mục sản phẩm OCOP trưng bày"


def _stars(n: int | None) -> str:
    """ "★★★★ 4 sao" (the stars in DejaVu Sans: Liberation Serif has no ★), or "Tiềm năng"."""
    from models.core.pdf_fonts import register_fonts

    regular, _bold = register_fonts()
    return f'<font name="{regular}" color="#b26a00">{"★" * n}</font> {n} sao' if n else "Tiềm năng"


def catalogue_pdf(ev: Event) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    from models.core.pdf_fonts import register_serif

    serif, bold, italic, _bi = register_serif()
    styles = _catalogue_styles(serif, bold, italic)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=15 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=CATALOGUE_TITLE,
        author=ev.organiser or ev.name,
        initialFontName=serif,
        initialFontSize=11,
    )  # no stray Helvetica
    story = [
        Paragraph(CATALOGUE_TITLE.upper(), styles["title"]),
        Paragraph(escape(ev.name), styles["sub"]),
        Paragraph(escape(" · ".join(p for p in (ev.venue, document_date(ev.date)) if p)), styles["sub"]),
        Spacer(1, 6 * mm),
    ]
    units = public_units(ev)
    if not units:
        story.append(Paragraph("Chưa có sản phẩm nào được duyệt trưng bày.", styles["body"]))
    for unit in units:
        heading = escape(unit.name) + (f" · {escape(unit.area)}" if unit.area else "")
        story.append(Paragraph(heading, styles["unit"]))
        story.append(_unit_table(unit, styles))

    def footer(canvas, doc_) -> None:
        canvas.setFont(serif, 9)
        canvas.drawRightString(A4[0] - 15 * mm, 10 * mm, f"{ev.short_name or ev.name} · trang {doc_.page}")

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()


def _catalogue_styles(serif: str, bold: str, italic: str) -> dict:
    """The catalogue's paragraph styles: body, head (table head), unit (heading), title, sub."""
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle

    body = ParagraphStyle("body", fontName=serif, fontSize=11, leading=13.5)
    head = ParagraphStyle("head", parent=body, fontName=bold)
    unit_style = ParagraphStyle(
        "unit",
        fontName=bold,
        fontSize=14,
        leading=18,
        spaceBefore=8,
        spaceAfter=4,
        textColor=colors.HexColor("#0a3d2e"),
        keepWithNext=1,
    )
    title = ParagraphStyle("title", fontName=bold, fontSize=16, leading=20, alignment=1)
    sub = ParagraphStyle("sub", fontName=italic, fontSize=12, leading=15, alignment=1)
    return {"body": body, "head": head, "unit": unit_style, "title": title, "sub": sub}


def _unit_table(unit, styles: dict):
    """One unit's table: a row per product, an exhibitor's number, name and table spanning its rows."""
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Table, TableStyle

    body, head = styles["body"], styles["head"]
    widths = [w * mm for w in (11, 47, 48, 32, 25, 12)]
    rows = [[Paragraph(t, head) for t in ("TT", "Chủ thể", "Sản phẩm", "Hạng sao", "Nhóm OCOP", "Bàn")]]
    spans = []
    for n, x in enumerate(unit.exhibitors, start=1):
        first = len(rows)
        for i, p in enumerate(x.products):
            rows.append(
                [
                    Paragraph(str(n) if i == 0 else "", body),
                    Paragraph(f"{escape(x.name)}<br/><i>{KIND_NAMES.get(x.kind, '')}</i>" if i == 0 else "", body),
                    Paragraph(escape(p.name), body),
                    Paragraph(_stars(p.stars), body),
                    Paragraph(escape(GROUP_NAMES.get(p.ocop_group, p.ocop_group)), body),
                    Paragraph(str(x.table_number) if i == 0 and x.table_number else "", body),
                ]
            )
        if len(x.products) > 1:
            spans += [("SPAN", (c, first), (c, len(rows) - 1)) for c in (0, 1, 5)]
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#8a969f")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8f4ee")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                *spans,
            ]
        )
    )
    return table
