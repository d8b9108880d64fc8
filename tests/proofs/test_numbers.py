"""One way to read a number (issue 22, item 4): models.core.numbers.parse_int, and a scan of the
sources so that no other reader of request data comes back.

Python's readers disagree: ``"²".isdigit()`` is True and ``int("²")`` raises (a 500 where the
first was trusted); ``int`` reads "١٢", "１２", "+1", " 1 ", "1_0" as numbers. The class is closed
by reading every integer from a URL, a query, a form or a JSON body with parse_int (ASCII digits
only), and by this test refusing the other readers in the web layer and the form readers.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from models.core.numbers import MAX_ID, NumberError, int_or_none, parse_int

ROOT = Path(__file__).resolve().parents[2]
ODD = ("²", "١٢", "１２", "+1", " 1", "1 ", "1_0", "0x1", "1e3", "", "1" * 400, "1\n", "١", "٣", "𝟏", "½", "-0x1")


@pytest.mark.parametrize("text", ODD)
def test_parse_int_refuses_every_other_way_of_writing_a_number(text):
    with pytest.raises(NumberError) as caught:
        parse_int(text)
    assert caught.value.message  # says what it wanted
    assert int_or_none(text) is None


def test_parse_int_reads_ascii_digits_in_range():
    assert parse_int("0") == 0 and parse_int("0042") == 42 and parse_int(str(MAX_ID)) == MAX_ID
    assert parse_int("-5", -10, 10) == -5 and parse_int(7) == 7
    for text, lo, hi in (("-1", 0, 10), (str(MAX_ID + 1), 0, MAX_ID), ("11", 0, 10), ("99999999999", 0, MAX_ID)):
        with pytest.raises(NumberError):
            parse_int(text, lo, hi)
    for value in (True, 1.0, None, b"1", [1]):
        with pytest.raises(NumberError):
            parse_int(value)


#: the readers that are refused in the web layer (admin/) and the domain's readers of sent text
FORBIDDEN = {
    r"\.isdigit\(": 'str.isdigit() is True for "²", which int() refuses',
    r"\.isdecimal\(": 'str.isdecimal() is True for "١٢" and "１２"',
    r"\.isnumeric\(": 'str.isnumeric() is True for "½" and "²"',
    r"type\s*=\s*int\b": 'request.args.get(type=int) reads "１２" as 12: use admin.core.hostile.arg_int',
    r"coerce\s*=\s*int\b": 'coerce=int reads "１２" as 12: use admin.core.forms.ascii_int',
    r"from wtforms import[^\n]*\bIntegerField\b": "WTForms' IntegerField uses int(): use admin.core.forms.IntegerField",
    r"Regexp\(r?\"[^\"]*\\d": r"\d in a form's pattern matches any script's digits: write [0-9]",
}
#: where the domain reads text a person sent (forms, uploaded lists): no int() there but parse_int
TEXT_READERS = (
    "models/exhibition/form_input.py",
    "models/services/person_changes.py",
    "models/services/event_structure.py",
    "models/districts/delegations.py",
)
#: int() calls allowed in admin/: server settings, not request data
ALLOWED_INT = re.compile(r"int\(current_app\.config")


def _sources():
    for folder in ("admin", "models"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.name != "numbers.py" or path.parent.name != "core":
                yield path, path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8")


def test_no_other_number_reader_in_the_sources():
    problems = []
    for _path, rel, text in _sources():
        for pattern, why in FORBIDDEN.items():
            for m in re.finditer(pattern, text):
                problems.append(f"{rel}:{text.count(chr(10), 0, m.start()) + 1}: {why}")
        if rel.startswith("admin/") or rel in TEXT_READERS:
            for node in ast.walk(ast.parse(text)):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "int":
                    line = text.splitlines()[node.lineno - 1]
                    if not ALLOWED_INT.search(line):
                        problems.append(f"{rel}:{node.lineno}: int() on sent text: use models.core.numbers.parse_int")
    assert not problems, "\n".join(problems)


def test_the_scan_finds_what_it_forbids(tmp_path):
    """The scan itself can fail: each forbidden reader is found in a sample."""
    sample = (
        'x.isdigit()\nfrom wtforms import IntegerField, StringField\nrequest.args.get("a", type=int)\n'
        'SelectMultipleField(coerce=int)\nRegexp(r"^\\d+$")\n'
    )
    found = [p for p in FORBIDDEN if re.search(p, sample)]
    assert len(found) == 5, found
