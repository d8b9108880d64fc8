"""Dates on official documents as Decree 30/2020/NĐ-CP writes them (Phụ lục I, "ngày, tháng, năm
ban hành văn bản"): Arabic numerals, a leading zero only before a day below 10 and before the
months 1 and 2: "ngày 06 tháng 02 năm 2027", "ngày 15 tháng 10 năm 2027", "ngày 06 tháng 5 năm 2027".

Every document the product prints or exports (invitation letters, the MC script, the reports
PDF and workbook, the catalogue, badges) writes a date through this module, nowhere else;
tests/core/test_vndate.py scans the sources for any other way of writing one.

document_date(d) -> "ngày 06 tháng 5 năm 2027"
numeric_date(d) -> "06/5/2027" (the same rule, for a tight line such as a badge or a sheet's cell)
time_and_date(t) -> "14:05 06/5/2027" (a moment: a print time, an arrival in a report's sheet)
day_text(d), month_text(d) -> "06", "5": the two parts the rule is about
"""

from __future__ import annotations

from datetime import date, datetime

WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")


def day_text(d: date) -> str:
    """The day with a leading zero below 10: "06", "15"."""
    return f"{d.day:02d}"


def month_text(d: date) -> str:
    """The month with a leading zero only for January and February: "01", "02", "5", "10"."""
    return f"{d.month:02d}" if d.month <= 2 else str(d.month)


def document_date(d: date) -> str:
    """ "ngày 06 tháng 5 năm 2027" (lower case: it follows a place or a weekday)."""
    return f"ngày {day_text(d)} tháng {month_text(d)} năm {d.year}"


def numeric_date(d: date) -> str:
    """ "06/5/2027", "06/02/2027": the same zeros as document_date."""
    return f"{day_text(d)}/{month_text(d)}/{d.year}"


def weekday_text(d: date) -> str:
    """ "Thứ Năm" """
    return WEEKDAYS[d.weekday()]


def time_and_date(t: datetime) -> str:
    """ "14:05 06/5/2027": a moment (already in the event's time zone)."""
    return f"{t:%H:%M} {numeric_date(t)}"
