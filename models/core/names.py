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


_NAME_PART = re.compile(r"([\s'’\-]+)")


def title_case(text: object) -> str:
    """A person's name written one way: each word capitalised, the rest in lower case.

    "nguyễn thị thanh thủy" -> "Nguyễn Thị Thanh Thủy"; "NGUYỄN văn a" -> "Nguyễn Văn A".
    A letter after an apostrophe or a hyphen starts a part of its own, as in the names of the
    Central Highlands peoples: "h'hen niê" -> "H'Hen Niê", "y-moan" -> "Y-Moan".
    Every entry path (import, walk-in, nomination, exhibitor staff, edit) calls this one.
    """
    parts = _NAME_PART.split(clean(text))
    return "".join(p if _NAME_PART.fullmatch(p) else p[:1].upper() + p[1:].lower() for p in parts)


#: acronyms that fix_caps keeps in capitals (one list, here). Words with no vowel (TNHH, HĐND)
#: and words that are no Vietnamese syllable (ABC, FPT) are kept too, listed or not.
ACRONYMS = frozenset(
    {
        "UBND",
        "HĐND",
        "MTTQ",
        "UBMTTQ",
        "HTX",
        "TNHH",
        "CP",
        "MTV",
        "OCOP",
        "TP",
        "TX",
        "THT",
        "VN",
        "TW",
        "BCH",
        "BTV",
        "ĐBQH",
        "QH",
        "NN",
        "PTNT",
        "KH",
        "CN",
        "ĐT",
        "TT",
        "DL",
        "DN",
        "TM",
        "DV",
        "XNK",
        "BQL",
        "KCN",
        "KKT",
        "CCB",
        "LHPN",
        "HLHPN",
        "ĐTN",
        "TNCS",
        "HCM",
        "BHXH",
        "KBNN",
        "NHNN",
        "NHCSXH",
        "CAND",
        "QĐND",
        "HĐQT",
        "VTV",
        "VOV",
        "TTXVN",
        "UB",
        "SX",
        "KD",
        "SXKD",
        "XD",
        "GD",
        "ĐH",
        "THPT",
        "THCS",
        "TNMT",
        "GTVT",
        "VHTTDL",
        "LĐTBXH",
        "KHCN",
        "KHĐT",
        "BIDV",
        "VNPT",
    }
)
#: words after which a place name follows ("UBND TỈNH KHÁNH HÒA" -> "UBND tỉnh Khánh Hòa")
_PLACE_WORDS = (
    "tỉnh",
    "huyện",
    "thành phố",
    "thị xã",
    "xã",
    "phường",
    "thị trấn",
    "quận",
    "đặc khu",
    "tp",
    "tp.",
    "tx",
    "tx.",
    "thôn",
    "làng",
    "buôn",
)
_FOLDED_PLACE_WORDS = tuple({fold(w) for w in _PLACE_WORDS})
#: a place word that is part of an ordinary word is no place: "nông thôn" (countryside), "hợp tác
#: xã" (cooperative), "xã hội" (society), "làng nghề" (craft village), "buôn bán" (trade)
_NOT_PLACES = (("nông", "thôn"), ("tác", "xã"))
_NOT_PLACES_NEXT = (("xã", "hội"), ("làng", "nghề"), ("buôn", "bán"), ("thôn", "xóm"))
#: an agency word that is part of an ordinary word
_NOT_AGENCIES = frozenset(
    {("môi", "trường"), ("thị", "trường"), ("chiến", "trường"), ("hiện", "trường"), ("lập", "trường"), ("xã", "hội")}
)
#: the Party's committees: written "Tỉnh ủy", "Huyện ủy", "Đảng ủy", a place name after them
_COMMITTEES = ("tỉnh ủy", "tỉnh uỷ", "huyện ủy", "huyện uỷ", "thành ủy", "thành uỷ", "thị ủy", "thị uỷ",
               "quận ủy", "quận uỷ", "đảng ủy", "đảng uỷ")  # fmt: skip
#: what follows these agencies in lower case: "Ủy ban nhân dân", "Hội đồng nhân dân", "Tòa án nhân dân"
_LOWER_AFTER_AGENCY = ("nhân dân",)
#: proper names fix_caps always capitalises: the country and the provinces (63 before the 2025
#: merger; the 34 after it are among them), wherever they stand ("BÁO KHÁNH HÒA" -> "Báo Khánh Hòa")
PROPER_NAMES = (
    "Việt Nam", "Hồ Chí Minh", "An Giang", "Bà Rịa", "Vũng Tàu", "Bắc Giang", "Bắc Kạn", "Bạc Liêu",
    "Bắc Ninh", "Bến Tre", "Bình Định", "Bình Dương", "Bình Phước", "Bình Thuận", "Cà Mau", "Cần Thơ",
    "Cao Bằng", "Đà Nẵng", "Đắk Lắk", "Đắk Nông", "Điện Biên", "Đồng Nai", "Đồng Tháp", "Gia Lai",
    "Hà Giang", "Hà Nam", "Hà Nội", "Hà Tĩnh", "Hải Dương", "Hải Phòng", "Hậu Giang", "Hòa Bình",
    "Hưng Yên", "Khánh Hòa", "Kiên Giang", "Kon Tum", "Lai Châu", "Lâm Đồng", "Lạng Sơn", "Lào Cai",
    "Long An", "Nam Định", "Nghệ An", "Ninh Bình", "Ninh Thuận", "Phú Thọ", "Phú Yên", "Quảng Bình",
    "Quảng Nam", "Quảng Ngãi", "Quảng Ninh", "Quảng Trị", "Sóc Trăng", "Sơn La", "Tây Ninh",
    "Thái Bình", "Thái Nguyên", "Thanh Hóa", "Thừa Thiên Huế", "Huế", "Tiền Giang", "Trà Vinh",
    "Tuyên Quang", "Vĩnh Long", "Vĩnh Phúc", "Yên Bái", "Nha Trang", "Cam Ranh", "Trường Sa",
)  # fmt: skip
#: legal forms after which an enterprise's own name follows ("CÔNG TY TNHH YẾN SÀO" -> "... Yến Sào")
_LEGAL_FORMS = (
    "tnhh",
    "cp",
    "cổ phần",
    "htx",
    "hợp tác xã",
    "tht",
    "tổ hợp tác",
    "mtv",
    "một thành viên",
    "doanh nghiệp tư nhân",
    "dntn",
    "hộ kinh doanh",
    "cơ sở",
)
#: agencies whose name is capitalised with its next word ("SỞ CÔNG THƯƠNG" -> "Sở Công thương")
_AGENCIES = (
    "sở",
    "bộ",
    "ban",
    "ủy ban",
    "uỷ ban",
    "hội đồng",
    "hội",
    "phòng",
    "trung tâm",
    "văn phòng",
    "chi cục",
    "cục",
    "liên minh",
    "ngân hàng",
    "báo",
    "đài",
    "trường",
    "viện",
    "mặt trận",
    "liên đoàn",
    "đoàn",
    "phó",
    "công ty",
    "tổng công ty",
    "siêu thị",
    "nhà máy",
)
_VOWELS = set("aeiouy")
_SYLLABLE = re.compile(
    r"^(ngh|ng|nh|ch|gh|gi|kh|ph|th|tr|qu|[bcdghklmnprstvx])?[aeiouy]{1,3}"
    r"(ng|nh|ch|[cmnpt])?$"
)


def _is_acronym(word: str) -> bool:
    core = word.strip(".,;:()\"'")
    if not core or not any(ch.isalpha() for ch in core):
        return False
    if core.upper() in ACRONYMS or any(p in ACRONYMS for p in re.split(r"[&\-/.]", core) if p):
        return True
    plain = fold(core)
    letters = re.sub(r"[^a-z]", "", plain)
    if not any(ch in _VOWELS for ch in letters):
        return True  # TNHH, HĐND, NN&PTNT
    decomposed = unicodedata.normalize("NFD", core)
    has_marks = any(unicodedata.combining(ch) for ch in decomposed) or "Đ" in core or "đ" in core
    return not has_marks and _SYLLABLE.match(letters) is None  # ABC, FPT, VINA


def _phrase_at(words: list[str], i: int, phrases: tuple[str, ...]) -> int:
    """Length (in words) of the longest phrase of ``phrases`` starting at words[i], else 0."""
    best = 0
    for ph in phrases:
        parts = ph.split(" ")
        if [w.lower().strip(",;:") for w in words[i : i + len(parts)]] == parts:
            best = max(best, len(parts))
    return best


def fix_caps(text: object, names: tuple[str, ...] | list[str] = ()) -> str:
    """An ALL-CAPS position or organisation in ordinary Vietnamese capitals; any other text as is.

    "GIÁM ĐỐC" -> "Giám đốc"; "CÔNG TY TNHH ABC" -> "Công ty TNHH ABC";
    "UBND TỈNH KHÁNH HÒA" -> "UBND tỉnh Khánh Hòa"; "GIÁM ĐỐC SỞ CÔNG THƯƠNG" -> "Giám đốc Sở Công thương".
    Rules, in order: the first word is capitalised; acronyms (ACRONYMS, words without a vowel,
    words that are no Vietnamese syllable) stay in capitals; a place name after tỉnh / huyện /
    xã / TP ... and an enterprise's name after its legal form (TNHH, CP, HTX ...) are title-cased
    to the end or the next comma; an agency word (Sở, Ban, Hội ...) and the word after it are
    capitalised; ``names`` (e.g. the event's district names) keep their capitals wherever they
    occur. Pure: no database.
    """
    value = clean(text)
    if not any(ch.isalpha() for ch in value) or value != value.upper():
        return value
    words = value.split(" ")
    out = [w.lower() for w in words]
    keep = _kept_in_capitals(words)
    cap = _capitalised(words, out)
    folded = [fold(w.strip(",;:()")) for w in words]
    for name in (*PROPER_NAMES, *names):
        parts = _without_place_word(fold(name).split(" "))
        for j in range(len(words) - len(parts) + 1):
            if parts and folded[j : j + len(parts)] == parts:
                for k in range(j, j + len(parts)):
                    cap[k] = True
    cap[0] = True
    result = []
    for w, lo, c, k in zip(words, out, cap, keep, strict=True):
        if k:
            result.append(w)
        elif c:
            result.append(lo[:1].upper() + lo[1:] if lo[:1].isalpha() else lo[:2].upper() + lo[2:])
        else:
            result.append(lo)
    return " ".join(result)


def _kept_in_capitals(words: list[str]) -> list[bool]:
    """fix_caps: which words stay as written (acronyms)."""
    keep = [_is_acronym(w) for w in words]
    for j, w in enumerate(words):  # "TƯ" (trung ương) stands alone at the end; "ĐẦU TƯ" is a word
        if w.strip(",;:()") == "TƯ" and (j == len(words) - 1 or words[j + 1].startswith(("(", "-"))):
            keep[j] = j == 0 or words[j - 1].strip(",;:()") not in ("ĐẦU", "TƯ")
    return keep


def _capitalised(words: list[str], out: list[str]) -> list[bool]:
    """fix_caps: which words get a capital initial (place and enterprise names, agencies);
    ``out`` is ``words`` in lower case."""
    cap = [False] * len(words)
    proper = False
    i = 0
    while i < len(words):
        w = out[i]
        if proper and w in ("và", "-", "(") or w.startswith("("):
            proper = False
        n = _phrase_at(words, i, _COMMITTEES)
        if n:  # "Tỉnh ủy Khánh Hòa"
            cap[i], proper = True, True
            i += n
            continue
        n = _place_at(out, i)
        if n:  # the place word in lower case, the name after it capitalised: "tỉnh Khánh Hòa"
            proper = True
            i += n
            continue
        if proper:
            cap[i] = True
        n = _phrase_at(words, i, _LEGAL_FORMS)
        if n:
            proper = True
            i += n
            continue
        n = _phrase_at(words, i, _AGENCIES)
        if n and i and (out[i - 1], w) in _NOT_AGENCIES:
            n = 0  # "môi trường", "thị trường", "xã hội": an ordinary word, not a school or an association
        if n:
            _capitalise_agency(words, out, cap, i, n)
            i += n
            continue
        if words[i].endswith(","):
            proper = False
        i += 1
    return cap


def _without_place_word(parts: list[str]) -> list[str]:
    """A unit's name without its kind ("huyen cam lam" -> "cam lam"): the kind keeps its lower case."""
    n = _phrase_at(parts, 0, _FOLDED_PLACE_WORDS)
    return parts[n:] if 0 < n < len(parts) else parts


def _place_at(out: list[str], i: int) -> int:
    """Length of the place word ("tỉnh", "thị trấn" ...) at out[i], 0 when there is none or when
    it is part of an ordinary word ("nông thôn", "hợp tác xã", "xã hội")."""
    n = _phrase_at(out, i, _PLACE_WORDS)
    if n == 1 and (
        (i and (out[i - 1], out[i]) in _NOT_PLACES) or (i + 1 < len(out) and (out[i], out[i + 1]) in _NOT_PLACES_NEXT)
    ):
        return 0
    return n


def _capitalise_agency(words: list[str], out: list[str], cap: list[bool], i: int, n: int) -> None:
    """fix_caps: the agency word at ``i`` (``n`` words long) and the name after it."""
    # "Trưởng phòng Kinh tế", "Phó ban Tuyên giáo": a position, the unit's name follows
    cap[i] = not (i and out[i - 1] in ("trưởng", "phó"))
    if _phrase_at(out, i + n, _LOWER_AFTER_AGENCY):
        return  # "Ủy ban nhân dân", "Hội đồng nhân dân"
    if i + n >= len(words):
        return
    cap[i + n] = True
    # "Sở Nông nghiệp và Môi trường", "Phòng Lao động - Thương binh và Xã hội", "Sở Văn hóa, Thể thao
    # và Du lịch": each further field of the name (after "-", "và", or a comma with "và" to come)
    start = i + n + 1
    for _ in range(3):
        k = next((k for k in range(start, min(start + 2, len(words) - 1)) if _joins(words, out, k)), None)
        if k is None:
            return
        cap[k + 1], start = True, k + 2


def _joins(words: list[str], out: list[str], k: int) -> bool:
    """fix_caps: another field of an agency's name starts after words[k]."""
    if out[k] in ("và", "-"):
        return not words[k - 1].endswith(",")
    return words[k].endswith(",") and "và" in out[k + 1 : k + 4]


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
