"""Chunks (``PageRecord``) turned into the kind of the page they came from: a LangChain
``Document`` with a stable id, a LlamaIndex ``TextNode`` related to its page, or a record."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ocr_loaders.documents import BULKY_KEYS, PageRecord
from ocr_loaders.rag.items import kind


def converter(doc: Any) -> Callable[[PageRecord], Any]:
    """A function turning chunks of the page ``doc`` into ``doc``'s kind."""
    which = kind(doc)
    if which == "record":
        return lambda chunk: chunk
    if which == "langchain":
        from langchain_core.documents import Document

        page_id = getattr(doc, "id", None)
        single = "page" not in doc.metadata
        return lambda chunk: Document(
            page_content=chunk.text, metadata=chunk.metadata,
            id=node_id(page_id, chunk.metadata, single) if page_id else None,
        )
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

    from ocr_loaders.llama_index import EXCLUDED_EMBED_KEYS, EXCLUDED_LLM_KEYS

    # once per page, not per chunk: the page's hash covers its metadata, words and boxes
    # included (made per chunk it was 1.7 s of 2.4 s for the 605 chunks of the eval pages)
    source = doc.as_related_node_info()
    # the relation is stored with each node (a vector store's ``_node_content``): without
    # the page's words, which would otherwise go into every chunk's payload
    source_meta = {k: v for k, v in source.metadata.items() if k not in BULKY_KEYS}

    def convert(chunk: PageRecord) -> Any:
        meta = chunk.metadata
        node = TextNode(
            id_=node_id(doc.id_, meta, "page" not in doc.metadata),
            text=chunk.text,
            metadata=meta,
            excluded_embed_metadata_keys=_excluded(doc.excluded_embed_metadata_keys,
                                                   EXCLUDED_EMBED_KEYS, meta),
            excluded_llm_metadata_keys=_excluded(doc.excluded_llm_metadata_keys,
                                                 EXCLUDED_LLM_KEYS, meta),
            start_char_idx=meta["start_index"],
            end_char_idx=meta["end_index"],
            # the page's formats for embedding and prompts, as LlamaIndex's splitters keep them
            text_template=doc.text_template,
            metadata_template=doc.metadata_template,
            metadata_separator=doc.metadata_separator,
        )
        node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(
            node_id=source.node_id, node_type=source.node_type, metadata=source_meta,
            hash=source.hash,
        )
        return node

    return convert


def node_id(document_id: str, meta: dict[str, Any], with_page: bool) -> str:
    """A chunk's stable id (a LlamaIndex node's, a LangChain Document's): its page document's
    id and its index in the page (and its page, for a document of a whole file loaded with
    ``mode="single"``)."""
    page = f"#page={meta['page']}" if with_page and "page" in meta else ""
    return f"{document_id}{page}#chunk={meta['chunk_index']}"


def _excluded(inherited: Sequence[str], ours: Sequence[str], meta: dict[str, Any]) -> list[str]:
    extra = ["chunk_index", "token_count", "confidence_min", "start_index", "end_index"]
    keys = [*inherited, *ours, *extra]
    return [k for k in dict.fromkeys(keys) if k in meta]
