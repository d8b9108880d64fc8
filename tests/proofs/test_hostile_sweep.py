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

Odd digits (issue 22, item 4): "²" (``str.isdigit`` says yes, ``int`` says no), Arabic-Indic
"١٢" and full-width "１２" (``int`` reads them as 12), signs, spaces, "1_0", "0x1", "1e3", empty
and very long, in every URL id segment (404 with a message), every number filter of every GET
form and every name the views read with ``arg_int`` (400 naming it), every numeric field of
every POST form (never a 5xx, never stored as a number), and every field of the JSON bodies (400
with a JSON message). The sources are scanned too (tests/proofs/test_numbers.py).
"""

from __future__ import annotations

import json
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
#: whole numbers written every way but the one: ASCII digits 0-9 (models.core.numbers.parse_int)
ODD_DIGITS = ("²", "١٢", "１２", "+1", "-1", " 1", "1 ", "1_0", "0x1", "1e3", "", "1" * 5000)


class _Forms(HTMLParser):
    """The forms of a page: action, method and their fields' names with current values."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._options: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {
                "action": a.get("action") or "",
                "method": (a.get("method") or "get").lower(),
                "enctype": a.get("enctype") or "",
                "fields": {},
                "numbers": set(),
            }
            self.forms.append(self._form)
        elif self._form is not None and a.get("name"):
            if tag == "input" and a.get("type") in ("submit", "button", "image", "reset"):
                return
            if tag == "input" and a.get("type") in ("checkbox", "radio") and "checked" not in a:
                self._form["fields"].setdefault(a["name"], None)
                return
            if tag == "input" and (a.get("type") == "number" or re.fullmatch(r"[0-9]+", a.get("value") or "")):
                self._form["numbers"].add(a["name"])
            if tag in ("input", "textarea"):
                self._form["fields"][a["name"]] = a.get("value", "")
            elif tag == "select":
                self._select, self._options = a["name"], []
                self._form["fields"][a["name"]] = ""
        elif tag == "option" and self._select and self._form is not None:
            self._options.append(a.get("value") or "")
            if not self._form["fields"].get(self._select):
                self._form["fields"][self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            values = [v for v in self._options if v]
            if self._form is not None and values and all(re.fullmatch(r"[0-9]+", v) for v in values):
                self._form["numbers"].add(self._select)  # a choice of ids or figures
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
        from models.exhibition.models import Exhibitor
        from models.exhibition.workflow import status_token
        from models.units.models import District

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


# --- odd digits (issue 22, item 4) -----------------------------------------------------------------


def _said(r, status: int) -> str:
    """The message of an error answer: JSON ``message`` under /api/, else the error page's text."""
    if r.is_json:
        body = r.get_json()
        assert body.get("error") and body.get("message"), body
        return body["message"]
    html = r.get_data(as_text=True)
    m = re.search(rf'<p data-error="{status}">([^<]+)</p>', html)
    assert m, html[:300]
    return m.group(1)


def test_odd_digits_in_every_id_segment(world):
    """Every route with an id: "١٢" or "１２" is not 12, "²" is not a 500: a 404 with its page."""
    app, client, token, _ = world
    checked = 0
    for rule in _routes(app):
        if "int:" not in rule.rule:
            continue
        for value in ODD_DIGITS:
            url = _fill(rule, quote(value))
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                with app.app_context():
                    r = client.open(url, method=method, headers=_auth(rule, token))
                if value == "" and r.status_code in (301, 308, 405):
                    continue  # "/x//y" or "/x/": another route's URL (or a slash redirect), no id read
                assert r.status_code == 404, (method, url[:80], r.status_code)
                assert _said(r, 404)
                checked += 1
    assert checked > 200


def _get_forms(app, private):
    """(url, field) of every GET form's number filter: selects of ids or figures, number inputs."""
    out = set()
    for url in _pages(app, private):
        r = client_get(app, url)
        if r is None:
            continue
        for form in forms_of(r.get_data(as_text=True)):
            if form["method"] == "get":
                out.update(((form["action"] or url).split("?")[0], name) for name in form["numbers"])
    return sorted(out)


_CLIENT: dict = {}


def client_get(app, url):
    with app.app_context():
        r = _CLIENT["client"].get(url)
    return r if "text/html" in r.content_type and r.status_code == 200 else None


def _arg_int_names() -> set[str]:
    """The query names the views read with admin.core.hostile.arg_int (literal names)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "admin"
    found = set()
    for path in root.rglob("*.py"):
        found.update(re.findall(r"arg_int\(\s*\"(\w+)\"", path.read_text(encoding="utf-8")))
    return found


def test_odd_digits_in_every_number_filter(world):
    """Every number filter of every GET form (public /exhibition/ included) and every name read
    by arg_int: an odd number is a 400 whose page names the field; on every other page the same
    query changes nothing and breaks nothing."""
    app, client, token, private = world
    _CLIENT["client"] = client
    pairs = _get_forms(app, private)
    assert ("/exhibition/", "stars") in pairs and ("/exhibition/", "unit") in pairs
    names = {n for _u, n in pairs} | _arg_int_names()
    assert {"district", "edit", "group", "other"} <= names
    strict = 0
    for url, name in pairs:
        for value in ODD_DIGITS:
            with app.app_context():
                r = client.get(url, query_string={name: value})
            if value == "":
                assert r.status_code == 200, (url, name, r.status_code)  # "all": no filter
                continue
            assert r.status_code == 400, (url, name, value[:10], r.status_code)
            assert name in _said(r, 400), (url, name)
            strict += 1
    assert strict >= 3 * (len(ODD_DIGITS) - 1)
    refused: set[str] = set()
    for url in _pages(app, private):
        for value in ODD_DIGITS[:3]:  # every name at once: the page reads some, ignores the rest
            with app.app_context():
                r = client.get(url, query_string=dict.fromkeys(names, value))
            assert r.status_code < 500, (url, value, r.status_code)
            if r.status_code == 400:
                refused.update(n for n in names if n in _said(r, 400))
    assert _arg_int_names() <= refused  # each arg_int name is read (and refused) somewhere


def test_odd_digits_in_every_numeric_form_field(world):
    """Every numeric field (number inputs, id choices, hidden ids) of every POST form: never a
    5xx, and the answer says something is wrong (a 400 page, the form again with its message, or
    back with a flashed error): never a silent success."""
    app, client, token, private = world
    seen: set[tuple[str, str]] = set()
    swept = 0
    for url in _pages(app, private):
        with app.app_context():
            r = client.get(url)
        if r.status_code != 200 or "text/html" not in r.content_type:
            continue
        for form in forms_of(r.get_data(as_text=True)):
            action = form["action"] or url
            if form["method"] != "post" or action in SKIP_FORMS:
                continue
            for name in sorted(form["numbers"]):
                shape = (re.sub(r"/\d+", "/N", action), name)
                if name == "csrf_token" or shape in seen:
                    continue
                seen.add(shape)
                before = _fingerprint(app)
                for value in ODD_DIGITS:
                    if value == "" or (value == "-1" and name in SIGNED_FIELDS):
                        continue  # an empty field is its own case (required or not)
                    data = {k: v for k, v in form["fields"].items() if v is not None}
                    data[name] = value
                    with app.app_context():
                        resp = client.post(action, data=data, follow_redirects=True)
                    assert resp.status_code < 500, (action, name, value[:10], resp.status_code)
                    swept += 1
                assert _fingerprint(app) == before, (action, name)  # none of them wrote anything
    assert swept > 50


#: form fields where "-1" is a genuine number (the programme's delay in minutes: earlier by 1)
SIGNED_FIELDS = {"minutes"}
#: tables a refused post may still write: the session's last-seen time, the audit of refusals
_VOLATILE = {"user_session", "login_failure", "audit_log"}


def _fingerprint(app) -> str:
    """Every row of every table but the volatile ones, hashed: equal before and after means
    nothing was written."""
    import hashlib

    from models.core.base import db

    digest = hashlib.sha256()
    with app.app_context():
        for table in db.metadata.sorted_tables:
            if table.name in _VOLATILE:
                continue
            cols = list(table.columns)
            for row in db.session.execute(db.select(*cols).order_by(*cols[:1])):
                digest.update(repr(tuple(row)).encode())
        db.session.rollback()
    return digest.hexdigest()


#: JSON numbers that are not a whole number in range, as a strict reader sees them
ODD_JSON_NUMBERS = (1.0, 1e3, True, -1, 2**63, None)


def test_odd_digits_in_json_bodies(world):
    """The API's integer fields take a JSON integer only ("１" or "1" as a string, 1.0, true are
    400 with a JSON message); a scan_id is the whole pattern ("abc\\n" is refused), on the fast
    path and through Flask alike; the MC's JSON ids refuse odd digits (nothing moves)."""
    app, client, token, _ = world
    auth = {"Authorization": f"Bearer {token}"}
    for value in ODD_DIGITS + ODD_JSON_NUMBERS:
        body = {"station": "Cổng 1", "queue_length": value}
        with app.app_context():
            r = client.post("/api/v1/kiosk/heartbeat", json=body, headers=auth)
        assert r.status_code == 400 and "queue_length" in _said(r, 400), (repr(value)[:20], r.status_code)
    checkin = {"code": "EK1AAAA", "station": "Cổng 1"}
    for n, scan_id in enumerate(("abc\n", "abc\r\n", "\nabc", "a\nb", "²", "١٢", "１２", " 1", "1 ", "+1", "")):
        for how in ("json", "text/plain"):  # the fast path, and the Flask view it hands over to
            data = json.dumps(dict(checkin, scan_id=scan_id))
            with app.app_context():
                r = client.post(
                    "/api/v1/checkins", data=data, headers=auth, content_type="application/" + how.split("/")[-1]
                )
            if how == "text/plain" and r.status_code == 400 and _said(r, 400) and "JSON" in _said(r, 400):
                continue  # not declared JSON: refused as such
            assert r.status_code == 400 and "scan_id" in _said(r, 400), (n, repr(scan_id), how, r.status_code)
    for length in ("²", "١٢", "１２", "+5", " 5", "5_0"):
        with app.app_context():
            r = client.post(
                "/api/v1/checkins",
                data=json.dumps(dict(checkin, scan_id="len-1")),
                headers=auth,
                content_type="application/json",
                environ_overrides={"CONTENT_LENGTH": length},
            )
        assert r.status_code < 500 and r.is_json, (length, r.status_code)


def test_odd_digits_in_the_mc_json(world):
    """The MC tablet's JSON: "١٢" or "１２" as an award id is not award 12 (its absent mark does
    not toggle), "²" is not a 500; the version read the same way (a conflict, nothing moved)."""
    app, client, token, _ = world
    from models.ceremony.live import state_tag, state_version
    from models.events.service import current_event_id

    with app.app_context():
        ev_id = current_event_id()
        tag, version = state_tag(ev_id), state_version(ev_id)
    cases = [("award_id", {"action": "absent"}), ("attendee_id", {"action": "substitute", "award_id": 12})]
    cases.append(("batch_id", {"action": "presenter", "attendee_id": 1}))
    cases.append(("version", {"action": "absent", "award_id": 12}))
    for field, rest in cases:
        for value in ODD_DIGITS[:-2] + (12.0, True):
            if value == "":
                continue
            body = {"version": version, **rest, field: value}
            with app.app_context():
                r = client.post("/mc/action", json=body)
                assert state_tag(ev_id) == tag, (field, value)  # nothing moved
            assert r.status_code in (400, 409) and r.is_json and r.get_json().get("message"), (field, value)
