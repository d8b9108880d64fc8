"""A throwaway PostgreSQL for the test session when no TEST_DATABASE_URL is given (issue 25, item
4): Debian's `postgresql` package (`make install-test`), `initdb` and `pg_ctl` in a temporary
folder, on a free port of 127.0.0.1, fsync off; stopped and removed when the session ends, passed
or failed. initdb refuses root: as root the server runs as the `postgres` system user.

    url, stop = start()   # postgresql://postgres@127.0.0.1:PORT/test
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
    "shared_buffers": "64MB",
}


def pg_bindir() -> Path | None:
    """The newest /usr/lib/postgresql/<ver>/bin with initdb, else initdb on the PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _owner() -> pwd.struct_passwd:
    """Under root, the user the server runs as: `postgres` (Debian's package makes it), else `nobody`."""
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        return pwd.getpwnam("nobody")


def _as_owner(argv: list[str]) -> list[str]:
    """Root runs the server's commands as that user (initdb refuses root)."""
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", _owner().pw_name, "--", *argv]


def _run(argv: list[str], log: Path) -> None:
    with log.open("ab") as out:
        done = subprocess.run(_as_owner(argv), stdout=out, stderr=subprocess.STDOUT, check=False, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed ({done.returncode}): {log.read_text(errors='replace')[-2000:]}")


def start() -> tuple[str, Callable[[], None]]:
    """Start the server; returns (url of its database `test`, stop). stop() is also run at exit.
    Tried three times: the free port may be taken between choosing it and the server binding it."""
    bindir = pg_bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL is not installed (Debian: `make install-test` installs `postgresql`)")
    for attempt in range(3):
        try:
            return _start_once(bindir)
        except RuntimeError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _start_once(bindir: Path) -> tuple[str, Callable[[], None]]:
    # as root, in /tmp: the server's user must reach the folder (a TMPDIR under /root it could not)
    root = Path(tempfile.mkdtemp(prefix="event-kiosk-pg-", dir="/tmp" if os.geteuid() == 0 else None))
    data, log, server_log = root / "data", root / "setup.log", root / "server.log"
    if os.geteuid() == 0:
        owner = _owner()
        os.chown(root, owner.pw_uid, owner.pw_gid)
    os.chmod(root, 0o700)
    port = _free_port()
    opts = " ".join(f"-c {k}={v}" for k, v in SETTINGS.items())
    opts += f" -c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={root}"
    stopped, owner_pid = False, os.getpid()

    def stop() -> None:
        nonlocal stopped
        if stopped or os.getpid() != owner_pid:  # a forked child's exit leaves the server alone
            return
        stopped = True
        if (data / "postmaster.pid").exists():
            subprocess.run(
                _as_owner([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
                capture_output=True,
                check=False,
                timeout=60,
            )
        shutil.rmtree(root, ignore_errors=True)

    atexit.register(stop)
    try:
        initdb = [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust"]
        _run([*initdb, "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"], log)
        pg_ctl = [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(server_log), "-o", opts]
        _run([*pg_ctl, "-w", "-t", "60", "start"], log)
        _run([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "test"], log)
    except BaseException as exc:
        told = server_log.read_text(errors="replace")[-1500:] if server_log.exists() else ""
        stop()
        if told and isinstance(exc, RuntimeError):
            raise RuntimeError(f"{exc}\nserver log: {told}") from exc
        raise
    return f"postgresql://postgres@127.0.0.1:{port}/test", stop
