"""Probe a running Event Kiosk server with the attacks one phone on the venue's Wi-Fi can make,
by class, and print a table (class, what was sent, result, verdict). For the organiser's IT, the
day before the event:

    .venv/bin/python scripts/probe.py --url http://192.168.1.10:8000 [--token DEVICE_TOKEN]
        [--code BADGE_CODE] [--source ADDRESS] [--pid SERVER_PID] [--flood 3000] [--addresses 1] [--slow 50]
        [--slow-seconds 45] [--body-mb 1000] [--json]

Classes (each bounded in connections, bytes and seconds):

- connection flood, idle: ``--flood`` connections opened and held, sending nothing; how many the
  server keeps (its cap per address) and whether it is still up.
- check-in latency while the flood is held: ``--checkins`` check-ins, each on a new connection
  from ``--source`` (another address of this machine; for a loopback URL 127.0.0.2 by default;
  otherwise two held connections are let go first, so the probe fits under the cap).
- connection flood, slow: ``--slow`` connections sending a header byte a second; the server
  must close them (its header deadline, 20 s) within ``--slow-seconds``; check-in latency
  meanwhile.
- oversized declared body: a POST to ``--body-path`` declaring ``--body-mb`` MB, headers only;
  the answer must be 413 before any body byte is sent.
- oversized chunked body: the same size streamed in 1 MB chunks; the server must answer 413
  and stop reading near its limit (bytes the probe could send are reported).
- odd digits in ids and the query ("²", "١", "１", "+1", " 1", "1_0"): 400 or 404, never 500
  (another status, e.g. a redirect to the login page because the route took "١" for 1, is a
  "note": not a failure, but the digit was read as a number).
- login throttling sanity: ``--logins`` wrong passwords for a made-up user: refused (401/429,
  or the login form again), never 500, never logged in.

With ``--token`` the check-ins are real requests of a kiosk (``--code``, default a code that
cannot be valid: the server records an ``invalid`` scan); without it they are unauthenticated
(401), which still goes through the server's whole connection path. ``--pid`` (the `serve`
process, on the server laptop) adds the server's memory (RSS), open descriptors and bytes
written to files during each class. Exit status 1 when any verdict is FAIL.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import select
import socket
import statistics
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlparse

ODD_DIGITS = ("²", "١", "１", "+1", " 1", "1_0")
MB = 1024 * 1024


@dataclass
class Target:
    host: str
    port: int
    source: str | None = None  # local address of the check-in probe
    token: str = ""
    code: str = "EK1PROBE"
    pid: int | None = None
    rows: list[dict] = field(default_factory=list)

    def row(self, cls: str, sent: str, result: str, verdict: str, **figures) -> dict:
        row = {"class": cls, "sent": sent, "result": result, "verdict": verdict, **figures}
        self.rows.append(row)
        return row


def raise_open_file_limit() -> int:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


# ---- the server's own figures (--pid, on the server laptop) ----


def _tree(pid: int) -> list[int]:
    """pid and its children (the workers of `serve`)."""
    pids = [pid]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            pids.append(int(stat.parent.name))
    return pids


def server_figures(pid: int | None) -> dict:
    """RSS (MB), open descriptors and bytes written to files (wchar) of the server's processes."""
    if not pid:
        return {}
    rss = fds = wchar = 0
    for p in _tree(pid):
        try:
            status = Path(f"/proc/{p}/status").read_text()
            rss += int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) * 1024
            fds += len(list(Path(f"/proc/{p}/fd").iterdir()))
            wchar += int(re.search(r"wchar: (\d+)", Path(f"/proc/{p}/io").read_text()).group(1))
        except (OSError, AttributeError):
            continue
    return {"rss_mb": round(rss / MB, 1), "fds": fds, "wchar": wchar}


# ---- connections ----


def connect(t: Target, source: str | None = None, timeout: float = 3.0) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in t.host else socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    if source:
        sock.bind((source, 0))
    sock.connect((t.host, t.port))
    return sock


def open_many(t: Target, n: int, deadline_s: float = 60.0, sources=(None,)) -> tuple[list[socket.socket], int]:
    """n connections, taking the local addresses ``sources`` in turn (None: this machine's
    address), those that open within the deadline; (sockets, failed)."""
    socks, failed, stop = [], 0, time.monotonic() + deadline_s
    for i in range(n):
        if time.monotonic() > stop:
            failed += 1
            continue
        try:
            socks.append(connect(t, sources[i % len(sources)], timeout=2.0))
        except OSError:
            failed += 1
    return socks, failed


def flood_sources(t: Target, addresses: int) -> tuple:
    """Where the flood comes from: this address, or (loopback only) 127.0.1.1 .. 127.0.1.N."""
    if addresses <= 1 or not t.host.startswith("127."):
        return (None,)
    return tuple(f"127.0.1.{i}" for i in range(1, addresses + 1))


def closed_by_server(socks: list[socket.socket]) -> set[int]:
    """Indexes of the connections the server has closed (or answered: a refusal) by now."""
    poller = select.poll()  # select() cannot watch more than 1,024 descriptors
    for s in socks:
        poller.register(s.fileno(), select.POLLIN | select.POLLHUP | select.POLLERR)
    ready = {fd for fd, _ in poller.poll(0)}
    return {i for i, s in enumerate(socks) if s.fileno() in ready}


def close_all(socks: list[socket.socket]) -> None:
    for s in socks:
        try:
            s.close()
        except OSError:
            pass


def request(t: Target, method: str, path: str, body: bytes = b"", headers: dict | None = None, source=None):
    """One request on a new connection: (status, body, seconds) or (None, error, seconds)."""
    t0 = time.perf_counter()
    try:
        conn = http.client.HTTPConnection(t.host, t.port, timeout=10, source_address=(source, 0) if source else None)
        conn.request(method, path, body=body or None, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        return resp.status, data, time.perf_counter() - t0
    except (OSError, http.client.HTTPException) as exc:
        return None, str(exc).encode(), time.perf_counter() - t0


def checkin(t: Target, source=None):
    body = json.dumps({"code": t.code, "station": "probe", "scan_id": uuid.uuid4().hex}).encode()
    headers = {"Content-Type": "application/json", "Connection": "close"}
    if t.token:
        headers["Authorization"] = f"Bearer {t.token}"
    return request(t, "POST", "/api/v1/checkins", body, headers, source=source)


def latency_probe(t: Target, count: int, source=None) -> dict:
    """``count`` check-ins one after another, each on a new connection: statuses and times."""
    statuses, times = [], []
    for _ in range(count):
        status, _body, seconds = checkin(t, source)
        statuses.append(status)
        times.append(seconds)
    answered = [s for s in statuses if s is not None and s < 500]
    return {
        "answered": len(answered),
        "count": count,
        "statuses": sorted({str(s) for s in statuses}),
        "p50_ms": round(statistics.median(times) * 1000, 1),
        "max_ms": round(max(times) * 1000, 1),
    }


def _latency_row(t: Target, cls: str, count: int, source, what: str) -> dict:
    lat = latency_probe(t, count, source)
    ok = lat["answered"] == count and lat["max_ms"] < 1000
    result = (
        f"{lat['answered']}/{count} answered ({', '.join(lat['statuses'])}), "
        f"p50 {lat['p50_ms']} ms, max {lat['max_ms']} ms"
    )
    return t.row(cls, what, result, "ok" if ok else "FAIL", **lat)


def flood_idle(t: Target, n: int, checkins: int, addresses: int = 1) -> None:
    """Hold n idle connections; count what the server keeps; time check-ins meanwhile."""
    before = server_figures(t.pid)
    sources = flood_sources(t, addresses)
    socks, failed = open_many(t, n, sources=sources)
    time.sleep(1.0)
    gone = closed_by_server(socks)
    held = len(socks) - len(gone)
    during = server_figures(t.pid)
    up = request(t, "GET", "/login", source=t.source)[0] == 200 if t.source else None
    freed: list[socket.socket] = []
    if not t.source and sources == (None,):  # the probe itself counts against the cap: free two
        freed = [s for i, s in enumerate(socks) if i not in gone][:2]
        close_all(freed)
        time.sleep(0.2)
    figures = {"held": held, "refused": len(gone), "failed": failed, **{f"server_{k}": v for k, v in during.items()}}
    if before:
        figures["server_rss_mb_before"] = before["rss_mb"]
    result = f"{held} still open after 1 s, {len(gone)} refused or closed, {failed} could not connect"
    if during:
        result += f"; server RSS {before.get('rss_mb')} → {during['rss_mb']} MB, {during['fds']} descriptors"
    verdict = "ok" if up is not False else "FAIL"
    origin = f"from {len(sources)} addresses" if len(sources) > 1 else "from one address"
    t.row("connection flood (idle)", f"{n} connections {origin}, held, nothing sent", result, verdict, **figures)
    what = f"{checkins} check-ins, each on a new connection" + (f" from {t.source}" if t.source else "")
    _latency_row(t, "check-in latency during the flood", checkins, t.source, what + f", {held} idle held")
    close_all(socks)


def flood_slow(t: Target, n: int, seconds: float, checkins: int) -> None:
    """n connections sending one header byte a second; when did the server close them?"""
    socks, failed = open_many(t, n)
    opened = time.monotonic()
    start = b"GET /login HTTP/1.1\r\nHost: probe\r\nX-Slow: "
    for s in socks:
        try:
            s.sendall(start)
        except OSError:
            pass
    closed_at: dict[int, float] = {}
    lat = None
    while len(closed_at) < len(socks) and time.monotonic() - opened < seconds:
        for i in closed_by_server(socks) - set(closed_at):
            closed_at[i] = time.monotonic() - opened
        for i, s in enumerate(socks):
            if i not in closed_at:
                try:
                    s.send(b"a")
                except OSError:
                    closed_at[i] = time.monotonic() - opened
        if lat is None and time.monotonic() - opened > 3:
            lat = _latency_row(
                t,
                "check-in latency during the slow flood",
                checkins,
                t.source,
                f"{checkins} check-ins while {len(socks)} connections dribble",
            )
        time.sleep(1.0)
    close_all(socks)
    last = max(closed_at.values(), default=0.0)
    result = f"server closed {len(closed_at)}/{len(socks)}" + (f", the last after {last:.0f} s" if closed_at else "")
    verdict = "ok" if len(closed_at) == len(socks) and socks else "FAIL"
    t.row(
        "connection flood (slow)",
        f"{n} connections, a header byte a second (for at most {seconds:.0f} s)",
        result + (f"; {failed} could not connect" if failed else ""),
        verdict,
        closed=len(closed_at),
        opened=len(socks),
        last_closed_s=round(last, 1),
    )


# ---- bodies ----


def _answer(sock: socket.socket, wait: float) -> tuple[int | None, bytes]:
    """The status of whatever the server answered within ``wait`` seconds (None: nothing)."""
    sock.settimeout(wait)
    data = b""
    try:
        while b"\r\n" not in data:
            part = sock.recv(4096)
            if not part:
                break
            data += part
    except OSError:
        pass
    m = re.match(rb"HTTP/1\.[01] (\d{3})", data)
    return (int(m.group(1)) if m else None), data


def _unreachable(t: Target, cls: str, sent: str, exc: OSError) -> None:  # a FAIL row, no traceback
    t.row(cls, sent, f"could not connect: {exc}", "FAIL", status=None)


def declared_body(t: Target, path: str, size: int) -> None:
    """Headers declaring ``size`` bytes, no body: the answer must come at once."""
    before = server_figures(t.pid)
    try:
        sock = connect(t, t.source)
    except OSError as exc:
        _unreachable(t, "oversized declared body", f"POST {path}", exc)
        return
    t0 = time.perf_counter()
    sock.sendall(
        f"POST {path} HTTP/1.1\r\nHost: probe\r\nContent-Type: application/octet-stream\r\n"
        f"Content-Length: {size}\r\n\r\n".encode()
    )
    status, _ = _answer(sock, 10.0)
    seconds = time.perf_counter() - t0
    sock.close()
    written = _written(before, server_figures(t.pid))
    result = f"{status or 'no answer in 10 s'} after {seconds * 1000:.0f} ms, 0 body bytes sent" + written
    t.row(
        "oversized declared body",
        f"POST {path}, Content-Length {size / MB:.0f} MB, headers only",
        result,
        "ok" if status == 413 else "FAIL",
        status=status,
        seconds=round(seconds, 3),
    )


def chunked_body(t: Target, path: str, size: int) -> None:
    """``size`` bytes in 1 MB chunks until the server answers or stops reading."""
    before = server_figures(t.pid)
    try:
        sock = connect(t, t.source)
    except OSError as exc:
        _unreachable(t, "oversized chunked body", f"POST {path}", exc)
        return
    t0 = time.perf_counter()
    sock.sendall(
        f"POST {path} HTTP/1.1\r\nHost: probe\r\nContent-Type: application/octet-stream\r\n"
        "Transfer-Encoding: chunked\r\n\r\n".encode()
    )
    chunk = b"%x\r\n" % MB + b"x" * MB + b"\r\n"
    sent, status = 0, None
    sock.settimeout(5.0)
    while sent < size and time.perf_counter() - t0 < 120:
        if closed_by_server([sock]):
            break
        try:
            sock.sendall(chunk)
        except OSError:  # the server stopped reading and closed
            break
        sent += MB
    status, _ = _answer(sock, 5.0)
    seconds = time.perf_counter() - t0
    sock.close()
    written = _written(before, server_figures(t.pid))
    result = f"{status or 'no answer'} after {sent / MB:.0f} MB sent in {seconds:.1f} s" + written
    ok = status == 413 and sent < size
    t.row(
        "oversized chunked body",
        f"POST {path}, chunked, up to {size / MB:.0f} MB in 1 MB chunks",
        result,
        "ok" if ok else "FAIL",
        status=status,
        sent_mb=round(sent / MB, 1),
    )


def _written(before: dict, after: dict) -> str:
    if not before or not after:
        return ""
    return f"; server wrote {(after['wchar'] - before['wchar']) / MB:.1f} MB to files"


# ---- odd digits, logins ----


def odd_digits(t: Target) -> None:
    """Each odd digit in a route id and in integer query parameters: 400/404, never 500."""
    paths = ["/exhibition/table/{}", "/exhibition/?unit={}", "/exhibition/?stars={}", "/admin/attendees/{}/edit"]
    for digit in ODD_DIGITS:
        statuses = []
        for p in paths:
            status, _body, _s = request(t, "GET", p.format(quote(digit)), source=t.source)
            statuses.append(status)
        bad = [p.format(repr(digit)) for p, s in zip(paths, statuses, strict=True) if s is None or s >= 500]
        odd = [s for s in statuses if s not in (400, 404)]
        t.row(
            "odd digits in ids/query",
            f"{digit!r} in " + ", ".join(p.format("…") for p in paths),
            " ".join(str(s) for s in statuses) + (f" — 5xx/no answer: {', '.join(bad)}" if bad else ""),
            "FAIL" if bad else ("note" if odd else "ok"),
            statuses=statuses,
        )


def login_sanity(t: Target, tries: int) -> None:
    """``tries`` wrong passwords for a made-up user, each with the form's CSRF token."""
    user = f"probe-{uuid.uuid4().hex[:8]}"
    statuses = []
    for _ in range(tries):
        conn = http.client.HTTPConnection(
            t.host, t.port, timeout=10, source_address=(t.source, 0) if t.source else None
        )
        try:
            conn.request("GET", "/login")
            resp = conn.getresponse()
            page = resp.read().decode("utf-8", "replace")
            cookie = (resp.getheader("Set-Cookie") or "").split(";", 1)[0]
            m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
                r'value="([^"]+)"[^>]*name="csrf_token"', page
            )
            form = f"csrf_token={quote(m.group(1) if m else '')}&username={user}&password=wrong-{uuid.uuid4().hex}"
            headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
            conn.request("POST", "/login", body=form, headers=headers)
            resp = conn.getresponse()
            resp.read()
            statuses.append(resp.status)
        except (OSError, http.client.HTTPException):
            statuses.append(None)
        finally:
            conn.close()
    bad = [s for s in statuses if s is None or s >= 500 or s in (301, 302, 303)]
    t.row(
        "login throttling sanity",
        f"{tries} wrong passwords for the made-up user {user}",
        " ".join(str(s) for s in statuses) + (" (200: the form again)" if 200 in statuses else ""),
        "FAIL" if bad else "ok",
        statuses=statuses,
    )


# ---- the run ----


def run(t: Target, args) -> list[dict]:
    if "flood" in args.classes:
        flood_idle(t, args.flood, args.checkins, args.addresses)
    if "slow" in args.classes:
        flood_slow(t, args.slow, args.slow_seconds, args.checkins)
    if "body" in args.classes:
        declared_body(t, args.body_path, args.body_mb * MB)
        chunked_body(t, args.body_path, args.body_mb * MB)
    if "digits" in args.classes:
        odd_digits(t)
    if "login" in args.classes:
        login_sanity(t, args.logins)
    return t.rows


def table(rows: list[dict]) -> str:
    cols = ("class", "sent", "result", "verdict")
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(r[c]).replace("|", "/") for c in cols) + " |" for r in rows]
    return "\n".join(lines)


def parse(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--url", required=True, help="the server, e.g. http://192.168.1.10:8000")
    ap.add_argument("--token", default="", help="a kiosk device token (kiosk-token NAME)")
    ap.add_argument("--code", default="EK1PROBE", help="the badge code the check-ins send")
    ap.add_argument(
        "--source", default=None, help="local address of the check-in probe (default: 127.0.0.2 on loopback)"
    )
    ap.add_argument("--pid", type=int, default=None, help="the serve process (on the server laptop): its RSS, files")
    ap.add_argument("--flood", type=int, default=3000, help="idle connections to hold")
    ap.add_argument(
        "--addresses", type=int, default=1, help="loopback only: spread the flood over 127.0.1.1 .. 127.0.1.N"
    )
    ap.add_argument("--slow", type=int, default=50, help="slow (a byte a second) connections")
    ap.add_argument("--slow-seconds", type=float, default=45, help="how long the slow flood may last")
    ap.add_argument("--checkins", type=int, default=20, help="check-ins timed during each flood")
    ap.add_argument("--body-mb", type=int, default=1000, help="size of the oversized bodies (MB)")
    ap.add_argument("--body-path", default="/exhibitors/register", help="where the bodies are posted")
    ap.add_argument("--logins", type=int, default=5, help="wrong logins for a made-up user")
    ap.add_argument("--classes", default="flood,slow,body,digits,login", help="which classes, comma-separated")
    ap.add_argument("--json", action="store_true", help="print the rows as JSON as well")
    args = ap.parse_args(argv)
    args.classes = set(args.classes.split(","))
    return args


def main(argv=None) -> int:
    args = parse(argv)
    u = urlparse(args.url)
    host = u.hostname or "127.0.0.1"
    source = args.source
    if source is None and host.startswith("127."):
        source = "127.0.0.2"
    raise_open_file_limit()
    t = Target(host, u.port or 80, source=source, token=args.token, code=args.code, pid=args.pid)
    rows = run(t, args)
    print(table(rows))
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    return 1 if any(r["verdict"] == "FAIL" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
