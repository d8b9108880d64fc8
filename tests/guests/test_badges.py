"""Badge PDFs parsed back: the text is the NFC names, every page's QR (rasterised with pdftoppm,
decoded with zxingcpp) is that delegate's valid code, the QR is >= 25 mm with a white quiet zone
of 4 modules, the font is DejaVu (embedded), and nothing is drawn outside the card."""

from __future__ import annotations

import io
import subprocess
import unicodedata
from pathlib import Path

import numpy as np
import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from models import codes
from models.core.base import db
from models.events.service import public_keys
from models.guests.badge_pdf import A4_CARD, SAFE_MM, a4_slots, badge_cards, prepare_badges, render_badges
from models.guests.models import Attendee
from tests import factories

DPI = 150
MM = DPI / 25.4
LONG_NAME = "Tôn Nữ Thị Hoàng Phương Thảo Nguyễn Ngọc Bích Huyền Trang Quỳnh Như Ý"
LONG_ORG = (
    "Hợp tác xã Nông nghiệp Dịch vụ Tổng hợp Diên An huyện Diên Khánh tỉnh Khánh Hòa "
    "chi nhánh số 2 chuyên sản xuất yến sào và nước mắm truyền thống"
)


@pytest.fixture
def badged(app):
    ev = factories.make_event(people=9)
    people = factories.attendees(ev)
    people[1].set_name(LONG_NAME)
    people[2].organisation = LONG_ORG
    people[3].full_name = unicodedata.normalize("NFD", "Đặng Thị Ánh Tuyết")  # as a Mac would send it
    people[3].refresh_keys()
    people[4].set_name("Nguyễn Văn Trường Giang")
    db.session.commit()
    return ev


def rasterise(pdf: bytes, tmp_path: Path, dpi: int = DPI) -> list[np.ndarray]:
    src = tmp_path / "b.pdf"
    src.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", str(src), str(tmp_path / "p")], check=True)
    return [np.asarray(Image.open(p).convert("L")) for p in sorted(tmp_path.glob("p-*.png"))]


def live_codes(ev) -> dict[str, Attendee]:
    return {a.current_badge.code: a for a in factories.attendees(ev) if a.current_badge}


def flat(text: str) -> str:
    return " ".join(text.split())


def check_qr(img: np.ndarray, result) -> None:
    """>= 25 mm wide, and a white quiet zone of 4 modules all around."""
    pos = result.position
    xs = [pos.top_left.x, pos.top_right.x, pos.bottom_left.x, pos.bottom_right.x]
    ys = [pos.top_left.y, pos.top_right.y, pos.bottom_left.y, pos.bottom_right.y]
    width_px = max(xs) - min(xs)
    assert width_px / MM >= 25, f"QR only {width_px / MM:.1f} mm wide"
    module = width_px / 40  # version 6: 41 modules; the corners are module centres
    x0, x1 = int(min(xs) - module), int(max(xs) + module)
    y0, y1 = int(min(ys) - module), int(max(ys) + module)
    q = int(4 * module) - 1
    ring = img[y0 - q : y1 + q, x0 - q : x1 + q].copy()
    ring[q + 2 : -q - 2, q + 2 : -q - 2] = 255
    assert ring.min() > 200, "something is drawn in the quiet zone"


def test_a6_one_per_page_text_qr_and_fonts(badged, tmp_path):
    ev = badged
    cards = badge_cards(ev)
    pdf = render_badges(cards, "a6")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == len(cards) == 9
    by_code = live_codes(ev)
    pages = rasterise(pdf, tmp_path)
    ring = codes.keyring((k["event_tag"], k["key_no"], k["public_key"]) for k in public_keys())
    for page, img, card in zip(reader.pages, pages, cards, strict=True):
        text = flat(page.extract_text())
        person = db.session.get(Attendee, card.attendee_id)
        assert unicodedata.is_normalized("NFC", person.full_name)
        assert person.full_name in text, (person.full_name, text)
        assert person.seat.label in text and ev.name in text and "22/5/2025" in text
        assert flat(person.organisation) in text or person.organisation == LONG_ORG
        fonts = {str(f.get_object()["/BaseFont"]) for f in page["/Resources"]["/Font"].values()}
        assert fonts and all("DejaVuSans" in f for f in fonts), fonts
        found = zxingcpp.read_barcodes(Image.fromarray(img), formats=zxingcpp.BarcodeFormat.QRCode)
        assert len(found) == 1
        assert by_code[found[0].text].id == person.id
        fields = codes.verify_code(found[0].text, ring, event_tag=ev.tag)
        assert fields.attendee_id == person.id
        check_qr(img, found[0])
        # nothing in the outer band of the card (the design keeps a 4 mm safe margin)
        band = int((SAFE_MM - 0.8) * MM)
        for edge in (img[:band], img[-band:], img[:, :band], img[:, -band:]):
            assert edge.min() > 230
    assert LONG_NAME in flat(
        reader.pages[[c.attendee_id for c in cards].index(factories.attendees(ev)[1].id)].extract_text()
    )


def test_a4_four_per_sheet_crop_marks_and_nothing_outside_cards(badged, tmp_path):
    ev = badged
    cards = badge_cards(ev)
    pdf = render_badges(cards, "a4")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 3  # 9 cards: 4 + 4 + 1
    pages = rasterise(pdf, tmp_path)
    by_code = live_codes(ev)
    seen = []
    h_px = pages[0].shape[0]
    for img in pages:
        found = zxingcpp.read_barcodes(Image.fromarray(img), formats=zxingcpp.BarcodeFormat.QRCode)
        seen += [by_code[f.text].id for f in found]
        for f in found:
            check_qr(img, f)
        # outside the four cards: white, except the crop marks next to each corner
        outside = np.ones(img.shape, dtype=bool)
        for x, y, w, h in a4_slots():
            px0, px1 = int(x / 72 * DPI), int((x + w) / 72 * DPI)
            py0, py1 = h_px - int((y + h) / 72 * DPI), h_px - int(y / 72 * DPI)
            outside[py0 - 1 : py1 + 2, px0 - 1 : px1 + 2] = False
            for cx in (px0, px1):
                for cy in (py0, py1):
                    r = int(6 * MM)
                    outside[max(cy - r, 0) : cy + r, max(cx - r, 0) : cx + r] = False
        assert img[outside].min() > 230, "ink outside the cards"
    assert sorted(seen) == sorted(c.attendee_id for c in cards)
    # the crop marks are there: ink just outside a card corner
    x, y, w, h = a4_slots()[0]
    px0, py0 = int(x / 72 * DPI), h_px - int((y + h) / 72 * DPI)
    assert pages[0][py0 - int(4 * MM) : py0 - int(1.2 * MM), px0 - 2 : px0 + 3].min() < 128
    assert A4_CARD[0] / 72 * 25.4 == pytest.approx(95)


def test_prepare_issues_missing_badges_and_marks_printed(app):
    ev = factories.make_event(people=3)
    extra = Attendee(event_id=ev.id, full_name="Người Mới", group_id=ev.groups[0].id)
    extra.refresh_keys()
    db.session.add(extra)
    db.session.commit()
    cards = prepare_badges(ev, attendee_ids=[extra.id])
    assert [c.attendee_id for c in cards] == [extra.id]
    db.session.refresh(extra)
    assert extra.current_badge is not None and extra.current_badge.printed_at is not None
    # a group: only its members
    group = ev.groups[0]
    cards = prepare_badges(ev, group_id=group.id)
    assert cards and {db.session.get(Attendee, c.attendee_id).group_id for c in cards} == {group.id}


def test_reissued_badge_prints_the_new_code(app, tmp_path):
    from models.guests.badges import reissue_badge

    ev = factories.make_event(people=2)
    a = factories.attendees(ev)[0]
    old = a.current_badge.code
    new = reissue_badge(a, reason="mất thẻ").code
    db.session.commit()
    pdf = render_badges(badge_cards(ev, attendee_ids=[a.id]), "a6")
    found = zxingcpp.read_barcodes(Image.fromarray(rasterise(pdf, tmp_path)[0]), formats=zxingcpp.BarcodeFormat.QRCode)
    assert [f.text for f in found] == [new] and new != old


def test_cli_badges(app, runner, tmp_path):
    ev = factories.make_event(people=6)
    out = tmp_path / "all.pdf"
    res = runner.invoke(args=["badges", "--out", str(out), "--layout", "a4"])
    assert res.exit_code == 0, res.output
    assert len(PdfReader(str(out)).pages) == 2 and "6 thẻ" in res.output
    res = runner.invoke(args=["badges", "--out", str(out), "--group", "leaders"])
    assert res.exit_code == 0 and len(PdfReader(str(out)).pages) == 1
    assert "Nguyễn Văn An" in PdfReader(str(out)).pages[0].extract_text()
    res = runner.invoke(args=["badges", "--out", str(out), "--group", "nope"])
    assert res.exit_code == 1 and "Không có thành phần" in res.output
    assert db.session.scalar(select(db.func.count(Attendee.id)).where(Attendee.event_id == ev.id)) == 6


def test_fast_qr_is_the_qrcode_librarys_symbol_with_the_least_penalty():
    import random

    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    from models.core.qr import _penalty, qr_matrix

    rng = random.Random(7)
    texts = ["EK1" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(120)) for _ in range(8)]
    texts += ["EK1" + "7" * 120, "0905123456" * 4, "Xin chào Việt Nam", "x" * 300]
    for text in texts:
        ours = qr_matrix(text)
        theirs = []
        for mask in range(8):
            q = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0, mask_pattern=mask)
            q.add_data(text)
            q.make(fit=True)
            m = np.array(q.modules, dtype=bool)
            theirs.append((_penalty(m), m))
        least = min(p for p, _ in theirs)
        assert any(p == least and m.shape == ours.shape and (m == ours).all() for p, m in theirs), text
