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
import qrcode
import qrcode.constants
import qrcode.exceptions
from PIL import Image
from reportlab import rl_config
from reportlab.lib.pagesizes import A4, A6
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from sqlalchemy import select

from models.base import db
from models.event import Event, Group
from models.hall import Seat
from models.people import Attendee, Badge

FONT_DIR = "/usr/share/fonts/truetype/dejavu/"
FONT, BOLD = "DejaVuSans", "DejaVuSans-Bold"
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


def _fonts() -> None:
    # binary (Flate only) streams: the pure-Python ASCII85 step costs about 1 ms per badge
    rl_config.useA85 = 0
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, FONT_DIR + "DejaVuSans.ttf"))
        pdfmetrics.registerFont(TTFont(BOLD, FONT_DIR + "DejaVuSans-Bold.ttf"))


def event_line(ev: Event) -> str:
    weekday = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")[ev.date.weekday()]
    parts = [f"{weekday}, {ev.date.strftime('%d/%m/%Y')}"]
    if ev.venue:
        parts.append(ev.venue)
    return " · ".join(parts)


def badge_cards(ev: Event, *, attendee_ids: list[int] | None = None, group_id: int | None = None) -> list[BadgeCard]:
    """Cards for the invited delegates with a live badge (all, some ids, or one group), in group
    priority then Vietnamese name order (ids keep their given order)."""
    stmt = (
        select(Attendee.id, Attendee.honorific, Attendee.full_name, Attendee.position, Attendee.organisation,
               Group.name, Group.color, Seat.label, Badge.code)
        .join(Badge, (Badge.attendee_id == Attendee.id) & Badge.revoked_at.is_(None))
        .outerjoin(Group, Group.id == Attendee.group_id)
        .outerjoin(Seat, Seat.id == Attendee.seat_id)
        .where(Attendee.event_id == ev.id, Attendee.status == "invited")
        .order_by(Group.priority, Attendee.sort_key, Attendee.id)
    )
    if group_id is not None:
        stmt = stmt.where(Attendee.group_id == group_id)
    if attendee_ids is not None:
        stmt = stmt.where(Attendee.id.in_(attendee_ids))
    line = event_line(ev)
    cards = [BadgeCard(r[0], r[1] or "", r[2], r[3] or "", r[4] or "", r[5] or "", r[6] or "#607d8b",
                       r[7] or "", r[8], ev.name, line) for r in db.session.execute(stmt)]
    if attendee_ids is not None:
        pos = {a: i for i, a in enumerate(attendee_ids)}
        cards.sort(key=lambda c: pos.get(c.attendee_id, 0))
    return cards


def issue_badges_bulk(ev: Event, *, attendee_ids: list[int] | None = None,
                      group_id: int | None = None) -> int:
    """Give every selected invited delegate without a live badge a new one, in bulk (one query
    for the serials, one multi-row insert): what models.badges.issue_badge does one at a time.
    Returns how many were made. Does not commit."""
    from sqlalchemy import func, insert

    from models import codes
    from models.events import private_bytes, signing_key

    live = select(Badge.attendee_id).where(Badge.event_id == ev.id, Badge.revoked_at.is_(None))
    stmt = select(Attendee.id).where(Attendee.event_id == ev.id, Attendee.status == "invited",
                                     Attendee.id.not_in(live))
    if attendee_ids is not None:
        stmt = stmt.where(Attendee.id.in_(attendee_ids))
    if group_id is not None:
        stmt = stmt.where(Attendee.group_id == group_id)
    ids = list(db.session.scalars(stmt))
    if not ids:
        return 0
    serials = dict(db.session.execute(
        select(Badge.attendee_id, func.max(Badge.serial)).where(Badge.event_id == ev.id)
        .group_by(Badge.attendee_id)).all())
    key = signing_key(ev)
    private = private_bytes(key)
    rows = []
    for aid in ids:
        serial = (serials.get(aid) or 0) + 1
        rows.append({"event_id": ev.id, "attendee_id": aid, "serial": serial, "key_no": key.key_no,
                     "code": codes.make_code(private, event_tag=ev.tag, key_no=key.key_no,
                                             attendee_id=aid, serial=serial)})
    for start in range(0, len(rows), 2000):
        db.session.execute(insert(Badge), rows[start:start + 2000])
    db.session.expire_all()
    return len(rows)


def prepare_badges(ev: Event, *, attendee_ids: list[int] | None = None,
                   group_id: int | None = None) -> list[BadgeCard]:
    """Issue the missing badges of the selection (invited delegates: one, a group or all), mark
    the live ones printed, commit, and return their cards (see badge_cards)."""
    from models.timeutil import utcnow

    issue_badges_bulk(ev, attendee_ids=attendee_ids, group_id=group_id)
    cards = badge_cards(ev, attendee_ids=attendee_ids, group_id=group_id)
    ids = [c.attendee_id for c in cards]
    for start in range(0, len(ids), 1000):
        db.session.execute(db.update(Badge).where(
            Badge.attendee_id.in_(ids[start:start + 1000]), Badge.revoked_at.is_(None), Badge.printed_at.is_(None))
            .values(printed_at=utcnow()))
    db.session.commit()
    return cards


def qr_matrix(text: str) -> np.ndarray:
    """The QR modules (True = dark) at error correction M, without quiet zone, as the qrcode
    library makes them, only faster (that matters for 10,000 badges): the codewords with plain
    integer Reed-Solomon (_codewords), the modules placed with a precomputed order per version,
    and the mask chosen by the standard's penalty rules (ISO/IEC 18004 7.8.3) with numpy."""
    q = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0, mask_pattern=0)
    q.add_data(text)
    # the smallest version depends only on the segments' modes and lengths: found once for each
    shape = tuple((seg.mode, len(seg)) for seg in q.data_list)
    q.version = _versions.get(shape)
    if q.version is None:
        q.make(fit=True)
        _versions[shape] = q.version
    q.modules_count = q.version * 4 + 17
    words = _codewords(q)
    rows, cols, base, patterns = _qr_layout(q)
    bits = np.zeros(len(rows), dtype=bool)
    packed = np.unpackbits(np.array(words, dtype=np.uint8)).astype(bool)[:len(rows)]
    bits[:len(packed)] = packed
    best = None
    for mask in range(8):
        m = base.copy()
        m[rows, cols] = bits ^ patterns[mask][rows, cols]
        where, values = _format_info(q, mask)
        m[where] = values
        score = _penalty(m)
        if best is None or score < best[0]:
            best = (score, m)
    assert best is not None
    return best[1]


def _codewords(q: qrcode.QRCode) -> list[int]:
    """The data and error correction codewords of ``q`` (what qrcode.util.create_data returns),
    with plain integer arithmetic instead of the library's bit-by-bit buffer and polynomial
    objects. Raises DataOverflowError when the data does not fit the version."""
    from qrcode import base, util

    bits = []
    for seg in q.data_list:
        data = seg.data
        bits.append(f"{seg.mode:04b}{len(seg):0{util.length_in_bits(seg.mode, q.version)}b}")
        if seg.mode == util.MODE_NUMBER:
            for i in range(0, len(data), 3):
                chunk = data[i:i + 3]
                bits.append(f"{int(chunk):0{(4, 7, 10)[len(chunk) - 1]}b}")
        elif seg.mode == util.MODE_ALPHA_NUM:
            for i in range(0, len(data), 2):
                chunk = data[i:i + 2]
                if len(chunk) == 2:
                    bits.append(f"{util.ALPHA_NUM.find(chunk[:1]) * 45 + util.ALPHA_NUM.find(chunk[1:]):011b}")
                else:
                    bits.append(f"{util.ALPHA_NUM.find(chunk):06b}")
        else:
            bits.append("".join(f"{b:08b}" for b in data))
    stream = "".join(bits)
    blocks = base.rs_blocks(q.version, q.error_correction)
    limit = sum(b.data_count * 8 for b in blocks)
    if len(stream) > limit:
        raise qrcode.exceptions.DataOverflowError("data too long")
    stream += "0" * min(limit - len(stream), 4)
    stream += "0" * (-len(stream) % 8)
    words = [int(stream[i:i + 8], 2) for i in range(0, len(stream), 8)]
    words += [0xEC, 0x11] * ((limit // 8 - len(words)) // 2 + 1)
    words = words[:limit // 8]
    dc, ec, offset = [], [], 0
    for b in blocks:
        part = words[offset:offset + b.data_count]
        offset += b.data_count
        dc.append(part)
        ec.append(_rs_remainder(part, b.total_count - b.data_count))
    out = [blk[i] for i in range(max(map(len, dc))) for blk in dc if i < len(blk)]
    out += [blk[i] for i in range(max(map(len, ec))) for blk in ec if i < len(blk)]
    return out


_generators: dict[int, list[int]] = {}


def _rs_remainder(data: list[int], n: int) -> list[int]:
    """Reed-Solomon error correction codewords (GF(256), generator prod (x - a^i), i < n)."""
    from qrcode.base import EXP_TABLE, LOG_TABLE

    gen = _generators.get(n)
    if gen is None:
        poly = [1]
        for i in range(n):
            nxt = [0] * (len(poly) + 1)
            for j, c in enumerate(poly):
                nxt[j] ^= c
                if c:
                    nxt[j + 1] ^= EXP_TABLE[(LOG_TABLE[c] + i) % 255]
            poly = nxt
        gen = _generators[n] = [LOG_TABLE[c] for c in poly[1:]]
    rem = [0] * n
    for d in data:
        factor = d ^ rem[0]
        rem = rem[1:] + [0]
        if factor:
            lf = LOG_TABLE[factor]
            for i, g in enumerate(gen):
                rem[i] ^= EXP_TABLE[(lf + g) % 255]
    return rem


_versions: dict[tuple, int] = {}  # segments (mode, length) -> smallest QR version
_layouts: dict[int, tuple] = {}
_formats: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}


def _blank(q: qrcode.QRCode) -> list[list]:
    from qrcode.main import copy_2d_array, precomputed_qr_blanks

    return copy_2d_array(precomputed_qr_blanks[q.version])


def _qr_layout(q: qrcode.QRCode) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[np.ndarray]]:
    """For the symbol's version: the data modules in placement order (rows, cols: the two-column
    zigzag of map_data), the function patterns (and version information) as booleans, and the
    eight mask patterns."""
    hit = _layouts.get(q.version)
    if hit is None:
        from qrcode.main import precomputed_qr_blanks

        saved = q.modules
        if q.version not in precomputed_qr_blanks:
            q.makeImpl(False, 0)
        q.modules = _blank(q)
        q.setup_type_info(False, 0)
        if q.version >= 7:
            q.setup_type_number(False)
        grid = q.modules
        q.modules = saved
        n = len(grid)
        rows, cols = [], []
        row, inc = n - 1, -1
        for col in range(n - 1, 0, -2):
            if col <= 6:
                col -= 1
            while True:
                for c in (col, col - 1):
                    if grid[row][c] is None:
                        rows.append(row)
                        cols.append(c)
                row += inc
                if row < 0 or row >= n:
                    row -= inc
                    inc = -inc
                    break
        base = np.array([[bool(v) for v in r] for r in grid], dtype=bool)
        i, j = np.indices((n, n))
        patterns = [(i + j) % 2 == 0, i % 2 == 0, j % 3 == 0, (i + j) % 3 == 0, (i // 2 + j // 3) % 2 == 0,
                    (i * j) % 2 + (i * j) % 3 == 0, ((i * j) % 2 + (i * j) % 3) % 2 == 0,
                    ((i * j) % 3 + (i + j) % 2) % 2 == 0]
        hit = _layouts[q.version] = (np.array(rows), np.array(cols), base, patterns)
    return hit


def _format_info(q: qrcode.QRCode, mask: int) -> tuple[np.ndarray, np.ndarray]:
    """(positions, values) of the format information for this mask."""
    key = (q.version, mask)
    hit = _formats.get(key)
    if hit is None:
        saved = q.modules
        q.modules = [[None] * q.modules_count for _ in range(q.modules_count)]
        q.setup_type_info(False, mask)
        where = np.array([[v is not None for v in row] for row in q.modules], dtype=bool)
        values = np.array([[bool(v) for v in row] for row in q.modules], dtype=bool)[where]
        q.modules = saved
        hit = _formats[key] = (where, values)
    return hit


#: 1011101 0000 and 0000 1011101 as 11-bit numbers (rule 3)
_FINDERS = (0b10111010000, 0b00001011101)


def _penalty(m: np.ndarray) -> int:
    """The mask penalty of ISO/IEC 18004 7.8.3 (rules 1 to 4), vectorised."""
    n = m.shape[0]
    both = np.concatenate((m, m.T))  # rows, then columns as rows
    # rule 1: each run of k >= 5 modules of one colour in a line scores k - 2
    change = np.ones((2 * n, n + 1), dtype=bool)
    change[:, 1:n] = both[:, 1:] != both[:, :-1]
    runs = np.diff(np.flatnonzero(change))  # across line ends the difference is 1
    score = int((runs[runs >= 5] - 2).sum())
    # rule 3: 1:1:3:1:1 finder-like patterns with four light modules on one side, 40 each
    win = np.zeros((2 * n, n - 10), dtype=np.int32)
    for k in range(11):
        win = (win << 1) | both[:, k:k + n - 10]
    score += 40 * int(((win == _FINDERS[0]) | (win == _FINDERS[1])).sum())
    # rule 2: each 2x2 block of one colour scores 3
    a = m[:-1, :-1]
    score += 3 * int(((a == m[1:, :-1]) & (a == m[:-1, 1:]) & (a == m[1:, 1:])).sum())
    # rule 4: 10 per 5 % away from half dark
    return score + 10 * int(abs(m.mean() * 100 - 50) // 5)


@functools.lru_cache(maxsize=4096)
def _fit(text: str, font: str, width: float, size: float, min_size: float, max_lines: int) -> tuple[float, tuple]:
    s, lines = _fit_uncached(text, font, width, size=size, min_size=min_size, max_lines=max_lines)
    return s, tuple(lines)


def fit(text: str, font: str, width: float, *, size: float, min_size: float, max_lines: int) -> tuple[float, list[str]]:
    """See _fit_uncached (cached: titles, groups, positions and organisations repeat)."""
    s, lines = _fit(text, font, round(width, 3), size, min_size, max_lines)
    return s, list(lines)


def _fit_uncached(text: str, font: str, width: float, *, size: float, min_size: float,
                  max_lines: int) -> tuple[float, list[str]]:
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


def _hex(color: str) -> tuple[float, float, float]:
    c = color.lstrip("#")
    try:
        return tuple(int(c[i:i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]
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

    y = block(card.event_title, BOLD, 9, 6.5, 3, top, colour=(0.1, 0.15, 0.2))
    y = block(card.event_line, FONT, 7.5, 6, 1, y - 1 * mm, colour=(0.3, 0.3, 0.3))
    # the group band
    band_h = 8 * mm
    y -= 2.5 * mm + band_h
    r, g, b = _hex(card.color)
    c.setFillColorRGB(r, g, b)
    c.rect(x0 + m, y, inner, band_h, stroke=0, fill=1)
    light = (0.299 * r + 0.587 * g + 0.114 * b) > 0.6
    s, lines = fit(card.group.upper(), BOLD, inner - 4 * mm, size=10, min_size=6, max_lines=1)
    if lines:
        c.setFillColorRGB(*((0, 0, 0) if light else (1, 1, 1)))
        c.setFont(BOLD, s)
        c.drawCentredString(x0 + w / 2, y + band_h / 2 - s * 0.35, lines[0])

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
    # bottom: QR (left) and seat (right)
    modules = qr_matrix(card.code)
    n = modules.shape[0]
    unit = QR_MM * mm / n
    quiet = QUIET_MODULES * unit
    qx, qy = x0 + m + quiet, y0 + m + quiet
    img = Image.fromarray(np.where(modules, 0, 255).astype(np.uint8), mode="L")
    c.drawImage(ImageReader(img), qx, qy, n * unit, n * unit)
    sx0 = x0 + m + QR_MM * mm + 2 * quiet
    sw = x0 + w - m - sx0
    if card.seat and sw > 10 * mm:
        cx = sx0 + sw / 2
        c.setFillColorRGB(0.3, 0.3, 0.3)
        c.setFont(FONT, 8)
        c.drawCentredString(cx, y0 + m + quiet + QR_MM * mm * 0.62, "GHẾ")
        s, lines = fit(card.seat, BOLD, sw, size=16, min_size=8, max_lines=1)
        c.setFillColorRGB(0, 0, 0)
        c.setFont(BOLD, s)
        c.drawCentredString(cx, y0 + m + quiet + QR_MM * mm * 0.35, lines[0])


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
            for card, (x, y, w, h) in zip(cards[i:i + 4], slots, strict=False):
                draw_card(c, card, x, y, w, h)
                _crop_marks(c, x, y, w, h)
            c.showPage()
    c.save()
    return buf.getvalue()
