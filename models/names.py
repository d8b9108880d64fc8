"""Vietnamese names: NFC normalisation, accent-insensitive folding, Vietnamese sort order.

Pure functions; no database.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")

# Vietnamese alphabet order, with the foreign letters f j w z where they fall in Latin order.
ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_RANK = {ch: i for i, ch in enumerate(ALPHABET)}
# tone order used by Vietnamese dictionaries: ngang, huyền, hỏi, ngã, sắc, nặng
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_SHAPES = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn: part of the letter


def clean(text: object) -> str:
    """NFC, trimmed, inner white space collapsed, control characters removed."""
    if text is None:
        return ""
    value = unicodedata.normalize("NFC", str(text))
    value = "".join(ch for ch in value if ch in "\t\n " or unicodedata.category(ch)[0] != "C")
    return _SPACES.sub(" ", value).strip()


def fold(text: object) -> str:
    """Lower case without accents, for search: "Đặng Thị Ánh" -> "dang thi anh"."""
    value = unicodedata.normalize("NFD", clean(text).replace("đ", "d").replace("Đ", "D"))
    value = "".join(ch for ch in value if not unicodedata.combining(ch))
    return value.lower()


def title_case(text: object) -> str:
    """Capitalise each word: "NGUYỄN văn a" -> "Nguyễn Văn A"."""
    return " ".join(w[:1].upper() + w[1:].lower() for w in clean(text).split(" ") if w)


def _letter_key(word: str) -> tuple[str, str]:
    base: list[str] = []
    tones: list[str] = []
    for ch in unicodedata.normalize("NFC", word.lower()):
        parts = unicodedata.normalize("NFD", ch)
        letter, marks = parts[0], parts[1:]
        tone = 0
        for m in marks:
            if m in _SHAPES:
                letter = unicodedata.normalize("NFC", letter + m)
            elif m in _TONES:
                tone = _TONES[m]
        rank = _RANK.get(letter)
        base.append(chr(0x100 + rank) if rank is not None else letter)
        tones.append(str(tone))
    return "".join(base), "".join(tones)


def sort_key(full_name: object) -> str:
    """A string key that sorts names the Vietnamese way: given name (the last word) first,
    then the family and middle names; letters in Vietnamese alphabet order (a < ă < â, d < đ),
    the tone breaking a tie within a word (Anh < Ánh < Ảnh is wrong: ngang, huyền, hỏi, ngã,
    sắc, nặng: Anh < Ảnh < Ánh). Stored in a column so the database can ORDER BY it."""
    words = clean(full_name).split(" ")
    if not words or words == [""]:
        return ""
    ordered = [words[-1], *words[:-1]]
    # each word: its letters, then its tones (a tone only breaks a tie between equal letters
    # of the same word); the given name is compared completely before the family name.
    return "\u0002".join(base + "\u0001" + tones for base, tones in map(_letter_key, ordered))


def given_name(full_name: object) -> str:
    words = clean(full_name).split(" ")
    return words[-1] if words else ""
