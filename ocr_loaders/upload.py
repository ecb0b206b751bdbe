"""Streaming multipart/form-data reading with hard size caps, for the server.

Starlette's ``request.form()`` spools uploads of any size to temporary files; here the body is
fed chunk by chunk to python-multipart's push parser and refused as soon as a file part passes
``max_file_bytes`` (or the whole body passes it plus a small form overhead), so a huge upload
never reaches memory or disk.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from ocr_loaders.inputs import size_text

FORM_OVERHEAD = 64 * 1024
"""Bytes allowed on top of the document for boundaries, headers and the small text fields."""
MAX_FIELD_BYTES = 4096


class FormTooLargeError(Exception):
    """The upload is larger than allowed."""


class MalformedFormError(Exception):
    """The body is not a readable multipart/form-data form."""


class UploadTimeoutError(Exception):
    """The client stopped sending the body (idle too long) or took too long overall."""


@dataclass
class Form:
    """Parsed form: file parts by field name (bytes) and text fields (str)."""

    files: dict[str, bytes] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)
    filenames: dict[str, str] = field(default_factory=dict)


class _Collector:
    """python-multipart callbacks that collect parts and enforce the caps."""

    def __init__(self, form: Form, max_file_bytes: int) -> None:
        self.form = form
        self.max_file_bytes = max_file_bytes
        self._headers: dict[bytes, bytes] = {}
        self._field = bytearray()
        self._value = bytearray()
        self._data = bytearray()
        self._name = ""
        self._filename: str | None = None

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self.part_begin,
            "on_header_field": lambda d, s, e: self._field.extend(d[s:e]),
            "on_header_value": lambda d, s, e: self._value.extend(d[s:e]),
            "on_header_end": self.header_end,
            "on_headers_finished": self.headers_finished,
            "on_part_data": self.part_data,
            "on_part_end": self.part_end,
        }

    def part_begin(self) -> None:
        self._headers = {}
        self._data = bytearray()
        self._name, self._filename = "", None

    def header_end(self) -> None:
        self._headers[bytes(self._field).lower()] = bytes(self._value)
        self._field.clear()
        self._value.clear()

    def headers_finished(self) -> None:
        disposition = self._headers.get(b"content-disposition")
        if disposition is None:
            raise MalformedFormError("multipart part without Content-Disposition")
        _, params = parse_options_header(disposition)
        self._name = params.get(b"name", b"").decode("utf-8", "replace")
        filename = params.get(b"filename")
        self._filename = filename.decode("utf-8", "replace") if filename is not None else None

    def part_data(self, data: bytes, start: int, end: int) -> None:
        self._data.extend(data[start:end])
        if self._filename is not None:
            if len(self._data) > self.max_file_bytes:
                raise FormTooLargeError(
                    f"document is larger than the limit of {size_text(self.max_file_bytes)}"
                )
        elif len(self._data) > MAX_FIELD_BYTES:
            raise MalformedFormError(f"form field {self._name!r} is too long")

    def part_end(self) -> None:
        if self._filename is not None:
            if self._name in self.form.files:  # else only the last file would be read
                raise MalformedFormError(f"more than one file in form field {self._name!r}: "
                                         "send one document per request")
            self.form.files[self._name] = bytes(self._data)
            self.form.filenames[self._name] = self._filename
        else:
            self.form.fields[self._name] = self._data.decode("utf-8", "replace").strip()
        self._data = bytearray()


async def _chunks(
    stream: AsyncIterator[bytes], idle_timeout: float | None, total_timeout: float | None
) -> AsyncIterator[bytes]:
    """``stream``'s chunks, raising :class:`UploadTimeoutError` when the next chunk does not
    come within ``idle_timeout`` seconds or the whole body within ``total_timeout``: a stalled
    or trickling upload must not hold a connection and its buffer forever."""
    deadline = None if total_timeout is None else time.monotonic() + total_timeout
    iterator = stream.__aiter__()
    while True:
        wait = idle_timeout
        if deadline is not None:
            left = deadline - time.monotonic()
            wait = left if wait is None else min(wait, left)
            if left <= 0:
                raise UploadTimeoutError(
                    f"the upload did not complete within {total_timeout:g} s"
                )
        try:
            chunk = await asyncio.wait_for(iterator.__anext__(), wait)
        except StopAsyncIteration:
            return
        except (asyncio.TimeoutError, TimeoutError):  # distinct classes before Python 3.11
            if deadline is not None and time.monotonic() >= deadline:
                raise UploadTimeoutError(
                    f"the upload did not complete within {total_timeout:g} s"
                ) from None
            raise UploadTimeoutError(
                f"the upload stalled: no data for {idle_timeout:g} s"
            ) from None
        yield chunk


async def read_multipart(
    request: Request,
    *,
    max_file_bytes: int,
    idle_timeout: float | None = 30.0,
    total_timeout: float | None = 600.0,
) -> Form:
    """Read and parse the request's multipart body, refusing it once it passes the caps or
    stalls (``idle_timeout`` seconds without data, ``total_timeout`` for the whole body)."""
    content_type = request.headers.get("content-type", "")
    mime, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if mime != b"multipart/form-data" or not boundary:
        raise MalformedFormError(
            "expected multipart/form-data with a 'document' file field"
        )
    max_body = max_file_bytes + FORM_OVERHEAD
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > max_body:
        raise FormTooLargeError(
            f"request body is {size_text(int(length))}; the document limit is "
            f"{size_text(max_file_bytes)}"
        )
    form = Form()
    parser = MultipartParser(boundary, _Collector(form, max_file_bytes).callbacks())  # type: ignore[arg-type]
    received = 0
    try:
        async for chunk in _chunks(request.stream(), idle_timeout, total_timeout):
            received += len(chunk)
            if received > max_body:
                raise FormTooLargeError(
                    f"request body is larger than the limit of {size_text(max_body)}"
                )
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError as exc:
        raise MalformedFormError(f"malformed multipart body: {exc}") from None
    return form


__all__ = [
    "FORM_OVERHEAD",
    "Form",
    "FormTooLargeError",
    "MalformedFormError",
    "UploadTimeoutError",
    "read_multipart",
]
