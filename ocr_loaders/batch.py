"""The units of a corpus run, independent of Ray: list files, expand them into page tasks,
recognise a task into page rows, and read rows back as page records.

A row is flat (Parquet and JSONL friendly): ``source, page, text, confidence, width, height,
words`` (JSON string of the contract's word dicts), ``engine, model_version, content_sha256,
total_pages, document_pages, error, error_type``. A failed file is one row with ``page = -1``
and the typed error's name and message; nothing crashes the job.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ocr_loaders.cache import content_hash
from ocr_loaders.documents import PageRecord, word_dicts
from ocr_loaders.engines import OCREngine
from ocr_loaders.errors import OCRError
from ocr_loaders.inputs import (
    DEFAULT_LIMITS,
    Limits,
    open_document,
    read_source,
    sniff_format,
)
from ocr_loaders.loading import SUPPORTED_EXTENSIONS

ALL_PAGES = -1
"""``page`` of a task that covers the whole file (Office documents, failed files)."""

COLUMNS = (
    "source", "page", "text", "confidence", "width", "height", "words", "engine",
    "model_version", "content_sha256", "total_pages", "document_pages", "error", "error_type",
)


def filesystem(uri: str) -> tuple[Any, str]:
    """A pyarrow filesystem and the path inside it (local paths, ``s3://``, ``gs://``, ...)."""
    from pyarrow import fs

    if "://" not in uri:
        return fs.LocalFileSystem(), str(Path(uri).resolve())
    return fs.FileSystem.from_uri(uri)


def list_files(uri: str) -> list[str]:
    """Supported files under a directory (recursively), or the file itself; sorted."""
    from pyarrow import fs as pafs

    filesys, root = filesystem(uri)
    info = filesys.get_file_info(root)
    if info.type == pafs.FileType.File:
        return [uri]
    if info.type != pafs.FileType.Directory:
        raise FileNotFoundError(f"no such file or directory: {uri}")
    found = filesys.get_file_info(pafs.FileSelector(root, recursive=True))
    prefix = uri[: uri.index("://") + 3] if "://" in uri else ""
    return sorted(
        prefix + f.path for f in found
        if f.type == pafs.FileType.File and Path(f.path).suffix.lower() in SUPPORTED_EXTENSIONS
    )


def read_bytes(uri: str, *, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """A file's bytes, at most one past the size limit (an oversized file is never read whole:
    :func:`named` then raises the typed size error)."""
    filesys, path = filesystem(uri)
    with filesys.open_input_stream(path) as stream:
        return bytes(stream.read(limits.max_file_bytes + 1))


def named(data: bytes, uri: str) -> io.BytesIO:
    """Bytes as a file object named after the URI, so typed errors name the file."""
    handle = io.BytesIO(data)
    handle.name = uri
    return handle


def expand(uri: str, *, done: set[str], limits: Limits = DEFAULT_LIMITS) -> list[dict[str, Any]]:
    """Page tasks of one file (``[]`` when its hash is in ``done``); errors become a row."""
    try:
        data = read_bytes(uri, limits=limits)
    except OSError as exc:
        return [error_row(uri, "", exc)]
    digest = content_hash(data)
    if digest in done:
        return []
    base = {"source": uri, "content_sha256": digest}
    try:
        read_source(named(data, uri), limits=limits)  # size and emptiness, as typed errors
        if sniff_format(data).is_office:
            return [{**base, "page": ALL_PAGES}]
        doc = open_document(named(data, uri), limits=limits)
    except OCRError as exc:
        return [error_row(uri, digest, exc)]
    return [{**base, "page": n} for n in doc.page_numbers]


def recognize_task(
    engine: OCREngine, task: dict[str, Any], *, limits: Limits = DEFAULT_LIMITS
) -> list[dict[str, Any]]:
    """Rows for one task: its page, or every page of an Office file; errors become a row."""
    if task.get("error_type"):
        return [task]
    uri, page = task["source"], int(task["page"])
    try:
        data = named(read_bytes(uri, limits=limits), uri)
        doc = engine.open(data, pages=None if page == ALL_PAGES else [page], limits=limits)
        rows = []
        for number, result in engine.iter_document(doc):
            rows.append({
                "source": uri, "page": number, "text": result.text,
                "confidence": result.confidence, "width": result.width,
                "height": result.height, "words": json.dumps(word_dicts(result),
                                                             ensure_ascii=False),
                "engine": engine.name, "model_version": engine.produced_model_version(),
                "content_sha256": task["content_sha256"],
                "total_pages": min(doc.total_pages, limits.max_pages),
                "document_pages": doc.total_pages, "error": None, "error_type": None,
            })
        return rows
    except (OCRError, OSError) as exc:
        return [error_row(uri, task.get("content_sha256", ""), exc)]


def error_row(uri: str, digest: str, exc: Exception) -> dict[str, Any]:
    """A failed file as a row: the typed error's name and its one-line message."""
    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    row.update(source=uri, page=ALL_PAGES, content_sha256=digest, error=str(exc),
               error_type=type(exc).__name__)
    return row


def normalise(row: dict[str, Any]) -> dict[str, Any]:
    """Every column present, in order (so Parquet schemas agree across blocks)."""
    return {key: row.get(key) for key in COLUMNS}


def arrow_schema() -> Any:
    """The output's fixed Arrow schema: every block and every run writes the same types, even
    a block made only of error rows (whose text and words are null)."""
    import pyarrow as pa

    text, integer, real = pa.string(), pa.int64(), pa.float64()
    types = {
        "source": text, "page": integer, "text": text, "confidence": real, "width": integer,
        "height": integer, "words": text, "engine": text, "model_version": text,
        "content_sha256": text, "total_pages": integer, "document_pages": integer,
        "error": text, "error_type": text,
    }
    return pa.schema([(name, types[name]) for name in COLUMNS])


def to_table(rows: list[dict[str, Any]]) -> Any:
    """Rows as an Arrow table with :func:`arrow_schema`."""
    import pyarrow as pa

    return pa.Table.from_pylist([normalise(r) for r in rows], schema=arrow_schema())


OUTPUT_SUFFIXES = (".parquet", ".json", ".jsonl")


def output_files(uri: str) -> list[str]:
    """The Parquet / JSONL files of an output directory (or the file itself); [] if absent."""
    from pyarrow import fs as pafs

    filesys, path = filesystem(uri)
    info = filesys.get_file_info(path)
    if info.type == pafs.FileType.NotFound:
        return []
    if info.type == pafs.FileType.File:
        return [path]
    found = [
        f for f in filesys.get_file_info(pafs.FileSelector(path, recursive=True))
        if f.type == pafs.FileType.File and f.path.endswith(OUTPUT_SUFFIXES)
    ]
    found.sort(key=lambda f: (f.mtime_ns or 0, f.path))  # oldest run first
    return [f.path for f in found]


def read_rows(uri: str, files: list[str] | None = None) -> Iterator[dict[str, Any]]:
    """Rows of a Parquet or JSONL output directory (or file), without Ray; ``files`` limits
    the read to some of its files (those one run wrote)."""
    filesys, _ = filesystem(uri)
    for name in output_files(uri) if files is None else files:
        if name.endswith(".parquet"):
            import pyarrow.parquet as pq

            with filesys.open_input_file(name) as handle:
                yield from pq.read_table(handle, schema=arrow_schema()).to_pylist()
        else:
            with filesys.open_input_stream(name) as stream:
                # lines end at "\n" only: ``splitlines`` also cut at U+2028, U+2029 and
                # U+0085, which JSON strings hold as they are (a page's text may)
                for line in stream.read().decode("utf-8").split("\n"):
                    if line.strip():
                        yield normalise(json.loads(line))


def done_hashes(uri: str) -> set[str]:
    """Content hashes of files already recognised without error in an output."""
    return {r["content_sha256"] for r in read_rows(uri) if not r.get("error_type")}


def load_records(uri: str, *, min_confidence: float | None = None) -> Iterator[PageRecord]:
    """Page records of an output for the loaders, optionally through the low-confidence
    filter (as the loaders' ``min_confidence``)."""
    records = read_records(uri)
    if min_confidence is None:
        yield from records
        return
    from ocr_loaders.rag import filter_low_confidence

    for record in records:
        yield from filter_low_confidence([record], min_word_confidence=min_confidence,
                                         action="drop")


def read_records(uri: str) -> Iterator[PageRecord]:
    """Page records (the loaders' metadata contract) from an output, in source/page order.

    When a file changed between runs, only the rows of its latest content are returned.
    """
    latest: dict[str, str] = {}
    pages: dict[tuple[str, int], dict[str, Any]] = {}
    for row in read_rows(uri):
        if row.get("error_type"):
            continue
        if latest.get(row["source"]) != row["content_sha256"]:
            latest[row["source"]] = row["content_sha256"]
        pages[(row["source"], int(row["page"]))] = row
    rows = sorted(
        (r for r in pages.values() if latest[r["source"]] == r["content_sha256"]),
        key=lambda r: (r["source"], r["page"]),
    )
    for row in rows:
        yield PageRecord(text=row["text"] or "", metadata={
            "source": row["source"], "page": int(row["page"]),
            "total_pages": int(row["total_pages"]), "document_pages": int(row["document_pages"]),
            "width": int(row["width"]), "height": int(row["height"]),
            "confidence": float(row["confidence"]), "words": json.loads(row["words"]),
            "engine": row["engine"], "model_version": row["model_version"],
        })


def failed(uri: str) -> list[dict[str, Any]]:
    """Files that still fail in an output (an error row and no later success for the same
    content): source, error type and message."""
    rows = list(read_rows(uri))
    ok = {r["content_sha256"] for r in rows if not r.get("error_type")}
    latest = {
        (r["source"], r["content_sha256"]): r  # a file failing in several runs: once
        for r in rows if r.get("error_type") and r["content_sha256"] not in ok
    }
    return [
        {"source": r["source"], "error_type": r["error_type"], "error": r["error"]}
        for r in latest.values()
    ]
