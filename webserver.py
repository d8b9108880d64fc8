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
"""

from __future__ import annotations

from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, MultiSocketServer, create_server
from waitress.task import ThreadedTaskDispatcher, WSGITask

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


class Channel(HTTPChannel):
    task_class = Task

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
    """waitress's thread pool, plus one thread of its own for kiosk check-ins.

    Threads of one process share the GIL, and every database call hands it over: measured with
    scripts/bench_checkin.py, the CPU per check-in grows from 1.0 ms with one thread to 1.3 ms
    with two and 1.5 ms with eight, as threads pass the GIL back and forth. Check-ins are short
    and take the database's single writer lock anyway, so they gain nothing from running side
    by side; they queue for one lane thread, while pages, reports and dashboards keep the
    pool (so a slow report never holds a kiosk up)."""

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


def make_server(app, **options):
    """waitress.create_server(app, **options) with ``Channel`` for its connections and the
    ``LaneDispatcher`` for its threads."""
    dispatcher = LaneDispatcher()
    dispatcher.set_thread_count(int(options.get("threads", 4)))
    server = create_server(app, _dispatcher=dispatcher, **options)
    servers = (
        [s for s in server.map.values() if isinstance(s, BaseWSGIServer)]
        if isinstance(server, MultiSocketServer)
        else [server]
    )
    for one in servers:
        one.channel_class = Channel
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
