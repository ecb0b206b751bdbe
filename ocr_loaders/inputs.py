"""Documents in, page images out: format sniffing, the API's limits, lazy rasterisation.

The format comes from the bytes, never the file name. Images are decoded only after their
header passed the pixel limit (a decompression bomb never reaches the decoder); PDFs are rendered
one page at a time with pypdfium2; Office files are converted to PDF by LibreOffice first
(:mod:`ocr_loaders.office`). Every failure is a typed :class:`~ocr_loaders.errors.InputError`.
"""

from __future__ import annotations

import contextlib
import enum
import io
import os
import re
import struct
import warnings
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Union

import numpy as np
from PIL import Image, ImageOps
from pydantic import BaseModel, ConfigDict, Field

from ocr_loaders.errors import (
    CorruptDocumentError,
    DocumentTooLargeError,
    EncryptedDocumentError,
    InputError,
    PageRangeError,
    TooManyPixelsError,
    UnsupportedFormatError,
)
from ocr_loaders.models import Page

Source = Union[str, os.PathLike, bytes, bytearray, memoryview, IO[bytes]]  # noqa: UP007
"""A document: a path, its bytes, or a binary file object."""

POINTS_PER_INCH = 72.0


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


class Limits(BaseModel):
    """Input limits; the defaults are the Upstage OCR API's."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_file_bytes: int = Field(50 * 1024 * 1024, description="Largest accepted file, in bytes.")
    max_pages: int = Field(30, description="Pages processed per document; the rest are skipped.")
    max_pixels: int = Field(100_000_000, description="Largest page, in pixels.")
    pixel_dpi: int = Field(300, description="DPI at which PDF/Office pages are counted.")
    render_dpi: int = Field(300, description="DPI at which PDF/Office pages are rendered.")
    conversion_timeout: float = Field(120.0, description="Seconds allowed for LibreOffice.")
    max_unzipped_bytes: int = Field(
        500 * 1024 * 1024, description="Largest uncompressed size of an Office zip (zip bombs)."
    )


DEFAULT_LIMITS = Limits()


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


def size_text(size: float) -> str:
    """A size for messages, in the unit the limits are set in (MB of 2**20 bytes, as in
    "50 MB"; bytes below one MB), so that every message says the same of the same limit."""
    if size < 2**20:
        return f"{int(size):,} bytes"
    return f"{size / 2**20:.1f}".removesuffix(".0") + " MB"


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


def to_rgb(image: Image.Image) -> Image.Image:
    """Convert any Pillow mode (1, L, P, LA, RGBA, CMYK, I;16, I, F) to RGB on white."""
    if image.mode == "RGB":
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        arr = np.asarray(image, dtype=np.float64)
        lo, hi = float(arr.min()), float(arr.max())
        if image.mode == "F" and lo >= 0 and 0 < hi <= 1.0:
            arr = arr * 255.0  # float samples on the 0..1 scale (the usual one for floats)
        elif hi > 255 or lo < 0:
            # 16-bit containers often hold 10-, 12- or 14-bit samples: white is the top of
            # the smallest bit depth that holds the brightest sample, not 65535 (10-bit
            # paper came out at 3 of 255, and its page read as empty)
            top = (float(2 ** int(hi).bit_length() - 1)
                   if image.mode.startswith("I;16") and hi > 255 else max(hi, 1.0))
            arr = (arr - min(lo, 0.0)) * (255.0 / (top - min(lo, 0.0) or 1.0))
        return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "L").convert("RGB")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


@dataclass
class DocPage:
    """One selected page: its 1-based number, its image on demand, and a PDF text layer."""

    number: int
    _image: Image.Image | None = None
    _pdf_page: Any = None
    _limits: Limits = DEFAULT_LIMITS
    _cells: bool = False
    """The page is a spreadsheet's: each text object is a cell (``textlayer._cell_gaps``)."""

    def image(self) -> Image.Image:
        """The page as an RGB image (PDF pages are rendered at ``limits.render_dpi``)."""
        if self._image is None:
            self._image = _render_pdf_page(self._pdf_page, self.number, self._limits)
        return self._image

    def release(self) -> None:
        """Free a PDF page's rendered image (:meth:`image` renders it again if asked: it
        raised "Operation on closed image" after recognition); an image file's frame stays,
        freed with the page."""
        if self._pdf_page is not None and self._image is not None:
            self._image.close()
            self._image = None

    def text_layer(self, page_id: int) -> Page | None:
        """The page read from its PDF text layer, or None (not a PDF, no usable text)."""
        if self._pdf_page is None:
            return None
        from ocr_loaders.textlayer import text_layer_page

        return text_layer_page(self._pdf_page, dpi=self._limits.render_dpi, page_id=page_id,
                               cells=self._cells)

    def pictures(self) -> list[tuple[tuple[float, float, float, float], int]]:
        """Where a PDF page shows pictures, as ``(x0, y0, x1, y1)`` in the pixels of
        :meth:`image`, each with the quarter turn (degrees, counterclockwise) that shows it
        upright (none for an image page, nor under a scan's invisible OCR text)."""
        if self._pdf_page is None:
            return []
        from ocr_loaders.pdfpage import display_transform, picture_boxes

        to_box, _, _ = display_transform(self._pdf_page, self._limits.render_dpi / POINTS_PER_INCH)
        rotation = self._pdf_page.get_rotation()
        return [(to_box(*box), round((rotation - angle) / 90) % 4 * 90)
                for box, angle in picture_boxes(self._pdf_page)]

    def text_turn(self) -> int:
        """The quarter turn (degrees, counterclockwise) that shows a PDF page's text upright
        in :meth:`image` (its ``/Rotate`` when the text is level in its own space)."""
        if self._pdf_page is None:
            return 0
        from ocr_loaders.textlayer import shown_turn

        return shown_turn(self._pdf_page)

    def picture_image(self) -> Image.Image:
        """A PDF page rendered as :meth:`image` but without its text: what its pictures show
        (text laid over a picture, such as the lines under a transparent stamp, is the text
        layer's, and would be read into the picture's text)."""
        if self._pdf_page is None:
            return self.image().copy()  # the caller closes it; the page keeps its own
        import pypdfium2.raw as pdfium_c

        texts = list(self._pdf_page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_TEXT,)))
        modes = [pdfium_c.FPDFTextObj_GetTextRenderMode(t.raw) for t in texts]
        try:
            for text in texts:
                pdfium_c.FPDFTextObj_SetTextRenderMode(
                    text.raw, pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE)
            return _render_pdf_page(self._pdf_page, self.number, self._limits)
        finally:
            for text, mode in zip(texts, modes, strict=True):
                pdfium_c.FPDFTextObj_SetTextRenderMode(text.raw, mode)


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
            yield from _iter_pdf_doc_pages(self._pdf, self.page_numbers, self.limits, self.password,
                                           cells=self.format == DocumentFormat.XLSX)
        else:
            for number, image in _iter_image_frames(self.data, self.page_numbers, self.limits):
                yield DocPage(number=number, _image=image)

    def iter_images(self) -> Iterator[tuple[int, Image.Image]]:
        """Yield ``(page_number, RGB image)`` for each selected page, one in memory at a time."""
        if self._pdf is not None:
            yield from _iter_pdf_pages(self._pdf, self.page_numbers, self.limits, self.password)
        else:
            yield from _iter_image_frames(self.data, self.page_numbers, self.limits)


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
    total = _count_pdf_pages(pdf, password) if pdf is not None else _count_frames(data, fmt, limits)
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


# --- images ----------------------------------------------------------------------------------


_DECODE_ERRORS: tuple[type[Exception], ...] = (
    OSError, SyntaxError, ValueError, EOFError, TypeError, KeyError, IndexError,
    ZeroDivisionError, struct.error,
)
"""What Pillow raises on malformed image bytes: besides ``OSError``, its plugins let parsing
errors through as they come (a TIFF cut short inside a frame's tags: ``TypeError: Missing
dimensions`` while counting frames); each means the file is corrupt."""
_FRAME_ERRORS: tuple[type[Exception], ...] = (*_DECODE_ERRORS, Image.DecompressionBombError)


def _open_image(data: bytes, limits: Limits) -> Image.Image:
    if data[4:8] == b"ftyp":
        _register_heif()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        # Pillow refuses images over 2 x PIL.Image.MAX_IMAGE_PIXELS before reading their size
        # out to us; say it in our terms (the header was never decoded past its dimensions)
        found = re.search(r"\((\d+) pixels\)", str(exc))
        pixels = int(found.group(1)) if found else 0
        if pixels > limits.max_pixels:
            raise TooManyPixelsError(
                f"image is {pixels:,} pixels; the limit is {limits.max_pixels:,}"
            ) from None
        raise TooManyPixelsError(
            f"image is {pixels:,} pixels, over Pillow's decompression-bomb cap; raise "
            "PIL.Image.MAX_IMAGE_PIXELS as well as Limits.max_pixels to read it"
        ) from None
    except _DECODE_ERRORS as exc:  # UnidentifiedImageError is an OSError
        raise CorruptDocumentError(f"cannot decode image: {exc}") from None


def _register_heif() -> None:
    import pillow_heif

    pillow_heif.register_heif_opener()


def _count_frames(data: bytes, fmt: DocumentFormat, limits: Limits) -> int:
    image = _open_image(data, limits)
    if fmt is not DocumentFormat.TIFF:
        return 1
    try:
        return int(getattr(image, "n_frames", 1))
    except _DECODE_ERRORS as exc:
        raise CorruptDocumentError(f"cannot read TIFF frames: {exc}") from None


def _check_pixels(width: int, height: int, limits: Limits, page: int) -> None:
    if width * height > limits.max_pixels:
        raise TooManyPixelsError(
            f"page {page} is {width}x{height} = {width * height:,} pixels; "
            f"the limit is {limits.max_pixels:,}"
        )
    if width < 1 or height < 1:
        raise CorruptDocumentError(f"page {page} has no pixels")


def _iter_image_frames(
    data: bytes, numbers: list[int], limits: Limits
) -> Iterator[tuple[int, Image.Image]]:
    image = _open_image(data, limits)
    for number in numbers:
        try:
            image.seek(number - 1)
        except _DECODE_ERRORS as exc:
            raise CorruptDocumentError(f"cannot read frame {number}: {exc}") from None
        _check_pixels(image.width, image.height, limits, number)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                frame = image.copy()
                frame.load()
                frame = ImageOps.exif_transpose(frame) or frame
                yield number, to_rgb(frame)
        except _FRAME_ERRORS as exc:
            raise CorruptDocumentError(f"cannot decode page {number}: {exc}") from None


# --- PDF -------------------------------------------------------------------------------------


def _open_pdf(pdf: bytes, password: str | None) -> Any:
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(pdf, password=password)
    except pdfium.PdfiumError as exc:
        msg = str(exc)
        if "password" in msg.lower() or "security" in msg.lower():
            hint = "wrong password" if password else "pass password=..."
            raise EncryptedDocumentError(f"PDF is encrypted ({hint})") from None
        if "Success" in msg:
            # pdfium refused the file without saying why (its error code is stale: a PDF
            # whose page tree is empty gives "Success" or "Data format error" in turn)
            raise CorruptDocumentError("cannot open PDF: no pages, or a damaged page tree"
                                       ) from None
        raise CorruptDocumentError(f"cannot open PDF: {msg}") from None


def _count_pdf_pages(pdf: bytes, password: str | None) -> int:
    doc = _open_pdf(pdf, password)
    try:
        return len(doc)
    finally:
        doc.close()


def pdf_page_pixels(width_pt: float, height_pt: float, dpi: int) -> tuple[int, int]:
    """Pixel size of a PDF page of the given size in points at ``dpi``."""
    scale = dpi / POINTS_PER_INCH
    return max(1, round(width_pt * scale)), max(1, round(height_pt * scale))


def _render_pdf_page(page: Any, number: int, limits: Limits) -> Image.Image:
    import pypdfium2 as pdfium

    try:
        bitmap = page.render(scale=limits.render_dpi / POINTS_PER_INCH)
        return to_rgb(bitmap.to_pil())
    except pdfium.PdfiumError as exc:
        raise CorruptDocumentError(f"cannot render PDF page {number}: {exc}") from None


def _iter_pdf_doc_pages(
    pdf: bytes, numbers: list[int], limits: Limits, password: str | None, *, cells: bool = False
) -> Iterator[DocPage]:
    import pypdfium2 as pdfium

    doc = _open_pdf(pdf, password)
    try:
        # a form environment before any page is loaded: it makes the appearance of fields
        # that have only a value (``NeedAppearances``), for ``_with_annotations_flattened``
        with contextlib.suppress(pdfium.PdfiumError):
            doc.init_forms()
        for number in numbers:
            try:
                page = _with_annotations_flattened(doc, doc[number - 1], number)
            except pdfium.PdfiumError as exc:
                raise CorruptDocumentError(f"cannot read PDF page {number}: {exc}") from None
            try:
                w_pt, h_pt = page.get_size()
                _check_pixels(*pdf_page_pixels(w_pt, h_pt, limits.pixel_dpi), limits, number)
                yield DocPage(number=number, _pdf_page=page, _limits=limits, _cells=cells)
            finally:
                page.close()
    finally:
        doc.close()


def _with_annotations_flattened(doc: Any, page: Any, number: int) -> Any:
    """The page with what its annotations show (filled-in form fields, typed-in text, stamps)
    made part of its content, as a viewer shows it, or the page itself when it has none.

    The text layer holds page content only, and pdfium draws no form field without a form
    environment: a filled form's values were neither read from the layer nor seen by OCR.
    Flattening writes the fields' appearances (made from their values by the document's
    form environment where the file has none) into the page, so both read them; the
    document in memory changes, not the file.
    """
    import pypdfium2.raw as pdfium_c

    if pdfium_c.FPDFPage_GetAnnotCount(page.raw) <= 0:
        return page
    done = pdfium_c.FPDFPage_Flatten(page.raw, pdfium_c.FLAT_NORMALDISPLAY)
    if done != pdfium_c.FLATTEN_SUCCESS:
        return page
    page.close()  # flattening invalidates the page's handle: load it again
    return doc[number - 1]


def _iter_pdf_pages(
    pdf: bytes, numbers: list[int], limits: Limits, password: str | None
) -> Iterator[tuple[int, Image.Image]]:
    for page in _iter_pdf_doc_pages(pdf, numbers, limits, password):
        yield page.number, page.image()


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
