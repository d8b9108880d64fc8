"""Every word translated (issue 15 item 6): award tier names in the request's language on
/mc/, /admin/awards and /stage/ (AwardTier.name / name_en); plural labels (1 person / 2 people,
1 award / 2 awards); the MC script stays Vietnamese whatever the page language."""

from __future__ import annotations

import io
import json
import re

from flask_babel import refresh
from pypdf import PdfReader

from models.ceremony.models import AwardTier
from models.ceremony.sequence import award_batches
from models.core.base import db
from tests.ceremony.helpers import ceremony_event

ENGLISH = {"5-sao": "5-star certificate", "4-sao": "4-star certificate", "3-sao": "3-star flowers"}


def _event_with_english_tiers():
    ev = ceremony_event(three_star=3)
    for t in db.session.scalars(db.select(AwardTier).where(AwardTier.event_id == ev.id)):
        t.name_en = ENGLISH[t.code]
    award_batches(ev)
    db.session.commit()
    return ev


def _in(client, url: str):
    """GET ``url`` (with ?lang=) as a fresh request would see it: the tests' outer app context
    would otherwise keep the translations Flask-Babel loaded for the previous language."""
    refresh()
    return client.get(url)


def _to_first_batch(client) -> dict:
    s = client.get("/mc/state.json").json
    s = client.post("/mc/action", json={"action": "start", "version": s["version"]}).json
    return client.post("/mc/action", json={"action": "start", "version": s["version"]}).json


def test_tier_names_follow_the_language_on_the_mc_tablet_and_stage(client, auth, app):
    _event_with_english_tiers()
    auth.as_role("mc")
    s = client.get("/mc/state.json").json
    assert s["next_batch"]["tier"] == "Chứng nhận 5 sao"  # Vietnamese by default
    client.get("/mc/?lang=en")
    s = client.get("/mc/state.json").json
    assert s["next_batch"]["tier"] == "5-star certificate"
    assert s["next_batch"]["tier_vi"] == "Chứng nhận 5 sao"
    s = _to_first_batch(client)
    assert s["batch"]["tier"] == "5-star certificate" and s["next_batch"]["tier"] == "4-star certificate"
    stage = client.get("/stage/state.json").json
    assert stage["tier"] == "5-star certificate"
    client.get("/stage/?lang=vi")
    assert client.get("/stage/state.json").json["tier"] == "Chứng nhận 5 sao"
    # the paper script stays Vietnamese whatever the page language
    client.get("/mc/?lang=en")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(client.get("/mc/script.pdf").data)).pages)
    assert "Chứng nhận 5 sao" in text and "5-star certificate" not in text


def test_plural_labels_on_the_tablet(client, auth, app):
    _event_with_english_tiers()
    auth.as_role("mc")
    html = _in(client, "/mc/?lang=en").get_data(as_text=True)
    labels = json.loads(re.search(r"data-labels='([^']*)'", html).group(1).replace("&#39;", "'"))
    assert (labels["people_one"], labels["people_other"]) == ("{n} person", "{n} people")
    assert (labels["awards_one"], labels["awards_other"]) == ("{n} award", "{n} awards")
    html = _in(client, "/mc/?lang=vi").get_data(as_text=True)
    labels = json.loads(re.search(r"data-labels='([^']*)'", html).group(1).replace("&#39;", "'"))
    assert (labels["people_one"], labels["people_other"]) == ("{n} người", "{n} người")
    assert labels["awards_other"] == "{n} giải"


def test_admin_awards_page_in_both_languages(client, auth, app):
    _event_with_english_tiers()
    auth.as_role("admin")
    vi = _in(client, "/admin/awards?lang=vi").get_data(as_text=True)
    assert "Chứng nhận 5 sao" in vi and "(1 người · 1 giải)" in vi and "(2 người · 2 giải)" in vi
    assert "Trao thưởng: 3 đợt" in vi
    assert "· Chưa đến</option>" in vi  # the presenter choice shows presence
    en = _in(client, "/admin/awards?lang=en").get_data(as_text=True)
    for name in ENGLISH.values():
        assert name in en
    assert "Chứng nhận 5 sao" not in en
    assert "(1 person · 1 award)" in en and "(2 people · 2 awards)" in en and "(3 people · 3 awards)" in en
    assert ": 3 batches" in en
