"""LangChain adapters on real files with the embedded engine: loader, blob parser, async,
options, and load -> split -> vector store -> retrieve."""

from __future__ import annotations

import asyncio
import time
import warnings

import pytest

pytest.importorskip("langchain_core")

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from ocr_loaders.errors import CorruptDocumentError
from ocr_loaders.langchain import OCRBlobParser, OCRLoader
from ocr_loaders.loading import SkippedFileWarning
from tests import docgen
from tests.frameworks import CountingEngine, bow_vector, small_page, write_corpus

CONTRACT = {
    "source", "page", "total_pages", "document_pages", "width", "height", "confidence",
    "words", "engine", "model_version",
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_corpus(tmp_path_factory.mktemp("lc"))


@pytest.fixture(scope="module")
def all_docs(corpus, engine) -> list[Document]:
    return OCRLoader(sorted(corpus.values()), engine=engine).load()


def test_one_document_per_page_with_contract_metadata(all_docs, corpus) -> None:
    by_source: dict[str, list[Document]] = {}
    for doc in all_docs:
        by_source.setdefault(doc.metadata["source"], []).append(doc)
    assert [len(by_source[str(corpus[k])]) for k in ("png", "jpg", "pdf", "tiff")] == [1, 1, 2, 2]
    pdf_pages = by_source[str(corpus["pdf"])]
    assert [d.metadata["page"] for d in pdf_pages] == [1, 2]
    assert "Revenue grew" in pdf_pages[0].page_content
    assert "Invoice number 4471" in pdf_pages[1].page_content
    for doc in all_docs:
        assert set(doc.metadata) == CONTRACT
        meta = doc.metadata
        assert meta["engine"] == "local" and meta["model_version"]
        assert meta["total_pages"] == len(by_source[meta["source"]])
        assert meta["words"], doc.page_content
        for word in meta["words"]:
            (x0, y0), _, (x1, y1), _ = word["box"]
            assert 0 <= x0 < x1 <= meta["width"] and 0 <= y0 < y1 <= meta["height"]
            assert 0.0 <= word["confidence"] <= 1.0
            assert word["text"] in doc.page_content


def test_lazy_load_yields_before_the_file_is_finished(corpus, engine) -> None:
    counting = CountingEngine(engine)
    pages = OCRLoader(corpus["pdf"], engine=counting).lazy_load()
    first = next(pages)
    assert first.metadata["page"] == 1 and counting.calls == 1
    rest = list(pages)
    assert [d.metadata["page"] for d in rest] == [2] and counting.calls == 2


def test_pages_subset_and_single_mode(corpus, engine) -> None:
    (only,) = OCRLoader(corpus["pdf"], engine=engine, pages="2").load()
    assert only.metadata["page"] == 2 and only.metadata["total_pages"] == 1
    assert only.metadata["document_pages"] == 2
    (single,) = OCRLoader(corpus["tiff"], engine=engine, mode="single").load()
    meta = single.metadata
    assert meta["pages"] == [1, 2] and "words" not in meta
    for _page, start, end in meta["page_spans"]:
        assert single.page_content[start:end].strip()
    (_, s1, e1), (_, s2, _) = meta["page_spans"]
    assert single.page_content[e1:s2] == "\n\f"
    assert "Invoice number" in single.page_content[s1:e1]


def test_single_mode_chunks_stay_within_their_pages(corpus, engine) -> None:
    from ocr_loaders.langchain import OCRTextSplitter

    (single,) = OCRLoader(corpus["tiff"], engine=engine, mode="single").load()
    chunks = OCRTextSplitter(chunk_size=6, chunk_overlap=0).split_documents([single])
    spans = {page: (start, end) for page, start, end in single.metadata["page_spans"]}
    assert {c.metadata["page"] for c in chunks} == {1, 2}
    for chunk in chunks:  # offsets into the joined text, inside the chunk's own page
        start, end = spans[chunk.metadata["page"]]
        assert start <= chunk.metadata["start_index"] < chunk.metadata["end_index"] <= end
        assert single.page_content[chunk.metadata["start_index"]:
                                   chunk.metadata["end_index"]] == chunk.page_content
        assert "\f" not in chunk.page_content
    for page in (1, 2):  # numbered within each page
        indexes = [c.metadata["chunk_index"] for c in chunks if c.metadata["page"] == page]
        assert indexes == list(range(len(indexes)))
    # what the filter dropped is said for the whole file
    (filtered,) = OCRLoader(corpus["tiff"], engine=engine, mode="single",
                            min_confidence=1.0).load()
    assert filtered.metadata["dropped_words"] > 0


def test_directory_is_expanded_and_bad_files_follow_on_error(corpus, engine, tmp_path) -> None:
    good = tmp_path / "good.png"
    good.write_bytes(corpus["png"].read_bytes())
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.7\nthis is not a pdf")
    (tmp_path / "notes.txt").write_text("not picked up: unsupported extension in a directory")

    # hidden files and folders (notebook checkpoints, macOS resource forks) and Office lock
    # files are not documents: skipped, as SimpleDirectoryReader skips them
    (tmp_path / "._good.png").write_bytes(b"\x00\x05\x16\x07 AppleDouble")
    (tmp_path / "~$memo.docx").write_bytes(b"owner file of a Word session")
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints" / "good-checkpoint.png").write_bytes(
        corpus["png"].read_bytes())

    # the error says which file of the folder it is about
    with pytest.raises(CorruptDocumentError, match=r"broken\.pdf: cannot open PDF") as raised:
        OCRLoader(tmp_path, engine=engine).load()
    assert raised.value.source == str(tmp_path / "broken.pdf")

    loader = OCRLoader(tmp_path, engine=engine, on_error="skip")
    docs = loader.load()
    assert [d.metadata["source"] for d in docs] == [str(good)]
    assert [s.source for s in loader.skipped] == [str(tmp_path / "broken.pdf")]
    assert loader.skipped[0].error == "CorruptDocumentError"

    with pytest.warns(SkippedFileWarning, match="broken.pdf"):
        OCRLoader(tmp_path, engine=engine, on_error="warn").load()


def test_concurrent_files_keep_input_order(all_docs, corpus, engine) -> None:
    files = sorted(corpus.values())
    docs = OCRLoader(files, engine=engine, max_workers=2).load()
    key = [(d.metadata["source"], d.metadata["page"], d.page_content) for d in docs]
    assert key == [(d.metadata["source"], d.metadata["page"], d.page_content) for d in all_docs]


def test_alazy_load_keeps_the_event_loop_free(corpus, engine) -> None:
    async def main() -> tuple[int, list[Document]]:
        ticks = 0
        stop = asyncio.Event()

        async def ticker() -> None:
            nonlocal ticks
            while not stop.is_set():
                ticks += 1
                await asyncio.sleep(0.01)

        task = asyncio.create_task(ticker())
        start = time.perf_counter()
        docs = [d async for d in OCRLoader(corpus["pdf"], engine=engine).alazy_load()]
        elapsed = time.perf_counter() - start
        stop.set()
        await task
        # a blocked loop would tick about once per page; a free one every 10 ms
        assert ticks > min(20, elapsed / 0.01 / 4), (ticks, elapsed)
        return ticks, docs

    _, docs = asyncio.run(main())
    assert [d.metadata["page"] for d in docs] == [1, 2]


def test_blob_parser_with_generic_loader(corpus, engine) -> None:
    from langchain_core.document_loaders import Blob

    parser = OCRBlobParser(engine=engine, pages=[1])
    blob = Blob.from_path(corpus["tiff"], metadata={"collection": "demo"})
    (doc,) = parser.lazy_parse(blob)
    assert doc.metadata["collection"] == "demo" and doc.metadata["page"] == 1
    assert doc.metadata["source"] == str(corpus["tiff"])
    assert doc.id == f"{corpus['tiff']}#page=1"
    # a blob without a name has no id: two such blobs would share "<blob>#page=1"
    (nameless,) = parser.lazy_parse(Blob.from_data(corpus["tiff"].read_bytes()))
    assert nameless.metadata["source"] == "<blob>" and nameless.id is None
    community = pytest.importorskip("langchain_community.document_loaders.generic")
    from langchain_community.document_loaders.blob_loaders import FileSystemBlobLoader

    loader = community.GenericLoader(
        FileSystemBlobLoader(str(corpus["png"].parent), glob="*.png"), OCRBlobParser(engine=engine)
    )
    (png,) = loader.load()
    assert "Revenue grew" in png.page_content and png.metadata["words"]


def test_blob_parser_as_images_parser_of_pypdfloader(engine, tmp_path) -> None:
    """PyPDFLoader hands each embedded image to us and puts our text into its page."""
    pytest.importorskip("pypdf")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from langchain_community.document_loaders import PyPDFLoader
    path = tmp_path / "scanned.pdf"
    from tests import docgen

    path.write_bytes(docgen.pdf_from_images([small_page(["Scanned contract page", "Signed"])]))
    (doc,) = PyPDFLoader(
        str(path), extract_images=True, images_parser=OCRBlobParser(engine=engine)
    ).load()
    assert "Scanned contract page" in doc.page_content


class BagOfWords(Embeddings):
    """A deterministic embedding in which shared words mean similar vectors."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [bow_vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return bow_vector(text)


def test_load_split_store_retrieve_keeps_pages_and_boxes(all_docs) -> None:
    from langchain_core.vectorstores import InMemoryVectorStore
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    chunks = RecursiveCharacterTextSplitter(chunk_size=40, chunk_overlap=0).split_documents(
        all_docs
    )
    store = InMemoryVectorStore(BagOfWords())
    store.add_documents(chunks)
    (hit,) = store.similarity_search("how much is the invoice total amount due", k=1)
    assert "amount due" in hit.page_content
    assert hit.metadata["page"] in (1, 2)
    source_page = next(
        d for d in all_docs
        if (d.metadata["source"], d.metadata["page"])
        == (hit.metadata["source"], hit.metadata["page"])
    )
    assert "Invoice number 4471" in source_page.page_content
    assert hit.metadata["words"] == source_page.metadata["words"]


def test_upstage_engine_by_name_against_our_server(ocr_server, corpus, engine) -> None:
    """`engine="upstage"` switches the loader to the API client (here: our own server)."""
    from tests.conftest import SERVER_KEY

    remote = OCRLoader(
        [corpus["pdf"], corpus["png"]], engine="upstage",
        engine_options={"api_key": SERVER_KEY, "base_url": ocr_server}, max_workers=2,
    ).load()
    local = OCRLoader([corpus["pdf"], corpus["png"]], engine=engine).load()
    assert [(d.metadata["source"], d.metadata["page"]) for d in remote] == [
        (str(corpus["pdf"]), 1), (str(corpus["pdf"]), 2), (str(corpus["png"]), 1)
    ]
    assert [d.page_content for d in remote] == [d.page_content for d in local]
    assert {d.metadata["engine"] for d in remote} == {"upstage"}
    # the model that read the pages, as the response says (not the model name asked for)
    assert {d.metadata["model_version"] for d in remote} == {engine.model_version}
    assert SERVER_KEY not in repr(remote) and SERVER_KEY not in repr(OCRLoader("x"))


def test_remote_model_version_survives_the_cache(ocr_server, corpus, engine, tmp_path) -> None:
    from tests.conftest import SERVER_KEY

    def load() -> list:
        return OCRLoader(corpus["png"], engine="upstage", cache=tmp_path / "c.sqlite3",
                         engine_options={"api_key": SERVER_KEY, "base_url": ocr_server}).load()

    miss, hit = load(), load()
    assert [d.metadata for d in miss] == [d.metadata for d in hit]
    assert {d.metadata["model_version"] for d in miss + hit} == {engine.model_version}


def test_progress_bar_when_asked(corpus, engine, capsys) -> None:
    OCRLoader([corpus["png"], corpus["jpg"]], engine=engine, show_progress=True).load()
    # the bar counts the two files (tqdm may skip drawing the last step when it comes
    # within its refresh interval, and leave=False clears it at the end)
    err = capsys.readouterr().err
    assert "OCR:" in err and "/2 [" in err
    OCRLoader([corpus["png"], corpus["jpg"]], engine=engine).load()  # not a terminal: quiet
    assert capsys.readouterr().err == ""


def test_pages_over_several_files_are_a_cap(corpus, engine) -> None:
    """``pages="1-2"`` over files of one and two pages reads what each has (the README's
    ``OCRLoader(["a.pdf", "b.docx"], pages="1-3", on_error="skip")`` skipped a one-page file
    with PageRangeError); a file with none of the pages still fails."""
    from ocr_loaders.errors import PageRangeError

    loader = OCRLoader([corpus["pdf"], corpus["png"]], engine=engine, pages="1-2",
                       on_error="skip")
    docs = loader.load()
    assert [(d.metadata["source"], d.metadata["page"]) for d in docs] == [
        (str(corpus["pdf"]), 1), (str(corpus["pdf"]), 2), (str(corpus["png"]), 1)]
    assert loader.skipped == []
    assert docs[2].metadata["total_pages"] == docs[2].metadata["document_pages"] == 1
    with pytest.raises(PageRangeError, match="page 2 does not exist"):
        OCRLoader(corpus["png"], engine=engine, pages="2").load()
    from langchain_core.document_loaders import Blob

    blob = Blob.from_data(corpus["png"].read_bytes(), path=str(corpus["png"]))
    (page,) = OCRBlobParser(engine=engine, pages="1,3").lazy_parse(blob)
    assert page.metadata["page"] == 1


def test_pages_beyond_an_office_file_do_not_convert_it_twice(tmp_path, engine,
                                                             monkeypatch) -> None:
    """The document opened to find it has fewer pages is the one read: an Office file was
    converted by LibreOffice a second time (seconds each)."""
    from ocr_loaders import office

    conversions = []
    real = office.convert_to_pdf

    def counted(*args, **kwargs):  # the real conversion, counted
        conversions.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(office, "convert_to_pdf", counted)
    path = tmp_path / "one.docx"
    path.write_bytes(docgen.docx_bytes(["Only page of the memo"]))
    (page,) = OCRLoader(path, engine=engine, pages="1-3").load()
    assert page.page_content == "Only page of the memo" and len(conversions) == 1
    assert page.metadata["page"] == 1


def test_ids_do_not_depend_on_how_the_path_is_spelled(corpus, engine, tmp_path, monkeypatch
                                                      ) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "x.png").write_bytes(corpus["png"].read_bytes())
    monkeypatch.chdir(tmp_path)
    ids = {d.id for path in ("docs/x.png", "./docs/x.png", "docs/../docs/x.png", "docs",
                             "./docs/", "docs/../docs")
           for d in OCRLoader(path, engine=engine).load()}
    assert ids == {"docs/x.png#page=1"}
