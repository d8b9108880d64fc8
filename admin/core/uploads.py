"""instance/imports: the uploaded lists (guests, structure) kept until their preview is
confirmed, one folder and one expiry (IMPORT_PREVIEW_SECONDS, 1 h) for every area."""

from __future__ import annotations

import time
from pathlib import Path

from flask import current_app

from config import private_dir


def imports_dir() -> Path:
    """instance/imports (0700: the process umask is 077); uploads whose preview expired
    (IMPORT_PREVIEW_SECONDS, 1 h) are deleted on every visit here and at server start."""
    path = private_dir(Path(current_app.instance_path) / "imports")
    sweep_imports(path, current_app.config["IMPORT_PREVIEW_SECONDS"])
    return path


def sweep_imports(path: Path, max_age: float) -> int:
    """Delete uploaded lists older than ``max_age`` seconds; how many were deleted."""
    gone = 0
    for old in path.glob("*.bin"):
        try:
            if time.time() - old.stat().st_mtime > max_age:
                old.unlink(missing_ok=True)
                gone += 1
        except FileNotFoundError:
            pass
    return gone
