"""``OCRTextSplitter``: a LangChain ``TextSplitter`` whose chunks cite their page and words.

``split_documents`` / ``create_documents`` / ``transform_documents`` run
:func:`ocr_loaders.rag.chunk_documents` (so a chunk's metadata holds ``page``, ``word_ids`` and
exactly its words' ``boxes`` instead of a copy of the whole page's ``words``); documents
without OCR words are cut the same way, at whitespace. ``split_text`` cuts plain text by
tokens. Re-exported as ``ocr_loaders.langchain.OCRTextSplitter``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any

from ocr_loaders.documents import PageRecord
from ocr_loaders.rag.chunking import _check_sizes, chunk_documents, chunk_record
from ocr_loaders.rag.tokens import DEFAULT_ENCODING, get_encoding

try:
    from langchain_core.documents import Document
    from langchain_text_splitters import TextSplitter
except ImportError as exc:  # pragma: no cover - only without the extra
    raise ImportError(
        'OCRTextSplitter needs LangChain: pip install "ocr-loaders[langchain]"'
    ) from exc


class OCRTextSplitter(TextSplitter):
    """Token-aware (tiktoken) splitting of page documents with word-level provenance.

    Args:
        chunk_size: most tokens per chunk (always respected).
        chunk_overlap: tokens of whole trailing words repeated at the next chunk's start.
        encoding: a tiktoken encoding name or ``tiktoken.Encoding`` (offline-safe).
        flat_metadata: ``word_ids`` and ``boxes`` as JSON strings (Chroma and similar).

    Of ``TextSplitter``'s other options, ``length_function`` is replaced by the encoding's
    count, ``add_start_index`` is always on (``start_index`` / ``end_index``) and
    ``strip_whitespace`` is moot: a chunk runs from its first word to its last.
    """

    def __init__(
        self,
        chunk_size: int = 512,
        chunk_overlap: int = 64,
        *,
        encoding: str | Any = DEFAULT_ENCODING,
        flat_metadata: bool = False,
        **kwargs: Any,
    ) -> None:
        _check_sizes(chunk_size, chunk_overlap)
        enc = get_encoding(encoding)
        kwargs.pop("length_function", None)  # ours counts tokens of ``encoding``
        super().__init__(
            chunk_size=chunk_size, chunk_overlap=chunk_overlap,
            length_function=functools.partial(_token_count, enc), **kwargs,
        )
        self.encoding = enc
        self.flat_metadata = flat_metadata

    @classmethod
    def from_tiktoken_encoder(
        cls,
        encoding_name: str = DEFAULT_ENCODING,
        model_name: str | None = None,
        allowed_special: Any = None,
        disallowed_special: Any = None,
        **kwargs: Any,
    ) -> OCRTextSplitter:
        """LangChain's constructor by encoding or model name, with the offline encodings
        (``allowed_special`` / ``disallowed_special`` do not apply: special-token text is
        counted as ordinary text)."""
        if model_name is not None:
            import tiktoken

            encoding_name = tiktoken.encoding_name_for_model(model_name)
        return cls(encoding=encoding_name, **kwargs)

    def split_text(self, text: str) -> list[str]:
        return [c.text for c in chunk_record(PageRecord(text=text), **self._options())]

    def create_documents(
        self, texts: list[str], metadatas: list[dict[Any, Any]] | None = None
    ) -> list[Document]:
        """Chunks of texts with their metadata (``metadatas[i]`` for ``texts[i]``), as
        :meth:`split_documents` makes them: a page's ``words`` become each chunk's own
        ``word_ids`` and ``boxes`` instead of being copied whole into every chunk."""
        if metadatas and len(metadatas) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(metadatas)} metadatas")
        metas = metadatas or [{}] * len(texts)  # [] as None, as LangChain's own
        return self.split_documents(
            Document(page_content=text, metadata=dict(meta)) for text, meta in zip(texts, metas)
        )

    def split_documents(self, documents: Iterable[Document]) -> list[Document]:
        return chunk_documents(documents, flat_metadata=self.flat_metadata, **self._options())

    def transform_documents(self, documents: Sequence[Document], **kwargs: Any) -> list[Document]:
        return self.split_documents(documents)

    def _options(self) -> dict[str, Any]:
        return {"chunk_size": self._chunk_size, "chunk_overlap": self._chunk_overlap,
                "encoding": self.encoding}


def _token_count(enc: Any, text: str) -> int:
    """The length function: tiktoken tokens of ``text`` (module-level, so splitters pickle)."""
    return len(enc.encode_ordinary(text))
