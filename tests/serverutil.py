"""Real HTTP servers on 127.0.0.1 for tests: our FastAPI app under uvicorn, in a thread,
and a small fake engine for tests that are about the server, not OCR."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ocr_loaders.engines.base import OCREngine
from ocr_loaders.inputs import OpenedDocument
from ocr_loaders.models import BoundingBox, Page, Word

SECRET = "sk-test-0123456789abcdef"
"""The test server's API key (``tests.conftest.SERVER_KEY``); must never reach a response."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running(app: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free port in a background thread; yields the base URL."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                            lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class FakeEngine(OCREngine):
    """A real engine subclass: decodes each page (so corrupt files fail as with any engine),
    takes ``delay`` seconds per page, and can be told to crash."""

    name = "fake"

    def __init__(self, delay: float = 0.0, crash: bool = False) -> None:
        self.delay = delay
        self.crash = crash

    @property
    def model_version(self) -> str:
        return "fake-1"

    def iter_document(self, doc: OpenedDocument) -> Iterator[tuple[int, Page]]:
        for number, image in doc.iter_images():
            image.close()
            time.sleep(self.delay)
            if self.crash:
                raise RuntimeError(f"engine exploded; secret={SECRET}")
            box = BoundingBox.from_rect(1, 1, 20, 10)
            word = Word(bounding_box=box, confidence=1.0, id=0, text="fake")
            yield number, Page(confidence=1.0, height=20, id=number - 1, text="fake",
                               width=40, words=[word])
