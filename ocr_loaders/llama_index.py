"""LlamaIndex integration: a page reader, a node parser and an agent tool.

``SimpleDirectoryReader("docs/", file_extractor=OCRReader.file_extractor())`` reads every
supported file as one :class:`~llama_index.core.Document` per page, with the metadata of
``GUIDE §2``. Ids are stable (``"{source}#page={n}"``) so re-ingestion updates instead of
duplicating, and the bulky keys (``words``...) are excluded from embeddings and prompts, so
LlamaIndex's "metadata length is longer than chunk size" error cannot come from us.
Needs ``pip install "ocr-loaders[llama-index]"``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ocr_loaders.documents import HIDDEN_KEYS, PageRecord, document_id
from ocr_loaders.inputs import DEFAULT_LIMITS, Limits
from ocr_loaders.loading import SUPPORTED_EXTENSIONS, PageLoader, SkippedFile, threaded
from ocr_loaders.rag.llama_node_parser import OCRNodeParser

try:
    from llama_index.core.bridge.pydantic import ConfigDict, Field, PrivateAttr, SecretStr
    from llama_index.core.readers.base import BasePydanticReader
    from llama_index.core.schema import Document
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        'ocr_loaders.llama_index needs LlamaIndex: pip install "ocr-loaders[llama-index]"'
    ) from exc

if TYPE_CHECKING:
    from llama_index.core.tools import FunctionTool

__all__ = [
    "EXCLUDED_EMBED_KEYS",
    "EXCLUDED_LLM_KEYS",
    "OCRBatchReader",
    "OCRNodeParser",
    "OCRReader",
    "ocr_document_tool",
    "to_document",
]

EXCLUDED_LLM_KEYS = list(HIDDEN_KEYS)
"""Metadata never shown to the LLM: boxes and technical details (the cache's and the
low-confidence filter's bookkeeping included); ``source`` and ``page`` stay, so an answer can
cite them."""

EXCLUDED_EMBED_KEYS = list(EXCLUDED_LLM_KEYS)
"""Metadata never embedded: the same keys (only the source and the page number remain)."""


def to_document(record: PageRecord, extra: dict[str, Any] | None = None) -> Document:
    """A page record as a LlamaIndex Document with a stable id and the bulky keys excluded."""
    doc_id = document_id(record.metadata)
    return Document(
        **({"id_": doc_id} if doc_id is not None else {}),  # else LlamaIndex's random id
        text=record.text,
        metadata={**(extra or {}), **record.metadata},
        excluded_embed_metadata_keys=list(EXCLUDED_EMBED_KEYS),
        excluded_llm_metadata_keys=list(EXCLUDED_LLM_KEYS),
    )


class OCRReader(BasePydanticReader):
    """OCR files into page Documents; also a ``file_extractor`` for ``SimpleDirectoryReader``.

    ``engine`` is ``"local"`` (embedded, offline), ``"upstage"`` (remote API; key from
    ``engine_options`` or ``UPSTAGE_API_KEY``) or an :class:`~ocr_loaders.OCREngine`.
    """

    engine: Any = Field(default="local", description="'local', 'upstage' or an OCREngine.")
    engine_options: dict[str, Any] = Field(
        default_factory=dict, exclude=True, repr=False,  # may hold the API key
        description="Keyword arguments of the named engine, e.g. api_key.",
    )
    pages: str | list[int] | None = Field(default=None, description="1-based pages, '1-3,5'.")
    password: SecretStr | None = Field(
        default=None, exclude=True, repr=False, description="Password of encrypted PDFs.")
    mode: str = Field(default="page", description="'page' or 'single' (one per file).")
    min_confidence: float | None = Field(default=None, description="Drop words below this.")
    show_progress: bool | None = Field(default=None, description="Progress bar over files.")
    max_workers: int = Field(default=1, description="Files OCR'd concurrently.")
    on_error: str = Field(default="raise", description="'raise', 'skip' or 'warn'.")
    limits: Limits = Field(default=DEFAULT_LIMITS)
    cache: Any = Field(default=None, description="True, a path or a ResultCache.")
    flat_metadata: bool = Field(
        default=False, description="Lists in the metadata (words) as JSON strings (Chroma).")
    is_remote: bool = False

    # a misspelt option (``min_confidnce=0.9``) is an error, not silently no filter
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    _loader: PageLoader | None = PrivateAttr(default=None)

    @classmethod
    def class_name(cls) -> str:
        return "OCRReader"

    @property
    def loader(self) -> PageLoader:
        if self._loader is None:
            password = self.password.get_secret_value() if self.password else None
            self._loader = PageLoader(
                self.engine, engine_options=self.engine_options, pages=self.pages,
                password=password,
                limits=self.limits, mode=self.mode,  # type: ignore[arg-type]
                min_confidence=self.min_confidence, show_progress=self.show_progress,
                max_workers=self.max_workers, on_error=self.on_error,  # type: ignore[arg-type]
                cache=self.cache, flat_metadata=self.flat_metadata,
            )
        return self._loader

    @property
    def skipped(self) -> list[SkippedFile]:
        """Files that failed and were skipped."""
        return self.loader.skipped

    @property
    def from_cache(self) -> list[str]:
        """Files served from the result cache (``cache=``), since the reader was made."""
        return self.loader.from_cache

    def lazy_load_data(
        self,
        file: str | Path | list[str | Path],
        extra_info: dict[str, Any] | None = None,
        fs: Any = None,
    ) -> Iterator[Document]:
        """Page Documents of a file (or files / directories), as they are recognised."""
        with contextlib.ExitStack() as stack:
            if fs is not None and isinstance(file, (str, os.PathLike)):
                # the file object is read at most one byte past the size limit, and failures
                # (a missing file included) are handled per ``on_error``, as for local files
                name = str(file)
                records = self.loader.guarded(
                    lambda: stack.enter_context(fs.open(name, "rb")), name)
            else:
                records = self.loader.iter_files(file)
            for record in records:
                yield to_document(record, extra_info)

    def load_data(
        self,
        file: str | Path | list[str | Path],
        extra_info: dict[str, Any] | None = None,
        fs: Any = None,
    ) -> list[Document]:
        return list(self.lazy_load_data(file, extra_info, fs))

    async def aload_data(
        self,
        file: str | Path | list[str | Path],
        extra_info: dict[str, Any] | None = None,
        fs: Any = None,
    ) -> list[Document]:
        """:meth:`load_data` in a worker thread, so the event loop keeps serving."""
        return await asyncio.to_thread(self.load_data, file, extra_info, fs)

    async def alazy_load_data(  # type: ignore[override]
        self, file: str | Path | list[str | Path], extra_info: dict[str, Any] | None = None,
        fs: Any = None,
    ) -> AsyncIterator[Document]:
        """Pages as they are recognised, produced in a worker thread."""
        async for doc in threaded(self.lazy_load_data(file, extra_info, fs)):
            yield doc

    @classmethod
    def file_extractor(cls, **kwargs: Any) -> dict[str, OCRReader]:
        """``{".pdf": reader, ".png": reader, ...}`` for every supported extension, one reader."""
        reader = cls(**kwargs)
        return {ext: reader for ext in SUPPORTED_EXTENSIONS}


class OCRBatchReader(BasePydanticReader):
    """Page Documents from the output of a corpus run (``ocr-loaders batch`` /
    :func:`ocr_loaders.ray.run`), without OCRing again and without Ray: the same ids and
    metadata as :class:`OCRReader` gives for the same files. Failed files are not Documents
    (see :func:`ocr_loaders.batch.failed`)."""

    is_remote: bool = False
    min_confidence: float | None = Field(
        default=None, description="Drop words under this confidence (the loaders' filter)."
    )
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    @classmethod
    def class_name(cls) -> str:
        return "OCRBatchReader"

    def lazy_load_data(self, output: str, extra_info: dict[str, Any] | None = None
                       ) -> Iterator[Document]:
        """Documents of an output directory (Parquet or JSONL; local or a pyarrow URI)."""
        from ocr_loaders.batch import load_records

        for record in load_records(output, min_confidence=self.min_confidence):
            yield to_document(record, extra_info)

    def load_data(self, output: str, extra_info: dict[str, Any] | None = None
                  ) -> list[Document]:
        return list(self.lazy_load_data(output, extra_info))


def ocr_document_tool(**kwargs: Any) -> FunctionTool:
    """The ``ocr_document`` agent tool as a LlamaIndex ``FunctionTool``."""
    from ocr_loaders.tools import llama_index_tool

    return llama_index_tool(**kwargs)

