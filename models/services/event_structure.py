"""The event's structure, editable: programme items, groups, delegation units, award tiers, and
the protocol ranks (lễ tân: the rank an office gives, models/events/protocol.py).

One description (KINDS) per kind drives the admin form, the list, the .xlsx export and the
.xlsx import, so the four stay alike. Every rule lives here; the views only parse and call.

parse(kind, raw) -> dict of typed values. Raises StructureError (Vietnamese) for a bad field.
save(ev, kind, values, row=None, actor=, user_id=) -> the new or changed row. StructureError
    when the name (or code) is already used by another row of the event. Audited, no commit.
delete(ev, kind, row, ...) -> None. StructureError when the row is in use: a group with people
    (or seat blocks, quotas), a unit with people, exhibitors, awards, tables or links, a tier
    with awards, the programme item the MC is on.
move_item(ev, item, step) (step -1 up, +1 down); delay_from(ev, item, minutes): this item and
    every later one start ``minutes`` later (negative: earlier). StructureError when a time
    would leave the day.
export_xlsx(ev, kind) -> bytes (one sheet, header row).
import_preview(ev, kind, data, filename) -> ImportPreview (rows to write, errors per row, rows
    skipped). Raises ImportFileError for an unreadable file (models.guests.reading, same limits as the
    guest list). As forgiving as the guest list: the header row is looked for in the first
    HEADER_ROWS rows of each sheet (titles above it); totals, notes and the signature block are
    skipped with models.guests.imports.skip_reason(titles=True). import_apply(ev, kind, preview, ...)
    writes it only if it has no error.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace

from sqlalchemy import func, select

from models.accounts.models import audit
from models.ceremony.models import Award, AwardBatch, AwardTier, CeremonyState
from models.checkin import checkpoints
from models.checkin.checkpoints import Checkpoint
from models.core.base import db
from models.core.names import clean, fold
from models.core.numbers import int_or_none, parse_int
from models.districts.models import DistrictLink, DistrictQuota
from models.events.models import Event, Group, ProgrammeItem, ProtocolRank
from models.exhibition.models import Exhibitor, ExhibitTable
from models.guests.exports import sheet_title
from models.guests.imports import SkippedRow, skip_reason
from models.guests.models import Attendee
from models.guests.precedence import refresh_precedence
from models.guests.reading import HEADER_ROWS, read_sheets
from models.hall.models import block_group
from models.units.models import District


class StructureError(ValueError):
    """A field or an action refused. ``str(exc)`` is a Vietnamese message."""


@dataclass(frozen=True)
class Col:
    attr: str
    header: str
    type: str = "text"  # text | int | time | bool | color | choice
    required: bool = False
    max_len: int = 200
    lo: int = 0
    hi: int = 100_000
    choices: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Kind:
    key: str
    model: type
    title: str
    cols: tuple[Col, ...]
    #: the columns a row is matched by on import (code first when the kind has one)
    order_by: str
    #: the attribute that names a row (unique in the event, with ``key_attrs``)
    name_attr: str = "name"
    #: further attributes that, with the name, make a row unique (protocol: the office and its body)
    key_attrs: tuple[str, ...] = ()

    def row_key(self, values) -> str:
        """The folded name (and key attributes) two rows of the event may not share."""
        get = values.get if isinstance(values, dict) else lambda a: getattr(values, a)
        return " | ".join(fold(get(a) or "") for a in (self.name_attr, *self.key_attrs))

    def label(self, row) -> str:
        """How a row is named in messages: "Phó Chủ tịch (HĐND tỉnh; UBND tỉnh)"."""
        extra = [getattr(row, a) for a in self.key_attrs if getattr(row, a)]
        return getattr(row, self.name_attr) + (f" ({'; '.join(extra)})" if extra else "")


_BOOL_TRUE = {"co", "x", "1", "true", "yes", "dung", "c"}
_BOOL_FALSE = {"", "khong", "0", "false", "no", "k"}

PROGRAMME_KINDS = (("item", "Mục chương trình"), ("awards", "Trao thưởng"))
TIER_KINDS = (("certificate", "Giấy chứng nhận"), ("flowers", "Hoa"))

KINDS: dict[str, Kind] = {
    "programme": Kind(
        "programme",
        ProgrammeItem,
        "Chương trình",
        (
            Col("position", "STT", "int", lo=1, hi=999),
            Col("planned_start", "Giờ", "time"),
            Col("title", "Nội dung", required=True, max_len=300),
            Col("title_en", "Nội dung (tiếng Anh)", max_len=300),
            Col("speaker", "Người thực hiện", max_len=300),
            Col("planned_minutes", "Số phút", "int", lo=0, hi=720),
            Col("kind", "Loại", "choice", choices=PROGRAMME_KINDS),
            Col("notes", "Ghi chú", max_len=2000),
        ),
        "position",
        "title",
    ),
    "groups": Kind(
        "groups",
        Group,
        "Thành phần",
        (
            Col("code", "Mã", max_len=40),
            Col("name", "Tên", required=True),
            Col("name_en", "Tên tiếng Anh"),
            Col("color", "Màu", "color"),
            Col("priority", "Thứ tự ưu tiên", "int", lo=0, hi=10_000),
            Col("seats_reserved", "Số ghế dành riêng", "int", lo=0, hi=100_000),
            Col("is_leader", "Lãnh đạo", "bool"),
            Col("is_press", "Báo chí", "bool"),
            Col("is_exhibitor_staff", "Nhân viên gian hàng", "bool"),
        ),
        "priority",
    ),
    "units": Kind(
        "units",
        District,
        "Đơn vị",
        (
            Col("code", "Mã", max_len=40),
            Col("name", "Tên", required=True),
            Col("kind", "Loại", max_len=40),
            Col("sort_order", "Thứ tự", "int", lo=0, hi=10_000),
            Col("exhibit_area", "Khu trưng bày", max_len=100),
            Col("table_count", "Số bàn", "int", lo=0, hi=1_000),
        ),
        "sort_order",
    ),
    "tiers": Kind(
        "tiers",
        AwardTier,
        "Hạng giải",
        (
            Col("code", "Mã", max_len=40),
            Col("name", "Tên", required=True),
            Col("name_en", "Tên tiếng Anh"),
            Col("sort_order", "Thứ tự trao", "int", lo=0, hi=1_000),
            Col("kind", "Hình thức", "choice", choices=TIER_KINDS),
            Col("recognised_by", "Cấp công nhận"),
            Col("stars", "Số sao", "int", lo=1, hi=5),
        ),
        "sort_order",
    ),
    "protocol": Kind(
        "protocol",
        ProtocolRank,
        "Thứ tự lễ tân",
        (
            Col("position", "Chức vụ", required=True, max_len=200),
            Col("body", "Cơ quan", max_len=300),
            Col("rank", "Thứ tự ưu tiên", "int", required=True, lo=1, hi=100_000),
        ),
        "rank",
        "position",
        ("body",),
    ),
    # the places where badges are scanned (models.checkin.checkpoints; page /admin/event/checkpoints)
    "checkpoints": Kind(
        "checkpoints",
        Checkpoint,
        "Điểm kiểm soát",
        (
            Col("name", "Tên", required=True, max_len=80),
            Col("kind", "Loại", "choice", choices=tuple(checkpoints.KIND_LABELS.items())),
            Col("rule", "Quy tắc", "choice", choices=tuple(checkpoints.RULE_LABELS.items())),
            Col("position", "Thứ tự", "int", lo=0, hi=1_000),
        ),
        "position",
    ),
}

_DEFAULTS = {"kind": None, "planned_minutes": 10, "color": "#607d8b", "priority": 100}


_EXCEL_NUMBER = re.compile(r"[0-9]*\.[0-9]+")


def _time(text: str) -> time:
    t = text.strip().lower()
    if _EXCEL_NUMBER.fullmatch(t) and (float(t) < 1 or float(t) >= 1000):
        # Excel's number for a time: a fraction of a day (0.3263888 = 07:50), or a date serial with one
        minutes = round(float(t) % 1 * 1440)
        if minutes >= 1440:
            raise ValueError
        return time(minutes // 60, minutes % 60)
    t = re.sub(r"^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}\s+", "", t)  # a date-time cell ("21/05/2026 07:50"): its time
    t = t.split("t")[-1] if "t" in t and "-" in t else t
    m = re.fullmatch(r"([0-9]{1,2})\s*(?:[:h]\s*([0-9]{1,2})?)?(?::([0-9]{1,2})(?:\.[0-9]+)?)?", t)
    if not m:
        raise ValueError
    return time(parse_int(m.group(1), 0, 23), parse_int(m.group(2) or "0", 0, 59))  # NumberError: a ValueError


def parse_value(col: Col, raw: object) -> object:
    """One field: text -> the typed value (None for an empty optional number/time)."""
    text = clean(raw) if col.attr not in ("notes",) else str(raw or "").strip()
    if text.startswith("="):
        raise StructureError(f"{col.header}: không nhận công thức Excel, hãy ghi giá trị.")
    if not text:
        if col.required:
            raise StructureError(f"{col.header}: không được để trống.")
        if col.type == "bool":
            return False
        if col.type in ("text", "color", "choice"):
            return ""
        return None
    if col.type == "text":
        if len(text) > col.max_len:
            raise StructureError(f"{col.header}: tối đa {col.max_len} ký tự.")
        return text
    if col.type == "int":
        n = int_or_none(text, -9_999_999, 9_999_999)
        if n is None:
            raise StructureError(f'{col.header}: phải là số nguyên ("{text[:20]}").')
        if not col.lo <= n <= col.hi:
            raise StructureError(f"{col.header}: phải từ {col.lo} đến {col.hi}.")
        return n
    if col.type == "time":
        try:
            return _time(text)
        except ValueError:
            raise StructureError(f'{col.header}: giờ không hợp lệ ("{text[:20]}"), ví dụ 08:30.') from None
    if col.type == "bool":
        f = fold(text)
        if f in _BOOL_TRUE:
            return True
        if f in _BOOL_FALSE:
            return False
        raise StructureError(f'{col.header}: ghi "có" hoặc để trống.')
    if col.type == "color":
        c = text if text.startswith("#") else "#" + text
        if not re.fullmatch(r"#[0-9a-fA-F]{6}", c):
            raise StructureError(f"{col.header}: mã màu dạng #rrggbb, ví dụ #c62828.")
        return c.lower()
    if col.type == "choice":
        f = fold(text)
        for value, label in col.choices:
            if f in (value, fold(label)):
                return value
        allowed = ", ".join(label for _, label in col.choices)
        raise StructureError(f"{col.header}: chọn một trong: {allowed}.")
    raise AssertionError(col.type)


def parse(kind: str, raw: dict[str, object]) -> dict[str, object]:
    """Every column of the kind from ``raw`` (attr -> text). StructureError for the first bad one."""
    return {c.attr: parse_value(c, raw.get(c.attr)) for c in KINDS[kind].cols}


def rows_of(ev: Event, kind: str) -> list:
    k = KINDS[kind]
    m = k.model
    return list(db.session.scalars(select(m).where(m.event_id == ev.id).order_by(getattr(m, k.order_by), m.id)))


def _slug(name: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")
    return (s or "muc")[:36]


def _free_code(ev: Event, model: type, name: str, exclude: int | None) -> str:
    base = _slug(name)
    code, n = base, 1
    while db.session.scalar(
        select(model.id).where(model.event_id == ev.id, model.code == code, model.id != (exclude or 0))
    ):
        n += 1
        code = f"{base}-{n}"
    return code


def _check_unique(ev: Event, kind: str, values: dict, row) -> None:
    k = KINDS[kind]
    m = k.model
    others = [r for r in rows_of(ev, kind) if row is None or r.id != row.id]
    if any(k.row_key(r) == k.row_key(values) for r in others):
        if k.key_attrs:
            raise StructureError(f'Dòng "{k.label(SimpleNamespace(**values))}" đã có.')
        raise StructureError(f'Tên "{values[k.name_attr]}" đã có.')
    if hasattr(m, "code") and values.get("code") and any(r.code == values["code"] for r in others):
        raise StructureError(f'Mã "{values["code"]}" đã có.')


def save(
    ev: Event,
    kind: str,
    values: dict[str, object],
    row=None,
    *,
    actor: str = "",
    user_id: int | None = None,
    refresh: bool = True,
):
    """Add (row None) or change a row with parsed values; audited ("structure_add/edit").
    A protocol line changed re-derives the guests' precedence (``refresh=False``: the caller
    does it once, after several lines)."""
    k = KINDS[kind]
    _check_unique(ev, kind, values, row)
    values = dict(values)
    for c in k.cols:
        if values.get(c.attr) is None and c.type in ("text", "choice", "color", "bool"):
            values[c.attr] = False if c.type == "bool" else ""
    for attr, default in _DEFAULTS.items():
        if attr in values and values[attr] in (None, "") and default is not None:
            values[attr] = default
    if kind == "programme" and not values.get("kind"):
        values["kind"] = "item"
    if kind == "tiers" and not values.get("kind"):
        values["kind"] = "certificate"
    if kind == "checkpoints":
        _checkpoint_values(ev, values, row)
    for attr in ("sort_order", "seats_reserved", "table_count"):
        if attr in values and values[attr] is None:
            values[attr] = 0
    if kind == "programme" and values.get("position") is None:
        values["position"] = (
            row.position
            if row is not None
            else (
                db.session.scalar(select(func.max(ProgrammeItem.position)).where(ProgrammeItem.event_id == ev.id)) or 0
            )
            + 1
        )
    if hasattr(k.model, "code") and not values.get("code"):
        values["code"] = (
            row.code
            if row is not None and row.code
            else _free_code(ev, k.model, str(values["name"]), row.id if row is not None else None)
        )
    action = "structure_edit"
    before: dict[str, object] = {}
    if row is None:
        row = k.model(event_id=ev.id)
        db.session.add(row)
        action = "structure_add"
    changed = {}
    for attr, value in values.items():
        old = getattr(row, attr, None)
        if old != value:
            before[attr] = old
            changed[attr] = _plain(value)
            setattr(row, attr, value)
    db.session.flush()
    if kind == "programme":
        _renumber(ev)
    if kind == "protocol" and changed and refresh:
        refresh_precedence(ev)
    if kind == "checkpoints":
        checkpoints.changed()
    if changed or action == "structure_add":
        audit(
            action,
            kind,
            row.id,
            actor=actor,
            user_id=user_id,
            changed=changed,
            before={a: _plain(v) for a, v in before.items()} if action == "structure_edit" else None,
        )
    return row


def _plain(v: object) -> object:
    return v.isoformat() if isinstance(v, (time, date)) else v


def _in_use(ev: Event, kind: str, row) -> str | None:
    def count(stmt) -> int:
        return db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0

    if kind == "groups":
        n = count(select(Attendee.id).where(Attendee.group_id == row.id))
        if n:
            return (
                f'Không xóa được thành phần "{row.name}": còn {n} đại biểu thuộc thành phần này. '
                "Hãy chuyển họ sang thành phần khác trước."
            )
        if count(select(block_group.c.group_id).where(block_group.c.group_id == row.id)) or count(
            select(DistrictQuota.id).where(DistrictQuota.group_id == row.id, DistrictQuota.quota > 0)
        ):
            return f'Không xóa được thành phần "{row.name}": đang dùng trong sơ đồ ghế hoặc chỉ tiêu của đơn vị.'
    if kind == "units":
        uses = [
            (
                count(
                    select(Attendee.id).where((Attendee.district_id == row.id) | (Attendee.nominated_by_id == row.id))
                ),
                "đại biểu",
            ),
            (count(select(Exhibitor.id).where(Exhibitor.district_id == row.id)), "đơn vị trưng bày"),
            (count(select(Award.id).where(Award.district_id == row.id)), "giải thưởng"),
            (count(select(ExhibitTable.id).where(ExhibitTable.district_id == row.id)), "bàn trưng bày"),
            (count(select(DistrictLink.id).where(DistrictLink.district_id == row.id)), "đường dẫn riêng"),
        ]
        used = [f"{n} {what}" for n, what in uses if n]
        if used:
            return f'Không xóa được "{row.name}": còn {", ".join(used)}.'
    if kind == "tiers":
        n = count(select(Award.id).where(Award.tier_id == row.id))
        if n or count(select(AwardBatch.id).where(AwardBatch.tier_id == row.id)):
            return f'Không xóa được hạng "{row.name}": còn {n} giải thưởng thuộc hạng này.'
    if kind == "checkpoints":
        return _checkpoint_in_use(ev, row)
    if kind == "programme":
        on = db.session.scalar(select(CeremonyState.programme_item_id).where(CeremonyState.event_id == ev.id))
        if on == row.id:
            return f'Không xóa được "{row.title}": người dẫn chương trình đang ở mục này.'
    return None


def _checkpoint_in_use(ev: Event, row) -> str | None:
    if checkpoints.has_passes(row.id):
        return (
            f'Không xóa được điểm kiểm soát "{row.name}": đã có lượt quét tại đây (danh sách lượt quét được giữ lại).'
        )
    if row.is_arrival and not [c for c in checkpoints.listed(ev.id) if c.id != row.id and c.is_arrival]:
        return f'Không xóa được "{row.name}": sự kiện cần một cổng điểm danh (lối vào, một lần).'
    return None


def delete(ev: Event, kind: str, row, *, actor: str = "", user_id: int | None = None) -> None:
    """Delete a row that nothing uses; StructureError naming what still uses it."""
    reason = _in_use(ev, kind, row)
    if reason:
        raise StructureError(reason)
    name = KINDS[kind].label(row)
    if kind == "units":
        db.session.execute(db.delete(DistrictQuota).where(DistrictQuota.district_id == row.id))
    if kind == "groups":
        db.session.execute(db.delete(DistrictQuota).where(DistrictQuota.group_id == row.id))
    audit("structure_delete", kind, row.id, actor=actor, user_id=user_id, name=name)
    db.session.delete(row)
    db.session.flush()
    if kind == "programme":
        _renumber(ev)
    if kind == "protocol":
        refresh_precedence(ev)
    if kind == "checkpoints":
        checkpoints.changed()


def _checkpoint_values(ev: Event, values: dict, row) -> None:
    """A checkpoint's defaults (kind "other", rule "once", last position); the event keeps one
    hall entrance that records arrivals (kind "entrance", rule "once")."""
    values["kind"] = values.get("kind") or "other"
    values["rule"] = values.get("rule") or "once"
    if values.get("position") is None:
        values["position"] = (
            row.position
            if row is not None
            else (db.session.scalar(select(func.max(Checkpoint.position)).where(Checkpoint.event_id == ev.id)) or 0) + 1
        )
    if row is not None and row.is_arrival and not checkpoints.is_arrival(values["kind"], values["rule"]):
        others = [c for c in checkpoints.listed(ev.id) if c.id != row.id and checkpoints.is_arrival(c.kind, c.rule)]
        if not others:
            raise StructureError(
                f'"{row.name}" là cổng điểm danh duy nhất của sự kiện: giữ loại "Lối vào" và quy tắc "Một lần".'
            )


def _renumber(ev: Event) -> None:
    items = rows_of(ev, "programme")
    for i, it in enumerate(items, 1):
        if it.position != i:
            it.position = i
    db.session.flush()


def move_item(ev: Event, item: ProgrammeItem, step: int, *, actor: str = "", user_id: int | None = None) -> bool:
    """Swap an item with its neighbour (step -1: up, +1: down). False at either end."""
    _renumber(ev)
    items = rows_of(ev, "programme")
    i = items.index(item)
    j = i + (1 if step > 0 else -1)
    if not 0 <= j < len(items):
        return False
    items[i].position, items[j].position = items[j].position, items[i].position
    audit("programme_move", "programme", item.id, actor=actor, user_id=user_id, to=items[i].position)
    db.session.flush()
    return True


def delay_from(ev: Event, item: ProgrammeItem, minutes: int, *, actor: str = "", user_id: int | None = None) -> int:
    """Shift the planned start of ``item`` and every later item by ``minutes``. Returns how many
    moved. StructureError if a start would leave the day (before 00:00 or after 23:59)."""
    if not -720 <= minutes <= 720 or minutes == 0:
        raise StructureError("Số phút lùi lịch phải khác 0 và trong khoảng -720 đến 720.")
    items = [it for it in rows_of(ev, "programme") if it.position >= item.position]
    new: list[tuple[ProgrammeItem, time]] = []
    for it in items:
        if it.planned_start is None:
            continue
        at = datetime.combine(ev.date, it.planned_start) + timedelta(minutes=minutes)
        if at.date() != ev.date:
            raise StructureError(f'Không lùi được: "{it.title}" sẽ sang ngày khác.')
        new.append((it, at.time()))
    for it, t in new:
        it.planned_start = t
    audit("programme_delay", "programme", item.id, actor=actor, user_id=user_id, minutes=minutes, items=len(new))
    db.session.flush()
    return len(new)


def programme_order_issues(ev: Event) -> list[str]:
    """Where the programme's numbers and times disagree: one Vietnamese line per item that starts
    before the timed item above it ("Mục 4 “Phát biểu” (08:15) bắt đầu trước mục 3 … (08:30)").
    Items without a time are skipped. Empty when the programme runs in time order."""
    out, last = [], None
    for it in rows_of(ev, "programme"):
        if it.planned_start is None:
            continue
        if last is not None and it.planned_start < last.planned_start:
            out.append(
                f"Mục {it.position} “{it.title}” ({it.planned_start:%H:%M}) bắt đầu trước mục "
                f"{last.position} “{last.title}” ({last.planned_start:%H:%M}) ở trên."
            )
        if last is None or it.planned_start >= last.planned_start:
            last = it
    return out


def sort_by_time(ev: Event, *, actor: str = "", user_id: int | None = None) -> int:
    """Number the programme in time order (a stable sort; an item without a time stays after the
    item it followed). Returns how many items changed place; audited."""
    items = rows_of(ev, "programme")
    keyed, at = [], time.min
    for i, it in enumerate(items):
        at = it.planned_start or at
        keyed.append((at, i, it))
    moved = 0
    for pos, (_at, _i, it) in enumerate(sorted(keyed, key=lambda k: (k[0], k[1])), 1):
        if it.position != pos:
            it.position, moved = pos, moved + 1
    if moved:
        audit("programme_sort", "programme", ev.id, actor=actor, user_id=user_id, moved=moved)
    db.session.flush()
    return moved


# --- .xlsx ------------------------------------------------------------------------------------


def _cell(col: Col, value: object) -> object:
    if value is None:
        return ""
    if col.type == "bool":
        return "có" if value else ""
    if col.type == "choice":
        return dict(col.choices).get(value, value)
    if col.type == "time":
        return value.strftime("%H:%M")
    return value


def export_xlsx(ev: Event, kind: str) -> bytes:
    """One sheet: the header row, then one row per item in the list's order."""
    import openpyxl
    from openpyxl.styles import Font

    k = KINDS[kind]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet_title(k.title)
    ws.append([c.header for c in k.cols])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rows_of(ev, kind):
        ws.append([_cell(c, getattr(r, c.attr)) for c in k.cols])
    for i, c in enumerate(k.cols):
        ws.column_dimensions[openpyxl.utils.get_column_letter(i + 1)].width = 12 if c.type != "text" else 32
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@dataclass
class ImportPreview:
    kind: str
    #: (line number, parsed values, existing row id or None)
    rows: list[tuple[int, dict, int | None]] = field(default_factory=list)
    #: (line number, message)
    errors: list[tuple[int, str]] = field(default_factory=list)
    #: totals, notes, the signature block: not rows, not errors
    skipped: list[SkippedRow] = field(default_factory=list)
    #: the sheet the rows were read from
    sheet: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)

    @property
    def created(self) -> int:
        return sum(1 for _, _, rid in self.rows if rid is None)

    @property
    def updated(self) -> int:
        return sum(1 for _, _, rid in self.rows if rid is not None)

    def lines(self) -> list[str]:
        """The preview as text lines (the CLI's report)."""
        out = [
            f"{KINDS[self.kind].title}: {len(self.rows)} dòng hợp lệ (thêm mới {self.created}, "
            f"cập nhật {self.updated}); {len(self.errors)} dòng lỗi"
        ]
        out.extend(f"  Dòng {line}: {msg}" for line, msg in self.errors)
        if self.skipped:
            out.append(f"Bỏ qua {len(self.skipped)} dòng (dòng tổng, ghi chú, ký tên):")
            out.extend(f"  Dòng {s.line}: {s.text[:80]} ({s.reason})" for s in self.skipped)
        return out


def import_preview(ev: Event, kind: str, data: bytes, filename: str) -> ImportPreview:
    """Read and check every row; nothing is written. Matched to existing rows by code (when the
    row gives one), else by name (accents and case ignored)."""
    k = KINDS[kind]
    out = ImportPreview(kind)
    found = _find_header(k, read_sheets(data, filename))
    if found is None:
        missing = [c.header for c in k.cols if c.required]
        out.errors.append(
            (
                1,
                "Thiếu cột: " + ", ".join(missing) + f". Không thấy dòng tiêu đề trong "
                f"{HEADER_ROWS} dòng đầu; các cột: " + ", ".join(c.header for c in k.cols) + ".",
            )
        )
        return out
    out.sheet, table, head, index = found
    existing = rows_of(ev, kind)
    name_attr = k.name_attr
    by_name = {k.row_key(r): r.id for r in existing}
    by_code = {r.code: r.id for r in existing} if hasattr(k.model, "code") else {}
    seen: dict[str, int] = {}
    signed = False
    for line, cells in enumerate(table[head + 1 :], head + 2):
        if not any(str(c).strip() for c in cells):
            continue
        reason = "phần ký tên, dưới danh sách" if signed else skip_reason(cells, index[name_attr], titles=True)
        if reason:  # a total, a note, the signature block and all below it: the guest list's rules
            signed = signed or reason.startswith("phần ký tên")
            out.skipped.append(SkippedRow(line, " · ".join(dict.fromkeys(clean(c) for c in cells if clean(c))), reason))
            continue
        raw = {a: (cells[i] if i < len(cells) else "") for a, i in index.items()}
        try:
            values = {a: v for a, v in parse(kind, raw).items() if a in index}
        except StructureError as exc:
            out.errors.append((line, str(exc)))
            continue
        key = k.row_key({a: values.get(a, "") for a in (name_attr, *k.key_attrs)})
        if key in seen:
            out.errors.append((line, f"Trùng tên với dòng {seen[key]}."))
            continue
        seen[key] = line
        rid = by_code.get(values.get("code") or "") or by_name.get(key)
        out.rows.append((line, values, rid))
    if not out.rows and not out.errors:
        out.errors.append((1, "Tệp không có dòng dữ liệu nào."))
    return out


def _find_header(k: Kind, sheets: list[tuple[str, list[list[str]]]]):
    """(sheet title, rows, header index, attr -> column) of the first sheet with a header row
    naming the kind's required columns within its first HEADER_ROWS rows (titles above it,
    merged or not, are passed over), or None."""
    for title, table in sheets:
        for i, row in enumerate(table[:HEADER_ROWS]):
            header = [fold(h).strip(" :*") for h in row]
            index = {c.attr: header.index(fold(c.header)) for c in k.cols if fold(c.header) in header}
            if all(c.attr in index for c in k.cols if c.required):
                return title, table, i, index
    return None


def import_apply(
    ev: Event, kind: str, preview: ImportPreview, *, actor: str = "", user_id: int | None = None
) -> tuple[int, int]:
    """Write a preview that has no error: (created, updated). StructureError otherwise (and
    then nothing is written: the caller rolls back)."""
    if preview.errors:
        raise StructureError("Tệp còn dòng lỗi: không nhập dòng nào.")
    model = KINDS[kind].model
    for line, values, rid in preview.rows:
        row = db.session.get(model, rid) if rid else None
        full = {c.attr: (getattr(row, c.attr) if row is not None else None) for c in KINDS[kind].cols}
        full.update(values)
        try:
            save(ev, kind, full, row, actor=actor, user_id=user_id, refresh=False)
        except StructureError as exc:
            raise StructureError(f"Dòng {line}: {exc}") from exc
    audit(
        "structure_import", kind, None, actor=actor, user_id=user_id, created=preview.created, updated=preview.updated
    )
    if kind == "protocol":
        refresh_precedence(ev)
    return preview.created, preview.updated
