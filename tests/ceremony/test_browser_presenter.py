"""In a real browser, on the demo event: two MC tablets (two browser contexts) and the stage.
Batch 4 calls its two-product recipient once (tablet and stage); the presenter is changed on
one tablet from the choice of leaders with their presence, and the other tablet follows."""

from __future__ import annotations

import time

from models.accounts.models import AuditLog
from models.ceremony.live import presenter_candidates
from models.ceremony.models import AwardBatch
from models.ceremony.sequence import batches_of
from models.checkin.checkin import check_in
from models.core.base import db
from tests.ceremony.test_browser import _login_mc, _press
from tests.conftest import screenshot


def _demo(server) -> dict:
    """Load the demo on the live server's database; check in one leader who does not present
    batch 4. Returns names and ids the test needs."""
    with server.app.app_context():
        from models.demo.load import load_demo

        ev, _ = load_demo(with_users=False)
        b4 = batches_of(ev.id)[3]
        counts: dict[int, int] = {}
        for a in b4.awards:
            counts[a.recipient_id] = counts.get(a.recipient_id, 0) + 1
        twice = next(a.recipient for a in b4.awards if counts[a.recipient_id] == 2)
        leader = next(p for p in presenter_candidates(ev.id) if p.id != b4.presenter_id)
        check_in(event_id=ev.id, attendee_id=leader.id, scan_id="bp-1", station="Cửa chính", method="manual")
        return {
            "event_id": ev.id,
            "batch_id": b4.id,
            "people": len(counts),
            "awards": len(b4.awards),
            "twice": twice.display_name,
            "leader_id": leader.id,
            "leader": leader.full_name,
            "seat": leader.seat.label,
            "old": b4.presenter.full_name,
        }


def test_presenter_changed_on_one_tablet_shows_on_the_other(browser, live_server_any):
    """On both databases (a live server on PostgreSQL too)."""
    live_server = live_server_any
    d = _demo(live_server)
    portrait = browser.new_context(viewport={"width": 820, "height": 1180}, locale="vi-VN")
    landscape = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
    on_stage = browser.new_context(viewport={"width": 1600, "height": 900}, locale="vi-VN")
    try:
        a, b, stage = portrait.new_page(), landscape.new_page(), on_stage.new_page()
        for p in (a, b):
            _login_mc(p, live_server)
            p.wait_for_selector("#mc[data-tag*='-']")
        stage.goto(live_server.url + "/stage/")
        _press(a, "start")
        _press(a, "start")  # the hand-out: batch 1
        for _ in range(3):
            _press(a, "next")
        a.wait_for_selector("#mc-batch-no:has-text('Đợt 4/')")
        # one call per person: the two-product recipient once, both products listed
        assert a.locator("#mc-recipients > li").count() == d["people"]
        assert a.inner_text("#mc-recipients").count(d["twice"]) == 1
        call = a.locator("#mc-recipients > li", has_text=d["twice"])
        assert call.locator(".mc-products li").count() == 2
        assert f"{d['people']} người · {d['awards']} giải" in a.inner_text("#mc-batch-count")
        stage.wait_for_selector(f"#stage-names li:has-text('{d['twice']}')", timeout=3000)
        assert stage.locator("#stage-names > li").count() == d["people"]
        assert stage.inner_text("#stage-names").count(d["twice"]) == 1
        screenshot(stage, "mc_stage_one_call")

        # the presenter line: the current presenter has not arrived (truthfully CHƯA ĐẾN)
        b.wait_for_selector("#mc-batch-no:has-text('Đợt 4/')", timeout=3000)
        assert d["old"] in b.inner_text("#mc-presenter") and "CHƯA ĐẾN" in b.inner_text("#mc-presenter")

        # choose another leader on tablet A, from the list with presence
        a.click("#mc-presenter [data-action=presenter]")
        a.wait_for_selector("#mc-pres-list [data-pick-presenter]")
        pick = a.locator(f"#mc-pres-list [data-pick-presenter='{d['leader_id']}']")
        assert "Có mặt" in pick.inner_text() and d["seat"] in pick.inner_text()
        assert a.locator("#mc-pres-list .presence.bad").count() >= 1  # the others: CHƯA ĐẾN
        screenshot(a, "mc_presenter_choice")
        version = int(a.get_attribute("#mc", "data-version"))
        pick.click()
        a.wait_for_selector("#mc-pres", state="hidden")
        a.wait_for_selector(f"#mc-presenter:has-text('{d['leader']}')", timeout=2000)

        # tablet B follows within a few seconds, with the presence shown truthfully
        started = time.monotonic()
        b.wait_for_selector(f"#mc-presenter:has-text('{d['leader']}')", timeout=3000)
        followed = time.monotonic() - started
        text = b.inner_text("#mc-presenter")
        assert "Có mặt" in text and d["seat"] in text and "CHƯA ĐẾN" not in text
        assert int(b.get_attribute("#mc", "data-version")) == version + 1
        stage.wait_for_selector(f"#stage[data-version='{version + 1}']", timeout=3000)
        assert followed < 3
        screenshot(a, "mc_presenter_portrait")
        with live_server.app.app_context():
            assert db.session.get(AwardBatch, d["batch_id"]).presenter_id == d["leader_id"]
            log = db.session.scalars(db.select(AuditLog).where(AuditLog.action == "mc_presenter")).one()
            assert log.detail["new"] == d["leader_id"]
    finally:
        for c in (portrait, landscape, on_stage):
            c.close()
