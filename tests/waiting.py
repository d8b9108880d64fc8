"""Waiting on what a test waits for, not on the clock: ``wait_until(predicate, timeout)`` asks
the predicate again and again (a short pause between) until it gives something true, and fails
the test with a message if the deadline passes first. A fixed ``time.sleep`` either waits too
long or, on a busy machine, not long enough."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def wait_until(predicate: Callable[[], T], timeout: float = 30.0, interval: float = 0.02, what: str = "") -> T:
    """The first true value ``predicate()`` returns within ``timeout`` seconds; AssertionError
    (naming ``what``) when it never does."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"waited {timeout:g} s in vain{': ' + what if what else ''}")
        time.sleep(interval)


def group_gone(pgid: int) -> bool:
    """No live process of the process group ``pgid`` is left (a server and its workers; zombies
    waiting for a parent that never reaps them count as gone)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            return False
    return True
