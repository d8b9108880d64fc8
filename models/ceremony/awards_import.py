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
All or nothing: any bad row -> ImportReport with errors (row number, Vietnamese message) and
nothing written. A row whose product + entity already has an award updates it.
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
from models.events.models import District, Event
from models.exhibition.models import Exhibitor, Product
from models.guests.models import Attendee

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
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


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


def import_awards(event: Event, data: bytes, *, actor: str = "") -> ImportReport:
    """Read awards from .xlsx bytes (see the module docstring). Flushes on success only."""
    check_unlocked(event.id)
    report = ImportReport()
    sheet = _read_rows(data, report)
    if sheet is None:
        return report
    rows, cols = sheet
    tiers = list(db.session.scalars(select(AwardTier).where(AwardTier.event_id == event.id)))
    districts = list(db.session.scalars(select(District).where(District.event_id == event.id)))
    people = _people_index(event.id)
    existing = {
        (fold(a.product_name), fold(a.entity_name)): a
        for a in db.session.scalars(select(Award).where(Award.event_id == event.id))
    }

    planned = []
    for n, row in enumerate(rows[1:], start=2):
        if not any(clean(v) for v in row):
            continue
        plan, errs = _plan_row(row, cols, tiers, districts, people)
        if errs:
            report.errors.append((n, "; ".join(errs)))
            continue
        planned.append(plan)
    if report.errors:
        return report
    if not planned:
        report.errors.append((0, "Không có dòng dữ liệu nào."))
        return report
    _save_planned(event, planned, existing, report)
    db.session.flush()
    audit("import_awards", "event", event.id, actor=actor, created=report.created, updated=report.updated)
    award_batches(event, actor=actor)
    return report


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
    row: tuple,
    cols: dict[str, int],
    tiers: list[AwardTier],
    districts: list[District],
    people: dict[str, list[Attendee]],
) -> tuple[tuple | None, list[str]]:
    """One data row as (product, entity, tier, district, person, decision), or its errors."""
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
    return (product, entity, tier, district, person, clean(_cell(row, cols, "decision"))[:100]), errs


def _save_planned(
    event: Event, planned: list[tuple], existing: dict[tuple[str, str], Award], report: ImportReport
) -> None:
    """Create or update the planned awards (matched by folded product + entity); counts them
    in ``report``."""
    for product, entity, tier, district, person, decision in planned:
        award = existing.get((fold(product), fold(entity)))
        if award is None:
            award = Award(event_id=event.id, product_name=product, entity_name=entity)
            db.session.add(award)
            existing[(fold(product), fold(entity))] = award
            report.created += 1
        else:
            report.updated += 1
        award.tier_id = tier.id
        award.district_id = district.id if district else None
        award.recipient_id = person.id if person else None
        award.decision_no = decision or award.decision_no or ""


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
