"""Property tests (hypothesis): the badge code parser and verifier, and the guest-list reader.

- parse_code / verify_code raise nothing but CodeError, whatever they are given;
- every genuine code verifies and gives back its fields; only genuine codes verify:
  any change to one (a character replaced, dropped, added, two swapped) fails, and so does a
  code signed with another key or shown at another event's station;
- read_table (and the whole import preview) turns any bytes into rows of strings or an
  ImportFileError with a message: no other exception escapes.
"""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from models import codes as C
from models.guests.reading import ImportFileError, read_table

FAST = settings(max_examples=300, deadline=None, database=None)
SLOW = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

PRIVATE = C.new_private_key()
OTHER_PRIVATE = C.new_private_key()
TAG, KEY_NO = 0x1234ABCD, 1
KEYS = C.keyring([(TAG, KEY_NO, C.public_key_of(PRIVATE)), (TAG + 1, KEY_NO, C.public_key_of(OTHER_PRIVATE))])
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

u32 = st.integers(0, 2**32 - 1)
u16 = st.integers(0, 2**16 - 1)
genuine = st.builds(
    lambda aid, serial: C.make_code(PRIVATE, event_tag=TAG, key_no=KEY_NO, attendee_id=aid, serial=serial), u32, u16
)
anything = st.one_of(
    st.text(max_size=700),
    st.binary(max_size=300),
    st.none(),
    st.integers(),
    st.floats(),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers()),
    st.text(alphabet=B32, min_size=115, max_size=125).map(lambda s: "EK1" + s),
    st.text(alphabet=B32 + "=0189abc ", min_size=120, max_size=120).map(lambda s: "EK1" + s),
)


def _only_code_errors(value) -> None:
    for fn in (C.parse_code, lambda v: C.verify_code(v, KEYS), lambda v: C.verify_code(v, KEYS, event_tag=TAG)):
        try:
            fn(value)
        except C.CodeError as exc:
            assert exc.code in (C.INVALID, C.WRONG_EVENT)


@FAST
@given(anything)
def test_parse_and_verify_raise_only_code_error(value):
    _only_code_errors(value)


@FAST
@given(anything)
def test_nothing_random_verifies(value):
    with pytest.raises(C.CodeError):
        C.verify_code(value, KEYS)


@FAST
@given(u32, st.integers(0, 255), u32, u16)
def test_every_genuine_code_verifies_and_round_trips(tag, key_no, aid, serial):
    code = C.make_code(PRIVATE, event_tag=tag, key_no=key_no, attendee_id=aid, serial=serial)
    assert len(code) == C.CODE_LENGTH and code.isalnum() and code.isupper()
    keys = C.keyring([(tag, key_no, C.public_key_of(PRIVATE))])
    assert C.verify_code(code, keys, event_tag=tag) == C.BadgeCode(tag, key_no, aid, serial)
    assert C.verify_code(f" {code}\r\n", keys) == C.BadgeCode(tag, key_no, aid, serial)  # scanner's Enter


@st.composite
def mutated(draw):
    """A genuine code and a changed copy (never only surrounding whitespace added, which a
    handheld scanner does and the parser strips on purpose)."""
    code = draw(genuine)
    kind = draw(st.sampled_from(["replace", "delete", "insert", "swap", "case", "truncate"]))
    i = draw(st.integers(0, len(code) - 1))
    char = draw(st.one_of(st.sampled_from(B32 + "018="), st.characters()))
    if kind == "replace":
        assume(char != code[i])
        new = code[:i] + char + code[i + 1 :]
    elif kind == "delete":
        new = code[:i] + code[i + 1 :]
    elif kind == "insert":
        new = code[:i] + char + code[i:]
    elif kind == "swap":
        j = draw(st.integers(0, len(code) - 1))
        assume(code[i] != code[j])
        chars = list(code)
        chars[i], chars[j] = chars[j], chars[i]
        new = "".join(chars)
    elif kind == "case":
        assume(code[i].isalpha())
        new = code[:i] + code[i].lower() + code[i + 1 :]
    else:
        new = code[:i]
    assume(new.strip() != code)
    return code, new


@settings(max_examples=1000, deadline=None, database=None)
@given(mutated())
def test_any_change_to_a_genuine_code_fails(pair):
    code, changed = pair
    assert C.verify_code(code, KEYS, event_tag=TAG).event_tag == TAG
    with pytest.raises(C.CodeError) as exc:
        C.verify_code(changed, KEYS, event_tag=TAG)
    assert exc.value.code == C.INVALID


@FAST
@given(u32, u16)
def test_a_forger_without_the_key_or_at_another_event_fails(aid, serial):
    forged = C.make_code(OTHER_PRIVATE, event_tag=TAG, key_no=KEY_NO, attendee_id=aid, serial=serial)
    with pytest.raises(C.CodeError) as exc:
        C.verify_code(forged, KEYS)
    assert exc.value.code == C.INVALID
    unknown_key = C.make_code(PRIVATE, event_tag=TAG, key_no=KEY_NO + 1, attendee_id=aid, serial=serial)
    with pytest.raises(C.CodeError):
        C.verify_code(unknown_key, KEYS)
    other_event = C.make_code(OTHER_PRIVATE, event_tag=TAG + 1, key_no=KEY_NO, attendee_id=aid, serial=serial)
    assert C.verify_code(other_event, KEYS).event_tag == TAG + 1  # genuine, of the other event
    with pytest.raises(C.CodeError) as exc:
        C.verify_code(other_event, KEYS, event_tag=TAG)
    assert exc.value.code == C.WRONG_EVENT


# -- the guest-list reader ---------------------------------------------------------------------

FILENAMES = st.sampled_from(["list.csv", "list.xlsx", "list.xls", "list.txt", "", "LIST.XLSX", "a.xlsm"])
ENCODINGS = st.sampled_from([None, None, "utf-8", "cp1258", "utf-16", "latin-1", "no-such-codec"])
cell = st.text(st.characters(blacklist_categories=["Cs"]), max_size=30)
rows = st.lists(st.lists(cell, max_size=8), max_size=12)


def _well_formed(result) -> None:
    assert isinstance(result, list) and result
    assert all(isinstance(r, list) and all(isinstance(c, str) for c in r) for r in result)


def _read(data: bytes, filename: str, encoding: str | None = None) -> None:
    try:
        _well_formed(read_table(data, filename, encoding))
    except ImportFileError as exc:
        assert str(exc)  # a message for the organiser


zip_like = st.binary(max_size=400).map(lambda b: b"PK\x03\x04" + b)
raw_bytes = st.one_of(
    st.binary(max_size=2000),
    zip_like,
    st.text(max_size=500).map(lambda t: t.encode("utf-8")),
    st.text(max_size=300).map(lambda t: t.encode("utf-16")),
)


@FAST
@given(raw_bytes, FILENAMES, ENCODINGS)
def test_read_table_on_any_bytes_gives_rows_or_a_message(data, filename, encoding):
    _read(data, filename, encoding)


@FAST
@given(rows, st.sampled_from([",", ";", "\t"]), st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1258"]))
def test_read_table_on_any_csv_gives_rows_or_a_message(table, delimiter, encoding):
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter).writerows(table)
    try:
        data = buf.getvalue().encode(encoding)
    except UnicodeEncodeError:
        assume(False)
    _read(data, "list.csv")


def _xlsx(table: list[list[str]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    wb = Workbook()
    ws = wb.active
    for r in table:
        ws.append([ILLEGAL_CHARACTERS_RE.sub("", c) for c in r])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@SLOW
@given(rows, st.integers(0, 3000), st.binary(max_size=8))
def test_read_table_on_any_xlsx_or_damaged_xlsx(table, cut, junk):
    data = _xlsx(table)
    _read(data, "list.xlsx")
    _read(data[:cut] + junk, "list.xlsx")  # truncated / damaged


HEADER = [
    "STT",
    "Danh xưng",
    "Họ và tên",
    "Chức vụ",
    "Đơn vị",
    "Thành phần",
    "Huyện",
    "Điện thoại",
    "Email",
    "Thứ tự ưu tiên",
]


@SLOW
@given(st.lists(st.lists(cell, min_size=0, max_size=11), min_size=0, max_size=8), st.booleans())
def test_import_preview_never_fails_on_any_rows(app, body, as_xlsx):
    """The whole preview (headers, checks, duplicates, lookups): a report or a message."""
    from models.events.service import current_event
    from models.guests.imports import preview
    from tests import factories

    ev = current_event() or factories.make_event(people=1)
    table = [HEADER, *body]
    if as_xlsx:
        data, name = _xlsx(table), "list.xlsx"
    else:
        buf = io.StringIO()
        csv.writer(buf).writerows(table)
        data, name = buf.getvalue().encode("utf-8"), "list.csv"
    try:
        report = preview(ev, data, name)
    except ImportFileError as exc:
        assert str(exc)
        return
    for row in report.rows:
        assert row.action in ("create", "update", "same", "skip")
        assert (row.action == "skip") == bool(row.problems)
