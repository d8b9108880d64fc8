"""Reading a guest list (.xlsx / .csv) into rows, safely.

read_table(data, filename, encoding=None) -> list of rows (lists of str), header row first.
Raises ImportFileError (a Vietnamese message) for anything that is not a usable list:
  - too large (more than MAX_BYTES), empty;
  - .xlsx that is not a zip (an HTML page renamed .xlsx), corrupt, a zip bomb (uncompressed
    size or compression ratio over the limits), or one whose reading would take more memory or
    time than the reader's child process is given (models/core/spreadsheet.py);
  - .csv whose encoding cannot be recognised (not UTF-8 / UTF-16 / Windows-1258), or that
    decodes to mojibake ("Nguyá»…n": UTF-8 read as Windows-1252 and saved again);
  - more than MAX_ROWS data rows.
Encodings: a BOM decides (UTF-8, UTF-16 LE/BE); else strict UTF-8; else UTF-16 without BOM
(many NUL bytes); else Windows-1258 ("cp1258"), whose Vietnamese uses combining tone marks,
so every cell is NFC-normalised later (models.core.names.clean).
Formula cells of an .xlsx come back as their formula text ("=..."), so the caller can refuse
them instead of trusting a cached value.

read_sheets(data, filename, encoding=None) -> [(sheet title, rows)]: every sheet of an .xlsx (a CSV
is one sheet), so the caller can pick the sheet whose header row it recognises. Merged cells are
filled with their top-left value (a header merged over two columns or two rows, a group name
merged down its people); number cells come back without ".0" (914333445.0 -> "914333445"), dates
as dd/mm/yyyy.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import unicodedata

from models.core.spreadsheet import SpreadsheetError, read_workbook

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
#: a list's header row is looked for in this many first rows (titles above the table)
HEADER_ROWS = 15
#: stop reading after this many consecutive empty rows (sheets formatted down to row 1,048,576)
MAX_BLANK_RUN = 2_000

_MOJIBAKE = re.compile(r"(á»|áº|Ã[\u0080-\u00bf]|Ä[‘\u0090\u0091]|Æ°|Æ¡|Ã´|Ãª|Ä\u0083|â€)")


class ImportFileError(ValueError):
    """The file cannot be read as a guest list. ``str(exc)`` is a Vietnamese message."""


def read_table(data: bytes, filename: str = "", encoding: str | None = None) -> list[list[str]]:
    """Rows of strings of the first sheet (trailing empty rows dropped). See the module docstring."""
    return read_sheets(data, filename, encoding)[0][1]


def read_sheets(data: bytes, filename: str = "", encoding: str | None = None) -> list[tuple[str, list[list[str]]]]:
    """(title, rows) of every non-empty sheet, in workbook order; at least one. Raises ImportFileError."""
    if not data:
        raise ImportFileError("Tệp rỗng.")
    if len(data) > MAX_BYTES:
        raise ImportFileError(
            f"Tệp quá lớn ({len(data) // (1024 * 1024)} MB). Giới hạn là {MAX_BYTES // (1024 * 1024)} MB."
        )
    name = (filename or "").lower()
    if name.endswith((".xlsx", ".xlsm")) or data[:4] == b"PK\x03\x04":
        sheets = _read_xlsx(data)
    elif name.endswith(".xls"):
        raise ImportFileError("Định dạng .xls (Excel 97-2003) không được hỗ trợ. Hãy lưu lại thành .xlsx.")
    else:
        sheets = [("", _read_csv(data, encoding))]
    out = []
    for title, rows in sheets:
        while rows and not any(c.strip() for c in rows[-1]):
            rows.pop()
        if rows:
            out.append((title, rows))
    if not out:
        raise ImportFileError("Tệp không có dòng dữ liệu nào.")
    return out


def _read_xlsx(data: bytes) -> list[tuple[str, list[list[str]]]]:
    """Every worksheet's rows as text, merged cells filled. The workbook is read by the one
    guarded reader (models/core/spreadsheet.py): in a child process with a memory and CPU cap,
    after its checks of sizes, parts, widest column, cells and time; rows come back plain."""
    try:
        sheets = read_workbook(data, max_filled=MAX_ROWS + 1, max_blank_run=MAX_BLANK_RUN, merged=True)
    except SpreadsheetError as exc:
        raise ImportFileError(str(exc)) from exc
    if not sheets:
        raise ImportFileError("Tệp Excel không có trang tính nào.")
    out = []
    filled = 0
    for sheet in sheets:
        rows = [[_cell_text(v) for v in values] for values in sheet.rows]
        filled += sum(1 for row in rows if any(c.strip() for c in row))
        if filled > MAX_ROWS + 1:
            raise ImportFileError(f"Tệp có quá nhiều dòng (tối đa {MAX_ROWS:,}).")
        _fill_merged(rows, sheet.merged)
        out.append((sheet.title, rows))
    return out


#: merged ranges are filled only up to this many cells in all (a sheet merged down to row 1,048,576)
MAX_MERGED_CELLS = 200_000


def _fill_merged(rows: list[list[str]], ranges: list[tuple[int, int, int, int]]) -> None:
    budget = MAX_MERGED_CELLS
    for c1, r1, c2, r2 in ranges:
        r2 = min(r2, len(rows))
        if r1 > r2 or r1 < 1:
            continue
        budget -= (r2 - r1 + 1) * (c2 - c1 + 1)
        if budget < 0:
            return
        top = rows[r1 - 1]
        value = top[c1 - 1] if c1 - 1 < len(top) else ""
        for r in range(r1 - 1, r2):
            row = rows[r]
            if len(row) < c2:
                row.extend([""] * (c2 - len(row)))
            for c in range(c1 - 1, c2):
                row[c] = value


def _cell_text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, datetime.datetime):
        return v.strftime("%d/%m/%Y") if v.time() == datetime.time(0) else v.strftime("%d/%m/%Y %H:%M")
    if isinstance(v, datetime.date):
        return v.strftime("%d/%m/%Y")
    if isinstance(v, datetime.time):
        return v.strftime("%H:%M")
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return unicodedata.normalize("NFC", str(v))


def decode(data: bytes, encoding: str | None = None) -> str:
    """Bytes of a CSV to text (see the module docstring). Raises ImportFileError."""
    if encoding:
        try:
            text = data.decode(encoding)
        except (LookupError, UnicodeDecodeError) as exc:
            raise ImportFileError(f"Tệp không đọc được với bảng mã {encoding}.") from exc
    elif data.startswith(b"\xef\xbb\xbf"):
        text = _strict(data[3:], "utf-8")
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = _strict(data, "utf-16")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            head = data[:4000]
            if head.count(b"\x00") > len(head) // 4:
                le = head[1::2].count(0) > head[0::2].count(0)
                text = _strict(data, "utf-16-le" if le else "utf-16-be")
            else:
                try:
                    text = data.decode("cp1258")
                except UnicodeDecodeError as exc:
                    raise _wrong_encoding() from exc
    text = unicodedata.normalize("NFC", text)
    if "\ufffd" in text or "\x00" in text or len(_MOJIBAKE.findall(text[:200_000])) >= 3:
        raise _wrong_encoding()
    return text


def _strict(data: bytes, enc: str) -> str:
    try:
        return data.decode(enc)
    except UnicodeDecodeError as exc:
        raise _wrong_encoding() from exc


def _wrong_encoding() -> ImportFileError:
    return ImportFileError(
        "Không nhận ra bảng mã của tệp CSV (chữ tiếng Việt bị lỗi). Hãy lưu lại từ Excel dạng "
        '"CSV UTF-8", hoặc dùng tệp .xlsx.'
    )


def _read_csv(data: bytes, encoding: str | None) -> list[list[str]]:
    text = decode(data, encoding)
    sample = text[:5000]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    rows: list[list[str]] = []
    blank = filled = 0
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            if any(c.strip() for c in row):
                blank = 0
                filled += 1
            else:
                blank += 1
                if blank > MAX_BLANK_RUN:
                    break
            rows.append(row)
            if filled > MAX_ROWS + 1:
                raise ImportFileError(f"Tệp có quá nhiều dòng (tối đa {MAX_ROWS:,}).")
    except csv.Error as exc:
        raise ImportFileError("Tệp CSV sai định dạng, không đọc được.") from exc
    return rows
