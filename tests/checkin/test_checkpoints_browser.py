"""/admin/event/checkpoints and the dashboard's checkpoint panel in a real browser (issue 24
item 5): add a checkpoint, give the kiosk to it, its scans counted live on the dashboard."""

from sqlalchemy import select

from models.accounts.models import Device
from models.checkin.checkin import check_in
from models.core.base import db
from tests.conftest import login_page, screenshot
from tests.factories import attendees


def test_checkpoints_page_and_dashboard_panel(page, live_server):
    login_page(page, live_server, "admin")
    page.goto(live_server.url + "/admin/event/checkpoints")
    assert "Cổng hội trường" in page.inner_text("table[data-kind=checkpoints]")
    page.fill("form[data-form=add] input[name=name]", "Phòng khách VIP")
    page.select_option("form[data-form=add] select[name=kind]", "other")
    page.select_option("form[data-form=add] select[name=rule]", "inout")
    page.click("[data-action=add]")
    page.wait_for_selector("text=Phòng khách VIP")
    page.select_option("select[name^=device-]", label="Phòng khách VIP")
    page.click("[data-action=save-devices]")
    page.wait_for_selector(".flash.ok")
    screenshot(page, "checkpoints_admin")
    with live_server.app.app_context():
        device = db.session.scalar(select(Device).where(Device.name == "kiosk-live"))
        assert device.checkpoint_id is not None
        from models.events.models import Event

        ev = db.session.get(Event, live_server.event_id)
        for n, person in enumerate(attendees(ev)[:3]):
            r = check_in(
                event_id=ev.id, code=person.current_badge.code, scan_id=f"vip-{n}", station="VIP", device_id=device.id
            )
            assert r.direction == "in"
        db.session.remove()
    page.goto(live_server.url + "/admin/")
    row = page.locator("#checkpoints tr", has_text="Phòng khách VIP")
    assert "3 người đang ở trong" in row.inner_text()
    assert "0 / 6 người" in page.locator("#checkpoints tr", has_text="Cổng hội trường").inner_text()
    page.locator("#checkpoints").scroll_into_view_if_needed()
    screenshot(page, "checkpoints_dashboard")
