"""Password checks, bounded (issue 22 item 5): a flood of logins cannot take the CPU, the
memory or the server's threads from the check-ins.

One werkzeug scrypt check costs about 0.1 s of one core and 32 MB (scrypt:32768:8:1). Checks
run on a few threads of their own ("lanes"), at the lowest CPU priority (nice 19, per thread:
Linux), and hashlib.scrypt releases the GIL: a check-in's thread is never waiting for a
hash, on the CPU or on the GIL. Two lanes: ``trusted`` for browsers with a valid device
cookie of the account they log in to, ``untrusted`` for every other attempt, so a flood of
anonymous guesses never queues in front of the admin's own browser. Each lane runs
``threads`` checks at a time and lets at most ``queue`` more wait; an attempt beyond that is
answered "busy" at once (None) without checking anything, and holds no server thread.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

from werkzeug.security import check_password_hash, generate_password_hash

#: seconds a login waits for its check before it is answered "busy" (a safety net: the queue
#: bound keeps the wait far shorter)
WAIT_SECONDS = 30.0

_lock = threading.Lock()
_lanes: dict[tuple, Lane] = {}
_dummy: list[str] = []


def _low_priority() -> None:
    """Lane threads run at nice 19: any other work of the machine goes first."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    except (OSError, AttributeError):  # not Linux: the lane bound still holds
        pass


class Lane:
    """At most ``threads`` password checks at once, ``queue`` more waiting."""

    def __init__(self, name: str, threads: int, queue: int) -> None:
        self.threads = max(1, int(threads))
        self.pool = ThreadPoolExecutor(self.threads, thread_name_prefix=f"login-hash-{name}", initializer=_low_priority)
        self.slots = threading.BoundedSemaphore(self.threads + max(0, int(queue)))

    def check(self, pwhash: str, password: str) -> bool | None:
        """True / False, or None when the lane is full (nothing was checked)."""
        if not self.slots.acquire(blocking=False):
            return None
        try:
            future = self.pool.submit(check_password_hash, pwhash, password)
        except RuntimeError:  # pool shut down
            self.slots.release()
            return None
        future.add_done_callback(lambda _f: self.slots.release())
        try:
            return bool(future.result(timeout=WAIT_SECONDS))
        except TimeoutError:
            return None


def lane(trusted: bool, threads: int, queue: int) -> Lane:
    key = ("trusted" if trusted else "untrusted", int(threads), int(queue))
    with _lock:
        found = _lanes.get(key)
        if found is None:
            found = _lanes[key] = Lane(key[0], threads, queue)
        return found


def dummy_hash() -> str:
    """A hash made the same way as real ones: an unknown user costs the same work."""
    with _lock:
        if not _dummy:
            _dummy.append(generate_password_hash("not-a-password-of-anyone"))
        return _dummy[0]


def check(pwhash: str | None, password: str, *, trusted: bool, threads: int = 1, queue: int = 4) -> bool | None:
    """Check ``password`` against ``pwhash`` (None: an unknown user, checked against a dummy
    hash: the same work) on the trusted or untrusted lane. None: the lane is full, try later."""
    ok = lane(trusted, threads, queue).check(pwhash or dummy_hash(), password)
    return None if ok is None else (ok and pwhash is not None)


def _forget_after_fork() -> None:
    """A forked server process makes its own lanes (a pool's threads do not survive a fork)."""
    global _lock
    _lock = threading.Lock()
    _lanes.clear()


os.register_at_fork(after_in_child=_forget_after_fork)
