"""One call per person (issue 15 item 1): within a batch a recipient with several awards comes
up once with every product listed, on the tablet JSON, the stage screen, the missing list and
the MC script PDF; counts are in people with the awards beside them. With a factory-made case
and with the demo (its batch 4 has a recipient with two products), on both databases."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from models.accounts.models import AuditLog
from models.ceremony.models import Award
from models.ceremony.sequence import award_batches, batches_of
from models.checkin.checkin import check_in
from models.core.base import db
from tests.ceremony.helpers import ceremony_event


def _pdf_text(data: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def _batch_section(text: str, number: int, total: int) -> str:
    """The script's text of batch ``number`` (up to the next batch's heading)."""
    start = text.index(f"Đợt {number}/{total}")
    nxt = text.find(f"Đợt {number + 1}/{total}", start)
    return text[start : nxt if nxt > 0 else len(text)]


def _go_to_batch(client, number: int) -> dict:
    """Start the programme, then the hand-out, then "next" until batch ``number`` is on stage."""
    s = client.get("/mc/state.json").json
    s = client.post("/mc/action", json={"action": "start", "version": s["version"]}).json
    s = client.post("/mc/action", json={"action": "start", "version": s["version"]}).json
    while s["batch"]["number"] < number:
        s = client.post("/mc/action", json={"action": "next", "version": s["version"]}).json
    assert s["batch"]["number"] == number
    return s


def _two_award_case():
    """ceremony_event with 8 three-star recipients; the first three-star recipient also
    receives for a second product (same tier, so the same batch)."""
    ev = ceremony_event(three_star=8, capacity=10)
    first3 = db.session.scalars(
        db.select(Award).join(Award.tier).where(Award.event_id == ev.id, Award.tier.has(stars=3)).order_by(Award.id)
    ).first()
    db.session.add(
        Award(
            event_id=ev.id,
            tier_id=first3.tier_id,
            product_name="Sản phẩm thứ hai",
            entity_name=first3.entity_name,
            district_id=first3.district_id,
            recipient_id=first3.recipient_id,
        )
    )
    db.session.commit()
    award_batches(ev)
    db.session.commit()
    return ev, first3.recipient


def test_two_awards_one_call_everywhere(client, auth, app):
    ev, person = _two_award_case()
    auth.as_role("mc")
    before = client.get("/mc/state.json").json
    # counts in people with the awards beside them: 11 people, 12 awards, all missing
    assert before["recipients"] == 11 and before["award_count"] == 12
    assert len(before["missing"]) == 11 and before["missing_awards"] == 12
    mine = [m for m in before["missing"] if m["attendee_id"] == person.id]
    assert len(mine) == 1 and mine[0]["products"] == ["Sản phẩm 3", "Sản phẩm thứ hai"]

    batch3 = next(b for b in batches_of(ev.id) if b.tier.stars == 3)
    s = _go_to_batch(client, batch3.number)
    b = s["batch"]
    assert b["people"] == 8 and b["award_count"] == 9 and len(b["calls"]) == 8
    calls = [c for c in b["calls"] if c["recipient"] and c["recipient"]["id"] == person.id]
    assert len(calls) == 1
    assert [a["product"] for a in calls[0]["awards"]] == ["Sản phẩm 3", "Sản phẩm thứ hai"]
    assert len(calls[0]["award_ids"]) == 2

    # the stage screen: the name once, both products
    client.post("/logout")
    stage = client.get("/stage/state.json").json
    named = [p for p in stage["on_stage"] if p["name"] == person.display_name]
    assert len(named) == 1 and named[0]["products"] == ["Sản phẩm 3", "Sản phẩm thứ hai"]
    assert len(stage["on_stage"]) == 8
    html = client.get("/stage/").get_data(as_text=True)  # drawn on the server too
    assert html.count(person.display_name) == 1 and html.count('class="stage-person"') == 8
    assert "Sản phẩm thứ hai" in html

    # the script: the name once in that batch, both products, the batch counted in people
    auth.as_role("admin")
    text = _pdf_text(client.get("/mc/script.pdf").data)
    total = len(batches_of(ev.id))
    section = _batch_section(text, batch3.number, total)
    assert section.count(person.display_name) == 1, section
    assert "Sản phẩm 3" in section and "Sản phẩm thứ hai" in section
    assert "8 người · 9 giải" in section
    assert "11 người · 12 giải" in text


def test_absent_and_substitute_act_on_the_whole_call(client, auth, app):
    ev, person = _two_award_case()
    auth.as_role("mc")
    batch3 = next(b for b in batches_of(ev.id) if b.tier.stars == 3)
    s = _go_to_batch(client, batch3.number)
    call = next(c for c in s["batch"]["calls"] if c["recipient"]["id"] == person.id)
    r = client.post("/mc/action", json={"action": "absent", "version": s["version"], "award_id": call["award_id"]})
    assert r.status_code == 200
    db.session.expire_all()
    mine = db.session.scalars(db.select(Award).where(Award.recipient_id == person.id)).all()
    assert {a.status for a in mine} == {"absent"}
    log = db.session.scalars(db.select(AuditLog).where(AuditLog.action == "mc_absent")).one()
    assert sorted(log.detail["awards"]) == sorted(a.id for a in mine)
    assert person.display_name not in [p["name"] for p in client.get("/stage/state.json").json["on_stage"]]

    helper = (
        db.session.scalars(db.select(Award).where(Award.batch_id == batch3.id, Award.recipient_id != person.id))
        .first()
        .recipient
    )
    check_in(event_id=ev.id, attendee_id=helper.id, scan_id="oc-1", station="t", method="manual")
    v = r.json["version"]
    r = client.post(
        "/mc/action",
        json={"action": "substitute", "version": v, "award_id": call["award_id"], "attendee_id": helper.id},
    )
    assert r.status_code == 200, r.json
    db.session.expire_all()
    assert {(a.substitute_id, a.status) for a in mine} == {(helper.id, "on_stage")}
    # the helper, a recipient in this batch too, now receives on the recipient's behalf:
    # one entry (one call) with their own product and both of the recipient's
    on_stage = client.get("/stage/state.json").json["on_stage"]
    mine = [p for p in on_stage if p["name"] == helper.display_name]
    assert len(mine) == 1 and mine[0]["on_behalf_of"] == person.display_name
    assert {"Sản phẩm 3", "Sản phẩm thứ hai"} < set(mine[0]["products"])
    assert len(mine[0]["products"]) == 3 and len(on_stage) == 7


def test_demo_batch_4_calls_its_two_product_recipient_once(client, auth, app):
    from models.demo.load import load_demo

    ev, _ = load_demo(with_users=False)
    batches = batches_of(ev.id)
    b4 = batches[3]
    counts: dict[int, int] = {}
    for a in b4.awards:
        counts[a.recipient_id] = counts.get(a.recipient_id, 0) + 1
    twice = [rid for rid, n in counts.items() if n == 2]
    assert twice, "the demo's batch 4 has a recipient with two products"
    person = next(a.recipient for a in b4.awards if a.recipient_id == twice[0])
    n_people, n_awards = len(counts), len(b4.awards)
    assert n_people < n_awards

    auth.as_role("mc")
    first = client.get("/mc/state.json").json
    assert first["recipients"] == 23 and first["award_count"] == 30
    assert len(first["missing"]) == 23 and first["missing_awards"] == 30
    s = _go_to_batch(client, 4)
    b = s["batch"]
    assert b["people"] == n_people and b["award_count"] == n_awards
    mine = [c for c in b["calls"] if c["recipient"] and c["recipient"]["id"] == person.id]
    assert len(mine) == 1 and len(mine[0]["awards"]) == 2
    # the call-up list (next batch) is built the same way
    assert s["next_batch"]["people"] == len(s["next_batch"]["calls"])

    stage = client.get("/stage/state.json").json
    assert [p["name"] for p in stage["on_stage"]].count(person.display_name) == 1
    assert len(stage["on_stage"]) == n_people
    html = client.get("/stage/").get_data(as_text=True)
    assert html.count(person.display_name) == 1
    assert html.count('class="stage-person"') == n_people

    text = _pdf_text(client.get("/mc/script.pdf").data)
    section = _batch_section(text, 4, len(batches))
    assert section.count(person.display_name) == 1, section
    assert f"{n_people} người · {n_awards} giải" in section
    assert re.search(r"23 người · 30 giải", text)
