"""The organiser sets a district's exhibit area and number of tables, and a table's capacity.

Errors are models.exhibition.workflow.ExhibitorError: "bad_count" (not 0..200), "table_in_use" (fewer
tables would drop a table an active exhibitor stands at), "bad_capacity" (not 1..20),
"capacity_below_load" (fewer places than exhibitors already at the table). Audited; commits.
add_table_and_assign(ex): "Thêm bàn" for an exhibitor whose district is full.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from models.accounts.models import audit
from models.core.base import db
from models.core.names import clean
from models.exhibition.models import Exhibitor, ExhibitTable
from models.exhibition.workflow import ACTIVE, ExhibitorError, assign_table, ensure_tables, table_load
from models.units.models import District

MAX_TABLES, MAX_CAPACITY = 200, 20


def set_district_tables(
    district: District, count: int, area: str | None = None, *, actor: str = "", user_id: int | None = None
) -> None:
    """Set the number of tables (numbered 1..count) and, when given, the area's name."""
    if not isinstance(count, int) or not 0 <= count <= MAX_TABLES:
        raise ExhibitorError("bad_count", _l("Số bàn phải từ 0 đến %(n)s.", n=MAX_TABLES))
    before = district.table_count
    extra = list(
        db.session.scalars(
            select(ExhibitTable).where(ExhibitTable.district_id == district.id, ExhibitTable.number > count)
        )
    )
    busy = [t.number for t in extra if table_load(t.id)]
    if busy:
        raise ExhibitorError(
            "table_in_use",
            _l(
                "Bàn %(n)s đang có gian hàng; hãy chuyển gian hàng trước khi bớt bàn.",
                n=", ".join(map(str, sorted(busy))),
            ),
        )
    for t in extra:
        db.session.delete(t)
    if area is not None:
        district.exhibit_area = clean(area)[:100]
    district.table_count = count
    db.session.flush()
    ensure_tables(district)
    audit(
        "set_exhibit_tables",
        "district",
        district.id,
        actor=actor,
        user_id=user_id,
        before=before,
        after=count,
        area=district.exhibit_area,
    )
    db.session.commit()


def set_capacity(table: ExhibitTable, capacity: int, *, actor: str = "", user_id: int | None = None) -> None:
    """How many exhibitors may share the table."""
    if not isinstance(capacity, int) or not 1 <= capacity <= MAX_CAPACITY:
        raise ExhibitorError("bad_capacity", _l("Sức chứa của bàn phải từ 1 đến %(n)s.", n=MAX_CAPACITY))
    load = table_load(table.id)
    if capacity < load:
        raise ExhibitorError("capacity_below_load", _l("Bàn %(n)s đang có %(k)s gian hàng.", n=table.number, k=load))
    before, table.capacity = table.capacity, capacity
    audit("set_table_capacity", "exhibit_table", table.id, actor=actor, user_id=user_id, before=before, after=capacity)
    db.session.commit()


def add_table_and_assign(ex: Exhibitor, *, actor: str = "", user_id: int | None = None) -> ExhibitTable:
    """The organiser's "Thêm bàn" when the exhibitor's district has no free place: one more table
    in the district's area (audited set_exhibit_tables), then the exhibitor is put at it
    (audited assign_table). Errors: "no_district", "bad_count" (already MAX_TABLES), and those of
    assign_table (e.g. "bad_status" for an exhibitor not approved)."""
    district = ex.district
    if district is None:
        raise ExhibitorError("no_district", _l("Gian hàng chưa chọn huyện nên chưa thể thêm bàn."))
    if ex.status not in ACTIVE:
        raise ExhibitorError("bad_status", _l("Chỉ xếp bàn cho hồ sơ đã duyệt."))
    count = max(district.table_count or 0, len(ensure_tables(district))) + 1
    set_district_tables(district, count, actor=actor, user_id=user_id)
    table = db.session.scalar(
        select(ExhibitTable).where(ExhibitTable.district_id == district.id, ExhibitTable.number == count)
    )
    return assign_table(ex, table.id, actor=actor, user_id=user_id)
