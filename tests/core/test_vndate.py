"""Dates on documents per Decree 30/2020/NĐ-CP: a leading zero only before days 1-9 and the months
1 and 2; and one formatter (models.core.vndate) for every document the product writes."""

import re
from datetime import date, datetime
from pathlib import Path

from models.core.vndate import document_date, month_text, numeric_date, time_and_date

ROOT = Path(__file__).resolve().parents[2]


def test_decree_30_zeros():
    assert document_date(date(2027, 5, 6)) == "ngày 06 tháng 5 năm 2027"
    assert document_date(date(2027, 2, 6)) == "ngày 06 tháng 02 năm 2027"
    assert document_date(date(2027, 1, 9)) == "ngày 09 tháng 01 năm 2027"
    assert document_date(date(2027, 10, 15)) == "ngày 15 tháng 10 năm 2027"
    assert document_date(date(2027, 12, 31)) == "ngày 31 tháng 12 năm 2027"
    assert numeric_date(date(2027, 5, 6)) == "06/5/2027" and numeric_date(date(2027, 2, 16)) == "16/02/2027"
    assert time_and_date(datetime(2027, 3, 1, 7, 5)) == "07:05 01/3/2027"
    assert [month_text(date(2027, m, 1)) for m in range(1, 13)] == [
        "01", "02", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"
    ]  # fmt: skip


#: ways of writing a date by hand: strftime day/month codes, zero-padded day or month fields,
#: "tháng {x.month}" built in place
_HAND_MADE = re.compile(r"%d/%m|%m/%d|%d\.%m|\.(day|month)\s*:\s*0?2d|tháng \{[^}]*month|ngày \{[^}]*day")
#: the one formatter, and the spreadsheet reader (it turns an uploaded cell into text to parse, no document)
_ALLOWED = {"models/core/vndate.py", "models/guests/reading.py"}


def test_documents_write_dates_through_one_formatter():
    """Every document is built under models/ (letters, MC script, reports, catalogue, badges,
    table cards, sheets): no other date formatting there."""
    offenders = []
    for path in sorted((ROOT / "models").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel in _ALLOWED:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if _HAND_MADE.search(line):
                offenders.append(f"{rel}:{n}: {line.strip()}")
    assert not offenders, "dates written by hand, use models.core.vndate:\n" + "\n".join(offenders)


def test_the_scan_catches_a_hand_made_date():
    for line in (
        "x = d.strftime('%d/%m/%Y')",
        'f"ngày {d.day:02d} tháng {d.month:02d}"',
        'f"tháng {ev.date.month} năm"',
        "f'{d:%d/%m/%Y}'",
    ):
        assert _HAND_MADE.search(line), line
    assert not _HAND_MADE.search('f"{t:%H:%M}"')
