"""Page items of any kind, seen as page records: LangChain Documents, LlamaIndex Documents or
nodes, our :class:`PageRecord`. The RAG helpers work on records and give back the caller's type.
"""

from __future__ import annotations

import json
from typing import Any

from ocr_loaders.documents import BULKY_KEYS, HIDDEN_KEYS, PageRecord


def kind(item: Any) -> str:
    """``"record"``, ``"langchain"`` or ``"llama_index"``."""
    if isinstance(item, PageRecord):
        return "record"
    if hasattr(item, "page_content") and hasattr(item, "metadata"):
        return "langchain"
    if hasattr(item, "get_content") and hasattr(item, "metadata"):
        return "llama_index"
    raise TypeError(
        f"expected a PageRecord, a LangChain or a LlamaIndex document, not {type(item).__name__}"
    )


def as_record(item: Any) -> PageRecord:
    """The text and a copy of the metadata of an item (JSON-string words are parsed)."""
    which = kind(item)
    if which == "record":
        text = item.text
    elif which == "langchain":
        text = item.page_content
    else:
        text = item.get_content()
    metadata = dict(item.metadata)
    for key in (*BULKY_KEYS, "page_spans"):
        if isinstance(metadata.get(key), str):
            metadata[key] = json.loads(metadata[key])
    return PageRecord(text=text, metadata=metadata)


def like(original: Any, record: PageRecord) -> Any:
    """``record`` as the same kind of object as ``original`` (id and exclusions kept); when
    the original's metadata was flat (its word lists as JSON strings, ``flat_metadata=True``
    for stores such as Chroma), so is the result's."""
    if any(isinstance(original.metadata.get(key), str) for key in BULKY_KEYS):
        flat = dict(record.metadata)
        for key in BULKY_KEYS:
            if key in flat and not isinstance(flat[key], str):
                flat[key] = json.dumps(flat[key])
        record = PageRecord(text=record.text, metadata=flat)
    which = kind(original)
    if which == "record":
        return record
    if which == "langchain":
        from langchain_core.documents import Document

        return Document(page_content=record.text, metadata=record.metadata,
                        id=getattr(original, "id", None))
    # a copy of the original's own class (a chunk stays a TextNode with its page relation and
    # offsets; templates, separators and exclusions stay), with the new text and metadata
    copy = original.model_copy()
    copy.relationships = dict(original.relationships)
    # keys that ``record`` adds (the filter's counts and flagged ids on a chunk, whose
    # lists name only the keys it had) are hidden as on a page; the original's are as it says
    added = [k for k in record.metadata if k in HIDDEN_KEYS and k not in original.metadata]
    copy.excluded_embed_metadata_keys = [*original.excluded_embed_metadata_keys, *added]
    copy.excluded_llm_metadata_keys = [*original.excluded_llm_metadata_keys, *added]
    if record.text != original.get_content():
        copy.set_content(record.text)
        copy.embedding = None  # it was the old text's
    copy.metadata = record.metadata
    return copy
