"""Awards as data: import from an .xlsx sheet, or create them from exhibitors' rated products.

import_awards(event, data): the first sheet, a header row naming the columns (Vietnamese or
English, any order, case and accents ignored):
  product  "Sản phẩm" / "product"            (required)
  entity   "Chủ thể" / "entity"              (required)
  district "Huyện" / "Địa phương" / "district" (optional; matched by name or code)
  tier     "Hạng" / "Hạng sao" / "Số sao" / "tier" (required: 5, "5 sao", a tier code or name)
  recipient "Người nhận" / "recipient"       (optional; a delegate's full name, or their
            external key; with "Đơn vị" / "organisation" to tell two namesakes apart)
  decision "Quyết định" / "decision"         (optional)
An award is the product, its producer and the unit, with its tier and recipient: two rows with
the same product and producer but another unit or another recipient are two awards. Two rows
that are the same award (all five equal) are reported with both row numbers and NOT merged.
A row updates the existing award of the same product, producer and unit (the one with the
same tier and recipient first; each award updated by one row at most; an award of no unit may
be given one), and the report says per row what it changed (field, old, new); any other row
is a new award. Awards missing from the file are kept.
All or nothing: any bad row -> ImportReport with errors (row number, Vietnamese message) and
nothing written. ``dry_run=True``: the same report, nothing written (the web preview, the CLI's
--dry-run).
Raises SequenceLocked after the start (batches are rebuilt by the rules after an import).

awards_from_products(event): one award per rated product (Product.stars 3/4/5) of exhibitors
not rejected or removed, tier by stars, recipient = the exhibitor's first staff member, else
the delegate named as its contact (same organisation preferred). Products with an award keep it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from models.accounts.models import audit
from models.ceremony.models import Award, AwardTier
from models.ceremony.sequence import award_batches, check_unlocked
from models.core.base import db
from models.core.names import clean, fold
from models.events.models import Event
from models.exhibition.models import Exhibitor, Product
from models.guests.models import Attendee
from models.units.models import District

MAX_ROWS = 5000
HEADERS = {
    "product": ("san pham", "ten san pham", "product"),
    "entity": ("chu the", "ten chu the", "entity", "don vi san xuat"),
    "district": ("huyen", "dia phuong", "district", "huyen/thi xa/thanh pho"),
    "tier": ("hang", "hang sao", "so sao", "tier", "stars", "xep hang"),
    "recipient": ("nguoi nhan", "recipient", "dai bieu nhan"),
    "organisation": ("don vi", "co quan", "organisation", "organization"),
    "decision": ("quyet dinh", "so quyet dinh", "decision"),
}


@dataclass
class Planned:
    """A checked data row: the award it describes, and the existing award it updates (if any)."""

    row: int
    product: str
    entity: str
    tier: AwardTier
    district: District | None
    person: Attendee | None
    decision: str
    award: Award | None = None

    @property
    def identity(self) -> tuple:
        """What makes an award: product, producer, unit, tier and recipient."""
        return (
            fold(self.product),
            fold(self.entity),
            self.district.id if self.district else None,
            self.tier.id,
            self.person.id if self.person else None,
        )


@dataclass
class RowOutcome:
    """One imported row in the report: a new award (award_id None), or an existing one with the
    fields it changes as (field, old, new); no changes: the award is as it was."""

    row: int
    product: str
    entity: str
    unit: str
    tier: str
    recipient: str
    award_id: int | None = None
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    #: the tier's English name, when it has one (the page in English shows it)
    tier_en: str = ""

    @property
    def outcome(self) -> str:
        """ "new", "updated" or "same"."""
        if self.award_id is None:
            return "new"
        return "updated" if self.changes else "same"


@dataclass
class ImportReport:
    rows: list[RowOutcome] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    #: (first row, repeated row) of rows that are the same award
    duplicates: list[tuple[int, int]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def created(self) -> int:
        return sum(r.outcome == "new" for r in self.rows)

    @property
    def updated(self) -> int:
        return sum(r.outcome == "updated" for r in self.rows)

    @property
    def unchanged(self) -> int:
        return sum(r.outcome == "same" for r in self.rows)


def _columns(header: tuple) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, cell in enumerate(header):
        key = fold(cell).strip(" :*")
        for name, options in HEADERS.items():
            if key in options and name not in found:
                found[name] = i
    return found


def _tier(value: object, tiers: list[AwardTier]) -> AwardTier | None:
    text = fold(value).replace("★", "").replace("sao", "").strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = str(int(value))
    for t in tiers:
        if text and (
            text == fold(t.code) or fold(value) == fold(t.name) or (t.stars is not None and text == str(t.stars))
        ):
            return t
    return None


def _people_index(event_id: int) -> dict[str, list[Attendee]]:
    index: dict[str, list[Attendee]] = {}
    for a in db.session.scalars(select(Attendee).where(Attendee.event_id == event_id, Attendee.status == "invited")):
        index.setdefault(fold(a.full_name), []).append(a)
        if a.external_key:
            index.setdefault("#" + a.external_key, []).append(a)
    return index


def _recipient(name: object, org: object, index: dict[str, list[Attendee]]) -> tuple[Attendee | None, str]:
    text = clean(name)
    if not text:
        return None, ""
    found = index.get("#" + text) or index.get(fold(text), [])
    if len(found) > 1 and clean(org):
        found = [a for a in found if fold(a.organisation) == fold(org)] or found
    if not found:
        return None, f"không tìm thấy đại biểu “{text}” trong danh sách"
    if len(found) > 1:
        return None, f"có {len(found)} đại biểu tên “{text}”: ghi thêm cột Đơn vị"
    return found[0], ""


def import_awards(event: Event, data: bytes, *, actor: str = "", dry_run: bool = False) -> ImportReport:
    """Read awards from .xlsx bytes (see the module docstring). Flushes on success only;
    ``dry_run``: the same report, nothing flushed (the caller rolls back)."""
    check_unlocked(event.id)
    report = ImportReport()
    sheet = _read_rows(data, report)
    if sheet is None:
        return report
    rows, cols = sheet
    tiers = list(db.session.scalars(select(AwardTier).where(AwardTier.event_id == event.id)))
    districts = list(db.session.scalars(select(District).where(District.event_id == event.id)))
    people = _people_index(event.id)
    planned: list[Planned] = []
    for n, row in enumerate(rows[1:], start=2):
        if not any(clean(v) for v in row):
            continue
        plan, errs = _plan_row(n, row, cols, tiers, districts, people)
        if errs:
            report.errors.append((n, "; ".join(errs)))
            continue
        planned.append(plan)
    _report_duplicates(planned, report)
    if report.errors:
        report.errors.sort(key=lambda e: e[0])
        return report
    if not planned:
        report.errors.append((0, "Không có dòng dữ liệu nào."))
        return report
    existing = list(
        db.session.scalars(select(Award).where(Award.event_id == event.id).order_by(Award.position, Award.id))
    )
    _pair(planned, existing)
    for plan in planned:
        report.rows.append(_outcome(plan))
    if dry_run:
        return report
    _save_planned(event, planned)
    db.session.flush()
    audit(
        "import_awards",
        "event",
        event.id,
        actor=actor,
        created=report.created,
        updated=report.updated,
        changes=[(r.row, r.changes) for r in report.rows if r.changes],
    )
    award_batches(event, actor=actor)
    return report


def _report_duplicates(planned: list[Planned], report: ImportReport) -> None:
    """Rows that are the same award (same product, producer, unit, tier and recipient): every
    later one is an error naming the first row; nothing is merged."""
    first: dict[tuple, int] = {}
    for plan in planned:
        seen = first.setdefault(plan.identity, plan.row)
        if seen != plan.row:
            report.duplicates.append((seen, plan.row))
            report.errors.append(
                (
                    plan.row,
                    f"trùng dòng {seen}: cùng sản phẩm, chủ thể, đơn vị, hạng và người nhận "
                    "(một giải ghi hai lần: xoá một dòng, hoặc ghi người nhận / đơn vị khác)",
                )
            )


def _read_rows(data: bytes, report: ImportReport) -> tuple[list, dict[str, int]] | None:
    """The first sheet's rows and the header's columns; None (the error in ``report``) for a
    file that is no spreadsheet, an empty one, one without the needed columns or too long."""
    from models.core.spreadsheet import SpreadsheetError, read_sheets

    try:  # the one guarded reader (models/core/spreadsheet.py): bombs refused before openpyxl builds
        rows = read_sheets(data, data_only=True, max_rows=MAX_ROWS + 1)[0][1]
    except SpreadsheetError as exc:
        report.errors.append((0, str(exc)))
        return None
    except IndexError:  # no sheet at all
        report.errors.append((0, "Tệp không phải là bảng tính Excel (.xlsx) hợp lệ."))
        return None
    if not rows:
        report.errors.append((0, "Bảng tính trống."))
        return None
    cols = _columns(rows[0])
    missing = [n for n in ("product", "entity", "tier") if n not in cols]
    if missing:
        report.errors.append(
            (
                1,
                "Thiếu cột: "
                + ", ".join({"product": "Sản phẩm", "entity": "Chủ thể", "tier": "Hạng"}[m] for m in missing),
            )
        )
        return None
    if len(rows) > MAX_ROWS:
        report.errors.append((0, f"Tối đa {MAX_ROWS} dòng."))
        return None
    return rows, cols


def _cell(row: tuple, cols: dict[str, int], name: str) -> object:
    i = cols.get(name)
    return row[i] if i is not None and i < len(row) else None


def _plan_row(
    n: int,
    row: tuple,
    cols: dict[str, int],
    tiers: list[AwardTier],
    districts: list[District],
    people: dict[str, list[Attendee]],
) -> tuple[Planned | None, list[str]]:
    """One data row (number ``n``) as a Planned award, or its errors."""
    product = clean(_cell(row, cols, "product"))[:300]
    entity = clean(_cell(row, cols, "entity"))[:300]
    errs = []
    if not product:
        errs.append("thiếu tên sản phẩm")
    if not entity:
        errs.append("thiếu tên chủ thể")
    tier = _tier(_cell(row, cols, "tier"), tiers)
    if tier is None:
        errs.append(f"hạng “{clean(_cell(row, cols, 'tier'))}” không có trong sự kiện")
    district = None
    dname = fold(_cell(row, cols, "district"))
    if dname:
        district = next(
            (d for d in districts if dname in (fold(d.name), fold(d.code)) or fold(d.name).endswith(" " + dname)), None
        )
        if district is None:
            errs.append(f"không có địa phương “{clean(_cell(row, cols, 'district'))}”")
    person, err = _recipient(_cell(row, cols, "recipient"), _cell(row, cols, "organisation"), people)
    if err:
        errs.append(err)
    if errs:
        return None, errs
    decision = clean(_cell(row, cols, "decision"))[:100]
    return Planned(n, product, entity, tier, district, person, decision), errs


def _candidates(plan: Planned, same_names: list[Award]) -> list[Award]:
    """Of the existing awards of this product and producer, those this row may be: the same unit
    first; then ones of no unit (an earlier file without the column); a row without a unit may
    be any of them."""
    unit = plan.district.id if plan.district else None
    exact = [a for a in same_names if a.district_id == unit]
    if unit is not None:
        return exact + [a for a in same_names if a.district_id is None]
    return exact + [a for a in same_names if a.district_id is not None]


def _pair(planned: list[Planned], existing: list[Award]) -> None:
    """Give each row the existing award it updates (Planned.award), never one award to two rows:
    first the award with the same tier and recipient, then any other award of the same
    product, producer and unit (its tier or recipient changed); a row left over is a new award.
    A row without a unit keeps the unit of the award it updates."""
    by_names: dict[tuple[str, str], list[Award]] = {}
    for a in existing:
        by_names.setdefault((fold(a.product_name), fold(a.entity_name)), []).append(a)
    used: set[int] = set()
    for exact in (True, False):
        for plan in planned:
            if plan.award is not None:
                continue
            for a in _candidates(plan, by_names.get((fold(plan.product), fold(plan.entity)), [])):
                same = a.tier_id == plan.tier.id and a.recipient_id == (plan.person.id if plan.person else None)
                if a.id not in used and (same or not exact):
                    plan.award = a
                    used.add(a.id)
                    plan.district = plan.district or a.district  # a row without a unit keeps the award's
                    break


def _person_text(person: Attendee | None) -> str:
    return person.display_name if person else "—"


def _outcome(plan: Planned) -> RowOutcome:
    """What importing ``plan`` does: a new award, or the fields it changes (field, old, new)."""
    out = RowOutcome(
        plan.row,
        plan.product,
        plan.entity,
        plan.district.name if plan.district else "",
        plan.tier.name,
        _person_text(plan.person),
        tier_en=plan.tier.name_en or "",
    )
    a = plan.award
    if a is None:
        return out
    out.award_id = a.id
    changes = [
        ("Hạng", a.tier.name if a.tier else "—", plan.tier.name),
        ("Đơn vị", a.district.name if a.district else "—", plan.district.name if plan.district else "—"),
        ("Người nhận", _person_text(a.recipient), _person_text(plan.person)),
        ("Số quyết định", a.decision_no or "—", plan.decision or a.decision_no or "—"),
        ("Sản phẩm", a.product_name, plan.product),
        ("Chủ thể", a.entity_name, plan.entity),
    ]
    out.changes = [(f, old, new) for f, old, new in changes if old != new]
    return out


def _save_planned(event: Event, planned: list[Planned]) -> None:
    """Create the new awards and write the rows into the awards they update."""
    for plan in planned:
        award = plan.award
        if award is None:
            award = Award(event_id=event.id, product_name=plan.product, entity_name=plan.entity)
            db.session.add(award)
        award.product_name = plan.product
        award.entity_name = plan.entity
        award.tier_id = plan.tier.id
        award.district_id = plan.district.id if plan.district else None
        award.recipient_id = plan.person.id if plan.person else None
        award.decision_no = plan.decision or award.decision_no or ""


def awards_from_products(event: Event, *, actor: str = "") -> int:
    """Create awards from rated products (see the module docstring). Returns how many were made.
    Raises SequenceLocked after the start."""
    check_unlocked(event.id)
    tiers = {t.stars: t for t in db.session.scalars(select(AwardTier).where(AwardTier.event_id == event.id)) if t.stars}
    have = set(
        db.session.scalars(select(Award.product_id).where(Award.event_id == event.id, Award.product_id.is_not(None)))
    )
    people = _people_index(event.id)
    made = 0
    rows = db.session.execute(
        select(Product, Exhibitor)
        .join(Exhibitor, Exhibitor.id == Product.exhibitor_id)
        .where(
            Exhibitor.event_id == event.id, Product.stars.is_not(None), Exhibitor.status.not_in(("rejected", "removed"))
        )
        .order_by(Exhibitor.id, Product.id)
    ).all()
    for product, ex in rows:
        tier = tiers.get(product.stars)
        if tier is None or product.id in have:
            continue
        person = ex.staff[0].attendee if ex.staff else None
        if person is None and ex.contact_name:
            person, _err = _recipient(ex.contact_name, ex.name, people)
        db.session.add(
            Award(
                event_id=event.id,
                tier_id=tier.id,
                product_name=product.name,
                entity_name=ex.name,
                district_id=ex.district_id,
                product_id=product.id,
                recipient_id=person.id if person else None,
                decision_no=product.decision_no,
            )
        )
        made += 1
    db.session.flush()
    audit("awards_from_products", "event", event.id, actor=actor, created=made)
    if made:
        award_batches(event, actor=actor)
    return made
