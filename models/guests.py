"""Importing the guest list: preview (per-row problems, nothing written), then apply (one transaction).

preview(ev, data, filename, encoding=None) -> ImportReport
    Raises models.importing.ImportFileError for an unreadable file (see there), or when no column
    looks like a name column. Each row gets ``problems`` (Vietnamese): missing name, unknown group,
    unknown district, duplicate of an earlier row, bad phone, bad e-mail, bad precedence, a formula
    in a cell, a value too long. Rows with problems are never written.
apply(ev, report, fix_case=False, actor="") -> ImportReport
    Writes every good row in ONE transaction (all or nothing) and commits: new delegates are
    created, delegates already imported under the same stable key are updated (never duplicated).
    The stable key is the list's code column ("Mã") when present, else the folded name +
    organisation (so re-sorting the list or renumbering "STT" changes nothing).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from sqlalchemy import insert, select

from models.base import db
from models.entities import audit
from models.event import District, Event, Group
from models.importing import ImportFileError, read_table
from models.names import clean, fold, sort_key, title_case
from models.people import Attendee

#: field -> header variants (compared folded: no accents, lower case, single spaces)
HEADERS: dict[str, tuple[str, ...]] = {
    "code": ("mã", "mã đại biểu", "mã số", "mã đb", "id", "code", "ma so"),
    "honorific": ("danh xưng", "xưng hô", "ông/bà", "ông bà", "honorific", "title"),
    "full_name": ("họ và tên", "họ tên", "họ và tên đại biểu", "tên đại biểu", "đại biểu", "tên",
                  "full name", "name", "họ và tên (*)", "ho ten"),
    "position": ("chức vụ", "chức danh", "chức vụ/chức danh", "position"),
    "organisation": ("đơn vị", "cơ quan", "đơn vị công tác", "cơ quan/đơn vị", "cơ quan, đơn vị",
                     "tổ chức", "organisation", "organization"),
    "group": ("thành phần", "nhóm", "đối tượng", "thành phần đại biểu", "group"),
    "district": ("huyện", "địa phương", "huyện/thị xã/thành phố", "địa bàn", "district"),
    "phone": ("điện thoại", "số điện thoại", "sđt", "đt", "di động", "phone"),
    "email": ("email", "e-mail", "thư điện tử"),
    "precedence": ("thứ tự ưu tiên", "thứ tự", "ưu tiên", "thứ bậc", "precedence"),
    "notes": ("ghi chú", "notes", "note"),
}
IGNORED = ("stt", "tt", "số tt", "số thứ tự")
#: the downloadable template's columns, in order
TEMPLATE_HEADERS = ("STT", "Mã", "Danh xưng", "Họ và tên", "Chức vụ", "Đơn vị", "Thành phần", "Huyện",
                    "Điện thoại", "Email", "Thứ tự ưu tiên", "Ghi chú")
HONORIFICS = ("Đồng chí", "Ông", "Bà", "Anh", "Chị")
LIMITS = {"honorific": 40, "full_name": 200, "position": 300, "organisation": 300, "phone": 40,
          "email": 200, "notes": 2000, "code": 150}
_PHONE = re.compile(r"^(\+84|84|0)\d{8,10}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DISTRICT_PREFIX = re.compile(r"^(thanh pho|tp\.?|thi xa|tx\.?|huyen|h\.)\s+")
_HEADER_INDEX = {fold(v): f for f, vs in HEADERS.items() for v in vs}


@dataclass
class ImportRow:
    line: int
    data: dict[str, str]
    problems: list[str] = field(default_factory=list)
    key: str = ""
    #: "create", "update", "same" (already imported, nothing changes) or "skip" (has problems)
    action: str = "create"
    #: the capitalised name offered when it differs ("NGUYỄN văn a" -> "Nguyễn Văn A")
    suggestion: str | None = None
    group_id: int | None = None
    district_id: int | None = None


@dataclass
class ImportReport:
    filename: str
    columns: dict[str, str]  # field -> header as written in the file
    ignored: list[str]
    rows: list[ImportRow]
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

    def lines(self, limit: int = 200) -> list[str]:
        """The report as text lines (CLI and logs)."""
        out = [f"Tệp: {self.filename}", "Cột nhận ra: " + ", ".join(
            f"{h} → {f}" for f, h in self.columns.items())]
        if self.ignored:
            out.append("Cột bỏ qua: " + ", ".join(self.ignored))
        out.append(f"Dòng dữ liệu: {len(self.rows)}; hợp lệ: {len(self.good)}; có lỗi: {len(self.bad)}")
        out.append(f"Sẽ thêm mới: {self.count('create')}; cập nhật: {self.count('update')}; "
                   f"không đổi: {self.count('same')}")
        for r in self.bad[:limit]:
            out.append(f"  Dòng {r.line}: {r.data.get('full_name') or '—'}: " + "; ".join(r.problems))
        if len(self.bad) > limit:
            out.append(f"  … và {len(self.bad) - limit} dòng lỗi khác")
        offers = [r for r in self.good if r.suggestion]
        if offers:
            out.append(f"Đề nghị viết hoa lại {len(offers)} tên (dùng --fix-case), ví dụ: "
                       + "; ".join(f"{r.data['full_name']} → {r.suggestion}" for r in offers[:5]))
        if self.applied:
            out.append(f"Đã nhập: {self.created} mới, {self.updated} cập nhật.")
        return out


def map_headers(rows: list[list[str]]) -> tuple[int, dict[int, str], list[str]]:
    """(header row index, column index -> field, ignored headers). The header row is the first of
    the first 15 rows that names a name column (lists often have a title above the table)."""
    for i, row in enumerate(rows[:15]):
        cols: dict[int, str] = {}
        ignored: list[str] = []
        for j, cell in enumerate(row):
            key = fold(cell).strip(" :*")
            f = _HEADER_INDEX.get(key)
            if f and f not in cols.values():
                cols[j] = f
            elif clean(cell) and key not in IGNORED:
                ignored.append(clean(cell))
        if "full_name" in cols.values():
            return i, cols, ignored
    raise ImportFileError("Không tìm thấy cột họ tên (ví dụ \"Họ và tên\"). Hãy dùng tệp mẫu.")


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


def preview(ev: Event, data: bytes, filename: str = "", encoding: str | None = None) -> ImportReport:
    """Read and check a guest list; writes nothing. See the module docstring."""
    table = read_table(data, filename, encoding)
    head, cols, ignored = map_headers(table)
    header_row = table[head]
    groups = _lookup(list(db.session.scalars(select(Group).where(Group.event_id == ev.id))),
                     lambda g: (g.name_en,))
    districts = _lookup(list(db.session.scalars(select(District).where(District.event_id == ev.id))),
                        lambda d: (_DISTRICT_PREFIX.sub("", fold(d.name)),))
    existing = {k: (i, n, p, o, g, d, ph, e, pr, h) for k, i, n, p, o, g, d, ph, e, pr, h in db.session.execute(
        select(Attendee.external_key, Attendee.id, Attendee.full_name, Attendee.position,
               Attendee.organisation, Attendee.group_id, Attendee.district_id, Attendee.phone,
               Attendee.email, Attendee.precedence, Attendee.honorific)
        .where(Attendee.event_id == ev.id, Attendee.external_key.is_not(None)))}
    seen: dict[str, int] = {}
    rows: list[ImportRow] = []
    for n, raw in enumerate(table[head + 1:], start=head + 2):
        if not any((c or "").strip() for c in raw):
            continue
        row = ImportRow(line=n, data={})
        for j, f in cols.items():
            value = raw[j] if j < len(raw) else ""
            if value.startswith("=") and len(value) > 1:
                row.problems.append(f"Ô \"{header_row[j]}\" chứa công thức, không được nhận")
                value = ""
            row.data[f] = clean(value)
        _check(row, groups, districts)
        row.key = stable_key(row.data)
        if row.key in seen and not row.problems:
            row.problems.append(f"Trùng với dòng {seen[row.key]}")
        seen.setdefault(row.key, n)
        if row.problems:
            row.action = "skip"
        elif row.key in existing:
            row.action = "same" if _same(row, existing[row.key]) else "update"
        rows.append(row)
    if not rows:
        raise ImportFileError("Tệp không có dòng dữ liệu nào dưới dòng tiêu đề.")
    return ImportReport(filename=filename, columns={f: header_row[j] for j, f in cols.items()},
                        ignored=ignored, rows=rows)


def _check(row: ImportRow, groups: dict, districts: dict) -> None:
    d = row.data
    name = d.get("full_name", "")
    if name and not d.get("honorific"):
        for h in HONORIFICS:
            if name.lower().startswith(h.lower() + " ") and len(name) > len(h) + 3:
                d["honorific"], d["full_name"] = h, name[len(h) + 1:].strip()
                name = d["full_name"]
                break
    if not name:
        row.problems.append("Thiếu họ tên")
    elif title_case(name) != name:
        row.suggestion = title_case(name)
    for f, limit in LIMITS.items():
        if len(d.get(f, "")) > limit:
            row.problems.append(f"{f} quá dài (tối đa {limit} ký tự)")
    if d.get("group"):
        g = groups.get(fold(d["group"]))
        if g is None:
            row.problems.append(f"Không rõ thành phần \"{d['group']}\"")
        else:
            row.group_id = g.id
    if d.get("district"):
        key = fold(d["district"])
        dist = districts.get(key) or districts.get(_DISTRICT_PREFIX.sub("", key))
        if dist is None:
            row.problems.append(f"Không rõ huyện \"{d['district']}\"")
        else:
            row.district_id = dist.id
    if d.get("phone"):
        digits = re.sub(r"[\s.\-()]", "", d["phone"])
        if not _PHONE.match(digits):
            row.problems.append(f"Số điện thoại không hợp lệ \"{d['phone']}\"")
        else:
            d["phone"] = digits
    if d.get("email") and not _EMAIL.match(d["email"]):
        row.problems.append(f"Email không hợp lệ \"{d['email']}\"")
    if d.get("precedence"):
        try:
            value = int(float(d["precedence"]))
            if not 0 <= value <= 1_000_000:
                raise ValueError
            d["precedence"] = str(value)
        except ValueError:
            row.problems.append(f"Thứ tự ưu tiên phải là số \"{d['precedence']}\"")


def _values(row: ImportRow, fix_case: bool) -> dict[str, object]:
    """Column values to write (only the columns the file has)."""
    d = row.data
    out: dict[str, object] = {}
    if "full_name" in d:
        out["full_name"] = row.suggestion if (fix_case and row.suggestion) else d["full_name"]
    for f in ("honorific", "position", "organisation", "phone", "email", "notes"):
        if f in d:
            out[f] = d[f]
    if "group" in d:
        out["group_id"] = row.group_id
    if "district" in d:
        out["district_id"] = row.district_id
    if d.get("precedence"):
        out["precedence"] = int(d["precedence"])
    return out


def _same(row: ImportRow, old: tuple) -> bool:
    _id, name, pos, org, gid, did, phone, email, prec, hon = old
    now = {"full_name": name, "position": pos, "organisation": org, "group_id": gid, "district_id": did,
           "phone": phone, "email": email, "precedence": prec, "honorific": hon}
    new = _values(row, False)
    return all(now.get(k, v) == v for k, v in new.items() if k != "notes")


def apply(ev: Event, report: ImportReport, *, fix_case: bool = False, actor: str = "",
          user_id: int | None = None) -> ImportReport:
    """Write the good rows of ``report`` in one transaction and commit (rolls back on error)."""
    good = [r for r in report.rows if not r.problems]
    known = set(db.session.scalars(select(Attendee.external_key).where(
        Attendee.event_id == ev.id, Attendee.external_key.is_not(None))))
    # rows found unchanged by the preview are skipped; only the others' delegates are loaded
    wanted = [r.key for r in good if r.key in known and (r.action != "same" or fix_case and r.suggestion)]
    existing: dict[str, Attendee] = {}
    for start in range(0, len(wanted), 500):
        existing.update((a.external_key, a) for a in db.session.scalars(select(Attendee).where(
            Attendee.event_id == ev.id, Attendee.external_key.in_(wanted[start:start + 500]))).unique())
    good = [r for r in good if r.key not in known or r.key in existing]
    new_rows: list[dict] = []
    try:
        for r in good:
            values = _values(r, fix_case)
            person = existing.get(r.key)
            if person is None:
                values.setdefault("precedence", 1000)
                values.update(event_id=ev.id, external_key=r.key, source="import", status="invited")
                values["name_key"] = fold(f"{values['full_name']} | {values.get('organisation') or ''}")
                values["sort_key"] = sort_key(values["full_name"])
                new_rows.append(values)
                continue
            changed = {k: v for k, v in values.items() if getattr(person, k) != v}
            if changed:
                for k, v in changed.items():
                    setattr(person, k, v)
                person.refresh_keys()
                report.updated += 1
        if new_rows:
            cols = sorted({k for v in new_rows for k in v})
            full = [{c: v.get(c, _DEFAULTS.get(c)) for c in cols} for v in new_rows]
            for start in range(0, len(full), 2000):
                db.session.execute(insert(Attendee), full[start:start + 2000])
        report.created = len(new_rows)
        audit("import_attendees", "event", ev.id, actor=actor, user_id=user_id, file=report.filename,
              created=report.created, updated=report.updated, skipped=len(report.bad))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    report.applied = True
    return report


_DEFAULTS = {"honorific": "", "position": "", "organisation": "", "phone": "", "email": "", "notes": "",
             "group_id": None, "district_id": None}


def check_delegate(values: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """One delegate's text fields (honorific, full_name, position, organisation, email,
    precedence, notes) checked exactly as the import checks a row (the edit page uses it):
    (the cleaned values, the problems in Vietnamese). Group, district and phone are the
    caller's (they come from choices and models.phones)."""
    row = ImportRow(line=0, data={k: clean(v) for k, v in values.items()})
    _check(row, {}, {})
    return row.data, row.problems
