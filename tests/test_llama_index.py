"""LlamaIndex reader on real files: page Documents, stable ids, excluded bulky keys,
SimpleDirectoryReader -> VectorStoreIndex -> retrieve."""

from __future__ import annotations

import asyncio

import pytest

pytest.importorskip("llama_index.core")

from llama_index.core import SimpleDirectoryReader, VectorStoreIndex
from llama_index.core.embeddings import BaseEmbedding
from llama_index.core.schema import MetadataMode

from ocr_loaders.llama_index import OCRReader
from ocr_loaders.loading import SUPPORTED_EXTENSIONS
from tests.frameworks import bow_vector, write_corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_corpus(tmp_path_factory.mktemp("li"))


class BagOfWords(BaseEmbedding):
    """Deterministic embedding where shared words mean similar vectors."""

    def _get_query_embedding(self, query: str) -> list[float]:
        return bow_vector(query)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return bow_vector(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return bow_vector(text)


def test_reader_pages_ids_and_excluded_keys(corpus, engine) -> None:
    reader = OCRReader(engine=engine)
    docs = reader.load_data(corpus["pdf"], extra_info={"collection": "demo"})
    assert [d.metadata["page"] for d in docs] == [1, 2]
    assert [d.id_ for d in docs] == [f"{corpus['pdf']}#page=1", f"{corpus['pdf']}#page=2"]
    assert [d.id_ for d in reader.load_data(corpus["pdf"])] == [d.id_ for d in docs]  # stable
    first = docs[0]
    assert first.metadata["collection"] == "demo" and first.metadata["words"]
    embedded = first.get_content(metadata_mode=MetadataMode.EMBED)
    for_llm = first.get_content(metadata_mode=MetadataMode.LLM)
    for text in (embedded, for_llm):
        assert "words" not in text and "'box'" not in text and "Revenue grew" in text
        assert "page: 1" in text
    assert len(for_llm) < 300


def test_file_extractor_covers_every_format() -> None:
    mapping = OCRReader.file_extractor()
    for ext in (".jpg", ".jpeg", ".png", ".bmp", ".pdf", ".tif", ".tiff", ".heic", ".docx",
                ".pptx", ".xlsx"):
        assert ext in mapping
    assert set(mapping) == set(SUPPORTED_EXTENSIONS)
    assert len({id(r) for r in mapping.values()}) == 1  # one reader, models loaded once


def test_directory_reader_to_index_to_retrieve(corpus, engine) -> None:
    reader = SimpleDirectoryReader(
        str(corpus["png"].parent), file_extractor=OCRReader.file_extractor(engine=engine)
    )
    docs = reader.load_data()
    assert sorted((d.metadata["file_name"], d.metadata["page"]) for d in docs) == [
        ("frames.tiff", 1), ("frames.tiff", 2), ("notes.jpg", 1), ("report.png", 1),
        ("scan.pdf", 1), ("scan.pdf", 2),
    ]
    # chunk_size small enough that a copied `words` list in the metadata would break it
    from llama_index.core.node_parser import SentenceSplitter

    index = VectorStoreIndex.from_documents(
        docs, embed_model=BagOfWords(),
        transformations=[SentenceSplitter(chunk_size=96, chunk_overlap=0)],
    )
    (hit,) = index.as_retriever(similarity_top_k=1).retrieve("invoice total amount due")
    assert "amount due" in hit.node.get_content()
    assert hit.node.metadata["file_name"] in ("scan.pdf", "frames.tiff")
    assert hit.node.metadata["words"]
    assert "box" not in hit.node.get_content(metadata_mode=MetadataMode.EMBED)


def test_aload_data_and_async_directory_reader(corpus, engine) -> None:
    reader = OCRReader(engine=engine)

    async def main() -> tuple[list, list]:
        docs = await reader.aload_data(corpus["tiff"])
        streamed = [d async for d in reader.alazy_load_data(corpus["png"])]
        return docs, streamed

    docs, streamed = asyncio.run(main())
    assert [d.metadata["page"] for d in docs] == [1, 2]
    assert "Revenue grew" in streamed[0].text


def test_reader_on_error_skip(tmp_path, engine) -> None:
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    reader = OCRReader(engine=engine, on_error="skip")
    assert reader.load_data(tmp_path) == []
    assert reader.skipped[0].error == "CorruptDocumentError"


def test_cache_and_filter_bookkeeping_stay_out_of_embeddings(corpus, engine, tmp_path) -> None:
    # a cached second run gives the same documents (hash included: an ingestion pipeline
    # with a docstore re-embeds what changed); what is embedded (and shown to the LLM) does
    # not carry the filter's counts
    from ocr_loaders.llama_index import OCRNodeParser
    from ocr_loaders.rag import filter_low_confidence

    cache = tmp_path / "c.sqlite3"
    cold = OCRReader(engine=engine, cache=cache).load_data(corpus["png"])
    reader = OCRReader(engine=engine, cache=cache)
    warm = reader.load_data(corpus["png"])
    assert reader.from_cache == [str(corpus["png"])]
    same = [(d.id_, d.hash, d.metadata) for d in cold]
    assert same == [(d.id_, d.hash, d.metadata) for d in warm]
    for mode in (MetadataMode.EMBED, MetadataMode.LLM):
        assert cold[0].get_content(metadata_mode=mode) == warm[0].get_content(metadata_mode=mode)
        for action in ("drop", "mask", "flag"):
            (page,) = filter_low_confidence(warm, min_word_confidence=0.5, action=action)
            nodes = OCRNodeParser(chunk_size=64, chunk_overlap=0).get_nodes_from_documents([page])
            for item in (page, *nodes):
                text = item.get_content(metadata_mode=mode)
                assert "cache_hit" not in text and "_words" not in text
                assert "low_confidence" not in text


def test_reader_repr_does_not_show_the_api_key_given_in_engine_options() -> None:
    """``engine_options={"api_key": ...}`` is how the reader gets a key (README); the field was
    excluded from dumps but not from pydantic's repr/str, which printed the key in clear."""
    key = "up_reader_secret_0123456789"
    reader = OCRReader(engine="upstage", engine_options={"api_key": key})
    for text in (repr(reader), str(reader), str(reader.model_dump()),
                 str(OCRReader.file_extractor(engine="upstage",
                                              engine_options={"api_key": key}))):
        assert key not in text
    assert reader.engine_options["api_key"] == key
    assert key not in repr(reader.loader.engine)


def test_reader_on_an_fsspec_filesystem_applies_on_error_and_limits() -> None:
    """SimpleDirectoryReader(fs=...) hands each file to the reader with ``fs``: a corrupt file
    or one over the size limit is skipped per ``on_error``, as on local disk, and the good
    file's pages come through."""
    from fsspec.implementations.memory import MemoryFileSystem
    from PIL import Image

    from ocr_loaders.inputs import Limits
    from tests.docgen import image_bytes
    from tests.serverutil import FakeEngine

    fs = MemoryFileSystem()
    root = "/ocr-fs-test"
    fs.pipe(f"{root}/good.png", image_bytes(Image.new("RGB", (40, 20), "white"), "PNG"))
    fs.pipe(f"{root}/broken.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    fs.pipe(f"{root}/big.png", image_bytes(Image.new("RGB", (400, 400), "white"), "BMP"))
    reader = OCRReader(engine=FakeEngine(), on_error="skip", limits=Limits(max_file_bytes=2000))
    try:
        docs = SimpleDirectoryReader(root, fs=fs, file_extractor={".png": reader}).load_data()
        assert [d.metadata["page"] for d in docs] == [1] and docs[0].text == "fake"
        assert sorted((s.source.rsplit("/", 1)[-1], s.error) for s in reader.skipped) == [
            ("big.png", "DocumentTooLargeError"), ("broken.png", "CorruptDocumentError")]
        with pytest.raises(FileNotFoundError):
            list(OCRReader(engine=FakeEngine()).lazy_load_data(f"{root}/missing.png", fs=fs))
    finally:
        fs.rm(root, recursive=True)


def test_reader_opens_encrypted_pdfs_and_refuses_unknown_options(tmp_path, engine) -> None:
    """The reader had no ``password`` (the error told users to pass one, and the keyword was
    silently dropped), and any misspelt option was ignored (``min_confidnce=0.9``: no
    filter)."""
    from pydantic import ValidationError

    from ocr_loaders.errors import EncryptedDocumentError
    from tests import docgen

    path = tmp_path / "locked.pdf"
    path.write_bytes(docgen.encrypted_pdf("s3cret-pw"))
    with pytest.raises(EncryptedDocumentError):
        OCRReader(engine=engine).load_data(path)
    reader = OCRReader(engine=engine, password="s3cret-pw")
    docs = reader.load_data(path)
    assert docs and docs[0].text.strip()
    named = OCRReader(password="s3cret-pw")  # (an engine instance is not JSON)
    for text in (repr(reader), str(reader), str(reader.model_dump()), named.to_json()):
        assert "s3cret-pw" not in text
    with pytest.raises(ValidationError, match="min_confidnce"):
        OCRReader(min_confidnce=0.9)
