"""A kiosk's cached snapshot predates a badge's revocation (issue 16, item 9).

The kiosk loads its snapshot while online; then the desk reissues a delegate's badge (the old one
is revoked) and the network goes. Offline, the kiosk knows nothing of the revocation and lets the
old badge in (`ok`, offline). Ten minutes later (the server's injected clock) it syncs: the
server answers `revoked`, the kiosk's queue keeps that answer, and the organiser's dashboard
lists the scan under "scanned offline, refused on sync" for the desk to follow up.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from models.checkin.checkin import check_in
from models.core.timeutil import utcnow
from tests.proofs.helpers import live_codes
from tests.proofs.test_network_loss import answers, folder, run_kiosk, sync


def test_offline_ok_on_a_stale_snapshot_then_revoked_on_sync(live_server, tmp_path, monkeypatch):
    server = live_server
    people = live_codes(server)
    (aid, old_code), (other_id, other_code) = people[0], people[1]
    state = tmp_path / "kiosk"
    run_kiosk(state, folder(tmp_path, "warm", [None]), server, "warm-up")  # the snapshot, online

    with server.app.app_context():  # the badge is reissued after the kiosk's snapshot
        from models.core.base import db
        from models.guests.badges import reissue_badge
        from models.guests.models import Attendee

        person = db.session.get(Attendee, aid)
        reissue_badge(person, reason="mất thẻ", actor="desk")
        db.session.commit()
        name = person.full_name

    server.stop()
    seen = run_kiosk(state, folder(tmp_path, "door", [old_code, other_code]), server, "Cổng A")
    assert [(x["result"], x["source"]) for x in seen] == [("ok", "offline"), ("ok", "offline")]

    monkeypatch.setitem(check_in.__kwdefaults__, "now", lambda: utcnow() + timedelta(minutes=10))
    server.start()
    proc = sync(state, server)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, out + err
    got = answers(state)
    assert got[old_code] == ["revoked"] and got[other_code] == ["ok"]

    with sqlite3.connect(tmp_path / "test.db") as con:
        arrived = dict(con.execute("SELECT id, checked_in_at FROM attendee"))
    assert arrived[aid] is None and arrived[other_id] is not None  # the revoked badge let nobody in

    with server.app.app_context():
        from models.dashboard.live import dashboard_data
        from models.events.service import current_event

        refusals = dashboard_data(current_event())["sync_refusals"]
    assert [(r["outcome"], r["station"]) for r in refusals] == [("revoked", "Cổng A")]
    assert name in refusals[0]["name"]

    # and on the page the organiser watches
    client = server.app.test_client()
    username, password = server.user("admin")
    assert client.post("/login", data={"username": username, "password": password}).status_code == 302
    html = client.get("/admin/").get_data(as_text=True)
    section = html.split('id="sync-refusals"', 1)[1].split("</section>", 1)[0]
    assert 'data-sync-refusal="revoked"' in section and name in section and "Cổng A" in section
