"""The guard checks what openpyxl will actually read (issue 22, item 3): every part the content
types and relationships point at, whatever its name, case or extension; every namespace prefix,
either quote, column letters in either case; and XML that would hide its tags from a byte scan
(UTF-16, another declared encoding, character references) or blow up in the parser (DOCTYPE,
ENTITY, deep nesting). Each crafted file is first shown to be read by openpyxl as the attack
means, then refused by ``check_xlsx`` and by the whole reader (in its child process)."""

from __future__ import annotations

import io
import time

import openpyxl
import pytest

from models.core.spreadsheet import SpreadsheetError, check_xlsx, read_sheets
from tests.crafted_xlsx import (
    many_strings,
    one_cell_sheet,
    package,
    shared_strings_elsewhere,
    small_sheet,
    wide_rows,
)

TOO_WIDE = "quá nhiều cột"
TOO_BIG = "giải nén quá lớn"
ODD = "cấu trúc bất thường"


def _openpyxl_rows(data: bytes) -> list[tuple]:
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        return [tuple(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    finally:
        wb.close()


def _refused(data: bytes, message: str) -> None:
    t0 = time.monotonic()
    with pytest.raises(SpreadsheetError, match=message):
        check_xlsx(data)
    assert time.monotonic() - t0 < 5.0  # the guard alone: milliseconds here
    with pytest.raises(SpreadsheetError, match=message):
        read_sheets(data)  # the same refusal from the child process


@pytest.mark.parametrize("shared", ["xl/foo.BIN", "XL/Strings.dat", "xl/SHAREDSTRINGS.XML", "data/s"])
def test_shared_strings_under_any_name_get_the_shared_strings_limit(shared):
    small = package(one_cell_sheet(), many_strings(3), shared=shared)
    assert _openpyxl_rows(small)[0][0] in "ABCD"  # openpyxl reads the strings from there
    _refused(package(one_cell_sheet(), many_strings(700_000), shared=shared), TOO_BIG)  # 12 MB of strings


def test_the_issue_22_workbook_is_refused_at_once():
    """3.2 MB; its 6 million strings under xl/foo.BIN took 63 s and 590 MB in the server."""
    data = shared_strings_elsewhere()
    assert len(data) < 3_500_000
    _refused(data, TOO_BIG)


@pytest.mark.parametrize(
    "sheet,prefix,quote,column",
    [
        ("xl/worksheets/sheet1.xml", "x", '"', "XFD"),
        ("xl/data/s1.BIN", "", '"', "XFD"),
        ("XL/Worksheets/Sheet1.XML", "ns0", "'", "XFD"),
        ("xl/odd", "x", "'", "xfd"),
    ],
)
def test_wide_sheets_under_any_name_prefix_quote_or_case(sheet, prefix, quote, column):
    data = package(wide_rows(3000, prefix=prefix, quote=quote, column=column), sheet=sheet)
    small = package(wide_rows(2, prefix=prefix, quote=quote, column=column), sheet=sheet)
    assert [len(r) for r in _openpyxl_rows(small)] == [16384, 16384]  # what openpyxl would build
    _refused(data, TOO_WIDE)


@pytest.mark.parametrize("prefix,quote", [("x", "'"), ("ns0", '"')])
def test_a_declared_dimension_with_a_prefix_or_single_quotes(prefix, quote):
    data = package(wide_rows(50, prefix=prefix, quote=quote, column="B", dimension="A1:XFD50"))
    _refused(data, TOO_WIDE)


@pytest.mark.parametrize("prefix", ["x", "ns0", "é"])
def test_a_row_of_cells_without_names_with_a_prefix(prefix):
    p = f"{prefix}:"
    row = f'<{p}row r="1">'.encode() + f"<{p}c><{p}v>1</{p}v></{p}c>".encode() * 300_000 + f"</{p}row>".encode()
    head = f'<{p}worksheet xmlns:{prefix}="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><{p}sheetData>'
    _refused(package([head.encode(), row, f"</{p}sheetData></{p}worksheet>".encode()]), TOO_WIDE)


def test_prefixed_parts_are_still_read():
    """The guard does not refuse what is merely unusual: prefixes everywhere, a sheet under an
    odd name, strings under another name."""
    data = package(small_sheet("x"), many_strings(3, "ns0"), sheet="xl/data/list.BIN", shared="xl/s.bin", prefix="w")
    check_xlsx(data)
    assert read_sheets(data) == [("DS", [("Họ và tên", "Đơn vị")])]


def test_a_reference_hidden_behind_character_references():
    data = package(wide_rows(2, column="&#88;FD"))
    assert [len(r) for r in _openpyxl_rows(data)] == [16384, 16384]
    _refused(data, ODD)


def test_a_sheet_in_utf16_is_refused():
    """Its tags are not ASCII bytes: no byte scan would see them, expat reads them."""
    sheet = b"".join(wide_rows(3)).decode()
    for encoded in (("\ufeff" + sheet).encode("utf-16-le"), sheet.encode("utf-16-be")):
        data = package([encoded])
        assert [len(r) for r in _openpyxl_rows(data)] == [16384] * 3
        _refused(data, ODD)


@pytest.mark.parametrize("encoding", ["UTF-16", "UTF-7", "cp500"])
def test_a_declared_encoding_other_than_utf8_is_refused(encoding):
    data = package([f'<?xml version="1.0" encoding="{encoding}"?>'.encode(), *wide_rows(3)])
    _refused(data, ODD)


def test_leading_white_space_does_not_hide_a_sheet():
    data = package([b" \n" * 300_000, *wide_rows(3000)], sheet="xl/worksheets/s.bin")
    _refused(data, TOO_WIDE)


def test_billion_laughs_and_external_entities_are_refused():
    lol = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i else b"&lol;") * 10) for i in range(1, 9))
        + b"]>"
    )
    sst = lol + b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol8;</t></si></sst>'
    _refused(package(one_cell_sheet(), [sst], shared="xl/foo.BIN"), ODD)
    xxe = b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + b"".join(small_sheet())
    _refused(package([xxe]), ODD)


def test_deep_nesting_is_refused():
    deep = b"<a>" * 50_000 + b"</a>" * 50_000
    sheet = b"".join(small_sheet()).replace(b"</worksheet>", deep + b"</worksheet>")
    _refused(package([sheet]), ODD)


def test_a_zip_bomb_under_an_odd_name():
    """100 MB of one letter compress 1000:1: the ratio gives it away, whatever its name."""

    def shared():
        yield b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
        for _ in range(100):
            yield b"A" * (1024 * 1024)
        yield b"</t></si></sst>"

    data = package(one_cell_sheet(), shared(), shared="media/image1.png")
    assert len(data) < 200_000
    _refused(data, TOO_BIG)


def test_a_binary_part_is_not_taken_for_xml():
    """An EMF picture starts with bytes 01 00 (UTF-16 to expat, but not XML): a logo is fine."""
    emf = b"\x01\x00\x00\x00" + bytes(range(256)) * 40
    data = package(small_sheet(), extra={"xl/media/image1.emf": emf, "xl/media/image2.png": b"\x89PNG\r\n" + emf})
    check_xlsx(data)
    assert read_sheets(data)[0][1] == [("Họ và tên", "Đơn vị")]
