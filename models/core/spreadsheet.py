"""One guarded reader for every uploaded or imported .xlsx (guest list, awards, structure lists).

``read_workbook`` / ``read_sheets`` read a workbook in a child process (models/core/confined.py)
with a memory cap (``SPREADSHEET_MEMORY_MB``), a CPU-time cap (``SPREADSHEET_CPU_SECONDS``), the
lowest priority (nice 19) and a wall-clock limit (``SPREADSHEET_WALL_SECONDS``, then killed): the
guard, openpyxl's load and the turning of rows into plain values all happen there, and only plain
rows (str, numbers, dates, None) and merged ranges come back. Whatever a crafted file makes
openpyxl do, the server's threads keep answering check-ins and its memory stays flat. A child
that runs out of memory or time, or dies, gives ``UNREADABLE`` (one Vietnamese message); nothing
is imported. Before this (issue 22), a 3.2 MB workbook whose 6 million shared strings sat under
"xl/foo.BIN" was read in the server process: 63 s and 590 MB, check-ins held 14-74 s.

The guard (``check_xlsx``, run in the child before openpyxl builds anything) checks what openpyxl
will actually read, not the names it expects:

- the compressed size (``MAX_BYTES``), a real zip, a workbook part;
- the unpacked size of the whole archive (``MAX_UNPACKED``) and of each part by what the package
  says it is: [Content_Types].xml (overrides and defaults, any case) and every relationships part
  (targets resolved as openpyxl resolves them), the part's name and its root element, so shared
  strings stored as "xl/foo.BIN" get the shared-strings limit (``MAX_SHARED_STRINGS``), sheets
  ``MAX_PART`` and any other XML part, parsed whole by openpyxl, ``MAX_XML_PART``; the ratio;
- every part that is XML, whatever its name or extension (found by its content, also after
  leading white space): UTF-8 only (a UTF-16 part or a declared encoding such as UTF-7 or EBCDIC
  would hide its tags from any byte scan), no DOCTYPE or ENTITY (billion laughs, external
  entities), nesting at most ``MAX_DEPTH`` deep;
- in every XML part, with any namespace prefix (``<x:c>``, ``<ns0:row>``) and either quote: each
  sheet's declared dimension, the widest column a cell names (letters in either case, ``$``
  allowed; a reference hidden behind ``&#..;`` is refused), the cells in any one row
  (``MAX_COLUMNS``) and the number of cells (``MAX_CELLS``);
- a budget of CPU time (``TIME_BUDGET`` seconds) for the checks and the rows.

Measured (tests/core/test_spreadsheet.py builds the bombs): a sheet whose rows reach column XFD
(also stored as xl/data/s1.xml, or as xl/data/s1.BIN), a 7 MB row of 1.9 million cells without
r=, a 424 KB file whose shared strings unpack to 420 MB, 10 MB of distinct shared strings, and the
3.2 MB file above are each refused in well under a second. Errors are ``SpreadsheetError`` (a
``ValueError``) whose text is a Vietnamese message.

Why hand-made: openpyxl has no limits of its own (it trusts the declared dimension and loads all
shared strings into a list), and defusedxml only guards against entity expansion; no maintained
library checks a workbook's shape before loading it, and none runs it in a capped process.
"""

from __future__ import annotations

import datetime
import io
import logging
import posixpath
import re
import time
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from models.core import confined

log = logging.getLogger(__name__)

MAX_BYTES = 20 * 1024 * 1024
#: the whole archive unpacked
MAX_UNPACKED = 200 * 1024 * 1024
#: one sheet part (streamed by openpyxl) or one part that is not XML, unpacked
MAX_PART = 120 * 1024 * 1024
#: the shared strings part unpacked, wherever it is stored (openpyxl keeps every shared string in
#: memory; a guest list of 10,000 people needs about 3 MB)
MAX_SHARED_STRINGS = 10 * 1024 * 1024
#: any other XML part (workbook, styles, relationships, drawings...), which openpyxl parses whole
MAX_XML_PART = 20 * 1024 * 1024
MAX_RATIO = 400
#: a guest list uses a dozen columns; a sheet naming a column beyond this is refused
MAX_COLUMNS = 200
#: cells in one workbook (50,000 rows x 20 columns)
MAX_CELLS = 1_000_000
#: elements nested in one another (a sheet needs 6)
MAX_DEPTH = 200
#: merged ranges kept per sheet (the import fills them, up to its own limit of cells)
MAX_MERGES = 20_000
#: CPU seconds for the checks plus reading the rows
TIME_BUDGET = 20.0

#: a refused, crashed or killed reader: the one message
UNREADABLE = (
    "Tệp bảng tính không đọc được hoặc quá lớn (vượt giới hạn bộ nhớ hoặc thời gian đọc). "
    "Không nhập tệp này; hãy mở bằng Excel, xóa các trang tính, cột và dòng thừa rồi lưu lại."
)
BUSY = "Máy chủ đang đọc các tệp khác. Vui lòng thử lại sau ít phút."

_CHUNK = 256 * 1024
_P = rb"(?:[^\s<>/!?:=\"']+:)?"  # any namespace prefix, or none
_DIM = re.compile(
    rb"<" + _P + rb"dimension\s[^>]*?ref\s*=\s*[\"']\$?([A-Za-z]{1,3})?\$?\d*(?::\$?([A-Za-z]{1,3})\$?\d*)?"
)
#: the column letters of a cell reference (r="XFD9", r='$b$2'), whatever the element
_CELL_REF = re.compile(rb"\sr\s*=\s*[\"']\$?([A-Za-z]{1,3})\$?\d")
#: a reference written with character or entity references (r="&#88;FD1"): refused
_HIDDEN_REF = re.compile(rb"<[^<>]*?\s(?:r|ref)\s*=\s*[\"'][^\"'<>]*&")
#: a row start or a cell: cells are counted per row too (a cell need not name its column)
_ROW_OR_CELL = re.compile(rb"<" + _P + rb"(row|c|cell)[\s>/]")
_MERGE = re.compile(rb"<" + _P + rb"mergeCell\s[^>]*?ref\s*=\s*[\"']([^\"'<]{1,40})[\"']")
_DECLARATION = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_ENCODING = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']*)[\"']")
_ROOT = re.compile(rb"<" + _P + rb"([A-Za-z_][\w.-]*)")
_UTF8 = {b"utf-8", b"utf8", b"us-ascii", b"ascii"}


class SpreadsheetError(ValueError):
    """The file is not a usable spreadsheet. ``str(exc)`` is a Vietnamese message."""


def column_number(letters: str | bytes) -> int:
    """ "A" -> 1, "XFD" -> 16384 (either case)."""
    if isinstance(letters, bytes):
        letters = letters.decode("ascii")
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n


class _Budget:
    """CPU seconds for the checks and the rows (CPU, not wall time: a reader at nice 19 on a
    busy machine waits without spending its budget; the wall limit is the parent's)."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.process_time() + seconds

    def check(self) -> None:
        if time.process_time() > self.deadline:
            raise SpreadsheetError(UNREADABLE)


def _too_big() -> SpreadsheetError:
    return SpreadsheetError("Tệp Excel bất thường (dung lượng giải nén quá lớn). Không nhập tệp này.")


def _odd() -> SpreadsheetError:
    return SpreadsheetError(
        "Tệp Excel có cấu trúc bất thường (mã hóa, khai báo hoặc lồng nhau không hợp lệ). Không nhập tệp này."
    )


def _broken() -> SpreadsheetError:
    return SpreadsheetError("Tệp .xlsx bị hỏng, không đọc được.")


# --- the guard -----------------------------------------------------------------------------------


def check_container(data: bytes) -> None:
    """The checks that need no unpacking: empty, too large, not a zip (an HTML page renamed
    .xlsx), a zip cut short. Cheap: the server runs them before starting a reader."""
    if not data:
        raise SpreadsheetError("Tệp rỗng.")
    if len(data) > MAX_BYTES:
        raise SpreadsheetError(
            f"Tệp quá lớn ({len(data) // (1024 * 1024)} MB). Giới hạn là {MAX_BYTES // (1024 * 1024)} MB."
        )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        if data[:4] == b"PK\x03\x04":
            raise SpreadsheetError("Tệp .xlsx bị hỏng (không đầy đủ), không đọc được. Hãy lưu lại từ Excel.")
        raise SpreadsheetError(
            "Tệp không phải là tệp Excel .xlsx hợp lệ (có thể là trang web hoặc tệp khác đổi tên). "
            "Hãy mở bằng Excel và lưu lại dạng .xlsx."
        )


def check_xlsx(
    data: bytes, *, max_columns: int = MAX_COLUMNS, max_cells: int = MAX_CELLS, budget: _Budget | None = None
) -> dict[str, list[bytes]]:
    """Every check of the module docstring, without building a workbook. Returns the merged
    ranges (b"A1:C1") of each part that has some, by part name.

    Raises SpreadsheetError: empty, too large, not a zip, a broken zip, no workbook part, an
    unpacked size / part size / ratio over the limits, an XML part that is not UTF-8, declares a
    DOCTYPE or ENTITY or nests too deep, a sheet wider than ``max_columns`` (declared or used),
    more than ``max_cells`` cells, over the time budget.
    """
    budget = budget or _Budget(TIME_BUDGET)
    check_container(data)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            _check_sizes(infos)
            kinds = _part_kinds(zf, infos, budget)
            _check_kind_sizes(infos, kinds)
            merges: dict[str, list[bytes]] = {}
            cells = 0
            for info in infos:
                scan = _Scan(max_columns, max_cells - cells, budget)
                _scan_part(zf, info, scan)
                cells += scan.cells
                if scan.merges:
                    merges[info.filename] = scan.merges
            return merges
    except zipfile.BadZipFile as exc:
        raise _broken() from exc
    except (zlib.error, EOFError, OSError, NotImplementedError, RuntimeError, ValueError) as exc:
        if isinstance(exc, SpreadsheetError):
            raise
        raise _broken() from exc


def _check_sizes(infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > 10_000:
        raise _too_big()
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / info.compress_size if info.compress_size else 0
        if (
            info.file_size > MAX_PART
            or total > MAX_UNPACKED
            or (ratio > MAX_RATIO and info.file_size > 10 * 1024 * 1024)
        ):
            raise _too_big()


def _check_kind_sizes(infos: list[zipfile.ZipInfo], kinds: dict[str, set[str]]) -> None:
    """Each part's size by what it is: shared strings, a sheet, another XML part, not XML."""
    for info in infos:
        kind = kinds.get(info.filename.lower(), set())
        if "shared" in kind:
            limit = MAX_SHARED_STRINGS
        elif "sheet" in kind or "xml" not in kind:
            limit = MAX_PART
        else:
            limit = MAX_XML_PART
        if info.file_size > limit:
            raise _too_big()


# --- what each part is ---------------------------------------------------------------------------


def _part_kinds(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], budget: _Budget) -> dict[str, set[str]]:
    """Lower-cased part name -> its kinds: "xml" (its content is XML), "shared" (shared
    strings), "sheet", "workbook"; from the content types, every relationships part, the
    name and the root element. Raises SpreadsheetError when there is no workbook part."""
    kinds: dict[str, set[str]] = {}
    for info in infos:
        budget.check()
        name = info.filename.lower()
        found = kinds.setdefault(name, set())
        root = _root_element(zf, info)
        if root is not None:
            found.add("xml")
            found.update(_KIND_OF_ROOT.get(root, ()))
        if name.endswith("sharedstrings.xml"):
            found.add("shared")
    names = list(kinds)
    for part, content_type in _content_types(zf, infos, names, budget).items():
        kinds.setdefault(part, set()).update(_kinds_of_type(content_type))
    for info in infos:
        if info.filename.lower().endswith(".rels"):
            for target, rel_type in _relationships(zf, info, budget):
                kinds.setdefault(target.lower(), set()).update(_kinds_of_type(rel_type))
    if not any("workbook" in k for k in kinds.values()) and "xl/workbook.xml" not in kinds:
        raise SpreadsheetError("Tệp .xlsx bị hỏng hoặc không phải bảng tính Excel.")
    return kinds


_KIND_OF_ROOT = {
    b"sst": ("shared",),
    b"worksheet": ("sheet",),
    b"dialogsheet": ("sheet",),
    b"macrosheet": ("sheet",),
    b"workbook": ("workbook",),
}


def _kinds_of_type(content_type: str) -> set[str]:
    """Kinds named by a content type or a relationship type."""
    t = content_type.strip().lower()
    out = set()
    if "sharedstrings" in t:
        out.add("shared")
    if t.endswith(("/worksheet", "/dialogsheet", "/macrosheet")) or re.search(r"\.(work|dialog|macro)sheet\+xml$", t):
        out.add("sheet")
    if t.endswith(".main+xml") and ("spreadsheetml" in t or "ms-excel" in t):
        out.add("workbook")
    if t.endswith(("xml", "+xml")):
        out.add("xml")
    return out


def _root_element(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | None:
    """The local name of the part's first element when its content is XML (b"" when it looks
    like XML but no element was found in its first bytes), else None."""
    with zf.open(info) as fh:
        head = _xml_head(fh)
        if head is None:
            return None
        head += fh.read(4096)
    for m in _ROOT.finditer(head):
        if head[m.start() + 1 : m.start() + 2] not in (b"?", b"!"):
            return m.group(1).lower()
    return b""


def _xml_head(fh) -> bytes | None:
    """The part's first bytes from the first that is not white space (after a UTF-8 BOM) when
    its content is XML, else None. XML in UTF-16 (expat takes a first or second NUL byte, or a
    BOM, for UTF-16) is refused: its tags would hide from every byte scan."""
    first = True
    while True:
        chunk = fh.read(_CHUNK)
        if not chunk:
            return None
        if first:
            first = False
            if chunk[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in chunk[:2]:
                little = chunk[:2] == b"\xff\xfe" or chunk[1:2] == b"\x00"
                text = chunk[: len(chunk) // 2 * 2].decode("utf-16-le" if little else "utf-16-be", "replace")
                text = text.lstrip("\ufeff \t\r\n")
                if not text or text.startswith("<"):
                    raise _odd()
                return None  # a binary part (an EMF picture starts with 01 00)
            if chunk.startswith(b"\xef\xbb\xbf"):
                chunk = chunk[3:]
        chunk = chunk.lstrip(b" \t\r\n")
        if chunk:
            return chunk if chunk.startswith(b"<") else None


def _small_xml(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: _Budget):
    """A relationships or content-types part, checked like every XML part, then parsed."""
    import xml.etree.ElementTree as ET

    if info.file_size > MAX_XML_PART:
        raise _too_big()
    _scan_part(zf, info, _Scan(MAX_COLUMNS, MAX_CELLS, budget))
    try:
        return ET.fromstring(zf.read(info))
    except ET.ParseError:
        return None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _content_types(zf, infos, names: list[str], budget: _Budget) -> dict[str, str]:
    """Lower-cased part name -> content type, from [Content_Types].xml (overrides, then the
    defaults by extension, any case)."""
    info = next((i for i in infos if i.filename == "[Content_Types].xml"), None)
    if info is None:
        raise SpreadsheetError("Tệp .xlsx bị hỏng hoặc không phải bảng tính Excel.")
    root = _small_xml(zf, info, budget)
    out: dict[str, str] = {}
    defaults: dict[str, str] = {}
    for el in root.iter() if root is not None else ():
        if _local(el.tag) == "Override":
            out[el.get("PartName", "").lstrip("/").lower()] = el.get("ContentType", "")
        elif _local(el.tag) == "Default":
            defaults[el.get("Extension", "").lower()] = el.get("ContentType", "")
    for name in names:
        if name not in out:
            ext = name.rsplit(".", 1)[-1] if "." in name.rsplit("/", 1)[-1] else ""
            if ext in defaults:
                out[name] = defaults[ext]
    return out


def _relationships(zf, info: zipfile.ZipInfo, budget: _Budget) -> Iterator[tuple[str, str]]:
    """(target part, relationship type) of a relationships part, targets resolved as openpyxl
    resolves them (relative to the folder of the part the relationships belong to)."""
    root = _small_xml(zf, info, budget)
    parent = posixpath.split(posixpath.dirname(info.filename))[0]
    for el in root.iter() if root is not None else ():
        if _local(el.tag) != "Relationship" or el.get("TargetMode", "") == "External":
            continue
        target = el.get("Target", "")
        if target.startswith("/"):
            target = target[1:]
        else:
            target = posixpath.normpath(posixpath.join(parent, target))
        yield target, el.get("Type", "")


# --- the streamed scan of each XML part ----------------------------------------------------------


@dataclass
class _Scan:
    max_columns: int
    cells_left: int
    budget: _Budget
    cells: int = 0
    in_row: int = 0  # cells so far in the current row (a row of cells without r= names no column)
    depth: int = 0
    dimension_seen: bool = False
    merges: list[bytes] = field(default_factory=list)

    def too_wide(self) -> SpreadsheetError:
        return SpreadsheetError(
            f"Trang tính có quá nhiều cột (tối đa {self.max_columns}). Hãy xóa các cột thừa rồi lưu lại."
        )


def _scan_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo, scan: _Scan) -> None:
    """Stream one part; if its content is XML: encoding, declarations, depth, the declared
    dimension, the widest column named, cells per row and in all, merged ranges."""
    with zf.open(info) as fh:
        head = _xml_head(fh)
        if head is None:
            return  # not XML: an image, a binary part (only its size counts)
        m = _ENCODING.match(head)
        if m and m.group(1).strip().lower() not in _UTF8:
            raise _odd()  # UTF-7, EBCDIC...: tags that no byte scan sees
        tail = b""
        chunk = head
        while chunk:
            scan.budget.check()
            buf = tail + chunk
            # a tag cut at the chunk boundary is completed by the next chunk: cut after a ">"
            cut = buf.rfind(b">") + 1
            if cut == 0 or len(buf) - cut > 4 * _CHUNK:
                cut = len(buf)
            _scan_body(buf[:cut], scan)
            tail = buf[cut:]
            chunk = fh.read(_CHUNK)
        if tail:
            _scan_body(tail, scan)


def _scan_body(body: bytes, scan: _Scan) -> None:
    if _DECLARATION.search(body) or (b"&" in body and _HIDDEN_REF.search(body)):
        raise _odd()
    opened = body.count(b"<") - body.count(b"</") - body.count(b"<?") - body.count(b"<!")
    scan.depth += opened - body.count(b"</") - body.count(b"/>")
    if scan.depth > MAX_DEPTH:
        raise _odd()
    if not scan.dimension_seen:
        m = _DIM.search(body)
        if m:
            scan.dimension_seen = True
            right = m.group(2) or m.group(1)
            if right and column_number(right) > scan.max_columns:
                raise scan.too_wide()
    for m in _ROW_OR_CELL.finditer(body):
        if m.group(1) == b"row":
            scan.in_row = 0
            continue
        scan.in_row += 1
        scan.cells += 1
        if scan.in_row > scan.max_columns:
            raise scan.too_wide()
    if scan.cells > scan.cells_left:
        raise SpreadsheetError("Tệp Excel có quá nhiều ô dữ liệu. Hãy xóa các dòng, cột thừa rồi lưu lại.")
    refs = set(_CELL_REF.findall(body))
    if refs and max(map(column_number, refs)) > scan.max_columns:
        raise scan.too_wide()
    if len(scan.merges) < MAX_MERGES:
        scan.merges.extend(_MERGE.findall(body)[: MAX_MERGES - len(scan.merges)])


# --- in the child: openpyxl and the rows ---------------------------------------------------------


def _load(data: bytes, *, data_only: bool):
    """openpyxl's read-only workbook (called in the child, after the guard)."""
    import openpyxl

    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
    except (SpreadsheetError, MemoryError, RecursionError):
        raise
    except Exception as exc:  # openpyxl raises many kinds on broken files
        raise _broken() from exc


_PLAIN_TYPES = (str, int, float, bool, datetime.datetime, datetime.date, datetime.time, datetime.timedelta)


def _plain(value: Any) -> Any:
    """A cell value the server may receive: None, str, a number, a date or time; anything else
    (an array formula object) as its text."""
    if value is None or isinstance(value, _PLAIN_TYPES):
        return value
    return str(value)


def _blank(row: tuple) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in row)


def _iter_rows(ws: Any, max_columns: int, budget: _Budget) -> Iterator[tuple]:
    """A sheet's rows as tuples of plain values, at most ``max_columns`` wide."""
    declared = getattr(ws, "max_column", None)  # the dimension (checked by check_xlsx)
    # no dimension: each row as long as its own cells (check_xlsx bounded them per row)
    width = min(declared, max_columns) if isinstance(declared, int) and declared > 0 else None
    try:
        for n, row in enumerate(ws.iter_rows(values_only=True, max_col=width)):
            if n % 500 == 0:
                budget.check()
            yield tuple(_plain(v) for v in row)
    except (SpreadsheetError, MemoryError, RecursionError):
        raise
    except Exception as exc:
        raise _broken() from exc


def _merged_ranges(refs: list[bytes]) -> list[tuple[int, int, int, int]]:
    from openpyxl.utils import range_boundaries

    out = []
    for ref in refs:
        try:
            bounds = range_boundaries(ref.decode("ascii"))
        except (ValueError, TypeError, UnicodeDecodeError):
            continue
        if None not in bounds:
            out.append(bounds)
    return out


def _sheet_rows(ws, options: dict, filled: int, budget: _Budget) -> tuple[list[tuple], int]:
    """One sheet's rows; stops after ``max_rows`` rows, after ``max_blank_run`` empty rows in a
    row, or once more than ``max_filled`` non-empty rows were read in the workbook."""
    rows: list[tuple] = []
    blank = 0
    for row in _iter_rows(ws, options["max_columns"], budget):
        rows.append(row)
        if _blank(row):
            blank += 1
            if options["max_blank_run"] is not None and blank > options["max_blank_run"]:
                break
        else:
            blank = 0
            filled += 1
            if options["max_filled"] is not None and filled > options["max_filled"]:
                break
        if options["max_rows"] is not None and len(rows) > options["max_rows"]:
            break
    return rows, filled


def _read_in_child(data: bytes, options: dict) -> list[tuple[str, list[tuple], list[tuple[int, int, int, int]]]]:
    """The whole read, in the child: guard, openpyxl, plain rows. (title, rows, merged) of every
    worksheet (chart sheets have no rows)."""
    budget = _Budget(options["seconds"])
    merges = check_xlsx(data, max_columns=options["max_columns"], max_cells=options["max_cells"], budget=budget)
    wb = _load(data, data_only=options["data_only"])
    try:
        out = []
        filled = 0
        for ws in wb.worksheets:
            rows, filled = _sheet_rows(ws, options, filled, budget)
            path = getattr(ws, "_worksheet_path", "").lstrip("/")
            merged = _merged_ranges(merges.get(path, [])) if options["merged"] else []
            out.append((ws.title, rows, merged))
            if options["max_filled"] is not None and filled > options["max_filled"]:
                break
        return out
    except (SpreadsheetError, MemoryError, RecursionError):
        raise
    except Exception as exc:
        raise _broken() from exc
    finally:
        wb.close()


# --- in the server -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    """One worksheet as read: its title, its rows (tuples of None, str, numbers, dates and
    times) and its merged ranges (min_col, min_row, max_col, max_row), 1-based."""

    title: str
    rows: list[tuple]
    merged: list[tuple[int, int, int, int]]


def limits() -> confined.Limits:
    """The reader's caps: the running app's settings (config.py), else their defaults."""
    from config import Config

    try:
        from flask import current_app

        settings = current_app.config
    except RuntimeError:  # no app: the command line's own read, or a script
        settings = {}

    def get(name: str):
        return settings.get(name, getattr(Config, name))

    return confined.Limits(
        memory_mb=int(get("SPREADSHEET_MEMORY_MB")),
        cpu_seconds=int(get("SPREADSHEET_CPU_SECONDS")),
        wall_seconds=float(get("SPREADSHEET_WALL_SECONDS")),
    )


def _let_go_of_the_database() -> None:
    """The read may take seconds: the request's transaction, if it wrote nothing, is ended
    first, so that it holds no lock meanwhile (on SQLite a POST's transaction holds the writer
    lock, and check-ins waited behind a 3 MB upload for the whole read)."""
    try:
        from models.core.base import db
        from models.core.database import end_unwritten_transaction

        if not end_unwritten_transaction(db.session()):
            log.warning("a spreadsheet is read inside a transaction that wrote: the database stays locked meanwhile")
    except RuntimeError:  # no app context: nothing held
        pass


def read_workbook(
    data: bytes,
    *,
    data_only: bool = False,
    max_columns: int = MAX_COLUMNS,
    max_cells: int = MAX_CELLS,
    max_rows: int | None = None,
    max_filled: int | None = None,
    max_blank_run: int | None = None,
    merged: bool = False,
    caps: confined.Limits | None = None,
) -> list[Sheet]:
    """Every worksheet of an .xlsx, read in a confined child (module docstring). ``max_rows``:
    rows kept per sheet (+1, so the caller sees there were more); ``max_filled``: stop once more
    non-empty rows than this were read; ``max_blank_run``: a sheet ends after this many empty
    rows in a row; ``merged``: also the merged ranges. Raises SpreadsheetError, never anything else."""
    check_container(data)  # the cheap refusals need no child
    caps = caps or limits()
    options = {
        "data_only": data_only,
        "max_columns": max_columns,
        "max_cells": max_cells,
        "max_rows": max_rows,
        "max_filled": max_filled,
        "max_blank_run": max_blank_run,
        "merged": merged,
        "seconds": TIME_BUDGET,
    }
    _let_go_of_the_database()
    try:
        sheets = confined.run(
            _read_in_child, (data, options), caps, expected=(SpreadsheetError,), preload=("openpyxl",)
        )
    except confined.Failed as exc:
        log.warning("spreadsheet reader refused a file: %s", exc.reason)
        raise SpreadsheetError(BUSY if exc.reason == "busy" else UNREADABLE) from None
    return [Sheet(str(t), list(rows), list(m)) for t, rows, m in sheets]


def read_sheets(
    data: bytes, *, data_only: bool = False, max_columns: int = MAX_COLUMNS, max_rows: int | None = None
) -> list[tuple[str, list[tuple]]]:
    """Every worksheet's name and rows (tuples of plain values), read as ``read_workbook``."""
    return [
        (s.title, s.rows) for s in read_workbook(data, data_only=data_only, max_columns=max_columns, max_rows=max_rows)
    ]
