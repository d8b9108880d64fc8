"""Backstage (issue 24 item 5): a scan at a checkpoint of kind "backstage" marks the award
recipient "đã vào hậu trường" on the MC tablet (its live JSON and the page) and the ushers'
call-up list; it is not an arrival in the hall."""

from models.ceremony.live import mc_action, presence_tag
from models.ceremony.models import Award
from models.ceremony.sequence import award_batches
from models.ceremony.view import mc_snapshot
from models.checkin import checkpoints
from models.checkin.checkin import check_in
from models.checkin.checkpoints import Checkpoint
from models.core.base import db
from models.events.models import Event
from models.guests.models import Attendee
from tests.ceremony.helpers import add_ceremony, ceremony_event
from tests.conftest import screenshot


def _backstage(event_id: int) -> int:
    cp = Checkpoint(event_id=event_id, name="Hậu trường trao giải", kind="backstage", rule="once", position=2)
    db.session.add(cp)
    db.session.commit()
    checkpoints.changed()
    return cp.id


def _on_stage(ev) -> dict:
    v = mc_snapshot(ev)["version"]
    assert mc_action(ev, "start", v).outcome == "ok"
    assert mc_action(ev, "next", v + 1).outcome == "ok"
    return mc_snapshot(ev)


def test_backstage_pass_shows_in_the_mc_json(app):
    ev = ceremony_event()
    award_batches(ev)
    db.session.commit()
    snap = _on_stage(ev)
    assert snap["backstage"] == {"enabled": False, "count": 0}
    cp = _backstage(ev.id)
    snap = mc_snapshot(ev)
    call = snap["batch"]["calls"][0]
    assert snap["backstage"] == {"enabled": True, "count": 0}
    assert call["recipient"]["backstage_at"] is None
    assert all(c["recipient"]["backstage_at"] is None for c in snap["next_batch"]["calls"])
    tag = presence_tag(ev.id)
    rid = call["recipient"]["id"]
    r = check_in(
        event_id=ev.id, attendee_id=rid, scan_id="bs1", station="Hậu trường", method="manual", checkpoint_id=cp
    )
    assert r.outcome == "ok" and r.checkpoint["kind"] == "backstage"
    assert presence_tag(ev.id) != tag  # the polling tablets notice
    snap = mc_snapshot(ev)
    at = snap["batch"]["calls"][0]["recipient"]["backstage_at"]
    assert at is not None and len(at) == 5 and at[2] == ":"
    assert snap["backstage"]["count"] == 1
    assert snap["batch"]["calls"][0]["recipient"]["arrived"] is False  # backstage is not the hall
    assert db.session.get(Attendee, rid).checked_in_at is None


def test_mc_tablet_shows_backstage_live(browser, live_server):
    with live_server.app.app_context():
        ev = add_ceremony(db.session.get(Event, live_server.event_id), three_star=6)
        award_batches(ev)
        db.session.commit()
        cp, ev_id = _backstage(ev.id), ev.id
    ctx = browser.new_context(viewport={"width": 1024, "height": 768}, locale="vi-VN")
    try:
        p = ctx.new_page()
        username, password = live_server.user("mc")
        p.goto(live_server.url + "/login?next=/mc/")
        p.fill("input[name=username]", username)
        p.fill("input[name=password]", password)
        p.click("button[type=submit]")
        p.wait_for_url("**/mc/")
        p.wait_for_selector("#mc[data-tag*='-']")
        for action in ("start", "next"):
            version = int(p.get_attribute("#mc", "data-version"))
            p.click(f"[data-action={action}]")
            p.wait_for_selector(f"#mc:not([data-version='{version}'])", timeout=2000)
        p.wait_for_selector("#mc-recipients li [data-backstage='0']")
        assert "Chưa vào hậu trường" in p.inner_text("#mc-recipients")
        assert p.locator("#mc-callup [data-backstage='0']").count() >= 1
        with live_server.app.app_context():
            awards = db.session.scalars(db.select(Award).order_by(Award.position)).all()
            on_stage = awards[0].id
            for n, award in enumerate(awards[:2]):
                check_in(
                    event_id=ev_id,
                    attendee_id=award.recipient_id,
                    scan_id=f"bs-{n}",
                    station="Điện thoại hậu trường",
                    method="manual",
                    checkpoint_id=cp,
                )
            db.session.remove()
        p.wait_for_selector(f"li[data-award='{on_stage}'] [data-backstage='1']", timeout=3000)
        assert "Đã vào hậu trường" in p.inner_text(f"li[data-award='{on_stage}']")
        p.wait_for_selector("#mc-callup [data-backstage='1']", timeout=3000)
        assert "Đã vào hậu trường" in p.inner_text("#mc-callup")
        assert p.inner_text("#mc-count").endswith("· 2 đã vào hậu trường")
        screenshot(p, "mc_backstage_1024")
    finally:
        ctx.close()
