"""The ``ocr-loaders`` command: OCR a document and print the API's JSON (or its text).

Bad input ends with a one-line ``error: ...`` on stderr and exit code 2 (no traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from ocr_loaders.errors import OCRError


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ocr-loaders", description="Turn any document into LLM-ready text with provenance."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    ocr = sub.add_parser("ocr", help="OCR a document and print the Upstage OCR API's JSON")
    ocr.add_argument("file", help="JPEG, PNG, BMP, PDF, TIFF, HEIC, DOCX, PPTX or XLSX")
    ocr.add_argument("--engine", default="local", help="local (default, offline) or upstage")
    ocr.add_argument("--pages", help="1-based pages, e.g. 1,3-5 (default: all, at most 30)")
    ocr.add_argument("--format", choices=["json", "text"], default="json")
    ocr.add_argument("--schema", choices=["upstage", "clova", "google"], default="upstage",
                     help="JSON shape of the output (default: the Upstage OCR API's)")
    ocr.add_argument("--password", help="password of an encrypted PDF")
    ocr.add_argument("--indent", type=int, default=2, help="JSON indentation (0: one line)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    try:
        if args.command == "ocr":
            return _ocr(args)
    except OCRError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 1


def _ocr(args: argparse.Namespace) -> int:
    from ocr_loaders.engines import get_engine

    engine = get_engine(args.engine)
    result = engine.recognize(args.file, pages=args.pages, password=args.password)
    if result.total_pages and result.total_pages > len(result.pages) and args.pages is None:
        print(
            f"note: the document has {result.total_pages} pages; "
            f"the first {len(result.pages)} were processed",
            file=sys.stderr,
        )
    if args.format == "text":
        print(result.text)
        return 0
    if args.schema == "upstage":
        payload = result.to_api_dict()
    else:
        from ocr_loaders import schemas  # type: ignore[attr-defined]

        payload = schemas.convert(result, args.schema)
    print(json.dumps(payload, ensure_ascii=False, indent=args.indent or None))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
