"""``OCRNodeParser``: a LlamaIndex ``NodeParser`` whose nodes cite their page and words.

Each page document becomes ``TextNode`` s (tiktoken-sized, see
:mod:`ocr_loaders.rag.chunking`) related to it by ``NodeRelationship.SOURCE``, with only their
own words' ``word_ids`` and ``boxes``; those and the page's other bulky or technical keys are
excluded from embeddings and prompts. The page's ``words`` list is never copied into nodes
(LlamaIndex's ``include_metadata`` merge is replaced by our own copy without the bulky keys).
Node ids are stable (``<page id>#chunk=<n>``, so re-ingesting a file upserts the same nodes)
unless an ``id_func`` is given, which is then called as LlamaIndex's splitters call it:
``id_func(i, page_document)``, ``i`` counting the nodes of that document from 0.
Re-exported as ``ocr_loaders.llama_index.OCRNodeParser``.
"""

from __future__ import annotations

import collections
from collections.abc import Sequence
from typing import Any

from ocr_loaders.rag.chunking import _check_sizes, chunk_documents
from ocr_loaders.rag.tokens import DEFAULT_ENCODING, get_encoding

try:
    from llama_index.core.bridge.pydantic import (
        ConfigDict,
        Field,
        field_serializer,
        model_validator,
    )
    from llama_index.core.node_parser.interface import NodeParser
    from llama_index.core.node_parser.node_utils import default_id_func
    from llama_index.core.schema import BaseNode, Document, TextNode
except ImportError as exc:  # pragma: no cover - only without the extra
    raise ImportError(
        'OCRNodeParser needs LlamaIndex: pip install "ocr-loaders[llama-index]"'
    ) from exc


class OCRNodeParser(NodeParser):
    """Token-aware chunks of OCR page documents that keep word boxes for citations."""

    chunk_size: int = Field(default=512, gt=0, description="Most tokens per node.")
    chunk_overlap: int = Field(default=64, ge=0, description="Overlap in tokens (whole words).")
    encoding: str | Any = Field(
        default=DEFAULT_ENCODING, description="tiktoken encoding name or tiktoken.Encoding."
    )
    flat_metadata: bool = Field(
        default=False, description="word_ids and boxes as JSON strings (flat vector stores)."
    )
    include_metadata: bool = Field(
        default=False, description="Kept False: nodes already carry the page's light metadata."
    )
    # a misspelt option (``chunk_sizee=10``) is an error, not the default size
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    @model_validator(mode="after")
    def _check(self) -> OCRNodeParser:
        """Sizes and encoding refused here, not at the first documents (after their OCR)."""
        _check_sizes(self.chunk_size, self.chunk_overlap)
        get_encoding(self.encoding)
        return self

    @field_serializer("encoding")
    def _encoding_name(self, encoding: str | Any) -> str:
        return encoding if isinstance(encoding, str) else str(encoding.name)

    @classmethod
    def class_name(cls) -> str:
        return "OCRNodeParser"

    def _postprocess_parsed_nodes(
        self, nodes: list[BaseNode], parent_doc_map: dict[str, Document]
    ) -> list[BaseNode]:
        # LlamaIndex sets each node's start_char_idx by searching its text in the page from
        # just after the previous node's start, which finds an earlier copy when the text
        # also occurs there (a short chunk inside the one before): ours are exact, keep them
        nodes = super()._postprocess_parsed_nodes(nodes, parent_doc_map)
        for node in nodes:
            if isinstance(node, TextNode) and "start_index" in node.metadata:
                node.start_char_idx = node.metadata["start_index"]
                node.end_char_idx = node.metadata["end_index"]
        return nodes

    def _parse_nodes(
        self, nodes: Sequence[BaseNode], show_progress: bool = False, **kwargs: Any
    ) -> list[BaseNode]:
        out: list[BaseNode] = chunk_documents(
            nodes, chunk_size=self.chunk_size, chunk_overlap=self.chunk_overlap,
            encoding=self.encoding, flat_metadata=self.flat_metadata,
        )
        if self.id_func is not default_id_func:  # the user's ids (namespaced, per tenant...)
            pages = {node.node_id: node for node in nodes}
            seen: collections.Counter[str] = collections.Counter()
            for node in out:
                source = node.source_node
                if source is None or source.node_id not in pages:
                    continue
                node.id_ = self.id_func(seen[source.node_id], pages[source.node_id])
                seen[source.node_id] += 1
        return out
