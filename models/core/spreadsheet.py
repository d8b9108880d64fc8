"""One guarded reader for every uploaded or imported .xlsx (guest list, awards, structure lists).

Everything is checked on the zip's own directory and a streamed pass over each sheet *before*
openpyxl builds a workbook, so a hostile file costs little time and memory:

- the compressed size (``MAX_BYTES``), a real zip with ``xl/workbook.xml``;
- the unpacked size of the whole archive (``MAX_UNPACKED``) and of each part
  (``MAX_PART``; shared strings ``MAX_SHARED_STRINGS``), the compression ratio;
- each sheet's declared dimension (``<dimension ref="A1:XFD9">``) and the widest column any
  cell names (``MAX_COLUMNS``), and the number of cells (``MAX_CELLS``), counted by a streamed
  decompression of the sheet part;
- a time budget (``TIME_BUDGET`` seconds) for the checks and for reading the rows.

Every XML part is scanned, wherever workbook.xml.rels puts it (openpyxl follows the relations,
not the folder names), and cells are counted per row too (a cell need not name its column).
Measured (tests/core/test_spreadsheet.py builds the bombs): a sheet whose rows reach column XFD (also
stored as xl/data/s1.xml), a 7 MB row of 1.9 million cells without r=, a 424 KB file whose
shared strings unpack to 420 MB, and 10 MB of distinct shared strings are each refused in about
0.01 s with a few MB of memory; unguarded, such files cost 13-40 s and 0.3-2.6 GB.
Errors are ``SpreadsheetError`` (a ``ValueError``) whose text is a Vietnamese message.

Why hand-made: openpyxl has no limits of its own (it trusts the declared dimension and loads all
shared strings into a list), and defusedxml only guards against entity expansion, which
openpyxl already refuses; no maintained library checks a workbook's shape before loading it.
"""

from __future__ import annotations

import io
import re
import time
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any

MAX_BYTES = 20 * 1024 * 1024
#: the whole archive unpacked
MAX_UNPACKED = 200 * 1024 * 1024
#: one part (a sheet's XML) unpacked
MAX_PART = 120 * 1024 * 1024
#: the shared strings part unpacked (openpyxl keeps every shared string in memory; a guest list of
#: 10,000 people needs about 3 MB)
MAX_SHARED_STRINGS = 10 * 1024 * 1024
MAX_RATIO = 400
#: a guest list uses a dozen columns; a sheet naming a column beyond this is refused
MAX_COLUMNS = 200
#: cells in one workbook (50,000 rows x 20 columns)
MAX_CELLS = 1_000_000
#: seconds for the checks plus reading the rows
TIME_BUDGET = 20.0

_DIM = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]{1,3})?\d*(?::([A-Z]{1,3})\d*)?"')
_CELL_REF = re.compile(rb'<(?:\w+:)?c\s[^>]*?r="([A-Z]{1,3})\d+"')
#: a row start or a cell: cells are counted per row too (a cell need not name its column)
_ROW_OR_CELL = re.compile(rb"<(?:\w+:)?(row|c)[\s>/]")


class SpreadsheetError(ValueError):
    """The file is not a usable spreadsheet. ``str(exc)`` is a Vietnamese message."""


def column_number(letters: str | bytes) -> int:
    """ "A" -> 1, "XFD" -> 16384."""
    if isinstance(letters, bytes):
        letters = letters.decode("ascii")
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n


class _Budget:
    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise SpreadsheetError("Tệp Excel quá phức tạp, đọc quá lâu. Không nhập tệp này.")


def _too_big() -> SpreadsheetError:
    return SpreadsheetError("Tệp Excel bất thường (dung lượng giải nén quá lớn). Không nhập tệp này.")


def check_xlsx(
    data: bytes, *, max_columns: int = MAX_COLUMNS, max_cells: int = MAX_CELLS, budget: _Budget | None = None
) -> None:
    """Every check of the module docstring, without building a workbook.

    Raises SpreadsheetError: empty, too large, not a zip (an HTML page renamed .xlsx), a broken
    zip, no workbook part, an unpacked size / part size / ratio over the limits, a sheet wider
    than ``max_columns`` (declared or used), more than ``max_cells`` cells, over the time budget.
    """
    budget = budget or _Budget(TIME_BUDGET)
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
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            if len(infos) > 10_000:
                raise _too_big()
            total = 0
            for info in infos:
                total += info.file_size
                limit = MAX_SHARED_STRINGS if info.filename.endswith("sharedStrings.xml") else MAX_PART
                ratio = info.file_size / info.compress_size if info.compress_size else 0
                if (
                    info.file_size > limit
                    or total > MAX_UNPACKED
                    or (ratio > MAX_RATIO and info.file_size > 10 * 1024 * 1024)
                ):
                    raise _too_big()
            names = {i.filename for i in infos}
            if "xl/workbook.xml" not in names:
                raise SpreadsheetError("Tệp .xlsx bị hỏng hoặc không phải bảng tính Excel.")
            cells = 0
            for info in infos:
                # every XML part, wherever it is stored: openpyxl finds sheets through
                # workbook.xml.rels, which may point outside xl/worksheets/
                if info.filename.endswith(".xml") and not info.filename.endswith("sharedStrings.xml"):
                    cells += _scan_sheet(zf, info, max_columns, max_cells - cells, budget)
    except zipfile.BadZipFile as exc:
        raise SpreadsheetError("Tệp .xlsx bị hỏng, không đọc được.") from exc
    except (zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
        raise SpreadsheetError("Tệp .xlsx bị hỏng, không đọc được.") from exc


def _scan_sheet(zf: zipfile.ZipFile, info: zipfile.ZipInfo, max_columns: int, cells_left: int, budget: _Budget) -> int:
    """Stream one sheet part: its declared dimension, the widest column named, the cell count."""
    too_wide = SpreadsheetError(
        f"Trang tính có quá nhiều cột (tối đa {max_columns}). Hãy xóa các cột thừa rồi lưu lại."
    )
    too_many = SpreadsheetError("Tệp Excel có quá nhiều ô dữ liệu. Hãy xóa các dòng, cột thừa rồi lưu lại.")
    cells = 0
    in_row = 0  # cells so far in the current row (a row of cells without r= names no column)
    tail = b""
    first = True
    with zf.open(info) as fh:
        while True:
            chunk = fh.read(1 << 20)
            if not chunk:
                break
            budget.check()
            buf = tail + chunk
            if first:
                first = False
                m = _DIM.search(buf[:8192])
                if m:
                    right = m.group(2) or m.group(1)
                    if right and column_number(right) > max_columns:
                        raise too_wide
            # a cell tag cut at the chunk boundary is completed by the next chunk: keep a tail
            cut = buf.rfind(b"<")
            body, tail = (buf[:cut], buf[cut:]) if cut > len(buf) - 256 else (buf, b"")
            for m in _ROW_OR_CELL.finditer(body):
                if m.group(1) == b"row":
                    in_row = 0
                    continue
                in_row += 1
                cells += 1
                if in_row > max_columns:
                    raise too_wide
            if cells > cells_left:
                raise too_many
            refs = set(_CELL_REF.findall(body))
            if refs and max(map(column_number, refs)) > max_columns:
                raise too_wide
    return cells


def load_xlsx(
    data: bytes,
    *,
    read_only: bool = True,
    data_only: bool = False,
    max_columns: int = MAX_COLUMNS,
    max_cells: int = MAX_CELLS,
):
    """The checks, then openpyxl's workbook. Raises SpreadsheetError (never anything else)."""
    check_xlsx(data, max_columns=max_columns, max_cells=max_cells)
    import openpyxl

    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=read_only, data_only=data_only)
    except SpreadsheetError:
        raise
    except Exception as exc:  # openpyxl raises many kinds on broken files
        raise SpreadsheetError("Tệp .xlsx bị hỏng, không đọc được.") from exc


def iter_rows(
    ws: Any,
    *,
    max_columns: int = MAX_COLUMNS,
    seconds: float = TIME_BUDGET,
) -> Iterator[tuple]:
    """A sheet's rows as tuples of values, at most ``max_columns`` wide, within a time budget.
    Raises SpreadsheetError when the budget runs out or the file breaks while reading."""
    budget = _Budget(seconds)
    declared = getattr(ws, "max_column", None)  # the dimension (checked by check_xlsx)
    # no dimension: each row as long as its own cells (check_xlsx bounded them per row)
    width = min(declared, max_columns) if isinstance(declared, int) and declared > 0 else None
    try:
        for n, row in enumerate(ws.iter_rows(values_only=True, max_col=width)):
            if n % 500 == 0:
                budget.check()
            yield row
    except SpreadsheetError:
        raise
    except Exception as exc:
        raise SpreadsheetError("Tệp .xlsx bị hỏng, không đọc được.") from exc


def read_sheets(
    data: bytes, *, data_only: bool = False, max_columns: int = MAX_COLUMNS, max_rows: int | None = None
) -> list[tuple[str, list[tuple]]]:
    """Every sheet's name and rows (tuples of raw values), guarded as above."""
    wb = load_xlsx(data, read_only=True, data_only=data_only, max_columns=max_columns)
    try:
        out = []
        for ws in wb.worksheets:
            rows = []
            for row in iter_rows(ws, max_columns=max_columns):
                rows.append(row)
                if max_rows is not None and len(rows) > max_rows:
                    break
            out.append((ws.title, rows))
        return out
    finally:
        wb.close()
