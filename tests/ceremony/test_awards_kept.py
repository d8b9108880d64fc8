"""Issue 21 item 4, awards kept: an award is the product, its producer and the unit (and tier),
with its recipient. Two rows with the same product and producer but another unit or another
recipient are two awards; rows that are the same award are reported with their row numbers
and not merged (the web preview and the CLI); a re-import says what it changed; every producer
lands in a batch; `results` lists each award's recipient."""

import io

from openpyxl import Workbook, load_workbook

from models.ceremony.awards_import import import_awards
from models.ceremony.models import Award, AwardBatch
from models.ceremony.sequence import calls_in
from models.core.base import db
from tests.ceremony.helpers import ceremony_event, person

HEADER = ["Sản phẩm", "Chủ thể", "Huyện", "Hạng", "Người nhận", "Quyết định"]
#: the file of the issue: the same product and producer in two units, and one product of one
#: producer received by two people
ISSUE_ROWS = [
    ["Yến sào chưng đường phèn", "HTX Yến Sào Khánh Hòa", "TP Cam Ranh", "4 sao", "Hồ Thị Lan", "12/QĐ"],
    ["Yến sào chưng đường phèn", "HTX Yến Sào Khánh Hòa", "Vạn Ninh", "4 sao", "Võ Văn Hải", "12/QĐ"],
    ["Nước mắm nhĩ", "Cơ sở Hải Đăng", "TP Cam Ranh", 3, "Lê Thị Mai", "15/QĐ"],
    ["Nước mắm nhĩ", "Cơ sở Hải Đăng", "TP Cam Ranh", 3, "Phạm Văn Cường", "15/QĐ"],
]


def _xlsx(rows) -> bytes:
    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _world():
    ev = ceremony_event(three_star=0)
    for name in ("Hồ Thị Lan", "Võ Văn Hải", "Lê Thị Mai", "Phạm Văn Cường", "Đinh Thị Nga"):
        person(ev, name, honorific="Bà" if "Thị" in name else "Ông")
    db.session.commit()
    return ev


def _imported(ev) -> list[Award]:
    names = {r[0] for r in ISSUE_ROWS}
    return list(db.session.scalars(db.select(Award).where(Award.event_id == ev.id, Award.product_name.in_(names))))


def test_the_issue_file_makes_four_awards_each_in_a_batch(app):
    ev = _world()
    report = import_awards(ev, _xlsx([HEADER, *ISSUE_ROWS]), actor="test")
    db.session.commit()
    assert report.ok, report.errors
    assert (report.created, report.updated, report.unchanged) == (4, 0, 0)
    assert [r.outcome for r in report.rows] == ["new"] * 4
    awards = _imported(ev)
    assert sorted((a.district.name, a.recipient.full_name) for a in awards) == [
        ("Huyện Vạn Ninh", "Võ Văn Hải"),
        ("TP Cam Ranh", "Hồ Thị Lan"),
        ("TP Cam Ranh", "Lê Thị Mai"),
        ("TP Cam Ranh", "Phạm Văn Cường"),
    ]
    # every producer (and every recipient) is in a batch, called on stage
    assert all(a.batch_id is not None for a in awards)
    called = set()
    for b in db.session.scalars(db.select(AwardBatch).where(AwardBatch.event_id == ev.id)):
        for call in calls_in(b.awards):
            called.update(a.id for a in call)
    assert {a.id for a in awards} <= called
    # the same file again: four awards, unchanged, none added
    again = import_awards(ev, _xlsx([HEADER, *ISSUE_ROWS]))
    db.session.commit()
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert len(_imported(ev)) == 4


def test_same_award_twice_is_reported_with_row_numbers_not_merged(app):
    ev = _world()
    before = db.session.scalar(db.select(db.func.count(Award.id)))
    rows = [HEADER, *ISSUE_ROWS, ["yến sào chưng ĐƯỜNG PHÈN", "HTX Yến Sào Khánh Hòa", "Cam Ranh", 4, "Hồ Thị Lan", ""]]
    report = import_awards(ev, _xlsx(rows))
    db.session.rollback()
    assert not report.ok
    assert report.duplicates == [(2, 6)]
    ((row, msg),) = report.errors
    assert row == 6 and "trùng dòng 2" in msg
    assert db.session.scalar(db.select(db.func.count(Award.id))) == before


def test_reimport_reports_what_changed(app):
    ev = _world()
    assert import_awards(ev, _xlsx([HEADER, *ISSUE_ROWS])).ok
    db.session.commit()
    changed = [list(r) for r in ISSUE_ROWS]
    changed[1][4] = "Đinh Thị Nga"  # another recipient for the Vạn Ninh award
    changed[2][3] = "5 sao"  # and another tier
    report = import_awards(ev, _xlsx([HEADER, *changed]))
    db.session.commit()
    assert report.ok and (report.created, report.updated, report.unchanged) == (0, 2, 2)
    by_row = {r.row: r for r in report.rows}
    assert by_row[3].changes == [("Người nhận", "Ông Võ Văn Hải", "Bà Đinh Thị Nga")]
    assert by_row[4].changes == [("Hạng", "Hoa chúc mừng 3 sao", "Chứng nhận 5 sao")]
    awards = _imported(ev)
    assert len(awards) == 4
    assert {a.recipient.full_name for a in awards} == {"Hồ Thị Lan", "Đinh Thị Nga", "Lê Thị Mai", "Phạm Văn Cường"}


def test_cli_reports_duplicates_changes_and_dry_run(app, runner, tmp_path):
    ev = _world()
    path = tmp_path / "giai.xlsx"
    path.write_bytes(_xlsx([HEADER, *ISSUE_ROWS, ISSUE_ROWS[2]]))
    result = runner.invoke(args=["import-awards", str(path)])
    assert result.exit_code == 1
    assert "Dòng 6: trùng dòng 4" in result.output
    assert _imported(ev) == []
    path.write_bytes(_xlsx([HEADER, *ISSUE_ROWS]))
    result = runner.invoke(args=["import-awards", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would have created 4, updated 0" in result.output
    assert _imported(ev) == []
    result = runner.invoke(args=["import-awards", str(path)])
    assert "created 4, updated 0, unchanged 0" in result.output
    changed = [list(r) for r in ISSUE_ROWS]
    changed[0][4] = "Đinh Thị Nga"
    path.write_bytes(_xlsx([HEADER, *changed]))
    result = runner.invoke(args=["import-awards", str(path)])
    assert result.exit_code == 0, result.output
    assert "Dòng 2: cập nhật / updated" in result.output
    assert "Người nhận: Bà Hồ Thị Lan → Bà Đinh Thị Nga" in result.output
    assert "created 0, updated 1, unchanged 3" in result.output


def test_web_preview_and_import(client, auth, app):
    ev = _world()
    auth.as_role("admin")
    dup = _xlsx([HEADER, *ISSUE_ROWS, ISSUE_ROWS[0]])
    resp = client.post("/admin/awards/import", data={"file": (io.BytesIO(dup), "giai.xlsx"), "action": "preview"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'data-rows="2,6"' in html
    assert "Dòng 2 và dòng 6" in html
    resp = client.post(
        "/admin/awards/import",
        data={"file": (io.BytesIO(_xlsx([HEADER, *ISSUE_ROWS])), "giai.xlsx"), "action": "preview"},
    )
    html = resp.get_data(as_text=True)
    assert html.count('data-outcome="new"') == 4 and "chưa ghi gì" in html
    assert _imported(ev) == []
    resp = client.post(
        "/admin/awards/import",
        data={"file": (io.BytesIO(_xlsx([HEADER, *ISSUE_ROWS])), "giai.xlsx"), "action": "import"},
    )
    assert resp.status_code == 200 and len(_imported(ev)) == 4
    changed = [list(r) for r in ISSUE_ROWS]
    changed[3][5] = "99/QĐ"
    resp = client.post(
        "/admin/awards/import",
        data={"file": (io.BytesIO(_xlsx([HEADER, *changed])), "giai.xlsx"), "action": "preview"},
    )
    html = resp.get_data(as_text=True)
    assert 'data-row="5" data-outcome="updated"' in html and "Số quyết định: 15/QĐ → 99/QĐ" in html
    assert {a.decision_no for a in _imported(ev)} == {"12/QĐ", "15/QĐ"}


def test_results_lists_each_recipient(app, runner, tmp_path):
    ev = _world()
    assert import_awards(ev, _xlsx([HEADER, *ISSUE_ROWS])).ok
    db.session.commit()
    out = tmp_path / "results.xlsx"
    result = runner.invoke(args=["results", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = [[c.value for c in r] for r in load_workbook(out).active.iter_rows()]
    assert rows[0][-1] == "Người nhận"
    mine = [r for r in rows[1:] if r[3] in {x[0] for x in ISSUE_ROWS}]
    assert sorted(r[-1] for r in mine) == ["Bà Hồ Thị Lan", "Bà Lê Thị Mai", "Ông Phạm Văn Cường", "Ông Võ Văn Hải"]


def test_import_preview_in_a_browser(page, live_server, tmp_path):
    """/admin/awards in a real browser: the preview of the issue's file with a repeated row lists
    both row numbers and writes nothing; the corrected file imports four awards; a changed row
    then previews as "Người nhận: … → …"."""
    from models.events.models import Event
    from tests.ceremony.helpers import add_ceremony
    from tests.conftest import login_page, screenshot

    server = live_server
    with server.app.app_context():
        ev = add_ceremony(db.session.get(Event, server.event_id), three_star=0)
        for name in ("Hồ Thị Lan", "Võ Văn Hải", "Lê Thị Mai", "Phạm Văn Cường", "Đinh Thị Nga"):
            person(ev, name, honorific="Bà" if "Thị" in name else "Ông")
        db.session.commit()
    dup, good, changed = tmp_path / "dup.xlsx", tmp_path / "good.xlsx", tmp_path / "changed.xlsx"
    dup.write_bytes(_xlsx([HEADER, *ISSUE_ROWS, ISSUE_ROWS[3]]))
    good.write_bytes(_xlsx([HEADER, *ISSUE_ROWS]))
    rows = [list(r) for r in ISSUE_ROWS]
    rows[1][4] = "Đinh Thị Nga"
    changed.write_bytes(_xlsx([HEADER, *rows]))
    login_page(page, server, "admin")

    def send(path, action):
        page.goto(server.url + "/admin/awards")
        page.set_input_files("#file", str(path))
        page.click(f"button[name=action][value={action}]")
        page.wait_for_selector("[data-import-report]")

    send(dup, "preview")
    assert "Dòng 5 và dòng 6" in page.inner_text("[data-duplicates]")
    screenshot(page, "awards_import_duplicates")
    send(good, "import")
    assert page.locator("tr[data-outcome=new]").count() == 4
    send(changed, "preview")
    assert "Người nhận: Ông Võ Văn Hải → Bà Đinh Thị Nga" in page.inner_text("tr[data-row='3']")
    screenshot(page, "awards_import_preview")
    with server.app.app_context():
        assert len(_imported(db.session.get(Event, server.event_id))) == 4
