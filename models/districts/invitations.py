"""Invitation letters ("giấy mời"): one A4 page per delegate, laid out as Decree 30/2020/NĐ-CP lays
out an administrative letter, set in Liberation Serif (Times New Roman metrics, every Vietnamese letter).

letter_data(ev, district) -> list[Letter]: the district's delegation (models.districts.delegations.
    delegation) with a live badge, in Vietnamese name order; booth staff (exhibitor-staff groups)
    get no letter. Read-only.
issue_missing(ev, district) -> int: gives a badge to delegates of the district that have none
    (booth staff excepted).
render_letters(ev, letters, issued_on=None, place="", number=None) -> PDF bytes. The number, date
    and place come from the event's letter settings (Event.letter_*); the arguments override them
    for one print. No date anywhere: "ngày …… tháng …… năm ……" is left for the signer, never the
    print date. Raises ValueError when there is no letter to print.

Each page: top left the parent body and, in bold below it, the issuing body with a short rule
under it (Event.parent_body / issuing_body, else Event.organiser "A · B") and "Số: …"; top right
the national motto with its rule and, in italics, the place and date; "GIẤY MỜI" and the event;
"Kính mời: <honorific> <name>", position, organisation, time, place, the district, the seat only
when the delegate has one, the badge QR (the attendee's current code); bottom right the signer
(authority, title, room for the signature and seal, name in bold); bottom left "Nơi nhận:".
A demo event's letters carry a visible "DEMO" mark.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date

import numpy as np
from PIL import Image
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from models.core.pdf_fonts import SERIF as FONT
from models.core.pdf_fonts import SERIF_BOLD as BOLD
from models.core.pdf_fonts import SERIF_BOLD_ITALIC as BOLD_ITALIC
from models.core.pdf_fonts import SERIF_ITALIC as ITALIC
from models.core.pdf_fonts import register_serif
from models.core.qr import qr_matrix
from models.core.vndate import document_date, weekday_text
from models.districts.delegations import delegation
from models.events.models import Event
from models.guests.badge_pdf import fit
from models.guests.badges import issue_badge
from models.guests.models import Attendee
from models.hall.seats import seat_phrase
from models.units.models import District

QR_SIZE = 34 * mm
#: body text size (Decree 30: 13-14 pt)
BODY = 13
#: what a blank for the signer's hand looks like
BLANK = "……"
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


def _seat_text(attendee: Attendee) -> str:
    """The seat as printed on the letter; "" for a seatless delegate (no seat is promised)."""
    return seat_phrase(attendee.seat, label=True)


def _gets_letter(a: Attendee) -> bool:
    return not (a.group is not None and a.group.is_exhibitor_staff)


def letter_data(ev: Event, district: District) -> list[Letter]:
    out = []
    for a in delegation(district):
        badge = a.current_badge
        if badge is None or not _gets_letter(a):
            continue
        out.append(
            Letter(a.id, a.honorific, a.full_name, a.position, a.organisation, _seat_text(a), badge.code, district.name)
        )
    return out


def issue_missing(ev: Event, district: District) -> int:
    n = 0
    for a in delegation(district):
        if a.current_badge is None and _gets_letter(a):
            issue_badge(a, ev)
            n += 1
    return n


def when_text(ev: Event) -> str:
    """ "08 giờ 00, Thứ Năm, ngày 22 tháng 5 năm 2025" (the date per Decree 30: models.core.vndate)"""
    d = ev.date
    day = f"{weekday_text(d)}, {document_date(d)}"
    return (f"{ev.start_time.hour:02d} giờ {ev.start_time.minute:02d}, " + day) if ev.start_time else day


def venue_text(ev: Event) -> str:
    """Venue and address without repeating a part: "Hội trường …, TP Nha Trang, tỉnh Khánh Hòa"."""
    parts: list[str] = []
    for p in f"{ev.venue or ''},{ev.address or ''}".split(","):
        p = p.strip()
        if p and p.lower() not in (q.lower() for q in parts):
            parts.append(p)
    return ", ".join(parts)


def bodies(ev: Event) -> tuple[str, str]:
    """(parent body, issuing body) in capitals: the event's settings, else Event.organiser split
    on "·" ("UBND tỉnh Khánh Hòa · Sở Nông nghiệp và Môi trường"); the parent may be ""."""
    parent, issuing = (ev.parent_body or "").strip(), (ev.issuing_body or "").strip()
    if not (parent or issuing):
        parts = [p.strip() for p in (ev.organiser or "").split("·") if p.strip()] or ["Ban tổ chức"]
        parent, issuing = " · ".join(parts[:-1]), parts[-1]
    elif not issuing:
        parent, issuing = "", parent
    return parent.upper(), issuing.upper()


def date_line(ev: Event, issued_on: date | None, place: str = "") -> str:
    """ "Khánh Hòa, ngày 10 tháng 5 năm 2025", or with blanks for the signer when no date is set."""
    place = place or ev.letter_place or _PLACE_PREFIX.sub("", (ev.venue or "").split(",")[-1].strip())
    if issued_on is None:
        when = f"ngày {BLANK} tháng {BLANK} năm {BLANK}"
    else:
        when = document_date(issued_on)
    return f"{place}, {when}" if place else when[0].upper() + when[1:]


def recipients(ev: Event, district: str) -> list[str]:
    """The "Nơi nhận:" lines: the event's setting (one per line, "- " added), else the usual three."""
    lines = [ln.strip() for ln in (ev.letter_recipients or "").splitlines() if ln.strip()]
    if not lines:
        return ["- Như trên;", f"- {district} (để thông báo);", "- Lưu: VT, BTC."]
    return [ln if ln.startswith(("-", "–", "+")) else f"- {ln}" for ln in lines]


def render_letters(
    ev: Event, letters: list[Letter], issued_on: date | None = None, place: str = "", number: str | None = None
) -> bytes:
    if not letters:
        raise ValueError("Chưa có đại biểu nào có thẻ để in giấy mời.")
    register_serif()
    setting = _Setting(
        number=(ev.letter_number or "").strip() if number is None else number.strip(),
        dateline=date_line(ev, issued_on if issued_on is not None else ev.letter_date, place),
        bodies=bodies(ev),
        authority=(ev.signer_authority or "").strip().upper() or "TM. BAN TỔ CHỨC",
        title=(ev.signer_title or "").strip().upper(),
        signer=(ev.signer_name or "").strip(),
    )
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, pageCompression=1, initialFontName=FONT, initialFontSize=BODY)
    c.setTitle(f"Giấy mời · {letters[0].district}")
    c.setAuthor(setting.bodies[1])
    for letter in letters:
        _page(c, ev, letter, setting)
        c.showPage()
    c.save()
    return buf.getvalue()


@dataclass
class _Setting:
    number: str
    dateline: str
    bodies: tuple[str, str]
    authority: str
    title: str
    signer: str


def _centred(
    c: canvas.Canvas,
    text: str,
    font: str,
    cx: float,
    width: float,
    y: float,
    *,
    size: float,
    min_size: float,
    lines: int = 1,
    gap: float = 1.2,
) -> float:
    """Draw ``text`` centred on cx, fitted to ``width``; returns the baseline of the last line."""
    s, parts = fit(text, font, width, size=size, min_size=min_size, max_lines=lines)
    parts = _balanced(text, font, width, s, parts)
    c.setFont(font, s)
    for i, part in enumerate(parts):
        if i:
            y -= s * gap
        c.drawCentredString(cx, y, part)
    return y


def _balanced(text: str, font: str, width: float, size: float, parts: list[str]) -> list[str]:
    """Lines of even length for a wrapped centred heading ("ỦY BAN NHÂN DÂN / TỈNH KHÁNH HÒA",
    not "ỦY BAN NHÂN DÂN TỈNH KHÁNH / HÒA"): the narrowest width that keeps the number of lines."""
    if len(parts) < 2 or any("…" in p for p in parts):
        return parts
    best, w = parts, width
    while w > width / len(parts):
        w *= 0.95
        s2, trial = fit(text, font, w, size=size, min_size=size, max_lines=len(parts))
        if len(trial) != len(parts) or any("…" in p for p in trial) or " ".join(trial) != " ".join(text.split()):
            break
        best = trial
    return best


#: page geometry (Decree 30: left margin 30-35 mm, right 15-20 mm, top and bottom 20-25 mm)
_W, _H = A4
_LEFT, _RIGHT, _TOP = 30 * mm, _W - 15 * mm, _H - 20 * mm
_LW = 76 * mm  # the bodies' column
_RW = _RIGHT - _LEFT - _LW - 1 * mm  # the motto's column
_LX, _RX = _LEFT + _LW / 2, _RIGHT - _RW / 2


def _page(c: canvas.Canvas, ev: Event, lt: Letter, st: _Setting) -> None:
    if ev.is_demo:
        _demo_mark(c)
    y = _header(c, st)
    y = _body(c, ev, lt, y)
    _footer(c, ev, lt, st, y)


def _demo_mark(c: canvas.Canvas) -> None:
    """A demo letter must never pass for a real one: "DEMO" at the top and faint across the page."""
    c.saveState()
    c.setFillColor(Color(0.75, 0.1, 0.1))
    c.setFont(BOLD, 13)
    c.drawCentredString(_W / 2, _H - 11 * mm, "DEMO · dữ liệu mẫu, không có giá trị")
    c.setFillColor(Color(0.75, 0.1, 0.1, alpha=0.10))
    c.translate(_W / 2, _H / 2)
    c.rotate(35)
    c.setFont(BOLD, 150)
    c.drawCentredString(0, -50, "DEMO")
    c.restoreState()


def _header(c: canvas.Canvas, st: _Setting) -> float:
    """Bodies and number (left), motto and place-date (right); returns the lowest baseline."""
    c.setLineWidth(0.6)
    parent, issuing = st.bodies
    y = _TOP + 12.5 * 1.2
    if parent:
        y = _centred(c, parent, FONT, _LX, _LW, y - 12.5 * 1.2, size=12.5, min_size=12, lines=2)
    y = _centred(c, issuing, BOLD, _LX, _LW, y - 12.5 * 1.2, size=12.5, min_size=12, lines=3)
    c.line(_LX - 12 * mm, y - 6, _LX + 12 * mm, y - 6)  # the short rule under the issuing body
    left_y = _centred(c, f"Số: {st.number or BLANK}", FONT, _LX, _LW, y - 24, size=BODY, min_size=10)
    y = _centred(c, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", BOLD, _RX, _RW, _TOP, size=12.5, min_size=10)
    motto = "Độc lập - Tự do - Hạnh phúc"
    y = _centred(c, motto, BOLD, _RX, _RW, y - 16, size=BODY, min_size=10)
    tw = c.stringWidth(motto, BOLD, BODY)
    c.line(_RX - tw / 2, y - 6, _RX + tw / 2, y - 6)
    right_y = _centred(c, st.dateline, ITALIC, _RX, _RW, max(y - 24, left_y), size=BODY, min_size=10)
    return min(left_y, right_y)


def _lines(
    c: canvas.Canvas,
    text: str,
    font: str,
    x: float,
    y: float,
    width: float,
    *,
    size: float = BODY,
    lines: int = 3,
    lead: float = 1.45,
) -> float:
    """Draw ``text`` from x, wrapped to ``width``; returns the next baseline."""
    s, parts = fit(text, font, width, size=size, min_size=size - 2, max_lines=lines)
    c.setFont(font, s)
    for part in parts:
        c.drawString(x, y, part)
        y -= s * lead
    return y


def _body(c: canvas.Canvas, ev: Event, lt: Letter, y: float) -> float:
    """Title, the event, the addressee and the practical lines; returns the next baseline."""
    width = _RIGHT - _LEFT
    y -= 16 * mm
    c.setFont(BOLD, 15)
    c.drawCentredString(_W / 2, y, "GIẤY MỜI")
    y = _centred(c, ev.name, BOLD, _W / 2, width - 20 * mm, y - 20, size=BODY + 1, min_size=11, lines=3) - 30
    y = _lines(
        c,
        f"Kính mời: {lt.honorific} {lt.name}".replace("  ", " "),
        BOLD,
        _LEFT,
        y,
        width,
        size=BODY + 1,
        lines=2,
        lead=1.5,
    )

    def field(label: str, value: str, y: float) -> float:
        if not value:
            return y
        c.setFont(FONT, BODY)
        c.drawString(_LEFT, y, label)
        lab = c.stringWidth(label + " ", FONT, BODY)
        return _lines(c, value, FONT, _LEFT + lab, y, width - lab, lines=2, lead=1.55)

    y = field("Chức vụ:", lt.position, y)
    y = field("Đơn vị:", lt.organisation, y)
    y = _lines(c, f"Tới dự {ev.short_name or ev.name}.", FONT, _LEFT, y - 4, width)
    y = field("Thời gian:", when_text(ev), y)
    y = field("Địa điểm:", venue_text(ev), y)
    y = field("Đoàn đại biểu:", lt.district, y)
    if lt.seat:
        c.setFont(FONT, BODY)
        c.drawString(_LEFT, y, "Chỗ ngồi:")
        c.setFont(BOLD, 16)
        c.drawString(_LEFT + c.stringWidth("Chỗ ngồi: ", FONT, BODY), y, lt.seat)
        y -= BODY * 1.6
    return y


def _footer(c: canvas.Canvas, ev: Event, lt: Letter, st: _Setting, y: float) -> None:
    """The badge QR with its instruction, the signer (right) and "Nơi nhận:" (left)."""
    modules = qr_matrix(lt.code)
    unit = QR_SIZE / modules.shape[0]
    qy = y - QR_SIZE - 6 * unit
    img = Image.fromarray(np.where(modules, 0, 255).astype(np.uint8), mode="L")
    c.drawImage(ImageReader(img), _LEFT, qy, QR_SIZE, QR_SIZE)  # the page's white is the quiet zone
    tx = _LEFT + QR_SIZE + 6 * mm
    note = (
        "Đề nghị đại biểu mang theo giấy mời này (hoặc thẻ đại biểu) và đưa mã QR vào máy quét tại "
        "cửa hội trường để điểm danh" + (" và xem chỗ ngồi." if lt.seat else ".")
    )
    ty = _lines(c, note, ITALIC, tx, qy + QR_SIZE - BODY, _RIGHT - tx, size=12, lines=5, lead=1.35)
    _lines(c, "Rất mong đại biểu đến dự đúng giờ./.", FONT, tx, ty - 4, _RIGHT - tx, size=BODY, lines=1)
    # the signer, bottom right: authority, title, room for the signature and seal, the name in bold
    sy = max(qy - 10 * mm, 62 * mm)
    y = _centred(c, st.authority, BOLD, _RX, _RW, sy, size=BODY, min_size=10, lines=2)
    if st.title:
        y = _centred(c, st.title, BOLD, _RX, _RW, y - BODY * 1.25, size=BODY, min_size=10, lines=2)
    if st.signer:
        _centred(c, st.signer, BOLD, _RX, _RW, y - 30 * mm, size=BODY + 1, min_size=10)
    # "Nơi nhận:" bottom left, bold italic, with the small lines under it
    c.setFont(BOLD_ITALIC, 12)
    c.drawString(_LEFT, sy, "Nơi nhận:")
    ly = sy - 13
    for line in recipients(ev, lt.district)[:8]:
        s, parts = fit(line, FONT, _LW, size=11, min_size=8, max_lines=1)
        c.setFont(FONT, s)
        c.drawString(_LEFT, ly, parts[0] if parts else "")
        ly -= 12.5
