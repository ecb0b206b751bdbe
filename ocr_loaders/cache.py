"""An opt-in result cache: the same file, engine and options never get OCR'd twice.

Results are stored in SQLite (standard library) in WAL mode, so several processes and threads
can read and write one cache file. The key is the SHA-256 of the document's bytes, the
engine's name and model version, the options that change its output
(:meth:`OCREngine.cache_options`), the selected pages, the rendering DPI and this package's
version (our pipeline changes results too). Only complete documents are stored.

``cache=True`` means :func:`default_cache_path` (``$OCR_LOADERS_CACHE_DIR`` or the user's cache
directory); a path means that file. ``ocr-loaders cache info`` / ``cache clear`` manage it.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ocr_loaders.engines.base import OCREngine
from ocr_loaders.errors import CacheError
from ocr_loaders.inputs import DEFAULT_LIMITS, Limits, OpenedDocument, Source
from ocr_loaders.models import OCRResult, Page

CacheSpec = bool | str | os.PathLike[str] | None

_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    key TEXT PRIMARY KEY,
    content_sha256 TEXT NOT NULL,
    engine TEXT NOT NULL,
    model_version TEXT NOT NULL,
    created REAL NOT NULL,
    result BLOB NOT NULL
)
"""


def default_cache_path() -> Path:
    """``$OCR_LOADERS_CACHE_DIR/results.sqlite3``, else under ``$XDG_CACHE_HOME`` / ``~/.cache``."""
    base = os.environ.get("OCR_LOADERS_CACHE_DIR")
    if base:
        return Path(base) / "results.sqlite3"
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "ocr-loaders" / "results.sqlite3"


def content_hash(data: bytes) -> str:
    """SHA-256 of a document's bytes, the identity of a file for caching and resuming."""
    return hashlib.sha256(data).hexdigest()


LOCK_TIMEOUT = 30.0
"""Seconds to wait for another connection's lock."""


def _use_wal(conn: sqlite3.Connection) -> None:
    """Put the file in WAL mode (it stays so), waiting for other processes' writes.

    Switching needs an exclusive lock, and while another connection holds a write lock in
    the file's old rollback mode (a second process creating the same new cache) SQLite says
    "database is locked" at once instead of waiting its busy timeout (it would deadlock), so
    the switch is retried until ``LOCK_TIMEOUT``.
    """
    deadline = time.monotonic() + LOCK_TIMEOUT
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


class ResultCache:
    """A SQLite table of OCR results, safe across threads and processes."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else default_cache_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        try:
            with self._connect() as conn:
                conn.execute(_SCHEMA)
        except sqlite3.DatabaseError as exc:  # e.g. "file is not a database"
            opened = getattr(self._local, "conn", None)
            if opened is not None:
                opened.close()
                self._local.conn = None
            raise CacheError(f"cannot use {self.path} as the result cache: {exc}") from None

    def __repr__(self) -> str:
        return f"ResultCache({str(self.path)!r})"

    def _connect(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=LOCK_TIMEOUT)
            try:
                _use_wal(conn)
                conn.execute("PRAGMA synchronous=NORMAL")
            except BaseException:
                conn.close()
                raise
            self._local.conn = conn
        return conn

    def get(self, key: str) -> OCRResult | None:
        """The stored result for ``key``, or None."""
        row = self._connect().execute(
            "SELECT result FROM results WHERE key = ?", (key,)
        ).fetchone()
        if row is None:
            return None
        payload = json.loads(zlib.decompress(row[0]))
        result = OCRResult.model_validate(payload["result"])
        result.total_pages = payload.get("total_pages")
        return result

    def put(self, key: str, result: OCRResult, *, content_sha256: str, engine: str) -> None:
        """Store a complete result (replacing an older one under the same key)."""
        payload = {"result": result.to_api_dict(), "total_pages": result.total_pages}
        blob = zlib.compress(json.dumps(payload, ensure_ascii=False).encode(), 6)
        with self._connect() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?)",
                (key, content_sha256, engine, result.model_version, time.time(), blob),
            )

    def has_content(self, content_sha256: str) -> bool:
        """Whether any result of a file with these bytes is stored (for resumable batches)."""
        row = self._connect().execute(
            "SELECT 1 FROM results WHERE content_sha256 = ? LIMIT 1", (content_sha256,)
        ).fetchone()
        return row is not None

    def info(self) -> dict[str, Any]:
        """Path, number of results and bytes on disk (database and WAL files)."""
        (count,) = self._connect().execute("SELECT COUNT(*) FROM results").fetchone()
        size = sum(
            p.stat().st_size
            for p in (self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-shm"))
            if p.exists()
        )
        return {"path": str(self.path), "entries": int(count), "bytes": size}

    def clear(self) -> int:
        """Delete every result; returns how many there were."""
        with self._connect() as conn:
            count = conn.execute("DELETE FROM results").rowcount
        self._connect().execute("VACUUM")
        return int(count)


def open_cache(spec: CacheSpec | ResultCache) -> ResultCache | None:
    """``None``/``False``: no cache; ``True``: the default file; a path; or a cache as is."""
    if spec is None or spec is False:
        return None
    if isinstance(spec, ResultCache):
        return spec
    if spec is True:
        return ResultCache()
    return ResultCache(spec)


class CachedEngine(OCREngine):
    """Wrap any engine so that complete results are stored and served from a cache.

    :attr:`last_hit` tells whether the last document came from the cache (loaders list such
    files in ``from_cache``).
    """

    def __init__(self, engine: OCREngine, cache: ResultCache) -> None:
        self.engine = engine
        self.cache = cache
        self.name = engine.name
        self._state = threading.local()

    def __repr__(self) -> str:
        return f"CachedEngine({self.engine!r}, {self.cache!r})"

    @property
    def model_version(self) -> str:
        return self.engine.model_version

    @property
    def last_hit(self) -> bool:
        return bool(getattr(self._state, "hit", False))

    def produced_model_version(self) -> str:
        stored = getattr(self._state, "model_version", None)
        return str(stored) if stored else self.engine.produced_model_version()

    def cache_options(self) -> dict[str, Any]:
        return self.engine.cache_options()

    def open(
        self,
        source: Source,
        *,
        pages: str | Sequence[int] | None = None,
        password: str | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> OpenedDocument:
        """The wrapped engine's own opening (a remote engine does not convert Office files)."""
        return self.engine.open(source, pages=pages, password=password, limits=limits)

    def key(self, doc: OpenedDocument, digest: str) -> str:
        """The cache key of a document for the wrapped engine."""
        from ocr_loaders import __version__

        parts = {
            "sha256": digest,
            "engine": self.engine.name,
            "model": self.engine.model_version,
            "options": self.engine.cache_options(),
            "pages": doc.page_numbers,
            "dpi": doc.limits.render_dpi,
            "ocr_loaders": __version__,
        }
        return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()

    def iter_document(self, doc: OpenedDocument) -> Iterator[tuple[int, Page]]:
        # The state is thread-local and set again before every page: a caller may resume
        # this generator in another thread (``asyncio.to_thread`` per page in the loaders'
        # ``alazy_load``), and reads ``last_hit`` / ``produced_model_version`` in the thread
        # that received the page.
        digest = content_hash(doc.data)
        key = self.key(doc, digest)
        cached = self.cache.get(key)
        if cached is not None:
            if not doc.counted:  # an Office file for a remote API: counted when it was read
                doc.total_pages = cached.total_pages or len(cached.pages)
                doc.page_numbers = [cached.page_number(i) for i in range(len(cached.pages))]
            for index, page in enumerate(cached.pages):
                self._state.hit = True
                self._state.model_version = cached.model_version
                yield cached.page_number(index), page
            return
        self._state.hit = False
        self._state.model_version = None
        numbers: list[int] = []
        pages: list[Page] = []
        produced = self.engine.model_version
        for number, page in self.engine.iter_document(doc):
            numbers.append(number)
            pages.append(page)
            produced = self.engine.produced_model_version()  # in the page's thread
            self._state.hit = False
            self._state.model_version = None
            yield number, page
        result = OCRResult.from_pages(
            pages, model_version=produced, page_numbers=numbers,
            total_pages=doc.total_pages,
        )
        self.cache.put(key, result, content_sha256=digest, engine=self.engine.name)


def with_cache(engine: OCREngine, cache: CacheSpec | ResultCache) -> OCREngine:
    """``engine`` wrapped in a cache when one is asked for, else unchanged."""
    opened = open_cache(cache)
    if opened is None or isinstance(engine, CachedEngine):
        return engine
    return CachedEngine(engine, opened)
