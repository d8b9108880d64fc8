"""The event's unit label everywhere: for an event of communes and wards ("Xã/phường", after the
1 July 2025 reform) no page, xlsx header or PDF (invitation letters aside: h15b's) says
"huyện" / "Huyện" / "district"."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from models.ceremony.models import Award, AwardTier
from models.core.base import db
from models.districts.links import district_token, new_link
from models.exhibition.models import Exhibitor
from models.exhibition.workflow import status_token
from models.units.models import District
from tests import factories

PAGES = (
    "/admin/",
    "/admin/attendees",
    "/admin/attendees/import",
    "/admin/seats",
    "/admin/seats/map",
    "/admin/badges",
    "/admin/exhibitors",
    "/admin/exhibitors/districts",
    "/admin/exhibitors/{ex}",
    "/admin/awards",
    "/admin/districts",
    "/admin/districts/{unit}",
    "/admin/reports",
    "/desk/",
    "/desk/walk-in",
    "/mc/",
    "/stage/",
    "/exhibitors/register",
    "/exhibitors/status/{ex_token}",
    "/d/{unit_token}",
    "/admin/event",
    "/admin/event/programme",
    "/admin/event/groups",
    "/admin/event/units",
    "/admin/event/tiers",
    "/",
)
FILES = (
    "/admin/attendees/template.xlsx",
    "/admin/attendees/export.xlsx",
    "/admin/exhibitors/export.xlsx",
    "/admin/reports/attendance.xlsx",
    "/admin/reports/summary.pdf",
    "/admin/event/units/export.xlsx",
    "/mc/script.pdf",
    "/admin/exhibitors/cards.pdf",
)
FORBIDDEN = re.compile(r"huyện|district", re.IGNORECASE)


@pytest.fixture
def commune_event(app):
    ev = factories.make_event(people=4)
    ev.unit_level, ev.unit_label = "xã, phường, đặc khu", "Xã/phường"
    unit = db.session.scalar(db.select(District).where(District.event_id == ev.id))
    unit.name, unit.kind = "Phường Nha Trang", "phường"
    ex = Exhibitor(event_id=ev.id, name="HTX Yến sào Cam Lâm", district_id=unit.id, status="approved")
    tier = AwardTier(event_id=ev.id, code="5", name="Sản phẩm OCOP 5 sao", stars=5)
    db.session.add_all([ex, tier])
    db.session.flush()
    db.session.add(
        Award(event_id=ev.id, tier_id=tier.id, product_name="Yến sào", entity_name=ex.name, district_id=unit.id)
    )
    link = new_link(unit)
    db.session.commit()
    return ev, unit, ex, link


def visible_text(html: str) -> str:
    """What a person reads: the text and the attribute values shown (not URLs, classes, ids)."""
    html = re.sub(r"<script.*?</script>|<style.*?</style>", " ", html, flags=re.S)
    shown = " ".join(re.findall(r'(?:title|placeholder|alt|aria-label|value)="([^"]*)"', html))
    return re.sub(r"<[^>]+>", " ", html) + " " + shown


def test_no_page_says_huyen_for_a_commune_event(app, client, auth, commune_event):
    ev, unit, ex, link = commune_event
    auth.as_role("admin")
    secret = app.config["SECRET_KEY"]
    values = {
        "ex": ex.id,
        "unit": unit.id,
        "ex_token": status_token(ex, secret),
        "unit_token": district_token(link, secret),
    }
    bad = {}
    for url in PAGES:
        resp = client.get(url.format(**values))
        assert resp.status_code == 200, (url, resp.status_code)
        text = visible_text(resp.get_data(as_text=True))
        bad.update({url: around(text)} if FORBIDDEN.search(text) else {})
    assert bad == {}
    # the pages that name the level use the event's words
    assert "Xã/phường" in visible_text(client.get("/admin/districts").get_data(as_text=True))
    assert "Xã/phường" in visible_text(client.get("/admin/exhibitors").get_data(as_text=True))


def around(text: str) -> list[str]:
    return [" ".join(text[max(0, m.start() - 60) : m.end() + 30].split()) for m in FORBIDDEN.finditer(text)]


def file_text(resp) -> str:
    if resp.mimetype == "application/pdf":
        return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(resp.data)).pages)
    wb = load_workbook(io.BytesIO(resp.data), read_only=True)
    return " ".join(
        str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None
    )


def test_no_file_says_huyen_for_a_commune_event(client, auth, commune_event):
    auth.as_role("admin")
    bad = {}
    for url in FILES:
        resp = client.get(url)
        assert resp.status_code == 200, url
        text = file_text(resp)
        bad.update({url: around(text)} if FORBIDDEN.search(text) else {})
    assert bad == {}
    assert "Xã/phường" in file_text(client.get("/admin/attendees/template.xlsx"))


def test_a_district_event_still_says_huyen(client, auth, event):
    auth.as_role("admin")
    text = visible_text(client.get("/admin/districts").get_data(as_text=True))
    assert "Huyện" in text
