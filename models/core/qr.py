"""QR symbols for badges, fast: the same symbol the qrcode library makes (error correction M,
the smallest version, the mask with the least penalty), which matters for 10,000 badges.

Kept instead of a library because it is more than twice as fast on the real path (issue 17:
keep a hand-made one only if so). Measured on the badges step of scripts/bench_scale.py (issue
and sign 10,000 codes + the A6 PDF, 10,000 pages), three rounds interleaved on a busy 2-core
machine, median process CPU seconds (wall was load-bound): this module 25.8 s; segno 1.6.6
(``segno.make(text, error="m", boost_error=False).matrix``) 80.7 s (3.1x); qrcode 8.2
(``QRCode(error_correction=M, border=0).make(fit=True); get_matrix()``) 96.7 s (3.8x).
The matrix alone for those 10,000 real badge codes (median CPU s of three): this module
14.7 s, segno 64.5 s (4.4x), qrcode 77.5 s (5.3x).
All three symbols decode with zxing-cpp to the code.

qr_matrix(text) -> numpy bool array (True = dark), without quiet zone.
qr_svg(text) -> a standalone SVG of it with its quiet zone (the district link on /admin/districts/<id>).
The codewords are computed with plain integer Reed-Solomon (_codewords), the modules placed in a
precomputed order per version (_qr_layout), and the eight mask candidates scored with the penalty
rules of ISO/IEC 18004 7.8.3 vectorised (_penalty). tests/guests/test_badges.py checks that the
result equals the library's symbol with the least penalty.
"""

from __future__ import annotations

import numpy as np
import qrcode
import qrcode.constants
import qrcode.exceptions


def qr_matrix(text: str) -> np.ndarray:
    """The QR modules (True = dark) at error correction M, without quiet zone, as the qrcode
    library makes them, only faster (that matters for 10,000 badges): the codewords with plain
    integer Reed-Solomon (_codewords), the modules placed with a precomputed order per version,
    and the mask chosen by the standard's penalty rules (ISO/IEC 18004 7.8.3) with numpy."""
    q = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0, mask_pattern=0)
    q.add_data(text)
    # the smallest version depends only on the segments' modes and lengths: found once for each
    shape = tuple((seg.mode, len(seg)) for seg in q.data_list)
    q.version = _versions.get(shape)
    if q.version is None:
        q.make(fit=True)
        _versions[shape] = q.version
    q.modules_count = q.version * 4 + 17
    words = _codewords(q)
    rows, cols, base, patterns = _qr_layout(q)
    bits = np.zeros(len(rows), dtype=bool)
    packed = np.unpackbits(np.array(words, dtype=np.uint8)).astype(bool)[: len(rows)]
    bits[: len(packed)] = packed
    best = None
    for mask in range(8):
        m = base.copy()
        m[rows, cols] = bits ^ patterns[mask][rows, cols]
        where, values = _format_info(q, mask)
        m[where] = values
        score = _penalty(m)
        if best is None or score < best[0]:
            best = (score, m)
    assert best is not None
    return best[1]


def _codewords(q: qrcode.QRCode) -> list[int]:
    """The data and error correction codewords of ``q`` (what qrcode.util.create_data returns),
    with plain integer arithmetic instead of the library's bit-by-bit buffer and polynomial
    objects. Raises DataOverflowError when the data does not fit the version."""
    from qrcode import base, util

    bits = []
    for seg in q.data_list:
        data = seg.data
        bits.append(f"{seg.mode:04b}{len(seg):0{util.length_in_bits(seg.mode, q.version)}b}")
        if seg.mode == util.MODE_NUMBER:
            for i in range(0, len(data), 3):
                chunk = data[i : i + 3]
                bits.append(f"{int(chunk):0{(4, 7, 10)[len(chunk) - 1]}b}")
        elif seg.mode == util.MODE_ALPHA_NUM:
            for i in range(0, len(data), 2):
                chunk = data[i : i + 2]
                if len(chunk) == 2:
                    bits.append(f"{util.ALPHA_NUM.find(chunk[:1]) * 45 + util.ALPHA_NUM.find(chunk[1:]):011b}")
                else:
                    bits.append(f"{util.ALPHA_NUM.find(chunk):06b}")
        else:
            bits.append("".join(f"{b:08b}" for b in data))
    stream = "".join(bits)
    blocks = base.rs_blocks(q.version, q.error_correction)
    limit = sum(b.data_count * 8 for b in blocks)
    if len(stream) > limit:
        raise qrcode.exceptions.DataOverflowError("data too long")
    stream += "0" * min(limit - len(stream), 4)
    stream += "0" * (-len(stream) % 8)
    words = [int(stream[i : i + 8], 2) for i in range(0, len(stream), 8)]
    words += [0xEC, 0x11] * ((limit // 8 - len(words)) // 2 + 1)
    words = words[: limit // 8]
    dc, ec, offset = [], [], 0
    for b in blocks:
        part = words[offset : offset + b.data_count]
        offset += b.data_count
        dc.append(part)
        ec.append(_rs_remainder(part, b.total_count - b.data_count))
    out = [blk[i] for i in range(max(map(len, dc))) for blk in dc if i < len(blk)]
    out += [blk[i] for i in range(max(map(len, ec))) for blk in ec if i < len(blk)]
    return out


_generators: dict[int, list[int]] = {}


def _rs_remainder(data: list[int], n: int) -> list[int]:
    """Reed-Solomon error correction codewords (GF(256), generator prod (x - a^i), i < n)."""
    from qrcode.base import EXP_TABLE, LOG_TABLE

    gen = _generators.get(n)
    if gen is None:
        poly = [1]
        for i in range(n):
            nxt = [0] * (len(poly) + 1)
            for j, c in enumerate(poly):
                nxt[j] ^= c
                if c:
                    nxt[j + 1] ^= EXP_TABLE[(LOG_TABLE[c] + i) % 255]
            poly = nxt
        gen = _generators[n] = [LOG_TABLE[c] for c in poly[1:]]
    rem = [0] * n
    for d in data:
        factor = d ^ rem[0]
        rem = rem[1:] + [0]
        if factor:
            lf = LOG_TABLE[factor]
            for i, g in enumerate(gen):
                rem[i] ^= EXP_TABLE[(lf + g) % 255]
    return rem


_versions: dict[tuple, int] = {}  # segments (mode, length) -> smallest QR version
_layouts: dict[int, tuple] = {}
_formats: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}


def _blank(q: qrcode.QRCode) -> list[list]:
    from qrcode.main import copy_2d_array, precomputed_qr_blanks

    return copy_2d_array(precomputed_qr_blanks[q.version])


def _qr_layout(q: qrcode.QRCode) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[np.ndarray]]:
    """For the symbol's version: the data modules in placement order (rows, cols: the two-column
    zigzag of map_data), the function patterns (and version information) as booleans, and the
    eight mask patterns."""
    hit = _layouts.get(q.version)
    if hit is None:
        from qrcode.main import precomputed_qr_blanks

        saved = q.modules
        if q.version not in precomputed_qr_blanks:
            q.makeImpl(False, 0)
        q.modules = _blank(q)
        q.setup_type_info(False, 0)
        if q.version >= 7:
            q.setup_type_number(False)
        grid = q.modules
        q.modules = saved
        n = len(grid)
        rows, cols = [], []
        row, inc = n - 1, -1
        for col in range(n - 1, 0, -2):
            if col <= 6:
                col -= 1
            while True:
                for c in (col, col - 1):
                    if grid[row][c] is None:
                        rows.append(row)
                        cols.append(c)
                row += inc
                if row < 0 or row >= n:
                    row -= inc
                    inc = -inc
                    break
        base = np.array([[bool(v) for v in r] for r in grid], dtype=bool)
        i, j = np.indices((n, n))
        patterns = [
            (i + j) % 2 == 0,
            i % 2 == 0,
            j % 3 == 0,
            (i + j) % 3 == 0,
            (i // 2 + j // 3) % 2 == 0,
            (i * j) % 2 + (i * j) % 3 == 0,
            ((i * j) % 2 + (i * j) % 3) % 2 == 0,
            ((i * j) % 3 + (i + j) % 2) % 2 == 0,
        ]
        hit = _layouts[q.version] = (np.array(rows), np.array(cols), base, patterns)
    return hit


def _format_info(q: qrcode.QRCode, mask: int) -> tuple[np.ndarray, np.ndarray]:
    """(positions, values) of the format information for this mask."""
    key = (q.version, mask)
    hit = _formats.get(key)
    if hit is None:
        saved = q.modules
        q.modules = [[None] * q.modules_count for _ in range(q.modules_count)]
        q.setup_type_info(False, mask)
        where = np.array([[v is not None for v in row] for row in q.modules], dtype=bool)
        values = np.array([[bool(v) for v in row] for row in q.modules], dtype=bool)[where]
        q.modules = saved
        hit = _formats[key] = (where, values)
    return hit


#: 1011101 0000 and 0000 1011101 as 11-bit numbers (rule 3)
_FINDERS = (0b10111010000, 0b00001011101)


def _penalty(m: np.ndarray) -> int:
    """The mask penalty of ISO/IEC 18004 7.8.3 (rules 1 to 4), vectorised."""
    n = m.shape[0]
    both = np.concatenate((m, m.T))  # rows, then columns as rows
    # rule 1: each run of k >= 5 modules of one colour in a line scores k - 2
    change = np.ones((2 * n, n + 1), dtype=bool)
    change[:, 1:n] = both[:, 1:] != both[:, :-1]
    runs = np.diff(np.flatnonzero(change))  # across line ends the difference is 1
    score = int((runs[runs >= 5] - 2).sum())
    # rule 3: 1:1:3:1:1 finder-like patterns with four light modules on one side, 40 each
    win = np.zeros((2 * n, n - 10), dtype=np.int32)
    for k in range(11):
        win = (win << 1) | both[:, k : k + n - 10]
    score += 40 * int(((win == _FINDERS[0]) | (win == _FINDERS[1])).sum())
    # rule 2: each 2x2 block of one colour scores 3
    a = m[:-1, :-1]
    score += 3 * int(((a == m[1:, :-1]) & (a == m[:-1, 1:]) & (a == m[1:, 1:])).sum())
    # rule 4: 10 per 5 % away from half dark
    return score + 10 * int(abs(m.mean() * 100 - 50) // 5)


def qr_svg(text: str, *, module: int = 6, quiet: int = 4) -> str:
    """The QR of ``text`` (qr_matrix) as a standalone SVG: one path of dark squares on white,
    ``quiet`` modules of white around it (the standard's quiet zone), ``module`` px per module.
    The text itself is never written into the SVG."""
    m = qr_matrix(text)
    n = m.shape[0] + 2 * quiet
    rows, cols = np.nonzero(m)
    path = "".join(f"M{c + quiet} {r + quiet}h1v1h-1z" for r, c in zip(rows.tolist(), cols.tolist(), strict=True))
    size = n * module
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 {n} {n}" '
        f'shape-rendering="crispEdges"><rect width="{n}" height="{n}" fill="#fff"/>'
        f'<path d="{path}" fill="#000"/></svg>'
    )
