"""Badge PDFs: A6 one card per page, or A4 with four cards and crop marks.

Each card: event title and date, a band in the group's colour (with the group's name), honorific
and name large, position, organisation, the seat, and the QR code (error correction M, at least
QR_MM wide, a quiet zone of 4 modules kept white). DejaVu Sans is embedded (Vietnamese). Every
text is fitted to its box: it shrinks, then wraps, and never leaves the card (a 4 mm safe margin
stays blank inside the card edge).

badge_cards(ev, ...) -> list[BadgeCard] (read-only; cards only for delegates with a live badge)
render_badges(cards, layout="a6"|"a4") -> PDF bytes. Raises ValueError for an unknown layout.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass

import numpy as np
from PIL import Image
from reportlab.lib.pagesizes import A4, A6
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas
from sqlalchemy import select

from models.core.base import db
from models.core.pdf_fonts import BOLD as BOLD_FONT
from models.core.pdf_fonts import FONT_DIR as PDF_FONT_DIR
from models.core.pdf_fonts import REGULAR, register_fonts
from models.core.qr import qr_matrix
from models.core.vndate import numeric_date, weekday_text
from models.events.demo_mark import draw_demo_mark
from models.events.models import Event, Group
from models.guests.models import Attendee, Badge
from models.hall.models import Block, Seat
from models.hall.seats import phrase

FONT_DIR = str(PDF_FONT_DIR) + "/"
FONT, BOLD = REGULAR, BOLD_FONT
#: the QR symbol's width without its quiet zone
QR_MM = 27.0
QUIET_MODULES = 4
SAFE_MM = 4.0
#: the card on A4 sheets (four per sheet, crop marks in the gutters)
A4_CARD = (95 * mm, 135 * mm)
LAYOUTS = ("a6", "a4")


@dataclass
class BadgeCard:
    attendee_id: int
    honorific: str
    name: str
    position: str
    organisation: str
    group: str
    color: str
    seat: str
    code: str
    event_title: str
    event_line: str
    #: the event's badge logo (PNG bytes, checked at upload) or None
    logo: bytes | None = None
    #: the parent and issuing bodies ("UBND TỈNH KHÁNH HÒA", "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG"), if set
    bodies: tuple[str, ...] = ()
    #: the demo event's badge: a "DEMO" mark above the title
    demo: bool = False
    #: the seat spelled out, "Khu giữa · Hàng 8 · Ghế 6" (models.hall.seats.phrase)
    seat_text: str = ""
    #: False for booth staff whose group has no hall seats: no seat line at all
    needs_seat: bool = True


#: printed where the seat would be when a delegate who needs a hall seat has none yet
SEATLESS = "Chỗ ngồi: nhận tại bàn đón tiếp"


def _fonts() -> None:
    register_fonts()


def event_line(ev: Event) -> str:
    parts = [f"{weekday_text(ev.date)}, {numeric_date(ev.date)}"]  # Decree 30 zeros: "Thứ Năm, 06/5/2027"
    if ev.venue:
        parts.append(ev.venue)
    return " · ".join(parts)


def badge_cards(ev: Event, *, attendee_ids: list[int] | None = None, group_id: int | None = None) -> list[BadgeCard]:
    """Cards for the invited delegates with a live badge (all, some ids, or one group), in group
    priority then Vietnamese name order (ids keep their given order)."""
    stmt = (
        select(
            Attendee.id,
            Attendee.honorific,
            Attendee.full_name,
            Attendee.position,
            Attendee.organisation,
            Group.name,
            Group.color,
            Seat.label,
            Badge.code,
            Block.name,
            Block.code,
            Seat.row,
            Seat.number,
            Group.is_exhibitor_staff,
            Group.seats_reserved,
        )
        .join(Badge, (Badge.attendee_id == Attendee.id) & Badge.revoked_at.is_(None))
        .outerjoin(Group, Group.id == Attendee.group_id)
        .outerjoin(Seat, Seat.id == Attendee.seat_id)
        .outerjoin(Block, Block.id == Seat.block_id)
        .where(Attendee.event_id == ev.id, Attendee.status == "invited")
        .order_by(Group.priority, Attendee.sort_key, Attendee.id)
    )
    if group_id is not None:
        stmt = stmt.where(Attendee.group_id == group_id)
    if attendee_ids is not None:
        stmt = stmt.where(Attendee.id.in_(attendee_ids))
    line = event_line(ev)
    logo = ev.logo or None
    bodies = tuple(b.strip() for b in (ev.parent_body, ev.issuing_body) if b and b.strip())
    cards = [
        BadgeCard(
            r[0],
            r[1] or "",
            r[2],
            r[3] or "",
            r[4] or "",
            r[5] or "",
            r[6] or "#607d8b",
            r[7] or "",
            r[8],
            ev.name,
            line,
            logo,
            bodies,
            demo=bool(ev.is_demo),
            seat_text=phrase(r[9], r[10], r[11], r[12]),
            needs_seat=not (r[13] and not r[14]),
        )
        for r in db.session.execute(stmt)
    ]
    if attendee_ids is not None:
        pos = {a: i for i, a in enumerate(attendee_ids)}
        cards.sort(key=lambda c: pos.get(c.attendee_id, 0))
    return cards


def issue_badges_bulk(ev: Event, *, attendee_ids: list[int] | None = None, group_id: int | None = None) -> int:
    """Give every selected invited delegate without a live badge a new one, in bulk (one query
    for the serials, one multi-row insert): what models.guests.badges.issue_badge does one at a time.
    Returns how many were made. Does not commit."""
    from sqlalchemy import func, insert

    from models import codes
    from models.events.service import private_bytes, signing_key

    live = select(Badge.attendee_id).where(Badge.event_id == ev.id, Badge.revoked_at.is_(None))
    stmt = select(Attendee.id).where(Attendee.event_id == ev.id, Attendee.status == "invited", Attendee.id.not_in(live))
    if attendee_ids is not None:
        stmt = stmt.where(Attendee.id.in_(attendee_ids))
    if group_id is not None:
        stmt = stmt.where(Attendee.group_id == group_id)
    ids = list(db.session.scalars(stmt))
    if not ids:
        return 0
    serials = dict(
        db.session.execute(
            select(Badge.attendee_id, func.max(Badge.serial)).where(Badge.event_id == ev.id).group_by(Badge.attendee_id)
        ).all()
    )
    key = signing_key(ev)
    private = private_bytes(key)
    rows = []
    for aid in ids:
        serial = (serials.get(aid) or 0) + 1
        rows.append(
            {
                "event_id": ev.id,
                "attendee_id": aid,
                "serial": serial,
                "key_no": key.key_no,
                "code": codes.make_code(private, event_tag=ev.tag, key_no=key.key_no, attendee_id=aid, serial=serial),
            }
        )
    for start in range(0, len(rows), 2000):
        db.session.execute(insert(Badge), rows[start : start + 2000])
    db.session.expire_all()
    return len(rows)


def prepare_badges(ev: Event, *, attendee_ids: list[int] | None = None, group_id: int | None = None) -> list[BadgeCard]:
    """Issue the missing badges of the selection (invited delegates: one, a group or all), mark
    the live ones printed, commit, and return their cards (see badge_cards)."""
    from models.core.timeutil import utcnow

    issue_badges_bulk(ev, attendee_ids=attendee_ids, group_id=group_id)
    cards = badge_cards(ev, attendee_ids=attendee_ids, group_id=group_id)
    ids = [c.attendee_id for c in cards]
    for start in range(0, len(ids), 1000):
        db.session.execute(
            db.update(Badge)
            .where(
                Badge.attendee_id.in_(ids[start : start + 1000]), Badge.revoked_at.is_(None), Badge.printed_at.is_(None)
            )
            .values(printed_at=utcnow())
        )
    db.session.commit()
    return cards


@functools.lru_cache(maxsize=4096)
def _fit(text: str, font: str, width: float, size: float, min_size: float, max_lines: int) -> tuple[float, tuple]:
    s, lines = _fit_uncached(text, font, width, size=size, min_size=min_size, max_lines=max_lines)
    return s, tuple(lines)


def fit(text: str, font: str, width: float, *, size: float, min_size: float, max_lines: int) -> tuple[float, list[str]]:
    """See _fit_uncached (cached: titles, groups, positions and organisations repeat)."""
    s, lines = _fit(text, font, round(width, 3), size, min_size, max_lines)
    return s, list(lines)


def _fit_uncached(
    text: str, font: str, width: float, *, size: float, min_size: float, max_lines: int
) -> tuple[float, list[str]]:
    """(font size, lines) so that every line is at most ``width`` wide: shrink down to
    ``min_size`` on one line, then wrap on up to ``max_lines`` lines; at the smallest size words
    longer than the width are broken and the last line is cut with "…" (only if nothing fits)."""
    words = text.split()
    if not words:
        return size, []
    w = pdfmetrics.stringWidth
    sizes = [size - 0.5 * i for i in range(int((size - min_size) / 0.5) + 1)]
    for lines_allowed in range(1, max_lines + 1):
        for s in sizes:
            lines = _wrap(words, font, s, width)
            if lines is not None and len(lines) <= lines_allowed:
                return s, lines
    s = min_size
    lines: list[str] = []
    cur = ""
    for ch in " ".join(words):
        if w(cur + ch, font, s) > width:
            lines.append(cur)
            cur = ch.lstrip()
        else:
            cur += ch
    lines.append(cur)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and w(last + "…", font, s) > width:
            last = last[:-1]
        lines[-1] = last + "…"
    return s, lines


def _wrap(words: list[str], font: str, size: float, width: float) -> list[str] | None:
    w = pdfmetrics.stringWidth
    lines: list[str] = []
    cur = ""
    for word in words:
        if w(word, font, size) > width:
            return None
        trial = f"{cur} {word}" if cur else word
        if w(trial, font, size) <= width:
            cur = trial
        else:
            lines.append(cur)
            cur = word
    lines.append(cur)
    return lines


def hex_rgb(color: str) -> tuple[float, float, float]:
    """A ``#rrggbb`` colour as reportlab's (r, g, b) in 0..1; slate grey when unreadable."""
    c = color.lstrip("#")
    try:
        return tuple(int(c[i : i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]
    except (ValueError, IndexError):
        return (0.38, 0.49, 0.55)


def draw_card(c: canvas.Canvas, card: BadgeCard, x0: float, y0: float, w: float, h: float) -> None:
    """Draw one card with its bottom-left corner at (x0, y0)."""
    m = SAFE_MM * mm
    inner = w - 2 * m
    top = y0 + h - m

    def block(text, font, size, min_size, lines, y, *, colour=(0, 0, 0), gap=1.18, draw=True):
        s, out = fit(text, font, inner, size=size, min_size=min_size, max_lines=lines)
        if draw:
            c.setFillColorRGB(*colour)
        for line in out:
            y -= s
            if draw:
                c.setFont(font, s)
                c.drawCentredString(x0 + w / 2, y, line)
            y -= s * (gap - 1)
        return y

    if card.demo:
        top -= draw_demo_mark(c, x0 + w / 2, top, size=8) + 1.5 * mm
    y = _header(c, card, x0, w, top, inner, m)
    y = block(card.event_title, BOLD, 9, 6.5, 3, y, colour=(0.1, 0.15, 0.2))
    y = block(card.event_line, FONT, 7.5, 6, 1, y - 1 * mm, colour=(0.3, 0.3, 0.3))
    y = _group_band(c, card, x0, w, y, inner, m)

    def person(y: float, draw: bool) -> float:
        if card.honorific:
            y = block(card.honorific, FONT, 11, 8, 1, y, colour=(0.2, 0.2, 0.2), draw=draw) - 0.5 * mm
        y = block(card.name, BOLD, 21, 11, 3, y, draw=draw) - 1.5 * mm
        if card.position:
            y = block(card.position, FONT, 10, 7, 2, y, colour=(0.15, 0.15, 0.15), draw=draw)
        if card.organisation:
            y = block(card.organisation, FONT, 9.5, 7, 2, y, colour=(0.15, 0.15, 0.15), draw=draw)
        return y

    # the person's block, centred in the space between the band and the QR code
    start = y - 3 * mm
    floor = y0 + m + QR_MM * mm + 2 * QUIET_MODULES * (QR_MM * mm / 41) + 2 * mm
    spare = (person(start, False) - floor) if start > floor else 0
    person(start - max(0.0, spare) * 0.4, True)
    _qr_and_seat(c, card, x0, y0, w, m)


def _group_band(c: canvas.Canvas, card: BadgeCard, x0: float, w: float, y: float, inner: float, m: float) -> float:
    """The band in the group's colour below ``y`` with the group's name (black or white, as
    reads best); returns the band's bottom."""
    band_h = 8 * mm
    y -= 2.5 * mm + band_h
    r, g, b = hex_rgb(card.color)
    c.setFillColorRGB(r, g, b)
    c.rect(x0 + m, y, inner, band_h, stroke=0, fill=1)
    light = (0.299 * r + 0.587 * g + 0.114 * b) > 0.6
    s, lines = fit(card.group.upper(), BOLD, inner - 4 * mm, size=10, min_size=6, max_lines=1)
    if lines:
        c.setFillColorRGB(*((0, 0, 0) if light else (1, 1, 1)))
        c.setFont(BOLD, s)
        c.drawCentredString(x0 + w / 2, y + band_h / 2 - s * 0.35, lines[0])
    return y


def _qr_and_seat(c: canvas.Canvas, card: BadgeCard, x0: float, y0: float, w: float, m: float) -> None:
    """The card's bottom: the QR code (left, with its quiet zone) and the seat (right)."""
    modules = qr_matrix(card.code)
    n = modules.shape[0]
    unit = QR_MM * mm / n
    quiet = QUIET_MODULES * unit
    qx, qy = x0 + m + quiet, y0 + m + quiet
    img = Image.fromarray(np.where(modules, 0, 255).astype(np.uint8), mode="L")
    c.drawImage(ImageReader(img), qx, qy, n * unit, n * unit)
    sx0 = x0 + m + QR_MM * mm + 2 * quiet
    sw = x0 + w - m - sx0
    if sw > 10 * mm:
        _draw_seat(c, card, sx0 + sw / 2, sw - 2 * mm, y0 + m + quiet, QR_MM * mm)


def seat_lines(text: str, width: float, *, size: float = 15, min_size: float = 8) -> tuple[float, list[str]]:
    """The seat phrase on one line, or on two broken between its parts ("Khu giữa" /
    "Hàng 8 · Ghế 6"), at the largest size that fits ``width``; else fit()'s wrapping."""
    parts = text.split(" · ")
    options = [[text]] + [[" · ".join(parts[:i]), " · ".join(parts[i:])] for i in range(1, len(parts))]
    w = pdfmetrics.stringWidth
    for step in range(int((size - min_size) / 0.5) + 1):
        s = size - 0.5 * step
        fitting = [o for o in options if max(w(x, BOLD, s) for x in o) <= width]
        if fitting:
            return s, min(fitting, key=lambda o: (len(o), max(w(x, BOLD, s) for x in o)))
    return fit(text, BOLD, width, size=min_size, min_size=min_size, max_lines=3)


def _draw_seat(c: canvas.Canvas, card: BadgeCard, cx: float, width: float, y_bottom: float, height: float) -> None:
    """Right of the QR: "CHỖ NGỒI", the seat spelled out and its short label, centred on the
    QR's height; "Chỗ ngồi: nhận tại bàn đón tiếp" for a delegate without a seat who needs one;
    nothing for booth staff without hall seats."""
    rows: list[tuple[str, str, float, tuple[float, float, float]]] = []
    if card.seat:
        rows.append(("CHỖ NGỒI" if card.seat_text else "GHẾ", FONT, 7.5, (0.3, 0.3, 0.3)))
        if card.seat_text:
            s, lines = seat_lines(card.seat_text, width)
            rows += [(line, BOLD, s, (0, 0, 0)) for line in lines]
            rows.append((card.seat, FONT, 9, (0.25, 0.25, 0.25)))
        else:
            s, lines = fit(card.seat, BOLD, width, size=16, min_size=8, max_lines=1)
            rows.append((lines[0], BOLD, s, (0, 0, 0)))
    elif card.needs_seat:
        s, lines = fit(SEATLESS, BOLD, width, size=11, min_size=7, max_lines=3)
        rows += [(line, BOLD, s, (0.55, 0.1, 0.1)) for line in lines]
    if not rows:
        return
    total = sum(r[2] * 1.3 for r in rows)
    y = y_bottom + height / 2 + total / 2
    for text, font_name, s, colour in rows:
        y -= s * 1.3
        c.setFillColorRGB(*colour)
        c.setFont(font_name, s)
        c.drawCentredString(cx, y + s * 0.3, text)


#: the logo's height at the top of a card; the bodies' text sits beside it
LOGO_MM = 10.0


@functools.lru_cache(maxsize=4)
def _logo_image(png: bytes) -> tuple[ImageReader, float]:
    """The logo as an ImageReader (drawn once per card: cached) and its width/height ratio."""
    img = Image.open(io.BytesIO(png))
    img.load()
    return ImageReader(img), img.width / max(1, img.height)


def _header(c: canvas.Canvas, card: BadgeCard, x0: float, w: float, top: float, inner: float, m: float) -> float:
    """The logo (top left, at most LOGO_MM high and a third of the width) and the parent and
    issuing bodies (small capitals, beside the logo, or centred without one). Returns the y
    under them (``top`` when there is neither). The QR code is at the bottom: never covered."""
    if not card.logo and not card.bodies:
        return top
    lw = lh = 0.0
    if card.logo:
        reader, ratio = _logo_image(card.logo)
        lh = LOGO_MM * mm
        lw = lh * ratio
        if lw > inner / 3:
            lw, lh = inner / 3, inner / 3 / ratio
        c.drawImage(reader, x0 + m, top - lh, lw, lh, mask="auto")
    y = top
    if card.bodies:
        gap = 2 * mm if lw else 0.0
        tx, tw = x0 + m + lw + gap, inner - lw - gap
        c.setFillColorRGB(0.15, 0.15, 0.15)
        for i, text in enumerate(card.bodies[:2]):
            s, lines = fit(text.upper(), BOLD if i else FONT, tw, size=7, min_size=5, max_lines=1)
            y -= s * 1.15
            c.setFont(BOLD if i else FONT, s)
            if lw:
                c.drawString(tx, y, lines[0])
            else:
                c.drawCentredString(x0 + w / 2, y, lines[0])
    return min(y, top - lh) - 1.5 * mm


def _crop_marks(c: canvas.Canvas, x0: float, y0: float, w: float, h: float) -> None:
    off, length = 1.0 * mm, 3.5 * mm
    c.setLineWidth(0.25)
    c.setStrokeColorRGB(0, 0, 0)
    for x in (x0, x0 + w):
        for y in (y0, y0 + h):
            sx = -1 if x == x0 else 1
            sy = -1 if y == y0 else 1
            c.line(x + sx * off, y, x + sx * (off + length), y)
            c.line(x, y + sy * off, x, y + sy * (off + length))


def a4_slots() -> list[tuple[float, float, float, float]]:
    """The four card rectangles (x, y, w, h) on an A4 sheet, top-left first."""
    pw, ph = A4
    cw, ch = A4_CARD
    out = []
    for row in (1, 0):
        for col in (0, 1):
            out.append((col * pw / 2 + (pw / 2 - cw) / 2, row * ph / 2 + (ph / 2 - ch) / 2, cw, ch))
    return out


def render_badges(cards: list[BadgeCard], layout: str = "a6", *, title: str = "Thẻ đại biểu") -> bytes:
    """The PDF (bytes). a6: one card per A6 page (the card is the page). a4: four cards per A4
    sheet with crop marks. An empty list gives a one-page PDF saying so."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}")
    _fonts()
    buf = io.BytesIO()
    size = A6 if layout == "a6" else A4
    c = canvas.Canvas(buf, pagesize=size, pageCompression=1, initialFontName=FONT, initialFontSize=9)
    c.setTitle(title)
    c.setAuthor("Event Kiosk")
    if not cards:
        c.setFont(FONT, 10)
        c.drawString(10 * mm, size[1] - 20 * mm, "Không có thẻ nào để in.")
        c.showPage()
    elif layout == "a6":
        for card in cards:
            draw_card(c, card, 0, 0, *A6)
            c.showPage()
    else:
        slots = a4_slots()
        for i in range(0, len(cards), 4):
            for card, (x, y, w, h) in zip(cards[i : i + 4], slots, strict=False):
                draw_card(c, card, x, y, w, h)
                _crop_marks(c, x, y, w, h)
            c.showPage()
    c.save()
    return buf.getvalue()
