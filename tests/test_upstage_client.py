"""UpstageEngine over real HTTP: our own server, and a scripted server for the failure modes.

No patching: every request crosses a socket on 127.0.0.1. The scripted server picks its
behaviour from the first path segment (``/<scenario>/v1/document-ai/ocr``) and counts requests
per scenario, so retry counts are observed on the server side.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import threading
import time
import traceback
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from ocr_loaders.engines import get_engine
from ocr_loaders.engines.upstage import UpstageEngine
from ocr_loaders.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    DocumentTooLargeError,
    EncryptedDocumentError,
    InputError,
    InvalidAPIKeyError,
    InvalidBaseURLError,
    InvalidResponseError,
    MissingAPIKeyError,
    PageRangeError,
    PayloadTooLargeError,
    RateLimitError,
    ServerError,
    UnsupportedFormatError,
)
from ocr_loaders.inputs import Limits
from tests import docgen
from tests.conftest import SERVER_KEY
from tests.serverutil import free_port

KEY = "up-SECRET-key-do-not-leak-42"
FIXTURE = (Path(__file__).parent / "fixtures" / "hello_response.json").read_bytes()


def _three_pages() -> bytes:
    data = json.loads(FIXTURE)
    page = data["pages"][0]
    data["pages"] = [{**page, "id": i} for i in range(3)]
    data["metadata"]["pages"] = [{**data["metadata"]["pages"][0], "page": i + 1}
                                 for i in range(3)]
    data["numBilledPages"] = 3
    return json.dumps(data).encode()


THREE_PAGES = _three_pages()


class Scripted(BaseHTTPRequestHandler):
    """Answers by scenario; records counts, auth headers and form bodies."""

    counts: ClassVar[Counter[str]] = Counter()
    bodies: ClassVar[dict[str, bytes]] = {}
    auth: ClassVar[dict[str, str]] = {}
    lock = threading.Lock()

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass

    def _send(self, status: int, body: bytes, ctype: str = "application/json",
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)  # the client may have given up (timeout tests)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        scenario = self.path.strip("/").split("/")[0]
        with self.lock:
            self.counts[scenario] += 1
            n = self.counts[scenario]
            self.bodies[scenario] = body
            self.auth[scenario] = self.headers.get("Authorization", "")
        err = {"error": {"message": f"{scenario} says no", "type": "x", "code": "y"}}
        if scenario in ("ok", "rps"):
            self._send(200, FIXTURE)
        elif scenario == "three":
            self._send(200, THREE_PAGES)
        elif scenario == "rate":
            self._send(429, json.dumps(err).encode(), headers={"Retry-After": "0.3"})
        elif scenario == "flaky":
            if n == 1:
                self._send(500, b"boom", ctype="text/plain")
            else:
                self._send(200, FIXTURE)
        elif scenario == "nanretry":  # a proxy's nonsense Retry-After, then success
            if n == 1:
                self._send(503, json.dumps(err).encode(), headers={"Retry-After": "nan"})
            else:
                self._send(200, FIXTURE)
        elif scenario == "down":
            self._send(503, json.dumps(err).encode())
        elif scenario == "timeout408":
            self._send(408, b"") if n == 1 else self._send(200, FIXTURE)
        elif scenario.isdigit():
            self._send(int(scenario), json.dumps(err).encode())
        elif scenario == "plain400":
            self._send(400, b"x" * 5000, ctype="text/plain")
        elif scenario == "echo":  # a careless server that echoes the key back
            msg = {"error": {"message": f"bad key {self.headers.get('Authorization')}"}}
            self._send(401, json.dumps(msg).encode())
        elif scenario.startswith("slow"):
            time.sleep(1.0)
            self._send(200, FIXTURE)
        elif scenario == "badjson":
            self._send(200, b"<html>not json</html>", ctype="text/html")
        elif scenario == "wrongshape":
            self._send(200, b'{"hello": "world"}')
        else:
            self._send(404, b"{}")


@pytest.fixture(scope="module")
def scripted() -> str:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Scripted)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def client(base: str, scenario: str, **kwargs: object) -> UpstageEngine:
    opts: dict[str, object] = {"backoff_base": 0.05, "backoff_max": 0.2, "max_retries": 2}
    opts.update(kwargs)
    return UpstageEngine(KEY, base_url=f"{base}/{scenario}", **opts)  # type: ignore[arg-type]


# --- against our own server, with the real embedded engine -----------------------------------


def test_client_matches_embedded_engine(ocr_server: str, engine, english_png: bytes) -> None:
    remote = UpstageEngine(SERVER_KEY, base_url=ocr_server).recognize(english_png)
    direct = engine.recognize(english_png)
    assert remote.text == direct.text
    assert remote.text.strip()
    assert [(w.text, w.bounding_box.points()) for w in remote.pages[0].words] == [
        (w.text, w.bounding_box.points()) for w in direct.pages[0].words]
    assert remote.model_version == direct.model_version
    assert remote.metadata == direct.metadata


def test_base_url_with_the_api_version(ocr_server: str, tiny_png: bytes) -> None:
    """``https://api.upstage.ai/v1`` as Upstage's docs write it: the ``/v1`` is not doubled
    (it posted to /v1/v1/... and got a bare 404); a wrong path's 404 names the URL."""
    for base in (ocr_server + "/v1", ocr_server + "/v1/"):
        remote = UpstageEngine(SERVER_KEY, base_url=base)
        assert remote.url == ocr_server + "/v1/document-ai/ocr"
        assert remote.recognize(tiny_png).text.strip()
    wrong = UpstageEngine(SERVER_KEY, base_url=ocr_server + "/api", max_retries=0)
    with pytest.raises(APIStatusError, match=r"404.*/api/v1/document-ai/ocr") as info:
        wrong.recognize(tiny_png)
    assert SERVER_KEY not in str(info.value)


def test_client_schemas_and_digitization_endpoint(ocr_server: str, tiny_png: bytes) -> None:
    remote = UpstageEngine(SERVER_KEY, base_url=ocr_server, endpoint="document-digitization")
    assert remote.url.endswith("/v1/document-digitization") and remote.model == "ocr"
    result = remote.recognize(tiny_png)
    clova = remote.recognize_raw(tiny_png, schema="clova")
    google = remote.recognize_raw(tiny_png, schema="google")
    assert clova["version"] == "V2" and len(clova["images"]) == 1
    assert [f["inferText"] for f in clova["images"][0]["fields"]] == [
        w.text for w in result.pages[0].words]
    assert google["responses"][0]["context"]["pageNumber"] == 1
    assert get_engine("upstage", api_key=SERVER_KEY, base_url=ocr_server).name == "upstage"


def test_recognize_raw_page_selection_takes_the_schema_in_any_case() -> None:
    """The server (and schemas.convert) take ``schema`` in any case; recognize_raw sent it as
    given but picked the list to cut by an exact match, so ``schema="CLOVA"`` or
    ``"Upstage"`` with ``pages`` looked for Google's ``responses`` and raised
    InvalidResponseError on a good answer."""
    from PIL import Image

    from ocr_loaders.server import create_app
    from tests.docgen import multi_frame_tiff
    from tests.serverutil import FakeEngine, running

    tiff = multi_frame_tiff([Image.new("RGB", (20, 20), "white") for _ in range(3)])
    with running(create_app(FakeEngine(), api_key=SERVER_KEY, max_workers=1)) as url:
        remote = UpstageEngine(SERVER_KEY, base_url=url)
        for schema, key in (("CLOVA", "images"), ("Google", "responses"), ("Upstage", "pages")):
            raw = remote.recognize_raw(tiff, schema=schema, pages="2")
            assert len(raw[key]) == 1, schema
        assert raw["metadata"]["pages"][0]["page"] == 2


def test_total_pages_is_the_documents_own_count_past_the_30_the_server_reads() -> None:
    """The server answers for the first 30 pages; ``recognize`` took its page count as the
    document's, so a 35-page PDF said ``total_pages == 30`` (the loaders, which open the file
    first, said 35, as the embedded engine does) and the cut went unseen."""
    from PIL import Image

    from ocr_loaders.server import create_app
    from tests.docgen import pdf_from_images
    from tests.serverutil import FakeEngine, running

    pdf = pdf_from_images([Image.new("RGB", (20, 20), "white") for _ in range(35)], dpi=72)
    with running(create_app(FakeEngine(), api_key=SERVER_KEY, max_workers=1)) as url:
        remote = UpstageEngine(SERVER_KEY, base_url=url)
        result = remote.recognize(pdf)
        assert (len(result.pages), result.total_pages) == (30, 35)
        picked = remote.recognize(pdf, pages="2-3")
        assert [m.page for m in picked.metadata.pages] == [2, 3] and picked.total_pages == 35


def test_client_wrong_key_against_our_server(ocr_server: str, tiny_png: bytes) -> None:
    with pytest.raises(AuthenticationError) as info:
        UpstageEngine("wrong", base_url=ocr_server).recognize(tiny_png)
    assert info.value.status_code == 401
    assert "invalid or missing API key" in str(info.value)


def test_a_key_read_with_its_line_break_works_and_a_broken_key_is_refused_unseen(
        ocr_server: str, tiny_png: bytes, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    # open("key.txt").read() keeps the final line break: stripped, the key is accepted
    result = UpstageEngine(SERVER_KEY + "\n", base_url=ocr_server).recognize(tiny_png)
    assert result.num_billed_pages == 1
    monkeypatch.setenv("UPSTAGE_API_KEY", f"  {SERVER_KEY}\r\n")
    assert UpstageEngine(base_url=ocr_server).recognize(tiny_png).num_billed_pages == 1
    # inside the key, a line break (or a header smuggled after one) cannot be sent: refused
    # before any request, and the message does not quote the key (requests' error would)
    caplog.set_level(logging.DEBUG)
    for bad in (f"{SERVER_KEY}\nX-Evil: 1", f"{SERVER_KEY[:5]}\x00{SERVER_KEY[5:]}",
                f"{SERVER_KEY} {SERVER_KEY}", f"{SERVER_KEY}é"):
        with pytest.raises(InvalidAPIKeyError) as info:
            UpstageEngine(bad, base_url=ocr_server)
        assert SERVER_KEY not in str(info.value) and SERVER_KEY[:8] not in str(info.value)
    assert SERVER_KEY not in caplog.text


def test_arecognize_does_not_block_the_event_loop(scripted: str, tiny_png: bytes) -> None:
    engine = client(scripted, "slow", max_retries=0)

    async def main() -> tuple[int, str]:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.05)
                ticks += 1

        task = asyncio.create_task(ticker())
        result = await engine.arecognize(tiny_png)
        task.cancel()
        return ticks, result.text

    ticks, text = asyncio.run(main())
    assert ticks >= 10  # the loop kept running during the ~1 s request
    assert text == "Print the words \nhello, world"


# --- the scripted server: request shape, retries and typed errors ----------------------------


def test_request_shape(scripted: str, tiny_png: bytes) -> None:
    result = client(scripted, "ok", model="ocr-2.2.1").recognize(tiny_png)
    assert result.model_version == "ocr-2.2.1" and result.num_billed_pages == 1
    assert result.to_json(indent=2) + "\n" == FIXTURE.decode()  # parsed API JSON round-trips
    body = Scripted.bodies["ok"]
    assert b'name="document"' in body and b"Content-Type: image/png" in body
    assert b'name="model"\r\n\r\nocr-2.2.1' in body
    assert b'name="schema"' not in body
    assert Scripted.auth["ok"] == f"Bearer {KEY}"


def test_page_selection_keeps_real_page_numbers(scripted: str, tiny_png: bytes) -> None:
    result = client(scripted, "three").recognize(tiny_png, pages="2-3")
    assert [m.page for m in result.metadata.pages] == [2, 3]
    assert [p.id for p in result.pages] == [0, 1]
    # the whole document was sent and billed: the server's numBilledPages, not the kept pages
    assert result.num_billed_pages == 3 and result.total_pages == 3
    raw = client(scripted, "three").recognize_raw(tiny_png, pages="2")
    assert raw["numBilledPages"] == 3 and [m["page"] for m in raw["metadata"]["pages"]] == [2]
    with pytest.raises(PageRangeError):
        client(scripted, "three").recognize(tiny_png, pages=[4])


def test_loaders_send_office_files_as_they_are(scripted: str, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The API converts DOCX/PPTX/XLSX itself: the loaders upload the file unconverted (no
    LibreOffice here at all) and take its page count from the answer."""
    from ocr_loaders.langchain import OCRLoader
    from tests.docgen import docx_bytes

    monkeypatch.setenv("OCR_LOADERS_SOFFICE", str(tmp_path / "no-soffice"))
    path = tmp_path / "memo.docx"
    path.write_bytes(docx_bytes(["Quarterly memo", "Second paragraph"]))
    remote = client(scripted, "three")
    docs = OCRLoader(path, engine=remote).load()
    assert [d.metadata["page"] for d in docs] == [1, 2, 3]
    assert {(d.metadata["total_pages"], d.metadata["document_pages"]) for d in docs} == {(3, 3)}
    body = Scripted.bodies["three"]
    assert path.read_bytes() in body and b"wordprocessingml" in body  # the DOCX itself
    picked = OCRLoader(path, engine=remote, pages="2-3").load()
    assert [(d.metadata["page"], d.metadata["total_pages"], d.metadata["document_pages"])
            for d in picked] == [(2, 2, 3), (3, 2, 3)]
    # the selected pages it has, as for any file (the count comes with the answer)
    past = OCRLoader(path, engine=remote, pages="2-5").load()
    assert [(d.metadata["page"], d.metadata["total_pages"], d.metadata["document_pages"])
            for d in past] == [(2, 2, 3), (3, 2, 3)]
    with pytest.raises(PageRangeError):
        OCRLoader(path, engine=remote, pages="5").load()
    with pytest.raises(PageRangeError):  # the engine itself is strict, as the local one is
        remote.recognize(path, pages="2-5")
    # an answer of as many pages as the API reads says nothing of the pages after them
    with pytest.raises(PageRangeError, match="past the 3 pages the API reads"):
        OCRLoader(path, engine=remote, pages="2-5", limits=Limits(max_pages=3)).load()
    # through the result cache: stored with its count, served with it
    cache = tmp_path / "cache.sqlite"
    first = OCRLoader(path, engine=remote, cache=cache)
    second = OCRLoader(path, engine=remote, cache=cache)
    assert [d.metadata for d in first.load()] == [d.metadata for d in second.load()]
    assert second.from_cache == [str(path)]
    assert [d.metadata["total_pages"] for d in second.load()] == [3, 3, 3]


def test_429_honours_retry_after_then_raises(scripted: str, tiny_png: bytes) -> None:
    start = time.monotonic()
    with pytest.raises(RateLimitError) as info:
        client(scripted, "rate").recognize(tiny_png)
    elapsed = time.monotonic() - start
    assert Scripted.counts["rate"] == 3  # 1 + max_retries
    assert 0.6 <= elapsed < 2.0  # two waits of Retry-After: 0.3 (not the 0.05 s backoff)
    assert info.value.status_code == 429 and "rate says no" in str(info.value)


def test_500_then_200_is_retried(scripted: str, tiny_png: bytes) -> None:
    result = client(scripted, "flaky").recognize(tiny_png)
    assert result.text and Scripted.counts["flaky"] == 2


def test_a_retry_after_that_is_not_a_number_falls_back_to_backoff(
    scripted: str, tiny_png: bytes
) -> None:
    """'Retry-After: nan' parses as a float: it reached time.sleep, whose ValueError ('Invalid
    value NaN') escaped the client untyped, with no retry."""
    start = time.monotonic()
    result = client(scripted, "nanretry").recognize(tiny_png)
    assert result.text and Scripted.counts["nanretry"] == 2
    assert time.monotonic() - start < 2.0  # the 0.05 s backoff, not a long wait


def test_408_is_retried(scripted: str, tiny_png: bytes) -> None:
    client(scripted, "timeout408").recognize(tiny_png)
    assert Scripted.counts["timeout408"] == 2


def test_5xx_backoff_bounds(scripted: str, tiny_png: bytes) -> None:
    engine = client(scripted, "down", max_retries=3, backoff_base=0.05, backoff_max=0.1)
    start = time.monotonic()
    with pytest.raises(ServerError) as info:
        engine.recognize(tiny_png)
    elapsed = time.monotonic() - start
    assert Scripted.counts["down"] == 4
    # waits 0.05, 0.1, 0.1 (capped), each with up to 25 % jitter off
    assert 0.75 * 0.25 <= elapsed < 1.5
    assert info.value.status_code == 503


@pytest.mark.parametrize(
    ("status", "error"),
    [(400, BadRequestError), (401, AuthenticationError), (403, AuthenticationError),
     (413, PayloadTooLargeError), (415, BadRequestError), (422, BadRequestError)],
)
def test_client_errors_are_not_retried(scripted: str, tiny_png: bytes, status: int,
                                       error: type[Exception]) -> None:
    with pytest.raises(error) as info:
        client(scripted, str(status)).recognize(tiny_png)
    assert Scripted.counts[str(status)] == 1
    assert info.value.status_code == status  # type: ignore[attr-defined]
    assert f"{status} says no" in str(info.value)


def test_non_json_error_body_is_truncated(scripted: str, tiny_png: bytes) -> None:
    with pytest.raises(BadRequestError) as info:
        client(scripted, "plain400").recognize(tiny_png)
    assert len(str(info.value)) <= 520 and str(info.value).endswith("...")


def test_read_timeout(scripted: str, tiny_png: bytes) -> None:
    engine = client(scripted, "slow-timeout", read_timeout=0.2, max_retries=1)
    start = time.monotonic()
    with pytest.raises(APITimeoutError):
        engine.recognize(tiny_png)
    assert Scripted.counts["slow-timeout"] == 2
    assert time.monotonic() - start < 1.5


def test_default_timeouts() -> None:
    engine = UpstageEngine(KEY)
    assert engine.timeout[1] >= 180 and engine.timeout[0] > 0
    assert engine.url == "https://api.upstage.ai/v1/document-ai/ocr"


@pytest.mark.parametrize("scenario", ["badjson", "wrongshape"])
def test_invalid_2xx_body(scripted: str, tiny_png: bytes, scenario: str) -> None:
    with pytest.raises(InvalidResponseError):
        client(scripted, scenario).recognize(tiny_png)
    assert Scripted.counts[scenario] == 1


def test_connection_refused(tiny_png: bytes) -> None:
    port = free_port()  # nothing listens there any more
    engine = UpstageEngine(KEY, base_url=f"http://127.0.0.1:{port}", max_retries=1,
                           backoff_base=0.05)
    with pytest.raises(APIConnectionError) as info:
        engine.recognize(tiny_png)
    assert not isinstance(info.value, APITimeoutError)


def test_requests_per_second(scripted: str, tiny_png: bytes) -> None:
    engine = client(scripted, "rps", requests_per_second=10)
    start = time.monotonic()
    for _ in range(3):
        engine.recognize(tiny_png)
    assert time.monotonic() - start >= 0.19


def test_local_validation_saves_the_round_trip(scripted: str) -> None:
    engine = client(scripted, "never")
    with pytest.raises(UnsupportedFormatError):
        engine.recognize(b"just some text")
    with pytest.raises(DocumentTooLargeError):
        engine.recognize(b"\x89PNG\r\n\x1a\n" + b"0" * 2000, limits=Limits(max_file_bytes=1000))
    with pytest.raises(InputError):
        engine.recognize(b"%PDF-1.4", password="x")
    with pytest.raises(PageRangeError):
        engine.recognize(b"%PDF-1.4", pages="0")
    assert Scripted.counts["never"] == 0


def test_an_encrypted_pdf_goes_decrypted(scripted: str, tmp_path: Path) -> None:
    """The API takes no password: with the right one the PDF is opened here and sent
    decrypted (same page); without it, or with a wrong one, EncryptedDocumentError and no
    request, as the embedded engine raises."""
    import pypdfium2 as pdfium

    locked = docgen.encrypted_pdf("pw123")
    engine = client(scripted, "ok")
    Scripted.bodies.pop("ok", None)
    engine.recognize(locked, password="pw123")
    body = Scripted.bodies["ok"]
    sent = body[body.index(b"%PDF"):body.rindex(b"%%EOF") + 5]
    with pdfium.PdfDocument(sent) as pdf:  # opens without a password
        assert len(pdf) == 1
    before = Scripted.counts["ok"]
    for password in (None, "wrong"):
        with pytest.raises(EncryptedDocumentError):
            engine.recognize(locked, password=password)
    # the loaders too (they open the document first)
    from ocr_loaders.langchain import OCRLoader

    path = tmp_path / "locked.pdf"
    path.write_bytes(locked)
    with pytest.raises(EncryptedDocumentError):
        OCRLoader(path, engine=engine, password="wrong").load()
    assert Scripted.counts["ok"] == before
    docs = OCRLoader(path, engine=engine, password="pw123").load()
    assert docs and Scripted.counts["ok"] == before + 1
    assert b"/Encrypt" not in Scripted.bodies["ok"]
    # pages past its end (the loaders keep those it has): still sent decrypted
    docs = OCRLoader(path, engine=engine, password="pw123", pages="1-3").load()
    assert docs and b"/Encrypt" not in Scripted.bodies["ok"]
    raw = engine.recognize_raw(locked, password="pw123")  # the raw JSON too
    assert raw["pages"] and b"/Encrypt" not in Scripted.bodies["ok"]
    # the result cache keys on the file's own bytes (a decrypted copy differs at every save)
    cache = tmp_path / "cache.sqlite"
    before = Scripted.counts["ok"]
    OCRLoader(path, engine=engine, password="pw123", cache=cache).load()
    again = OCRLoader(path, engine=engine, password="pw123", cache=cache)
    again.load()
    assert Scripted.counts["ok"] == before + 1 and again.from_cache == [str(path)]


@pytest.mark.parametrize("url", ["127.0.0.1:8000", "ftp://x", "http://", "api.upstage.ai/v1"])
def test_a_base_url_without_scheme_or_host_is_refused_at_once(
        url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A setting to fix, not a connection to retry (``127.0.0.1:8000`` was taken, then each
    request retried and failed with APIConnectionError 'No connection adapters')."""
    with pytest.raises(InvalidBaseURLError, match="base_url must be an http"):
        UpstageEngine(KEY, base_url=url)
    monkeypatch.setenv("UPSTAGE_BASE_URL", url)
    with pytest.raises(ValueError, match="base_url"):
        UpstageEngine(KEY)
    assert UpstageEngine(KEY, base_url="http://127.0.0.1:8000/").url.startswith(
        "http://127.0.0.1:8000/v1/")


@pytest.mark.parametrize("url", ["http://:8000", "http://user@", "http://[::1", "http://h:x/",
                                 "user:s3cretpw@myproxy:8080"])
def test_a_base_url_without_a_host_is_refused_and_not_shown(url: str) -> None:
    with pytest.raises(InvalidBaseURLError) as info:
        UpstageEngine(KEY, base_url=url)
    assert "s3cretpw" not in str(info.value) and url not in str(info.value)


def test_the_base_urls_password_is_never_shown() -> None:
    """A proxy's ``user:password@`` in the base URL stays out of the repr and of the errors
    (the connection error of requests names the URL)."""
    engine = UpstageEngine(KEY, base_url=f"http://me:s3cretpw@127.0.0.1:{free_port()}",
                           max_retries=0)
    assert "s3cretpw" not in repr(engine) and "***@127.0.0.1" in repr(engine)
    with pytest.raises(APIConnectionError) as info:
        engine.recognize(docgen.image_bytes(docgen.render_lines(["Hi"]), "PNG"))
    assert "s3cretpw" not in str(info.value) and "cannot reach" in str(info.value)


def test_missing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("UPSTAGE_API_KEY", raising=False)
    with pytest.raises(MissingAPIKeyError):
        UpstageEngine()
    monkeypatch.setenv("UPSTAGE_API_KEY", KEY)
    assert "**" in repr(UpstageEngine())


def test_key_never_leaks(scripted: str, tiny_png: bytes, caplog: pytest.LogCaptureFixture,
                         capsys: pytest.CaptureFixture[str]) -> None:
    caplog.set_level(logging.DEBUG)
    engine = client(scripted, "echo")
    assert KEY not in repr(engine) and KEY not in str(engine)
    assert KEY not in repr(vars(engine))
    texts = []
    for scenario, exc_type in [("echo", AuthenticationError), ("down", ServerError),
                               ("slow", APITimeoutError)]:
        eng = client(scripted, scenario, read_timeout=0.2, max_retries=1)
        with pytest.raises(exc_type) as info:
            eng.recognize(tiny_png)
        exc = info.value
        texts += [str(exc), repr(exc), str(getattr(exc, "body", "")),
                  "".join(traceback.format_exception(exc))]
    with pytest.raises(APIConnectionError) as info:
        UpstageEngine(KEY, base_url=f"http://127.0.0.1:{free_port()}", max_retries=0).recognize(
            tiny_png)
    texts.append("".join(traceback.format_exception(info.value)))
    assert "bad key Bearer **********" in texts[0]
    texts += [r.getMessage() for r in caplog.records] + [caplog.text]
    texts += list(capsys.readouterr())
    for text in texts:
        assert KEY not in text
    assert any("retry" in r.getMessage() for r in caplog.records)


def test_cli_upstage_engine_with_schema(ocr_server: str, tiny_png: bytes, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    from ocr_loaders.cli import main

    monkeypatch.setenv("UPSTAGE_API_KEY", SERVER_KEY)
    monkeypatch.setenv("UPSTAGE_BASE_URL", ocr_server)
    path = tmp_path / "hello.png"
    path.write_bytes(tiny_png)
    assert main(["ocr", str(path), "--engine", "upstage", "--schema", "clova"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["version"] == "V2" and out["images"][0]["fields"][-1]["lineBreak"] is True


def test_client_waits_out_a_busy_server(tiny_png: bytes) -> None:
    """Our server's 429 + Retry-After, honoured by the client: both requests succeed."""
    from concurrent.futures import ThreadPoolExecutor

    from ocr_loaders.server import create_app
    from tests.serverutil import FakeEngine, running

    app = create_app(FakeEngine(delay=0.4), api_key="", max_workers=1, max_queue=0)
    with running(app) as url, ThreadPoolExecutor(2) as pool:
        engine = UpstageEngine(KEY, base_url=url, max_retries=3, max_retry_after=2.0)
        start = time.monotonic()
        results = list(pool.map(lambda _: engine.recognize(tiny_png), range(2)))
        elapsed = time.monotonic() - start
    assert [r.text for r in results] == ["fake", "fake"]
    assert 0.8 <= elapsed < 4.0  # the second one waited Retry-After (>= 1 s)


def test_selected_pages_of_a_pdf_with_form_fields(ocr_server: str, tmp_path: Path) -> None:
    """A filled form field without an appearance of its own is drawn from the document's
    /AcroForm, which a copy of its pages lacks: such a PDF is sent whole, the pages picked
    from the answer (a copy lost the value)."""
    import pikepdf

    pdf = pikepdf.open(io.BytesIO(docgen.pdf_from_images(
        [docgen.render_lines([f"Page {n}"], size=28, width=320) for n in (1, 2)], dpi=72)))
    field = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Widget, FT=pikepdf.Name.Tx,
        T=pikepdf.String("name"), V=pikepdf.String("Alice Kim"), Rect=[10, 10, 300, 40],
        DA=pikepdf.String("/Helv 20 Tf 0 g"), P=pdf.pages[1].obj))
    pdf.pages[1].obj.Annots = pdf.make_indirect(pikepdf.Array([field]))
    pdf.Root.AcroForm = pdf.make_indirect(pikepdf.Dictionary(
        Fields=pikepdf.Array([field]), NeedAppearances=True,
        DR=pikepdf.Dictionary(Font=pikepdf.Dictionary(Helv=pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
            BaseFont=pikepdf.Name.Helvetica)))),
        DA=pikepdf.String("/Helv 20 Tf 0 g")))
    path = tmp_path / "form.pdf"
    pdf.save(path)
    remote = UpstageEngine(SERVER_KEY, base_url=ocr_server)
    whole = remote.recognize(path)
    assert "Alice Kim" in whole.pages[1].text, whole.pages[1].text
    second = remote.recognize(path, pages="2")
    assert second.pages[0].text == whole.pages[1].text
    assert [m.page for m in second.metadata.pages] == [2]


def test_selected_pages_of_a_pdf_are_all_that_is_sent(ocr_server: str, tmp_path: Path) -> None:
    """Only the selected pages of a PDF are uploaded: the API reads and bills just them, and
    pages past its 30th can be asked for (``30-32`` of 35 pages raised PageRangeError, and page
    30 was lost with them, while the embedded engine read them); their page numbers stay the
    document's in every schema and through the loader."""
    from ocr_loaders.langchain import OCRLoader

    images = [docgen.render_lines([f"Page {n}"], size=28, width=320) for n in range(1, 36)]
    path = tmp_path / "long.pdf"
    path.write_bytes(docgen.pdf_from_images(images, dpi=72))
    remote = UpstageEngine(SERVER_KEY, base_url=ocr_server)
    result = remote.recognize(path, pages="30-32")
    assert result.text.split("\n") == ["Page 30", "Page 31", "Page 32"]
    assert [m.page for m in result.metadata.pages] == [30, 31, 32]
    assert result.num_billed_pages == 3 and result.total_pages == 35
    google = remote.recognize_raw(path, schema="google", pages=[2, 33])
    assert [r["context"]["pageNumber"] for r in google["responses"]] == [2, 33]
    clova = remote.recognize_raw(path, schema="clova", pages="1,34")
    assert [image["name"] for image in clova["images"]] == ["page-1", "page-34"]
    assert [image["convertedImageInfo"]["pageIndex"] for image in clova["images"]] == [0, 33]
    docs = OCRLoader(path, engine=remote, pages="31,35").load()
    assert [(d.metadata["page"], d.page_content) for d in docs] == [(31, "Page 31"),
                                                                    (35, "Page 35")]
    first = remote.recognize(path, pages="1-30")  # the API's own 30 pages: sent as it is
    assert first.num_billed_pages == 30 and len(first.pages) == 30
    with pytest.raises(PageRangeError, match="page 36 does not exist"):
        remote.recognize(path, pages="35-36")
    # more than 30 pages asked for: the first 30 of them, as the embedded engine reads
    capped = remote.recognize(path, pages="1-31")
    assert [m.page for m in capped.metadata.pages] == list(range(1, 31))
