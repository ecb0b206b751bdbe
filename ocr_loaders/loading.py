"""Framework-neutral loading: files in, page records out, lazily, with the loader options.

Both framework adapters are thin shells over :class:`PageLoader`: it resolves the engine,
expands directories, OCRs files one page at a time (or several files concurrently), applies
the low-confidence filter, joins pages in ``mode="single"``, shows progress and handles
failures per file according to ``on_error``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import sys
import warnings
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

from ocr_loaders.documents import PageRecord, flattened, page_record
from ocr_loaders.engines import OCREngine, get_engine
from ocr_loaders.errors import OCRError, PageRangeError
from ocr_loaders.inputs import DEFAULT_LIMITS, Limits, OpenedDocument, Source, parse_page_spec

logger = logging.getLogger("ocr_loaders")

T = TypeVar("T")

Mode = Literal["page", "single"]
OnError = Literal["raise", "skip", "warn"]
PathLike = str | os.PathLike[str]

SUPPORTED_EXTENSIONS = (
    ".jpg", ".jpeg", ".png", ".bmp", ".pdf", ".tif", ".tiff", ".heic", ".heif",
    ".docx", ".pptx", ".xlsx",
)
"""File extensions picked up when a directory is given (the format itself is sniffed)."""


@dataclass(frozen=True)
class SkippedFile:
    """A file that failed and was skipped (``on_error="skip"`` or ``"warn"``)."""

    source: str
    error: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.error}: {self.message}"


class SkippedFileWarning(UserWarning):
    """Emitted for each file skipped with ``on_error="warn"``."""


def expand_paths(paths: PathLike | Iterable[PathLike]) -> list[str]:
    """Paths as strings; a directory becomes its supported files, recursively, sorted, but
    hidden ones and those inside hidden folders (``.ipynb_checkpoints`` copies, macOS
    ``._scan.png`` resource forks) and Office lock files (``~$memo.docx``), as
    ``SimpleDirectoryReader`` skips them: a lock file failed the whole load. Paths named
    one by one are taken as they are; every path is normalised (``./a.png`` and
    ``d/../a.png`` are ``a.png``, a folder ``d/../d`` is ``d``: the source, and so the
    documents' ids, do not depend on how it was spelled)."""
    items = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    out: list[str] = []
    for item in items:
        path = Path(os.path.normpath(os.fspath(item)))
        if path.is_dir():
            out.extend(
                str(p) for p in sorted(path.rglob("*"))
                if p.suffix.lower() in SUPPORTED_EXTENSIONS and not _hidden(p.relative_to(path))
                and p.is_file()
            )
        else:
            out.append(str(path))
    return out


def _hidden(relative: Path) -> bool:
    """Whether a file found in a folder is one a user did not put there as a document."""
    return (any(part.startswith(".") for part in relative.parts)
            or relative.name.startswith("~$"))


def progress_wanted(show_progress: bool | None, items: int) -> bool:
    """``None`` means: on when stderr is a terminal and there is more than one item."""
    if show_progress is None:
        return items > 1 and sys.stderr.isatty()
    return show_progress


class PageLoader:
    """OCR files into :class:`PageRecord` s with the metadata contract (GUIDE §2).

    Args:
        engine: ``"local"`` (embedded, default), ``"upstage"`` (remote API) or an engine.
        engine_options: keyword arguments for the named engine (e.g. ``api_key``).
        pages: 1-based pages to read (``"1-3,5"`` or a list); default all (up to the limit).
        mode: ``"page"`` (one record per page) or ``"single"`` (one per file, pages joined
            by ``pages_delimiter``; word boxes are dropped, use page mode for provenance).
        min_confidence: drop words below this confidence (the low-confidence filter).
        show_progress: a progress bar over files (``None``: only on a terminal).
        max_workers: files OCR'd concurrently (useful with the remote engine).
        on_error: ``"raise"`` the typed error, ``"skip"`` the file (recorded in
            :attr:`skipped`, logged), or ``"warn"`` (also a :class:`SkippedFileWarning`).
        cache: ``True`` (default location), a path or a ``ResultCache``: results of files
            already seen are served from it (listed in :attr:`from_cache`; not in the
            records' metadata, which must not change between a first and a cached run: the
            frameworks hash it to decide what to embed again).
        flat_metadata: lists in the metadata (``words``; ``page_spans`` in single mode) as
            JSON strings, for vector stores that take only flat values (Chroma); the filter
            and the chunkers read them back.
    """

    def __init__(
        self,
        engine: str | OCREngine = "local",
        *,
        engine_options: dict[str, Any] | None = None,
        pages: str | Sequence[int] | None = None,
        password: str | None = None,
        limits: Limits = DEFAULT_LIMITS,
        mode: Mode = "page",
        pages_delimiter: str = "\n\f",
        min_confidence: float | None = None,
        show_progress: bool | None = None,
        max_workers: int = 1,
        on_error: OnError = "raise",
        cache: Any = None,
        flat_metadata: bool = False,
    ) -> None:
        if mode not in ("page", "single"):
            raise ValueError(f"mode must be 'page' or 'single', not {mode!r}")
        if on_error not in ("raise", "skip", "warn"):
            raise ValueError(f"on_error must be 'raise', 'skip' or 'warn', not {on_error!r}")
        if max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        self._engine_spec = engine
        self._engine_options = dict(engine_options or {})
        self._engine: OCREngine | None = None
        self.cache = cache
        self.pages = pages
        self.password = password
        self.limits = limits
        self.mode: Mode = mode
        self.pages_delimiter = pages_delimiter
        if min_confidence is not None:  # refused now, not after the first document's OCR
            from ocr_loaders.rag.filtering import check_threshold

            check_threshold("min_confidence", min_confidence)
        self.min_confidence = min_confidence
        self.show_progress = show_progress
        self.max_workers = max_workers
        self.on_error: OnError = on_error
        self.flat_metadata = flat_metadata
        self.skipped: list[SkippedFile] = []
        self._from_cache: dict[str, None] = {}  # ordered set; workers may add at once

    @property
    def from_cache(self) -> list[str]:
        """Sources whose results were served from the result cache (``cache=``), in the
        order they were read (with ``max_workers > 1``, as the workers finished them)."""
        return list(self._from_cache)

    def clear_history(self) -> None:
        """Forget :attr:`skipped` and :attr:`from_cache` (a new load starts)."""
        self.skipped = []
        self._from_cache = {}

    @property
    def engine(self) -> OCREngine:
        """The engine, created on first use (models load once per loader)."""
        if self._engine is None:
            self._engine = get_engine(
                self._engine_spec, cache=self.cache, **self._engine_options
            )
        return self._engine

    # --- one source ----------------------------------------------------------------------

    def iter_source(self, source: Source, *, name: str | None = None) -> Iterator[PageRecord]:
        """Records of one document, page by page as they are recognised.

        Errors are raised (typed); :meth:`iter_files` applies ``on_error``.
        """
        label = name if name is not None else _label(source)
        engine = self.engine
        doc = self._open(engine, source, label)
        # the counts are read per page: a remote engine sets an Office file's on ``doc`` from
        # the API's answer, before its first page
        records: Iterator[PageRecord] = (
            self._finish(
                page_record(
                    page, source=label, page_number=number, total_pages=len(doc.page_numbers),
                    engine=engine.name, model_version=engine.produced_model_version(),
                ),
                doc.total_pages, label,
            )
            for number, page in engine.iter_document(doc)
        )
        if self.min_confidence is not None:
            records = self._filtered(records)
        if self.mode == "single":
            records = iter([join_pages(list(records), self.pages_delimiter)])
        if self.flat_metadata:
            records = map(flattened, records)
        yield from records

    def _open(self, engine: OCREngine, source: Source, label: str) -> OpenedDocument:
        """The document with the pages asked for that it has: over a corpus, ``pages="1-3"``
        means "up to the first three" (a one-page file among them was skipped with
        PageRangeError); a file with none of them still fails."""
        try:
            doc = engine.open(source, pages=self.pages, password=self.password,
                              limits=self.limits)
            # an Office file for the API is counted by the server: its pages past the
            # selection's end are left out then (``OpenedDocument.skip_missing``)
            return doc if doc.counted else dataclasses.replace(doc, skip_missing=True)
        except PageRangeError as exc:
            selected = parse_page_spec(self.pages)
            total = exc.total_pages
            kept = [n for n in selected or () if total is not None and n <= total]
            if not kept:
                raise
            logger.info("%s has %d pages: pages after it skipped", label, total)
            if isinstance(exc.opened, OpenedDocument):  # opened (an Office file converted)
                return dataclasses.replace(exc.opened,
                                           page_numbers=kept[: self.limits.max_pages])
            if hasattr(source, "seek"):
                source.seek(0)  # a file object, read by the first attempt
            return engine.open(source, pages=kept, password=self.password, limits=self.limits)

    def _finish(self, record: PageRecord, document_pages: int, label: str) -> PageRecord:
        record.metadata["document_pages"] = document_pages
        if getattr(self.engine, "last_hit", False) and label not in self._from_cache:
            self._from_cache[label] = None
            logger.debug("%s: served from the result cache", label)
        return record

    def _filtered(self, records: Iterable[PageRecord]) -> Iterator[PageRecord]:
        from ocr_loaders.rag import filter_low_confidence

        for record in records:
            yield from filter_low_confidence(
                [record], min_word_confidence=self.min_confidence, action="drop"
            )

    # --- many files ----------------------------------------------------------------------

    def iter_files(self, paths: PathLike | Iterable[PathLike]) -> Iterator[PageRecord]:
        """Records of every file in order; failures handled per ``on_error``."""
        files = expand_paths(paths)
        bar = _progress(len(files), self.show_progress)
        try:
            if self.max_workers == 1 or len(files) < 2:
                for path in files:
                    yield from self._guarded(path)
                    bar.update(1)
            else:
                yield from self._concurrent(files, bar)
        finally:
            bar.close()

    def _guarded(self, path: str) -> Iterator[PageRecord]:
        yield from self.guarded(lambda: path, path)

    def guarded(self, source: Callable[[], Source], name: str) -> Iterator[PageRecord]:
        """Records of the document ``source()`` opens (a path, bytes, a file object), with
        failures, opening it included, handled per ``on_error``."""
        try:
            yield from self.iter_source(source(), name=name)
        except (OCRError, OSError) as exc:
            self._skip(name, exc)

    def _concurrent(self, files: list[str], bar: Any) -> Iterator[PageRecord]:
        """Whole files in worker threads, yielded in input order, a bounded window ahead."""
        window = self.max_workers * 2
        with ThreadPoolExecutor(self.max_workers, thread_name_prefix="ocr-loader") as pool:
            pending: list[tuple[str, Future[list[PageRecord]]]] = []
            queue = iter(files)
            for path in queue:
                pending.append((path, pool.submit(self._whole, path)))
                if len(pending) >= window:
                    break
            while pending:
                path, future = pending.pop(0)
                try:
                    yield from future.result()
                finally:
                    bar.update(1)
                nxt = next(queue, None)
                if nxt is not None:
                    pending.append((nxt, pool.submit(self._whole, nxt)))

    def _whole(self, path: str) -> list[PageRecord]:
        return list(self._guarded(path))

    def _skip(self, source: str, exc: Exception) -> None:
        if self.on_error == "raise":
            raise _naming(exc, source)
        entry = SkippedFile(source, type(exc).__name__, str(exc))
        self.skipped.append(entry)
        logger.warning("skipped %s", entry)
        if self.on_error == "warn":
            warnings.warn(str(entry), SkippedFileWarning, stacklevel=4)


def _naming(exc: Exception, source: str) -> Exception:
    """``exc`` saying which file it is about: in a load of a folder of a thousand files, "cannot
    open PDF" alone left the user to look for the file. An :class:`OCRError` gets ``source``
    and the file at the front of its message; any other error a note."""
    if isinstance(exc, OCRError) and exc.source is None:
        exc.source = source
        if exc.args and isinstance(exc.args[0], str) and source not in exc.args[0]:
            exc.args = (f"{source}: {exc.args[0]}", *exc.args[1:])
    elif not isinstance(exc, OCRError) and hasattr(exc, "add_note"):  # Python 3.11+
        exc.add_note(f"while reading {source}")
    return exc


def join_pages(records: Sequence[PageRecord], delimiter: str) -> PageRecord:
    """One record for a whole file: page texts joined, per-page spans kept for provenance."""
    if not records:
        raise OCRError("no pages were recognised")
    first = records[0].metadata
    texts: list[str] = []
    spans: list[list[int]] = []
    offset = 0
    for i, record in enumerate(records):
        if i:
            offset += len(delimiter)
        spans.append([record.metadata["page"], offset, offset + len(record.text)])
        texts.append(record.text)
        offset += len(record.text)
    confidences = [r.metadata["confidence"] for r in records]
    metadata = {
        "source": first["source"],
        "total_pages": first["total_pages"],
        "document_pages": first.get("document_pages", first["total_pages"]),
        "pages": [r.metadata["page"] for r in records],
        "page_spans": spans,
        "confidence": sum(confidences) / len(confidences),
        "engine": first["engine"],
        "model_version": first["model_version"],
    }
    # what the low-confidence filter did to the pages, for the whole file
    for key in ("dropped_words", "masked_words", "flagged_words"):
        if any(key in r.metadata for r in records):
            metadata[key] = sum(int(r.metadata.get(key, 0)) for r in records)
    if any("low_confidence" in r.metadata for r in records):
        metadata["low_confidence"] = any(r.metadata.get("low_confidence") for r in records)
    return PageRecord(text=delimiter.join(texts), metadata=metadata)


def _label(source: Source) -> str:
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    name = getattr(source, "name", None)
    return name if isinstance(name, str) else "<bytes>"


class _NoProgress:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: int, show: bool | None) -> Any:
    if not progress_wanted(show, total):
        return _NoProgress()
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="file", desc="OCR", leave=False)


async def threaded(iterator: Iterator[T]) -> AsyncIterator[T]:
    """Drive a blocking iterator in a worker thread, one item at a time, so that the event
    loop keeps serving; closed (in the thread) when the caller stops early, so that its files
    and engine threads are let go at once."""
    done = object()
    try:
        while True:
            item = await asyncio.to_thread(next, iterator, done)
            if item is done:
                break
            yield item  # type: ignore[misc]
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            await asyncio.to_thread(close)
