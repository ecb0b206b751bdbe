"""The API-compatible server over real HTTP (uvicorn on 127.0.0.1): auth, limits, errors,
schemas, the worker-pool backlog, curl, and a concurrent load."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

pytest.importorskip("fastapi")

from ocr_loaders.errors import InvalidAPIKeyError
from ocr_loaders.inputs import Limits
from ocr_loaders.server import create_app
from tests import docgen
from tests.conftest import SERVER_KEY
from tests.serverutil import FakeEngine, running

OCR = "/v1/document-ai/ocr"
AUTH = {"Authorization": f"Bearer {SERVER_KEY}"}


def post(url: str, data: bytes, *, headers: dict[str, str] | None = AUTH,
         fields: dict[str, str] | None = None, path: str = OCR,
         filename: str = "doc.png") -> requests.Response:
    return requests.post(url + path, headers=headers, files={"document": (filename, data)},
                         data=fields or {}, timeout=60)


def assert_error(resp: requests.Response, status: int, type_: str | None = None) -> dict:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"message", "type", "code"}
    assert all(isinstance(v, str) and v for v in body["error"].values())
    if type_:
        assert body["error"]["type"] == type_
    assert SERVER_KEY not in resp.text
    return body["error"]


@pytest.fixture(scope="module")
def fake_server() -> Iterator[str]:
    """Fast fake engine, auth off, a 20 kB document limit."""
    app = create_app(FakeEngine(), api_key="", limits=Limits(max_file_bytes=20_000))
    with running(app) as url:
        yield url


# --- auth ------------------------------------------------------------------------------------


def test_auth_required(ocr_server: str, tiny_png: bytes) -> None:
    assert_error(post(ocr_server, tiny_png, headers=None), 401, "authentication_error")
    wrong = post(ocr_server, tiny_png, headers={"Authorization": "Bearer nope-nope-123"})
    assert "nope-nope-123" not in assert_error(wrong, 401)["message"]
    assert wrong.headers["WWW-Authenticate"] == "Bearer"
    basic = post(ocr_server, tiny_png, headers={"Authorization": f"Basic {SERVER_KEY}"})
    assert_error(basic, 401)
    ok = post(ocr_server, tiny_png)
    assert ok.status_code == 200 and ok.json()["pages"][0]["text"]


def test_auth_off_and_from_env(tiny_png: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OCR_LOADERS_API_KEY", raising=False)
    with running(create_app(FakeEngine())) as url:
        assert post(url, tiny_png, headers=None).json()["text"] == "fake"
    monkeypatch.setenv("OCR_LOADERS_API_KEY", "env-key-xyz")
    with running(create_app(FakeEngine())) as url:
        assert_error(post(url, tiny_png, headers=None), 401)
        ok = post(url, tiny_png, headers={"Authorization": "Bearer env-key-xyz"})
        assert ok.status_code == 200


def test_server_key_read_with_its_line_break_still_matches(
        tiny_png: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    # a key from a secret file (Kubernetes, docker env_file) keeps its final line break; the
    # client drops it (README), so the server must too, or no request can ever authenticate
    monkeypatch.setenv("OCR_LOADERS_API_KEY", "env-key-xyz\n")
    with running(create_app(FakeEngine())) as url:
        ok = post(url, tiny_png, headers={"Authorization": "Bearer env-key-xyz"})
        assert ok.status_code == 200, ok.text
        assert_error(post(url, tiny_png, headers=None), 401)
    with running(create_app(FakeEngine(), api_key="  arg-key\r\n")) as url:
        assert post(url, tiny_png, headers={"Authorization": "Bearer arg-key"}).status_code == 200
    # a key of whitespace only is a mistake, not "no authentication"
    with pytest.raises(InvalidAPIKeyError):
        create_app(FakeEngine(), api_key=" \n")
    monkeypatch.setenv("OCR_LOADERS_API_KEY", "\n")
    with pytest.raises(InvalidAPIKeyError):
        create_app(FakeEngine())


# --- input errors ----------------------------------------------------------------------------


def test_health_and_docs(fake_server: str) -> None:
    health = requests.get(fake_server + "/health", timeout=10).json()
    assert health["status"] == "ok" and health["engine"] == "fake"
    assert requests.get(fake_server + "/docs", timeout=10).status_code == 200
    spec = requests.get(fake_server + "/openapi.json", timeout=10).json()
    assert OCR in spec["paths"] and "/v1/document-digitization" in spec["paths"]
    assert_error(requests.get(fake_server + "/nope", timeout=10), 404)


def test_413_by_content_length(fake_server: str) -> None:
    big = b"\x89PNG\r\n\x1a\n" + os.urandom(200_000)
    assert_error(post(fake_server, big), 413, "payload_too_large")


def test_413_while_streaming(fake_server: str) -> None:
    # under the body cap (limit + form overhead) but the file part is over the limit
    assert_error(post(fake_server, b"\x89PNG\r\n\x1a\n" + b"0" * 30_000), 413)

    def chunks() -> Iterator[bytes]:  # chunked transfer: no Content-Length to check
        boundary = b"--xyz"
        yield boundary + b"\r\nContent-Disposition: form-data; "
        yield b'name="document"; filename="a"\r\n\r\n'
        for _ in range(40):
            yield b"0" * 10_000

    resp = requests.post(fake_server + OCR, data=chunks(), timeout=30,
                         headers={"Content-Type": "multipart/form-data; boundary=xyz"})
    assert_error(resp, 413)


def test_413_for_a_chunked_body_of_many_parts_states_the_limit_in_its_unit(
        fake_server: str, tiny_png: bytes) -> None:
    # every file part under the limit, the body over it (no Content-Length): the message
    # gives the body cap in the limits' unit (MB of 2**20 bytes), as every other message does
    def chunks() -> Iterator[bytes]:
        yield b'--xyz\r\nContent-Disposition: form-data; name="document"; filename="a"\r\n\r\n'
        yield tiny_png + b"\r\n"
        for n in range(10):
            yield b'--xyz\r\nContent-Disposition: form-data; name="x%d"; filename="x"\r\n\r\n' % n
            yield b"0" * 15_000 + b"\r\n"
        yield b"--xyz--\r\n"

    resp = requests.post(fake_server + OCR, data=chunks(), timeout=30,
                         headers={"Content-Type": "multipart/form-data; boundary=xyz"})
    message = assert_error(resp, 413)["message"]
    assert message == "request body is larger than the limit of 85,536 bytes", message


def test_415_for_text(fake_server: str) -> None:
    err = assert_error(post(fake_server, b"hello, plain text", filename="a.png"), 415,
                       "unsupported_media_type")
    assert "unsupported document format" in err["message"]


def test_400_for_corrupt_png(fake_server: str, tiny_png: bytes) -> None:
    err = assert_error(post(fake_server, tiny_png[:60] + b"garbage" * 10), 400,
                       "invalid_request_error")
    assert err["code"] == "corrupt_document"


def test_400_for_a_password_protected_office_file(fake_server: str) -> None:
    data = (Path(__file__).parent / "fixtures" / "password_protected.xlsx").read_bytes()
    err = assert_error(post(fake_server, data, filename="sheet.xlsx"), 400,
                       "invalid_request_error")
    assert err["code"] == "encrypted_document"
    assert "PDF" not in err["message"] and "password-protected" in err["message"], err


def test_400_for_bad_requests(fake_server: str, tiny_png: bytes) -> None:
    assert_error(requests.post(fake_server + OCR, data=b"x", timeout=10), 400)
    no_doc = requests.post(fake_server + OCR, files={"file": ("a.png", tiny_png)}, timeout=10)
    assert assert_error(no_doc, 400)["code"] == "missing_document"
    # two documents in one request: refused, not the last one read and the first dropped
    two = requests.post(fake_server + OCR, files=[("document", ("a.png", tiny_png)),
                                                  ("document", ("b.png", tiny_png))], timeout=10)
    two_error = assert_error(two, 400)
    assert two_error["code"] == "invalid_form" and "one document" in two_error["message"]
    bad_schema = post(fake_server, tiny_png, fields={"schema": "azure"})
    schema_error = assert_error(bad_schema, 400)
    assert schema_error["code"] == "invalid_schema"
    assert "upstage, clova, google" in schema_error["message"], schema_error
    no_model = post(fake_server, tiny_png, path="/v1/document-digitization")
    assert assert_error(no_model, 400)["code"] == "invalid_model"
    ok = post(fake_server, tiny_png, path="/v1/document-digitization", fields={"model": "ocr"})
    assert ok.status_code == 200 and ok.headers["X-Requested-Model"] == "ocr"
    # the alias "ocr" points to a dated model ("ocr-260930"); clients that pin one must work
    pinned = post(fake_server, tiny_png, path="/v1/document-digitization",
                  fields={"model": "ocr-260930"})
    assert pinned.status_code == 200, pinned.text
    parse = post(fake_server, tiny_png, path="/v1/document-digitization",
                 fields={"model": "document-parse"})
    assert assert_error(parse, 400)["code"] == "invalid_model"
    # the OCR endpoint: no model is the server's choice, an OCR model is taken, others not
    for path in ("/v1/document-ai/ocr", "/v1/document-digitization"):
        for wrong in ("orc", "ocr-", "ocr-foo bar", "ocr-foo", "ocr-lastest", "OCR", ""):
            typo = post(fake_server, tiny_png, path=path, fields={"model": wrong})
            typo_error = assert_error(typo, 400)
            assert typo_error["code"] == "invalid_model", (wrong, typo_error)
            assert repr(wrong) in typo_error["message"], typo_error
    assert post(fake_server, tiny_png, fields={"model": "ocr-2.2.1"}).status_code == 200


def test_crashing_engine_gives_500_and_server_survives(tiny_png: bytes) -> None:
    with running(create_app(FakeEngine(crash=True), api_key="")) as url:
        for _ in range(2):
            assert_error(post(url, tiny_png), 500, "server_error")
        assert requests.get(url + "/health", timeout=10).json()["active"] == 0


# --- the real engine: schemas, curl ----------------------------------------------------------


def test_schema_outputs(ocr_server: str) -> None:
    frames = [docgen.render_lines(["alpha beta", "gamma"], size=28, width=360),
              docgen.render_lines(["delta epsilon"], size=28, width=360)]
    tiff = docgen.multi_frame_tiff(frames)
    api = post(ocr_server, tiff).json()
    assert [m["page"] for m in api["metadata"]["pages"]] == [1, 2]
    clova = post(ocr_server, tiff, fields={"schema": "clova"}).json()
    assert clova["version"] == "V2" and len(clova["images"]) == 2
    for image, page in zip(clova["images"], api["pages"], strict=True):
        assert image["inferResult"] == "SUCCESS"
        assert image["convertedImageInfo"]["width"] == page["width"]
        texts = [f["inferText"] for f in image["fields"]]
        assert texts == page["text"].split()
        line_ends = [line.split()[-1] for line in page["text"].split("\n") if line.split()]
        assert [f["inferText"] for f in image["fields"] if f["lineBreak"]] == line_ends
    google = post(ocr_server, tiff, fields={"schema": "google"}).json()
    assert [r["context"]["pageNumber"] for r in google["responses"]] == [1, 2]
    for resp, page in zip(google["responses"], api["pages"], strict=True):
        assert resp["textAnnotations"][0]["locale"] == "en"
        assert [a["description"] for a in resp["textAnnotations"][1:]] == page["text"].split()
        gpage = resp["fullTextAnnotation"]["pages"][0]
        words = [w for b in gpage["blocks"] for p in b["paragraphs"] for w in p["words"]]
        assert len(words) == len(page["words"])
        assert words[-1]["symbols"][-1]["property"]["detectedBreak"]["type"] == "LINE_BREAK"


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl not installed")
def test_documented_curl_example(ocr_server: str, tiny_png: bytes, tmp_path: Path) -> None:
    (tmp_path / "hello.png").write_bytes(tiny_png)
    out = subprocess.run(
        ["curl", "-sS", "-X", "POST", f"{ocr_server}/v1/document-ai/ocr",
         "-H", f"Authorization: Bearer {SERVER_KEY}", "-F", "document=@hello.png"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=True,
    )
    body = json.loads(out.stdout)
    assert body["apiVersion"] == "1.1" and body["numBilledPages"] == 1
    assert "Hello" in body["text"]


# --- the worker pool -------------------------------------------------------------------------


def test_queue_full_answers_429_with_retry_after(tiny_png: bytes) -> None:
    app = create_app(FakeEngine(delay=0.8), api_key="", max_workers=1, max_queue=0)
    with running(app) as url, ThreadPoolExecutor(3) as pool:
        responses = list(pool.map(lambda _: post(url, tiny_png), range(3)))
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200, 429, 429]
        for resp in responses:
            if resp.status_code == 429:
                assert int(resp.headers["Retry-After"]) >= 1
                assert assert_error(resp, 429)["code"] == "server_busy"
        assert post(url, tiny_png).status_code == 200  # capacity is back


def _hold_the_worker(pool: ThreadPoolExecutor, url: str, png: bytes
                     ) -> Future[requests.Response]:
    """A slow job posted on ``pool`` (again while refused: a probe may hold the one worker
    for a moment), returned once the server refuses others: it holds the worker."""

    def admitted() -> requests.Response:
        while True:
            resp = post(url, png)
            if resp.status_code != 429:
                return resp

    slow = pool.submit(admitted)
    deadline = time.monotonic() + 30
    while post(url, b"").status_code != 429:  # empty: refused at once while not busy
        assert time.monotonic() < deadline and not slow.done(), "the slow job never ran"
    return slow


def test_retry_after_counts_the_running_jobs_time(tiny_png: bytes) -> None:
    """A fresh server has no mean job time yet (it starts at 1 s): while a 4 s job has run
    for 3 s, a 429 says at least 3 s, not 2."""
    app = create_app(FakeEngine(delay=4.0), api_key="", max_workers=1, max_queue=0)
    with running(app) as url, ThreadPoolExecutor(1) as pool:
        slow = _hold_the_worker(pool, url, tiny_png)
        time.sleep(3)
        later = post(url, b"")
        assert later.status_code == 429 and int(later.headers["Retry-After"]) >= 3
        assert slow.result().status_code == 200


def test_retry_after_is_not_pulled_down_by_refused_documents(tiny_png: bytes) -> None:
    """``Retry-After`` comes from the mean job time; documents refused at once (empty,
    corrupt) are not OCR and do not count: a run of them used to bring it to 1 s while
    slow jobs queued."""
    app = create_app(FakeEngine(delay=2.0), api_key="", max_workers=1, max_queue=0)
    with running(app) as url:
        assert post(url, tiny_png).status_code == 200  # one 2 s job: mean 1.0 -> 1.2 s
        for _ in range(6):
            refused = post(url, b"")
            error = assert_error(refused, 400)
            assert error["message"] == "empty document (0 bytes)", error  # no "<bytes>"
        with ThreadPoolExecutor(1) as pool:
            slow = _hold_the_worker(pool, url, tiny_png)
            busy = post(url, b"")
            assert busy.status_code == 429
            assert int(busy.headers["Retry-After"]) >= 2  # 1 when the refusals counted
            assert slow.result().status_code == 200


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs /proc")
def test_concurrent_load(ocr_server: str, tiny_png: bytes, tmp_path: Path,
                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    post(ocr_server, tiny_png)  # warm
    fds_before = _open_fds()
    local = threading.local()
    sessions: list[requests.Session] = []

    def one(_: int) -> int:
        if not hasattr(local, "s"):
            local.s = requests.Session()
            sessions.append(local.s)
        resp = local.s.post(ocr_server + OCR, headers=AUTH,
                            files={"document": ("t.png", tiny_png)}, timeout=120)
        assert resp.json()["text"].strip(), resp.text
        return resp.status_code

    start = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(one, range(40)))
    elapsed = time.monotonic() - start
    for s in sessions:
        s.close()
    print(f"\nload: 40 requests, 8 concurrent, {elapsed:.2f} s, {40 / elapsed:.1f} requests/s")
    assert statuses == [200] * 40
    deadline = time.monotonic() + 5
    while _open_fds() > fds_before + 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _open_fds() <= fds_before + 2
    assert list(tmp_path.iterdir()) == []


def test_serve_command(tmp_path: Path) -> None:
    """``ocr-loaders serve`` starts a server (the engine loads lazily, so this is cheap)."""
    import sys

    from tests.serverutil import free_port

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ocr_loaders.cli", "serve", "--port", str(port),
         "--api-key", "cli-key", "--workers", "1", "--queue", "1"],
        cwd=Path(__file__).parent.parent, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = requests.get(url + "/health", timeout=2).json()
                break
            except requests.ConnectionError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        assert health["workers"] == 1 and health["capacity"] == 2
        assert_error(post(url, b"x", headers=None), 401)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_client_disconnect_mid_upload(fake_server: str, tiny_png: bytes) -> None:
    import socket

    host, port = fake_server.removeprefix("http://").split(":")
    head = (f"POST {OCR} HTTP/1.1\r\nHost: x\r\nContent-Length: 15000\r\n"
            "Content-Type: multipart/form-data; boundary=b\r\n\r\n").encode()
    part = b'--b\r\nContent-Disposition: form-data; name="document"; filename="a"\r\n\r\n'
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(head + part + tiny_png[:100])
    time.sleep(0.2)
    assert requests.get(fake_server + "/health", timeout=10).json()["status"] == "ok"
    assert post(fake_server, tiny_png).status_code == 200
