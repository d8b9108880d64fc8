"""Password checks, bounded (issue 22 item 5): a flood of logins cannot take the CPU, the
memory or the server's threads from the check-ins, nor queue in front of the real users.

One werkzeug scrypt check costs about 0.1 s of one core and 32 MB (scrypt:32768:8:1). Checks
run on ``threads`` threads of their own per server process, at the lowest CPU priority (nice
19, per thread: Linux); hashlib.scrypt releases the GIL, so a check-in's thread never waits
for a hash, on the CPU or on the GIL. Waiting checks are taken in order of priority:

- ``TRUSTED``: a browser with a valid device cookie of the account it logs in to;
- ``CLEAN``: an address with no failed login in the window (a real user's first try);
- ``SUSPECT``: an address that has failed before (where a flood of guesses comes from).

At most ``queue`` checks wait in all, so logins never hold more than ``threads + queue`` of
the server's threads (pages keep the rest; check-ins have their own). When the queue is full,
a more urgent check takes the place of the newest less urgent one (that login is answered
"busy"); otherwise the new one is answered "busy" at once (None): nothing checked, nothing
counted, no server thread held. So a flood of guesses from addresses that failed before can
never keep the admin's browser, or the admin's own clean address, waiting behind it.
"""

from __future__ import annotations

import heapq
import itertools
import os
import threading
from concurrent.futures import CancelledError, Future
from concurrent.futures import TimeoutError as FutureTimeout

from werkzeug.security import check_password_hash, generate_password_hash

TRUSTED, CLEAN, SUSPECT = 0, 1, 2
#: seconds a login waits for its check before it is answered "busy" (a safety net: the queue
#: bound keeps the wait far shorter on a machine that is not overloaded)
WAIT_SECONDS = 30.0

_lock = threading.Lock()
_checkers: dict[tuple, Checker] = {}
_dummy: list[str] = []


def _low_priority() -> None:
    """Checker threads run at nice 19: any other work of the machine goes first."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    except (OSError, AttributeError):  # not Linux: the bound still holds
        pass


class Checker:
    """``threads`` threads running the most urgent waiting job; ``queue`` jobs waiting in all."""

    def __init__(self, threads: int, queue: int) -> None:
        self.queue = max(0, int(queue))
        self._cond = threading.Condition()
        self._heap: list[tuple[int, int, Future, tuple]] = []
        self._waiting = [0, 0, 0]
        self._seq = itertools.count()
        self._busy = 0
        self.threads = [
            threading.Thread(target=self._run, name=f"login-hash-{i}", daemon=True) for i in range(max(1, int(threads)))
        ]
        for t in self.threads:
            t.start()

    def submit(self, priority: int, fn, *args) -> Future | None:
        """A future of ``fn(*args)``, or None when the queue is full of jobs as urgent or more.
        A less urgent waiting job pushed out is cancelled (its waiter sees "busy")."""
        with self._cond:
            if sum(self._waiting) >= self.queue and not self._idle():
                worst = max((e for e in self._heap if not e[2].cancelled()), key=lambda e: (e[0], e[1]), default=None)
                if worst is None or worst[0] <= priority or not worst[2].cancel():
                    return None
                self._waiting[worst[0]] -= 1
            future: Future = Future()
            self._waiting[priority] += 1
            heapq.heappush(self._heap, (priority, next(self._seq), future, (fn, args)))
            self._cond.notify()
            return future

    def _idle(self) -> bool:
        return self._busy < len(self.threads) and not any(not e[2].cancelled() for e in self._heap)

    def _run(self) -> None:
        _low_priority()
        while True:
            with self._cond:
                while not self._heap:
                    self._cond.wait()
                priority, _seq, future, (fn, args) = heapq.heappop(self._heap)
                if future.cancelled():  # pushed out by a more urgent one: already uncounted
                    continue
                self._waiting[priority] -= 1
                self._busy += 1
            try:
                if future.set_running_or_notify_cancel():
                    try:
                        future.set_result(fn(*args))
                    except BaseException as exc:  # handed to the waiting login
                        future.set_exception(exc)
            finally:
                with self._cond:
                    self._busy -= 1

    def check(self, priority: int, pwhash: str, password: str) -> bool | None:
        """True / False, or None when busy (nothing was checked)."""
        future = self.submit(priority, check_password_hash, pwhash, password)
        if future is None:
            return None
        try:
            return bool(future.result(timeout=WAIT_SECONDS))
        except CancelledError:  # pushed out of the queue by a more urgent check
            return None
        except FutureTimeout:
            with self._cond:
                if future.cancel():  # still waiting: it will be skipped
                    self._waiting[priority] -= 1
            return None


def checker(threads: int = 1, queue: int = 3) -> Checker:
    key = (int(threads), int(queue))
    with _lock:
        found = _checkers.get(key)
        if found is None:
            found = _checkers[key] = Checker(threads, queue)
        return found


def dummy_hash() -> str:
    """A hash made the same way as real ones: an unknown user costs the same work."""
    with _lock:
        if not _dummy:
            _dummy.append(generate_password_hash("not-a-password-of-anyone"))
        return _dummy[0]


def check(pwhash: str | None, password: str, *, priority: int, threads: int = 1, queue: int = 3) -> bool | None:
    """Check ``password`` against ``pwhash`` (None: an unknown user, checked against a dummy
    hash: the same work) with ``priority`` (TRUSTED, CLEAN, SUSPECT). None: busy, try later."""
    ok = checker(threads, queue).check(priority, pwhash or dummy_hash(), password)
    return None if ok is None else (ok and pwhash is not None)


def _forget_after_fork() -> None:
    """A forked server process makes its own checker (threads do not survive a fork)."""
    global _lock
    _lock = threading.Lock()
    _checkers.clear()


os.register_at_fork(after_in_child=_forget_after_fork)
