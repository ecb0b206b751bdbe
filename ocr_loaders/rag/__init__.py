"""RAG helpers on page documents of any framework: the low-confidence filter and
token-aware chunking whose chunks cite the page and the boxes of exactly their words."""

from __future__ import annotations

from ocr_loaders.rag.chunking import chunk_documents, chunk_record, highlight_boxes
from ocr_loaders.rag.filtering import filter_low_confidence, filter_record
from ocr_loaders.rag.tokens import EncodingUnavailableError, get_encoding

__all__ = [
    "EncodingUnavailableError",
    "chunk_documents",
    "chunk_record",
    "filter_low_confidence",
    "filter_record",
    "get_encoding",
    "highlight_boxes",
]
