"""Invitation letters (the layout and settings: test_letter_layout.py): one A4 page per
delegate, Vietnamese text extractable in NFC, each page's
QR decodes to that delegate's current badge code; the CLI command."""

from __future__ import annotations

import io
import subprocess
import unicodedata
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from models import codes
from models.core.base import db
from models.districts import delegations as ds
from models.events.service import keyring
from models.guests.badges import reissue_badge
from models.guests.models import Attendee
from tests.districts.conftest import nomination, setup_districts

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


def qr_codes_per_page(pdf: bytes, tmp_path: Path) -> list[list[str]]:
    src = tmp_path / "letters.pdf"
    src.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "110", str(src), str(tmp_path / "p")], check=True)
    out = []
    for png in sorted(tmp_path.glob("p-*.png")):
        out.append([r.text for r in zxingcpp.read_barcodes(Image.open(png), formats=zxingcpp.BarcodeFormat.QRCode)])
    return out


def accepted(s, n: int = 2) -> list[Attendee]:
    people = []
    for name, org in (
        ("Nguyễn Thị Ánh Tuyết", "UBND xã Cam Hải Tây"),
        ("Đặng Văn Ưng", "HTX Yến sào Cam Lâm"),
        ("Hồ Thị Kỷ", "Hội Nông dân huyện"),
    )[:n]:
        p = ds.save_nomination(s.link_b, nomination(s.guests.id, full_name=name, organisation=org, phone=""))
        ds.accept(p)
        people.append(p)
    db.session.commit()
    return people


def test_letters_pdf_text_and_qr(app, event, tmp_path):
    from models.districts.invitations import letter_data, render_letters

    event.organiser = "Ủy ban nhân dân tỉnh Khánh Hòa"
    event.venue = "Hội trường Trung tâm Hội nghị tỉnh, Nha Trang"
    s = setup_districts(event, quota=5)
    people = accepted(s, 3)
    reissue_badge(people[1], reason="mất thẻ")  # the letter must carry the new code
    db.session.commit()
    from datetime import date

    pdf = render_letters(event, letter_data(event, s.b), date(2025, 5, 10))
    (ARTIFACTS / "district_letters.pdf").parent.mkdir(exist_ok=True)
    (ARTIFACTS / "district_letters.pdf").write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 3
    assert all(round(float(p.mediabox.width)) == 595 and round(float(p.mediabox.height)) == 842 for p in reader.pages)
    fonts = {str(f["/BaseFont"]) for p in reader.pages for f in p["/Resources"]["/Font"].values()}
    assert all("LiberationSerif" in f for f in fonts) and not any("Helvetica" in f for f in fonts)
    by_page = qr_codes_per_page(pdf, tmp_path)
    ring = keyring()
    letters = letter_data(event, s.b)
    for page, letter, qrs in zip(reader.pages, letters, by_page, strict=True):
        text = page.extract_text()
        assert text == unicodedata.normalize("NFC", text)
        text = " ".join(text.split())  # a long issuing body is set on two lines
        for needle in (
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "GIẤY MỜI",
            "ỦY BAN NHÂN DÂN TỈNH KHÁNH HÒA",
            event.name,
            f"Kính mời: Bà {letter.name}",
            letter.organisation,
            "Huyện Cam Lâm",
            letter.seat,
            "Nha Trang, ngày 10 tháng 5 năm 2025",
            "Thứ Năm, ngày 22 tháng 5 năm 2025",
            "TM. BAN TỔ CHỨC",
        ):
            assert needle in text, (needle, text)
        person = db.session.get(Attendee, letter.attendee_id)
        assert qrs == [person.current_badge.code]
        parsed = codes.verify_code(qrs[0], ring, event_tag=event.tag)
        assert (parsed.attendee_id, parsed.serial) == (person.id, person.current_badge.serial)
    assert {lt.attendee_id for lt in letters} == {p.id for p in people}
    old = [b.code for b in people[1].badges if b.revoked_at is not None]
    assert old and not any(old[0] in q for q in by_page)


def test_letters_of_nobody_is_an_error(app, event):
    from models.districts.invitations import letter_data, render_letters

    s = setup_districts(event)
    assert letter_data(event, s.b) == []
    with pytest.raises(ValueError):
        render_letters(event, [], None)


def test_cli_invitations(app, runner, event, tmp_path):
    s = setup_districts(event)
    accepted(s, 2)
    out = tmp_path / "cam-lam.pdf"
    result = runner.invoke(args=["invitations", "--district", "huyện cam lam", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "2 giấy mời" in result.output
    assert len(PdfReader(str(out)).pages) == 2
    # the district of the factory: its six delegates (TP Nha Trang, by code)
    out2 = tmp_path / "nt.pdf"
    assert runner.invoke(args=["invitations", "--district", "nha-trang", "--out", str(out2)]).exit_code == 0
    assert len(PdfReader(str(out2)).pages) == 6
    bad = runner.invoke(args=["invitations", "--district", "Trường Sa", "--out", str(tmp_path / "x.pdf")])
    assert bad.exit_code != 0 and "Không có huyện" in bad.output and not (tmp_path / "x.pdf").exists()


def test_cli_district_link(app, runner, event):
    s = setup_districts(event)
    result = runner.invoke(args=["district-link", "cam-lam", "--new", "--deadline", "2025-05-20 17:00"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1].rsplit("/d/", 1)[1]
    link = ds.link_from_token(token, app.secret_key)
    assert link.district_id == s.b.id and link.deadline.isoformat() == "2025-05-20T10:00:00"
    with pytest.raises(ds.LinkError):
        ds.link_from_token(s.token_b, app.secret_key)
    assert runner.invoke(args=["district-link", "cam-lam", "--deadline", "mai"]).exit_code != 0


def test_web_letters(client, auth, event):
    s = setup_districts(event)
    resp = client.get(f"/d/{s.token_b}/letters.pdf")
    assert resp.status_code == 302  # nobody accepted yet
    accepted(s, 1)
    resp = client.get(f"/d/{s.token_b}/letters.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert len(PdfReader(io.BytesIO(resp.data)).pages) == 1
    auth.as_role("admin")
    resp = client.get(f"/admin/districts/{s.a.id}/letters.pdf")
    assert resp.status_code == 200 and len(PdfReader(io.BytesIO(resp.data)).pages) == 6
    ids = {a.id for a in db.session.scalars(select(Attendee).where(Attendee.event_id == event.id))}
    assert ids


def test_letter_header_and_place_from_the_demo_style_event(app, event):
    from datetime import date

    from models.districts.invitations import letter_data, render_letters, venue_text

    event.organiser = "UBND tỉnh Khánh Hòa · Sở Nông nghiệp và Môi trường"
    event.venue = "Hội trường Trung tâm Hội nghị tỉnh, TP Nha Trang"
    event.address = "TP Nha Trang, tỉnh Khánh Hòa"
    db.session.commit()
    assert venue_text(event) == "Hội trường Trung tâm Hội nghị tỉnh, TP Nha Trang, tỉnh Khánh Hòa"
    s = setup_districts(event)
    text = (
        PdfReader(io.BytesIO(render_letters(event, letter_data(event, s.a)[:1], date(2025, 5, 2))))
        .pages[0]
        .extract_text()
    )
    head = "\n".join(text.splitlines()[:3])  # the bodies (the seat line has its own "·")
    assert "UBND TỈNH KHÁNH HÒA" in head and "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG" in head and "·" not in head
    assert "Nha Trang, ngày 02 tháng 5 năm 2025" in text and "TP Nha Trang, ngày" not in text
