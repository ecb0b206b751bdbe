"""PDF documents (and Office files converted to PDF): pages opened one at a time, each a
``DocPage`` that renders on demand and gives its text layer and pictures."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from PIL import Image

from ocr_loaders.errors import CorruptDocumentError, EncryptedDocumentError
from ocr_loaders.images import to_rgb
from ocr_loaders.limits import DEFAULT_LIMITS, POINTS_PER_INCH, Limits, check_pixels
from ocr_loaders.models import Page


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
            self._image = render_pdf_page(self._pdf_page, self.number, self._limits)
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
            return render_pdf_page(self._pdf_page, self.number, self._limits)
        finally:
            for text, mode in zip(texts, modes, strict=True):
                pdfium_c.FPDFTextObj_SetTextRenderMode(text.raw, mode)


def open_pdf(pdf: bytes, password: str | None) -> Any:
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(pdf, password=password)
    except pdfium.PdfiumError as exc:
        msg = str(exc)
        # pdfium's last error is stale when a load fails without one (an empty page tree):
        # after an encrypted PDF it still says "password", so that is believed only of a
        # file that has an encryption dictionary at all (its trailer's /Encrypt key, never
        # inside a compressed object stream)
        locked = "password" in msg.lower() or "security" in msg.lower()
        if locked and b"/Encrypt" in pdf:
            hint = "wrong password" if password else "pass password=..."
            raise EncryptedDocumentError(f"PDF is encrypted ({hint})") from None
        if locked or "Success" in msg:
            # pdfium refused the file without saying why (its error code is stale: a PDF
            # whose page tree is empty gives "Success" or "Data format error" in turn)
            raise CorruptDocumentError("cannot open PDF: no pages, or a damaged page tree"
                                       ) from None
        raise CorruptDocumentError(f"cannot open PDF: {msg}") from None


def pdf_with_pages(pdf: bytes, numbers: Sequence[int]) -> bytes:
    """A new PDF holding only the given 1-based pages of ``pdf``, in that order (pdfium's
    page import: content, resources and annotations of each page come along)."""
    import pypdfium2 as pdfium

    src = open_pdf(pdf, None)
    out = pdfium.PdfDocument.new()
    try:
        out.import_pages(src, [n - 1 for n in numbers])
        buffer = io.BytesIO()
        out.save(buffer)
        return buffer.getvalue()
    except pdfium.PdfiumError as exc:
        raise CorruptDocumentError(f"cannot copy pages of the PDF: {exc}") from None
    finally:
        out.close()
        src.close()


def decrypted_pdf(pdf: bytes, password: str | None) -> bytes:
    """The PDF without its encryption (opened with ``password``; EncryptedDocumentError when
    one is needed and it is missing or wrong), for an API that takes no password. An
    unencrypted PDF comes back as it is.

    The Upstage API answers an encrypted PDF with an error; the embedded engine opens it with
    the user's password, so the remote engine sends it decrypted instead."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    doc = open_pdf(pdf, password)
    try:
        if not _encrypted(doc):
            return pdf
        buffer = io.BytesIO()
        doc.save(buffer, flags=pdfium_c.FPDF_REMOVE_SECURITY)
        return buffer.getvalue()
    except pdfium.PdfiumError as exc:
        raise CorruptDocumentError(f"cannot decrypt the PDF: {exc}") from None
    finally:
        doc.close()


def _encrypted(doc: Any) -> bool:
    """Whether an open PDF has a security handler (revision -1: none)."""
    import pypdfium2.raw as pdfium_c

    return int(pdfium_c.FPDF_GetSecurityHandlerRevision(doc)) != -1


def count_pdf_pages(pdf: bytes, password: str | None) -> int:
    doc = open_pdf(pdf, password)
    try:
        return len(doc)
    finally:
        doc.close()


def pdf_page_pixels(width_pt: float, height_pt: float, dpi: int) -> tuple[int, int]:
    """Pixel size of a PDF page of the given size in points at ``dpi``."""
    scale = dpi / POINTS_PER_INCH
    return max(1, round(width_pt * scale)), max(1, round(height_pt * scale))


def render_pdf_page(page: Any, number: int, limits: Limits) -> Image.Image:
    import pypdfium2 as pdfium

    try:
        bitmap = page.render(scale=limits.render_dpi / POINTS_PER_INCH)
        return to_rgb(bitmap.to_pil())
    except pdfium.PdfiumError as exc:
        raise CorruptDocumentError(f"cannot render PDF page {number}: {exc}") from None


def iter_pdf_doc_pages(
    pdf: bytes, numbers: list[int], limits: Limits, password: str | None, *, cells: bool = False
) -> Iterator[DocPage]:
    import pypdfium2 as pdfium

    doc = open_pdf(pdf, password)
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
                check_pixels(*pdf_page_pixels(w_pt, h_pt, limits.pixel_dpi), limits, number)
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


def iter_pdf_pages(
    pdf: bytes, numbers: list[int], limits: Limits, password: str | None
) -> Iterator[tuple[int, Image.Image]]:
    for page in iter_pdf_doc_pages(pdf, numbers, limits, password):
        yield page.number, page.image()
