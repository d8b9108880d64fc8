"""Crafted .xlsx files, built here with zipfile (nothing downloaded): the hostile workbooks of
issues 16 and 22 that the guarded reader (models/core/spreadsheet.py) must refuse, and a plain
package that openpyxl reads, whose parts can be renamed, prefixed or swapped.

``package(...)`` writes a minimal workbook whose every part name, content type and namespace
prefix can be chosen; openpyxl finds the shared strings through [Content_Types].xml and the
sheets through xl/_rels/workbook.xml.rels, so both are written to point wherever the parts are.
"""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Iterable

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_SST = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
CT_WB = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


def content_types(sheet: str, shared: str | None, workbook: str = "xl/workbook.xml", defaults: str = "") -> bytes:
    sst = f'<Override PartName="/{shared}" ContentType="{CT_SST}"/>' if shared else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        f'<Default Extension="xml" ContentType="application/xml"/>{defaults}'
        f'<Override PartName="/{workbook}" ContentType="{CT_WB}"/>'
        f'<Override PartName="/{sheet}" ContentType="{CT_SHEET}"/>{sst}</Types>'
    ).encode()


def workbook_xml(prefix: str = "", sheet_name: str = "DS") -> bytes:
    p = f"{prefix}:" if prefix else ""
    ns = f"xmlns:{prefix}" if prefix else "xmlns"
    return (
        f'<?xml version="1.0"?><{p}workbook {ns}="{MAIN}" xmlns:r="{REL}">'
        f'<{p}sheets><{p}sheet name="{sheet_name}" sheetId="1" r:id="rId1"/></{p}sheets></{p}workbook>'
    ).encode()


def package(
    sheet_chunks: Iterable[bytes],
    shared_chunks: Iterable[bytes] | None = None,
    *,
    sheet: str = "xl/worksheets/sheet1.xml",
    shared: str = "xl/sharedStrings.xml",
    workbook: str = "xl/workbook.xml",
    prefix: str = "",
    extra: dict[str, bytes] | None = None,
    defaults: str = "",
) -> bytes:
    """A workbook of one sheet (``sheet_chunks``, streamed) and shared strings (``shared_chunks``)
    stored under any part names; ``prefix`` writes workbook.xml with a namespace prefix."""
    wb_dir = workbook.rsplit("/", 1)[0]
    wb_rels = f"{wb_dir}/_rels/{workbook.rsplit('/', 1)[1]}.rels"
    rels = (
        f'<?xml version="1.0"?><Relationships xmlns="{PKG_REL}">'
        f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="/{sheet}"/>'
        + (f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="/{shared}"/>' if shared_chunks else "")
        + "</Relationships>"
    ).encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        zf.writestr("[Content_Types].xml", content_types(sheet, shared if shared_chunks else None, workbook, defaults))
        zf.writestr(
            "_rels/.rels",
            f'<?xml version="1.0"?><Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" '
            f'Type="{REL}/officeDocument" Target="{workbook}"/></Relationships>',
        )
        zf.writestr(workbook, workbook_xml(prefix))
        zf.writestr(wb_rels, rels)
        with zf.open(sheet, "w", force_zip64=True) as fh:
            for chunk in sheet_chunks:
                fh.write(chunk)
        if shared_chunks is not None:
            with zf.open(shared, "w", force_zip64=True) as fh:
                for chunk in shared_chunks:
                    fh.write(chunk)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return buf.getvalue()


def one_cell_sheet(prefix: str = "", cell: bytes = b'<c r="A1" t="s"><v>0</v></c>') -> list[bytes]:
    p = prefix.encode() + b":" if prefix else b""
    ns = b"xmlns:" + prefix.encode() if prefix else b"xmlns"
    return [
        b"<"
        + p
        + b"worksheet "
        + ns
        + b'="'
        + MAIN.encode()
        + b'"><'
        + p
        + b"sheetData><"
        + p
        + b'row r="1">'
        + cell.replace(b"<c", b"<" + p + b"c").replace(b"</c>", b"</" + p + b"c>")
        + b"</"
        + p
        + b"row></"
        + p
        + b"sheetData></"
        + p
        + b"worksheet>"
    ]


def many_strings(count: int, prefix: str = "") -> Iterable[bytes]:
    """``count`` one-letter shared strings, each drawn from four (a fixed seed): they compress
    about 36:1 (under the 400:1 a zip bomb shows), so 6 million strings, 100 MB of XML that
    openpyxl turns into a list of 6 million, fit in a 3.2 MB file."""
    p = f"{prefix}:" if prefix else ""
    ns = f"xmlns:{prefix}" if prefix else "xmlns"
    rnd = random.Random(22)
    tokens = [f"<{p}si><{p}t>{a}</{p}t></{p}si>" for a in "ABCD"]
    yield f'<{p}sst {ns}="{MAIN}" count="{count}" uniqueCount="{count}">'.encode()
    for start in range(0, count, 100_000):
        yield "".join(rnd.choices(tokens, k=min(100_000, count - start))).encode()
    yield f"</{p}sst>".encode()


def shared_strings_elsewhere(count: int = 6_000_000, shared: str = "xl/foo.BIN", prefix: str = "") -> bytes:
    """Issue 22's workbook: millions of shared strings stored under another part name, which
    [Content_Types].xml and the workbook's relationships point at (3.2 MB for 6 million)."""
    return package(one_cell_sheet(), many_strings(count, prefix), shared=shared)


def wide_rows(
    rows: int = 3000, *, prefix: str = "", quote: str = '"', column: str = "XFD", dimension: str | None = None
) -> Iterable[bytes]:
    """A sheet whose rows reach ``column`` (openpyxl fills every cell up to it), written with a
    namespace ``prefix``, attributes in ``quote`` and the column's letters as given."""
    p = f"{prefix}:" if prefix else ""
    ns = f"xmlns:{prefix}" if prefix else "xmlns"
    q = quote
    dim = f"<{p}dimension ref={q}{dimension}{q}/>" if dimension else ""
    yield f"<{p}worksheet {ns}={q}{MAIN}{q}>{dim}<{p}sheetData>".encode()
    for start in range(1, rows + 1, 1000):
        yield "".join(
            f"<{p}row r={q}{n}{q}><{p}c r={q}A{n}{q} t={q}inlineStr{q}><{p}is><{p}t>x</{p}t></{p}is></{p}c>"
            f"<{p}c r={q}{column}{n}{q}><{p}v>1</{p}v></{p}c></{p}row>"
            for n in range(start, min(start + 1000, rows + 1))
        ).encode()
    yield f"</{p}sheetData></{p}worksheet>".encode()


def small_sheet(prefix: str = "", values: tuple[str, ...] = ("Họ và tên", "Đơn vị")) -> list[bytes]:
    """One row of inline strings, with a namespace ``prefix``: what openpyxl reads back."""
    p = f"{prefix}:" if prefix else ""
    ns = f"xmlns:{prefix}" if prefix else "xmlns"
    cells = "".join(
        f'<{p}c r="{chr(65 + i)}1" t="inlineStr"><{p}is><{p}t>{v}</{p}t></{p}is></{p}c>' for i, v in enumerate(values)
    )
    return [
        f'<{p}worksheet {ns}="{MAIN}"><{p}sheetData><{p}row r="1">{cells}</{p}row>'
        f"</{p}sheetData></{p}worksheet>".encode()
    ]
