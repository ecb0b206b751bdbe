"""The result cache: hits, misses on changed options, partial runs, processes, loaders, CLI."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ocr_loaders.cache import CachedEngine, ResultCache, default_cache_path
from tests import docgen
from tests.frameworks import PAGE1, PAGE2, CountingEngine, small_page


@pytest.fixture(scope="module")
def two_page_pdf() -> bytes:
    return docgen.pdf_from_images([small_page(PAGE1), small_page(PAGE2)])


def test_second_run_is_served_from_the_cache(tmp_path, engine, two_page_pdf) -> None:
    counting = CountingEngine(engine)
    cached = CachedEngine(counting, ResultCache(tmp_path / "c.sqlite3"))
    first = cached.recognize(two_page_pdf)
    assert counting.calls == 2 and not cached.last_hit
    again = cached.recognize(two_page_pdf)
    assert counting.calls == 2 and cached.last_hit
    assert again.to_json() == first.to_json()
    assert again.total_pages == 2
    # another selection of pages or other engine options is another entry
    cached.recognize(two_page_pdf, pages="2")
    assert counting.calls == 3 and not cached.last_hit
    assert cached.cache.info()["entries"] == 2


def test_recognize_takes_the_cache_too(tmp_path, engine, two_page_pdf) -> None:
    from ocr_loaders import recognize

    path, counting = tmp_path / "c.sqlite3", CountingEngine(engine)
    first = recognize(two_page_pdf, engine=counting, cache=path, pages="1")
    assert counting.calls == 1 and ResultCache(path).info()["entries"] == 1
    again = recognize(two_page_pdf, engine=counting, cache=path, pages="1")
    assert counting.calls == 1 and again.to_json() == first.to_json()


def test_engine_options_are_part_of_the_key(tmp_path, two_page_pdf) -> None:
    from ocr_loaders.engines.local import LocalEngine

    cache = ResultCache(tmp_path / "c.sqlite3")
    a = CachedEngine(LocalEngine(), cache)
    b = CachedEngine(LocalEngine(tight_boxes=False), cache)
    doc = a.open(two_page_pdf)
    digest = "0" * 64
    assert a.key(doc, digest) != b.key(doc, digest)
    assert a.key(doc, digest) == CachedEngine(LocalEngine(), cache).key(doc, digest)


def test_an_interrupted_document_is_not_stored(tmp_path, engine, two_page_pdf) -> None:
    cached = CachedEngine(engine, ResultCache(tmp_path / "c.sqlite3"))
    pages = cached.iter_document(cached.open(two_page_pdf))
    next(pages)
    pages.close()
    assert cached.cache.info()["entries"] == 0


def test_cached_run_gives_the_same_documents(tmp_path, engine, two_page_pdf) -> None:
    """A run served from the cache gives documents equal to the first run's, metadata
    included (LangChain's ``index()`` hashes it: any difference re-embeds every page), and
    the loader says which files came from the cache."""
    pytest.importorskip("langchain_core")
    from langchain_core.embeddings import Embeddings
    from langchain_core.indexing import InMemoryRecordManager, index
    from langchain_core.vectorstores import InMemoryVectorStore

    from ocr_loaders.langchain import OCRLoader
    from tests.frameworks import bow_vector

    class CountingEmbeddings(Embeddings):
        def __init__(self) -> None:
            self.texts: list[str] = []

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            self.texts += texts
            return [bow_vector(t) for t in texts]

        def embed_query(self, text: str) -> list[float]:
            return bow_vector(text)

    path = tmp_path / "doc.pdf"
    path.write_bytes(two_page_pdf)
    other = tmp_path / "other.pdf"
    other.write_bytes(two_page_pdf + b"\n")  # same pages, another file: a cache miss
    cache = tmp_path / "c.sqlite3"
    first = OCRLoader(path, engine=engine, cache=cache)
    cold = first.load()
    assert first.from_cache == []
    loader = OCRLoader([path, other], engine=engine, cache=cache)
    warm = loader.load()
    assert loader.from_cache == [str(path)]
    assert [(d.page_content, d.metadata) for d in warm[:2]] == [
        (d.page_content, d.metadata) for d in cold]
    assert loader.load() and loader.from_cache == [str(path), str(other)]  # per load

    embeddings = CountingEmbeddings()
    store, records = InMemoryVectorStore(embeddings), InMemoryRecordManager("ocr")
    records.create_schema()
    index(cold, records, store, cleanup="incremental", source_id_key="source")
    embedded = list(embeddings.texts)
    assert len(embedded) == 2
    result = index(warm[:2], records, store, cleanup="incremental", source_id_key="source")
    assert result["num_added"] == 0 and result["num_skipped"] == 2
    assert embeddings.texts == embedded


WRITER = textwrap.dedent("""
    import io, sys
    from PIL import Image
    from ocr_loaders.cache import CachedEngine, ResultCache
    from tests.serverutil import FakeEngine
    engine = CachedEngine(FakeEngine(), ResultCache(sys.argv[1]))
    for i in range(40):
        buf = io.BytesIO()
        Image.new("L", (8, 8 + i + 50 * (sys.argv[2] == "b"))).save(buf, "PNG")
        engine.recognize(buf.getvalue())
""")


def test_several_processes_share_one_cache(tmp_path) -> None:
    """Two processes write 40 results each into one file at the same time (WAL)."""
    from tests.serverutil import FakeEngine

    path = tmp_path / "shared.sqlite3"
    root = Path(__file__).resolve().parents[1]
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), name], cwd=root,
                         stderr=subprocess.PIPE, text=True)
        for name in ("a", "b")
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    cache = ResultCache(path)
    assert cache.info()["entries"] == 80
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (8, 15)).save(buf, "PNG")
    hit = CachedEngine(FakeEngine(), cache)
    assert hit.recognize(buf.getvalue()).pages and hit.last_hit
    assert cache.clear() == 80 and cache.info()["entries"] == 0


def test_default_location_follows_the_environment(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("OCR_LOADERS_CACHE_DIR", str(tmp_path / "here"))
    assert default_cache_path() == tmp_path / "here" / "results.sqlite3"
    monkeypatch.delenv("OCR_LOADERS_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_path() == tmp_path / "xdg" / "ocr-loaders" / "results.sqlite3"


def test_cli_cache_flag_and_commands(tmp_path, two_page_pdf) -> None:
    doc = tmp_path / "doc.pdf"
    doc.write_bytes(two_page_pdf)
    env_path = tmp_path / "cli.sqlite3"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "ocr_loaders.cli", *args], capture_output=True, text=True,
            timeout=300, cwd=Path(__file__).resolve().parents[1],
        )

    cold = run("ocr", str(doc), "--cache", str(env_path), "--format", "text")
    warm = run("ocr", str(doc), "--cache", str(env_path), "--format", "text")
    assert cold.returncode == warm.returncode == 0, cold.stderr
    assert "Revenue grew" in cold.stdout and warm.stdout == cold.stdout
    assert "cache" not in cold.stderr and "served from the result cache" in warm.stderr
    info = run("cache", "info", "--path", str(env_path))
    assert "1 results" in info.stdout
    assert "removed 1 results" in run("cache", "clear", "--path", str(env_path)).stdout


def test_opening_waits_for_another_process_creating_the_file(tmp_path) -> None:
    """A second process opening a new cache while the first still writes it in the file's
    initial rollback mode: SQLite refuses the switch to WAL at once (no busy wait); the cache
    waits for the writer instead of failing with "database is locked"."""
    import sqlite3
    import threading
    import time

    path = tmp_path / "new.sqlite3"
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.execute("CREATE TABLE other (a)")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO other VALUES (1)")
    released = threading.Timer(0.5, lambda: writer.execute("COMMIT"))
    released.start()
    start = time.monotonic()
    cache = ResultCache(path)
    assert time.monotonic() - start >= 0.4  # it waited for the writer
    assert cache.info()["entries"] == 0
    mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    released.join()


def test_pages_resumed_in_other_threads_keep_their_state(tmp_path) -> None:
    """``alazy_load`` resumes the page generator with ``asyncio.to_thread``, so consecutive
    pages may be produced in different threads: a file read from the engine after one served
    from the cache must not be listed in ``from_cache``, and each page's ``model_version``
    is the one its document was produced with (the state is thread-local)."""
    pytest.importorskip("langchain_core")
    from concurrent.futures import ThreadPoolExecutor

    from ocr_loaders.engines.base import OCREngine
    from ocr_loaders.langchain import OCRLoader
    from tests.serverutil import FakeEngine

    class Versioned(FakeEngine):
        """Reports the version of the document it read, per thread (like the remote API)."""

        def __init__(self) -> None:
            super().__init__()
            self._local = __import__("threading").local()

        def produced_model_version(self) -> str:
            return str(getattr(self._local, "version", None) or self.model_version)

        def iter_document(self, doc):  # type: ignore[no-untyped-def]
            for number, page in super().iter_document(doc):
                self._local.version = f"fake-{len(doc.data)}"
                yield number, page

    cached_pdf, fresh_pdf = tmp_path / "cached.pdf", tmp_path / "fresh.pdf"
    cached_pdf.write_bytes(docgen.pdf_from_images([small_page(PAGE1)] * 3))
    fresh_pdf.write_bytes(docgen.pdf_from_images([small_page(PAGE2)] * 2))
    engine: OCREngine = Versioned()
    cache = tmp_path / "c.sqlite3"
    cold = OCRLoader(cached_pdf, engine=engine, cache=cache).load()
    loader = OCRLoader([cached_pdf, fresh_pdf], engine=engine, cache=cache)
    docs = loader.lazy_load()
    one, two = ThreadPoolExecutor(1), ThreadPoolExecutor(1)
    out = []
    for i in range(5):  # the fresh file's first page in another thread than the rest
        doc = (two if i == 3 else one).submit(next, docs).result()
        out.append(doc)
    one.shutdown()
    two.shutdown()
    assert loader.from_cache == [str(cached_pdf)]
    assert [d.metadata for d in out[:3]] == [d.metadata for d in cold]
    versions = {d.metadata["model_version"] for d in out[3:]}
    assert versions == {f"fake-{fresh_pdf.stat().st_size}"}
