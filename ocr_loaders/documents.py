"""Framework-neutral page documents: the metadata contract shared by every adapter.

One :class:`PageRecord` per OCR'd page, with the keys of the metadata contract (GUIDE §2):
``source, page, total_pages`` (pages processed in this file), ``width, height, confidence,
words, engine, model_version`` and ``document_pages`` (the source's own page count), where
``words`` is a list of ``{"id", "text", "confidence", "box": [[x, y] x4]}`` (TL, TR, BR, BL).
LangChain and LlamaIndex adapters only wrap these records in their own Document types.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ocr_loaders.models import OCRResult, Page

BULKY_KEYS = ("words", "boxes", "word_ids", "low_confidence_word_ids")
"""Metadata keys that must never reach embeddings or LLM prompts (lists of words, boxes or
word ids: a chunk carries only its own words' share of each)."""

HIDDEN_KEYS = (
    *BULKY_KEYS, "width", "height", "engine", "model_version", "page_spans", "confidence",
    "total_pages", "document_pages", "pages", "dropped_words", "masked_words",
    "flagged_words", "low_confidence",
)
"""Metadata kept out of LlamaIndex's embedding and prompt text: the bulky keys and technical
details (the cache's and the low-confidence filter's bookkeeping included); ``source`` and
``page`` stay, so that an answer can cite them."""


@dataclass
class PageRecord:
    """Page text and its contract metadata."""

    text: str
    metadata: dict[str, Any] = field(default_factory=dict)


def document_id(metadata: dict[str, Any]) -> str | None:
    """Stable id of a page document, ``"<source>#page=<n>"`` (the source alone for a whole
    file loaded with ``mode="single"``), so re-loading a file upserts its pages in a vector
    store instead of adding them again. ``None`` for a source without a name (``<bytes>``,
    ``<blob>``): unrelated documents would share it."""
    source = str(metadata.get("source", ""))
    if not source or (source.startswith("<") and source.endswith(">")):
        return None
    page = metadata.get("page")
    return f"{source}#page={page}" if page is not None else source


def word_dicts(page: Page) -> list[dict[str, Any]]:
    """The page's words in the contract's shape."""
    return [
        {
            "id": w.id,
            "text": w.text,
            "confidence": w.confidence,
            "box": w.bounding_box.points(),
        }
        for w in page.words
    ]


def page_record(
    page: Page,
    *,
    source: str,
    page_number: int,
    total_pages: int,
    engine: str,
    model_version: str,
) -> PageRecord:
    """One page as a record with the contract's metadata."""
    return PageRecord(
        text=page.text,
        metadata={
            "source": source,
            "page": page_number,
            "total_pages": total_pages,
            "width": page.width,
            "height": page.height,
            "confidence": page.confidence,
            "words": word_dicts(page),
            "engine": engine,
            "model_version": model_version,
        },
    )


def result_records(result: OCRResult, *, source: str, engine: str) -> Iterator[PageRecord]:
    """Every page of a result as a record; ``page`` is the real 1-based page number."""
    processed = len(result.pages)
    for index, page in enumerate(result.pages):
        record = page_record(
            page,
            source=source,
            page_number=result.page_number(index),
            total_pages=processed,
            engine=engine,
            model_version=result.model_version,
        )
        record.metadata["document_pages"] = result.total_pages or processed
        yield record


def flattened(record: PageRecord) -> PageRecord:
    """The record with every list or dict in its metadata (``words``, ``page_spans``) as a
    JSON string, for vector stores that take only flat values (Chroma: "Value for metadata
    words must be one of (str, int, float, None)"). The filter, the chunkers and
    ``highlight_boxes`` read such strings back."""
    meta = {k: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v
            for k, v in record.metadata.items()}
    return PageRecord(text=record.text, metadata=meta)
