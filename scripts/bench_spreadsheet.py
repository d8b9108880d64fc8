"""What reading a spreadsheet in its confined child costs (issue 22, item 3).

Reads a normal 250-row guest list (built here with openpyxl) ``--runs`` times: in the server
process as before (the guard, openpyxl and the rows, in-process), and through the child
(models.core.spreadsheet.read_sheets: forkserver, caps, plain rows back). Then the issue's
crafted workbook (3.2 MB, 6 million shared strings under "xl/foo.BIN") through the child.
Prints medians in ms; the README's Security section quotes them.

    python scripts/bench_spreadsheet.py [--runs 20]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def office_file(rows: int) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["STT", "Họ và tên", "Chức vụ", "Đơn vị", "Điện thoại", "Email"])
    for i in range(1, rows + 1):
        ws.append([i, f"Nguyễn Văn {i}", "Chuyên viên", "Sở Nông nghiệp", 905111000 + i, f"a{i}@x.vn"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def in_process(data: bytes) -> list:
    """The reading as it was before: in the server process."""
    import openpyxl

    from models.core.spreadsheet import check_xlsx

    check_xlsx(data)
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        return [list(ws.iter_rows(values_only=True)) for ws in wb.worksheets]
    finally:
        wb.close()


def timed(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def main() -> None:
    from models.core.spreadsheet import SpreadsheetError, read_sheets
    from tests.crafted_xlsx import shared_strings_elsewhere

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    data = office_file(250)
    t0 = time.perf_counter()
    read_sheets(data)  # starts the forkserver
    first = (time.perf_counter() - t0) * 1000
    before = timed(lambda: in_process(data), args.runs)
    child = timed(lambda: read_sheets(data), args.runs)
    assert read_sheets(data)[0][1] == [tuple(r) for r in in_process(data)[0]]
    crafted = shared_strings_elsewhere()

    def refuse() -> None:
        try:
            read_sheets(crafted)
        except SpreadsheetError:
            return
        raise AssertionError("the crafted workbook was read")

    refused = timed(refuse, 3)
    print(f"250-row list, in the server process (before): median {statistics.median(before):.0f} ms")
    print(f"250-row list, through the child (now):        median {statistics.median(child):.0f} ms")
    print(f"first read (starts the forkserver):           {first:.0f} ms")
    print(f"crafted 3.2 MB workbook refused by the child:  median {statistics.median(refused):.0f} ms")


if __name__ == "__main__":
    main()
