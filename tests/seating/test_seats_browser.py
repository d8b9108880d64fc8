"""The hall editor on a tablet and a laptop (issue 21 item 6), with the demo's 250-seat hall: at
834×1194 (a tablet held upright) and 1366×768 every block, list box and Save button is inside the
window's width, nothing scrolls sideways, and no block or group name is cut. And "Xếp lại từ đầu"
in the browser: preview, confirmation, flash (issue 21 item 3)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from models.core.base import db
from tests.conftest import login_page, screenshot

VIEWPORTS = [(834, 1194, "vi"), (1366, 768, "vi"), (834, 1194, "en")]

#: every element of the editor that must be inside the window, with what it is
TARGETS = {
    "block": "[data-block]",
    "list box": "select[multiple]",
    "save button": "button[data-action=save-block]",
    "seat map": "svg.seatmap",
}

#: JS: which of these elements' texts are cut (inputs: scrollWidth > clientWidth; list boxes:
#: each option's text (a drop-down: the chosen one) measured in the list box's font against its inner width)
CLIPPED_JS = """
() => {
  const out = [];
  const probe = document.createElement('span');
  probe.style.position = 'absolute'; probe.style.visibility = 'hidden'; probe.style.whiteSpace = 'pre';
  document.body.appendChild(probe);
  for (const el of document.querySelectorAll('[data-block] input[type=text], .block-new input[type=text]')) {
    if (el.scrollWidth > el.clientWidth + 1) out.push('input ' + el.name + ': ' + el.value);
  }
  for (const sel of document.querySelectorAll('select')) {
    const cs = getComputedStyle(sel);
    probe.style.font = cs.font;
    // a drop-down's arrow takes about 1.5em of it
    const arrow = sel.multiple || sel.size > 1 ? 0 : 1.5 * parseFloat(cs.fontSize);
    const inner = sel.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - arrow;
    // a list box shows every option; a drop-down only the chosen one (its list opens full width)
    const shown = sel.multiple || sel.size > 1 ? Array.from(sel.options) : Array.from(sel.selectedOptions);
    for (const opt of shown) {
      probe.textContent = opt.text;
      if (probe.getBoundingClientRect().width > inner + 1) out.push('option of ' + sel.name + ': ' + opt.text);
    }
  }
  for (const el of document.querySelectorAll('.blocks-editor label, .blocks-editor th')) {
    if (el.scrollWidth > el.clientWidth + 1) out.push('label: ' + el.textContent.trim());
  }
  probe.remove();
  return out;
}
"""


def _demo(server) -> None:
    from models.demo.load import load_demo

    with server.app.app_context():
        load_demo(with_users=False)
        db.session.commit()


@pytest.mark.parametrize("width,height,lang", VIEWPORTS)
def test_seat_editor_fits_tablet_and_laptop(browser, live_server, width, height, lang):
    _demo(live_server)
    ctx = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN")
    try:
        page = ctx.new_page()
        login_page(page, live_server, "admin")
        page.goto(live_server.url + f"/admin/seats?lang={lang}")
        page.wait_for_selector("[data-block=B]")
        shot = screenshot(page, f"seats_editor_{width}x{height}" + ("" if lang == "vi" else f"_{lang}"))
        assert shot.exists()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        counts = {}
        for what, sel in TARGETS.items():
            boxes = page.locator(sel)
            counts[what] = boxes.count()
            for i in range(boxes.count()):
                el = boxes.nth(i)
                el.scroll_into_view_if_needed()
                assert el.is_visible(), f"{what} {i} hidden"
                box = el.bounding_box()
                assert box["x"] >= 0 and box["x"] + box["width"] <= width, f"{what} {i} outside: {box}"
        assert counts == {"block": 3, "list box": 4, "save button": 4, "seat map": 1}, counts
        assert page.evaluate(CLIPPED_JS) == []
    finally:
        ctx.close()


def _mix_up_demo(server) -> tuple[str, str]:
    """Seat an OCOP producer in the provincial leaders' front row (swap with a leader) and check
    one delegate in: the hall "Xếp lại từ đầu" should put right. Returns the two names."""
    from sqlalchemy import select

    from models.events.models import Group
    from models.guests.models import Attendee
    from models.seating.assignment import move_attendee

    with server.app.app_context():

        def first(code):
            g = db.session.scalar(select(Group).where(Group.code == code))
            return db.session.scalars(
                select(Attendee).where(Attendee.group_id == g.id, Attendee.seat_id.is_not(None)).order_by(Attendee.id)
            ).first()

        leader, producer = first("lanh-dao-tinh"), first("chu-the-ocop")
        move_attendee(producer, leader.seat.label, swap=True, actor="test")
        first("bao-chi").checked_in_at = datetime.now(UTC)
        db.session.commit()
        return leader.display_name, producer.display_name


def test_reset_in_the_browser_on_a_tablet(browser, live_server_any):
    live_server = live_server_any  # on SQLite and PostgreSQL
    _demo(live_server)
    leader, producer = _mix_up_demo(live_server)
    ctx = browser.new_context(viewport={"width": 834, "height": 1194}, locale="vi-VN")
    try:
        page = ctx.new_page()
        login_page(page, live_server, "admin")
        page.goto(live_server.url + "/admin/seats")
        page.click("button[data-action=relayout]")
        page.wait_for_selector("section.relayout-preview")
        moved = page.inner_text("table[data-list=moved]")
        assert leader in moved and producer in moved
        assert page.inner_text("[data-count=kept_checked_in]") == "1"
        assert page.evaluate("document.documentElement.scrollWidth") <= 834
        screenshot(page, "seats_relayout_preview_834")
        page.click("button[data-action=confirm-relayout]")
        page.wait_for_selector(".flash.ok")
        assert "Đã xếp lại:" in page.inner_text(".flash.ok")
        page.click("button[data-action=relayout]")
        page.wait_for_selector("[data-nothing]")  # laid out by the rules: nobody moves now
        assert "Không ai phải đổi chỗ" in page.inner_text("section.relayout-preview")
    finally:
        ctx.close()
