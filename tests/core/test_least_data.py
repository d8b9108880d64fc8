"""Issue 16 item 7: least data. An exhibition-kind kiosk's snapshot holds only booth staff;
staff pages and every download carry `Cache-Control: no-store`; the CSP forbids inline styles
and the pages need none."""

from __future__ import annotations

import re
from pathlib import Path

from models.core.base import db
from models.events.models import Group
from models.guests.models import Attendee
from tests.conftest import login_page, screenshot
from tests.factories import attendees, make_device

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _booth_person(event) -> Attendee:
    staff = Group(
        event_id=event.id,
        code="booth-staff",
        name="Nhân viên gian hàng",
        color="#6a1b9a",
        priority=9,
        is_exhibitor_staff=True,
    )
    db.session.add(staff)
    db.session.flush()
    a = Attendee(
        event_id=event.id,
        honorific="Bà",
        full_name="Trương Thị Gian Hàng",
        group_id=staff.id,
        precedence=99,
        external_key="booth-1",
    )
    a.refresh_keys()
    db.session.add(a)
    db.session.commit()
    return a


def _snapshot(client, token):
    r = client.get("/api/v1/kiosk/snapshot", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    return r.get_json()


def test_exhibition_snapshot_holds_only_booth_staff(client, event):
    booth = _booth_person(event)
    hall = _snapshot(client, make_device("hall-1", kind="hall"))
    expo = _snapshot(client, make_device("expo-1", kind="exhibition"))
    assert {p["id"] for p in expo["roster"]} == {booth.id}
    assert {p["id"] for p in hall["roster"]} == {a.id for a in attendees(event)}  # all invited
    assert expo["keys"] == hall["keys"] and expo["revoked"] == hall["revoked"]


def _get_routes(app, prefixes):
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and rule.rule.startswith(prefixes):
            yield rule.rule


def test_staff_pages_and_downloads_are_no_store(client, auth, event, app):
    auth.as_role("admin")
    seen = 0
    for path in _get_routes(app, ("/admin", "/desk", "/mc")):
        r = client.get(path)
        assert r.headers.get("Cache-Control") == "no-store", (path, r.status_code)
        seen += 1
    assert seen >= 20
    for path in (
        "/admin/attendees/export.xlsx",
        "/admin/attendees/no-shows.xlsx",
        "/admin/attendees/template.xlsx",
        "/mc/script.pdf",
        "/admin/seats/map.pdf",
    ):
        r = client.get(path)
        assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store", path
    # a district officer's and an exhibitor's private pages too, and the kiosk snapshot (names)
    assert client.get("/d/not-a-real-token").headers["Cache-Control"] == "no-store"
    assert client.get("/exhibitors/status/not-a-token").headers["Cache-Control"] == "no-store"
    # the public stage screen is not a download: browsers may revalidate it as usual
    assert client.get("/stage/").headers.get("Cache-Control") != "no-store"


def test_csp_has_no_unsafe_inline_and_templates_no_inline_styles(client):
    csp = client.get("/login").headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "style-src 'self'" in csp
    offenders = [
        f"{p.relative_to(TEMPLATES)}:{n}"
        for p in TEMPLATES.rglob("*.html")
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if re.search(r"\bstyle\s*=|<style\b", line)
    ]
    assert offenders == [], "inline styles are blocked by the CSP; use a class: " + ", ".join(offenders)


def test_pages_load_with_no_csp_violation(page, live_server):
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text))
    login_page(page, live_server, "admin")
    for path in (
        "/admin/",
        "/admin/attendees",
        "/admin/seats",
        "/admin/districts",
        "/admin/awards",
        "/admin/exhibitors",
        "/desk/",
        "/mc/",
    ):
        page.goto(live_server.url + path)
        page.wait_for_load_state("load")
        if path == "/admin/":
            page.wait_for_selector("td.meter span")
            # the group colour and the bar width are painted from data attributes
            band = page.eval_on_selector("span.band[data-bg]", "e => getComputedStyle(e).backgroundColor")
            assert band not in ("", "rgba(0, 0, 0, 0)"), band
            screenshot(page, "csp_dashboard")
    violations = [m for m in messages if "Content Security Policy" in m or "Refused" in m]
    assert violations == []
