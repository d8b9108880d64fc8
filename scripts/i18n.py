"""Extract the Vietnamese source strings, update the English catalogue and fill it from
translations/en_glossary.tsv (Vietnamese<TAB>English, one per line), then compile.
A plural message (ngettext) is keyed by its Vietnamese singular and has two English forms:
Vietnamese<TAB>English singular<TAB>English plural.

    .venv/bin/python scripts/i18n.py          # extract + update + fill + compile
    .venv/bin/python scripts/i18n.py --check  # list source strings still without English
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "translations/en/LC_MESSAGES/messages.po"
GLOSSARY = ROOT / "translations/en_glossary.tsv"
BIN = Path(sys.executable).parent


def glossary() -> dict[str, str]:
    out = {}
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#") and "\t" in line:
            vi, en = line.split("\t", 1)
            out[vi] = en
    return out


def main() -> int:
    check = "--check" in sys.argv
    pybabel = str(BIN / "pybabel")
    subprocess.run(
        [
            pybabel,
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            "translations/messages.pot",
            "--no-location",
            "--omit-header",
            "--ignore-dirs=.venv tests migrations kiosk instance",
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            pybabel,
            "update",
            "-i",
            "translations/messages.pot",
            "-d",
            "translations",
            "--no-fuzzy-matching",
            "--ignore-obsolete",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with PO.open("rb") as fh:
        cat = read_po(fh, locale="en")
    words = glossary()
    missing = []
    for msg in cat:
        if not msg.id:
            continue
        key = msg.id if isinstance(msg.id, str) else msg.id[0]
        if key in words and not isinstance(msg.id, str):  # ngettext: (singular, plural)
            forms = words[key].split("\t")
            msg.string = (forms[0], forms[-1])
        elif key in words:
            msg.string = words[key]
        elif not msg.string:
            missing.append(key)
    with PO.open("wb") as fh:
        write_po(fh, cat, omit_header=False, no_location=True, width=100)
    subprocess.run([pybabel, "compile", "-d", "translations"], cwd=ROOT, check=True, capture_output=True)
    for m in missing:
        print("missing English:", m)
    return 1 if (check and missing) else 0


if __name__ == "__main__":
    sys.exit(main())
