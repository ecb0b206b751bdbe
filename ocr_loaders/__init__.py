"""ocr-loaders: any document to LLM-ready text with provenance.

The core (this package's top level) needs neither LangChain nor LlamaIndex; their adapters
live in :mod:`ocr_loaders.langchain` and :mod:`ocr_loaders.llama_index`.
"""

from __future__ import annotations

from ocr_loaders.engines import OCREngine, PageEngine, get_engine
from ocr_loaders.engines.local import LocalEngine
from ocr_loaders.engines.upstage import UpstageEngine
from ocr_loaders.errors import (
    APIError,
    ConversionError,
    CorruptDocumentError,
    DocumentTooLargeError,
    EncryptedDocumentError,
    InputError,
    OCRError,
    PageRangeError,
    TooManyPixelsError,
    UnsupportedFormatError,
)
from ocr_loaders.inputs import DocumentFormat, Limits, open_document, sniff_format
from ocr_loaders.models import BoundingBox, OCRResult, Page, PageMetadata, Vertex, Word

__version__ = "0.1.0"

__all__ = [
    "APIError",
    "BoundingBox",
    "ConversionError",
    "CorruptDocumentError",
    "DocumentFormat",
    "DocumentTooLargeError",
    "EncryptedDocumentError",
    "InputError",
    "Limits",
    "LocalEngine",
    "OCREngine",
    "OCRError",
    "OCRResult",
    "Page",
    "PageEngine",
    "PageMetadata",
    "PageRangeError",
    "TooManyPixelsError",
    "UnsupportedFormatError",
    "UpstageEngine",
    "Vertex",
    "Word",
    "__version__",
    "get_engine",
    "open_document",
    "recognize",
    "sniff_format",
]


def recognize(source: object, *, engine: str | OCREngine = "local", cache: object = None,
              **kwargs: object) -> OCRResult:
    """OCR a document with the named engine (default: the embedded one); ``cache`` (``True``,
    a path or a ``ResultCache``) serves a document already read from the result cache. Other
    keyword arguments go to the engine's ``recognize`` (``pages``, ``password``, ...)."""
    return get_engine(engine, cache=cache).recognize(source, **kwargs)  # type: ignore[arg-type]
