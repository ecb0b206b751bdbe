"""An HTTP server compatible with the Upstage Document OCR API, backed by any OCREngine.

``POST /v1/document-ai/ocr`` and ``POST /v1/document-digitization`` (``model=ocr``) take the
API's multipart form (``document`` file, optional ``model`` and ``schema``) and answer the API's
JSON, or the CLOVA / Google shape with ``schema=clova|google``. Errors use the API's shape
``{"error": {"message", "type", "code"}}``.

Design choices:

* The upload is parsed while it streams in (python-multipart's push parser), so an oversized
  document is refused with 413 after at most ``max_file_bytes`` (plus form overhead) was read;
  nothing is written to disk.
* OCR is CPU-bound, so it runs in a bounded thread pool. Jobs beyond ``max_workers`` running
  plus ``max_queue`` waiting are refused at once with 429 and ``Retry-After`` instead of
  piling up in memory.
* Every failure of a document becomes a JSON error; the server itself keeps running.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import math
import os
import re
import threading
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from ocr_loaders.engines.base import OCREngine
from ocr_loaders.errors import (
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    CancelledError,
    DocumentTooLargeError,
    EncryptedDocumentError,
    EngineError,
    InputError,
    InvalidAPIKeyError,
    RateLimitError,
    UnsupportedFormatError,
)
from ocr_loaders.inputs import DEFAULT_LIMITS, Limits
from ocr_loaders.schemas import SCHEMAS, convert
from ocr_loaders.upload import (
    FormTooLargeError,
    MalformedFormError,
    UploadTimeoutError,
    read_multipart,
)

logger = logging.getLogger(__name__)

API_KEY_ENV = "OCR_LOADERS_API_KEY"


class APIErrorResponse(Exception):
    """An error to answer as ``{"error": {"message", "type", "code"}}`` with ``status``."""

    def __init__(self, status: int, message: str, type_: str, code: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type_
        self.code = code
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        body = {"error": {"message": self.message, "type": self.type, "code": self.code}}
        return JSONResponse(body, status_code=self.status, headers=self.headers)


def _input_error(exc: InputError) -> APIErrorResponse:
    """Map a typed input error to its HTTP status (the exception's message is safe to show)."""
    code = type(exc).__name__.removesuffix("Error")
    code = "".join("_" + c.lower() if c.isupper() else c for c in code).lstrip("_")
    if isinstance(exc, UnsupportedFormatError):
        return APIErrorResponse(415, str(exc), "unsupported_media_type", code)
    if isinstance(exc, DocumentTooLargeError):
        return APIErrorResponse(413, str(exc), "payload_too_large", code)
    if isinstance(exc, EncryptedDocumentError):  # the API has no password field
        # (a password-protected Office file's message names no password option: kept)
        message = str(exc)
        if message.startswith("PDF"):
            message = "PDF is encrypted: decrypt it before sending it"
        return APIErrorResponse(400, message, "invalid_request_error", code)
    return APIErrorResponse(400, str(exc), "invalid_request_error", code)


def _upstream_error(exc: APIError) -> APIErrorResponse:
    """Map an error of the upstream API (``--engine upstage``) to this server's answer: what
    was wrong with the document (400, 413, 415, 422) is passed on with the upstream message
    and code, the upstream being busy stays 429; the rest is the gateway's failure, not the
    client's (502, or 504 when the upstream did not answer in time), with the upstream key
    never named (a 401 from upstream means this server's key is wrong, not the client's)."""
    status = exc.status_code
    if isinstance(exc, APIStatusError) and status in (400, 413, 415, 422, 429):
        message, type_, code = _upstream_body(exc)
        wait = exc.retry_after if isinstance(exc, RateLimitError) else None
        headers = ({"Retry-After": str(max(1, math.ceil(wait or 1)))} if status == 429
                   else None)  # the upstream's own wait, when it said one
        return APIErrorResponse(status, message, type_, code, headers=headers)
    if isinstance(exc, AuthenticationError):
        logger.error("the upstream API refused this server's key: %s", exc)
        return APIErrorResponse(502, "the upstream OCR API refused this server's credentials",
                                "server_error", "upstream_authentication")
    if isinstance(exc, APITimeoutError):
        return APIErrorResponse(504, "the upstream OCR API did not answer in time",
                                "server_error", "upstream_timeout")
    logger.error("upstream OCR API failed: %s", exc)
    return APIErrorResponse(502, f"the upstream OCR API failed: {exc}", "server_error",
                            "upstream_error")


def _upstream_body(exc: APIStatusError) -> tuple[str, str, str]:
    """Message, type and code of an upstream error answer (the API's error shape, else the
    client's message without its status prefix)."""
    message = exc.message.removeprefix(f"{exc.status_code}: ")
    type_, code = "invalid_request_error", f"upstream_{exc.status_code}"
    try:
        error = json.loads(exc.body or "").get("error")
    except (ValueError, AttributeError):
        error = None
    if isinstance(error, dict):
        message = str(error.get("message") or message)
        type_ = str(error.get("type") or type_)
        code = str(error.get("code") or code)
    return message, type_, code


_OCR_MODEL = re.compile(r"ocr(?:-[0-9][0-9A-Za-z._]*|-nightly|-experimental)?")
"""The ``model`` values both endpoints take: the alias ``ocr``, a pinned version
(``ocr-260930``, ``ocr-2.2.1``: it starts with a digit; not ``ocr-``, ``ocr-foo`` nor one
with spaces) or the aliases Upstage names its pre-releases by (``-nightly``,
``-experimental``)."""


def _is_ocr_model(model: str | None) -> bool:
    """``model`` names OCR: the alias ``ocr`` or a pinned version such as ``ocr-260930``."""
    return model is not None and _OCR_MODEL.fullmatch(model) is not None


class WorkerPool:
    """A thread pool with a bounded backlog: ``submit`` refuses work when it is full.

    A slot is held from submission until the job really finishes (even if the client went
    away), so the count of threads busy with OCR never exceeds what was admitted.
    """

    def __init__(self, max_workers: int, max_queue: int) -> None:
        if max_workers < 1 or max_queue < 0:
            raise ValueError("max_workers must be >= 1 and max_queue >= 0")
        self.max_workers = max_workers
        self.capacity = max_workers + max_queue
        self.executor = ThreadPoolExecutor(max_workers, thread_name_prefix="ocr-worker")
        self._lock = threading.Lock()
        self.active = 0
        self.avg_seconds = 1.0
        self.started: dict[int, float] = {}
        """When each running job started (by a job number)."""
        self._jobs = 0

    def full(self) -> bool:
        return self.active >= self.capacity

    def retry_after(self) -> int:
        """Seconds until a slot is likely free: the backlog times the mean job time, or
        the time the running jobs have taken so far when that is longer (a fresh server's
        mean starts at 1 s: its first 429s said 2 s while 3-5 s jobs ran)."""
        waves = max(self.active - self.max_workers + 1, 1) / self.max_workers
        now = time.monotonic()
        # a copy made in one step (the release callback may change the dict meanwhile)
        running = max((now - start for start in tuple(self.started.values())), default=0.0)
        return max(1, math.ceil(max(self.avg_seconds, running) * waves))

    async def run(self, fn: Callable[[threading.Event], Any],
                  timeout: float | None = None) -> Any:
        """Run ``fn(cancel)`` in a worker; 429 when the backlog is full, 504 after ``timeout``
        s. On 504 a job still waiting is dropped, and a running one is told to stop through
        ``cancel`` (the engine stops before its next page): the thread cannot be killed, so
        it keeps its slot until it ends and the pool stays bounded."""
        with self._lock:
            if self.active >= self.capacity:
                raise APIErrorResponse(
                    429, "the server is busy; retry later", "rate_limit_exceeded",
                    "server_busy", headers={"Retry-After": str(self.retry_after())},
                )
            self.active += 1
            self._jobs += 1
            job = self._jobs
            start = self.started[job] = time.monotonic()

        def release(done: Future[Any]) -> None:
            # a document refused at once (not a PDF, empty) says nothing of how long OCR
            # takes: counted, a run of them pulled the mean to ~0 and ``Retry-After`` to 1 s
            # while 15 s jobs queued
            refused = not done.cancelled() and isinstance(done.exception(), InputError)
            with self._lock:
                self.active -= 1
                del self.started[job]
                if not refused:
                    self.avg_seconds = (0.8 * self.avg_seconds
                                        + 0.2 * (time.monotonic() - start))

        cancel = threading.Event()
        future = self.executor.submit(fn, cancel)
        future.add_done_callback(release)
        waited = asyncio.wrap_future(future)
        try:
            return await asyncio.wait_for(asyncio.shield(waited), timeout)
        except (asyncio.TimeoutError, TimeoutError):  # distinct classes before Python 3.11
            cancel.set()
            future.cancel()  # not started yet: it never will (its slot is released now)
            waited.add_done_callback(_abandoned)
            raise APIErrorResponse(
                504, f"the document was not processed within {timeout:g} s", "server_error",
                "processing_timeout",
            ) from None

    def shutdown(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)


def _abandoned(done: asyncio.Future[Any]) -> None:
    """How a job its client stopped waiting for (504) ended, logged (and so retrieved: no
    "exception was never retrieved" warning)."""
    if done.cancelled():
        logger.info("a job timed out before it started; dropped")
    elif isinstance(done.exception(), CancelledError):
        logger.info("a job that timed out stopped: %s", done.exception())
    elif done.exception() is not None:
        logger.info("a job that timed out failed: %r", done.exception())


def create_app(
    engine: OCREngine | None = None,
    api_key: str | None = None,
    *,
    limits: Limits = DEFAULT_LIMITS,
    max_workers: int | None = None,
    max_queue: int | None = None,
    upload_timeout: float | None = 30.0,
    job_timeout: float | None = 600.0,
) -> FastAPI:
    """The API-compatible FastAPI app.

    Args:
        engine: the OCR engine (default: the embedded ``LocalEngine``); must be thread-safe.
        api_key: required Bearer key (``None``: ``OCR_LOADERS_API_KEY``; empty: no auth),
            surrounding whitespace dropped (InvalidAPIKeyError if there is nothing else).
        limits: input limits, enforced while the upload streams in.
        max_workers: OCR threads (default: CPU count).
        max_queue: jobs allowed to wait for a thread before 429 (default: 2 * max_workers).
        upload_timeout: seconds an upload may stall without sending data before 408 (the
            whole body must arrive within 20 times that).
        job_timeout: seconds a document may take in OCR (queue wait included) before 504.
    """
    if engine is None:
        from ocr_loaders.engines import get_engine

        engine = get_engine("local")
    raw_key = os.environ.get(API_KEY_ENV) if api_key is None else api_key
    # a key read from a file keeps its line break; clients drop it (UpstageEngine does)
    key = raw_key.strip() if raw_key else None
    if raw_key and not key:
        raise InvalidAPIKeyError(
            "the server's API key is only whitespace; give a key, or an empty one for no auth"
        )
    workers = max_workers or os.cpu_count() or 1
    pool = WorkerPool(workers, 2 * workers if max_queue is None else max_queue)
    ocr_engine: OCREngine = engine

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        pool.shutdown()

    app = FastAPI(
        title="ocr-loaders OCR server",
        description="Upstage Document OCR API-compatible OCR, offline.",
        version="1.1",
        lifespan=lifespan,
    )
    app.state.pool = pool
    app.state.engine = ocr_engine

    @app.exception_handler(APIErrorResponse)
    async def _api_error(_: Request, exc: APIErrorResponse) -> JSONResponse:
        return exc.response()

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return APIErrorResponse(exc.status_code, str(exc.detail), "invalid_request_error",
                                f"http_{exc.status_code}").response()

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        logger.error("unhandled %s in request", type(exc).__name__)
        return APIErrorResponse(500, "internal server error", "server_error",
                                "internal_error").response()

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        return APIErrorResponse(422, "invalid request", "invalid_request_error",
                                "validation_error").response()

    def authorize(request: Request) -> None:
        if key is None:
            return
        header = request.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        ok = scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), key.encode()
        )
        if not ok:
            raise APIErrorResponse(
                401, "invalid or missing API key: send 'Authorization: Bearer <key>'",
                "authentication_error", "invalid_api_key",
                headers={"WWW-Authenticate": "Bearer"},
            )

    async def handle(request: Request, endpoint: str) -> JSONResponse:
        authorize(request)
        if pool.full():  # cheap refusal before reading the upload
            raise APIErrorResponse(
                429, "the server is busy; retry later", "rate_limit_exceeded", "server_busy",
                headers={"Retry-After": str(pool.retry_after())},
            )
        try:
            form = await read_multipart(
                request,
                max_file_bytes=limits.max_file_bytes,
                idle_timeout=upload_timeout,
                total_timeout=None if upload_timeout is None else 20 * upload_timeout,
            )
        except FormTooLargeError as exc:
            raise APIErrorResponse(413, str(exc), "payload_too_large", "document_too_large"
                                   ) from None
        except MalformedFormError as exc:
            raise APIErrorResponse(400, str(exc), "invalid_request_error", "invalid_form"
                                   ) from None
        except UploadTimeoutError as exc:
            raise APIErrorResponse(408, str(exc), "invalid_request_error", "request_timeout",
                                   headers={"Connection": "close"}) from None
        except ClientDisconnect:
            raise APIErrorResponse(400, "the client disconnected during the upload",
                                   "invalid_request_error", "client_disconnected") from None
        document = form.files.get("document")
        if document is None:
            raise APIErrorResponse(400, "missing multipart file field 'document'",
                                   "invalid_request_error", "missing_document")
        model = form.fields.get("model")  # present but empty is a wrong model, not none
        schema = (form.fields.get("schema") or "upstage").lower()
        if schema not in SCHEMAS:
            raise APIErrorResponse(
                400, f"unknown schema {schema!r}: use one of {', '.join(SCHEMAS)}",
                "invalid_request_error", "invalid_schema")
        if endpoint == "document-digitization" and model is None:
            raise APIErrorResponse(400, "document-digitization needs model=ocr (or ocr-<version>)",
                                   "invalid_request_error", "invalid_model")
        if model is not None and not _is_ocr_model(model):
            # the API's OCR endpoint takes OCR models only (a typo such as ``model=orc``, or
            # ``document-parse`` sent to it, would otherwise get OCR it did not ask for)
            raise APIErrorResponse(400, f"unknown model {model!r}: use ocr (or ocr-<version>)",
                                   "invalid_request_error", "invalid_model")

        def job(cancel: threading.Event) -> dict[str, Any]:
            result = ocr_engine.recognize(document, limits=limits, cancel=cancel)
            return convert(result, schema)

        try:
            payload = await pool.run(job, job_timeout)
        except APIErrorResponse:
            raise
        except InputError as exc:
            raise _input_error(exc) from None
        except APIError as exc:  # ``--engine upstage``: what the upstream API answered
            raise _upstream_error(exc) from None
        except EngineError as exc:
            logger.error("engine failed: %s", exc)
            raise APIErrorResponse(500, f"OCR engine error: {exc}", "server_error",
                                   "engine_error") from None
        except Exception:
            logger.exception("OCR failed")
            raise APIErrorResponse(500, "internal error while processing the document",
                                   "server_error", "internal_error") from None
        headers = {"X-Requested-Model": model} if model else None
        return JSONResponse(payload, headers=headers)

    form_schema = {
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": {
                "type": "object",
                "required": ["document"],
                "properties": {
                    "document": {"type": "string", "format": "binary"},
                    "model": {"type": "string", "example": "ocr"},
                    "schema": {"type": "string", "enum": ["clova", "google"]},
                },
            }}},
        }
    }

    @app.post("/v1/document-ai/ocr", openapi_extra=form_schema,
              summary="OCR a document (Upstage Document OCR API)")
    async def document_ai_ocr(request: Request) -> JSONResponse:
        return await handle(request, "document-ai/ocr")

    @app.post("/v1/document-digitization", openapi_extra=form_schema,
              summary="OCR a document (Document Digitization API, model=ocr)")
    async def document_digitization(request: Request) -> JSONResponse:
        return await handle(request, "document-digitization")

    @app.get("/health", summary="Liveness and load")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "engine": ocr_engine.name, "workers": pool.max_workers,
                "active": pool.active, "capacity": pool.capacity}

    return app


def serve(
    *, host: str = "127.0.0.1", port: int = 8000, api_key: str | None = None,
    workers: int | None = None, queue: int | None = None, engine: str = "local",
    upload_timeout: float | None = 30.0, job_timeout: float | None = 600.0,
) -> None:
    """Run the server with uvicorn (blocking); used by ``ocr-loaders serve``."""
    import uvicorn

    app = create_app(server_engine(engine), api_key, max_workers=workers, max_queue=queue,
                     upload_timeout=upload_timeout, job_timeout=job_timeout)
    # idle keep-alive connections close after 5 s; a request whose headers never complete
    # after ``upload_timeout`` (header_deadline_protocol); a stalled body gets a 408
    http: Any = "auto" if upload_timeout is None else header_deadline_protocol(upload_timeout)
    uvicorn.run(app, host=host, port=port, timeout_keep_alive=5, http=http)


def server_engine(name: str) -> OCREngine:
    """The engine ``serve`` runs: ``"local"``, or ``"upstage"`` as a gateway, which passes
    an upstream 429 on at once (with its ``Retry-After``) instead of waiting up to a minute
    per retry while its client's connection hangs; the client then backs off itself."""
    from ocr_loaders.engines import get_engine

    if name == "upstage":
        return get_engine(name, retry_rate_limited=False)
    return get_engine(name)


def header_deadline_protocol(seconds: float) -> type:
    """uvicorn's h11 protocol that drops a connection still waiting for a request's headers
    ``seconds`` after it was last seen waiting for them (a client that connects and sends
    nothing, or trickles a request line: uvicorn itself waits for them forever).

    The connection is checked every ``seconds / 2``; it is closed when two checks in a row
    find it waiting for the same request's headers.
    """
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class HeaderDeadlineProtocol(H11Protocol):
        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._waiting: object = None
            self._check = self.loop.call_later(seconds / 2, self._check_headers)

        def _check_headers(self) -> None:
            if self.transport.is_closing():
                return
            state = (id(self.cycle), self.conn.our_state)
            if self.conn.their_state is h11.IDLE:
                if self._waiting == state:
                    self.transport.close()
                    return
                self._waiting = state
            else:
                self._waiting = None
            self._check = self.loop.call_later(seconds / 2, self._check_headers)

        def connection_lost(self, exc: Exception | None) -> None:
            self._check.cancel()
            super().connection_lost(exc)

    return HeaderDeadlineProtocol


__all__ = [
    "API_KEY_ENV", "APIErrorResponse", "WorkerPool", "create_app", "header_deadline_protocol",
    "serve",
]
