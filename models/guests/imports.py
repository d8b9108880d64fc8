"""Importing the guest list: preview (per-row problems, nothing written), then apply (one transaction).

preview(ev, data, filename, encoding=None) -> ImportReport
    Raises models.guests.reading.ImportFileError for an unreadable file (see there), or when no sheet
    has a header row with a name column. The list is the first sheet whose header row (within the
    first 15 rows, titles above it allowed; two header rows under merged cells read as one) names
    a name column. Each row gets ``problems`` (Vietnamese): missing name, unknown group, unknown
    district, duplicate of an earlier row, bad e-mail, bad precedence, a formula in a cell, a
    value too long; rows with problems are never written. ``warnings`` do not stop a row: a phone
    that stays invalid after its leading 0 is restored is dropped (the person is imported without
    it), a cancelled person is only updated. Summary and signature rows ("Tổng cộng", "Cộng",
    "Người lập biểu", "Ghi chú", a count in the name cell, a row with only a number, a merged
    band, everything below the signature block) go to ``report.skipped`` with their reason.
    Names are always written title-cased (models.core.names.title_case); ALL-CAPS positions and
    organisations get a ``caps`` offer (models.core.names.fix_caps).
apply(ev, report, fix_caps=False, actor="") -> ImportReport
    Writes every good row in ONE transaction (all or nothing) and commits: new delegates are
    created; a person already on the list, whoever added them (demo, walk-in, nomination, earlier
    import), is updated, never added twice. A row matches, in order: the same stable key (the
    list's "Mã" column when present, else the folded name + organisation), the same folded
    name + organisation, the same folded name + phone (a phone alone never matches: an office
    number is often given for several people).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from sqlalchemy import insert, select

from models.accounts.models import audit
from models.core.base import db
from models.core.names import clean, fix_caps, fold, sort_key, title_case
from models.core.numbers import parse_int
from models.core.phones import PhoneError, normalize_phone
from models.events.models import Event, Group
from models.events.protocol import UNRANKED, Ranker
from models.guests.models import Attendee
from models.guests.reading import HEADER_ROWS, ImportFileError, read_sheets
from models.units.models import District

#: field -> header variants (compared folded: no accents, lower case, single spaces)
HEADERS: dict[str, tuple[str, ...]] = {
    "code": ("mã", "mã đại biểu", "mã số", "mã đb", "id", "code", "ma so"),
    "honorific": ("danh xưng", "xưng hô", "ông/bà", "ông bà", "honorific", "title"),
    "full_name": (
        "họ và tên",
        "họ tên",
        "họ và tên đại biểu",
        "tên đại biểu",
        "đại biểu",
        "tên",
        "full name",
        "name",
        "họ và tên (*)",
        "ho ten",
    ),
    "position": ("chức vụ", "chức danh", "chức vụ/chức danh", "position"),
    "organisation": (
        "đơn vị",
        "cơ quan",
        "đơn vị công tác",
        "cơ quan/đơn vị",
        "cơ quan, đơn vị",
        "tổ chức",
        "organisation",
        "organization",
    ),
    "group": ("thành phần", "nhóm", "đối tượng", "thành phần đại biểu", "group"),
    "district": ("huyện", "địa phương", "huyện/thị xã/thành phố", "địa bàn", "district"),
    "phone": ("điện thoại", "số điện thoại", "sđt", "đt", "di động", "phone"),
    "email": ("email", "e-mail", "thư điện tử"),
    "precedence": ("thứ tự ưu tiên", "thứ tự", "ưu tiên", "thứ bậc", "precedence"),
    "notes": ("ghi chú", "notes", "note"),
}
IGNORED = ("stt", "tt", "số tt", "số thứ tự")
#: the downloadable template's columns, in order
TEMPLATE_HEADERS = (
    "STT",
    "Mã",
    "Danh xưng",
    "Họ và tên",
    "Chức vụ",
    "Đơn vị",
    "Thành phần",
    "Địa phương",
    "Điện thoại",
    "Email",
    "Thứ tự ưu tiên",
    "Ghi chú",
)
HONORIFICS = ("Đồng chí", "Ông", "Bà", "Anh", "Chị")
LIMITS = {
    "honorific": 40,
    "full_name": 200,
    "position": 300,
    "organisation": 300,
    "phone": 40,
    "email": 200,
    "notes": 2000,
    "code": 150,
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
#: "Huyện X", "TP. X", "thị xã X" (folded): the word a district's name may start with, which
#: matching a typed district name ignores (the import and commands/districts.py)
DISTRICT_PREFIX = re.compile(r"^(thanh pho|tp\.?|thi xa|tx\.?|huyen|h\.)\s+")
_HEADER_INDEX = {fold(v): f for f, vs in HEADERS.items() for v in vs}


@dataclass
class ImportRow:
    line: int
    data: dict[str, str]
    problems: list[str] = field(default_factory=list)
    key: str = ""
    #: "create", "update", "same" (already on the list, nothing changes) or "skip" (has problems)
    action: str = "create"
    #: the name as typed, when title_case changed it ("NGUYỄN văn a")
    typed: str | None = None
    #: field -> fix_caps value offered for an ALL-CAPS position or organisation
    caps: dict[str, str] = field(default_factory=dict)
    #: notes that do not stop the row (an invalid phone dropped, a cancelled person)
    warnings: list[str] = field(default_factory=list)
    #: the precedence the row's position and organisation give by the event's protocol table
    #: (models/events/protocol.py), and the table's line that gave it ("" when none did)
    rank: int = 1000
    rank_line: str = ""
    #: the person already on the list this row updates
    attendee_id: int | None = None
    group_id: int | None = None
    district_id: int | None = None


@dataclass
class SkippedRow:
    """A summary, signature or heading row: not a delegate, not an error."""

    line: int
    text: str
    reason: str


@dataclass
class ImportReport:
    filename: str
    columns: dict[str, str]  # field -> header as written in the file
    ignored: list[str]
    rows: list[ImportRow]
    skipped: list[SkippedRow] = field(default_factory=list)
    #: the sheet the list was read from
    sheet: str = ""
    created: int = 0
    updated: int = 0
    applied: bool = False

    @property
    def good(self) -> list[ImportRow]:
        return [r for r in self.rows if not r.problems]

    @property
    def bad(self) -> list[ImportRow]:
        return [r for r in self.rows if r.problems]

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    def rank_lines(self, limit: int = 200) -> list[str]:
        """Each good row's precedence: typed in the file, or the rank its title gives."""
        good = self.good
        typed = sum(1 for r in good if r.data.get("precedence"))
        derived = sum(1 for r in good if not r.data.get("precedence") and r.rank_line)
        out = [
            f"Thứ tự ưu tiên: {typed} dòng ghi trong tệp, {derived} dòng theo chức vụ, "
            f"{len(good) - typed - derived} dòng không nhận ra chức vụ ({UNRANKED})"
        ]
        for r in good[:limit]:
            if r.data.get("precedence"):
                how = f"{r.data['precedence']} (ghi trong tệp; theo chức vụ: {r.rank})"
            else:
                how = f"{r.rank} (theo chức vụ: {r.rank_line})" if r.rank_line else f"{r.rank} (không nhận ra chức vụ)"
            title = " · ".join(x for x in (r.data.get("position"), r.data.get("organisation")) if x)
            out.append(f"  Dòng {r.line}: {r.data.get('full_name')}: {title or '—'} → {how}")
        if len(good) > limit:
            out.append(f"  … và {len(good) - limit} dòng nữa")
        return out

    def lines(self, limit: int = 200, *, fixed_caps: bool = False) -> list[str]:
        """The report as text lines (CLI and logs)."""
        out = [f"Tệp: {self.filename}", "Cột nhận ra: " + ", ".join(f"{h} → {f}" for f, h in self.columns.items())]
        if self.ignored:
            out.append("Cột bỏ qua: " + ", ".join(self.ignored))
        if self.sheet:
            out.append(f"Trang tính: {self.sheet}")
        out.append(
            f"Dòng dữ liệu: {len(self.rows)}; hợp lệ: {len(self.good)}; có lỗi: {len(self.bad)}; "
            f"bỏ qua (dòng tổng, ký tên, tiêu đề): {len(self.skipped)}"
        )
        out.append(
            f"Sẽ thêm mới: {self.count('create')}; cập nhật: {self.count('update')}; không đổi: {self.count('same')}"
        )
        for r in self.bad[:limit]:
            out.append(f"  Dòng {r.line}: {r.data.get('full_name') or '—'}: " + "; ".join(r.problems))
        if len(self.bad) > limit:
            out.append(f"  … và {len(self.bad) - limit} dòng lỗi khác")
        warned = [r for r in self.good if r.warnings]
        if warned:
            out.append(f"Cảnh báo ({len(warned)} dòng, vẫn được nhập):")
            out.extend(f"  Dòng {r.line}: {r.data.get('full_name')}: " + "; ".join(r.warnings) for r in warned[:limit])
        if self.skipped:
            out.append(f"Dòng bỏ qua ({len(self.skipped)}):")
            out.extend(f"  Dòng {s.line}: {s.text[:80]} ({s.reason})" for s in self.skipped[:limit])
        updates = [r for r in self.good if r.action == "update"]
        if updates:
            out.append(
                f"Cập nhật ({len(updates)}): "
                + "; ".join(f"dòng {r.line} {r.data.get('full_name')}" for r in updates[:20])
            )
        offers = [r for r in self.good if r.caps]
        if offers:
            head = (
                f"Sửa chữ IN HOA ở {len(offers)} dòng, ví dụ: "
                if fixed_caps
                else f"Đề nghị sửa chữ IN HOA ở {len(offers)} dòng (dùng --fix-caps), ví dụ: "
            )
            out.append(head + "; ".join(f"{r.data[f]} → {v}" for r in offers[:5] for f, v in r.caps.items()))
        out.extend(self.rank_lines(limit))
        if self.applied:
            out.append(f"Đã nhập: {self.created} mới, {self.updated} cập nhật, {len(self.skipped)} dòng bỏ qua.")
        return out


def _header_field(cell: str, extra: dict[str, str] | None = None) -> str | None:
    key = fold(cell).strip(" :*")
    key2 = re.sub(r"\s*\(.*?\)\s*", " ", key).strip(" :*")  # "Họ và tên (ghi đầy đủ)"
    for k in (key, key2):
        f = _HEADER_INDEX.get(k) or (extra or {}).get(k)
        if f:
            return f
    return None


def map_headers(rows: list[list[str]], extra: dict[str, str] | None = None) -> tuple[int, dict[int, str], list[str]]:
    """(index of the last header row, column index -> field, ignored headers). The header row is
    the first of the first 15 rows that names a name column (lists often have a title above the
    table). When the next row names further columns (two header rows under merged cells:
    "Liên hệ" above "Điện thoại" and "Email"), it is part of the header. ``extra`` maps more
    folded header texts to fields (the event's unit label: "xã/phường" -> district)."""
    for i, row in enumerate(rows[:HEADER_ROWS]):
        cols = _header_cols(row, extra)
        if "full_name" not in cols.values():
            continue
        if i + 1 < len(rows):
            sub = _header_cols(rows[i + 1], extra)
            if sub and "full_name" not in set(sub.values()) - {cols.get(j) for j in sub}:
                merged = {j: f for j, f in cols.items() if f not in sub.values() or sub.get(j) == f}
                merged.update(sub)
                if len(set(merged.values())) == len(merged) and len(merged) > len(cols) - 1:
                    cols, i = merged, i + 1
        used = set(cols)
        ignored = [
            clean(c)
            for j, c in enumerate(rows[i])
            if j not in used and clean(c) and fold(c).strip(" :*") not in IGNORED
        ]
        return i, dict(sorted(cols.items())), list(dict.fromkeys(ignored))
    raise ImportFileError('Không tìm thấy cột họ tên (ví dụ "Họ và tên"). Hãy dùng tệp mẫu.')


def _header_cols(row: list[str], extra: dict[str, str] | None) -> dict[int, str]:
    cols: dict[int, str] = {}
    for j, cell in enumerate(row):
        f = _header_field(cell, extra)
        if f and f not in cols.values():
            cols[j] = f
    return cols


def stable_key(data: dict[str, str]) -> str:
    """The re-import key: "ma:<code>" when the list has a code, else "nk:<folded name|org>"."""
    if data.get("code"):
        key = "ma:" + fold(data["code"])
    else:
        key = "nk:" + fold(data.get("full_name", "")) + "|" + fold(data.get("organisation", ""))
    if len(key) > 190:
        key = key[:150] + "#" + hashlib.sha1(key.encode()).hexdigest()[:16]
    return key


def _lookup(items: list, extra=lambda x: ()) -> dict[str, object]:
    out: dict[str, object] = {}
    for it in items:
        for name in (it.code, it.name, *extra(it)):
            if name:
                out[fold(name)] = it
    return out


def _pick_sheet(sheets: list[tuple[str, list[list[str]]]], extra: dict[str, str]):
    for title, table in sheets:
        try:
            return title, table, map_headers(table, extra)
        except ImportFileError:
            continue
    raise ImportFileError('Không tìm thấy cột họ tên (ví dụ "Họ và tên") ở trang tính nào. Hãy dùng tệp mẫu.')


def _people_index(ev: Event) -> tuple[dict, dict, dict, dict]:
    """Everyone on the event's list, whoever added them: by id, by external key, by folded
    name + organisation, by (folded name, phone). Merged-away records are left out."""
    by_id: dict[int, tuple] = {}
    by_key: dict[str, int] = {}
    by_name: dict[str, int] = {}
    by_phone: dict[tuple[str, str], int] = {}
    for row in db.session.execute(
        select(
            Attendee.id,
            Attendee.full_name,
            Attendee.position,
            Attendee.organisation,
            Attendee.group_id,
            Attendee.district_id,
            Attendee.phone,
            Attendee.email,
            Attendee.precedence,
            Attendee.honorific,
            Attendee.external_key,
            Attendee.name_key,
            Attendee.status,
            Attendee.precedence_typed,
        )
        .where(Attendee.event_id == ev.id, Attendee.merged_into_id.is_(None))
        .order_by(Attendee.id)
    ):
        by_id[row.id] = tuple(row)
        if row.external_key:
            by_key.setdefault(row.external_key, row.id)
        by_name.setdefault(row.name_key or fold(f"{row.full_name} | {row.organisation or ''}"), row.id)
        if row.phone:
            by_phone.setdefault((fold(row.full_name), row.phone), row.id)
    return by_id, by_key, by_name, by_phone


def unit_names(ev: Event) -> list[str]:
    """Proper names fix_caps keeps capitalised: the event's delegation units without their prefix."""
    return [
        n
        for n in (
            DISTRICT_PREFIX.sub("", clean(d).lower())
            for d in db.session.scalars(select(District.name).where(District.event_id == ev.id))
        )
        if n
    ]


def preview(ev: Event, data: bytes, filename: str = "", encoding: str | None = None) -> ImportReport:
    """Read and check a guest list; writes nothing. See the module docstring."""
    label = fold(getattr(ev, "unit_label", "") or "")
    extra = {label: "district"} if label and label not in _HEADER_INDEX else {}
    sheet, table, (head, cols, ignored) = _pick_sheet(read_sheets(data, filename, encoding), extra)
    header_row = table[head]
    groups = _lookup(list(db.session.scalars(select(Group).where(Group.event_id == ev.id))), lambda g: (g.name_en,))
    districts = _lookup(
        list(db.session.scalars(select(District).where(District.event_id == ev.id))),
        lambda d: (DISTRICT_PREFIX.sub("", fold(d.name)),),
    )
    by_id, by_key, by_name, by_phone = _people_index(ev)
    units = unit_names(ev)
    ranker = Ranker.of(ev)
    name_col = next(j for j, f in cols.items() if f == "full_name")
    seen: dict[str, int] = {}
    seen_people: dict[int, int] = {}
    rows: list[ImportRow] = []
    skipped: list[SkippedRow] = []
    signed = False
    for n, raw in enumerate(table[head + 1 :], start=head + 2):
        if not any((c or "").strip() for c in raw):
            continue
        reason = "phần ký tên, dưới danh sách" if signed else skip_reason(raw, name_col)
        if reason:
            signed = signed or reason.startswith("phần ký tên")
            skipped.append(SkippedRow(n, " · ".join(dict.fromkeys(clean(c) for c in raw if clean(c))), reason))
            continue
        row = _read_row(n, raw, cols, header_row, groups, districts, units)
        pid = _match(row, by_key, by_name, by_phone)
        _rank(row, ranker, by_id.get(pid) if pid is not None else None)
        if not row.problems:
            if row.key in seen:
                row.problems.append(f"Trùng với dòng {seen[row.key]}")
            elif pid is not None and pid in seen_people:
                row.problems.append(f"Cùng một người với dòng {seen_people[pid]}")
        seen.setdefault(row.key, n)
        if pid is not None:
            seen_people.setdefault(pid, n)
        if row.problems:
            row.action = "skip"
        elif pid is not None:
            row.attendee_id = pid
            old = by_id[pid]
            if old[12] == "cancelled":
                row.warnings.append("Người này đã bị hủy trong danh sách; chỉ cập nhật thông tin, không khôi phục")
            row.action = "same" if _same(row, old) else "update"
        rows.append(row)
    if not rows and not skipped:
        raise ImportFileError("Tệp không có dòng dữ liệu nào dưới dòng tiêu đề.")
    return ImportReport(
        filename=filename,
        columns={f: header_row[j] for j, f in cols.items()},
        ignored=ignored,
        rows=rows,
        skipped=skipped,
        sheet=sheet,
    )


def _rank(row: ImportRow, ranker: Ranker, old: tuple | None) -> None:
    """The rank the row's title gives (a file without the position or organisation column: the
    stored one's)."""
    d = row.data
    position = d.get("position", "") if "position" in d or old is None else old[2]
    organisation = d.get("organisation", "") if "organisation" in d or old is None else old[3]
    line = ranker.line(position or "", organisation or "")
    row.rank, row.rank_line = (line.rank, line.label) if line else (UNRANKED, "")


def _read_row(
    n: int, raw: list[str], cols: dict[int, str], header_row: list[str], groups: dict, districts: dict, units: list[str]
) -> ImportRow:
    """One data row: its cells by field, checked (check_row), ALL-CAPS offers, its stable key."""
    row = ImportRow(line=n, data={})
    for j, f in cols.items():
        value = raw[j] if j < len(raw) else ""
        if value.startswith("=") and len(value) > 1:
            row.problems.append(f'Ô "{header_row[j]}" chứa công thức, không được nhận')
            value = ""
        row.data[f] = clean(value)
    check_row(row, groups, districts, lenient_phone=True)
    for f in ("position", "organisation"):
        value = row.data.get(f, "")
        if value.isupper():  # only ALL-CAPS text is offered a rewrite
            fixed = fix_caps(value, units)
            if fixed != value:
                row.caps[f] = fixed
    row.key = stable_key(row.data)
    return row


def _match(row: ImportRow, by_key: dict, by_name: dict, by_phone: dict) -> int | None:
    d = row.data
    name = fold(d.get("full_name", ""))
    if not name:
        return None
    pid = by_key.get(row.key)
    if pid is None and "organisation" in d:
        pid = by_name.get(fold(f"{d['full_name']} | {d.get('organisation') or ''}"))
    if pid is None and d.get("phone"):
        pid = by_phone.get((name, d["phone"]))
    return pid


#: first words of summary rows (compared in lower case, accents kept: "cộng" is not "công")
_SUMMARY = re.compile(
    r"^(tổng cộng|tổng số|tổng|cộng|ghi chú|lưu ý|chú thích|danh sách (này )?(gồm|có))"
    r"(?=$|[\s:,.\d(])"
)
_SUMMARY_FOLDED = re.compile(r"^(tong cong|tong so|ghi chu|luu y)(?=$|[\s:,.\d(])")
#: the signature block: this row and every row below it are not delegates
_SIGNATURE = re.compile(
    r"^(người lập( biểu| bảng)?|người tổng hợp|thủ trưởng|lãnh đạo đơn vị|xác nhận|"
    r"nơi nhận|ký tên|\(ký|t/m|tm\.|kt\.|(.*, )?ngày\s.*\stháng\s.*\snăm)(?=$|[\s:,.(])"
)
_SIGNATURE_FOLDED = re.compile(
    r"^(nguoi lap( bieu)?|thu truong|noi nhan|(.*, )?ngay\s.*\sthang\s.*\snam)"
    r"(?=$|[\s:,.(])"
)
_COUNT = re.compile(r"^[\W\d_]*\d[\W\d_]*(đại biểu|người|đb|khách|dai bieu|nguoi|db)?\W*$", re.I)
_NUMBERISH = re.compile(r"^[(\[]?\d{1,6}[.)\]]?$")
_SECTION = re.compile(r"^([IVXLC]{1,6}|[A-ZĐ])[.)]\s+\S")


#: words that start a summary or signature row, and a title too ("Tổng kết năm 2025", "Cộng đồng
#: doanh nghiệp", "Thủ trưởng các sở, ngành"): with ``titles`` they count only when no word follows
_TITLE_STARTS = {"tổng", "cộng", "thủ trưởng", "lãnh đạo đơn vị", "xác nhận", "người lập", "thu truong", "nguoi lap"}
_WORD_NEXT = re.compile(r"\s+[^\W\d_]")


def _starts(pattern: re.Pattern, low: str, titles: bool) -> bool:
    m = pattern.match(low)
    return bool(m) and not (titles and m.group(1) in _TITLE_STARTS and _WORD_NEXT.match(low, m.end()))


def skip_reason(raw: list[str], name_col: int, *, titles: bool = False) -> str | None:
    """Why a row is no delegate (a summary, signature, heading or numbering row), or None.
    ``titles``: the name column holds titles, not people (the event's structure: programme items,
    groups, units, tiers), so "Tổng kết …" or "5★" is data, not a total or a count."""
    cells = [c.strip() for c in raw if c and c.strip()]  # cells are NFC already (read_sheets)
    name = raw[name_col].strip() if name_col < len(raw) else ""
    for text in dict.fromkeys([cells[0], name] if name else [cells[0]]):
        low = text.lower()
        # the *_FOLDED patterns are for lists typed without accents: plain ASCII text
        if _starts(_SIGNATURE, low, titles) or (low.isascii() and _starts(_SIGNATURE_FOLDED, low, titles)):
            return "phần ký tên, dưới danh sách"
        if _starts(_SUMMARY, low, titles) or (low.isascii() and _starts(_SUMMARY_FOLDED, low, titles)):
            return "dòng tổng cộng / ghi chú"
    if (not name or len(cells) > 1) and all(_NUMBERISH.match(c) for c in cells):  # "6"; "(1) (2) (3)"
        return "dòng chỉ có số thứ tự"
    if name and not titles and _COUNT.match(name):
        return "ô họ tên là một con số"
    if len(cells) >= 3 and len(set(cells)) == 1:  # merged across (a household named after its owner: 2)
        return "dòng gộp ô (tiêu đề mục)"
    if name and _SECTION.match(name) and name == name.upper():
        return "dòng tiêu đề mục"
    return None


def check_row(row: ImportRow, groups: dict, districts: dict, lenient_phone: bool = False) -> None:
    """Check and normalise one row in place. A phone that stays invalid is a problem, or with
    ``lenient_phone`` (the import) a warning: the phone is dropped and the row kept."""
    d = row.data
    name = d.get("full_name", "")
    if name and not d.get("honorific"):
        for h in HONORIFICS:
            if name.lower().startswith(h.lower() + " ") and len(name) > len(h) + 3:
                d["honorific"], d["full_name"] = h, name[len(h) + 1 :].strip()
                name = d["full_name"]
                break
    if not name:
        row.problems.append("Thiếu họ tên")
    elif title_case(name) != name:
        row.typed = name
        d["full_name"] = title_case(name)
    for f, limit in LIMITS.items():
        if len(d.get(f, "")) > limit:
            row.problems.append(f"{f} quá dài (tối đa {limit} ký tự)")
    if d.get("group"):
        g = groups.get(fold(d["group"]))
        if g is None:
            row.problems.append(f'Không rõ thành phần "{d["group"]}"')
        else:
            row.group_id = g.id
    if d.get("district"):
        key = fold(d["district"])
        dist = districts.get(key) or districts.get(DISTRICT_PREFIX.sub("", key))
        if dist is None:
            row.problems.append(f'Không rõ địa phương "{d["district"]}"')
        else:
            row.district_id = dist.id
    if d.get("phone"):
        try:
            d["phone"] = normalize_phone(d["phone"])
        except PhoneError as exc:
            if not lenient_phone:
                row.problems.append(f'Số điện thoại không hợp lệ "{d["phone"]}": {exc}')
            else:
                row.warnings.append(
                    f'Số điện thoại "{d["phone"]}" không hợp lệ ({exc}); đại biểu vẫn được nhập, không có số điện thoại'
                )
                del d["phone"]
    if d.get("email") and not _EMAIL.match(d["email"]):
        row.problems.append(f'Email không hợp lệ "{d["email"]}"')
    if d.get("precedence"):
        try:
            whole = re.fullmatch(r"([0-9]{1,7})(?:\.0+)?", d["precedence"].strip())  # 12 or 12.0 from Excel
            d["precedence"] = str(parse_int(whole.group(1) if whole else "", 0, 1_000_000))
        except ValueError:
            row.problems.append(f'Thứ tự ưu tiên phải là số "{d["precedence"]}"')


def _values(row: ImportRow, fix_caps: bool) -> dict[str, object]:
    """Column values to write (only the columns the file has)."""
    d = row.data
    out: dict[str, object] = {}
    if "full_name" in d:
        out["full_name"] = d["full_name"]
    for f in ("honorific", "position", "organisation", "phone", "email", "notes"):
        if f in d:
            out[f] = row.caps.get(f, d[f]) if fix_caps else d[f]
    if "group" in d:
        out["group_id"] = row.group_id
    if "district" in d:
        out["district_id"] = row.district_id
    if d.get("precedence"):  # typed: it wins over the rank the title gives
        out["precedence"] = parse_int(d["precedence"], 0, 1_000_000)
        out["precedence_typed"] = True
    return out


def _derived(row: ImportRow, typed_before: bool) -> dict[str, object]:
    """The precedence the title gives, for a row without a typed one, unless the person has a
    typed one already (the edit page's, an earlier list's)."""
    if row.data.get("precedence") or typed_before:
        return {}
    return {"precedence": row.rank}


def _marks(text: str) -> int:
    """How many accents and letter shapes (đ) a text has: "Lương" 2, "Luong" 0."""
    import unicodedata

    nfd = unicodedata.normalize("NFD", text)
    return sum(1 for ch in nfd if unicodedata.combining(ch)) + text.count("đ") + text.count("Đ")


def _differs(old: object, new: object) -> bool:
    """Whether an import should overwrite ``old`` with ``new``.

    - An empty cell never erases what is stored (a list that leaves the phone out keeps the
      phone the person already has).
    - Text differing only in letter case is kept as stored ("UBND xã Cam Hải Tây" is not replaced
      by "UBND XÃ CAM HẢI TÂY"), unless the stored text is ALL CAPS and the new one is not.
    - Text differing only in accents is kept as stored when the new one has fewer ("Luong Thi
      Bich Ngoc" does not replace "Lương Thị Bích Ngọc"); more accents replace fewer."""
    if new is None or (isinstance(new, str) and not new.strip()):
        return False
    if isinstance(old, str) and isinstance(new, str) and old != new:
        if old.lower() == new.lower():
            return old.isupper() and not new.isupper()
        if fold(old) == fold(new):
            return _marks(new) > _marks(old)
    return old != new


def _same(row: ImportRow, old: tuple) -> bool:
    _id, name, pos, org, gid, did, phone, email, prec, hon = old[:10]
    typed = old[13]
    now = {
        "precedence_typed": typed,
        "full_name": name,
        "position": pos,
        "organisation": org,
        "group_id": gid,
        "district_id": did,
        "phone": phone,
        "email": email,
        "precedence": prec,
        "honorific": hon,
    }
    new = _values(row, False) | _derived(row, typed)
    return not any(_differs(now[k], v) for k, v in new.items() if k in now)


def apply(
    ev: Event, report: ImportReport, *, fix_caps: bool = False, actor: str = "", user_id: int | None = None
) -> ImportReport:
    """Write the good rows of ``report`` in one transaction and commit (rolls back on error).
    Rows matched to a person already on the list update that person; the others are created."""
    good = [r for r in report.rows if not r.problems]
    existing, known = _matched_people(ev, good, fix_caps)
    try:
        new_rows = _update_rows(ev, good, existing, known, report, fix_caps)
        _insert_rows(new_rows)
        report.created = len(new_rows)
        audit(
            "import_attendees",
            "event",
            ev.id,
            actor=actor,
            user_id=user_id,
            file=report.filename,
            created=report.created,
            updated=report.updated,
            skipped=len(report.bad),
            summary_rows=len(report.skipped),
            fix_caps=fix_caps,
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    report.applied = True
    return report


def _matched_people(ev: Event, good: list[ImportRow], fix_caps: bool) -> tuple[dict[int, Attendee], set[str]]:
    """(the people the rows update, by id; every external key the event has)."""
    # rows found unchanged by the preview are skipped; only the others' delegates are loaded
    wanted = [r.attendee_id for r in good if r.attendee_id is not None and (r.action != "same" or fix_caps and r.caps)]
    existing: dict[int, Attendee] = {}
    for start in range(0, len(wanted), 500):
        existing.update(
            (a.id, a)
            for a in db.session.scalars(
                select(Attendee).where(Attendee.event_id == ev.id, Attendee.id.in_(wanted[start : start + 500]))
            ).unique()
        )
    known = set(
        db.session.scalars(
            select(Attendee.external_key).where(Attendee.event_id == ev.id, Attendee.external_key.is_not(None))
        )
    )
    return existing, known


def _update_rows(
    ev: Event,
    good: list[ImportRow],
    existing: dict[int, Attendee],
    known: set[str],
    report: ImportReport,
    fix_caps: bool,
) -> list[dict]:
    """Update the matched people (counted in ``report.updated``); return the values of the new ones."""
    new_rows: list[dict] = []
    for r in good:
        values = _values(r, fix_caps)
        if r.attendee_id is not None:
            person = existing.get(r.attendee_id)
            if person is None:  # unchanged, or gone since the preview
                continue
            values |= _derived(r, person.precedence_typed)
            changed = {k: v for k, v in values.items() if _differs(getattr(person, k), v)}
            if person.external_key is None and r.key not in known:
                person.external_key = r.key
                known.add(r.key)
            if changed:
                for k, v in changed.items():
                    setattr(person, k, v)
                person.refresh_keys()
                report.updated += 1
            continue
        if r.key in known:  # added by someone else since the preview
            continue
        known.add(r.key)
        values.setdefault("precedence", r.rank)
        values.update(event_id=ev.id, external_key=r.key, source="import", status="invited")
        values["name_key"] = fold(f"{values['full_name']} | {values.get('organisation') or ''}")
        values["sort_key"] = sort_key(values["full_name"])
        new_rows.append(values)
    return new_rows


def _insert_rows(new_rows: list[dict]) -> None:
    """Insert the new people in batches of 2,000 (every row with the same columns)."""
    if new_rows:
        cols = sorted({k for v in new_rows for k in v})
        full = [{c: v.get(c, _DEFAULTS.get(c)) for c in cols} for v in new_rows]
        for start in range(0, len(full), 2000):
            db.session.execute(insert(Attendee), full[start : start + 2000])


_DEFAULTS = {
    "honorific": "",
    "position": "",
    "organisation": "",
    "phone": "",
    "email": "",
    "notes": "",
    "group_id": None,
    "district_id": None,
    "precedence_typed": False,
}


def check_delegate(values: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """One delegate's text fields (honorific, full_name, position, organisation, email,
    precedence, notes) checked exactly as the import checks a row (the edit page uses it):
    (the cleaned values, the problems in Vietnamese). Group, district and phone are the
    caller's (they come from choices and models.core.phones)."""
    row = ImportRow(line=0, data={k: clean(v) for k, v in values.items()})
    check_row(row, {}, {})
    return row.data, row.problems
