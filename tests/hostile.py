"""A corpus of hostile, broken and odd documents, generated (never stored), with what each must
give: a result with the expected pages, or a typed error.

Used by ``tests/test_reliability.py`` (library, CLI and server) and ``benchmarks/bench_load.py``.
Every file is made by a real writer (Pillow, pypdfium2/pikepdf, python-docx, zipfile) and then,
where the case asks for it, damaged.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from PIL import Image

from ocr_loaders.errors import (
    CorruptDocumentError,
    DocumentTooLargeError,
    EncryptedDocumentError,
    InputError,
    TooManyPixelsError,
    UnsupportedFormatError,
)
from tests import docgen

MB = 1024 * 1024
LIMIT = 50 * MB
"""The default file size limit (the API's)."""

TALLY: Counter[str] = Counter()
"""Cases run per surface (library, cli, server, client faults, ...), printed at the end of the
test session by ``tests/conftest.py``."""


@dataclass(frozen=True)
class Case:
    """One document and what it must give.

    ``error`` is the typed error expected (a base class such as ``InputError`` when several
    are right); when it is ``None`` the document must be read: ``pages`` pages processed,
    ``total`` the document's own count, and ``text`` (if given) found in the page text.
    """

    name: str
    make: Callable[[], bytes] = field(repr=False)
    error: type[Exception] | None = None
    pages: int = 1
    total: int | None = None
    text: str | None = None
    suffix: str = ".bin"

    def data(self) -> bytes:
        return _made(self.name, self.make)


_CACHE: dict[str, bytes] = {}


def _made(name: str, make: Callable[[], bytes]) -> bytes:
    if name not in _CACHE:
        _CACHE[name] = make()
    return _CACHE[name]


def http_status(case: Case) -> int:
    """The status our server answers for the case (as the API does)."""
    if case.error is None:
        return 200
    if issubclass(case.error, UnsupportedFormatError):
        return 415
    if issubclass(case.error, DocumentTooLargeError):  # over 50 MB, or unpacking past the cap
        return 413
    return 400


# ---- documents ---------------------------------------------------------------------------

WORDS = "Hello world"


@cache
def _page() -> Image.Image:
    return docgen.render_lines([WORDS], size=40, width=420)


def _image(fmt: str, mode: str | None = None) -> Callable[[], bytes]:
    def make() -> bytes:
        img = _page()
        if mode is not None:
            img = img.convert("L").convert(mode) if mode in ("1", "P") else img.convert(mode)
        return docgen.image_bytes(img, fmt)

    return make


def _sixteen_bit_png() -> bytes:
    img = _page().convert("L").point(lambda v: v * 257, mode="I").convert("I;16")
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _valid(fmt: str) -> bytes:
    if fmt == "PDF":
        return docgen.pdf_from_images([_page()])
    if fmt == "DOCX":
        return docgen.docx_bytes([WORDS])
    if fmt == "PPTX":
        return docgen.pptx_bytes(WORDS, "slide body")
    if fmt == "XLSX":
        return docgen.xlsx_bytes([[WORDS, 1]])
    return docgen.image_bytes(_page(), fmt)


def _truncated(fmt: str) -> Callable[[], bytes]:
    return lambda: _valid(fmt)[: len(_valid(fmt)) // 3]


def _random(seed: int, size: int = 4096) -> Callable[[], bytes]:
    return lambda: random.Random(seed).randbytes(size)


def png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header declares ``width`` x ``height`` pixels, with almost no data."""
    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (struct.pack(">I", len(payload)) + kind + payload
                + struct.pack(">I", zlib.crc32(kind + payload)))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))


def _over_size() -> bytes:
    """A valid PNG padded (after IEND, which decoders ignore) to one byte over 50 MB."""
    png = _valid("PNG")
    return png + b"\0" * (LIMIT + 1 - len(png))


def _many_page_pdf(count: int) -> bytes:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    for _ in range(count):
        pdf.new_page(612, 792)
    buf = io.BytesIO()
    pdf.save(buf)
    return buf.getvalue()


def _many_frame_tiff(count: int) -> bytes:
    frame = docgen.render_lines(["frame"], size=24, width=200)
    return docgen.multi_frame_tiff([frame] * count)


def _zip_bomb(lie: bool) -> bytes:
    """A DOCX-looking zip whose document.xml unpacks to 600 MB of zeros (about 600 KB packed).

    ``lie``: the sizes in the zip's headers are rewritten to claim 1 KB, so only reading the
    data tells the truth.
    """
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/'
                    'package/2006/content-types"/>')
        zf.writestr("_rels/.rels", "<Relationships/>")
        with zf.open("word/document.xml", "w", force_zip64=False) as member:
            block = b"\0" * MB
            for _ in range(600):
                member.write(block)
    data = bytearray(buf.getvalue())
    if lie:
        size = struct.pack("<I", 600 * MB)
        fake = struct.pack("<I", 1024)
        start = 0
        while (at := data.find(size, start)) >= 0:
            data[at:at + 4] = fake
            start = at + 4
    return bytes(data)


def _not_a_zip_docx() -> bytes:
    return b"PK\x03\x04" + random.Random(7).randbytes(2048)


def _docx_wrong_parts() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/document.xml", "<not really word")
    return buf.getvalue()


def _blank() -> bytes:
    return docgen.image_bytes(Image.new("RGB", (1240, 1754), "white"), "PNG")


def cases() -> list[Case]:
    """The corpus (about 50 cases)."""
    out: list[Case] = [
        Case("empty", lambda: b"", CorruptDocumentError),
        Case("plain_text", lambda: b"just some plain text\nsecond line\n", UnsupportedFormatError,
             suffix=".txt"),
        Case("svg", lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><text>hi</text></svg>',
             UnsupportedFormatError, suffix=".svg"),
        Case("html", lambda: b"<!doctype html><html><body><p>hi</p></body></html>",
             UnsupportedFormatError, suffix=".html"),
        Case("png_declaring_4g_pixels", lambda: png_declaring(65535, 65535),
             TooManyPixelsError, suffix=".png"),
        Case("over_size_limit", _over_size, DocumentTooLargeError, suffix=".png"),
        Case("pdf_400_pages", lambda: _many_page_pdf(400), pages=30, total=400, suffix=".pdf"),
        Case("encrypted_pdf", lambda: docgen.encrypted_pdf("pw"), EncryptedDocumentError,
             suffix=".pdf"),
        Case("tiff_45_frames", lambda: _many_frame_tiff(45), pages=30, total=45,
             text="frame", suffix=".tif"),
        Case("docx_zip_bomb", lambda: _zip_bomb(lie=False), DocumentTooLargeError,
             suffix=".docx"),
        Case("docx_zip_bomb_lying_headers", lambda: _zip_bomb(lie=True), InputError,
             suffix=".docx"),
        Case("docx_not_a_zip", _not_a_zip_docx, CorruptDocumentError, suffix=".docx"),
        Case("docx_wrong_parts", _docx_wrong_parts, InputError, suffix=".docx"),
        Case("one_pixel", lambda: docgen.image_bytes(Image.new("RGB", (1, 1), "white"), "PNG"),
             suffix=".png"),
        Case("strip_20000x60", lambda: docgen.image_bytes(
            docgen.render_lines([WORDS + " " + "strip " * 10], size=36, width=20000).crop(
                (0, 50, 20000, 110)), "PNG"), text="strip", suffix=".png"),
        Case("blank_page", _blank, suffix=".png"),
        Case("png_named_pdf", lambda: _valid("PNG"), text="Hello", suffix=".pdf"),
        Case("pdf_named_jpg", lambda: _valid("PDF"), text="Hello", suffix=".jpg"),
        Case("docx_named_xlsx", lambda: _valid("DOCX"), text="Hello", suffix=".xlsx"),
        Case("jpeg_cmyk", _image("JPEG", "CMYK"), text="Hello", suffix=".jpg"),
        Case("png_16_bit", _sixteen_bit_png, text="Hello", suffix=".png"),
    ]
    for mode in ("1", "L", "P", "RGBA"):
        out.append(Case(f"png_mode_{mode}", _image("PNG", mode), text="Hello", suffix=".png"))
    for fmt, suffix in (("JPEG", ".jpg"), ("PNG", ".png"), ("BMP", ".bmp"), ("TIFF", ".tif"),
                        ("PDF", ".pdf"), ("HEIC", ".heic"), ("DOCX", ".docx"),
                        ("PPTX", ".pptx"), ("XLSX", ".xlsx")):
        out.append(Case(f"{fmt.lower()}_valid", lambda f=fmt: _valid(f),  # type: ignore[misc]
                        text=None if fmt == "XLSX" else "Hello", suffix=suffix))
        out.append(Case(f"{fmt.lower()}_truncated", _truncated(fmt), InputError, suffix=suffix))
        out.append(Case(f"random_bytes{suffix}", _random(len(out)), UnsupportedFormatError,
                        suffix=suffix))
    return out


__all__ = ["LIMIT", "TALLY", "Case", "cases", "http_status", "png_declaring"]
