"""The ``ocr-loaders`` command: ``ocr`` prints a document's OCR as the API's JSON (or text, or
the CLOVA / Google shape; ``--cache`` reuses earlier results); ``serve`` runs the
API-compatible HTTP server; ``cache info|clear`` manages the result cache; ``batch`` OCRs a
whole corpus on Ray into Parquet / JSONL (resumable).

Bad input ends with a one-line ``error: ...`` on stderr and exit code 2 (no traceback).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence

from ocr_loaders.engines import OCREngine
from ocr_loaders.errors import OCRError
from ocr_loaders.models import OCRResult

ENGINES = ("local", "upstage")
"""What ``--engine`` takes (argparse refuses anything else with its usage line, exit 2)."""


def _number(kind: type[int] | type[float], low: float, *, inclusive: bool = True,
            high: float | None = None) -> Callable[[str], int | float]:
    """An argparse type: ``kind`` at least ``low`` (above it if not ``inclusive``), at most
    ``high``; anything else is a usage error (exit 2) before any engine is loaded."""
    bound = f">= {low:g}" if inclusive else f"> {low:g}"
    if high is not None:
        bound += f" and <= {high:g}"

    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if (value != value or value < low or (not inclusive and value == low)
                or (high is not None and value > high)):  # (value != value: NaN)
            raise argparse.ArgumentTypeError(f"must be {bound}: {text}")
        return value

    return parse


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ocr-loaders", description="Turn any document into LLM-ready text with provenance."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    ocr = sub.add_parser("ocr", help="OCR a document and print the Upstage OCR API's JSON")
    ocr.add_argument("file", help="JPEG, PNG, BMP, PDF, TIFF, HEIC, DOCX, PPTX or XLSX")
    ocr.add_argument("--engine", default="local", choices=ENGINES,
                     help="local (default, offline) or upstage")
    ocr.add_argument("--pages", help="1-based pages, e.g. 1,3-5 (default: all, at most 30)")
    ocr.add_argument("--format", choices=["json", "text"], default="json",
                     help="json (default) or text: each page's text, a form feed (\\f) "
                          "starting each next page, as pdftotext writes them")
    ocr.add_argument("--schema", choices=["upstage", "clova", "google"], default="upstage",
                     help="JSON shape of the output (default: the Upstage OCR API's)")
    ocr.add_argument("--password", help="password of an encrypted PDF")
    ocr.add_argument("--indent", type=int, default=2, help="JSON indentation (0: one line)")
    ocr.add_argument("--cache", nargs="?", const=True, default=None, metavar="PATH",
                     help="reuse results of files seen before (default file: see `cache info`)")
    ocr.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                     help="page progress bar on stderr (default: only on a terminal)")
    cache = sub.add_parser("cache", help="show or clear the result cache")
    cache.add_argument("action", choices=["info", "clear"])
    cache.add_argument("--path", help="cache file (default: $OCR_LOADERS_CACHE_DIR or ~/.cache)")
    srv = sub.add_parser("serve", help="run the Upstage OCR API-compatible HTTP server")
    srv.add_argument("--host", default="127.0.0.1", help="interface (default: 127.0.0.1)")
    srv.add_argument("--port", type=_number(int, 0, high=65535), default=8000,
                     help="port (default: 8000)")
    srv.add_argument("--api-key", help="required Bearer key (default: $OCR_LOADERS_API_KEY; "
                     "unset: no authentication)")
    srv.add_argument("--workers", type=_number(int, 1),
                     help="OCR worker threads (default: CPU count)")
    srv.add_argument("--queue", type=_number(int, 0),
                     help="jobs that may wait for a worker before 429 (default: 2 x workers)")
    srv.add_argument("--engine", default="local", choices=ENGINES,
                     help="engine behind the server (default: local)")
    srv.add_argument("--upload-timeout", type=_number(float, 0, inclusive=False), default=30.0,
                     help="seconds an upload may stall before 408 (default: 30)")
    srv.add_argument("--job-timeout", type=_number(float, 0, inclusive=False), default=600.0,
                     help="seconds a document may take before 504 (default: 600)")
    bat = sub.add_parser("batch", help="OCR a directory (local, s3://, gs://, ...) on Ray into "
                         "one row per page; re-running skips files already in the output")
    bat.add_argument("input", help="a directory (searched recursively) or one file")
    bat.add_argument("--out", required=True, help="output directory (created if missing)")
    bat.add_argument("--format", choices=["parquet", "jsonl"], default="parquet")
    bat.add_argument("--engine", default="local", choices=ENGINES,
                     help="local (default, offline) or upstage")
    bat.add_argument("--ray-address", help="an existing cluster, e.g. auto (default: start a "
                     "local Ray on this machine)")
    bat.add_argument("--concurrency", type=int,
                     help="OCR actors (default: the cluster's CPUs / --num-cpus)")
    bat.add_argument("--num-cpus", type=float, default=1.0,
                     help="CPUs per actor, also the engine's threads (default: 1)")
    bat.add_argument("--cache", nargs="?", const=True, default=None, metavar="PATH",
                     help="also reuse the result cache (a path every node can reach)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    try:
        if args.command == "ocr":
            return _ocr(args)
        if args.command == "serve":
            return _serve(args)
        if args.command == "cache":
            return _cache(args)
        if args.command == "batch":
            return _batch(args)
    except OCRError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # the reader went away (``ocr-loaders ocr scan.pdf | head``): not an error; keep the
        # interpreter from complaining again when it flushes stdout at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return 1


def _ocr(args: argparse.Namespace) -> int:
    from ocr_loaders.engines import get_engine
    from ocr_loaders.loading import progress_wanted

    engine = get_engine(args.engine, cache=args.cache)
    if progress_wanted(args.progress, 2):
        result = _with_progress(engine, args)
    else:
        result = engine.recognize(args.file, pages=args.pages, password=args.password)
    if getattr(engine, "last_hit", False):
        print("note: served from the result cache", file=sys.stderr)
    if result.total_pages and result.total_pages > len(result.pages) and args.pages is None:
        print(
            f"note: the document has {result.total_pages} pages; "
            f"the first {len(result.pages)} were processed",
            file=sys.stderr,
        )
    elif args.pages is not None:
        from ocr_loaders.inputs import parse_page_spec

        # pages asked for by name and cut by the per-document limit: say so, as without
        # --pages (``--pages 1-35`` printed pages 1-30 and nothing about 31-35)
        asked = parse_page_spec(args.pages) or []
        if len(asked) > len(result.pages) and result.pages:
            last = result.page_number(len(result.pages) - 1)
            print(
                f"note: {len(asked)} pages were selected; only the first {len(result.pages)} "
                f"(up to page {last}) were processed, the limit per document",
                file=sys.stderr,
            )
    if args.format == "text":
        # one page ran into the next (lines only); a form feed starts each next page, as
        # pdftotext writes it and the loaders' single mode joins pages
        print("\n\f".join(page.text for page in result.pages))
        return 0
    if args.schema == "upstage":
        payload = result.to_api_dict()
    else:
        from ocr_loaders import schemas

        payload = schemas.convert(result, args.schema)
    print(json.dumps(payload, ensure_ascii=False, indent=args.indent or None))
    return 0


def _with_progress(engine: OCREngine, args: argparse.Namespace) -> OCRResult:
    """Recognise page by page with a progress bar on stderr."""
    from tqdm import tqdm

    doc = engine.open(args.file, pages=args.pages, password=args.password)
    numbers, pages = [], []
    # an Office file sent to the remote API is counted by the API: no total until then
    total = len(doc.page_numbers) if doc.counted else None
    with tqdm(total=total, unit="page", desc="OCR", leave=False) as bar:
        for number, page in engine.iter_document(doc):
            numbers.append(number)
            pages.append(page)
            bar.update(1)
    return OCRResult.from_pages(
        pages, model_version=engine.produced_model_version(), page_numbers=numbers,
        total_pages=doc.total_pages,
    )


def _cache(args: argparse.Namespace) -> int:
    from ocr_loaders.cache import ResultCache

    cache = ResultCache(args.path)
    if args.action == "clear":
        print(f"removed {cache.clear()} results from {cache.path}")
    else:
        info = cache.info()
        print(f"{info['path']}: {info['entries']} results, {info['bytes'] / 1e6:.1f} MB")
    return 0


def _batch(args: argparse.Namespace) -> int:
    try:
        from ocr_loaders.ray import run
    except ImportError:
        print('error: batch needs Ray: pip install "ocr-loaders[ray]"', file=sys.stderr)
        return 2
    try:
        report = run(args.input, args.out, output_format=args.format, engine=args.engine,
                     ray_address=args.ray_address, concurrency=args.concurrency,
                     num_cpus=args.num_cpus, cache=args.cache)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(report.summary())
    for failure in report.failed:
        print(f"failed: {failure['source']}: {failure['error_type']}: {failure['error']}")
    return 1 if report.failed else 0


def _serve(args: argparse.Namespace) -> int:
    try:
        from ocr_loaders.server import serve
    except ImportError:
        print('error: the server needs: pip install "ocr-loaders[server]"', file=sys.stderr)
        return 2
    serve(host=args.host, port=args.port, api_key=args.api_key, workers=args.workers,
          queue=args.queue, engine=args.engine, upload_timeout=args.upload_timeout,
          job_timeout=args.job_timeout)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
