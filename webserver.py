"""waitress, with measured fixes: its main loop no longer spins while a task writes; a 204
keeps its keep-alive connection; kiosk check-ins have a thread of their own.

waitress (3.0.2) asks ``select()`` to watch a connection for writing whenever it has output
waiting, also while the request's worker thread is itself sending that output. A socket is
nearly always writable, so ``select()`` returns at once, ``handle_write`` finds the output
locked by the worker and does nothing, and the loop spins, holding the GIL the worker needs to
finish its send. Measured with scripts/bench_checkin.py (1 process, 1 thread, 8 clients):
53 trips round the loop per request; 644 check-ins/s at 1.54 ms of server CPU each before,
889/s at 0.98 ms after.

``Channel`` leaves the output of a running request to its worker thread (which flushes on
every write) and lets the main loop send only what is left when the request is finished,
when the connection closes, or when the output passes waitress's high-water mark (where
the worker waits for the main loop to drain it).

**Floods and bodies** (issue 22: one phone on the venue's Wi-Fi must not stop the door). By
class, not by attack:

- *Descriptors*: waitress's default loop uses ``select()``, which raises past descriptor 1023:
  about 1,000 idle connections ended the process. ``GuardedServer`` runs ``EpollLoop`` (no such
  limit, and idle connections cost nothing per round; elsewhere waitress's ``poll()`` loop,
  ``asyncore_use_poll``); ``serve`` raises the open-file limit (soft to hard) and
  ``connection_limit`` stays below it (``connection_limit_for``).
- *One address holding many connections* (idle, or a byte a second): ``GuardedServer`` accepts
  at most ``per_address`` connections per client address at once (IPv6: per /64 network, which
  one device can fill with addresses); one more is answered 503 and closed at once. The trusted
  reverse proxy (all its clients share its address) is exempt: caddy limits them itself.
- *Connections that never finish*: a new connection must complete its request's headers within
  ``header_seconds`` of its first byte (or of being opened); a body must keep an average of
  ``body_min_rate`` bytes a second after that grace; an idle keep-alive connection is closed
  after ``channel_timeout``. Checked every ``cleanup_interval`` seconds (``GuardedServer.maintenance``).
- *Bodies*: waitress refuses a declared Content-Length at or above ``max_request_body_size``
  as soon as the headers are read (before any body byte is stored), and stops a chunked body
  there; ``make_server`` sets it from the app's MAX_CONTENT_LENGTH (+1), so no body above that
  is ever spooled to the temporary folder. The 413 says so in Vietnamese and English.
"""

from __future__ import annotations

import ipaddress
import resource
import select
import threading
import time

from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, MultiSocketServer, TcpWSGIServer, create_server
from waitress.task import ErrorTask, ThreadedTaskDispatcher, WSGITask

#: requests served by the check-in lane (see LaneDispatcher)
LANE_PATH = "/api/v1/checkins"


class Task(WSGITask):
    """waitress closes an HTTP/1.1 connection after any response without Content-Length,
    also a 204 or 304, which has no body by definition (and may not carry Content-Length,
    RFC 9110). Every unchanged dashboard poll (204) then cost a new TCP connection. Here a
    bodyless response keeps the connection open, as HTTP/1.1 intends."""

    _bodyless_keep_alive = False

    def build_response_header(self):
        self._bodyless_keep_alive = (
            not self.has_body
            and self.version == "1.1"
            and not self.close_on_finish
            and self.request.headers.get("CONNECTION", "").lower() != "close"
        )
        try:
            return super().build_response_header()
        finally:
            self._bodyless_keep_alive = False

    def set_close_on_finish(self) -> None:
        if self._bodyless_keep_alive:
            return
        super().set_close_on_finish()


class TooLargeTask(ErrorTask):
    """waitress's error answer; a 413 says what the limit is, in Vietnamese and English."""

    def execute(self):
        error = self.request.error
        if getattr(error, "code", None) == 413:
            mb = max(1, (self.channel.adj.max_request_body_size - 1) // (1024 * 1024))
            error.body = (
                f"Yêu cầu quá lớn: tối đa {mb} MB. Hãy gửi tệp nhỏ hơn.\r\n"
                f"The request is too large: at most {mb} MB. Send a smaller file."
            )
        super().execute()


class Channel(HTTPChannel):
    task_class = Task
    error_task_class = TooLargeTask
    #: GuardedServer's key of this connection's address (None: not counted)
    address_key = None
    #: when the request being received got its first byte (None: between requests)
    request_began = None
    #: a request was received complete on this connection (then idle means keep-alive)
    has_requested = False

    def received(self, data):
        if self.request is None:
            self.request_began = time.time()
        try:
            return super().received(data)
        finally:
            if self.requests:
                self.has_requested = True
            if self.request is None:
                self.request_began = None

    def del_channel(self, *args):
        key, self.address_key = self.address_key, None
        if key is not None:
            self.server.release(key)
        super().del_channel(*args)

    def overdue(self, now: float) -> bool:
        """Too slow to be a real client (see GuardedServer); never while a task runs."""
        if self.requests:
            return False
        request = self.request
        if request is not None and self.request_began is not None:
            waited = now - self.request_began
            if not request.headers_finished:
                return waited > self.server.header_seconds
            return waited > self.server.header_seconds + request.body_bytes_received / self.server.body_min_rate
        quiet = now - self.last_activity
        return quiet > (self.adj.channel_timeout if self.has_requested else self.server.header_seconds)

    def writable(self):
        if (
            self.requests
            and not self.will_close
            and not self.close_when_flushed
            and self.total_outbufs_len < self.adj.outbuf_high_watermark
        ):
            return False  # the worker thread is writing this output itself
        return super().writable()


class LaneDispatcher(ThreadedTaskDispatcher):
    """waitress's thread pool, plus a lane of its own for kiosk check-ins (one thread on SQLite).

    Threads of one process share the GIL, and every database call hands it over: measured with
    scripts/bench_checkin.py, the CPU per check-in grows from 1.0 ms with one thread to 1.3 ms
    with two and 1.5 ms with eight, as threads pass the GIL back and forth. On SQLite check-ins
    are short and take the database's single writer lock anyway, so they gain nothing from
    running side by side; they queue for one lane thread, while pages, reports and dashboards
    keep the pool (so a slow report never holds a kiosk up). PostgreSQL has no single writer
    and a check-in mostly waits for its commit's flush to disk: there the lane has PG_LANES
    threads (lanes_for), whose commits share a flush."""

    def __init__(self, lane_threads: int = 1) -> None:
        super().__init__()
        self.lane = ThreadedTaskDispatcher()
        self.lane_threads = lane_threads

    def set_thread_count(self, count: int) -> None:
        super().set_thread_count(count)
        self.lane.set_thread_count(self.lane_threads)

    def add_task(self, task) -> None:
        requests = getattr(task, "requests", None)
        request = requests[0] if requests else None
        if request is not None and request.command == "POST" and request.path == LANE_PATH:
            self.lane.add_task(task)
        else:
            super().add_task(task)

    def shutdown(self, cancel_pending: bool = True, timeout: int = 5) -> bool:
        lane_done = self.lane.shutdown(cancel_pending, timeout)
        return super().shutdown(cancel_pending, timeout) and lane_done


#: check-in lane threads per server process on PostgreSQL (SQLite: one, see LaneDispatcher).
#: Measured with scripts/bench_checkin.py (workers 2, 8 clients): 1 lane 162 check-ins/s, 4 lanes
#: 323/s, 8 lanes 395/s (before the 2-round-trip hall scan; with it 8 lanes give 741/s)
PG_LANES = 8


def lanes_for(app) -> int:
    """The check-in lane's threads for ``app``'s database: SQLite has one writer (a second lane
    thread would only wait for the first), PostgreSQL none (PG_LANES)."""
    uri = str(getattr(app, "config", {}).get("SQLALCHEMY_DATABASE_URI") or "sqlite")
    return 1 if uri.startswith("sqlite") else PG_LANES


#: connections one client address may hold at once (IPv6: one /64 network)
PER_ADDRESS = 100
#: seconds a request may take to send its headers (from its first byte, or from the connection's
#: opening when it sends nothing)
HEADER_SECONDS = 20
#: bytes a second a request body must average once HEADER_SECONDS have passed
BODY_MIN_RATE = 1000
#: seconds an idle keep-alive connection is kept
IDLE_SECONDS = 60
#: seconds between the checks of the deadlines above
CLEANUP_SECONDS = 2
#: connections accepted per wake-up of the main loop (waitress: one)
ACCEPT_BATCH = 64
#: descriptors kept free for the database, log and upload files, and the renderer's pipes
SPARE_DESCRIPTORS = 256

_REFUSED_TEXT = "Quá nhiều kết nối từ địa chỉ này.\r\nToo many connections from this address.\r\n".encode()
_REFUSED = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n"
    + f"Content-Length: {len(_REFUSED_TEXT)}\r\n\r\n".encode()
    + _REFUSED_TEXT
)


def address_key(addr) -> str:
    """Whom a connection counts against: its IPv4 address, or its IPv6 /64 network."""
    host = addr[0] if isinstance(addr, tuple) else str(addr)
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return str(host)
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class EpollLoop:
    """waitress's main loop on ``epoll``, asking only the connections that may have changed.

    waitress's ``poll()`` loop asks every connection ``readable()``/``writable()`` and registers
    it anew on every round: measured with 3,000 idle connections held (from 30 addresses, under
    the cap), 15-35 ms a round, so a check-in waited 39-52 ms (p50) and up to 0.72 s. Here a
    *quiet* connection (idle: only waiting to read, no request, no output) stays registered and
    is not asked again until something happens on it; connections with work, the listening
    socket and the trigger are asked every round, and every connection once a second (so a
    deadline set by ``GuardedServer.maintenance`` is seen within a second). Worker threads only
    touch connections that have a request, which are never quiet; they wake the loop through
    waitress's trigger."""

    SWEEP_SECONDS = 1.0
    READ = select.POLLIN | select.POLLPRI

    def __init__(self):
        self.epoll = select.epoll()
        self.registered: dict[int, tuple[object, int]] = {}  # fd -> (dispatcher, flags)
        self.watch: set[int] = set()  # fds asked every round
        self.next_sweep = 0.0
        self.servers: list = []  # GuardedServers in the map: their ``fresh`` connections

    @classmethod
    def loop(cls, timeout=30.0, use_poll=False, map=None, count=None):  # noqa: A002 (wasyncore's signature)
        one = cls()
        try:
            while map:
                one.round(timeout, map)
        finally:
            one.epoll.close()

    def round(self, timeout: float, map: dict) -> None:  # noqa: A002
        now = time.monotonic()
        for fd in self.registered.keys() - map.keys():  # closed: the kernel dropped it already
            self.forget(fd)
        fresh = []  # accepted since the last round (their fd may be a closed one's, reused)
        for server in self.servers:
            fresh += server.fresh
            server.fresh.clear()
        if now >= self.next_sweep:
            self.next_sweep = now + self.SWEEP_SECONDS
            self.servers = [obj for obj in map.values() if hasattr(obj, "fresh")]
            ask = list(map)
        else:
            ask = [*self.watch, *fresh, *(map.keys() - self.registered.keys())]
        for fd in ask:
            obj = map.get(fd)
            if obj is not None:
                self.update(fd, obj)
        for fd, flags in self.epoll.poll(timeout):
            obj = map.get(fd)
            if obj is not None:
                self.watch.add(fd)
                wasyncore.readwrite(obj, flags)

    def update(self, fd: int, obj) -> None:
        flags = 0
        if obj.readable():
            flags |= self.READ
        if obj.writable() and not obj.accepting:
            flags |= select.POLLOUT
        if flags == self.READ and isinstance(obj, HTTPChannel) and not obj.requests:
            self.watch.discard(fd)  # quiet until its socket says something
        else:
            self.watch.add(fd)
        old = self.registered.get(fd)
        if old is not None and old[0] is obj and old[1] == flags:
            return
        if old is not None:
            self.forget(fd, keep_watch=True)
        if flags:
            self.epoll.register(fd, flags)
            self.registered[fd] = (obj, flags)

    def forget(self, fd: int, keep_watch: bool = False) -> None:
        self.registered.pop(fd, None)
        if not keep_watch:
            self.watch.discard(fd)
        try:
            self.epoll.unregister(fd)
        except (OSError, ValueError):
            pass  # closed: the kernel dropped it already


class _EpollAsyncore:
    """What ``BaseWSGIServer.run`` calls ``self.asyncore``: wasyncore with EpollLoop's loop."""

    dispatcher = wasyncore.dispatcher
    loop = EpollLoop.loop


class GuardedServer(TcpWSGIServer):
    """waitress's TCP server with a cap per client address and deadlines for slow clients.

    ``make_server`` turns waitress's servers into this class after creating them (the class adds
    behaviour, no state of waitress's). Counting: ``handle_accept`` counts a connection against
    its address key, ``Channel.del_channel`` (every close) gives it back."""

    asyncore = _EpollAsyncore if hasattr(select, "epoll") else wasyncore
    per_address = PER_ADDRESS
    header_seconds = HEADER_SECONDS
    body_min_rate = BODY_MIN_RATE
    exempt: frozenset = frozenset()
    refused = 0  # connections refused over the cap (for the probe and the tests)

    def guard(self, per_address: int, header_seconds: float, body_min_rate: float, exempt=()) -> None:
        self.per_address, self.header_seconds, self.body_min_rate = per_address, header_seconds, body_min_rate
        self.exempt = frozenset(address_key((a,)) for a in exempt if a)
        self.held: dict[str, int] = {}
        self.held_lock = threading.Lock()
        self.fresh: set[int] = set()  # connections accepted since EpollLoop's last round

    def handle_accept(self):
        for _ in range(ACCEPT_BATCH):  # a burst in the backlog is taken at once, not one a loop
            if len(self._map) >= self.adj.connection_limit:
                return
            try:
                accepted = self.accept()
                if accepted is None:
                    return
                conn, addr = accepted
                self.set_socket_options(conn)
            except OSError:
                return
            key = address_key(addr)
            with self.held_lock:
                count = self.held.get(key, 0)
                if key not in self.exempt and count >= self.per_address:
                    self.refused += 1
                    refuse = True
                else:
                    self.held[key] = count + 1
                    refuse = False
            if refuse:
                _refuse(conn)
                continue
            channel = self.channel_class(self, conn, self.fix_addr(addr), self.adj, map=self._map)
            channel.address_key = key
            self.fresh.add(channel._fileno)

    def release(self, key: str) -> None:
        with self.held_lock:
            left = self.held.get(key, 0) - 1
            if left > 0:
                self.held[key] = left
            else:
                self.held.pop(key, None)

    def handle_error(self):
        """An unexpected error while accepting is logged; the listening socket stays open
        (wasyncore's default closes it, and with it the door)."""
        self.logger.exception("error while accepting a connection (still listening)")

    def maintenance(self, now):
        """Closes connections that are idle or too slow (``Channel.overdue``)."""
        for channel in list(self.active_channels.values()):
            if not channel.will_close and channel.overdue(now):
                channel.will_close = True


def _refuse(conn) -> None:
    """A short 503 (best effort, never waiting) and the connection closed."""
    try:
        conn.setblocking(False)
        conn.send(_REFUSED)
    except OSError:
        pass
    conn.close()


def connection_limit_for(wanted: int) -> int:
    """``wanted`` connections, or fewer if the process's open-file limit cannot hold them."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(64, min(wanted, soft - SPARE_DESCRIPTORS))


def raise_open_file_limit() -> int:
    """The soft open-file limit raised to the hard one (each connection is a descriptor);
    returns the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    return soft


def make_server(
    app,
    *,
    per_address: int = PER_ADDRESS,
    header_seconds: float = HEADER_SECONDS,
    body_min_rate: float = BODY_MIN_RATE,
    lane_threads: int | None = None,
    **options,
):
    """waitress.create_server(app, **options) with ``Channel`` for its connections, the
    ``LaneDispatcher`` for its threads and ``GuardedServer``'s limits; ``poll()`` instead of
    ``select()``; the body limit from a Flask app's MAX_CONTENT_LENGTH unless given."""
    limit = getattr(app, "config", {}).get("MAX_CONTENT_LENGTH")
    if limit:
        options.setdefault("max_request_body_size", int(limit) + 1)
    options.setdefault("asyncore_use_poll", True)
    options.setdefault("channel_timeout", IDLE_SECONDS)
    options.setdefault("cleanup_interval", CLEANUP_SECONDS)
    options["connection_limit"] = connection_limit_for(int(options.get("connection_limit", 10000)))
    dispatcher = LaneDispatcher(int(lane_threads or lanes_for(app)))
    dispatcher.set_thread_count(int(options.get("threads", 4)))
    server = create_server(app, _dispatcher=dispatcher, **options)
    servers = (
        [s for s in server.map.values() if isinstance(s, BaseWSGIServer)]
        if isinstance(server, MultiSocketServer)
        else [server]
    )
    for one in servers:
        one.channel_class = Channel
        if type(one) is TcpWSGIServer:
            one.__class__ = GuardedServer
            one.guard(per_address, header_seconds, body_min_rate, exempt=[options.get("trusted_proxy")])
    return server


def serve(app, **options) -> None:
    """Like waitress.serve: run until interrupted."""
    import logging

    logging.basicConfig()  # as waitress.serve does (idempotent)
    server = make_server(app, **options)
    try:
        server.print_listen("Serving on http://{}:{}")
        server.run()
    except KeyboardInterrupt:
        pass
