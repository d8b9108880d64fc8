"""Protocol (lễ tân): the rank an office gives, derived from a person's position and organisation.

An office list rarely has a "Thứ tự ưu tiên" column. Each event holds a protocol table
(ProtocolRank rows: an office, the body it must be of, a rank), made from DEFAULT_RANKS when the
event is made (from nothing, a template, or copied from an earlier event's table) and edited on
/admin/event/protocol. A person without a typed precedence gets the smallest rank of the lines
their position names (several offices, "Phó Bí thư Tỉnh ủy, Chủ tịch UBND tỉnh": the most
senior), else UNRANKED. A typed precedence always wins (Attendee.precedence_typed).

How a line matches (Ranker.rank):
  - the text is cut into words, accents and case folded (models.core.names.fold) but a word
    typed WITH accents must carry the same ones ("số" is not "sở"; "so" typed without accents
    is either; "Uỷ" and "Ủy" are the same word); abbreviations are written out (UBND, HĐND,
    PCT, GĐ, PGĐ, BTV, ĐBQH, MTTQ, …: ABBREVIATIONS) and "Việt Nam" is dropped;
  - "Phó" joins the word after it, so "Chủ tịch" never matches "Phó Chủ tịch";
  - the position is cut into offices at "," ";" and "kiêm"; the office (Chức vụ) must appear
    in one of them, not right after "thư ký", "trợ lý", "nguyên" (a secretary of the Chairman,
    a former Chairman);
  - the body (Cơ quan, may be empty: any body) must follow the office in the same part of the
    position ("Chủ tịch UBND tỉnh"), or, when nothing follows the office there, start the
    organisation ("Chủ tịch" of "UBND tỉnh Khánh Hòa");
  - a cell may list alternatives separated by ";" ("HĐND tỉnh; UBND tỉnh").

Every Attendee added or whose position, organisation or precedence_typed changes through the ORM
gets its derived rank at flush (a new one made with a precedence keeps it as typed;
models.guests.precedence.derive_on_flush: walk-ins, nominations, edits, copies); the guest
list import writes its rows itself (models/guests/imports.py), with the same Ranker.
models.guests.precedence.refresh_precedence(ev) re-derives the rank of everyone of the event without a typed precedence
(after the table changed; seat assignment and the award batches call it too).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import select

from models.core.base import db
from models.core.names import clean, fold
from models.events.models import Event, ProtocolRank

#: the precedence of a person whose title names no line of the table (and none was typed)
UNRANKED = 1000

_T = "HĐND tỉnh; UBND tỉnh"
_PROV_BODIES = "Hội Nông dân tỉnh; Hội Liên hiệp Phụ nữ tỉnh; Liên minh Hợp tác xã tỉnh; Liên đoàn Lao động tỉnh"
_DIST = "huyện; thị xã; thành phố"
_COMMUNE = "xã; phường; đặc khu; thị trấn"


def _each(prefix: str, levels: str) -> str:
    return "; ".join(f"{prefix} {lvl.strip()}" for lvl in levels.split(";"))


#: (Chức vụ, Cơ quan, Thứ tự ưu tiên): the table a new event starts with (Vietnamese protocol at
#: a provincial conference: the province's party, council and people's committee, a ministry's
#: guests above the province's departments, then departments, districts, communes)
DEFAULT_RANKS: tuple[tuple[str, str, int], ...] = (
    ("Bộ trưởng", "Bộ", 10),
    ("Bí thư", "Tỉnh ủy", 20),
    ("Chủ tịch", "HĐND tỉnh", 30),
    ("Chủ tịch", "UBND tỉnh", 40),
    ("Thứ trưởng", "Bộ", 50),
    ("Phó Bí thư Thường trực", "Tỉnh ủy", 60),
    ("Phó Bí thư", "Tỉnh ủy", 70),
    ("Phó Chủ tịch Thường trực", _T, 80),
    ("Phó Chủ tịch", _T, 90),
    ("Chủ tịch", "Ủy ban MTTQ tỉnh", 100),
    ("Trưởng đoàn; Phó Trưởng đoàn", "ĐBQH tỉnh", 110),
    ("Ủy viên Ban Thường vụ", "Tỉnh ủy", 120),
    ("Trưởng ban", "Tỉnh ủy; HĐND tỉnh", 130),
    ("Vụ trưởng; Cục trưởng; Chánh Văn phòng", "Bộ; Trung ương", 140),
    ("Vụ trưởng", "Vụ", 140),
    ("Phó Vụ trưởng; Phó Cục trưởng; Phó Chánh Văn phòng", "Bộ; Trung ương", 150),
    ("Phó Vụ trưởng", "Vụ", 150),
    ("Chuyên viên", "Bộ; Trung ương", 160),
    ("Giám đốc", "Sở; Công an tỉnh", 200),
    ("Trưởng ban", "", 200),
    ("Chánh Văn phòng", "UBND tỉnh; Tỉnh ủy; HĐND tỉnh; Đoàn ĐBQH", 200),
    ("Chủ tịch", _PROV_BODIES, 200),
    ("Bí thư", "Tỉnh Đoàn", 200),
    ("Phó Giám đốc", "Sở; Công an tỉnh", 210),
    ("Phó Trưởng ban", "", 210),
    ("Phó Chánh Văn phòng", "UBND tỉnh; Tỉnh ủy; HĐND tỉnh; Đoàn ĐBQH", 210),
    ("Phó Chủ tịch", "Ủy ban MTTQ tỉnh; " + _PROV_BODIES, 210),
    ("Bí thư", "Huyện ủy; Thị ủy; Thành ủy", 300),
    ("Chủ tịch", _each("HĐND", _DIST), 310),
    ("Chủ tịch", _each("UBND", _DIST), 320),
    ("Phó Bí thư", "Huyện ủy; Thị ủy; Thành ủy", 330),
    ("Phó Chủ tịch", _each("HĐND", _DIST) + "; " + _each("UBND", _DIST), 340),
    ("Chi cục trưởng", "", 400),
    ("Phó Chi cục trưởng", "", 410),
    ("Giám đốc", "Trung tâm", 420),
    ("Phó Giám đốc", "Trung tâm", 430),
    ("Trưởng phòng", "", 440),
    ("Phó Trưởng phòng", "", 450),
    ("Bí thư", _each("Đảng ủy", _COMMUNE), 500),
    ("Chủ tịch", _each("HĐND", _COMMUNE), 510),
    ("Chủ tịch", _each("UBND", _COMMUNE), 520),
    ("Phó Bí thư", _each("Đảng ủy", _COMMUNE), 530),
    ("Phó Chủ tịch", _each("HĐND", _COMMUNE) + "; " + _each("UBND", _COMMUNE), 540),
)

#: abbreviations of office lists, written out (keys in lower case, as typed)
ABBREVIATIONS: dict[str, str] = {
    "ubnd": "ủy ban nhân dân",
    "hđnd": "hội đồng nhân dân",
    "hdnd": "hội đồng nhân dân",
    "ub": "ủy ban",
    "ubmttq": "ủy ban mặt trận tổ quốc",
    "mttq": "mặt trận tổ quốc",
    "ct": "chủ tịch",
    "pct": "phó chủ tịch",
    "pcttt": "phó chủ tịch thường trực",
    "gđ": "giám đốc",
    "gd": "giám đốc",
    "pgđ": "phó giám đốc",
    "pgd": "phó giám đốc",
    "bt": "bí thư",
    "pbt": "phó bí thư",
    "tu": "tỉnh ủy",
    "btv": "ban thường vụ",
    "uv": "ủy viên",
    "ủv": "ủy viên",
    "đbqh": "đại biểu quốc hội",
    "dbqh": "đại biểu quốc hội",
    "qh": "quốc hội",
    "tw": "trung ương",
    "tp": "thành phố",
    "tx": "thị xã",
    "tb": "trưởng ban",
    "ptb": "phó trưởng ban",
    "tphòng": "trưởng phòng",
    "ptp": "phó trưởng phòng",
    "cvp": "chánh văn phòng",
    "pcvp": "phó chánh văn phòng",
    "vp": "văn phòng",
    "lhpn": "liên hiệp phụ nữ",
    "hlhpn": "hội liên hiệp phụ nữ",
    "hnd": "hội nông dân",
    "htx": "hợp tác xã",
    "lmhtx": "liên minh hợp tác xã",
    "lđlđ": "liên đoàn lao động",
    "ldld": "liên đoàn lao động",
    "vn": "việt nam",
}
#: words a title right after which is not the person's own office
_BLOCKERS = (("thư", "ký"), ("trợ", "lý"), ("nguyên",), ("giúp", "việc"))
#: words an office starts with: "P." before them is "Phó"
_TITLE_WORDS = {"chu", "ct", "giam", "gd", "bi", "bt", "truong", "chanh", "tb", "cuc", "vu", "chi"}
_PARTS = re.compile(r"[,;\n]|\bkiêm\b")
_WORD = re.compile(r"[^\W_]+")
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


@dataclass(frozen=True)
class Word:
    """A word: folded, and its accents (None when typed without any: matches either way)."""

    folded: str
    marks: tuple[str, tuple[str, ...]] | None

    def same(self, other: Word) -> bool:
        return self.folded == other.folded and (self.marks is None or other.marks is None or self.marks == other.marks)


def _word(text: str) -> Word:
    nfd = unicodedata.normalize("NFD", text)
    if text.isascii():
        return Word(text, None)
    shape = "".join(ch for ch in nfd if ch not in _TONES)  # the letters with their shapes (ô ơ ư ă â đ)
    tones = tuple(sorted(ch for ch in nfd if ch in _TONES))  # wherever the tone sits ("uỷ" = "ủy")
    return Word(fold(text), (unicodedata.normalize("NFC", shape), tones))


def words(text: str) -> list[Word]:
    """The words of one office or body text: abbreviations written out, "Việt Nam" dropped,
    "phó" joined to the word after it."""
    raw = _WORD.findall(clean(text).lower())
    out: list[str] = []
    for i, w in enumerate(raw):
        nxt = raw[i + 1] if i + 1 < len(raw) else ""
        if w == "gd" and nxt in ("đt", "dt"):  # GD&ĐT: giáo dục và đào tạo
            out.extend(("giáo", "dục"))
            continue
        if w == "p":  # "P. Giám đốc", "P.CT"; else a ward: "UBND P. Vĩnh Hải"
            out.append("phó" if fold(nxt) in _TITLE_WORDS else "phường")
            continue
        out.extend(ABBREVIATIONS.get(w, w).split())
    kept: list[str] = []
    i = 0
    while i < len(out):
        if out[i] in ("việt", "viet") and i + 1 < len(out) and out[i + 1] in ("nam",):
            i += 2
            continue
        if out[i] in ("phó", "pho") and i + 1 < len(out):
            kept.append(out[i] + "-" + out[i + 1])
            i += 2
            continue
        kept.append(out[i])
        i += 1
    return [_word(w) for w in kept]


def _find(hay: list[Word], needle: list[Word], start: int = 0) -> int:
    """Index of the first place at or after ``start`` where ``needle`` stands in ``hay``, or -1."""
    n = len(needle)
    for i in range(start, len(hay) - n + 1):
        if all(hay[i + k].same(needle[k]) for k in range(n)):
            return i
    return -1


def _blocked(part: list[Word], i: int) -> bool:
    return any(i >= len(b) and all(part[i - len(b) + k].folded == fold(b[k]) for k in range(len(b))) for b in _BLOCKERS)


def alternatives(cell: str) -> list[list[Word]]:
    """The alternatives of a table cell ("HĐND tỉnh; UBND tỉnh"), as words; [] for an empty cell."""
    return [ws for ws in (words(p) for p in (cell or "").split(";")) if ws]


@dataclass(frozen=True)
class Line:
    titles: tuple[tuple[Word, ...], ...]
    bodies: tuple[tuple[Word, ...], ...]
    rank: int
    label: str


def _label(position: str, body: str) -> str:
    """A line named for people: "Chủ tịch UBND tỉnh", "Phó Chủ tịch (HĐND tỉnh; UBND tỉnh)"."""
    if not body:
        return position
    return f"{position} ({body})" if ";" in position + body else f"{position} {body}"


class Ranker:
    """The event's protocol table, compiled; rank() results are remembered per (position,
    organisation)."""

    def __init__(self, rows: list[tuple[str, str, int]]):
        self.lines = [
            Line(tuple(map(tuple, alternatives(p))), tuple(map(tuple, alternatives(b))), r, _label(p, b))
            for p, b, r in rows
        ]
        self.lines = sorted((ln for ln in self.lines if ln.titles), key=lambda ln: ln.rank)
        self._memo: dict[tuple[str, str], Line | None] = {}

    @classmethod
    def of(cls, ev: Event | int, session=None) -> Ranker:
        """The table of the event (or event id) ``ev``."""
        rows = (
            (session or db.session)
            .execute(
                select(ProtocolRank.position, ProtocolRank.body, ProtocolRank.rank)
                .where(ProtocolRank.event_id == (ev if isinstance(ev, int) else ev.id))
                .order_by(ProtocolRank.rank, ProtocolRank.id)
            )
            .all()
        )
        return cls([tuple(r) for r in rows])

    def line(self, position: str, organisation: str = "") -> Line | None:
        """The most senior line the position names (see the module docstring), or None."""
        key = (position or "", organisation or "")
        if key not in self._memo:
            self._memo[key] = self._line(*key)
        return self._memo[key]

    def rank(self, position: str, organisation: str = "") -> int:
        """The rank the position and organisation give; UNRANKED when no line matches."""
        found = self.line(position, organisation)
        return found.rank if found else UNRANKED

    def _line(self, position: str, organisation: str) -> Line | None:
        parts = [words(p) for p in _PARTS.split(clean(position).lower()) if p.strip()]
        org = words(organisation)
        best: Line | None = None
        for ln in self.lines:  # sorted by rank: the first that matches is the most senior
            if best is not None and ln.rank >= best.rank:
                break
            if any(self._matches(ln, part, org) for part in parts):
                best = ln
        return best

    @staticmethod
    def _matches(ln: Line, part: list[Word], org: list[Word]) -> bool:
        for title in ln.titles:
            i = _find(part, list(title))
            while i >= 0:
                if not _blocked(part, i):
                    after = part[i + len(title) :]
                    if not ln.bodies or any(_body_at(after, org, list(b)) for b in ln.bodies):
                        return True
                i = _find(part, list(title), i + 1)
        return False


def _body_at(after: list[Word], org: list[Word], body: list[Word]) -> bool:
    """The body follows the office in the position, or (nothing follows there) starts the
    organisation; a body begun in the position may run on into the organisation."""
    if not after:
        return _find(org, body) == 0
    hay = after + org
    i = _find(hay, body)
    while i >= 0:
        if i < len(after):
            return True
        i = _find(hay, body, i + 1)
    return False


def seed_defaults(ev: Event) -> None:
    """Give an event the default protocol table (DEFAULT_RANKS). Does not commit."""
    for position, body, rank in DEFAULT_RANKS:
        db.session.add(ProtocolRank(event_id=ev.id, position=position, body=body, rank=rank))
    db.session.flush()


def copy_table(src: Event, dst: Event) -> None:
    """Replace ``dst``'s protocol table with ``src``'s (an event copied from an earlier one)."""
    rows = db.session.execute(
        select(ProtocolRank.position, ProtocolRank.body, ProtocolRank.rank)
        .where(ProtocolRank.event_id == src.id)
        .order_by(ProtocolRank.id)
    ).all()
    if not rows:
        return
    db.session.execute(db.delete(ProtocolRank).where(ProtocolRank.event_id == dst.id))
    for position, body, rank in rows:
        db.session.add(ProtocolRank(event_id=dst.id, position=position, body=body, rank=rank))
    db.session.flush()
