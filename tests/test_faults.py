"""Faults on both sides of the wire, over real sockets on 127.0.0.1.

Client: servers written with raw sockets that reset the connection mid-response, cut the body
short, answer garbage or never answer. The client must retry a bounded number of times (counted
on the server side) and then raise its typed error; what must not be retried is not.

Server: an upload that stalls, a request line that never completes, a document slower than the
job deadline, a crashing engine; the server answers with the right status and keeps serving.
Security: no path from a request to the filesystem, and the key is never echoed.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests

from ocr_loaders.engines.upstage import UpstageEngine
from ocr_loaders.errors import APIConnectionError, APITimeoutError, InvalidResponseError
from ocr_loaders.server import create_app, server_engine
from tests import docgen, hostile
from tests.conftest import SERVER_KEY
from tests.serverutil import FakeEngine, running

KEY = "up-fault-key-never-shown-77"
OCR = "/v1/document-ai/ocr"


def _read_request(conn: socket.socket) -> bytes:
    """Read one whole HTTP request (headers and Content-Length body) from ``conn``."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head


def _reset(conn: socket.socket) -> None:
    """Close with an RST instead of a FIN."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


BEHAVIOURS: dict[str, Callable[[socket.socket], None]] = {
    # the connection is reset after the request arrived, before any answer
    "reset_before_answer": lambda c: (_read_request(c), _reset(c)),
    # headers promise 5000 bytes, 40 arrive, then an RST
    "reset_mid_body": lambda c: (
        _read_request(c),
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 5000\r\n\r\n" + b'{"apiVersion": "1.1", "pages": [' * 1),
        _reset(c),
    ),
    # headers promise 5000 bytes, 40 arrive, then a clean close
    "short_body": lambda c: (
        _read_request(c),
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + b"{" * 40),
        c.close(),
    ),
    # not HTTP at all
    "garbage": lambda c: (_read_request(c), c.sendall(b"\x00\x01hello there\r\n\r\n"), c.close()),
    # closes as soon as it accepts
    "hang_up": lambda c: c.close(),
    # a complete 200 whose body is not JSON: a broken server, not a transient fault
    "bad_json_200": lambda c: (
        _read_request(c),
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 9\r\nConnection: close\r\n\r\nnot json!"),
        c.close(),
    ),
    # reads the request and never answers
    "silent": lambda c: (_read_request(c), time.sleep(3), c.close()),
}


@contextmanager
def raw_server(behaviour: str) -> Iterator[tuple[str, list[int]]]:
    """A socket server that treats every connection with ``behaviour``; yields its URL and a
    one-item list counting the connections it accepted."""
    handler = BEHAVIOURS[behaviour]
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    count = [0]
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            count[0] += 1
            threading.Thread(target=_safely, args=(handler, conn), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", count
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


def _safely(handler: Callable[[socket.socket], None], conn: socket.socket) -> None:
    try:
        handler(conn)
    except OSError:
        pass
    finally:
        conn.close()


RETRIED = [
    ("reset_before_answer", APIConnectionError),
    ("reset_mid_body", APIConnectionError),
    ("short_body", APIConnectionError),
    ("garbage", APIConnectionError),
    ("hang_up", APIConnectionError),
    ("silent", APITimeoutError),
]


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("behaviour", "error"), RETRIED, ids=[b for b, _ in RETRIED])
def test_client_retries_transient_faults_then_raises(behaviour: str, error: type[Exception],
                                                     tiny_png: bytes) -> None:
    with raw_server(behaviour) as (url, count):
        engine = UpstageEngine(KEY, base_url=url, max_retries=2, backoff_base=0.01,
                               read_timeout=0.5)
        with pytest.raises(error) as info:
            engine.recognize(tiny_png)
    assert count[0] == 3, f"{behaviour}: {count[0]} connections for 1 try + 2 retries"
    assert KEY not in str(info.value) and KEY not in repr(info.value)
    assert "\n" not in str(info.value)
    hostile.TALLY["client faults"] += 1


@pytest.mark.timeout(60)
def test_client_does_not_retry_a_broken_200(tiny_png: bytes) -> None:
    with raw_server("bad_json_200") as (url, count):
        engine = UpstageEngine(KEY, base_url=url, max_retries=3, backoff_base=0.01)
        with pytest.raises(InvalidResponseError):
            engine.recognize(tiny_png)
    assert count[0] == 1
    hostile.TALLY["client faults"] += 1


@pytest.mark.timeout(120)
def test_client_survives_a_5xx_storm_then_succeeds(tiny_png: bytes) -> None:
    """A server answering 503 to the first requests of every client, then OCR: the client
    rides the storm with its retries and gets the result."""
    app = create_app(FakeEngine(), api_key=KEY)
    failures = {"left": 6}

    @app.middleware("http")
    async def storm(request, call_next):  # type: ignore[no-untyped-def]
        if failures["left"] > 0:
            failures["left"] -= 1
            from starlette.responses import JSONResponse

            return JSONResponse({"error": {"message": "overloaded", "type": "server_error",
                                           "code": "overloaded"}}, status_code=503)
        return await call_next(request)

    with running(app) as url:
        engine = UpstageEngine(KEY, base_url=url, max_retries=3, backoff_base=0.01)
        with pytest.raises(Exception, match="503"):
            engine.recognize(tiny_png)  # 4 tries, all 503
        result = engine.recognize(tiny_png)  # 2 more 503s, then served
    assert result.pages[0].text == "fake" and failures["left"] == 0
    hostile.TALLY["client faults"] += 1


# --- server ---------------------------------------------------------------------------------


def _send_partial(url: str, head: bytes, body: bytes) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=30)
    sock.sendall(head + body)
    return sock


def _response(sock: socket.socket) -> bytes:
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            break
        if not chunk:
            break
        data += chunk
    sock.close()
    return data


@pytest.mark.timeout(60)
def test_server_times_out_a_stalled_upload(tiny_png: bytes) -> None:
    app = create_app(FakeEngine(), api_key="", upload_timeout=0.5)
    with running(app) as url:
        part = (b'--b\r\nContent-Disposition: form-data; name="document"; filename="a.png"'
                b"\r\n\r\n")
        head = (f"POST {OCR} HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n"
                "Content-Type: multipart/form-data; boundary=b\r\n\r\n").encode()
        started = time.monotonic()
        sock = _send_partial(url, head, part + tiny_png[:200])  # then nothing more
        answer = _response(sock)
        waited = time.monotonic() - started
        assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
        assert b"stalled" in answer
        assert waited < 20
        health = requests.get(url + "/health", timeout=10).json()
        assert health["status"] == "ok" and health["active"] == 0
        ok = requests.post(url + OCR, files={"document": ("a.png", tiny_png)}, timeout=30)
        assert ok.status_code == 200
    hostile.TALLY["server faults"] += 1


@pytest.mark.timeout(60)
def test_server_answers_504_after_the_job_deadline_and_stays_bounded(tiny_png: bytes) -> None:
    app = create_app(FakeEngine(delay=1.5), api_key="", max_workers=1, max_queue=0,
                     job_timeout=0.3)
    with running(app) as url:
        slow = requests.post(url + OCR, files={"document": ("a.png", tiny_png)}, timeout=30)
        assert slow.status_code == 504
        assert slow.json()["error"]["code"] == "processing_timeout"
        # the thread is still busy with that page: the pool admits nothing new until it ends
        busy = requests.post(url + OCR, files={"document": ("a.png", tiny_png)}, timeout=30)
        assert busy.status_code == 429 and "Retry-After" in busy.headers
        deadline = time.monotonic() + 10
        while requests.get(url + "/health", timeout=5).json()["active"] and (
                time.monotonic() < deadline):
            time.sleep(0.1)
        assert requests.get(url + "/health", timeout=5).json()["active"] == 0
    hostile.TALLY["server faults"] += 1


@pytest.mark.timeout(60)
def test_a_gateway_passes_on_the_upstream_retry_after(
        tiny_png: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    """An upstream 429 with ``Retry-After: 30`` reaches the gateway's client as 429 with the
    same wait (it said 1 s, whatever the upstream asked), at once: the engine ``serve``
    builds sends the request upstream once (it retried twice, waiting 30 s each, with the
    client's connection open)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    posts: list[str] = []

    class Busy(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            posts.append(self.path)
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = b'{"error": {"message": "slow down", "type": "rate_limit", "code": "busy"}}'
            self.send_response(429)
            self.send_header("Retry-After", "30")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    upstream = ThreadingHTTPServer(("127.0.0.1", 0), Busy)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("UPSTAGE_API_KEY", KEY)  # as ``ocr-loaders serve`` gets them
        monkeypatch.setenv("UPSTAGE_BASE_URL", f"http://127.0.0.1:{upstream.server_port}")
        engine = server_engine("upstage")
        with running(create_app(engine, api_key="")) as gateway:
            busy = requests.post(gateway + OCR, files={"document": ("a.png", tiny_png)},
                                 timeout=30)
    finally:
        upstream.shutdown()
    assert busy.status_code == 429 and busy.headers["Retry-After"] == "30"
    assert busy.json()["error"]["code"] == "busy" and KEY not in busy.text
    assert len(posts) == 1
    hostile.TALLY["server faults"] += 1


class _CountingEngine(FakeEngine):
    """A fake engine that counts the documents it starts and the pages it reads."""

    def __init__(self, delay: float) -> None:
        super().__init__(delay=delay)
        self.documents = 0
        self.pages = 0

    def iter_document(self, doc: Any) -> Iterator[tuple[int, Any]]:
        self.documents += 1
        for item in super().iter_document(doc):
            self.pages += 1
            yield item


@pytest.mark.timeout(60)
def test_a_document_past_the_job_deadline_stops_and_queued_ones_are_dropped(
        tiny_png: bytes) -> None:
    """After its 504, a 10-page document stops before its next page instead of being read to
    the end, and a document that waited in the queue past the deadline is never started (the
    worker was busy with both for the whole 10 pages before)."""
    engine = _CountingEngine(delay=0.3)
    app = create_app(engine, api_key="", max_workers=1, max_queue=2, job_timeout=0.5)
    pages = [docgen.render_lines([f"page {n}"], size=28, width=320) for n in range(10)]
    tiff = docgen.multi_frame_tiff(pages)
    with running(app) as url, ThreadPoolExecutor(2) as pool:
        long = pool.submit(requests.post, url + OCR, timeout=30,
                           files={"document": ("long.tiff", tiff)})
        time.sleep(0.1)
        queued = pool.submit(requests.post, url + OCR, timeout=30,
                             files={"document": ("a.png", tiny_png)})
        assert long.result().status_code == 504
        assert queued.result().status_code == 504
        deadline = time.monotonic() + 10
        while requests.get(url + "/health", timeout=5).json()["active"] and (
                time.monotonic() < deadline):
            time.sleep(0.05)
        assert requests.get(url + "/health", timeout=5).json()["active"] == 0
        assert engine.documents == 1
        assert engine.pages <= 3, engine.pages  # 0.5 s deadline, 0.3 s a page: 2 read
        ok = requests.post(url + OCR, files={"document": ("a.png", tiny_png)}, timeout=30)
        assert ok.status_code == 200 and engine.documents == 2
    hostile.TALLY["server faults"] += 1


@pytest.mark.timeout(120)
def test_a_gateway_server_passes_on_what_the_upstream_api_said(tiny_png: bytes) -> None:
    """``ocr-loaders serve --engine upstage`` in front of another server: a bad document is
    the upstream's 400 with its code (was 500 internal_error and a traceback); a wrong
    upstream key or a failing upstream is the gateway's 502, naming no key."""
    upstream = create_app(FakeEngine(), api_key=SERVER_KEY, max_workers=1)
    crashing = create_app(FakeEngine(crash=True), api_key="", max_workers=1)
    with running(upstream) as up, running(crashing) as down:
        engines = {
            "good": UpstageEngine(SERVER_KEY, base_url=up, max_retries=0),
            "wrong key": UpstageEngine(KEY, base_url=up, max_retries=0),
            "crashing": UpstageEngine(KEY, base_url=down, max_retries=0),
        }
        answers = {}
        for name, engine in engines.items():
            with running(create_app(engine, api_key="")) as gateway:
                answers[name, "png"] = requests.post(
                    gateway + OCR, files={"document": ("a.png", tiny_png)}, timeout=30)
                answers[name, "corrupt"] = requests.post(
                    gateway + OCR, files={"document": ("a.png", tiny_png[:60])}, timeout=30)
    assert answers["good", "png"].status_code == 200
    bad = answers["good", "corrupt"]
    assert bad.status_code == 400, bad.text
    assert bad.json()["error"]["code"] == "corrupt_document"
    for kind in ("png", "corrupt"):
        wrong = answers["wrong key", kind]
        assert wrong.status_code == 502, wrong.text
        assert wrong.json()["error"]["code"] == "upstream_authentication"
        assert KEY not in wrong.text and SERVER_KEY not in wrong.text
    failed = answers["crashing", "png"]
    assert failed.status_code == 502 and failed.json()["error"]["code"] == "upstream_error"
    assert KEY not in failed.text and SERVER_KEY not in failed.text
    hostile.TALLY["server faults"] += 1


@pytest.mark.timeout(60)
def test_server_survives_clients_that_vanish(tiny_png: bytes) -> None:
    """Half-sent request lines, half-sent bodies and resets: the server keeps serving."""
    app = create_app(FakeEngine(), api_key="", upload_timeout=0.5)
    with running(app) as url:
        socks = []
        for head in (b"POST /v1/document-ai/ocr HTTP/1.1\r\nHost: x\r\nContent-Le",
                     b"GET /health HT",
                     b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"):  # a TLS hello
            socks.append(_send_partial(url, head, b""))
        for sock in socks[:2]:
            _reset(sock)
        for _ in range(3):
            ok = requests.post(url + OCR, files={"document": ("a.png", tiny_png)}, timeout=30)
            assert ok.status_code == 200
        _response(socks[2])  # the server answers the TLS hello with 400 or closes
    hostile.TALLY["server faults"] += 1


@pytest.mark.timeout(120)
def test_no_path_from_a_request_to_the_filesystem(ocr_server: str, tiny_png: bytes,
                                                  tmp_path: Path) -> None:
    auth = {"Authorization": f"Bearer {SERVER_KEY}"}
    target = tmp_path / "planted.png"
    # a file name that points somewhere: the upload is never written under that name
    resp = requests.post(ocr_server + OCR, headers=auth, timeout=60,
                         files={"document": (f"../../../../{target}", tiny_png)})
    assert resp.status_code == 200 and not target.exists()
    # a path sent as a text field instead of a file: not opened
    resp = requests.post(ocr_server + OCR, headers=auth, timeout=60,
                         data={"document": "/etc/passwd"})
    assert resp.status_code == 400 and "root:" not in resp.text
    # paths in the URL
    for path in ("/v1/document-ai/../../etc/passwd", "/static/../../etc/passwd",
                 "/v1/document-ai/ocr/../../../etc/passwd"):
        got = requests.get(ocr_server + path, headers=auth, timeout=10)
        assert got.status_code in (404, 405) and "root:" not in got.text
    hostile.TALLY["security"] += 1


@pytest.mark.timeout(60)
def test_wrong_keys_are_refused_and_never_echoed(ocr_server: str, tiny_png: bytes) -> None:
    near_misses = [SERVER_KEY[:-1], SERVER_KEY + "x", SERVER_KEY.upper(), " " + SERVER_KEY[1:],
                   "", "null", SERVER_KEY[:1]]
    for wrong in near_misses:
        resp = requests.post(ocr_server + OCR, headers={"Authorization": f"Bearer {wrong}"},
                             files={"document": ("a.png", tiny_png)}, timeout=30)
        assert resp.status_code == 401
        assert resp.json()["error"]["code"] == "invalid_api_key"
        if len(wrong) > 3:
            assert wrong.strip() not in resp.text
        assert SERVER_KEY not in resp.text and SERVER_KEY not in str(resp.headers)
    hostile.TALLY["security"] += len(near_misses)


@pytest.mark.timeout(60)
def test_serve_drops_connections_whose_headers_never_come(tiny_png: bytes) -> None:
    """uvicorn waits forever for a request's headers; ``serve`` uses a protocol that drops a
    connection still waiting for them after the upload timeout (slowloris)."""
    import uvicorn

    from ocr_loaders.server import header_deadline_protocol
    from tests.serverutil import free_port

    port = free_port()
    app = create_app(FakeEngine(delay=2.5), api_key="")
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                            http=header_deadline_protocol(1.0))
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}"
    try:
        for partial in (b"", b"POST /v1/document-ai/ocr HTTP/1.1\r\nHost: x\r\nContent-Le"):
            started = time.monotonic()
            sock = _send_partial(url, partial, b"")
            assert _response(sock) == b""  # closed without an answer
            assert time.monotonic() - started < 5
        # a request whose OCR takes longer than the deadline is answered, not dropped
        ok = requests.post(url + OCR, files={"document": ("a.png", tiny_png)}, timeout=30)
        assert ok.status_code == 200
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    hostile.TALLY["server faults"] += 1
