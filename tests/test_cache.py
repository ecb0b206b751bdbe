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


def test_loader_metadata_says_cache_hit(tmp_path, engine, two_page_pdf) -> None:
    pytest.importorskip("langchain_core")
    from ocr_loaders.langchain import OCRLoader

    path = tmp_path / "doc.pdf"
    path.write_bytes(two_page_pdf)
    cache = tmp_path / "c.sqlite3"
    cold = OCRLoader(path, engine=engine, cache=cache).load()
    warm = OCRLoader(path, engine=engine, cache=cache).load()
    assert [d.metadata["cache_hit"] for d in cold] == [False, False]
    assert [d.metadata["cache_hit"] for d in warm] == [True, True]
    assert [d.page_content for d in warm] == [d.page_content for d in cold]
    assert [d.metadata["words"] for d in warm] == [d.metadata["words"] for d in cold]


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
