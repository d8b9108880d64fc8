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
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from models.badge_pdf import BOLD, FONT, _fonts, fit, qr_matrix
from models.badges import issue_badge
from models.delegation_service import delegation
from models.event import District, Event

ITALIC = "DejaVuSans-Oblique"
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")
QR_SIZE = 32 * mm


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

    from models.badge_pdf import FONT_DIR

    if ITALIC in pdfmetrics.getRegisteredFontNames():
        return ITALIC
    path = Path(FONT_DIR) / "DejaVuSans-Oblique.ttf"
    if not path.exists():  # fonts-dejavu-extra is not installed: upright text instead
        return FONT
    pdfmetrics.registerFont(TTFont(ITALIC, str(path)))
    return ITALIC


def when_text(ev: Event) -> str:
    """ "08 giờ 00, Thứ Năm, ngày 22 tháng 5 năm 2025" """
    d = ev.date
    day = f"{WEEKDAYS[d.weekday()]}, ngày {d.day:02d} tháng {d.month:02d} năm {d.year}"
    return (f"{ev.start_time.hour:02d} giờ {ev.start_time.minute:02d}, " + day) if ev.start_time else day


def render_letters(ev: Event, letters: list[Letter], issued_on: date, place: str = "") -> bytes:
    if not letters:
        raise ValueError("Chưa có đại biểu nào có thẻ để in giấy mời.")
    _fonts()
    italic = _italic()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, pageCompression=1)
    c.setTitle(f"Giấy mời · {letters[0].district}")
    c.setAuthor(ev.organiser or "Event Kiosk")
    for letter in letters:
        _page(c, ev, letter, issued_on, place, italic)
        c.showPage()
    c.save()
    return buf.getvalue()


def _page(c: canvas.Canvas, ev: Event, lt: Letter, issued_on: date, place: str, italic: str) -> None:
    w, h = A4
    left, right = 25 * mm, w - 18 * mm
    top = h - 18 * mm
    # header: issuing body (left), national motto (right)
    lw = 75 * mm
    lx = left + lw / 2
    s, lines = fit((ev.organiser or "BAN TỔ CHỨC").upper(), BOLD, lw, size=11, min_size=8, max_lines=3)
    y = top
    c.setFont(BOLD, s)
    for line in lines:
        y -= s * 1.2
        c.drawCentredString(lx, y, line)
    c.setLineWidth(0.6)
    c.line(lx - 12 * mm, y - 2.5 * mm, lx + 12 * mm, y - 2.5 * mm)
    rx = right - 50 * mm
    c.setFont(BOLD, 11)
    c.drawCentredString(rx, top - 13, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    c.setFont(BOLD, 12)
    c.drawCentredString(rx, top - 28, "Độc lập - Tự do - Hạnh phúc")
    tw = c.stringWidth("Độc lập - Tự do - Hạnh phúc", BOLD, 12)
    c.line(rx - tw / 2, top - 31, rx + tw / 2, top - 31)
    c.setFont(italic, 11)
    place_name = place or (ev.venue or "").split(",")[-1].strip()
    dateline = f"ngày {issued_on.day:02d} tháng {issued_on.month:02d} năm {issued_on.year}"
    c.drawCentredString(rx, top - 50, f"{place_name}, {dateline}" if place_name else dateline.capitalize())
    # title
    y = top - 95
    c.setFont(BOLD, 22)
    c.drawCentredString(w / 2, y, "GIẤY MỜI")
    y -= 22
    s, lines = fit(ev.name, BOLD, right - left - 10 * mm, size=13, min_size=9, max_lines=3)
    c.setFont(BOLD, s)
    for line in lines:
        c.drawCentredString(w / 2, y, line)
        y -= s * 1.3
    y -= 14
    # addressee
    s, lines = fit(f"Kính mời: {lt.honorific} {lt.name}".replace("  ", " "), BOLD, right - left, size=15,
                   min_size=10, max_lines=2)
    c.setFont(BOLD, s)
    for line in lines:
        c.drawString(left, y, line)
        y -= s * 1.35
    y -= 4

    def field(label: str, value: str, y: float, *, size: float = 12, lines: int = 2) -> float:
        if not value:
            return y
        c.setFont(FONT, size)
        c.drawString(left, y, label)
        lab = c.stringWidth(label + " ", FONT, size)
        s2, parts = fit(value, FONT, right - left - lab, size=size, min_size=9, max_lines=lines)
        c.setFont(FONT, s2)
        for part in parts:
            c.drawString(left + lab, y, part)
            y -= s2 * 1.45
        return y - 2

    y = field("Chức vụ:", lt.position, y)
    y = field("Đơn vị:", lt.organisation, y)
    y -= 6
    c.setFont(FONT, 12)
    body = f"Tới dự {ev.name}." if not ev.short_name else f"Tới dự {ev.short_name}."
    s, lines = fit(body, FONT, right - left, size=12, min_size=9, max_lines=3)
    c.setFont(FONT, s)
    for line in lines:
        c.drawString(left, y, line)
        y -= s * 1.45
    y -= 2
    y = field("Thời gian:", when_text(ev), y)
    y = field("Địa điểm:", ", ".join(p for p in (ev.venue, ev.address) if p), y)
    y = field("Đoàn đại biểu:", lt.district, y)
    if lt.seat:
        c.setFont(FONT, 12)
        c.drawString(left, y, "Chỗ ngồi:")
        c.setFont(BOLD, 16)
        c.drawString(left + c.stringWidth("Chỗ ngồi: ", FONT, 12), y, lt.seat)
        y -= 24
    # QR with a quiet zone of 4 modules
    modules = qr_matrix(lt.code)
    n = modules.shape[0]
    unit = QR_SIZE / n
    qy = y - QR_SIZE - 8 * unit
    img = Image.fromarray(np.where(modules, 0, 255).astype(np.uint8), mode="L")
    c.drawImage(ImageReader(img), left + 4 * unit, qy + 4 * unit, QR_SIZE, QR_SIZE)
    tx = left + QR_SIZE + 10 * unit
    c.setFont(italic, 10)
    note = ("Đề nghị đại biểu mang theo giấy mời này và đưa mã QR vào máy quét tại cửa hội trường "
            "để điểm danh và xem chỗ ngồi.")
    s, lines = fit(note, italic, right - tx, size=10, min_size=8, max_lines=4)
    ty = qy + 8 * unit + QR_SIZE - 14
    c.setFont(italic, s)
    for line in lines:
        c.drawString(tx, ty, line)
        ty -= s * 1.4
    # signature block and recipients
    sy = min(qy - 14, 95 * mm)
    c.setFont(BOLD, 12)
    c.drawCentredString(rx, sy, "TM. BAN TỔ CHỨC")
    c.setFont(italic, 10)
    c.drawCentredString(rx, sy - 15, "(Ký, ghi rõ họ tên và đóng dấu)")
    c.setFont(italic, 10)
    c.drawString(left, sy, "Nơi nhận:")
    c.setFont(FONT, 9)
    c.drawString(left, sy - 13, "- Như trên;")
    c.drawString(left, sy - 25, f"- {lt.district} (để thông báo);")
    c.drawString(left, sy - 37, "- Lưu: VT, BTC.")
