"""The engine interface: every engine turns a document into one :class:`OCRResult`.

:class:`OCREngine` is what loaders, the server and the CLI depend on. Engines that recognise
page images one at a time (the embedded engine) subclass :class:`PageEngine`, which gets
document handling, page limits and lazy iteration for free.
"""

from __future__ import annotations

import abc
import threading
from collections.abc import Iterator, Sequence

from PIL import Image

from ocr_loaders.errors import CancelledError
from ocr_loaders.inputs import (
    DEFAULT_LIMITS,
    DocPage,
    Limits,
    OpenedDocument,
    Source,
    open_document,
)
from ocr_loaders.models import OCRResult, Page


class OCREngine(abc.ABC):
    """Anything that reads a document and returns the API's response model."""

    name: str = "engine"

    @property
    @abc.abstractmethod
    def model_version(self) -> str:
        """The ``modelVersion`` this engine reports."""

    def produced_model_version(self) -> str:
        """The ``modelVersion`` of the pages ``iter_document`` last yielded in this thread:
        the engine's own, unless what read them says otherwise (a remote API's response)."""
        return self.model_version

    def cache_options(self) -> dict[str, object]:
        """Settings that change this engine's output, part of the result-cache key."""
        return {}

    def open(
        self,
        source: Source,
        *,
        pages: str | Sequence[int] | None = None,
        password: str | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> OpenedDocument:
        """Read and validate a document (format, size, page count) without recognising it."""
        return open_document(source, pages=pages, password=password, limits=limits)

    @abc.abstractmethod
    def iter_document(self, doc: OpenedDocument) -> Iterator[tuple[int, Page]]:
        """Yield ``(1-based page number, Page)`` as pages are recognised."""

    def recognize_document(self, doc: OpenedDocument, *,
                           cancel: threading.Event | None = None) -> OCRResult:
        """Recognise every selected page of an opened document.

        ``cancel``: once set, the document stops before its next page with
        :class:`~ocr_loaders.errors.CancelledError` (a page being read is finished first: a
        thread cannot be interrupted; the server sets it for a client it answered 504).
        """
        numbers: list[int] = []
        pages: list[Page] = []
        for number, page in self.iter_document(doc):
            numbers.append(number)
            pages.append(page)
            if cancel is not None and cancel.is_set() and len(pages) < len(doc.page_numbers):
                raise CancelledError(f"cancelled after {len(pages)} of "
                                     f"{len(doc.page_numbers)} pages")
        return OCRResult.from_pages(
            pages,
            model_version=self.produced_model_version(),
            page_numbers=numbers,
            total_pages=doc.total_pages,
        )

    def recognize(
        self,
        source: Source,
        *,
        pages: str | Sequence[int] | None = None,
        password: str | None = None,
        limits: Limits = DEFAULT_LIMITS,
        cancel: threading.Event | None = None,
    ) -> OCRResult:
        """OCR a document (path, bytes or binary file) into the API's response model
        (``cancel``: see :meth:`recognize_document`)."""
        if cancel is not None and cancel.is_set():
            raise CancelledError("cancelled before it started")
        doc = self.open(source, pages=pages, password=password, limits=limits)
        return self.recognize_document(doc, cancel=cancel)


class PageEngine(OCREngine):
    """An engine that recognises one page image at a time."""

    @abc.abstractmethod
    def recognize_image(self, image: Image.Image, *, page_id: int = 0) -> Page:
        """Recognise one RGB page image; boxes are in this image's pixels."""

    def recognize_page(self, page: DocPage, *, page_id: int = 0) -> Page:
        """Recognise one document page (default: OCR of its image)."""
        try:
            return self.recognize_image(page.image(), page_id=page_id)
        finally:
            page.release()

    def iter_document(self, doc: OpenedDocument) -> Iterator[tuple[int, Page]]:
        for index, page in enumerate(doc.iter_pages()):
            yield page.number, self.recognize_page(page, page_id=index)
