"""The phone scanner's judgement in the browser agrees with the kiosk's: the page's modules
(static/js/scan_verify.js with @noble/ed25519, static/js/scan_rules.js) run in headless Chromium on
the /scan/ page of a live server and are compared with kiosk.verify.verify_local on the same codes:
genuine, forged, tampered letter by letter, of another event, revoked, not on the roster, garbage."""

from __future__ import annotations

import random

import pytest

from admin.scan.views import NODE_MODULES
from kiosk.verify import Snapshot, verify_local
from models import codes
from tests.conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.skipif(not NODE_MODULES.is_dir(), reason="node_modules missing: run `make install`")

TAG, OTHER_TAG = 3_141_592, 2_718_281
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


@pytest.fixture(scope="module")
def world():
    """A snapshot document (two events' keys, a roster, one revoked code) and named codes."""
    ours, theirs, stranger = (codes.new_private_key() for _ in range(3))

    def code(private, tag=TAG, key_no=1, attendee_id=5, serial=1):
        return codes.make_code(private, event_tag=tag, key_no=key_no, attendee_id=attendee_id, serial=serial)

    named = {
        "ok": code(ours),
        "ok_reissued": code(ours, attendee_id=6, serial=2),
        "revoked": code(ours, attendee_id=6, serial=1),
        "unknown": code(ours, attendee_id=99),
        "wrong_event": code(theirs, tag=OTHER_TAG),
        "unknown_key": code(ours, key_no=2),
        "forged": code(stranger),
        "padded": "  " + code(ours, serial=3) + "\n",
    }
    keys = [
        {"event_id": 1, "event_tag": TAG, "key_no": 1, "public_key": codes.b64(codes.public_key_of(ours))},
        {"event_id": 2, "event_tag": OTHER_TAG, "key_no": 1, "public_key": codes.b64(codes.public_key_of(theirs))},
    ]
    roster = [
        {
            "id": 5,
            "honorific": "Bà",
            "name": "Đặng Thị Ánh Tuyết",
            "seat": "A-01-02",
            "seat_text": "Khu A · Hàng 1 · Ghế 2",
        },
        {"id": 6, "honorific": "Ông", "name": "Huỳnh Đức Dũng", "seat": None, "seat_text": ""},
    ]
    event = {"id": 1, "tag": TAG, "name": "Hội nghị OCOP", "date": "2025-05-22", "timezone": "Asia/Ho_Chi_Minh"}
    doc = {"version": "v1", "event": event, "keys": keys, "revoked": [named["revoked"]], "roster": roster}
    return doc, named


def mutations(code: str, n: int = 40) -> list[str]:
    """``n`` copies of ``code`` with one letter changed (header or signature), fixed seed."""
    rng = random.Random(24)
    out = []
    for _ in range(n):
        i = rng.randrange(3, len(code))
        out.append(code[:i] + rng.choice(ALPHABET.replace(code[i], "")) + code[i + 1 :])
    return out


GARBAGE = [
    "",
    "EK1",
    "EK1" + "A" * 120,
    "EK1" + "A" * 119 + "1",
    "EK1" + "A" * 112 + "=" * 8,
    "x" * 600,
    "ĐẠI BIỂU NGUYỄN VĂN AN",
    "https://example.com/?EK1",
]

JUDGE = """async ([doc, texts]) => {
  const m = await import('/static/js/scan_verify.js');
  const snap = m.prepareSnapshot(doc);
  const out = [];
  for (const t of texts) out.push((await m.verifyLocal(t, snap)).result);
  return out;
}"""


def test_the_page_judges_codes_as_the_kiosk_does(page, live_server, world):
    doc, named = world
    page.goto(live_server.url + "/scan/")
    good = named["ok"]
    texts = [*named.values(), good.lower(), good + "A", good[:-1], *mutations(good), *GARBAGE]
    for snapshot in (doc, {**doc, "keys": []}):  # and with no snapshot yet
        got = page.evaluate(JUDGE, [snapshot, texts])
        expected = [verify_local(t, Snapshot.from_json(snapshot)).result for t in texts]
        assert got == expected, [(t[:20], g, e) for t, g, e in zip(texts, got, expected, strict=True) if g != e]
    got = dict(zip(named, page.evaluate(JUDGE, [doc, list(named.values())]), strict=True))
    assert got == {
        "ok": "ok",
        "ok_reissued": "ok",
        "revoked": "revoked",
        "unknown": "unknown",
        "wrong_event": "wrong_event",
        "unknown_key": "invalid",
        "forged": "invalid",
        "padded": "ok",
    }
    tampered = page.evaluate(JUDGE, [doc, mutations(good)])
    assert set(tampered) == {"invalid"}  # a changed letter never passes


RULES = """([cases]) => import('/static/js/scan_rules.js').then(m =>
  cases.map(([rule, earlier, today]) => m.ruleDecision(rule, earlier, today)))"""


def test_checkpoint_rules_offline(page, live_server):
    page.goto(live_server.url + "/scan/")
    seen_in = {"at": "2025-05-22T08:12:00+07:00", "station": "Cửa 1", "day": "2025-05-22", "direction": "in"}
    seen_out = {**seen_in, "direction": "out"}
    cases = [
        ("once", None, "2025-05-22"),
        ("once", seen_in, "2025-05-23"),
        ("daily", seen_in, "2025-05-22"),
        ("daily", seen_in, "2025-05-23"),
        ("every", seen_in, "2025-05-22"),
        ("inout", None, "2025-05-22"),
        ("inout", seen_in, "2025-05-22"),
        ("inout", seen_out, "2025-05-22"),
        (None, seen_in, "2025-05-22"),  # no checkpoint: the hall entrance
        ("someday", seen_in, "2025-05-22"),  # a rule this page does not know: the safe one
    ]
    got = [(d["result"], d["direction"]) for d in page.evaluate(RULES, [cases])]
    assert got == [
        ("ok", ""),
        ("already", ""),
        ("already", ""),
        ("ok", ""),
        ("ok", ""),
        ("ok", "in"),
        ("ok", "out"),
        ("ok", "in"),
        ("already", ""),
        ("already", ""),
    ]
    first = page.evaluate(RULES, [[("once", seen_in, "2025-05-22")]])[0]["first_checkin"]
    assert first == {"at": seen_in["at"], "station": "Cửa 1"}


def test_over_plain_http_on_the_lan_the_page_asks_for_https(browser, live_server):
    """A phone opening http://<server's LAN address>/scan/ gets no camera and no WebCrypto: the
    page says to use HTTPS instead of failing silently (the server's address given a name here,
    which makes it an insecure origin, as a LAN address is)."""
    port = live_server.url.rsplit(":", 1)[1]
    lan = browser.browser_type.launch(
        executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--host-resolver-rules=MAP hoi-truong.lan 127.0.0.1"]
    )
    try:
        page = lan.new_page(viewport={"width": 390, "height": 844})
        page.add_init_script("localStorage.setItem('ek.device_token', 'ekt_some-token');")
        page.goto(f"http://hoi-truong.lan:{port}/scan/")
        page.wait_for_selector("#stop[data-reason=insecure]", state="visible")
        assert "HTTPS" in page.locator("#stop-text").inner_text()
    finally:
        lan.close()
