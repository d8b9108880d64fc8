"""The giấy mời as Decree 30/2020/NĐ-CP lays out an administrative letter: the event's letter
settings (number, place, date or blanks, signer, "Nơi nhận"), the CLI overrides, Liberation Serif
embedded, no letters for booth staff, no seat promise to the seatless, the demo mark.
The text is read back with pdftotext -layout, the fonts with pdffonts, page 1 rendered to PNG."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import pytest
from reportlab.pdfbase.ttfonts import TTFontFile

from models.core.base import db
from models.core.pdf_fonts import SERIF, SERIF_BOLD, SERIF_BOLD_ITALIC, SERIF_ITALIC, serif_path
from models.core.timeutil import local, utcnow
from models.districts.invitations import letter_data, render_letters
from models.events.models import Group
from models.guests.badges import issue_badge
from models.guests.models import Attendee
from tests.districts.conftest import setup_districts

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
VIETNAMESE = "ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹđĐ" + "ăâêôơưàáãèéìíòóõùúýđ"


def pdf_text(pdf: bytes, tmp_path: Path, name: str = "letters.pdf") -> str:
    src = tmp_path / name
    src.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(src), "-"], check=True, capture_output=True, text=True).stdout


def pdf_fonts(pdf: bytes, tmp_path: Path) -> str:
    src = tmp_path / "fonts.pdf"
    src.write_bytes(pdf)
    return subprocess.run(["pdffonts", str(src)], check=True, capture_output=True, text=True).stdout


def with_settings(ev) -> None:
    ev.parent_body = "UBND tỉnh Khánh Hòa"
    ev.issuing_body = "Sở Nông nghiệp và Môi trường"
    ev.letter_number = "45/GM-SNNMT"
    ev.letter_place = "Khánh Hòa"
    ev.signer_authority = "KT. GIÁM ĐỐC"
    ev.signer_title = "PHÓ GIÁM ĐỐC"
    ev.signer_name = "Trần Thị Ngọc Hợp"
    ev.letter_recipients = "Như trên;\nUBND các huyện, thị xã, thành phố;\nLưu: VT, PTNT."
    db.session.commit()


@pytest.mark.parametrize("face", [SERIF, SERIF_BOLD, SERIF_ITALIC, SERIF_BOLD_ITALIC])
def test_every_vietnamese_letter_has_a_glyph(face):
    cmap = TTFontFile(str(serif_path(face))).charToGlyph
    letters = VIETNAMESE + VIETNAMESE.upper()
    missing = [ch for ch in letters if ord(ch) not in cmap]
    assert missing == [], (face, missing)
    assert ord("…") in cmap and ord("ợ") in cmap and ord("Ợ") in cmap


def test_letter_with_settings(app, event, tmp_path):
    with_settings(event)
    event.letter_date = date(2025, 5, 10)
    db.session.commit()
    s = setup_districts(event)
    letters = letter_data(event, s.a)
    pdf = render_letters(event, letters)
    text = pdf_text(pdf, tmp_path)
    pages = text.split("\f")
    first = pages[0]
    for needle in (
        "UBND TỈNH KHÁNH HÒA",
        "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG",
        "Số: 45/GM-SNNMT",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Khánh Hòa, ngày 10 tháng 5 năm 2025",
        "GIẤY MỜI",
        "KT. GIÁM ĐỐC",
        "PHÓ GIÁM ĐỐC",
        "Trần Thị Ngọc Hợp",
        "Nơi nhận:",
        "- UBND các huyện, thị xã, thành phố;",
        "- Lưu: VT, PTNT.",
    ):
        assert needle in first, (needle, first)
    assert "TM. BAN TỔ CHỨC" not in first and "DEMO" not in first
    # the layout: bodies left of the motto on the same line, the number under the bodies, the signer
    # right of "Nơi nhận:", the date line right-aligned in the motto's column
    lines = first.splitlines()
    row = next(ln for ln in lines if "CỘNG HÒA" in ln)
    assert "UBND TỈNH KHÁNH HÒA" in row and row.index("UBND") < row.index("CỘNG HÒA")
    row = next(ln for ln in lines if "KT. GIÁM ĐỐC" in ln)
    assert "Nơi nhận:" in row and row.index("Nơi nhận:") < row.index("KT. GIÁM ĐỐC")
    assert lines.index(next(ln for ln in lines if "Số: 45" in ln)) > lines.index(
        next(ln for ln in lines if "SỞ NÔNG NGHIỆP" in ln)
    )
    assert len(pages) - 1 == len(letters) == 6
    fonts = pdf_fonts(pdf, tmp_path)
    assert "LiberationSerif" in fonts and "LiberationSerif-Bold" in fonts and "LiberationSerif-Italic" in fonts
    assert "DejaVu" not in fonts and "Helvetica" not in fonts
    # page 1 as an image, to look at as the official who signs it
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "letter_decree30.pdf").write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(ARTIFACTS / "letter_decree30.pdf"),
            str(ARTIFACTS / "letter_decree30"),
        ],
        check=True,
    )
    assert (ARTIFACTS / "letter_decree30.png").stat().st_size > 10_000


def test_no_date_is_left_blank_never_the_print_date(app, event, tmp_path):
    with_settings(event)
    s = setup_districts(event)
    text = pdf_text(render_letters(event, letter_data(event, s.a)), tmp_path)
    today = local(utcnow(), event.timezone).date()
    assert "Khánh Hòa, ngày …… tháng …… năm ……" in text
    assert f"tháng {today.month:02d} năm {today.year}" not in text.split("Thời gian")[0]
    # the organiser string is the fallback for the bodies; no signer set: "TM. BAN TỔ CHỨC"
    event.parent_body = event.issuing_body = event.signer_authority = event.signer_title = event.signer_name = ""
    event.organiser = "UBND tỉnh Khánh Hòa · Sở Công Thương"
    db.session.commit()
    text = pdf_text(render_letters(event, letter_data(event, s.a)[:1]), tmp_path)
    head = "\n".join(text.splitlines()[:3])  # the bodies' lines (the seat line has its own "·")
    assert "UBND TỈNH KHÁNH HÒA" in head and "SỞ CÔNG THƯƠNG" in head and "·" not in head
    assert "TM. BAN TỔ CHỨC" in text


def test_booth_staff_get_no_letter_and_the_seatless_no_seat_promise(app, event, tmp_path):
    s = setup_districts(event)
    booth = Group(event_id=event.id, code="booth", name="Nhân viên gian hàng", is_exhibitor_staff=True)
    db.session.add(booth)
    db.session.flush()
    staff = Attendee(
        event_id=event.id,
        full_name="Lê Văn Gian Hàng",
        group_id=booth.id,
        district_id=s.a.id,
        organisation="HTX Yến sào",
    )
    seatless = Attendee(
        event_id=event.id,
        honorific="Ông",
        full_name="Võ Không Ghế",
        group_id=s.guests.id,
        district_id=s.a.id,
        organisation="UBND xã Ninh Ích",
    )
    for a in (staff, seatless):
        a.refresh_keys()
        db.session.add(a)
    db.session.flush()
    for a in (staff, seatless):
        issue_badge(a, event)
    db.session.commit()
    letters = letter_data(event, s.a)
    ids = {lt.attendee_id for lt in letters}
    assert staff.id not in ids and seatless.id in ids
    mine = next(lt for lt in letters if lt.attendee_id == seatless.id)
    seated = next(lt for lt in letters if lt.seat)
    text = pdf_text(render_letters(event, [mine]), tmp_path)
    assert "Võ Không Ghế" in text and "Chỗ ngồi" not in text and "chỗ ngồi" not in text
    assert "để điểm danh." in " ".join(text.split())
    text = pdf_text(render_letters(event, [seated]), tmp_path)
    assert "Chỗ ngồi:" in text and seated.seat in text and "xem chỗ ngồi" in " ".join(text.split())
    assert "Gian Hàng" not in pdf_text(render_letters(event, letters), tmp_path)


def test_demo_letters_are_marked(app, event, tmp_path):
    s = setup_districts(event)
    event.is_demo = True
    db.session.commit()
    assert "DEMO" in pdf_text(render_letters(event, letter_data(event, s.a)[:1]), tmp_path)


def test_cli_number_and_date_override_the_settings(app, runner, event, tmp_path):
    with_settings(event)
    setup_districts(event)
    out = tmp_path / "nt.pdf"
    result = runner.invoke(
        args=[
            "invitations",
            "--district",
            "nha-trang",
            "--out",
            str(out),
            "--number",
            "12/GM-UBND",
            "--date",
            "2025-05-15",
        ]
    )
    assert result.exit_code == 0, result.output
    text = pdf_text(out.read_bytes(), tmp_path, "cli.pdf")
    assert "Số: 12/GM-UBND" in text and "45/GM-SNNMT" not in text
    assert "Khánh Hòa, ngày 15 tháng 5 năm 2025" in text
    assert db.session.get(type(event), event.id).letter_number == "45/GM-SNNMT"  # one print only
    bad = runner.invoke(
        args=["invitations", "--district", "nha-trang", "--out", str(tmp_path / "x.pdf"), "--date", "15/05/2025"]
    )
    assert bad.exit_code != 0 and "YYYY-MM-DD" in bad.output and not (tmp_path / "x.pdf").exists()


def test_web_letters_use_the_settings_not_the_print_date(client, auth, event, tmp_path):
    with_settings(event)
    s = setup_districts(event)
    auth.as_role("admin")
    resp = client.get(f"/admin/districts/{s.a.id}/letters.pdf")
    assert resp.status_code == 200
    text = pdf_text(resp.data, tmp_path, "web.pdf")
    today = local(utcnow(), event.timezone).date()
    assert "Số: 45/GM-SNNMT" in text and "Khánh Hòa, ngày …… tháng …… năm ……" in text
    assert f"ngày {today.day:02d} tháng {today.month:02d} năm {today.year}" not in text
