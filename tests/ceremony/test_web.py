"""HTTP: roles, the versioned poll (204 when unchanged), actions with CSRF and 409 on a stale
version, the public stage screen, the MC script PDF and the CLI."""

import io
import re

from pypdf import PdfReader

from models.accounts.models import AuditLog
from models.ceremony.models import Award, CeremonyState
from models.ceremony.sequence import award_batches
from models.core.base import db
from tests import factories
from tests.ceremony.helpers import ceremony_event


def _page_version(client) -> int:
    html = client.get("/mc/").get_data(as_text=True)
    return int(re.search(r'data-version="(\d+)"', html).group(1))


def test_mc_page_needs_the_mc_role(client, auth, app):
    ceremony_event()
    assert client.get("/mc/").status_code == 302
    assert client.get("/mc/state.json", headers={"Accept": "application/json"}).status_code in (302, 401)
    auth.as_role("desk")
    assert client.get("/mc/").status_code == 403
    assert client.post("/mc/action", json={"action": "next", "version": 1}).status_code == 403


def test_mc_page_has_buttons_and_version(client, auth, app):
    ceremony_event()
    auth.as_role("mc")
    html = client.get("/mc/").get_data(as_text=True)
    for action in ("start", "next", "back"):
        assert f'data-action="{action}"' in html
    assert re.search(r'id="mc"[^>]*data-version="\d+"', html)
    assert "<script>" not in html and 'src="/static/js/mc.js"' in html


def test_poll_answers_204_until_something_changes(client, auth, app):
    ev = ceremony_event()
    auth.as_role("mc")
    v = _page_version(client)
    r = client.get("/mc/state.json")
    assert r.status_code == 200 and r.json["version"] == v
    tag = r.json["tag"]
    assert client.get(f"/mc/state.json?since={tag}").status_code == 204
    assert client.get("/mc/state.json", headers={"If-None-Match": f'"{tag}"'}).status_code == 304
    # a recipient checks in: the tag changes although the version does not
    from models.checkin.checkin import check_in

    award = db.session.scalars(db.select(Award).order_by(Award.position)).first()
    check_in(event_id=ev.id, attendee_id=award.recipient_id, scan_id="w-1", station="t", method="manual")
    r = client.get(f"/mc/state.json?since={tag}")
    assert r.status_code == 200 and r.json["version"] == v and r.json["tag"] != tag
    assert r.json["arrived"] == 1


def test_actions_compare_and_set(client, auth, app):
    ceremony_event()
    auth.as_role("mc")
    v = _page_version(client)
    r = client.post("/mc/action", json={"action": "start", "version": v})
    assert r.status_code == 200 and r.json["outcome"] == "ok" and r.json["version"] == v + 1
    r = client.post("/mc/action", json={"action": "next", "version": v})  # stale
    assert r.status_code == 409 and r.json["outcome"] == "conflict"
    assert r.json["version"] == v + 1 and r.json["current_item"]["title"] == "Khai mạc"
    for bad in (
        {"action": "dance", "version": v + 1},
        {"action": "next"},
        {"action": "next", "version": "x"},
        {"action": "absent", "version": v + 1, "award_id": "abc"},
    ):
        r = client.post("/mc/action", json=bad)
        assert r.status_code in (400, 409), bad
    assert client.post("/mc/action", data="not json", content_type="application/json").status_code == 400
    assert db.session.scalar(db.select(CeremonyState.version)) == v + 1
    assert db.session.scalar(db.select(AuditLog).where(AuditLog.action == "mc_start")) is not None


def test_actions_need_the_csrf_token(csrf_app):
    client = csrf_app.test_client()
    ceremony_event()
    factories.make_user("mc-csrf", "mc")
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    client.post("/login", data={"username": "mc-csrf", "password": "secret-pass-123", "csrf_token": token})
    html = client.get("/mc/").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    v = int(re.search(r'data-version="(\d+)"', html).group(1))
    assert client.post("/mc/action", json={"action": "start", "version": v}).status_code == 400
    r = client.post("/mc/action", json={"action": "start", "version": v}, headers={"X-CSRFToken": token})
    assert r.status_code == 200 and r.json["outcome"] == "ok"


def test_stage_is_public_and_shows_only_names_and_products(client, auth, app):
    ev = ceremony_event()
    html = client.get("/stage/").get_data(as_text=True)
    assert ev.name in html and 'id="stage"' in html
    s = client.get("/stage/state.json").json
    assert s["on_stage"] == [] and s["event"] == ev.name
    auth.as_role("mc")
    v = _page_version(client)
    client.post("/mc/action", json={"action": "start", "version": v})
    client.post("/mc/action", json={"action": "next", "version": v + 1})
    client.post("/logout")
    s = client.get("/stage/state.json").json
    assert len(s["on_stage"]) == 1 and s["tier"] == "Chứng nhận 5 sao"
    assert set(s["on_stage"][0]) == {"name", "on_behalf_of", "entity", "products"}
    assert set(s) == {"version", "event", "tier", "on_stage"}
    assert client.get(f"/stage/state.json?since={s['version']}").status_code == 204
    # the page draws the same people on the server, escaped
    award = db.session.scalars(db.select(Award).where(Award.status == "on_stage")).one()
    award.product_name = "<b>Yến</b> & sào"
    db.session.commit()
    html = client.get("/stage/").get_data(as_text=True)
    assert "Chứng nhận 5 sao" in html and award.recipient.display_name in html
    assert "&lt;b&gt;Yến&lt;/b&gt; &amp; sào" in html and "<b>Yến" not in html


def test_people_search_offers_only_present_people(client, auth, app):
    ev = ceremony_event()
    auth.as_role("mc")
    from models.checkin.checkin import check_in
    from models.guests.models import Attendee

    people = db.session.scalars(db.select(Attendee).where(Attendee.full_name.like("Trần Văn%"))).all()
    check_in(event_id=ev.id, attendee_id=people[0].id, scan_id="p-1", station="t", method="manual")
    found = client.get("/mc/people.json?q=tran van").json
    assert [p["id"] for p in found] == [people[0].id]


def test_script_pdf_route_and_cli(client, auth, app, runner, tmp_path):
    ev = ceremony_event(three_star=12)
    award_batches(ev)
    db.session.commit()
    auth.as_role("mc")
    r = client.get("/mc/script.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(r.data)).pages)
    assert "KỊCH BẢN DẪN CHƯƠNG TRÌNH" in text
    assert "Khai mạc" in text and "Trao thưởng" in text
    assert "Đợt 1/4" in text and "Đợt 4/4" in text
    assert "Người trao: Ông Nguyễn Văn An" in text
    assert "Trần Văn Đạt" in text
    fonts = {
        str(f.get("/BaseFont")) for p in PdfReader(io.BytesIO(r.data)).pages for f in p["/Resources"]["/Font"].values()
    }
    assert all("DejaVu" in f for f in fonts), fonts
    out = tmp_path / "script.pdf"
    res = runner.invoke(args=["mc-script", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "Đợt 4/4" in "\n".join(p.extract_text() for p in PdfReader(str(out)).pages)


def test_award_batches_cli(runner, app):
    ceremony_event(three_star=12)
    res = runner.invoke(args=["award-batches", "--capacity", "5", "--tier-order", "3-sao,4-sao,5-sao"])
    assert res.exit_code == 0, res.output
    lines = res.output.strip().splitlines()
    assert lines[0].split()[1] == "3-sao" and len(lines) == 3 + 1 + 1
    res = runner.invoke(args=["award-batches", "--tier-order", "3-sao"])
    assert res.exit_code != 0
