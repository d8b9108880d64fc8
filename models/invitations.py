"""Invitation letters ("giấy mời"): one A4 page per delegate, in the formal Vietnamese style.

letter_data(ev, district) -> list[Letter]: the district's delegation (models.delegation_service.
    delegation) with a live badge, in Vietnamese name order. Read-only.
issue_missing(ev, district) -> int: gives a badge to delegates of the district that have none.
render_letters(ev, letters, issued_on) -> PDF bytes (DejaVu Sans embedded). Raises ValueError
    when there is no letter to print.

Each page: the issuing body (Event.organiser) and the national motto header, place and date,
"GIẤY MỜI", the event, "Kính mời: <honorific> <name>", position, organisation, time, place,
seat, the badge QR (the attendee's current code) and the signature block.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date

import numpy as np
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from models.badge_pdf import fit
from models.badges import issue_badge
from models.delegation_service import delegation
from models.demo_mark import draw_demo_mark
from models.event import District, Event
from models.pdf_fonts import BOLD, FONT_DIR, register_fonts
from models.pdf_fonts import REGULAR as FONT
from models.qr import qr_matrix

ITALIC = "DejaVuSans-Oblique"
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")
QR_SIZE = 36 * mm
#: "TP Nha Trang" -> "Nha Trang" in the place-and-date line
_PLACE_PREFIX = re.compile(r"^(thành phố|tp\.?|thị xã|tx\.?|huyện|tỉnh)\s+", re.IGNORECASE)


@dataclass
class Letter:
    attendee_id: int
    honorific: str
    name: str
    position: str
    organisation: str
    seat: str
    code: str
    district: str


def letter_data(ev: Event, district: District) -> list[Letter]:
    out = []
    for a in delegation(district):
        badge = a.current_badge
        if badge is None:
            continue
        out.append(Letter(a.id, a.honorific, a.full_name, a.position, a.organisation,
                          a.seat.label if a.seat else "", badge.code, district.name))
    return out


def issue_missing(ev: Event, district: District) -> int:
    n = 0
    for a in delegation(district):
        if a.current_badge is None:
            issue_badge(a, ev)
            n += 1
    return n


def _italic() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if ITALIC in pdfmetrics.getRegisteredFontNames():
        return ITALIC
    path = FONT_DIR / "DejaVuSans-Oblique.ttf"
    if not path.exists():  # fonts-dejavu-extra is not installed: upright text instead
        return FONT
    pdfmetrics.registerFont(TTFont(ITALIC, str(path)))
    return ITALIC


def when_text(ev: Event) -> str:
    """ "08 giờ 00, Thứ Năm, ngày 22 tháng 5 năm 2025" """
    d = ev.date
    day = f"{WEEKDAYS[d.weekday()]}, ngày {d.day:02d} tháng {d.month:02d} năm {d.year}"
    return (f"{ev.start_time.hour:02d} giờ {ev.start_time.minute:02d}, " + day) if ev.start_time else day


def venue_text(ev: Event) -> str:
    """Venue and address without repeating a part: "Hội trường …, TP Nha Trang, tỉnh Khánh Hòa"."""
    parts: list[str] = []
    for p in f"{ev.venue or ''},{ev.address or ''}".split(","):
        p = p.strip()
        if p and p.lower() not in (q.lower() for q in parts):
            parts.append(p)
    return ", ".join(parts)


def render_letters(ev: Event, letters: list[Letter], issued_on: date, place: str = "") -> bytes:
    if not letters:
        raise ValueError("Chưa có đại biểu nào có thẻ để in giấy mời.")
    register_fonts()
    italic = _italic()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, pageCompression=1, initialFontName=FONT, initialFontSize=12)
    c.setTitle(f"Giấy mời · {letters[0].district}")
    c.setAuthor(ev.organiser or "Event Kiosk")
    for letter in letters:
        _page(c, ev, letter, issued_on, place, italic)
        c.showPage()
    c.save()
    return buf.getvalue()


def _centred(c: canvas.Canvas, text: str, font: str, cx: float, width: float, y: float, *, size: float,
             min_size: float, lines: int = 1, gap: float = 1.25) -> float:
    """Draw ``text`` centred on cx, fitted to ``width``; returns the baseline of the last line."""
    s, parts = fit(text, font, width, size=size, min_size=min_size, max_lines=lines)
    c.setFont(font, s)
    for i, part in enumerate(parts):
        if i:
            y -= s * gap
        c.drawCentredString(cx, y, part)
    return y


def _page(c: canvas.Canvas, ev: Event, lt: Letter, issued_on: date, place: str, italic: str) -> None:
    w, h = A4
    left, right = 25 * mm, w - 18 * mm
    top = h - 20 * mm
    if ev.is_demo:  # above the header, in the top margin: covers neither text nor the QR
        draw_demo_mark(c, w / 2, h - 8 * mm, size=10)
    # header: the issuing body (left column), the national motto (right column)
    lw, rw = 66 * mm, right - left - 70 * mm
    lx, rx = left + lw / 2, right - rw / 2
    c.setLineWidth(0.6)
    # "UBND tỉnh Khánh Hòa · Sở Nông nghiệp và Môi trường": the parent body above, the issuing one in bold
    bodies = [p.strip() for p in (ev.organiser or "Ban tổ chức").split("·") if p.strip()] or ["Ban tổ chức"]
    y = top + 15
    for i, body in enumerate(bodies):
        last = i == len(bodies) - 1
        y = _centred(c, body.upper(), BOLD if last else FONT, lx, lw, y - 15, size=11, min_size=8, lines=3)
    c.line(lx - 10 * mm, y - 2.2 * mm, lx + 10 * mm, y - 2.2 * mm)
    y = _centred(c, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", BOLD, rx, rw, top, size=11, min_size=8)
    y = _centred(c, "Độc lập - Tự do - Hạnh phúc", BOLD, rx, rw, y - 15, size=12, min_size=9)
    tw = c.stringWidth("Độc lập - Tự do - Hạnh phúc", BOLD, 12)
    c.line(rx - tw / 2, y - 3, rx + tw / 2, y - 3)
    place_name = place or _PLACE_PREFIX.sub("", (ev.venue or "").split(",")[-1].strip())
    dateline = f"ngày {issued_on.day:02d} tháng {issued_on.month:02d} năm {issued_on.year}"
    _centred(c, f"{place_name}, {dateline}" if place_name else dateline.capitalize(), italic, rx, rw, y - 24,
             size=11, min_size=8)
    # title and the event
    y = top - 40 * mm
    c.setFont(BOLD, 24)
    c.drawCentredString(w / 2, y, "GIẤY MỜI")
    y = _centred(c, ev.name, BOLD, w / 2, right - left - 10 * mm, y - 26, size=14, min_size=10, lines=3, gap=1.3)
    y -= 34
    # the addressee
    s, lines = fit(f"Kính mời: {lt.honorific} {lt.name}".replace("  ", " "), BOLD, right - left, size=16,
                   min_size=10, max_lines=2)
    c.setFont(BOLD, s)
    for line in lines:
        c.drawString(left, y, line)
        y -= s * 1.5
    y -= 2

    def field(label: str, value: str, y: float, *, size: float = 13, lines: int = 2) -> float:
        if not value:
            return y
        c.setFont(FONT, size)
        c.drawString(left, y, label)
        lab = c.stringWidth(label + " ", FONT, size)
        s2, parts = fit(value, FONT, right - left - lab, size=size, min_size=size - 1, max_lines=lines)
        if " ".join(parts) != " ".join(value.split()):  # cut short even on two lines: smaller
            s2, parts = fit(value, FONT, right - left - lab, size=size, min_size=8, max_lines=lines + 1)
        c.setFont(FONT, s2)
        for part in parts:
            c.drawString(left + lab, y, part)
            y -= s2 * 1.55
        return y - 3

    y = field("Chức vụ:", lt.position, y)
    y = field("Đơn vị:", lt.organisation, y)
    y -= 8
    s, lines = fit(f"Tới dự {ev.short_name or ev.name}.", FONT, right - left, size=13, min_size=9, max_lines=3)
    c.setFont(FONT, s)
    for line in lines:
        c.drawString(left, y, line)
        y -= s * 1.55
    y -= 3
    y = field("Thời gian:", when_text(ev), y)
    y = field("Địa điểm:", venue_text(ev), y)
    y = field("Đoàn đại biểu:", lt.district, y)
    if lt.seat:
        c.setFont(FONT, 13)
        c.drawString(left, y, "Chỗ ngồi:")
        c.setFont(BOLD, 18)
        c.drawString(left + c.stringWidth("Chỗ ngồi: ", FONT, 13), y, lt.seat)
        y -= 26
    # the badge QR with a quiet zone of 4 modules, and how to use it
    modules = qr_matrix(lt.code)
    n = modules.shape[0]
    unit = QR_SIZE / n
    qy = y - QR_SIZE - 8 * unit
    img = Image.fromarray(np.where(modules, 0, 255).astype(np.uint8), mode="L")
    c.drawImage(ImageReader(img), left + 4 * unit, qy + 4 * unit, QR_SIZE, QR_SIZE)
    tx = left + QR_SIZE + 12 * unit
    note = ("Đề nghị đại biểu mang theo giấy mời này (hoặc thẻ đại biểu) và đưa mã QR vào máy quét tại "
            "cửa hội trường để điểm danh và xem chỗ ngồi.")
    s, lines = fit(note, italic, right - tx, size=11, min_size=10, max_lines=6)
    ty = qy + 4 * unit + QR_SIZE - s
    c.setFont(italic, s)
    for line in lines:
        c.drawString(tx, ty, line)
        ty -= s * 1.45
    # the signature block (right) and the recipients (left)
    sy = min(qy - 10 * mm, 80 * mm)
    c.setFont(BOLD, 12)
    c.drawCentredString(rx, sy, "TM. BAN TỔ CHỨC")
    c.setFont(italic, 10)
    c.drawCentredString(rx, sy - 15, "(Ký, ghi rõ họ tên và đóng dấu)")
    c.setFont(BOLD, 10)
    c.drawString(left, sy, "Nơi nhận:")
    c.setFont(FONT, 9)
    c.drawString(left, sy - 13, "- Như trên;")
    s, lines = fit(f"- {lt.district} (để thông báo);", FONT, lw, size=9, min_size=7, max_lines=1)
    c.setFont(FONT, s)
    c.drawString(left, sy - 25, lines[0])
    c.setFont(FONT, 9)
    c.drawString(left, sy - 37, "- Lưu: VT, BTC.")
