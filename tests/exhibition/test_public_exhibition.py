"""The exhibition for visitors and the press: /exhibition/ and the table pages (no login, no
contact data, only approved exhibitors), the QR on each table card (decoded from the rendered
PDF), the catalogue PDF read back with pdftotext, the results workbook read back."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import zxingcpp
from openpyxl import load_workbook
from PIL import Image

from models.ceremony.models import Award, AwardTier
from models.core.base import db
from models.exhibition.models import ExhibitTable
from models.exhibition.workflow import reject
from models.units.models import District
from tests.exhibition.conftest import district_of, other_district
from tests.exhibition.test_reports import make
from tests.factories import make_event

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


def world(ev):
    """Nha Trang: A (5, 4, potential; table 1), B (3; table 2), C (4, no table yet), a pending one
    and a rejected one; Cam Lâm: D (5; table 1)."""
    nt, cl = district_of(ev), other_district(ev, tables=2)
    xs = {
        "A": make(ev, nt, "Chủ thể An Bình", ["5", "4", "potential"], table=1),
        "B": make(ev, nt, "Chủ thể Bảo Châu", ["3"], table=2),
        "C": make(ev, nt, "Chủ thể Cẩm Đào", ["4"]),
        "pending": make(ev, nt, "Chủ thể Chờ Duyệt", ["5"], approved=False),
        "rejected": make(ev, nt, "Chủ thể Bị Từ Chối", ["4"], approved=False),
        "D": make(ev, cl, "Chủ thể Đồng Khánh", ["5"], table=1),
    }
    reject(xs["rejected"], "Hồ sơ thiếu")
    return nt, cl, xs


def test_public_page_lists_approved_products_only_without_contacts(client, event):
    nt, cl, xs = world(event)
    resp = client.get("/exhibition/")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    for name in (
        "Chủ thể An Bình SP0",
        "Chủ thể An Bình SP1",
        "Chủ thể An Bình SP2",
        "Chủ thể Bảo Châu SP0",
        "Chủ thể Cẩm Đào SP0",
        "Chủ thể Đồng Khánh SP0",
    ):
        assert html.count(name) == 1, name
    assert "Chờ Duyệt" not in html and "Bị Từ Chối" not in html
    for private in ("Phạm Thị Hoa", "0905", "905 123", "htx.suoitan@example.vn", "Nguyễn Thị Lan", "Suối Tân"):
        assert private not in html, private
    assert "★★★★★" in html and "Bàn 1" in html and "Chưa xếp bàn" in html
    # by unit, in the units' order: Nha Trang's section before Cam Lâm's
    assert html.index(f'data-unit="{nt.id}"') < html.index(f'data-unit="{cl.id}"')
    # the table map: every table of both units; the taken ones link to their page
    svg = html[html.index("<svg") : html.index("</svg>")]
    t1 = xs["A"].table_id
    assert f'href="/exhibition/table/{t1}"' in svg and svg.count("data-table=") == 3 + 2
    assert "TP Nha Trang" in svg and "Huyện Cam Lâm" in svg


def test_filters_by_unit_and_stars(client, event):
    nt, cl, xs = world(event)
    html = client.get(f"/exhibition/?unit={cl.id}").get_data(as_text=True)
    assert "Chủ thể Đồng Khánh SP0" in html and "Chủ thể An Bình" not in html
    html = client.get("/exhibition/?stars=5").get_data(as_text=True)
    assert "Chủ thể An Bình SP0" in html and "Chủ thể Đồng Khánh SP0" in html
    assert "Chủ thể An Bình SP1" not in html and "Chủ thể Bảo Châu" not in html
    html = client.get(f"/exhibition/?stars=0&unit={nt.id}").get_data(as_text=True)
    assert "Chủ thể An Bình SP2" in html and "SP0" not in html
    html = client.get("/exhibition/?stars=4&unit=999999").get_data(as_text=True)  # unknown unit: every unit
    assert "Chủ thể Cẩm Đào SP0" in html and "Chủ thể An Bình SP1" in html
    for unknown in ("?stars=9", "?unit=999999999"):  # a number that is no choice: no filter
        resp = client.get("/exhibition/" + unknown)
        assert resp.status_code == 200 and "Chủ thể An Bình SP0" in resp.get_data(as_text=True)
    # not a whole number in digits 0-9: a 400 that names the filter (issue 22), never a 500
    for bad in ("?unit=abc", "?stars=%3Cscript%3E", "?unit=" + "9" * 40, "?stars=²", "?stars=%EF%BC%95"):
        resp = client.get("/exhibition/" + bad)
        html = resp.get_data(as_text=True)
        assert resp.status_code == 400 and "phải là số nguyên" in html and "Chủ thể An Bình" not in html, bad


def test_table_page(client, event):
    nt, cl, xs = world(event)
    t = xs["A"].table_id
    resp = client.get(f"/exhibition/table/{t}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Bàn 1 · TP Nha Trang" in html
    assert "Chủ thể An Bình SP0" in html and "Chủ thể Bảo Châu" not in html and "0905" not in html
    # a table whose only exhibitor was rejected, an empty one, another event's, none at all
    empty = db.session.scalars(
        db.select(ExhibitTable).where(ExhibitTable.district_id == nt.id, ExhibitTable.number == 3)
    ).one()
    assert "Bàn này chưa có gian hàng" in client.get(f"/exhibition/table/{empty.id}").get_data(as_text=True)
    other = make_event(people=1)
    d = db.session.scalars(db.select(District).where(District.event_id == other.id)).first()
    foreign = ExhibitTable(district_id=d.id, number=1)
    db.session.add(foreign)
    other.is_current, event.is_current = False, True
    db.session.commit()
    assert client.get(f"/exhibition/table/{foreign.id}").status_code == 404
    assert client.get("/exhibition/table/987654").status_code == 404


def test_table_cards_carry_a_qr_to_the_table_page(client, auth, app, event, runner, tmp_path):
    nt, cl, xs = world(event)
    out = tmp_path / "cards.pdf"
    result = runner.invoke(args=["exhibitor-cards", "--out", str(out), "--base-url", "http://192.168.1.10:8000/"])
    assert result.exit_code == 0, result.output
    subprocess.run(["pdftoppm", "-png", "-r", "100", str(out), str(tmp_path / "c")], check=True)
    found = []
    for png in sorted(tmp_path.glob("c-*.png")):
        found.append([r.text for r in zxingcpp.read_barcodes(Image.open(png), formats=zxingcpp.BarcodeFormat.QRCode)])
    # cards by unit and table: A (NT 1), B (NT 2), C (no table: no QR), D (Cam Lâm 1)
    assert found == [
        [f"http://192.168.1.10:8000/exhibition/table/{xs['A'].table_id}"],
        [f"http://192.168.1.10:8000/exhibition/table/{xs['B'].table_id}"],
        [],
        [f"http://192.168.1.10:8000/exhibition/table/{xs['D'].table_id}"],
    ]
    assert (
        runner.invoke(args=["exhibitor-cards", "--out", str(tmp_path / "x.pdf"), "--base-url", "venue"]).exit_code != 0
    )
    # the admin's PDF: the configured address of the venue network
    app.config["PUBLIC_BASE_URL"] = "http://10.0.0.5:8000"
    auth.as_role("admin")
    resp = client.get("/admin/exhibitors/cards.pdf")
    (tmp_path / "web.pdf").write_bytes(resp.data)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "100", "-f", "1", "-l", "1", str(tmp_path / "web.pdf"), str(tmp_path / "w")],
        check=True,
    )
    png = next(tmp_path.glob("w-*.png"))
    texts = [r.text for r in zxingcpp.read_barcodes(Image.open(png), formats=zxingcpp.BarcodeFormat.QRCode)]
    assert texts == [f"http://10.0.0.5:8000/exhibition/table/{xs['A'].table_id}"]


def test_catalogue_pdf(app, runner, event, tmp_path):
    nt, cl, xs = world(event)
    out = tmp_path / "catalogue.pdf"
    result = runner.invoke(args=["catalogue", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "6 sản phẩm, 2 đơn vị" in result.output
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], check=True, capture_output=True, text=True).stdout
    assert "DANH MỤC SẢN PHẨM OCOP TRƯNG BÀY" in text and event.name in text
    for name in (
        "Chủ thể An Bình SP0",
        "Chủ thể An Bình SP1",
        "Chủ thể An Bình SP2",
        "Chủ thể Bảo Châu SP0",
        "Chủ thể Cẩm Đào SP0",
        "Chủ thể Đồng Khánh SP0",
    ):
        assert text.count(name) == 1, name  # every approved product once
    assert len(re.findall(r"SP\d", text)) == 6
    assert "Chờ Duyệt" not in text and "Bị Từ Chối" not in text and "0905" not in text
    # grouped by unit: Nha Trang's products, then Cam Lâm's heading, then its product
    assert (
        text.index("TP Nha Trang")
        < text.index("Chủ thể Cẩm Đào SP0")
        < text.index("Huyện Cam Lâm · Khu F")
        < text.index("Chủ thể Đồng Khánh SP0")
    )
    assert "5 sao" in text and "Tiềm năng" in text and "Thực phẩm" in text
    fonts = subprocess.run(["pdffonts", str(out)], check=True, capture_output=True, text=True).stdout
    assert "LiberationSerif" in fonts and "LiberationSerif-Bold" in fonts
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "catalogue.pdf").write_bytes(out.read_bytes())
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(out), str(ARTIFACTS / "catalogue")],
        check=True,
    )


def test_results_workbook(app, runner, event, tmp_path):
    nt, cl, xs = world(event)
    five = AwardTier(event_id=event.id, code="5sao", name="Chứng nhận 5 sao", stars=5, sort_order=1)
    four = AwardTier(event_id=event.id, code="4sao", name="Chứng nhận 4 sao", stars=4, sort_order=2)
    db.session.add_all([five, four])
    db.session.flush()
    db.session.add_all(
        [
            Award(
                event_id=event.id,
                tier_id=four.id,
                product_name='=HYPERLINK("http://x")',
                entity_name="HTX B",
                district_id=cl.id,
                decision_no="12/QĐ-UBND",
                position=1,
            ),
            Award(
                event_id=event.id,
                tier_id=five.id,
                product_name="Yến sào Khánh Hòa",
                entity_name="Công ty Yến",
                district_id=nt.id,
                decision_no="1234/QĐ-BNN",
                position=0,
            ),
        ]
    )
    db.session.commit()
    out = tmp_path / "results.xlsx"
    result = runner.invoke(args=["results", "--out", str(out)])
    assert result.exit_code == 0, result.output
    ws = load_workbook(out).active
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0] == [
        "TT",
        "Hạng khen thưởng",
        "Hạng sao",
        "Sản phẩm",
        "Chủ thể (nhà sản xuất)",
        "Đơn vị",
        "Số quyết định",
        "Người nhận",
    ]
    assert rows[1] == [
        1,
        "Chứng nhận 5 sao",
        5,
        "Yến sào Khánh Hòa",
        "Công ty Yến",
        "TP Nha Trang",
        "1234/QĐ-BNN",
        None,
    ]
    assert rows[2][1:4] == ["Chứng nhận 4 sao", 4, '=HYPERLINK("http://x")']
    cell = ws.cell(row=3, column=4)
    assert cell.data_type == "s" and cell.quotePrefix


def test_public_page_in_english(client, event):
    world(event)
    html = client.get("/exhibition/?lang=en").get_data(as_text=True)
    assert "OCOP product exhibition" in html and "Exhibition table map" in html and "No table yet" in html
