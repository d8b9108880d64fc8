"""A delegate welcomed without a seat (the hall was full): the answer stays "ok" (green) and the
panel asks them to go to the desk for a seat, online (the server's message) and offline (from
the roster's ``seat_needed``). Booth staff, who need no hall seat, are not sent to the desk.
The panels are saved to tests/artifacts/ (look at them)."""

from __future__ import annotations

import numpy as np

from kiosk import display
from kiosk.decision import Decision
from kiosk.display import PanelState, render_panel

SIZE = (768, 720)
SERVER_MESSAGE = "Xin chào Bà Đặng Thị Bích Ngọc! Xin mời quý đại biểu đến bàn đón tiếp để nhận chỗ ngồi."


def _desk_box_pixels(img, lay) -> int:
    x, y = lay["seat_at_desk"]["xy"]
    box = np.asarray(img.crop((x, y, SIZE[0] - x, y + lay["seat_at_desk"]["size"])))
    return int(np.all(box == display.DESK_BOX, axis=2).sum())


def test_seatless_panel_online_and_offline(artifacts):
    for source, message in (("server", SERVER_MESSAGE), ("offline", "")):
        state = PanelState(
            result="ok",
            name="Bà Đặng Thị Bích Ngọc",
            seat="",
            seat_at_desk=True,
            message=message,
            station="Cổng chính",
            online=source == "server",
            source=source,
        )
        img = render_panel(state, SIZE)
        lay = state.layout
        assert img.getpixel((5, SIZE[1] // 2)) == display.GREEN  # still a welcome
        assert lay["seat_at_desk"]["lines"] == [display.DESK_SEAT_LINE]
        assert "seat" not in lay  # no "Ghế: " line without a seat
        assert lay["message"] == (message or display.DESK_SEAT_MESSAGE)
        assert "bàn đón tiếp" in lay["message"]
        assert _desk_box_pixels(img, lay) > 1000  # the line stands on its own highlighted box
        img.save(artifacts / f"kiosk_panel_seat_at_desk_{source}.png")


def test_seated_and_booth_staff_panels_have_no_desk_line():
    seated = PanelState(result="ok", name="Ông Nguyễn Văn An", seat="B-03-07")
    render_panel(seated, SIZE)
    assert "seat_at_desk" not in seated.layout and seated.layout["seat"]["text"] == "Ghế: B-03-07"
    staff = PanelState(result="ok", name="Bà Võ Thị Lan", seat="", seat_at_desk=False)
    render_panel(staff, SIZE)
    assert "seat_at_desk" not in staff.layout
    assert staff.layout["message"] == display.DEFAULT_MESSAGES["ok"]
    already = PanelState(result="already", name="Bà Võ Thị Lan", seat_at_desk=True)
    render_panel(already, SIZE)
    assert "seat_at_desk" not in already.layout  # only a welcome carries it


def test_decision_seat_at_desk_from_server_or_roster():
    person = {"id": 7, "honorific": "Bà", "name": "Đặng Thị Bích Ngọc", "seat": None, "group": "Sở"}
    assert Decision("c", "ok", "server", {**person, "seat_needed": True}).seat_at_desk
    assert Decision("c", "ok", "offline", person).seat_at_desk  # an older snapshot: yes
    assert not Decision("c", "ok", "offline", {**person, "seat_needed": False}).seat_at_desk
    assert not Decision("c", "ok", "server", {**person, "seat": "A-01-02"}).seat_at_desk
    assert not Decision("c", "already", "server", {**person, "seat_needed": True}).seat_at_desk
    assert not Decision("c", "invalid", "offline", None).seat_at_desk
