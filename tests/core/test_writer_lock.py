"""models.core.database.WriterLock: SQLite's single writer as a queue, across threads and across
processes (serve --workers N shares one database file)."""

import multiprocessing as mp
import threading

import pytest

from models.core.database import WriterLock


def _hold(path: str, held, release) -> None:
    lock = WriterLock()
    lock.acquire(path)
    held.set()
    release.wait(20)
    lock.release()


def test_a_second_process_waits_for_the_first(tmp_path):
    path = str(tmp_path / "event.db")
    ctx = mp.get_context("fork")
    held, release = ctx.Event(), ctx.Event()
    child = ctx.Process(target=_hold, args=(path, held, release))
    child.start()
    try:
        assert held.wait(10)
        mine = WriterLock()
        got = threading.Event()

        def take() -> None:
            mine.acquire(path)
            got.set()
            mine.release()

        t = threading.Thread(target=take, daemon=True)
        t.start()
        assert not got.wait(0.5)  # the other process holds the file lock
        release.set()
        assert got.wait(10)  # and it is ours the moment they let go
        t.join(5)
    finally:
        release.set()
        child.join(10)


def test_threads_take_turns_and_the_lock_is_reentrant(tmp_path):
    path = str(tmp_path / "event.db")
    lock = WriterLock()
    inside, order = [0], []

    def work(n: int) -> None:
        for _ in range(50):
            lock.acquire(path)
            lock.acquire(path)  # nested (a write transaction inside a request that writes)
            inside[0] += 1
            assert inside[0] == 1
            inside[0] -= 1
            order.append(n)
            lock.release()
            lock.release()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert len(order) == 200


def test_release_by_a_thread_that_does_not_hold_it_is_refused(tmp_path):
    lock = WriterLock()
    lock.acquire(str(tmp_path / "event.db"))
    errors = []

    def other() -> None:
        try:
            lock.release()
        except RuntimeError as exc:
            errors.append(exc)

    t = threading.Thread(target=other)
    t.start()
    t.join(5)
    assert errors
    lock.release()
    with pytest.raises(RuntimeError):
        lock.release()


def test_a_forked_worker_opens_its_own_lock_file(tmp_path):
    """A descriptor inherited over fork shares its flock with the parent: the child must not
    use it, or parent and child would both 'hold' the lock at once."""
    path = str(tmp_path / "event.db")
    lock = WriterLock()
    lock.acquire(path)  # the parent holds the lock (and has its descriptor open)
    ctx = mp.get_context("fork")
    receive, result = ctx.Pipe(duplex=False)

    def child() -> None:
        import fcntl
        import os

        lock._thread_lock = threading.RLock()  # a forked copy: no other thread here
        lock._depth, lock._owner, lock._held_fd = 0, None, None
        fd = lock._fd(path)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            result.send("acquired")  # wrong: the parent holds it
        except BlockingIOError:
            result.send("blocked")
        os._exit(0)

    p = ctx.Process(target=child)
    p.start()
    try:
        assert receive.poll(10) and receive.recv() == "blocked"
    finally:
        p.join(10)
        lock.release()
