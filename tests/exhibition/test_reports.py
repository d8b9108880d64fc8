"""Per-district counts, the district view, A5 table cards (real PDF parsed back, rendered) and the
.xlsx export (real workbook read back, formula injection)."""

from __future__ import annotations

import io
import subprocess
from datetime import date

from openpyxl import load_workbook
from pypdf import PdfReader

from models.core.base import db
from models.exhibition.form_input import clean_registration
from models.exhibition.reports import district_overview, table_cards_pdf
from models.exhibition.workflow import (
    approve,
    assign_table,
    ensure_tables,
    find_exhibitors,
    mark_set_up,
    register_exhibitor,
)
from tests.exhibition.conftest import district_of, form, other_district

SCRIPT = '<script>alert("x")</script>'


def make(ev, district, name, ratings, *, approved=True, table=None, set_up=False):
    over = {"name": name}
    for i in range(3):
        over[f"product-{i}-name"] = ""
        over[f"product-{i}-rating"] = ""
        over[f"product-{i}-decision_no"] = ""
        over[f"product-{i}-decision_date"] = ""
    for i, r in enumerate(ratings):
        over.update(
            {
                f"product-{i}-name": f"{name} SP{i}",
                f"product-{i}-group": "thuc_pham",
                f"product-{i}-rating": r,
                f"product-{i}-decision_no": "" if r == "potential" else f"{i}/QĐ",
                f"product-{i}-decision_date": "" if r == "potential" else "2024-07-01",
            }
        )
    data, errors = clean_registration(form(district.id, **over), today=date(2025, 5, 22), district_ids={district.id})
    assert not errors, errors
    ex = register_exhibitor(ev, data)
    if approved:
        approve(ex)
        if table is not None:
            assign_table(ex, ensure_tables(district)[table - 1].id)
        if set_up:
            mark_set_up(ex)
    return ex


def test_per_district_counts(client, auth, event):
    nt = district_of(event)
    cl = other_district(event, tables=2)
    make(event, nt, "Chủ thể A", ["5", "4", "potential"], table=1, set_up=True)
    make(event, nt, "Chủ thể B", ["3", "3"], table=2)
    make(event, nt, "Chủ thể C", ["4"])  # approved, no table yet
    make(event, nt, "Chủ thể chờ", ["5"], approved=False)  # not counted: not approved
    make(event, cl, "Chủ thể Cam Lâm", ["potential", "potential"], table=2)
    rows = {r["district"].name: r for r in district_overview(event)}
    a = rows["TP Nha Trang"]
    assert a["counts"] == {"5": 1, "4": 2, "3": 2, "potential": 1, "products": 6}
    assert (a["active"], a["set_up"], a["waiting"], a["exhibitors"]) == (3, 1, 1, 4)
    assert [len(t["exhibitors"]) for t in a["tables"]] == [1, 1, 0]
    assert [x.name for x in a["unplaced"]] == ["Chủ thể C"]
    b = rows["Huyện Cam Lâm"]
    assert b["counts"] == {"5": 0, "4": 0, "3": 0, "potential": 2, "products": 2}
    assert [t["table"].number for t in b["tables"]] == [1, 2]
    assert [x.name for x in b["tables"][1]["exhibitors"]] == ["Chủ thể Cam Lâm"]
    auth.as_role("admin")
    html = client.get("/admin/exhibitors/districts").get_data(as_text=True)
    assert f'data-district="{nt.id}"' in html and f'data-district="{cl.id}"' in html
    assert "Đã bày xong 1/3" in html and "Chờ duyệt 1" in html and "Chủ thể C" in html


def test_table_cards_pdf(client, auth, event, tmp_path):
    nt = district_of(event)
    make(event, nt, "Hộ kinh doanh Nước mắm Cửa Bé", ["5", "potential"], table=2)
    make(event, nt, f"{SCRIPT} Đặc sản", ["3"], table=1)
    make(event, nt, "Chưa duyệt", ["4"], approved=False)
    auth.as_role("admin")
    resp = client.get("/admin/exhibitors/cards.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(resp.data))
    assert len(reader.pages) == 2  # the approved ones only, one A5 card each
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (round(width), round(height)) == (595, 420)  # A5 landscape, in points
    first, second = (p.extract_text() for p in reader.pages)
    assert "Bàn 1" in first and SCRIPT in first  # drawn as text, exactly as typed
    assert "Bàn 2" in second and "Hộ kinh doanh Nước mắm Cửa Bé" in second and "TP Nha Trang" in second
    assert "★★★★★" in second and "Tiềm năng" in second
    names = {str(f.get_object()["/BaseFont"]) for page in reader.pages for f in page["/Resources"]["/Font"].values()}
    assert names and all("DejaVu" in n for n in names), names  # embedded, never Helvetica
    path = tmp_path / "cards.pdf"
    path.write_bytes(resp.data)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "2", "-l", "2", str(path), str(tmp_path / "card")], check=True
    )
    from tests.conftest import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "exhibitor_table_card.png").write_bytes(next(tmp_path.glob("card*.png")).read_bytes())
    # an empty selection is still a valid PDF
    empty = client.get("/admin/exhibitors/cards.pdf?status=removed")
    assert len(PdfReader(io.BytesIO(empty.data)).pages) == 1


def test_xlsx_export_is_formula_safe(client, auth, event):
    nt = district_of(event)
    make(event, nt, '=HYPERLINK("http://evil.example","bấm")', ["4"], table=1)
    make(event, nt, "@SUM(1+1)", ["potential"], approved=False)
    ex = make(event, nt, "Bình thường", ["5"], table=2)
    ex.contact_name, ex.address = "+cmd|' /C calc'!A0", "-2+3"
    db.session.commit()
    auth.as_role("admin")
    resp = client.get("/admin/exhibitors/export.xlsx")
    assert resp.status_code == 200 and "spreadsheetml" in resp.mimetype
    wb = load_workbook(io.BytesIO(resp.data))
    ws = wb["Chủ thể"]
    rows = list(ws.iter_rows(min_row=2))
    assert len(rows) == 3 and ws["B1"].value == "Tên chủ thể"
    for row in rows:
        for cell in row:
            assert cell.data_type != "f", (cell.coordinate, cell.value)
            if isinstance(cell.value, str) and cell.value[:1] in "=+-@":
                assert cell.quotePrefix, cell.coordinate
    names = {r[1].value for r in rows}
    assert '=HYPERLINK("http://evil.example","bấm")' in names and "@SUM(1+1)" in names
    products = list(wb["Sản phẩm"].iter_rows(min_row=2, values_only=True))
    assert len(products) == 3 and {p[5] for p in products} == {4, "Tiềm năng", 5}
    # filters apply to the export too
    only = load_workbook(io.BytesIO(client.get("/admin/exhibitors/export.xlsx?stars=5").data))
    assert [r[1] for r in only["Chủ thể"].iter_rows(min_row=2, values_only=True)] == ["Bình thường"]
    assert len(find_exhibitors(event)) == 3


def test_cards_from_the_cli(runner, event, tmp_path):
    nt = district_of(event)
    make(event, nt, "Chủ thể CLI", ["4"], table=1)
    out = tmp_path / "c.pdf"
    result = runner.invoke(args=["exhibitor-cards", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Chủ thể CLI" in PdfReader(str(out)).pages[0].extract_text()
    xlsx = tmp_path / "e.xlsx"
    assert runner.invoke(args=["export-exhibitors", "--out", str(xlsx)]).exit_code == 0
    assert load_workbook(xlsx)["Chủ thể"]["B2"].value == "Chủ thể CLI"
    link = runner.invoke(args=["exhibitor-link", str(find_exhibitors(event)[0].id)])
    assert link.exit_code == 0 and "/exhibitors/status/" in link.output.splitlines()[-1]


def test_table_cards_direct_long_text(app, event):
    nt = district_of(event)
    ex = make(event, nt, "Công ty " + "Rất Dài " * 30, ["5", "4", "3", "potential"], table=1)
    pdf = table_cards_pdf(event, [ex])
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Công ty" in text and "Bàn 1" in text


def test_organiser_sets_tables_and_capacity(client, auth, event):
    from models.accounts.models import AuditLog
    from models.exhibition.models import ExhibitTable

    nt = district_of(event)
    ex = make(event, nt, "Chủ thể bàn 3", ["4"], table=3)
    auth.as_role("admin")
    resp = client.post(
        f"/admin/exhibitors/districts/{nt.id}",
        data={"table_count": "5", "exhibit_area": "Sảnh A"},
        follow_redirects=True,
    )
    assert "Đã lưu khu trưng bày và số bàn" in resp.get_data(as_text=True)
    db.session.refresh(nt)
    assert nt.table_count == 5 and nt.exhibit_area == "Sảnh A"
    assert [t.number for t in ensure_tables(nt)] == [1, 2, 3, 4, 5]
    # fewer tables than the one in use: refused, nothing changes
    resp = client.post(f"/admin/exhibitors/districts/{nt.id}", data={"table_count": "2"}, follow_redirects=True)
    assert "Bàn 3 đang có gian hàng" in resp.get_data(as_text=True)
    db.session.refresh(nt)
    assert nt.table_count == 5
    for bad in ("-1", "abc", "201", ""):
        resp = client.post(f"/admin/exhibitors/districts/{nt.id}", data={"table_count": bad}, follow_redirects=True)
        assert "Số bàn phải từ 0 đến 200" in resp.get_data(as_text=True)
    client.post(f"/admin/exhibitors/districts/{nt.id}", data={"table_count": "3"})
    db.session.refresh(nt)
    assert [t.number for t in ensure_tables(nt)] == [1, 2, 3]
    # capacity: two producers share table 3
    t3 = db.session.scalar(db.select(ExhibitTable).where(ExhibitTable.id == ex.table_id))
    assert "đủ chỗ" not in client.post(
        f"/admin/exhibitors/tables/{t3.id}", data={"capacity": "2"}, follow_redirects=True
    ).get_data(as_text=True)
    db.session.refresh(t3)
    assert t3.capacity == 2
    other = make(event, nt, "Chủ thể ghép bàn", ["3"], table=3)
    assert other.table_id == t3.id
    resp = client.post(f"/admin/exhibitors/tables/{t3.id}", data={"capacity": "1"}, follow_redirects=True)
    assert "đang có 2 gian hàng" in resp.get_data(as_text=True)
    db.session.refresh(t3)
    assert t3.capacity == 2
    assert client.post(f"/admin/exhibitors/tables/{t3.id}", data={"capacity": "0"}).status_code == 302
    db.session.refresh(t3)
    assert t3.capacity == 2
    actions = set(db.session.scalars(db.select(AuditLog.action)))
    assert {"set_exhibit_tables", "set_table_capacity"} <= actions
    html = client.get("/admin/exhibitors/districts").get_data(as_text=True)
    assert "Sảnh A" in html and 'data-action="capacity"' in html
    assert client.post("/admin/exhibitors/tables/999999", data={"capacity": "2"}).status_code == 404
