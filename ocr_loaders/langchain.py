"""LangChain integration: a page loader, a blob parser, a text splitter and an agent tool.

``OCRLoader("scan.pdf").load()`` gives one :class:`~langchain_core.documents.Document` per
page whose metadata follows the contract of ``GUIDE §2`` (``source, page, total_pages, width,
height, confidence, words, engine, model_version``). The loader is a thin shell over
:class:`OCRBlobParser`, which also works with ``GenericLoader`` and as the ``images_parser``
of ``PyPDFLoader`` / ``PyMuPDFLoader``. Needs ``pip install "ocr-loaders[langchain]"``.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from ocr_loaders.documents import PageRecord, document_id
from ocr_loaders.engines import OCREngine
from ocr_loaders.inputs import DEFAULT_LIMITS, Limits
from ocr_loaders.loading import Mode, OnError, PageLoader, PathLike, SkippedFile, threaded
from ocr_loaders.rag.langchain_splitter import OCRTextSplitter

try:
    from langchain_core.document_loaders import BaseBlobParser, BaseLoader
    from langchain_core.documents import Document
    from langchain_core.documents.base import Blob
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        'ocr_loaders.langchain needs LangChain: pip install "ocr-loaders[langchain]"'
    ) from exc

if TYPE_CHECKING:
    from langchain_core.tools import StructuredTool

__all__ = [
    "OCRBatchLoader",
    "OCRBlobParser",
    "OCRLoader",
    "OCRTextSplitter",
    "SkippedFile",
    "ocr_document_tool",
    "to_document",
]


def to_document(record: PageRecord, extra: dict[str, Any] | None = None) -> Document:
    """A page record as a LangChain Document (``extra`` metadata first, contract keys win),
    with a stable id (:func:`~ocr_loaders.documents.document_id`) so vector stores upsert."""
    return Document(page_content=record.text, metadata={**(extra or {}), **record.metadata},
                    id=document_id(record.metadata))


class OCRBlobParser(BaseBlobParser):
    """OCR a blob (any supported format, sniffed from its bytes) into page Documents.

    Args are those of :class:`ocr_loaders.loading.PageLoader` (engine, pages, mode,
    min_confidence, cache, ...). Pages are yielded as soon as each is recognised.
    """

    def __init__(
        self,
        engine: str | OCREngine = "local",
        *,
        engine_options: dict[str, Any] | None = None,
        pages: str | Sequence[int] | None = None,
        password: str | None = None,
        limits: Limits = DEFAULT_LIMITS,
        mode: Mode = "page",
        pages_delimiter: str = "\n\f",
        min_confidence: float | None = None,
        cache: Any = None,
        flat_metadata: bool = False,
    ) -> None:
        self.loader = PageLoader(
            engine, engine_options=engine_options, pages=pages, password=password,
            limits=limits, mode=mode, pages_delimiter=pages_delimiter,
            min_confidence=min_confidence, cache=cache, flat_metadata=flat_metadata,
        )

    def lazy_parse(self, blob: Blob) -> Iterator[Document]:
        """Documents of one blob (``application/x-npy`` arrays from PDF loaders included)."""
        source = blob.source or (str(blob.path) if blob.path else "<blob>")
        data = _blob_bytes(blob)
        for record in self.loader.iter_source(data, name=source):
            yield to_document(record, blob.metadata)


class OCRLoader(BaseLoader):
    """Load files (paths, a list, or directories of supported files) as page Documents.

    ``lazy_load`` yields pages as they are recognised; ``alazy_load`` runs the OCR in a
    worker thread so the event loop keeps serving. With ``on_error="skip"`` or ``"warn"``,
    failed files are listed in :attr:`skipped` (source, error type, message) and logged.
    """

    def __init__(
        self,
        file_path: PathLike | Iterable[PathLike],
        *,
        engine: str | OCREngine = "local",
        engine_options: dict[str, Any] | None = None,
        pages: str | Sequence[int] | None = None,
        password: str | None = None,
        limits: Limits = DEFAULT_LIMITS,
        mode: Mode = "page",
        pages_delimiter: str = "\n\f",
        min_confidence: float | None = None,
        show_progress: bool | None = None,
        max_workers: int = 1,
        on_error: OnError = "raise",
        cache: Any = None,
        flat_metadata: bool = False,
    ) -> None:
        self.file_path = file_path
        self.loader = PageLoader(
            engine, engine_options=engine_options, pages=pages, password=password,
            limits=limits, mode=mode, pages_delimiter=pages_delimiter,
            min_confidence=min_confidence, show_progress=show_progress,
            max_workers=max_workers, on_error=on_error, cache=cache,
            flat_metadata=flat_metadata,
        )

    @property
    def skipped(self) -> list[SkippedFile]:
        """Files that failed and were skipped in the last load."""
        return self.loader.skipped

    @property
    def from_cache(self) -> list[str]:
        """Files served from the result cache (``cache=``) in the last load."""
        return self.loader.from_cache

    def lazy_load(self) -> Iterator[Document]:
        self.loader.clear_history()
        for record in self.loader.iter_files(self.file_path):
            yield to_document(record)

    async def alazy_load(self) -> AsyncIterator[Document]:
        """Pages as they are recognised, produced in a worker thread (non-blocking)."""
        async for doc in threaded(self.lazy_load()):
            yield doc


class OCRBatchLoader(BaseLoader):
    """Page Documents from the output of a corpus run (``ocr-loaders batch`` /
    :func:`ocr_loaders.ray.run`), without OCRing again and without Ray: the same metadata as
    :class:`OCRLoader` gives for the same files. Failed files are not Documents (see
    :func:`ocr_loaders.batch.failed`).
    """

    def __init__(self, output: str, *, min_confidence: float | None = None) -> None:
        self.output = output
        self.min_confidence = min_confidence

    def lazy_load(self) -> Iterator[Document]:
        from ocr_loaders.batch import load_records

        for record in load_records(self.output, min_confidence=self.min_confidence):
            yield to_document(record)


def _blob_bytes(blob: Blob) -> bytes:
    data = blob.as_bytes()
    if blob.mimetype == "application/x-npy":  # PyMuPDF/PyPDF image blobs as numpy arrays
        import numpy as np
        from PIL import Image

        array = np.load(io.BytesIO(data), allow_pickle=False)
        buf = io.BytesIO()
        Image.fromarray(array).save(buf, format="PNG")
        return buf.getvalue()
    return data


def ocr_document_tool(**kwargs: Any) -> StructuredTool:
    """The ``ocr_document`` agent tool (see :mod:`ocr_loaders.tools`)."""
    from ocr_loaders.tools import langchain_tool

    return langchain_tool(**kwargs)

