"""No 500 on hostile input, anywhere (issue 16, item 4), on both databases.

The sweep is built from the app itself, so a new route or form field is swept without editing
this file:
- every route with an ``int`` argument, with ids out of range (2**31, 2**63, 2**64) and
  negative: 404 or 400, never 5xx;
- every form of every page an admin (and a district officer, an exhibitor) can open, each field
  in turn set to a NUL, a lone surrogate, 2**63, -1 and 100,000 characters: never 5xx, and a NUL
  or a lone surrogate is a 400;
- every POST route given deeply nested JSON (small, and past the check-in fast path's 64 KB):
  400, never 5xx; and JSON strings with a NUL or a lone surrogate in every field of the API
  bodies: 400 (the badge text itself is any text: it gets the outcome ``invalid``).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import quote

import pytest

from tests.conftest import BACKENDS, make_app
from tests.factories import make_device, make_user

HUGE_IDS = ("2147483648", "9223372036854775808", "18446744073709551616", "-1")
NUL, SURROGATE = "ab\x00cd", "ab\ud800cd"
FIELD_VALUES = (NUL, SURROGATE, str(2**63), "-1", "x" * 100_000)
SKIP_FORMS = {"/logout"}


class _Forms(HTMLParser):
    """The forms of a page: action, method and their fields' names with current values."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {
                "action": a.get("action") or "",
                "method": (a.get("method") or "get").lower(),
                "enctype": a.get("enctype") or "",
                "fields": {},
            }
            self.forms.append(self._form)
        elif self._form is not None and a.get("name"):
            if tag == "input" and a.get("type") in ("submit", "button", "image", "reset"):
                return
            if tag == "input" and a.get("type") in ("checkbox", "radio") and "checked" not in a:
                self._form["fields"].setdefault(a["name"], None)
                return
            if tag in ("input", "textarea"):
                self._form["fields"][a["name"]] = a.get("value", "")
            elif tag == "select":
                self._select = a["name"]
                self._form["fields"][a["name"]] = ""
        elif tag == "option" and self._select and self._form is not None:
            if not self._form["fields"].get(self._select):
                self._form["fields"][self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def forms_of(html: str) -> list[dict]:
    p = _Forms()
    p.feed(html)
    return p.forms


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, tmp_path_factory):
    app = make_app(request.param, tmp_path_factory.mktemp("hostile"))
    with app.app_context():
        from models.demo.load import load_demo

        load_demo(with_users=False)
        make_user("h-admin", "admin")
        token = make_device("hostile-kiosk")
        from models.core.base import db
        from models.districts.links import current_link, district_token, new_link
        from models.events.models import District
        from models.exhibition.models import Exhibitor
        from models.exhibition.workflow import status_token

        district = db.session.scalars(db.select(District).order_by(District.id)).first()
        link = current_link(district) or new_link(district)
        db.session.commit()
        secret = app.config["SECRET_KEY"]
        private = ["/d/" + district_token(link, secret)]
        ex = db.session.scalars(db.select(Exhibitor).order_by(Exhibitor.id)).first()
        if ex is not None:
            private.append("/exhibitors/status/" + status_token(ex, secret))
    client = app.test_client()
    r = client.post("/login", data={"username": "h-admin", "password": "secret-pass-123"})
    assert r.status_code == 302
    return app, client, token, private


def _routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.rule.startswith("/static/") or rule.rule == "/logout":
            continue
        yield rule


def _fill(rule, value_for_int: str) -> str:
    def sub(m):
        conv = m.group(1) or ""
        return value_for_int if conv.startswith("int") else {"code": "vi", "action": "approve"}.get(m.group(2), "x")

    return re.sub(r"<(?:(\w+):)?(\w+)>", sub, rule.rule)


def _auth(rule, token):
    return {"Authorization": f"Bearer {token}"} if rule.rule.startswith("/api/") else {}


def test_out_of_range_ids_in_every_route(world):
    app, client, token, _ = world
    checked = 0
    for rule in _routes(app):
        if "int:" not in rule.rule:
            continue
        for value in HUGE_IDS:
            url = _fill(rule, value)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                with app.app_context():
                    r = client.open(url, method=method, headers=_auth(rule, token))
                assert r.status_code in (400, 404), (method, url, r.status_code)
                checked += 1
    assert checked > 40


def _pages(app, private):
    """Every GET page without arguments (ids filled with 1), and the private links."""
    for rule in _routes(app):
        if "GET" in rule.methods and not rule.rule.startswith("/api/") and "<token>" not in rule.rule:
            yield _fill(rule, "1")
    yield from private


def _urlencoded(data: dict) -> bytes:
    """As a hostile client sends it: a lone surrogate as its raw UTF-8 bytes (ED A0 80), which
    no browser would; the server reads them as U+FFFD."""
    return "&".join(f"{quote(k)}={quote(v.encode('utf-8', 'surrogatepass'))}" for k, v in data.items()).encode()


def test_every_form_field_with_hostile_values(world):
    app, client, token, private = world
    swept = 0
    seen: set[tuple[str, str]] = set()
    for url in _pages(app, private):
        with app.app_context():
            r = client.get(url)
        assert r.status_code < 500, (url, r.status_code)
        if "text/html" not in r.content_type:
            continue
        for form in forms_of(r.get_data(as_text=True)):
            action = form["action"] or url
            if form["method"] != "post" or action in SKIP_FORMS:
                continue
            for name in form["fields"]:
                shape = (re.sub(r"/\d+", "/N", action), name)  # one of 250 alike seat forms
                if name == "csrf_token" or shape in seen:
                    continue
                seen.add(shape)
                for value in FIELD_VALUES:
                    data = {k: v for k, v in form["fields"].items() if v is not None}
                    data[name] = value
                    with app.app_context():
                        resp = client.post(
                            action, data=_urlencoded(data), content_type="application/x-www-form-urlencoded"
                        )
                    assert resp.status_code < 500, (action, name, value[:20], resp.status_code)
                    if value == NUL:
                        assert resp.status_code == 400, (action, name, repr(value), resp.status_code)
                    swept += 1
    assert swept > 100


def test_nested_json_to_every_post_route(world):
    app, client, token, _ = world
    small = "[" * 5000 + "]" * 5000
    big = '{"code": ' + "[" * 40_000 + "]" * 40_000 + "}"  # past the fast path's 64 KB
    for rule in _routes(app):
        if "POST" not in rule.methods:
            continue
        url = _fill(rule, "1")
        for body in (small, big):
            with app.app_context():
                r = client.post(url, data=body, content_type="application/json", headers=_auth(rule, token))
            assert r.status_code < 500, (url, len(body), r.status_code)
            if rule.rule.startswith("/api/"):
                assert r.status_code == 400 and r.is_json, (url, len(body), r.status_code)


API_BODIES = {
    "/api/v1/checkins": {"code": "EK1AAAA", "station": "Cổng 1", "scan_id": "s-hostile-1"},
    "/api/v1/kiosk/heartbeat": {"station": "Cổng 1", "queue_length": 0},
}


@pytest.mark.parametrize("url", sorted(API_BODIES))
def test_nul_and_surrogates_in_api_fields(world, url):
    app, client, token, _ = world
    for field in API_BODIES[url]:
        for n, value in enumerate((NUL, SURROGATE)):
            body = dict(API_BODIES[url], **{field: value})
            if "scan_id" in body and field != "scan_id":  # a reused scan_id with another code is a 409
                body["scan_id"] = f"s-hostile-{field}-{n}"
            with app.app_context():
                r = client.post(url, json=body, headers={"Authorization": f"Bearer {token}"})
            if url == "/api/v1/checkins" and field == "code":
                assert r.status_code == 200 and r.get_json()["result"] == "invalid"
            else:
                assert r.status_code == 400 and r.is_json, (url, field, repr(value), r.status_code)
