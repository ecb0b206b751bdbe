"""Client of the Upstage Document OCR API (or of our own API-compatible server).

One ``POST {base_url}/v1/document-ai/ocr`` (or ``/v1/document-digitization`` with
``model=ocr``) per document, multipart field ``document``. Documents are validated locally
first (format, size) so a bad file costs no round trip. Connection errors, 408, 429 and 5xx are
retried with exponential backoff and jitter (``Retry-After`` honoured); other statuses raise a
typed :class:`~ocr_loaders.errors.APIStatusError` at once. The API key is kept out of
``repr()``, logs, exception messages and tracebacks.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import logging
import math
import os
import random
import threading
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from typing import Any, Literal

import requests
from pydantic import SecretStr, ValidationError

from ocr_loaders.engines.base import OCREngine
from ocr_loaders.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    CancelledError,
    InputError,
    InvalidAPIKeyError,
    InvalidBaseURLError,
    InvalidResponseError,
    MissingAPIKeyError,
    PageRangeError,
    PayloadTooLargeError,
    RateLimitError,
    ServerError,
)
from ocr_loaders.inputs import (
    DEFAULT_LIMITS,
    DocumentFormat,
    Limits,
    OpenedDocument,
    Source,
    open_document,
    parse_page_spec,
    read_source,
    sniff_format,
)
from ocr_loaders.models import OCRResult, Page
from ocr_loaders.pdfdoc import count_pdf_pages, decrypted_pdf, pdf_with_pages

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.upstage.ai"
ENDPOINTS = {"document-ai/ocr": "/v1/document-ai/ocr",
             "document-digitization": "/v1/document-digitization"}
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504}) | frozenset(range(505, 600))
MAX_MESSAGE = 500
Endpoint = Literal["document-ai/ocr", "document-digitization"]


class UpstageEngine(OCREngine):
    """The Upstage Document OCR API as an :class:`OCREngine`.

    Args:
        api_key: the API key (default: ``UPSTAGE_API_KEY``), surrounding whitespace removed;
            raises MissingAPIKeyError if none, InvalidAPIKeyError if it has whitespace or
            control characters inside.
        base_url: scheme, host and optional path prefix; point it at ``ocr-loaders serve``
            (a trailing ``/v1``, as in ``https://api.upstage.ai/v1``, is the API's version
            segment, which the endpoints add themselves).
        endpoint: ``"document-ai/ocr"`` (default) or ``"document-digitization"`` (``model=ocr``).
        model: ``model`` form field, e.g. ``"ocr-2.2.1"`` (default: the server's choice, or
            ``"ocr"`` for document-digitization, which requires it).
        connect_timeout, read_timeout: seconds; the API may take up to 180 s on a document.
        max_retries: retries after the first attempt (connection errors, 408, 429, 5xx).
        backoff_base, backoff_max: exponential backoff ``base * 2**n`` capped at ``max``, with
            jitter; a ``Retry-After`` header (capped at ``max_retry_after``) takes precedence.
        retry_rate_limited: whether a 429 is retried too (False: raised at once as
            RateLimitError with its ``retry_after``; what ``ocr-loaders serve --engine
            upstage`` uses, so that its own clients hear of the limit and wait themselves).
        requests_per_second: client-side rate limit shared by all threads using this engine.
        limits: local validation before upload (the API's 50 MB by default).
        session: a ``requests.Session`` to use (default: one per thread).
    """

    name = "upstage"

    def __init__(
        self,
        api_key: str | SecretStr | None = None,
        *,
        base_url: str | None = None,
        endpoint: Endpoint = "document-ai/ocr",
        model: str | None = None,
        connect_timeout: float = 10.0,
        read_timeout: float = 180.0,
        max_retries: int = 2,
        backoff_base: float = 0.5,
        backoff_max: float = 8.0,
        max_retry_after: float = 60.0,
        retry_rate_limited: bool = True,
        requests_per_second: float | None = None,
        limits: Limits = DEFAULT_LIMITS,
        session: requests.Session | None = None,
    ) -> None:
        key = api_key.get_secret_value() if isinstance(api_key, SecretStr) else api_key
        # a key read from a file or pasted often ends in a line break: that is not the key
        key = (key or os.environ.get("UPSTAGE_API_KEY") or "").strip()
        if not key:
            raise MissingAPIKeyError(
                "no API key: pass api_key=... or set the UPSTAGE_API_KEY environment variable"
            )
        if not (key.isascii() and key.isprintable()) or any(c.isspace() for c in key):
            # requests would refuse the header and quote it, key and all, in its error
            raise InvalidAPIKeyError(
                f"the API key ({len(key)} characters) contains whitespace, control or "
                "non-ASCII characters and cannot be sent; check how it was read"
            )
        if endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}: use one of {', '.join(ENDPOINTS)}")
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self._api_key = SecretStr(key)
        self.base_url = (base_url or os.environ.get("UPSTAGE_BASE_URL") or DEFAULT_BASE_URL)
        # ``https://api.upstage.ai/v1``, as Upstage's own docs and OpenAI-style clients write
        # it, is the same server: the endpoints carry their ``/v1`` (it posted to /v1/v1/...)
        self.base_url = self.base_url.rstrip("/").removesuffix("/v1")
        self._userinfo = _check_base_url(self.base_url)
        self.endpoint = endpoint
        self.model = model or ("ocr" if endpoint == "document-digitization" else None)
        self.timeout = (connect_timeout, read_timeout)
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.max_retry_after = max_retry_after
        self.retry_rate_limited = retry_rate_limited
        self.limits = limits
        self._session = session
        self._local = threading.local()
        self._rate = _RateLimiter(requests_per_second)

    def __repr__(self) -> str:
        return (
            f"UpstageEngine(base_url={self._redact(self.base_url)!r}, "
            f"endpoint={self.endpoint!r}, "
            f"model={self.model!r}, api_key='**********')"
        )

    __str__ = __repr__

    @property
    def url(self) -> str:
        """The full endpoint URL."""
        return self.base_url + ENDPOINTS[self.endpoint]

    @property
    def model_version(self) -> str:
        """The requested model (results carry the server's own ``modelVersion``)."""
        return self.model or "ocr"

    def produced_model_version(self) -> str:
        """The last response's own ``modelVersion`` in this thread (else the model asked)."""
        return str(getattr(self._local, "model_version", None) or self.model_version)

    def cache_options(self) -> dict[str, object]:
        return {"url": self.url, "model": self.model}

    # --- OCREngine -----------------------------------------------------------------------

    def recognize(
        self,
        source: Source,
        *,
        pages: str | Sequence[int] | None = None,
        password: str | None = None,
        limits: Limits | None = None,
        cancel: threading.Event | None = None,
    ) -> OCRResult:
        """OCR a document remotely (``pages``: 1-based, see below). ``cancel`` is checked
        before the request (one request cannot be stopped halfway).

        The API has no page parameter. From a PDF only the selected pages are sent (a new
        PDF of those pages: the API reads and bills just them, and pages past its 30th can
        be asked for); from other documents the whole document is sent (and billed: the
        result keeps the server's ``numBilledPages``) and the selected pages are kept from the
        answer. Either way they keep their real page numbers in ``metadata.pages[].page``.
        The API takes no password: an encrypted PDF is opened here with ``password`` and sent
        decrypted (EncryptedDocumentError before any upload when it is missing or wrong).
        """
        data, name, fmt = self._read(source, pages=pages, password=password, limits=limits)
        if cancel is not None and cancel.is_set():
            raise CancelledError("cancelled before the request")
        # the server answers for its first 30 pages only: a PDF's or TIFF's own count is
        # known here (as ``open`` knows it for the loaders); an Office file's is the server's
        total = 0
        with contextlib.suppress(InputError):
            total = open_document(data, limits=limits or self.limits,
                                  convert_office=False).total_pages
        selected = _first_pages(parse_page_spec(pages), limits or self.limits)
        data, sent = self._subset(data, fmt, selected, limits or self.limits, total=total or None)
        raw = self._post(data, name, fmt.mime_type, schema=None)
        result = self._to_result(raw, selected, sent)
        result.total_pages = max(total, result.total_pages or 0)
        return result

    def recognize_raw(
        self,
        source: Source,
        *,
        schema: str | None = None,
        pages: str | Sequence[int] | None = None,
        limits: Limits | None = None,
        password: str | None = None,
    ) -> dict[str, Any]:
        """The server's JSON as a dict; ``schema`` ``"clova"`` or ``"google"`` asks for that shape.

        With ``pages``, the pages (Upstage), ``images`` (CLOVA) or ``responses`` (Google) of
        the other pages are dropped. ``password``: an encrypted PDF's, as for :meth:`recognize`.
        """
        schema = schema.lower() if schema else None  # as the server reads it
        data, name, fmt = self._read(source, pages=pages, password=password, limits=limits)
        selected = _first_pages(parse_page_spec(pages), limits or self.limits)
        data, sent = self._subset(data, fmt, selected, limits or self.limits)
        raw = self._post(data, name, fmt.mime_type, schema=schema)
        if selected is None:
            return raw
        if schema in (None, "upstage"):
            return self._to_result(raw, selected, sent).to_api_dict()
        key = "images" if schema == "clova" else "responses"
        items = raw.get(key)
        if not isinstance(items, list):
            raise InvalidResponseError(f"response has no {key!r} list")
        if sent is None:
            _check_pages(selected, len(items))
            return {**raw, key: [items[n - 1] for n in selected]}
        _check_sent(sent, len(items))
        for number, item in zip(sent, items):  # page numbers: the document's, not the upload's
            if not isinstance(item, dict):
                continue
            context = item.get("context")  # Google's
            if isinstance(context, dict) and "pageNumber" in context:
                context["pageNumber"] = number
            if isinstance(item.get("name"), str) and item["name"].startswith("page-"):
                item["name"] = f"page-{number}"  # CLOVA's image names, as ours write them
            info = item.get("convertedImageInfo")  # CLOVA's index of the page (0-based)
            if isinstance(info, dict) and "pageIndex" in info:
                info["pageIndex"] = number - 1
        return {**raw, key: items[: len(sent)]}

    async def arecognize(
        self,
        source: Source,
        *,
        pages: str | Sequence[int] | None = None,
        password: str | None = None,
        limits: Limits | None = None,
    ) -> OCRResult:
        """:meth:`recognize` in a worker thread, so the event loop keeps running."""
        return await asyncio.to_thread(
            self.recognize, source, pages=pages, password=password, limits=limits
        )

    async def arecognize_raw(
        self, source: Source, *, schema: str | None = None,
        pages: str | Sequence[int] | None = None, limits: Limits | None = None,
        password: str | None = None,
    ) -> dict[str, Any]:
        """:meth:`recognize_raw` in a worker thread."""
        return await asyncio.to_thread(
            self.recognize_raw, source, schema=schema, pages=pages, limits=limits,
            password=password,
        )

    def open(
        self,
        source: Source,
        *,
        pages: str | Sequence[int] | None = None,
        password: str | None = None,
        limits: Limits | None = None,
    ) -> OpenedDocument:
        """Read and check a document for upload. Office files are not converted here: the
        API converts them itself, and it says how many pages they have (``iter_document``
        fills that in); PDFs and images are counted, so a bad selection fails before the
        upload."""
        # an encrypted PDF is checked here with its password (a wrong one fails before any
        # upload) and decrypted at the upload (``iter_document``): the document keeps its
        # own bytes, which the result cache keys on (a decrypted copy differs at every save)
        return open_document(source, pages=pages, password=password,
                             limits=limits or self.limits, convert_office=False)

    def iter_document(self, doc: OpenedDocument) -> Iterator[tuple[int, Page]]:
        """Send an already opened document and yield its selected pages (an Office file's
        page count and pages are set on ``doc`` from the answer, before the first page)."""
        selected = doc.page_numbers or None
        data = doc.data
        if doc.format is DocumentFormat.PDF:
            data = decrypted_pdf(data, doc.password)  # the API takes no password
        data, sent = self._subset(data, doc.format, selected, doc.limits,
                                  total=doc.total_pages)
        raw = self._post(data, doc.name, doc.mime_type, schema=None)
        answer = _validated(raw)
        if selected is not None and doc.skip_missing and not doc.counted:
            selected = _existing(selected, answer, doc.limits.max_pages)
        result = self._selected(answer, selected, sent)
        if not doc.counted:
            doc.total_pages = result.total_pages or len(result.pages)
            doc.page_numbers = [result.page_number(i) for i in range(len(result.pages))][
                : doc.limits.max_pages]
        self._local.model_version = result.model_version
        for index, page in enumerate(result.pages[: len(doc.page_numbers)]):
            # set again per page: the caller may resume this generator in another thread
            self._local.model_version = result.model_version
            yield result.page_number(index), page

    # --- internals -----------------------------------------------------------------------

    @staticmethod
    def _subset(data: bytes, fmt: DocumentFormat, selected: list[int] | None, limits: Limits,
                total: int | None = None) -> tuple[bytes, list[int] | None]:
        """What to upload for a selection of pages, and the page numbers its pages stand for
        (None: the document as it is, its pages numbered by the answer).

        A PDF is cut down to the selected pages (at most ``limits.max_pages`` of them), unless
        they are its first pages, all that the API reads of it anyway, or it has form fields."""
        if selected is None or fmt is not DocumentFormat.PDF or b"/AcroForm" in data:
            # (a form's field values may have no appearance of their own: they are drawn
            # from the document's /AcroForm, which a copy of its pages does not carry)
            return data, None
        sent = selected[: limits.max_pages]
        if total is None:
            total = count_pdf_pages(data, None)
        if sent == list(range(1, min(total, limits.max_pages) + 1)):
            return data, None
        if sent[-1] > total:
            raise PageRangeError(f"page {sent[-1]} does not exist; the document has {total}",
                                 total_pages=total)
        return pdf_with_pages(data, sent), sent

    def _read(
        self, source: Source, *, pages: str | Sequence[int] | None, password: str | None,
        limits: Limits | None,
    ) -> tuple[bytes, str, DocumentFormat]:
        parse_page_spec(pages)  # a bad page spec fails before the upload
        data, name = read_source(source, limits=limits or self.limits)
        fmt = sniff_format(data)
        if fmt is DocumentFormat.PDF:
            data = decrypted_pdf(data, password)  # the API takes no password
        return data, name, fmt

    def _to_result(self, raw: dict[str, Any], selected: Sequence[int] | None,
                   sent: Sequence[int] | None = None) -> OCRResult:
        """The answer as a result of the ``selected`` pages; ``sent``: the page numbers the
        uploaded pages stand for, when only those were uploaded (``_subset``)."""
        return self._selected(_validated(raw), selected, sent)

    @staticmethod
    def _selected(result: OCRResult, selected: Sequence[int] | None,
                  sent: Sequence[int] | None) -> OCRResult:
        """The validated answer as a result of the ``selected`` pages (see ``_to_result``)."""
        total = len(result.pages)
        result.total_pages = total
        if sent is not None:
            _check_sent(sent, total)
            pages = [p.model_copy(update={"id": i}) for i, p in enumerate(result.pages)]
            renumbered = OCRResult.from_pages(pages[: len(sent)],
                                              model_version=result.model_version,
                                              page_numbers=sent, total_pages=total)
            renumbered.num_billed_pages = result.num_billed_pages  # what the server billed
            return renumbered
        if selected is None:
            return result
        numbers = [result.page_number(i) for i in range(total)]
        _check_pages(selected, max(numbers, default=0))
        keep = [(n, p) for n, p in zip(numbers, result.pages, strict=True) if n in set(selected)]
        if [n for n, _ in keep] == numbers:
            return result
        kept = [p.model_copy(update={"id": i}) for i, (_, p) in enumerate(keep)]
        selection = OCRResult.from_pages(
            kept, model_version=result.model_version,
            page_numbers=[n for n, _ in keep], total_pages=total,
        )
        # the whole document was sent: what the server billed stays what it said
        selection.num_billed_pages = result.num_billed_pages
        return selection

    def _session_for_thread(self) -> requests.Session:
        if self._session is not None:
            return self._session
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            self._local.session = session
        return session

    def _post(self, data: bytes, name: str, mime: str, *, schema: str | None) -> dict[str, Any]:
        """POST with retries; returns the parsed JSON object or raises a typed APIError."""
        form = {k: v for k, v in (("model", self.model), ("schema", schema)) if v}
        filename = os.path.basename(name) if not name.startswith("<") else "document"
        attempt = 0
        while True:
            self._rate.wait()
            retry_after: float | None = None
            try:
                response = self._session_for_thread().post(
                    self.url,
                    headers={"Authorization": f"Bearer {self._api_key.get_secret_value()}",
                             "Accept": "application/json"},
                    files={"document": (filename, data, mime)},
                    data=form,
                    timeout=self.timeout,
                )
            except requests.Timeout:
                error: Exception = APITimeoutError(
                    f"request to {self._redact(self.url)} timed out (connect {self.timeout[0]} s, "
                    f"read {self.timeout[1]} s)"
                )
            except requests.RequestException as exc:
                error = APIConnectionError(
                    f"cannot reach {self._redact(self.url)}: "
                    f"{self._redact(_truncate(str(exc), 200))}"
                )
            else:
                if 200 <= response.status_code < 300:
                    return self._parse(response)
                error = self._status_error(response)
                if response.status_code not in RETRY_STATUSES:
                    raise error
                retry_after = _retry_after(response.headers.get("Retry-After"))
                if isinstance(error, RateLimitError):
                    error.retry_after = retry_after
                    if not self.retry_rate_limited:
                        raise error
            if attempt >= self.max_retries:
                raise error
            delay = self._backoff(attempt, retry_after)
            logger.warning("OCR request failed (%s); retry %d/%d in %.2f s",
                           error, attempt + 1, self.max_retries, delay)
            time.sleep(delay)
            attempt += 1

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after)
        delay = min(self.backoff_base * 2**attempt, self.backoff_max)
        return float(delay * (1 - 0.25 * random.random()))

    def _parse(self, response: requests.Response) -> dict[str, Any]:
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            raise InvalidResponseError(
                f"{response.status_code} response is not a JSON object: "
                f"{self._redact(_truncate(response.text, 200))}",
                status_code=response.status_code,
                body=self._redact(_truncate(response.text, MAX_MESSAGE)),
            )
        return payload

    def _status_error(self, response: requests.Response) -> APIStatusError:
        status = response.status_code
        body = self._redact(_truncate(response.text, MAX_MESSAGE))
        detail = self._redact(_server_message(response)) or response.reason or "error"
        cls: type[APIStatusError]
        if status in (401, 403):
            cls = AuthenticationError
        elif status == 413:
            cls = PayloadTooLargeError
        elif status == 429:
            cls = RateLimitError
        elif status in (400, 415, 422):
            cls = BadRequestError
        elif status >= 500:
            cls = ServerError
        else:
            cls = APIStatusError
        # a wrong base_url
        where = f" (POST {self._redact(self.url)})" if status in (404, 405) else ""
        return cls(f"{status}: {detail}{where}", status_code=status, body=body)

    def _redact(self, text: str) -> str:
        """``text`` without the key, as itself or as Python quotes it (``repr``)."""
        key = self._api_key.get_secret_value()
        for form in (key, repr(key)[1:-1]):
            text = text.replace(form, "**********")
        if self._userinfo:  # the base URL's user and password
            text = text.replace(self._userinfo, "***@")
        return text


def _server_message(response: requests.Response) -> str:
    """``error.message`` of the API's error JSON, tolerant of other shapes; else the body."""
    try:
        payload = response.json()
    except ValueError:
        return _truncate(response.text.strip(), MAX_MESSAGE)
    message: Any = payload
    if isinstance(payload, dict):
        error = payload.get("error", payload)
        if isinstance(error, dict):
            message = error.get("message") or error.get("detail") or error
        else:
            message = error
        if message is payload and "detail" in payload:
            message = payload["detail"]
    return _truncate(str(message), MAX_MESSAGE)


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _check_base_url(url: str) -> str:
    """The base URL's ``user:password@`` part (``""`` without one); InvalidBaseURLError (a
    ValueError) for a base URL no request can go to (``127.0.0.1:8000`` without its scheme,
    ``ftp://...``, ``http://:8000``, ``http://[::1``): a setting to fix, not a connection to
    retry. The message does not repeat the value, which may hold a password (or a key set
    in the wrong variable)."""
    try:
        parts = urllib.parse.urlsplit(url)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
        parts.port  # noqa: B018 (raises ValueError on a port that is no number)
    except ValueError:
        ok = False
    if not ok:
        raise InvalidBaseURLError(
            f"base_url must be an http:// or https:// URL with a host, such as "
            f"{DEFAULT_BASE_URL} or http://127.0.0.1:8000 (the value given is not one)"
        )
    return parts.netloc.rpartition("@")[0] + "@" if "@" in parts.netloc else ""


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP date); None when it says
    nothing usable (``nan`` parses as a float, and time.sleep refuses it)."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return None if math.isnan(seconds) else seconds
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)


def _first_pages(selected: list[int] | None, limits: Limits) -> list[int] | None:
    """A selection as the embedded engine takes it: its first ``limits.max_pages`` pages."""
    return None if selected is None else selected[: limits.max_pages]


def _validated(raw: dict[str, Any]) -> OCRResult:
    """The server's JSON as a result; InvalidResponseError when it is not the API's shape."""
    try:
        return OCRResult.model_validate(raw)
    except ValidationError as exc:
        raise InvalidResponseError(
            f"response is not the OCR API's JSON: {_truncate(str(exc), 200)}"
        ) from None


def _existing(selected: list[int], result: OCRResult, max_pages: int) -> list[int]:
    """The pages of ``selected`` that the answer for the whole document has; PageRangeError
    when it has none of them, or when the answer is a full ``max_pages`` (the API reads no
    further, so pages after those may well exist: they are not taken as missing)."""
    available = max((result.page_number(i) for i in range(len(result.pages))), default=0)
    kept = [n for n in selected if n <= available]
    if not kept:
        raise PageRangeError(f"page {selected[0]} does not exist; the document has {available}",
                             total_pages=available)
    if len(kept) < len(selected) and len(result.pages) >= max_pages:
        raise PageRangeError(
            f"page {selected[len(kept)]} is past the {max_pages} pages the API reads of an "
            f"Office file; convert it to PDF to send those pages", total_pages=available)
    return kept


def _check_pages(selected: Sequence[int], available: int) -> None:
    missing = [n for n in selected if n > available]
    if missing:
        raise PageRangeError(
            f"page {missing[0]} is not in the response; the server returned {available} pages"
        )


def _check_sent(sent: Sequence[int], answered: int) -> None:
    """Every uploaded page came back (the API answers for each page of what it is sent)."""
    if answered < len(sent):
        raise InvalidResponseError(
            f"the server returned {answered} pages for the {len(sent)} pages sent")


class _RateLimiter:
    """At most ``rate`` calls per second across threads (evenly spaced start times)."""

    def __init__(self, rate: float | None) -> None:
        if rate is not None and rate <= 0:
            raise ValueError("requests_per_second must be > 0")
        self.interval = 1.0 / rate if rate else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            time.sleep(start - now)


__all__ = ["DEFAULT_BASE_URL", "ENDPOINTS", "UpstageEngine"]
