"""The phone scanner end to end (issue 24): a live waitress server, a device token in the browser,
headless Chromium with a fake camera playing a video of real badges of the test event
(``--use-file-for-fake-video-capture``, kiosk/media.py), the real decoder (zxing-wasm) and the
real Ed25519 check (@noble/ed25519) in the page. Checked: people are checked in (database and
screen); through a network cut the page answers from IndexedDB, queues, and catches up with
exactly one arrival per person, also when a kiosk scans the same badges; a revoked device is told
so; nothing is loaded from anywhere but the server. Screenshots at 390x844 in tests/artifacts/.
"""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime
from urllib.parse import urlsplit

import numpy as np
import pytest
import requests
from playwright.sync_api import expect
from sqlalchemy import select

from admin.core.security import forget_devices
from admin.scan.views import NODE_MODULES
from kiosk.media import Pose, background, badge_image, badge_sequence, write_y4m
from models.accounts.models import Device
from models.checkin.models import CheckIn
from models.core.base import db
from models.guests.models import Attendee, Badge
from tests.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, screenshot
from tests.factories import make_device
from tests.waiting import wait_until

pytestmark = pytest.mark.skipif(not NODE_MODULES.is_dir(), reason="node_modules missing: run `make install`")

PHONE = "Điện thoại cửa 2"
SIZE = (640, 480)
REVOKED = "Thiết bị này đã bị thu hồi hoặc chưa được ghép nối. Xin liên hệ ban tổ chức."


def people(server) -> list[dict]:
    """The test event's people with their badge codes, in id order."""
    with server.app.app_context():
        rows = db.session.execute(
            select(Attendee.id, Attendee.full_name, Badge.code)
            .join(Badge, Badge.attendee_id == Attendee.id)
            .where(Attendee.event_id == server.event_id, Badge.revoked_at.is_(None))
            .order_by(Attendee.id)
        ).all()
        db.session.rollback()
    return [{"id": r.id, "name": r.full_name, "code": r.code} for r in rows]


def video(path, codes: list[str], lead_s: float = 0.0):
    """A .y4m of badges held up one after the other (Chromium loops it), after ``lead_s`` of an
    empty hall."""
    badges = [badge_image(code, width=420) for code in codes]
    frames = badge_sequence(badges, size=SIZE, fps=10, hold_s=1.0, gap_s=0.6, pose=Pose(scale=0.85), seed=3)
    empty = background(*SIZE, seed=3)
    lead = [np.copy(empty) for _ in range(int(lead_s * 10))]
    return write_y4m(path, lead + frames, fps=10)


@pytest.fixture
def phone(browser, live_server, tmp_path):
    """open(codes, lead_s) -> (page, context, requested URLs): Chromium with a fake camera playing
    the badges, at 390x844, paired as the device PHONE; every request outside the server is
    recorded and refused."""
    with live_server.app.app_context():
        token = make_device(PHONE)
    opened = []

    def open_page(codes, lead_s=0.0, link=None):
        """``link``: a pairing link to open instead of putting the token in the browser."""
        y4m = video(tmp_path / f"badges{len(opened)}.y4m", codes, lead_s)
        args = [*CHROMIUM_ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
        b = browser.browser_type.launch(
            executable_path=CHROMIUM, args=[*args, f"--use-file-for-fake-video-capture={y4m}"], headless=True
        )
        opened.append(b)
        ctx = b.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN", has_touch=True)
        ctx.grant_permissions(["camera"], origin=live_server.url)
        if link is None:
            keep = f"localStorage.setItem('ek.device_token', {token!r});"
            ctx.add_init_script(keep + f"localStorage.setItem('ek.device_name', {PHONE!r});")
        urls: list[str] = []
        here = urlsplit(live_server.url).netloc

        def guard(route):
            urls.append(route.request.url)
            if urlsplit(route.request.url).netloc == here:
                route.continue_()
            else:
                route.abort()

        ctx.route("**/*", guard)
        page = ctx.new_page()
        page.goto(link or live_server.url + "/scan/")
        if link:
            page.wait_for_url(live_server.url + "/scan/")
        page.wait_for_selector("body[data-state=scanning]", timeout=15000)
        return page, ctx, urls

    yield open_page
    for b in opened:
        b.close()


def people_event_name(server) -> str:
    from models.events.models import Event

    with server.app.app_context():
        return db.session.get(Event, server.event_id).name


def answers(page) -> list[dict]:
    return page.evaluate("window.ekScan.answers")


def wait_answers(page, predicate: str, timeout: float = 20.0) -> list[dict]:
    """Wait until ``predicate`` (JS over ``a``, the list of answers) is true; the answers. Polled
    with evaluate: the page's CSP (rightly) refuses the string eval of wait_for_function."""
    deadline = time.monotonic() + timeout
    check = f"() => {{ const a = window.ekScan.answers; return Boolean({predicate}); }}"
    while not page.evaluate(check):
        assert time.monotonic() < deadline, (predicate, answers(page))
        page.wait_for_timeout(200)
    return answers(page)


def phone_rows(server) -> list[CheckIn]:
    with server.app.app_context():
        device_id = db.session.scalar(select(Device.id).where(Device.name == PHONE))
        rows = list(db.session.scalars(select(CheckIn).where(CheckIn.device_id == device_id).order_by(CheckIn.id)))
        db.session.expunge_all()
    return rows


def ok_rows(server, attendee_id: int) -> list[CheckIn]:
    with server.app.app_context():
        rows = list(
            db.session.scalars(select(CheckIn).where(CheckIn.attendee_id == attendee_id, CheckIn.outcome == "ok"))
        )
        db.session.expunge_all()
    return rows


def test_the_phone_checks_people_in_and_is_stopped_when_revoked(phone, live_server):
    p = people(live_server)
    page, ctx, urls = phone([p[0]["code"], p[1]["code"], "HELLO-NOT-A-BADGE"], lead_s=1.0)
    assert page.locator("#device").inner_text() == PHONE
    screenshot(page, "scan_page_idle")  # the camera, waiting for a badge
    page.wait_for_selector("#answer[data-state=ok]", timeout=20000)
    screenshot(page, "scan_page_ok")
    shot = page.locator("#answer")
    assert shot.get_attribute("data-source") == "server"
    assert page.locator("#a-title").inner_text() == "XIN CHÀO"
    page.wait_for_selector("#answer[data-state=invalid]", timeout=20000)
    assert page.locator("#a-title").inner_text() == "MÃ KHÔNG HỢP LỆ"
    screenshot(page, "scan_page_invalid")
    page.wait_for_selector("#answer[data-state=already]", timeout=20000)
    assert "đã điểm danh lúc" in page.locator("#a-message").inner_text()
    screenshot(page, "scan_page_already")
    seen = wait_answers(page, "a.filter(x => x.outcome === 'ok').length >= 2")

    # the screen named them (the server's answer), the database has them, with the page's scan_ids
    oks = [a for a in seen if a["outcome"] == "ok"]
    assert {a["name"] for a in oks} == {p[0]["name"], p[1]["name"]}
    assert all(a["source"] == "server" for a in seen)
    rows = phone_rows(live_server)
    by_id = {r.scan_id: r for r in rows}
    for a in seen:
        assert re.fullmatch(r"Dien-thoai-cua-2\.[0-9a-f]{12}\.\d+", a["scan_id"]), a["scan_id"]
        assert by_id[a["scan_id"]].outcome == a["outcome"]
    assert {r.attendee_id for r in rows if r.outcome == "ok"} == {p[0]["id"], p[1]["id"]}
    assert all(r.station == PHONE for r in rows)
    with live_server.app.app_context():
        arrived = db.session.scalars(select(Attendee.id).where(Attendee.checked_in_at.is_not(None))).all()
    assert set(arrived) == {p[0]["id"], p[1]["id"]}
    # a badge held up is decided once: the same person again only after 3 s out of sight
    for name in (p[0]["name"], p[1]["name"]):
        times = [a["at"] for a in seen if a["name"] == name]
        assert all(b - a > 3000 for a, b in zip(times, times[1:], strict=False)), times
    # the heartbeat reached the dashboard's device list
    with live_server.app.app_context():
        status = db.session.scalar(select(Device.last_status).where(Device.name == PHONE))
    assert status["station"] == PHONE and status["queue_length"] == 0 and status["online"] is True

    # revoked: the next request is refused and the page says so, and stops
    with live_server.app.app_context():
        device = db.session.scalar(select(Device).where(Device.name == PHONE))
        device.revoked_at = datetime.now(UTC).replace(tzinfo=None)
        db.session.commit()
        forget_devices()
    page.wait_for_selector("#stop[data-reason=revoked]", state="visible", timeout=20000)
    assert page.locator("#stop-text").inner_text() == REVOKED
    screenshot(page, "scan_page_revoked")

    # nothing came from anywhere but the server: the decoder's .wasm included (no CDN)
    assert urls and all(urlsplit(u).netloc == urlsplit(live_server.url).netloc for u in urls), urls
    # the page fetched the decoder's .wasm from the server (perhaps through its service worker,
    # whose requests the browser context need not see: the page's own resource list tells)
    loaded = page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
    assert all(urlsplit(u).netloc == urlsplit(live_server.url).netloc for u in loaded), loaded
    assert any(u.endswith("/vendor/zxing-wasm/dist/reader/zxing_reader.wasm") for u in loaded + urls), loaded
    timings = page.evaluate("window.ekScan.timings")
    (ARTIFACTS / "scan_page_timings.json").write_text(json.dumps(timings))  # for the README's figures
    assert any(t["kind"] == "frame" and t["decode_ms"] > 0 for t in timings)
    assert any(t["kind"] == "answer" and t["ms"] > 0 for t in timings)


def test_offline_the_phone_answers_queues_and_catches_up_exactly_once_with_a_kiosk(phone, live_server):
    p = people(live_server)[2:5]
    page, ctx, urls = phone([x["code"] for x in p], lead_s=3.0)
    page.wait_for_selector("body[data-snapshot]:not([data-snapshot=''])", timeout=10000)
    ready = "navigator.serviceWorker.ready.then(r => Boolean(r.active))"
    assert page.evaluate(f"Promise.race([{ready}, new Promise(ok => setTimeout(() => ok(false), 10000))])")
    ctx.set_offline(True)

    # offline: the page judges the badges itself (signature, roster in IndexedDB) and queues them
    names = [x["name"] for x in p]
    seen = wait_answers(page, f"{names!r}.every(n => a.some(x => x.name === n && x.outcome === 'ok'))", 30)
    assert all(a["source"] == "offline" for a in seen)
    page.wait_for_selector("#answer[data-source=offline][data-state=ok]", timeout=10000)
    assert "Ngoại tuyến" in page.locator("#a-source").inner_text()
    queued = int(page.locator("#queue").get_attribute("data-count"))
    assert queued >= 3 and page.locator("#queue").inner_text() == f"Chờ gửi: {queued}"
    assert page.locator("#dot").get_attribute("data-online") == "false"
    screenshot(page, "scan_page_offline_queue")
    offline_timings = page.evaluate("window.ekScan.timings")
    (ARTIFACTS / "scan_page_offline_timings.json").write_text(json.dumps(offline_timings))
    stored = page.evaluate(
        """() => new Promise(ok => { const r = indexedDB.open('ek-scan'); r.onsuccess = () => {
             const q = r.result.transaction('queue').objectStore('queue').getAll();
             q.onsuccess = () => ok(q.result.map(s => s.scan_id)); }; })"""
    )
    assert len(stored) >= 3 and not phone_rows(live_server)  # kept in the browser, nothing sent yet

    # meanwhile a kiosk scans two of the same badges, online: it welcomes them first
    kiosk = {"Authorization": f"Bearer {live_server.token}"}
    for i, person in enumerate(p[:2]):
        body = {"code": person["code"], "station": "kiosk-live", "scan_id": f"kiosk-same-{i}"}
        r = requests.post(live_server.url + "/api/v1/checkins", json=body, headers=kiosk, timeout=5)
        assert r.json()["result"] == "ok"

    # the server gone too, and the phone's page reloaded: it opens from its service worker's
    # cache, with the snapshot, the queue and who was seen from IndexedDB (a second look: already)
    live_server.stop()
    page.reload()
    page.wait_for_selector("body[data-state=scanning]", timeout=15000)
    assert page.locator("#event").inner_text() == people_event_name(live_server)
    assert int(page.locator("#queue").get_attribute("data-count")) >= len(stored)
    again = wait_answers(page, "a.length >= 2", 20)
    assert {(a["outcome"], a["source"]) for a in again} == {("already", "offline")}, again
    live_server.start()

    # back online: the queue is sent in order and drains; one arrival per person
    ctx.set_offline(False)
    page.wait_for_selector("#queue[data-count='0']", timeout=20000)
    assert page.locator("#dot").get_attribute("data-online") == "true"
    rows = phone_rows(live_server)
    got = {r.scan_id: r for r in rows}
    assert set(stored) <= set(got)  # every queued scan arrived, under its own scan_id, once
    for i, person in enumerate(p):
        oks = ok_rows(live_server, person["id"])
        assert len(oks) == 1, (person["name"], [(r.scan_id, r.outcome) for r in oks])
        assert (oks[0].scan_id == f"kiosk-same-{i}") == (i < 2)
    phone_oks = [r for r in rows if r.outcome == "ok"]
    assert [r.attendee_id for r in phone_oks] == [p[2]["id"]]
    assert {r.outcome for r in rows if r.attendee_id in (p[0]["id"], p[1]["id"])} == {"already"}
    # and the kiosk, scanning the phone's person now, is told "already"
    body = {"code": p[2]["code"], "station": "kiosk-live", "scan_id": "kiosk-after"}
    r = requests.post(live_server.url + "/api/v1/checkins", json=body, headers=kiosk, timeout=5)
    assert r.json()["result"] == "already"
    assert all(urlsplit(u).netloc == urlsplit(live_server.url).netloc for u in urls)


def test_without_a_token_the_page_explains_pairing(page, live_server):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/scan/")
    page.wait_for_selector("#stop[data-reason=no_token]", state="visible")
    text = page.locator("#stop-text").inner_text()
    assert "chưa được ghép nối" in text and "/admin/devices" in text


def test_the_header_names_the_checkpoint_and_a_missing_camera_is_explained(page, live_server):
    """Without a camera (no fake device here) the page says what to do; the snapshot still
    arrives, and a checkpoint in it (issue 24 item 5) is named in the header."""
    with live_server.app.app_context():
        token = make_device("Điện thoại hậu trường")
    page.set_viewport_size({"width": 390, "height": 844})
    page.add_init_script(f"localStorage.setItem('ek.device_token', {token!r});")
    checkpoint = {"id": 3, "name": "Hậu trường trao giải", "rule": "inout", "kind": "backstage"}

    def with_checkpoint(route):
        resp = route.fetch()
        doc = resp.json()
        doc["station"]["checkpoint"] = checkpoint
        route.fulfill(response=resp, json=doc)

    page.route("**/api/v1/kiosk/snapshot", with_checkpoint)
    page.goto(live_server.url + "/scan/")
    page.wait_for_selector("#stop[data-reason=camera]", state="visible")
    assert "Không mở được camera" in page.locator("#stop-text").inner_text()
    # (not wait_for_function: the page's CSP rightly refuses its string eval once it has to poll)
    expect(page.locator("#checkpoint")).to_have_text("Hậu trường trao giải", timeout=10000)
    assert page.locator("#device").inner_text() == "Điện thoại hậu trường"  # the snapshot's station name

    # without a camera the phone still reports itself (and would send its queue)
    def reported():
        with live_server.app.app_context():
            found = db.session.scalar(select(Device.last_status).where(Device.name == "Điện thoại hậu trường"))
            db.session.rollback()
            return found

    status = wait_until(reported, 10, 0.1, "the phone's heartbeat")
    assert status and status["queue_length"] == 0 and status["online"] is True


def test_a_slow_server_gets_the_offline_answer_and_the_scan_is_recorded_once(phone, live_server):
    """The server does not answer the first check-in within 1.5 s: the page answers from its
    own judgement at once, keeps the scan and sends it again (same scan_id): one row."""
    person = people(live_server)[5]
    held = []

    def hold_the_first(route):
        if not held:
            held.append(route)  # never answered: the page stops waiting after 1.5 s
        else:
            route.continue_()

    page, ctx, urls = phone([person["code"]], lead_s=1.0)
    ctx.route("**/api/v1/checkins", hold_the_first)
    first = wait_answers(page, "a.length >= 1")[0]
    assert (first["outcome"], first["source"], first["name"]) == ("ok", "offline", person["name"])
    # the 1.5 s deadline was waited out (the lower bound is the behaviour); then the page's own
    # answer, not the server's: the held request never answers
    assert first["ms"] >= 1400, first
    page.wait_for_selector("#queue[data-count='0']", timeout=15000)
    rows = [r for r in phone_rows(live_server) if r.attendee_id == person["id"]]
    assert [(r.scan_id, r.outcome) for r in rows] == [(first["scan_id"], "ok")]


def test_done_when_scan_link_pairs_a_phone_that_checks_people_in_through_a_network_cut(phone, live_server):
    """Issue 24's "done when" in one run: the link ``scan-link`` prints (its last line) is opened
    by a phone-sized Chromium whose fake camera plays badges; it pairs (no token typed), checks
    people in, keeps answering through a network cut, catches up exactly once, and loads nothing
    from outside."""
    p = people(live_server)[:3]
    with live_server.app.app_context():
        out = live_server.app.test_cli_runner().invoke(
            args=["scan-link", "Cửa B – điện thoại", "--base", live_server.url]
        )
    assert out.exit_code == 0, out.output
    link = out.output.strip().splitlines()[-1]
    assert link.startswith(live_server.url + "/scan/pair/")
    page, ctx, urls = phone([x["code"] for x in p], lead_s=2.0, link=link)
    assert page.evaluate("localStorage.getItem('ek.device_name')") == "Cửa B – điện thoại"
    first = wait_answers(page, "a.some(x => x.outcome === 'ok')", 30)
    assert any(a["source"] == "server" for a in first)
    ctx.set_offline(True)
    names = [x["name"] for x in p]
    wait_answers(page, f"{names!r}.every(n => a.some(x => x.name === n))", 40)
    offline = [a for a in answers(page) if a["source"] == "offline"]
    assert offline, answers(page)
    ctx.set_offline(False)
    page.wait_for_selector("#queue[data-count='0']", timeout=20000)
    with live_server.app.app_context():
        device_id = db.session.scalar(select(Device.id).where(Device.name == "Cửa B – điện thoại"))
        rows = list(db.session.scalars(select(CheckIn).where(CheckIn.device_id == device_id)))
        db.session.expunge_all()
    assert {a["scan_id"] for a in answers(page)} <= {r.scan_id for r in rows}
    for person in p:
        assert len(ok_rows(live_server, person["id"])) == 1, person["name"]
    assert all(urlsplit(u).netloc == urlsplit(live_server.url).netloc for u in urls), urls
