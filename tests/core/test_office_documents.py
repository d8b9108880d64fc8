"""Documents as a Vietnamese office writes them (issue 21 item 8), over HTTP on each database:
every document's date per Decree 30/2020 (models.core.vndate), every sheet's phones grouped
(models.core.phones.format_phone), exhibitors' contact names capitalised, a product's group chosen."""

from __future__ import annotations

import io
import re
import subprocess
import unicodedata
from datetime import date

import pypdf
from openpyxl import load_workbook

from models.core.base import db
from models.districts import delegations as ds
from models.exhibition.form_input import clean_registration
from models.exhibition.workflow import register_exhibitor
from tests.conftest import ARTIFACTS
from tests.districts.conftest import nomination, setup_districts
from tests.exhibition.conftest import district_of, form

#: a Thursday in May (month 5: no zero) and a letter issued in February (month 2: zero)
EVENT_DAY = date(2027, 5, 6)
ISSUED = date(2027, 2, 6)
RAW_PHONE = re.compile(r"^\+?\d{9,12}$")


def pdf_text(data: bytes) -> str:
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)
    return unicodedata.normalize("NFC", " ".join(text.split()))


def dated(event) -> None:
    event.date = EVENT_DAY
    event.letter_date = ISSUED
    event.letter_place = "Khánh Hòa"
    event.parent_body = "UBND tỉnh Khánh Hòa"
    event.issuing_body = "Sở Nông nghiệp và Môi trường"
    event.letter_number = "45/GM-SNNMT"
    event.signer_authority = "KT. GIÁM ĐỐC"
    event.signer_title = "PHÓ GIÁM ĐỐC"
    event.signer_name = "Trần Thị Ngọc Hợp"
    db.session.commit()


def test_every_document_writes_the_date_per_decree_30(client, auth, event, runner, tmp_path):
    dated(event)
    s = setup_districts(event, quota=3)
    p = ds.save_nomination(s.link_b, nomination(s.guests.id))
    ds.accept(p)
    db.session.commit()
    auth.as_role("admin")
    long_form = "ngày 06 tháng 5 năm 2027"
    # the invitation letter: the issue date (February: "02") and the event's day (May: "5")
    pdf = client.get(f"/admin/districts/{s.b.id}/letters.pdf").data
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "letter_dates.pdf").write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "100",
            "-singlefile",
            str(ARTIFACTS / "letter_dates.pdf"),
            str(ARTIFACTS / "letter_dates"),
        ],
        check=True,
    )
    letters = pdf_text(pdf)
    assert "Khánh Hòa, ngày 06 tháng 02 năm 2027" in letters
    assert f"Thứ Năm, {long_form}" in letters and "tháng 05" not in letters
    # the reports PDF, the MC script, the catalogue
    assert long_form in pdf_text(client.get("/admin/reports/summary.pdf").data)
    mc = pdf_text(client.get("/mc/script.pdf").data)
    assert long_form in mc and not re.search(r"\d{2}/0[3-9]/\d{4}", mc)
    out = tmp_path / "catalogue.pdf"
    assert runner.invoke(args=["catalogue", "--out", str(out)]).exit_code == 0
    assert long_form in pdf_text(out.read_bytes())
    # the badge: the short form, the same zeros
    badge = pdf_text(client.get(f"/desk/badge/{p.id}.pdf").data)
    assert "Thứ Năm, 06/5/2027" in badge and "06/05/2027" not in badge
    # the attendance workbook's title
    wb = load_workbook(io.BytesIO(client.get("/admin/reports/attendance.xlsx").data))
    assert any(long_form in str(c.value) for row in wb["Theo thành phần"].iter_rows() for c in row)


def _cells(data: bytes) -> list[str]:
    wb = load_workbook(io.BytesIO(data))
    return [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


def test_every_sheet_groups_its_phones(client, auth, event):
    """attendance.xlsx ("Vắng mặt"), the guest list and no-shows exports, the exhibitors' export."""
    d = district_of(event)
    data, errors = clean_registration(
        form(d.id, phone="+84 258 379 0123"), today=date(2025, 5, 22), district_ids={d.id}
    )
    assert not errors, errors
    register_exhibitor(event, data)
    db.session.commit()
    auth.as_role("admin")
    for url in (
        "/admin/reports/attendance.xlsx",
        "/admin/attendees/export.xlsx",
        "/admin/attendees/no-shows.xlsx",
        "/admin/exhibitors/export.xlsx",
    ):
        cells = _cells(client.get(url).data)
        assert not [c for c in cells if RAW_PHONE.match(c) and c.startswith("0")], url  # no "0905123456"
        grouped = "0258 379 0123" if "exhibitors" in url else "0905 123 456"
        assert grouped in cells, url


def test_exhibitor_contact_name_capitalised_and_group_chosen(client, event):
    d = district_of(event)
    html = client.get("/exhibitors/register").get_data(as_text=True)
    select = html.split('name="product-0-group">')[1].split("</select>")[0]
    assert select.startswith('<option value="" selected>— Chọn nhóm —</option>')
    # a product without its group: a Vietnamese error, nothing saved
    from models.exhibition.models import Exhibitor

    before = db.session.scalar(db.select(db.func.count()).select_from(Exhibitor))
    bad = form(d.id, **{"product-0-group": ""})
    resp = client.post("/exhibitors/register", data=bad)
    assert "Vui lòng chọn nhóm sản phẩm OCOP." in resp.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Exhibitor)) == before
    # the contact name as every other name is written
    resp = client.post("/exhibitors/register", data=form(d.id, contact_name="  nguyễn THỊ   lan  "))
    assert resp.status_code in (200, 302, 303)
    ex = db.session.scalars(db.select(Exhibitor).order_by(Exhibitor.id.desc())).first()
    assert ex.contact_name == "Nguyễn Thị Lan"


_UNGROUPED = re.compile(r"(?<![\d/:=\-.])0\d{9,10}(?![\d])")


def test_every_page_shows_phones_grouped(client, auth, event):
    """The staff and officer pages that show a phone: never the stored digits (a tel: link may
    carry them)."""
    d = district_of(event)
    data, errors = clean_registration(form(d.id), today=date(2025, 5, 22), district_ids={d.id})
    assert not errors, errors
    ex = register_exhibitor(event, data)
    s = setup_districts(event, quota=3)
    p = ds.save_nomination(s.link_a, nomination(s.guests.id, full_name="Lê Văn Gọi", phone="0905777888"))
    db.session.commit()
    auth.as_role("admin")
    pages = [
        f"/d/{s.token_a}",
        f"/d/{s.token_a}?edit={p.id}",
        f"/admin/districts/{s.a.id}",
        "/admin/attendees",
        f"/admin/attendees/{p.id}/edit",
        "/admin/exhibitors",
        f"/admin/exhibitors/{ex.id}",
        "/desk/",
    ]
    for url in pages:
        resp = client.get(url)
        assert resp.status_code == 200, url
        html = re.sub(r'href="tel:[^"]*"', "", resp.get_data(as_text=True))
        assert not _UNGROUPED.findall(html), (url, _UNGROUPED.findall(html)[:3])
    assert "0905 777 888" in client.get(f"/admin/districts/{s.a.id}").get_data(as_text=True)
