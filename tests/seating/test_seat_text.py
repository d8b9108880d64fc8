"""The seat spelled out (issue 14 item 4) wherever a person sees it: the kiosk online (the API's
``seat_text``) and offline (the snapshot roster, the panel), the desk's answer, the badge PDF; and
the badge of a seatless delegate ("Chỗ ngồi: nhận tại bàn đón tiếp", item 3). Both databases."""

from __future__ import annotations

import io
import re
import subprocess

from PIL import Image, ImageChops, ImageDraw
from pypdf import PdfReader
from sqlalchemy import select

from kiosk import display
from kiosk.decision import Decision
from kiosk.display import PanelState, render_panel
from kiosk.verify import Snapshot, verify_local
from models.checkin.checkin import check_in
from models.core.base import db
from models.events.models import Group
from models.guests.badge_pdf import SEATLESS, badge_cards, render_badges
from models.guests.models import Attendee
from models.hall.models import Block
from models.hall.seats import phrase, seat_phrase
from tests.conftest import ARTIFACTS
from tests.factories import attendees

AUTH = "Authorization"


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text or "")


def _name_block(event, name: str = "Khu giữa") -> Block:
    block = db.session.scalar(select(Block).where(Block.event_id == event.id))
    block.name = name
    db.session.commit()
    return block


def test_phrase_rules():
    assert phrase("Khu giữa", "B", 8, 6) == "Khu giữa · Hàng 8 · Ghế 6"
    assert phrase("Khu giữa", "B", 8, 6, "B-08-06") == "Khu giữa · Hàng 8 · Ghế 6 (B-08-06)"
    assert phrase("B", "B", 8, 6) == "Khu B · Hàng 8 · Ghế 6"  # a name that is only the code
    assert phrase("", "D", 1, 2) == "Khu D · Hàng 1 · Ghế 2"
    assert phrase(None, None, None, None) == "" and seat_phrase(None) == ""


def test_seat_phrase_of_a_seat(event):
    _name_block(event)
    person = attendees(event)[0]
    s = person.seat
    assert seat_phrase(s) == f"Khu giữa · Hàng {s.row} · Ghế {s.number}"
    assert seat_phrase(s, label=True) == f"Khu giữa · Hàng {s.row} · Ghế {s.number} ({s.label})"


def test_api_answer_carries_seat_text_next_to_seat(client, event, kiosk_token):
    _name_block(event)
    person = attendees(event)[1]
    text = seat_phrase(person.seat)
    body = {"code": person.current_badge.code, "station": "Cổng 1", "scan_id": "st-1"}
    first = client.post("/api/v1/checkins", json=body, headers={AUTH: f"Bearer {kiosk_token}"}).get_json()
    assert first["result"] == "ok"
    assert first["attendee"]["seat"] == person.seat.label and first["attendee"]["seat_text"] == text
    assert text in first["message"] and person.seat.label in first["message"]
    # the same scan again (replayed answer) and a second scan ("already") say it too
    again = client.post("/api/v1/checkins", json=body, headers={AUTH: f"Bearer {kiosk_token}"}).get_json()
    assert again == first
    body["scan_id"] = "st-2"
    already = client.post("/api/v1/checkins", json=body, headers={AUTH: f"Bearer {kiosk_token}"}).get_json()
    assert already["result"] == "already" and already["attendee"]["seat_text"] == text


def test_seatless_answer_has_empty_seat_text(client, event, kiosk_token):
    person = attendees(event)[2]
    person.seat_id = None
    db.session.commit()
    r = client.post(
        "/api/v1/checkins",
        json={"code": person.current_badge.code, "station": "Cổng 1", "scan_id": "st-3"},
        headers={AUTH: f"Bearer {kiosk_token}"},
    )
    data = r.get_json()
    assert data["result"] == "ok" and data["attendee"]["seat"] is None and data["attendee"]["seat_text"] == ""


def test_exhibition_entrance_is_not_told_a_delegates_seat(event):
    """A hall delegate at the exhibition door: refused without name or seat (issue 22, item 6)."""
    _name_block(event)
    person = attendees(event)[0]
    result = check_in(
        event_id=event.id, code=person.current_badge.code, scan_id="ex-1", station="Cổng triển lãm", exhibition=True
    )
    assert result.outcome == "unknown" and result.attendee is None
    assert seat_phrase(person.seat) not in result.message and person.full_name not in result.message


def test_snapshot_roster_and_offline_kiosk(client, event, kiosk_token):
    _name_block(event)
    people = attendees(event)
    people[3].seat_id = None
    db.session.commit()
    doc = client.get("/api/v1/kiosk/snapshot", headers={AUTH: f"Bearer {kiosk_token}"}).get_json()
    roster = {r["id"]: r for r in doc["roster"]}
    for p in people:
        db.session.refresh(p)
        assert roster[p.id]["seat_text"] == seat_phrase(p.seat)
        assert roster[p.id]["seat"] == (p.seat.label if p.seat else None)
    assert roster[people[3].id]["seat_text"] == ""
    # the kiosk offline: its verdict (and decision) carries the spelled-out seat from the roster
    snap = Snapshot.from_json(doc)
    verdict = verify_local(people[0].current_badge.code, snap)
    assert verdict.result == "ok"
    decision = Decision(code=people[0].current_badge.code, result="ok", source="offline", attendee=verdict.attendee)
    assert decision.seat_text == seat_phrase(people[0].seat) and decision.seat == people[0].seat.label


def test_desk_answer_spells_the_seat(client, auth, event):
    _name_block(event)
    auth.as_role("desk")
    people = attendees(event)
    text = seat_phrase(people[0].seat)
    page = client.post(f"/desk/checkin/{people[0].id}", follow_redirects=True).get_data(as_text=True)
    assert text in page
    r = client.post(
        "/desk/scan",
        data={"code": people[1].current_badge.code, "scan_id": "desk-st-1"},
        headers={"Accept": "application/json"},
    )
    data = r.get_json()
    assert data["result"] == "ok" and data["attendee"]["seat_text"] == seat_phrase(people[1].seat)
    assert seat_phrase(people[1].seat) in data["message"]


def _reference(bg, size, xy, text, px, fill, bold=True):
    img = Image.new("RGB", size, bg)
    ImageDraw.Draw(img).text(xy, text, font=display.font(px, bold), fill=fill)
    return img


def test_kiosk_panel_shows_the_seat_spelled_out():
    size = (768, 720)
    state = PanelState(
        result="ok",
        name="Bà Đặng Thị Ánh Tuyết",
        seat="B-08-06",
        seat_text="Khu giữa · Hàng 8 · Ghế 6",
        station="Cổng chính",
        online=True,
        source="server",
        event_name="Hội nghị tổng kết OCOP 2024",
        message="Xin chào Bà Đặng Thị Ánh Tuyết! Mời quý đại biểu ngồi Khu giữa · Hàng 8 · Ghế 6 (B-08-06).",
    )
    img = render_panel(state, size)
    lay = state.layout
    seat = lay["seat"]
    assert " · ".join(seat["lines"]) == "Khu giữa · Hàng 8 · Ghế 6"
    assert seat["lines"] in (["Khu giữa · Hàng 8 · Ghế 6"], ["Khu giữa", "Hàng 8 · Ghế 6"])
    assert seat["size"] >= 40 and seat["size"] <= lay["name"]["size"]
    # drawn exactly as Pillow draws it (the diacritics really there), the label beside, smaller
    x, y = seat["xy"]
    box = display.font(seat["size"], True).getbbox(seat["lines"][0])
    crop = (x + box[0], y + box[1], x + box[2], y + box[3])
    ref = _reference(display.GREEN, size, (x, y), seat["lines"][0], seat["size"], display.WHITE)
    assert ImageChops.difference(img.crop(crop), ref.crop(crop)).getbbox() is None
    label = lay["seat_label"]
    assert label["text"] == "B-08-06" and label["size"] < seat["size"]
    lx, ly = label["xy"]
    lbox = display.font(label["size"], False).getbbox("B-08-06")
    assert lx + lbox[2] <= size[0]  # inside the panel
    ARTIFACTS.mkdir(exist_ok=True)
    img.save(ARTIFACTS / "kiosk_panel_seat_text.png")
    # an older server without seat_text: "Ghế: B-08-06" as before
    old = PanelState(result="ok", name="Ông Nguyễn Văn An", seat="A-01-05", source="server")
    render_panel(old, size)
    assert old.layout["seat"]["text"] == "Ghế: A-01-05" and "seat_label" not in old.layout


def _pdf_text(pdf: bytes) -> list[str]:
    return [flat(p.extract_text()) for p in PdfReader(io.BytesIO(pdf)).pages]


def test_badge_spells_the_seat_and_says_where_to_get_one(event, tmp_path):
    _name_block(event)
    people = attendees(event)
    seatless, staff, staff_seated_group = people[1], people[2], people[3]
    booth = Group(event_id=event.id, code="booth", name="Nhân viên gian hàng", is_exhibitor_staff=True)
    reserved = Group(
        event_id=event.id, code="booth-r", name="Gian hàng có ghế", is_exhibitor_staff=True, seats_reserved=5
    )
    db.session.add_all([booth, reserved])
    db.session.flush()
    seatless.seat_id = staff.seat_id = staff_seated_group.seat_id = None
    staff.group_id, staff_seated_group.group_id = booth.id, reserved.id
    db.session.commit()
    ids = [people[0].id, seatless.id, staff.id, staff_seated_group.id]
    cards = badge_cards(event, attendee_ids=ids)
    pdf = render_badges(cards, "a6")
    texts = _pdf_text(pdf)
    seated = db.session.get(Attendee, people[0].id).seat
    assert f"Hàng {seated.row}" in texts[0] and f"Ghế {seated.number}" in texts[0] and "Khu giữa" in texts[0]
    assert seated.label in texts[0] and SEATLESS not in texts[0]
    assert SEATLESS in texts[1]  # a delegate who needs a seat and has none
    assert SEATLESS not in texts[2] and "Chỗ ngồi" not in texts[2]  # booth staff: no hall seat
    assert SEATLESS in texts[3]  # booth staff whose group has hall seats reserved
    a4 = _pdf_text(render_badges(cards, "a4"))[0]
    assert a4.count(SEATLESS) == 2 and "Khu giữa" in a4
    # rendered for a look: tests/artifacts/badge_seat_*.png
    src = tmp_path / "b.pdf"
    src.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "2", str(src), str(ARTIFACTS / "badge_seat")], check=True
    )
    assert (ARTIFACTS / "badge_seat-1.png").exists() or (ARTIFACTS / "badge_seat-01.png").exists()
