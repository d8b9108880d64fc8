"""Dependency direction: admin/ -> models/ <- kiosk/. models never imports request, cv2, pyzbar,
admin or kiosk; the kiosk imports only the pure models.codes."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imports_of(folder: str) -> dict[str, set[str]]:
    found = {}
    for path in (ROOT / folder).rglob("*.py"):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
                names |= {f"{node.module}.{a.name}" for a in node.names}
        found[str(path.relative_to(ROOT))] = names
    return found


def test_models_stay_pure():
    for path, names in imports_of("models").items():
        bad = {n for n in names if n.split(".")[0] in ("cv2", "pyzbar", "admin", "kiosk",
                                                       "zxingcpp")}
        bad |= {n for n in names if n in ("flask.request", "flask.session", "flask.g")}
        assert not bad, (path, bad)


def test_kiosk_imports_only_codes_from_models():
    for path, names in imports_of("kiosk").items():
        from_models = {n for n in names if n.split(".")[0] == "models"}
        assert from_models <= {"models", "models.codes"}, (path, from_models)
        assert not {n for n in names if n.split(".")[0] in ("flask", "sqlalchemy", "admin")}, path
