"""Work on untrusted input in a child process that cannot stop the server (issue 22, item 3).

``run(func, args, limits)`` returns ``func(*args)`` computed in a child process:

- made by multiprocessing's "forkserver": a small clean process, started on first use with the
  libraries of ``preload`` (openpyxl) imported once, forks each child. Measured on the 2-core
  test machine: about 20 ms a child, against 0.45 s with "spawn" and 0.35 s for a fresh
  interpreter (``scripts/bench_spreadsheet.py``);
- before it reads a byte, the child lowers its priority (nice 19) and caps its address space
  (RLIMIT_AS, ``Limits.memory_mb``) and its CPU time (RLIMIT_CPU, ``Limits.cpu_seconds``); the
  parent kills it after ``Limits.wall_seconds``. Whatever the input makes it do, the server's
  threads keep the GIL and the server's memory does not grow: only the answer comes back;
- the answer comes back as bytes on a pipe, at most ``MAX_RESULT`` of them, unpickled with only
  plain values allowed (None, bool, int, float, str, bytes, lists, tuples, dicts, sets and the
  datetime types): a child fooled by its input cannot hand the server an object that runs code;
- at most ``READERS`` children per server process at once (each may use ``memory_mb``); another
  caller waits up to ``WAIT`` seconds for a turn, then gets ``Failed("busy")``.

An exception of one of ``expected`` raised by ``func`` is raised again in the parent (same
class, same message). Anything else ends in ``Failed`` whose ``reason`` says what happened:
"memory" (over the cap), "cpu" (over the CPU time), "timeout" (killed after the wall time),
"crashed" (died otherwise, or answered something not allowed), "too_big" (an answer over
MAX_RESULT), "busy".
"""

from __future__ import annotations

import io
import multiprocessing as mp
import os
import pickle
import signal
import threading
from dataclasses import dataclass
from multiprocessing import context, forkserver, popen_forkserver, reduction, spawn, util

#: children reading at once in one server process
READERS = 2
#: seconds a caller waits for a free reader
WAIT = 10.0
#: bytes of one answer (a guest list of 50,000 rows x 12 cells pickles to about 20 MB)
MAX_RESULT = 200 * 1024 * 1024

_slots = threading.BoundedSemaphore(READERS)
_lock = threading.Lock()
_context: mp.context.BaseContext | None = None


@dataclass(frozen=True)
class Limits:
    """What one child may use: address space (MB), CPU seconds, seconds of wall time."""

    memory_mb: int
    cpu_seconds: int
    wall_seconds: float


class Failed(RuntimeError):
    """The child did not answer. ``reason``: memory, cpu, timeout, crashed, too_big, busy."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- in the child ------------------------------------------------------------------------------


def _confine(limits: Limits) -> None:
    import resource

    try:
        os.nice(19)
    except OSError:
        pass
    size = limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (size, size))
    cpu = max(1, int(limits.cpu_seconds))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))


def _child(conn, func, args: tuple, limits: Limits, expected: tuple) -> None:
    """The child's whole life: confine, compute, answer once, exit."""
    try:
        _confine(limits)
        try:
            answer = ("ok", func(*args))
        except expected as exc:
            answer = ("error", str(exc))
        except MemoryError:
            answer = ("failed", "memory")
        except RecursionError:
            answer = ("failed", "crashed")
        blob = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        del answer
        conn.send_bytes(blob)
    except MemoryError:
        _send_quietly(conn, ("failed", "memory"))
    except Exception:  # anything else: the parent says "crashed"; no traceback on the server's terminal
        _send_quietly(conn, ("failed", "crashed"))
    finally:
        conn.close()


def _send_quietly(conn, answer: tuple) -> None:
    try:
        conn.send_bytes(pickle.dumps(answer))
    except Exception:
        pass


# --- in the parent -----------------------------------------------------------------------------

_PLAIN = {("datetime", n) for n in ("datetime", "date", "time", "timedelta", "timezone")}


class _PlainUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) in _PLAIN:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not a plain value")


def plain_loads(blob: bytes):
    """Unpickle values made of the plain types only (see the module docstring)."""
    return _PlainUnpickler(io.BytesIO(blob)).load()


def _get_context(preload: tuple[str, ...]):
    """The forkserver, preloading only installed libraries (openpyxl): it ignores the parent's
    sys.path, so the project's own modules are imported in each child, after multiprocessing has
    given it the parent's sys.path and folder (a few ms)."""
    global _context
    with _lock:
        if _context is None:
            ctx = mp.get_context("forkserver")
            ctx.set_forkserver_preload(list(preload))
            _context = ctx
        return _context


class _Popen(popen_forkserver.Popen):
    """multiprocessing's forkserver launch, less the re-import of the parent's main module in
    the child (``flask``'s script under ``serve``, a script without a ``__main__`` guard):
    the child needs only the parent's sys.path and folder. (The body of the standard
    ``_launch``, Python 3.11-3.13, with those two keys left out.)"""

    def _launch(self, process_obj):
        prep_data = spawn.get_preparation_data(process_obj._name)
        prep_data.pop("init_main_from_name", None)
        prep_data.pop("init_main_from_path", None)
        buf = io.BytesIO()
        context.set_spawning_popen(self)
        try:
            reduction.dump(prep_data, buf)
            reduction.dump(process_obj, buf)
        finally:
            context.set_spawning_popen(None)
        self.sentinel, w = forkserver.connect_to_new_process(self._fds)
        _parent_w = os.dup(w)  # the child sees the parent alive while this is open
        self.finalizer = util.Finalize(self, util.close_fds, (_parent_w, self.sentinel))
        with open(w, "wb", closefd=True) as f:
            f.write(buf.getbuffer())
        self.pid = forkserver.read_signed(self.sentinel)


class _Process(context.ForkServerProcess):
    @staticmethod
    def _Popen(process_obj):  # noqa: N802 (multiprocessing's name)
        return _Popen(process_obj)


def run(func, args: tuple, limits: Limits, *, expected: tuple = (), preload: tuple[str, ...] = ()):
    """``func(*args)`` in a confined child (see the module docstring). ``func`` is a module-level
    function; its arguments and answer are pickled."""
    if not _slots.acquire(timeout=WAIT):
        raise Failed("busy")
    try:
        answer = _run(func, args, limits, expected, preload)
    finally:
        _slots.release()
    if answer[0] == "ok":
        return answer[1]
    if answer[0] == "error" and expected:
        raise expected[0](answer[1])
    raise Failed(answer[1] if answer[0] == "failed" else "crashed")


def _run(func, args: tuple, limits: Limits, expected: tuple, preload: tuple[str, ...]) -> tuple:
    ctx = _get_context(preload)
    recv, send = ctx.Pipe(duplex=False)
    proc = _Process(target=_child, args=(send, func, args, limits, expected), daemon=True)
    proc.start()
    send.close()
    timed_out = threading.Event()

    def watchdog() -> None:  # also ends a child stuck half-way through its answer
        timed_out.set()
        _kill(proc)

    timer = threading.Timer(limits.wall_seconds, watchdog)
    timer.daemon = True
    timer.start()
    try:
        answer = _receive(recv, limits.wall_seconds)
    finally:
        timer.cancel()
        recv.close()
        _kill(proc)
        proc.join(5)
    code = proc.exitcode
    try:
        proc.close()
    except ValueError:  # still running after a kill and 5 s: left to the daemon clean-up
        pass
    if answer is not None:
        return answer
    if timed_out.is_set():
        return ("failed", "timeout")
    if code == -signal.SIGXCPU:
        return ("failed", "cpu")
    return ("failed", "crashed")


def _receive(recv, seconds: float) -> tuple | None:
    """The child's answer; ("failed", "timeout") when none came in ``seconds``, None when it
    died or was killed before answering."""
    try:
        if not recv.poll(seconds):
            return ("failed", "timeout")
        blob = recv.recv_bytes(MAX_RESULT)
    except EOFError:
        return None
    except OSError:  # longer than MAX_RESULT ("bad message length")
        return ("failed", "too_big")
    try:
        answer = plain_loads(blob)
    except Exception:
        return ("failed", "crashed")
    if not isinstance(answer, tuple) or not answer or answer[0] not in ("ok", "error", "failed"):
        return ("failed", "crashed")
    return answer


def _kill(proc) -> None:
    try:
        if proc.exitcode is None:
            proc.kill()
    except (OSError, ValueError, AttributeError):
        pass
