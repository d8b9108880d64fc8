"""Builders of guest-list files for the tests."""

from __future__ import annotations

import io
import unicodedata

from openpyxl import Workbook


def xlsx(rows: list[list[object]], *, title: str | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
        ws.append([])
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_text(rows: list[list[str]], sep: str = ",") -> str:
    return "\r\n".join(sep.join(f'"{c}"' if (sep in c or '"' in c) else c for c in r) for r in rows) + "\r\n"


_SHAPES = {"\u0306", "\u0302", "\u031b"}


def to_cp1258(text: str) -> bytes:
    """Encode as Windows-1258 does it: letters with their shape (ă â ê ô ơ ư đ) precomposed,
    tone marks as combining characters."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", ch)
        shapes = "".join(m for m in parts[1:] if m in _SHAPES)
        tones = "".join(m for m in parts[1:] if m not in _SHAPES)
        out.append(unicodedata.normalize("NFC", parts[0] + shapes) + tones)
    return "".join(out).encode("cp1258")


HEADER = ["STT", "Họ và tên", "Chức vụ", "Đơn vị", "Thành phần", "Điện thoại"]
