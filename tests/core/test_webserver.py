"""webserver.py: waitress with the quiet Channel and the check-in lane, on a real port.

The Channel leaves a running request's output to its worker thread; these tests make sure no
output is ever stuck: large bodies (more than a socket buffer holds), streamed bodies, bodies
beyond waitress's high-water mark, and keep-alive connections with many requests in a row.
The lane: a check-in is answered while every pool thread is busy with something slow.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import threading

import pytest

from tests.conftest import free_port
from tests.waiting import wait_until
from webserver import LANE_PATH, Channel, LaneDispatcher, make_server

BIG = bytes(range(256)) * (12 * 1024 * 1024 // 256)  # 12 MB, far beyond any socket buffer


class Harness:
    def __init__(self, app, **options):
        self.port = free_port()
        self.server = make_server(app, host="127.0.0.1", port=self.port, **options)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()

    def conn(self, timeout: float = 10) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def close(self) -> None:
        self.server.close()
        for channel in list(self.server._map.values()):
            channel.close()
        self.server.task_dispatcher.shutdown(timeout=2)
        self.thread.join(timeout=5)


@pytest.fixture
def harness():
    made = []

    def make(app, **options):
        h = Harness(app, **options)
        made.append(h)
        return h

    yield make
    for h in made:
        h.close()


def wsgi(routes):
    def app(environ, start_response):
        handler = routes.get((environ["REQUEST_METHOD"], environ["PATH_INFO"]))
        if handler is None:
            start_response("404 Not Found", [("Content-Length", "0")])
            return [b""]
        return handler(environ, start_response)

    return app


def test_server_uses_the_quiet_channel_and_the_lane(harness):
    h = harness(wsgi({}), threads=3)
    assert h.server.channel_class is Channel
    assert isinstance(h.server.task_dispatcher, LaneDispatcher)
    assert len(h.server.task_dispatcher.threads) == 3
    assert len(h.server.task_dispatcher.lane.threads) == 1


def test_large_body_arrives_whole(harness):
    def big(environ, start_response):
        start_response("200 OK", [("Content-Length", str(len(BIG)))])
        return [BIG]

    h = harness(wsgi({("GET", "/big"): big}), threads=2)
    conn = h.conn()
    for _ in range(2):  # twice on one keep-alive connection
        conn.request("GET", "/big")
        resp = conn.getresponse()
        assert resp.status == 200
        assert hashlib.sha256(resp.read()).digest() == hashlib.sha256(BIG).digest()


def test_streamed_body_beyond_the_high_water_mark_arrives_whole(harness):
    chunk = b"x" * 65536
    count = 512  # 32 MB in 512 writes, with a 1 MB high-water mark

    def stream(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        for _ in range(count):
            yield chunk

    h = harness(wsgi({("GET", "/stream"): stream}), threads=2, outbuf_high_watermark=1024 * 1024)
    conn = h.conn()
    conn.request("GET", "/stream")
    # the client is slow to read: the socket fills up, the output passes the high-water mark
    # and the worker waits for the main loop to drain it (which it must, mid-request)
    wait_until(
        lambda: any(getattr(c, "total_outbufs_len", 0) >= 1024 * 1024 for c in list(h.server._map.values())),
        30,
        what="the output past the high-water mark",
    )
    resp = conn.getresponse()
    assert resp.status == 200 and len(resp.read()) == count * len(chunk)


def test_many_small_requests_on_keep_alive_connections(harness):
    def echo(environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        start_response("200 OK", [("Content-Length", str(len(body)))])
        return [body]

    h = harness(wsgi({("POST", "/echo"): echo, ("POST", LANE_PATH): echo}), threads=4)
    errors = []

    def client(n: int) -> None:
        try:
            conn = h.conn()
            for i in range(200):
                path = LANE_PATH if i % 2 else "/echo"
                payload = json.dumps({"client": n, "i": i}).encode()
                conn.request("POST", path, body=payload)
                resp = conn.getresponse()
                assert resp.read() == payload
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors and not any(t.is_alive() for t in threads)


def test_checkins_are_answered_while_every_pool_thread_is_busy(harness):
    release = threading.Event()
    entered = threading.Event()

    def slow(environ, start_response):
        entered.set()
        release.wait(10)  # a long report, say
        start_response("200 OK", [("Content-Length", "4")])
        return [b"slow"]

    def checkin(environ, start_response):
        start_response("200 OK", [("Content-Length", "2")])
        return [b"ok"]

    h = harness(wsgi({("GET", "/slow"): slow, ("POST", LANE_PATH): checkin}), threads=1)
    slow_result = {}

    def get_slow() -> None:
        conn = h.conn(timeout=15)
        conn.request("GET", "/slow")
        slow_result["body"] = conn.getresponse().read()

    t = threading.Thread(target=get_slow)
    t.start()
    assert entered.wait(5)  # the only pool thread is now busy
    try:
        conn = h.conn(timeout=5)  # without the lane this would wait for /slow and time out
        conn.request("POST", LANE_PATH, body=b"{}")
        resp = conn.getresponse()
        assert resp.status == 200 and resp.read() == b"ok"
        assert not release.is_set() and t.is_alive()
    finally:
        release.set()
        t.join(10)
    assert slow_result["body"] == b"slow"


def test_a_204_keeps_the_connection_open(harness):
    accepted = []

    def unchanged(environ, start_response):
        accepted.append(environ.get("REMOTE_PORT"))
        start_response("204 No Content", [("X-Version", "v1")])
        return [b""]

    h = harness(wsgi({("GET", "/poll"): unchanged}), threads=2)
    conn = h.conn()
    for _ in range(5):
        conn.request("GET", "/poll")
        resp = conn.getresponse()
        assert resp.status == 204 and resp.read() == b""
        assert resp.getheader("Connection") != "close"
        assert resp.getheader("Content-Length") is None  # RFC 9110: none on a 204
    assert len(set(accepted)) == 1  # five polls, one TCP connection
    conn.request("GET", "/poll", headers={"Connection": "close"})
    resp = conn.getresponse()
    assert resp.status == 204 and resp.getheader("Connection") == "close"
