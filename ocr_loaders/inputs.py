"""Documents in, page images out: format sniffing, the API's limits, lazy rasterisation.

The format comes from the bytes, never the file name. Images are decoded only after their
header passed the pixel limit (a decompression bomb never reaches the decoder); PDFs are rendered
one page at a time with pypdfium2; Office files are converted to PDF by LibreOffice first
(:mod:`ocr_loaders.office`). Every failure is a typed :class:`~ocr_loaders.errors.InputError`.
Image decoding is :mod:`ocr_loaders.images`, PDF pages :mod:`ocr_loaders.pdfdoc`, the limits
:mod:`ocr_loaders.limits`; their public names are exported here too.
"""

from __future__ import annotations

import enum
import io
import os
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Union

from PIL import Image

from ocr_loaders.errors import (
    CorruptDocumentError,
    DocumentTooLargeError,
    EncryptedDocumentError,
    InputError,
    PageRangeError,
    UnsupportedFormatError,
)
from ocr_loaders.images import count_frames, iter_image_frames, to_rgb
from ocr_loaders.limits import DEFAULT_LIMITS, Limits, size_text
from ocr_loaders.pdfdoc import DocPage, count_pdf_pages, iter_pdf_doc_pages, iter_pdf_pages

Source = Union[str, os.PathLike, bytes, bytearray, memoryview, IO[bytes]]  # noqa: UP007
"""A document: a path, its bytes, or a binary file object."""


class DocumentFormat(str, enum.Enum):
    """The nine formats the API accepts."""

    JPEG = "jpeg"
    PNG = "png"
    BMP = "bmp"
    PDF = "pdf"
    TIFF = "tiff"
    HEIC = "heic"
    DOCX = "docx"
    PPTX = "pptx"
    XLSX = "xlsx"

    @property
    def mime_type(self) -> str:
        return _MIME[self]

    @property
    def is_office(self) -> bool:
        return self in (DocumentFormat.DOCX, DocumentFormat.PPTX, DocumentFormat.XLSX)


_OOXML = "application/vnd.openxmlformats-officedocument"
_MIME = {
    DocumentFormat.JPEG: "image/jpeg",
    DocumentFormat.PNG: "image/png",
    DocumentFormat.BMP: "image/bmp",
    DocumentFormat.PDF: "application/pdf",
    DocumentFormat.TIFF: "image/tiff",
    DocumentFormat.HEIC: "image/heic",
    DocumentFormat.DOCX: f"{_OOXML}.wordprocessingml.document",
    DocumentFormat.PPTX: f"{_OOXML}.presentationml.presentation",
    DocumentFormat.XLSX: f"{_OOXML}.spreadsheetml.sheet",
}

EXTENSIONS = {
    ".jpg": DocumentFormat.JPEG,
    ".jpeg": DocumentFormat.JPEG,
    ".png": DocumentFormat.PNG,
    ".bmp": DocumentFormat.BMP,
    ".pdf": DocumentFormat.PDF,
    ".tif": DocumentFormat.TIFF,
    ".tiff": DocumentFormat.TIFF,
    ".heic": DocumentFormat.HEIC,
    ".heif": DocumentFormat.HEIC,
    ".docx": DocumentFormat.DOCX,
    ".pptx": DocumentFormat.PPTX,
    ".xlsx": DocumentFormat.XLSX,
}
"""File extensions of the supported formats (for directory readers; sniffing ignores names)."""

_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"heif"}


def read_source(source: Source, *, limits: Limits = DEFAULT_LIMITS) -> tuple[bytes, str]:
    """Read a document's bytes and a display name, refusing files over the size limit.

    Paths are stat-ed before reading, and paths (a pipe or a device has no size) and file
    objects are read at most one byte past the limit, so an oversized file is never loaded
    whole.
    """
    limit = limits.max_file_bytes
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        name = "<bytes>"
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        name = str(source)
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise InputError(f"file not found: {name}") from None
        except OSError as exc:
            raise InputError(f"cannot read {name}: {exc.strerror}") from None
        except ValueError:  # os.stat: "embedded null byte"
            raise InputError(f"invalid path (NUL byte): {name!r}") from None
        if path.is_dir():
            raise InputError(f"is a directory, not a document: {name}")
        if size > limit:
            raise DocumentTooLargeError(_too_large(size, limit))
        try:
            # at most one byte past the limit: a pipe or a device (/dev/stdin) has no size
            with path.open("rb") as handle:
                data = handle.read(limit + 1)
        except OSError as exc:
            raise InputError(f"cannot read {name}: {exc.strerror}") from None
    elif hasattr(source, "read"):
        name = str(getattr(source, "name", "<stream>"))
        data = source.read(limit + 1)
        if not isinstance(data, (bytes, bytearray)):
            raise InputError("file object must be opened in binary mode")
        data = bytes(data)
    else:
        raise InputError(f"unsupported source type: {type(source).__name__}")
    if len(data) > limit:
        # read one byte past the limit (a stream, a pipe): its size is not known
        exact = isinstance(source, (bytes, bytearray, memoryview))
        raise DocumentTooLargeError(_too_large(len(data), limit) if exact else
                                    f"document is over the limit of {limit:,} bytes "
                                    f"({size_text(limit)})")
    if not data:
        named = "" if isinstance(source, (bytes, bytearray, memoryview)) else f": {name}"
        raise CorruptDocumentError(f"empty document (0 bytes){named}")
    return data, name


def _too_large(size: int, limit: int) -> str:
    return f"document is {size:,} bytes; the limit is {limit:,} bytes ({size_text(limit)})"


def sniff_format(data: bytes) -> DocumentFormat:
    """The document's format from its magic bytes; raises UnsupportedFormatError otherwise."""
    head = data[:16]
    if head.startswith(b"\xff\xd8\xff"):
        return DocumentFormat.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return DocumentFormat.PNG
    if head.startswith(b"BM") and len(data) >= 26:
        return DocumentFormat.BMP
    if head.startswith((b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")):
        return DocumentFormat.TIFF
    if b"%PDF-" in data[:1024]:
        return DocumentFormat.PDF
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return DocumentFormat.HEIC
    if head.startswith(b"PK\x03\x04"):
        return _sniff_ooxml(data)
    if head.startswith(_CFB_MAGIC):
        _refuse_ole(data)
    raise UnsupportedFormatError(
        "unsupported document format: expected JPEG, PNG, BMP, PDF, TIFF, HEIC, DOCX, PPTX or XLSX"
    )


_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""An OLE compound file: legacy DOC/XLS/PPT, or a DOCX/XLSX/PPTX saved with a password."""


def _refuse_ole(data: bytes) -> None:
    """A password-protected DOCX/XLSX/PPTX is an OLE file holding ``EncryptionInfo`` and
    ``EncryptedPackage`` streams (MS-OFFCRYPTO), not a zip: say so, not "unsupported"."""
    if "EncryptedPackage".encode("utf-16-le") in data:
        raise EncryptedDocumentError(
            "the Office document is password-protected (encrypted DOCX/XLSX/PPTX): "
            "remove the password (save it without one) and try again"
        )
    raise UnsupportedFormatError(
        "unsupported document format: an OLE compound file (legacy DOC, XLS or PPT, or "
        "another program's: HWP, MSG, VSD...); save Office documents as DOCX, XLSX or PPTX"
    )


def _sniff_ooxml(data: bytes) -> DocumentFormat:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise CorruptDocumentError(f"damaged zip container: {exc}") from None
    if "word/document.xml" in names:
        return DocumentFormat.DOCX
    if "ppt/presentation.xml" in names:
        return DocumentFormat.PPTX
    if "xl/workbook.xml" in names:
        return DocumentFormat.XLSX
    raise UnsupportedFormatError("zip file is not a DOCX, PPTX or XLSX document")


MAX_PAGE_NUMBER = 0xFFFFF
"""No document has a page beyond this: PDFium's own cap (``CPDF_Document::kPageMaxNum``), which
Office files (converted to PDF) share; a TIFF that long is far over any size limit."""


def _page_beyond(number: int) -> PageRangeError:
    return PageRangeError(
        f"page {number} does not exist: no document has more than {MAX_PAGE_NUMBER:,} pages"
    )


def parse_page_spec(spec: str | Sequence[int] | None) -> list[int] | None:
    """Parse ``"1,3-5"`` (1-based, inclusive) or a list of ints into a sorted unique list.

    A page above :data:`MAX_PAGE_NUMBER` is refused before any range is expanded (``"1-10**9"``
    would otherwise build a billion page numbers).
    """
    if spec is None:
        return None
    if isinstance(spec, str):
        out: set[int] = set()
        for part in spec.split(","):
            part = part.strip()
            if not part:
                continue
            try:
                if "-" in part:
                    lo, hi = (int(x) for x in part.split("-", 1))
                else:
                    lo = hi = int(part)
            except ValueError:
                raise PageRangeError(f"bad page range {spec!r}: use e.g. '1,3-5'") from None
            if lo > hi:
                raise PageRangeError(f"bad page range {part.strip()!r}: it ends before it starts")
            if hi > MAX_PAGE_NUMBER:
                raise _page_beyond(hi)
            out.update(range(lo, hi + 1))
        numbers = sorted(out)
    else:
        numbers = sorted({int(n) for n in spec})
        if numbers and numbers[-1] > MAX_PAGE_NUMBER:
            raise _page_beyond(numbers[-1])
    if not numbers or numbers[0] < 1:
        raise PageRangeError(f"bad page selection {spec!r}: pages are 1-based")
    return numbers


@dataclass
class OpenedDocument:
    """A validated document whose pages are rendered lazily, one at a time.

    ``page_numbers`` are the 1-based pages that will be processed (a selection, capped at
    ``limits.max_pages``); ``total_pages`` is the document's own page count.

    An Office file opened for a remote API (``convert_office=False``) is sent as it is and
    paginated by the server: its ``total_pages`` is 0 and ``page_numbers`` the selection
    (empty: all pages) until the engine that reads it fills both in, before its first page
    (:attr:`counted`).
    """

    data: bytes
    name: str
    format: DocumentFormat
    total_pages: int
    page_numbers: list[int]
    limits: Limits = DEFAULT_LIMITS
    password: str | None = None
    _pdf: bytes | None = field(default=None, repr=False)
    skip_missing: bool = False
    """For a document not yet counted: pages of the selection past its end are left out
    once it is (the loaders' reading of ``pages``: the selected pages each file has), rather
    than failing; a selection with none of its pages still fails."""

    @property
    def mime_type(self) -> str:
        return self.format.mime_type

    @property
    def counted(self) -> bool:
        """Whether the page count is known (see the class docstring)."""
        return self.total_pages > 0

    def iter_pages(self) -> Iterator[DocPage]:
        """Yield each selected page, rendered only if asked (:meth:`DocPage.image`)."""
        if self._pdf is not None:
            yield from iter_pdf_doc_pages(self._pdf, self.page_numbers, self.limits, self.password,
                                           cells=self.format == DocumentFormat.XLSX)
        else:
            for number, image in iter_image_frames(self.data, self.page_numbers, self.limits):
                yield DocPage(number=number, _image=image)

    def iter_images(self) -> Iterator[tuple[int, Image.Image]]:
        """Yield ``(page_number, RGB image)`` for each selected page, one in memory at a time."""
        if self._pdf is not None:
            yield from iter_pdf_pages(self._pdf, self.page_numbers, self.limits, self.password)
        else:
            yield from iter_image_frames(self.data, self.page_numbers, self.limits)


def open_document(
    source: Source,
    *,
    pages: str | Sequence[int] | None = None,
    password: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
    convert_office: bool = True,
) -> OpenedDocument:
    """Read, sniff and validate a document; nothing is rasterised yet.

    Office documents are converted to PDF here (LibreOffice), so conversion errors surface
    before any OCR work starts; with ``convert_office=False`` (an engine that uploads the
    file to an API that converts it) they are left as they are and not counted.
    """
    data, name = read_source(source, limits=limits)
    fmt = sniff_format(data)
    pdf: bytes | None = None
    if fmt.is_office and not convert_office:
        return OpenedDocument(data=data, name=name, format=fmt, total_pages=0,
                              page_numbers=(parse_page_spec(pages) or [])[: limits.max_pages],
                              limits=limits, password=password)
    if fmt.is_office:
        from ocr_loaders.office import convert_to_pdf

        pdf = convert_to_pdf(data, fmt, limits=limits)
    elif fmt is DocumentFormat.PDF:
        pdf = data
    total = count_pdf_pages(pdf, password) if pdf is not None else count_frames(data, limits)
    if total == 0:
        raise CorruptDocumentError(f"document has no pages: {name}")
    selected = parse_page_spec(pages)
    opened = OpenedDocument(
        data=data,
        name=name,
        format=fmt,
        total_pages=total,
        page_numbers=list(range(1, total + 1))[: limits.max_pages],
        limits=limits,
        password=password,
        _pdf=pdf,
    )
    if selected is not None:
        missing = [n for n in selected if n > total]
        if missing:
            raise PageRangeError(f"page {missing[0]} does not exist; the document has {total}",
                                 total_pages=total, opened=opened)
        opened.page_numbers = selected[: limits.max_pages]
    return opened


__all__ = [
    "DEFAULT_LIMITS",
    "EXTENSIONS",
    "MAX_PAGE_NUMBER",
    "DocPage",
    "DocumentFormat",
    "Limits",
    "OpenedDocument",
    "Source",
    "open_document",
    "parse_page_spec",
    "read_source",
    "sniff_format",
    "to_rgb",
]
