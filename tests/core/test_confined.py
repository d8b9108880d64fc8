"""The confined child (models/core/confined.py) and the spreadsheet reader that runs in it
(issue 22, item 3): the memory cap, the CPU cap and the wall-clock limit really stop a child, a
dead child or an answer that is not plain data never reaches the caller as anything but
``Failed``, and every way a child fails becomes the one Vietnamese message of the reader, with
the server process's memory unchanged."""

from __future__ import annotations

import collections
import datetime
import io
import logging
import os
import threading
import time
from pathlib import Path

import openpyxl
import pytest

from models.core import confined
from models.core.confined import Failed, Limits
from models.core.spreadsheet import UNREADABLE, SpreadsheetError, read_sheets, read_workbook
from tests.crafted_xlsx import package, shared_strings_elsewhere

ROOT = Path(__file__).resolve().parents[2]
ROOMY = Limits(memory_mb=1024, cpu_seconds=30, wall_seconds=240)  # nice 19 on a busy machine waits


def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_an_answer_comes_back():
    assert confined.run(sorted, ([3, 1, 2],), ROOMY) == [1, 2, 3]
    when = datetime.datetime(2026, 12, 7, 8, 30)
    assert confined.run(max, ([when, when - datetime.timedelta(days=1)],), ROOMY) == when


def test_an_expected_error_is_raised_again_with_its_message():
    with pytest.raises(ValueError, match="invalid literal"):
        confined.run(int, ("not a number",), ROOMY, expected=(ValueError,))


def test_the_memory_cap_stops_a_child():
    with pytest.raises(Failed) as exc:
        confined.run(bytearray, (2 * 1024**3,), Limits(memory_mb=512, cpu_seconds=30, wall_seconds=60))
    assert exc.value.reason == "memory"
    assert confined.run(len, (bytearray(10),), ROOMY) == 10  # the next child is fine


def test_the_cpu_cap_stops_a_child():
    with pytest.raises(Failed) as exc:
        confined.run(sum, (range(10**12),), Limits(memory_mb=1024, cpu_seconds=1, wall_seconds=240))
    assert exc.value.reason == "cpu"


def test_the_wall_clock_limit_kills_a_child():
    t0 = time.monotonic()
    with pytest.raises(Failed) as exc:
        confined.run(time.sleep, (600,), Limits(memory_mb=1024, cpu_seconds=30, wall_seconds=1.0))
    assert exc.value.reason == "timeout"
    assert time.monotonic() - t0 < 30


def test_a_child_that_dies_without_answering():
    with pytest.raises(Failed) as exc:
        confined.run(os._exit, (3,), ROOMY)
    assert exc.value.reason == "crashed"


def test_an_answer_that_is_not_plain_data_is_refused():
    """An object whose class is not a plain value type is never built in the server."""
    with pytest.raises(Failed) as exc:
        confined.run(collections.OrderedDict, (), ROOMY)
    assert exc.value.reason == "crashed"


def test_readers_beyond_the_limit_are_told_busy(monkeypatch):
    monkeypatch.setattr(confined, "WAIT", 0.2)
    slow = Limits(memory_mb=1024, cpu_seconds=30, wall_seconds=60)
    threads = [threading.Thread(target=confined.run, args=(time.sleep, (10,), slow)) for _ in range(confined.READERS)]
    for t in threads:
        t.start()
    reasons = []
    try:
        while all(t.is_alive() for t in threads) and "busy" not in reasons:
            try:
                confined.run(len, ("x",), ROOMY)  # a turn was still free: the sleepers are starting
            except Failed as exc:
                reasons.append(exc.reason)
    finally:
        for t in threads:
            t.join()
    assert reasons == ["busy"]
    assert confined.run(len, ("x",), ROOMY) == 1


def test_the_child_runs_at_the_lowest_priority():
    assert confined.run(os.nice, (0,), ROOMY) == 19


# --- the spreadsheet reader in its child -----------------------------------------------------------


def _office_file() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Họ và tên", "Ngày", "Số", "Giờ"])
    ws.append(["Nguyễn Văn A", datetime.datetime(2026, 12, 7), 905111222, datetime.time(8, 30)])
    ws.merge_cells("A3:B3")
    ws["A3"] = "Khối Sở"
    ws2 = wb.create_sheet("Trang 2")
    ws2.append([1.5, True, None, "=SUM(A1:A2)"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_rows_merged_ranges_and_sheet_names_come_back_as_plain_values():
    sheets = read_workbook(_office_file(), merged=True)
    assert [s.title for s in sheets] == ["Sheet", "Trang 2"]
    assert sheets[0].rows[:2] == [
        ("Họ và tên", "Ngày", "Số", "Giờ"),
        ("Nguyễn Văn A", datetime.datetime(2026, 12, 7), 905111222, datetime.time(8, 30)),
    ]
    assert sheets[0].merged == [(1, 3, 2, 3)]
    assert sheets[1].rows == [(1.5, True, None, "=SUM(A1:A2)")]


def _one_big_cell(megabytes: int) -> bytes:
    """One cell of ``megabytes`` MB of letters (4:1 compressed): under every limit of the guard,
    but openpyxl needs a few times that in memory."""
    text = os.urandom(megabytes * 1024 * 1024).translate(bytes(b"ABCD"[i & 3] for i in range(256)))
    head = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    return package(
        [head, b'<row r="1"><c r="A1" t="inlineStr"><is><t>', text, b"</t></is></c></row></sheetData></worksheet>"]
    )


def test_a_file_over_the_memory_cap_gets_the_one_message(caplog):
    """The memory cap holds whatever the guard lets through: with 200 MB the child stops and the
    reader says UNREADABLE; with the default cap the same file is read."""
    data = _one_big_cell(40)
    tight = Limits(memory_mb=200, cpu_seconds=30, wall_seconds=240)
    with caplog.at_level(logging.WARNING, "models.core.spreadsheet"), pytest.raises(SpreadsheetError) as exc:
        read_workbook(data, caps=tight)
    assert str(exc.value) == UNREADABLE and "memory" in caplog.text
    assert len(read_workbook(data, caps=ROOMY)[0].rows[0][0]) == 40 * 1024 * 1024


def test_a_file_over_the_cpu_cap_gets_the_one_message(caplog):
    wb = openpyxl.Workbook()
    for r in range(30_000):
        wb.active.append([f"Người {r}", r, "Sở", "Phòng", r * 2, "x", "y", "z"])
    out = io.BytesIO()
    wb.save(out)
    with caplog.at_level(logging.WARNING, "models.core.spreadsheet"), pytest.raises(SpreadsheetError) as exc:
        read_workbook(out.getvalue(), caps=Limits(memory_mb=1024, cpu_seconds=1, wall_seconds=240))
    assert str(exc.value) == UNREADABLE and "cpu" in caplog.text


def test_the_issue_22_workbook_leaves_the_server_memory_flat():
    data = shared_strings_elsewhere()
    read_sheets(_office_file())  # the forkserver is up
    before = _rss_kb()
    with pytest.raises(SpreadsheetError):
        read_sheets(data)
    assert _rss_kb() - before < 20_000


def test_no_workbook_is_loaded_in_the_server_process():
    """A source check: openpyxl's load_workbook is called only by the reader's child side."""
    found = []
    for folder in ("models", "admin", "commands"):
        for path in (ROOT / folder).rglob("*.py"):
            if "load_workbook" in path.read_text() and path != ROOT / "models/core/spreadsheet.py":
                found.append(str(path.relative_to(ROOT)))
    for name in ("cli.py", "app.py", "webserver.py"):
        if (ROOT / name).exists() and "load_workbook" in (ROOT / name).read_text():
            found.append(name)
    assert not found


def test_only_a_transaction_that_wrote_nothing_is_ended_before_a_read(app, event):
    """On SQLite a POST's transaction holds the writer lock: the reader ends it first, unless
    it wrote (then ending it would lose or commit the caller's work)."""
    from sqlalchemy import select, text, update

    from models.core.base import db
    from models.core.database import end_unwritten_transaction
    from models.events.models import Event

    session = db.session()
    session.execute(select(Event.id)).all()
    assert session.in_transaction()
    assert end_unwritten_transaction(session) and not session.in_transaction()
    session.execute(update(Event).where(Event.id == event.id).values(name="Hội nghị đổi tên"))
    assert not end_unwritten_transaction(session) and session.in_transaction()
    session.rollback()
    session.execute(text("SELECT 1"))
    assert not end_unwritten_transaction(session)  # text() may write: left alone
    session.rollback()
    ev = session.get(Event, event.id)
    ev.name = "Tên mới"
    assert not end_unwritten_transaction(session)  # pending change
    session.flush()
    assert not end_unwritten_transaction(session)  # flushed change
    session.rollback()
    assert session.get(Event, event.id).name != "Tên mới"
