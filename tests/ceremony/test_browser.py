"""Two MC tablets and the stage screen in a real browser: "next" on one, the others follow
within 2 s; a check-in shows up live; screenshots (portrait, landscape, stage)."""

from models.ceremony.models import Award
from models.ceremony.sequence import award_batches
from models.checkin.checkin import check_in
from models.core.base import db
from models.events.models import Event
from tests.ceremony.helpers import add_ceremony
from tests.conftest import screenshot


def _setup(server):
    with server.app.app_context():
        ev = add_ceremony(db.session.get(Event, server.event_id), three_star=12)
        award_batches(ev)
        db.session.commit()


def _login_mc(p, server) -> None:
    """Like tests.conftest.login_page, but the MC page polls, so never "networkidle": wait for it."""
    username, password = server.user("mc")
    p.goto(server.url + "/login?next=/mc/")
    p.fill("input[name=username]", username)
    p.fill("input[name=password]", password)
    p.click("button[type=submit]")
    p.wait_for_url("**/mc/")


def _version(p) -> int:
    return int(p.get_attribute("#mc", "data-version"))


def _press(p, action: str) -> None:
    """Press a button and wait until the page shows the new state."""
    v = _version(p)
    p.click(f"[data-action={action}]")
    p.wait_for_selector(f"#mc:not([data-version='{v}'])", timeout=2000)


def test_two_tablets_and_the_stage_follow_each_other(browser, live_server):
    _setup(live_server)
    ctx1 = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
    ctx2 = browser.new_context(viewport={"width": 800, "height": 1280}, locale="vi-VN")
    ctx3 = browser.new_context(viewport={"width": 1600, "height": 900}, locale="vi-VN")
    try:
        a, b, stage = ctx1.new_page(), ctx2.new_page(), ctx3.new_page()
        for p in (a, b):
            _login_mc(p, live_server)
            p.wait_for_selector("#mc[data-tag*='-']")
        stage.goto(live_server.url + "/stage/")
        v = _version(a)
        assert _version(b) == v

        a.click("[data-action=start]")  # the programme starts
        b.wait_for_selector(f"#mc[data-version='{v + 1}']", timeout=2000)
        assert "Khai mạc" in b.inner_text("#mc-item-title")

        b.click("[data-action=next]")  # from the other tablet: the award segment, batch 1
        a.wait_for_selector(f"#mc[data-version='{v + 2}']", timeout=2000)
        stage.wait_for_selector(f"#stage[data-version='{v + 2}'] #stage-names li", timeout=2000)
        assert stage.locator("#stage-names li").count() == 1
        assert "Chứng nhận 5 sao" in stage.inner_text("#stage-tier")
        assert "Sản phẩm 0" in stage.inner_text("#stage-names")
        assert "Đợt 1/4" in a.inner_text("#mc-batch")
        assert a.locator("#mc-recipients .presence.bad").count() == 1  # NOT ARRIVED, in red
        assert "CHƯA ĐẾN" in a.inner_text("#mc-recipients")
        assert a.locator("#mc-missing li.bad").count() == 15

        a.click("[data-action=next]")
        b.wait_for_selector(f"#mc[data-version='{v + 3}']", timeout=2000)
        stage.wait_for_selector(f"#stage[data-version='{v + 3}']", timeout=2000)
        assert "Đợt 2/4" in b.inner_text("#mc-batch")
        assert stage.locator("#stage-names li").count() == 2

        # a recipient of the batch on stage checks in at the door: both tablets show it
        with live_server.app.app_context():
            award = db.session.scalars(db.select(Award).order_by(Award.position)).all()[1]
            award_id = award.id
            check_in(
                event_id=live_server.event_id,
                attendee_id=award.recipient_id,
                scan_id="browser-1",
                station="Cửa chính",
                method="manual",
            )
        for p in (a, b):
            p.wait_for_selector(f"li[data-award='{award_id}'] .presence.ok", timeout=2000)
        assert "Có mặt" in a.inner_text(f"li[data-award='{award_id}']")
        assert a.locator("#mc-missing li.bad").count() == 13  # batch 1 done, one arrived

        # both press "next" on the same version: one step, not two
        version = _version(a)
        a.evaluate(
            "document.querySelector('[data-action=next]').click();document.querySelector('[data-action=next]').click()"
        )
        b.click("[data-action=next]")
        for p in (a, b):
            p.wait_for_selector(f"#mc:not([data-version='{version}'])", timeout=2000)
        a.wait_for_timeout(800)
        assert "Đợt 3/4" in a.inner_text("#mc-batch") and "Đợt 3/4" in b.inner_text("#mc-batch")

        screenshot(a, "mc_landscape")
        screenshot(b, "mc_portrait")
        stage.wait_for_selector(f"#stage[data-version='{version + 1}']", timeout=2000)
        assert stage.locator("#stage-names li").count() == 6
        screenshot(stage, "mc_stage")
    finally:
        for c in (ctx1, ctx2, ctx3):
            c.close()


def test_admin_awards_page_and_english_mc(browser, live_server):
    _setup(live_server)
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    try:
        p = ctx.new_page()
        username, password = live_server.user("admin")
        p.goto(live_server.url + "/login?next=/admin/awards")
        p.fill("input[name=username]", username)
        p.fill("input[name=password]", password)
        p.click("button[type=submit]")
        p.wait_for_url("**/admin/awards")
        assert p.locator("section[data-batch]").count() == 4
        first_row = p.locator("section[data-batch] tr[data-award]").nth(1)
        award_id = first_row.get_attribute("data-award")
        first_row.locator("button[value=down]").click()
        p.wait_for_selector(".flash.ok")
        assert p.locator("section[data-batch] tr[data-award]").nth(2).get_attribute("data-award") == award_id
        screenshot(p, "mc_admin_awards")
        p.goto(live_server.url + "/mc/?lang=en")
        p.wait_for_selector("#mc[data-tag*='-']")
        _press(p, "start")
        _press(p, "next")
        p.wait_for_selector("#mc-recipients li")
        assert "NOT ARRIVED" in p.inner_text("#mc-recipients")
        assert "PRESENTER" in p.inner_text("#mc-presenter").upper()
        # counts in people with the awards beside them, plural forms in English
        assert p.inner_text("#mc-count") == "0/15 people arrived · 15 awards"
        assert p.text_content("#mc-missing-count") == "(15 people · 15 awards)"
        assert p.inner_text("#mc-batch-count") == "1 person · 1 award"
        screenshot(p, "mc_english")
    finally:
        ctx.close()


def test_substitute_picked_on_the_tablet(browser, live_server):
    _setup(live_server)
    with live_server.app.app_context():
        from models.guests.models import Attendee

        helper = db.session.scalars(db.select(Attendee).where(Attendee.full_name == "Đặng Thị Ánh Tuyết")).one()
        check_in(
            event_id=live_server.event_id, attendee_id=helper.id, scan_id="sub-1", station="Cửa chính", method="manual"
        )
    ctx = browser.new_context(viewport={"width": 1024, "height": 768}, locale="vi-VN")
    try:
        p = ctx.new_page()
        _login_mc(p, live_server)
        p.wait_for_selector("#mc[data-tag*='-']")
        _press(p, "start")
        _press(p, "next")
        p.wait_for_selector("#mc-recipients li [data-action=substitute]")
        p.click("#mc-recipients li [data-action=substitute]")
        p.fill("#mc-sub-q", "dang thi anh")
        p.click("#mc-sub-list [data-pick]")
        p.wait_for_selector("#mc-recipients .mc-sub")
        assert "Đặng Thị Ánh Tuyết" in p.inner_text("#mc-recipients .mc-sub")
        assert p.locator("#mc-recipients .presence.ok").count() == 1  # the substitute is here
        screenshot(p, "mc_substitute")
    finally:
        ctx.close()


def test_mc_clock_shows_the_events_time_zone_on_a_tablet_set_elsewhere(browser, live_server):
    """Issue 21 item 9: a tablet set to another zone (a visiting MC's, or a factory default)
    still shows the event's time (Asia/Ho_Chi_Minh), as the programme's times are."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    _setup(live_server)
    ctx = browser.new_context(viewport={"width": 834, "height": 1194}, locale="vi-VN", timezone_id="America/New_York")
    try:
        p = ctx.new_page()
        _login_mc(p, live_server)
        p.wait_for_selector("#mc[data-tag*='-']")
        assert p.get_attribute("#mc", "data-tz") == "Asia/Ho_Chi_Minh"
        before = datetime.now(UTC)
        shown = p.inner_text("#mc-clock").strip()
        after = datetime.now(UTC)
        allowed = {t.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%H:%M") for t in (before, after)}
        new_york = {t.astimezone(ZoneInfo("America/New_York")).strftime("%H:%M") for t in (before, after)}
        assert shown in allowed and shown not in new_york, (shown, allowed)
    finally:
        ctx.close()
