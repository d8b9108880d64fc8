"""Issue 21 items 7-8 on the district pages: the missing delegates' phones grouped for the
officer to call, the private link's QR (decoded by zxing-cpp) and copy button, the fix-caps
offer on nominations (officer's form and the organiser's review), phones grouped on the review."""

from __future__ import annotations

import re
from html import unescape

import zxingcpp
from flask import current_app
from PIL import Image, ImageDraw
from sqlalchemy import select

from models.accounts.models import AuditLog
from models.checkin.checkin import check_in
from models.core.base import db
from models.districts import delegations as ds
from models.guests.models import Attendee
from tests.districts.conftest import nomination, setup_districts

_SQUARE = re.compile(r"M(\d+) (\d+)h1v1h-1z")


def decode_svg_qr(svg: str) -> list[str]:
    """Draw the SVG's squares (the only shapes qr_svg writes) and read them with zxing-cpp."""
    n = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))
    scale = 8
    img = Image.new("L", (n * scale, n * scale), 255)
    draw = ImageDraw.Draw(img)
    for x, y in _SQUARE.findall(svg):
        x, y = int(x) * scale, int(y) * scale
        draw.rectangle([x, y, x + scale - 1, y + scale - 1], fill=0)
    return [r.text for r in zxingcpp.read_barcodes(img, formats=zxingcpp.BarcodeFormat.QRCode)]


def test_missing_delegates_phones_grouped_on_the_officer_page(client, event):
    s = setup_districts(event)
    p = ds.save_nomination(s.link_a, nomination(s.guests.id, full_name="Lê Văn Gọi", phone="+84 905.777.888"))
    ds.accept(p)
    db.session.commit()
    html = client.get(f"/d/{s.token_a}").get_data(as_text=True)
    arrivals = html.split('id="arrivals"')[1].split("</section>")[0]
    # the organiser's six delegates and the district's own nominee: every missing one with a phone
    phones = re.findall(r'<a class="tel" href="tel:(\d+)" data-phone>([^<]+)</a>', arrivals)
    assert sorted(phones) == [("0905123456", "0905 123 456")] * 6 + [("0905777888", "0905 777 888")]
    # the nominations list shows it grouped too
    nominees = html.split('id="nominations"')[1].split("</section>")[0]
    assert "<span data-phone>0905 777 888</span>" in nominees and "0905777888" not in nominees
    # arrived: no phone any more (nobody to call)
    assert check_in(event_id=event.id, code=p.current_badge.code, scan_id="tools-1", station="Cửa").outcome == "ok"
    data = client.get(f"/d/{s.token_a}/arrivals.json").get_json()
    me = next(r for r in data["people"] if r["id"] == p.id)
    assert me["arrived"] and me["phone"] == ""
    assert {r["phone"] for r in data["people"] if not r["arrived"]} == {"0905 123 456"}
    # the edit form shows the stored number grouped
    other = ds.save_nomination(s.link_a, nomination(s.guests.id, full_name="Võ Thị Sửa", phone="0258 379 0123"))
    db.session.commit()
    html = client.get(f"/d/{s.token_a}?edit={other.id}").get_data(as_text=True)
    assert 'name="phone" value="0258 379 0123"' in html


def test_review_shows_phones_grouped_and_the_link_qr(client, auth, event):
    s = setup_districts(event)
    ds.save_nomination(s.link_b, nomination(s.guests.id, phone="0912345678"))
    db.session.commit()
    assert client.get(f"/admin/districts/{s.b.id}/link-qr.svg").status_code in (302, 401, 403)
    auth.as_role("admin")
    html = client.get(f"/admin/districts/{s.b.id}").get_data(as_text=True)
    assert "<span data-phone>0912 345 678</span>" in html and "0912345678" not in html
    url = unescape(re.search(r'id="district-link" data-link>([^<]+)<', html).group(1))
    assert ds.link_from_token(url.rsplit("/d/", 1)[1], current_app.secret_key).id == s.link_b.id
    # the copy button (static JS, no inline script) and the QR image the server draws
    assert 'data-copy="district-link"' in html and "js/district_link.js" in html and "<script>" not in html
    # the QR on the page is drawn by the server from the very text shown
    assert decode_svg_qr(html.split("data-link-qr>")[1].split("</svg>")[0] + "</svg>") == [url]
    # the download: an SVG of a link to the same page (a fresh signature, the same link)
    assert f'href="/admin/districts/{s.b.id}/link-qr.svg"' in html
    resp = client.get(f"/admin/districts/{s.b.id}/link-qr.svg")
    assert resp.status_code == 200 and resp.mimetype == "image/svg+xml"
    assert resp.headers["Cache-Control"] == "no-store"
    svg = resp.get_data(as_text=True)
    assert s.token_b[:20] not in svg  # the link is only in the modules
    (got,) = decode_svg_qr(svg)
    assert got.rsplit("/d/", 1)[0] == url.rsplit("/d/", 1)[0]
    assert ds.link_from_token(got.rsplit("/", 1)[1], current_app.secret_key).id == s.link_b.id
    # a new link: the QR follows it
    client.post(f"/admin/districts/{s.b.id}/link", data={"deadline": ""})
    html = client.get(f"/admin/districts/{s.b.id}").get_data(as_text=True)
    new_url = unescape(re.search(r"data-link>([^<]+)<", html).group(1))
    assert new_url != url
    assert decode_svg_qr(html.split("data-link-qr>")[1].split("</svg>")[0] + "</svg>") == [new_url]
    client.post(f"/admin/districts/{s.b.id}/revoke")
    assert client.get(f"/admin/districts/{s.b.id}/link-qr.svg").status_code == 404
    assert client.get("/admin/districts/999999/link-qr.svg").status_code == 404


def test_desk_gets_no_link_qr(client, auth, event):
    s = setup_districts(event)
    auth.as_role("desk")
    assert client.get(f"/admin/districts/{s.a.id}/link-qr.svg").status_code == 403


CAPS = {"position": "CHỦ TỊCH UBND XÃ CAM HẢI TÂY", "organisation": "ỦY BAN NHÂN DÂN XÃ CAM HẢI TÂY, HUYỆN CAM LÂM"}
FIXED = {"position": "Chủ tịch UBND xã Cam Hải Tây", "organisation": "Ủy ban nhân dân xã Cam Hải Tây, huyện Cam Lâm"}


def test_officer_form_offers_fix_caps(client, event):
    s = setup_districts(event)
    html = client.get(f"/d/{s.token_b}").get_data(as_text=True)
    assert 'name="fix_caps" value="1"' in html and "Viết lại chức vụ, đơn vị đang viết IN HOA" in html
    client.post(f"/d/{s.token_b}/nominations", data=nomination(s.guests.id, full_name="Trần Văn Hoa", **CAPS))
    client.post(
        f"/d/{s.token_b}/nominations",
        data=nomination(s.guests.id, full_name="Lê Thị Sen", phone="0987000111", fix_caps="1", **CAPS),
    )
    people = {a.full_name: a for a in db.session.scalars(select(Attendee).where(Attendee.nominated_by_id == s.b.id))}
    typed, fixed = people["Trần Văn Hoa"], people["Lê Thị Sen"]
    assert (typed.position, typed.organisation) == (CAPS["position"], CAPS["organisation"])  # not asked: as typed
    assert (fixed.position, fixed.organisation) == (FIXED["position"], FIXED["organisation"])
    # text already in mixed case is never touched
    client.post(
        f"/d/{s.token_b}/nominations",
        data=nomination(
            s.guests.id, full_name="Võ Văn Thường", phone="0987000222", fix_caps="1", position="Cán bộ UBND"
        ),
    )
    assert db.session.scalar(select(Attendee.position).where(Attendee.full_name == "Võ Văn Thường")) == "Cán bộ UBND"


def test_review_offers_fix_caps_when_accepting(client, auth, event):
    s = setup_districts(event, quota=5)
    a = ds.save_nomination(s.link_b, nomination(s.guests.id, full_name="Trần Văn Hoa", **CAPS))
    b = ds.save_nomination(s.link_b, nomination(s.guests.id, full_name="Lê Thị Sen", phone="0987000111", **CAPS))
    c = ds.save_nomination(s.link_b, nomination(s.guests.id, full_name="Võ Thị Lan", phone="0987000222"))
    db.session.commit()
    auth.as_role("admin")
    html = client.get(f"/admin/districts/{s.b.id}").get_data(as_text=True)
    offer = html.split(f'data-caps-offer="{a.id}"')[1].split("</div>")[0]
    assert FIXED["position"] in offer and FIXED["organisation"] in offer
    assert f'data-caps-offer="{c.id}"' not in html  # nothing to offer: no box
    assert f'data-fix-caps="{a.id}"' in html and 'data-fix-caps="all"' in html and "(2 dòng)" in html
    # accepted with the box ticked: rewritten and audited; without: as typed
    client.post(f"/admin/districts/{s.b.id}/nominations/{a.id}/accept", data={"fix_caps": "1"})
    client.post(f"/admin/districts/{s.b.id}/nominations/{b.id}/accept")
    db.session.expire_all()
    assert (a.status, a.position, a.organisation) == ("invited", FIXED["position"], FIXED["organisation"])
    assert (b.status, b.position) == ("invited", CAPS["position"])
    log = db.session.scalars(
        select(AuditLog).where(AuditLog.action == "accept_nomination", AuditLog.entity_id == a.id)
    ).one()
    assert "Chủ tịch UBND xã Cam Hải Tây" in str(log.detail)


def test_accept_all_with_fix_caps(client, auth, event):
    s = setup_districts(event, quota=5)
    a = ds.save_nomination(s.link_b, nomination(s.guests.id, full_name="Trần Văn Hoa", **CAPS))
    db.session.commit()
    auth.as_role("admin")
    client.post(f"/admin/districts/{s.b.id}/accept-within-quota", data={"fix_caps": "1"})
    db.session.expire_all()
    assert (a.status, a.organisation) == ("invited", FIXED["organisation"])
