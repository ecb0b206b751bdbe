"""Every error ocr-loaders raises, in one place.

All errors derive from :class:`OCRError`, so callers can catch one type. Input problems
(:class:`InputError`) are the caller's document; :class:`APIError` subclasses carry the HTTP
status and the server's message. Messages are one line and never contain an API key.
"""

from __future__ import annotations

from typing import Any

MAX_MESSAGE = 500
"""Longest message kept; library messages quoted inside ours can be pages long."""


class OCRError(Exception):
    """Base class of every error raised by ocr-loaders.

    The message is made one line (whitespace runs, newlines included, become one space) and at
    most :data:`MAX_MESSAGE` characters, whatever a wrapped library said: it goes to logs, CLI
    output and HTTP error bodies as it is.
    """

    source: str | None = None
    """The file the error is about, when a loader read several (set by the loader, which
    also puts it at the front of the message)."""

    def __init__(self, *args: object) -> None:
        if args and isinstance(args[0], str):
            message = " ".join(args[0].split())
            if len(message) > MAX_MESSAGE:
                message = message[: MAX_MESSAGE - 3] + "..."
            args = (message, *args[1:])
        super().__init__(*args)


# --- input documents -------------------------------------------------------------------------


class InputError(OCRError):
    """The document cannot be processed as given."""


class UnsupportedFormatError(InputError):
    """The bytes are not one of JPEG, PNG, BMP, PDF, TIFF, HEIC, DOCX, PPTX, XLSX."""


class CorruptDocumentError(InputError):
    """The format was recognised but the file cannot be decoded (truncated, damaged)."""


class DocumentTooLargeError(InputError):
    """The file is larger than the configured size limit (50 MB by default)."""


class TooManyPixelsError(InputError):
    """A page has more pixels than the limit (100 M by default; non-images at 300 DPI)."""


class EncryptedDocumentError(InputError):
    """The PDF is encrypted and no (or a wrong) password was given, or the Office document
    is password-protected."""


class ConversionError(InputError):
    """An Office document could not be converted to PDF (LibreOffice missing, failed, timed out)."""


class PageRangeError(InputError):
    """The requested pages do not exist in the document or cannot be parsed."""

    def __init__(self, message: str, *, total_pages: int | None = None,
                 opened: Any = None) -> None:
        super().__init__(message)
        self.total_pages = total_pages
        """The document's page count, when the pages asked for go beyond it."""
        self.opened = opened
        """The document as opened (an ``OpenedDocument`` of all its pages), when the pages
        asked for go beyond it: a caller that takes the pages it has need not open (and
        convert, for an Office file) it again."""


# --- engines ---------------------------------------------------------------------------------


class EngineError(OCRError):
    """The OCR engine failed or is not available."""


class CancelledError(OCRError):
    """The caller gave up on the document (its ``cancel`` event was set): no result."""


class MissingDependencyError(EngineError, ImportError):
    """An optional dependency is not installed; the message names the pip extra to install."""


class CacheError(OCRError):
    """The result cache's file cannot be used (not a SQLite database, unreadable)."""


# --- remote API ------------------------------------------------------------------------------


class MissingAPIKeyError(OCRError):
    """No API key was given and ``UPSTAGE_API_KEY`` is not set."""


class InvalidAPIKeyError(OCRError):
    """The API key cannot go in an HTTP header (whitespace or control characters inside it).

    Raised before any request, with a message that never contains the key.
    """


class InvalidBaseURLError(OCRError, ValueError):
    """The API's base URL is no URL a request can go to (no ``http://`` or ``https://``, or
    no host): a setting to fix, raised before any request rather than retried."""


class APIError(OCRError):
    """The remote OCR API answered with an error or could not be reached."""

    def __init__(self, message: str, *, status_code: int | None = None, body: str | None = None):
        super().__init__(message)
        self.message = str(self.args[0])
        self.status_code = status_code
        self.body = body


class APIConnectionError(APIError):
    """The server could not be reached (refused, reset, DNS)."""


class APITimeoutError(APIConnectionError):
    """The request did not complete within the timeout."""


class APIStatusError(APIError):
    """The server answered with a non-2xx status."""


class BadRequestError(APIStatusError):
    """400, 415 or 422: the server rejected the request or document."""


class AuthenticationError(APIStatusError):
    """401 or 403: the API key is missing, wrong or not allowed."""


class PayloadTooLargeError(APIStatusError):
    """413: the document is larger than the server accepts."""


class RateLimitError(APIStatusError):
    """429: too many requests; retried with backoff before this is raised."""

    retry_after: float | None = None
    """Seconds the server's last ``Retry-After`` asked to wait (None: it did not say)."""


class ServerError(APIStatusError):
    """5xx: the server failed; retried with backoff before this is raised."""


class InvalidResponseError(APIError):
    """The server answered 2xx with a body that is not the API's JSON."""


__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "CacheError",
    "CancelledError",
    "ConversionError",
    "CorruptDocumentError",
    "DocumentTooLargeError",
    "EncryptedDocumentError",
    "EngineError",
    "InputError",
    "InvalidAPIKeyError",
    "InvalidBaseURLError",
    "InvalidResponseError",
    "MissingAPIKeyError",
    "MissingDependencyError",
    "OCRError",
    "PageRangeError",
    "PayloadTooLargeError",
    "RateLimitError",
    "ServerError",
    "TooManyPixelsError",
    "UnsupportedFormatError",
]
