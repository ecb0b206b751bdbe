"""Format sniffing, limits, rasterisation and every typed input error, on real generated files."""

from __future__ import annotations

import contextlib
import io
import os
import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from ocr_loaders.errors import (
    CorruptDocumentError,
    DocumentTooLargeError,
    EncryptedDocumentError,
    InputError,
    PageRangeError,
    TooManyPixelsError,
    UnsupportedFormatError,
)
from ocr_loaders.inputs import DocumentFormat, Limits, open_document, parse_page_spec, sniff_format
from tests import docgen
from tests.hostile import png_declaring


@pytest.fixture(scope="module")
def page() -> Image.Image:
    return docgen.render_lines(["Hello world"], size=30, width=500)


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("JPEG", DocumentFormat.JPEG),
        ("PNG", DocumentFormat.PNG),
        ("BMP", DocumentFormat.BMP),
        ("TIFF", DocumentFormat.TIFF),
        ("HEIC", DocumentFormat.HEIC),
        ("PDF", DocumentFormat.PDF),
    ],
)
def test_sniffs_images_and_pdf(page: Image.Image, fmt: str, expected: DocumentFormat) -> None:
    data = docgen.image_bytes(page, fmt)
    assert sniff_format(data) is expected
    doc = open_document(data)
    ((number, image),) = list(doc.iter_images())
    assert number == 1 and image.mode == "RGB"
    assert doc.format is expected


def test_sniffs_office_formats() -> None:
    assert sniff_format(docgen.docx_bytes(["x"])) is DocumentFormat.DOCX
    assert sniff_format(docgen.pptx_bytes("t", "b")) is DocumentFormat.PPTX
    assert sniff_format(docgen.xlsx_bytes([["a"]])) is DocumentFormat.XLSX


def test_wrong_extension_still_works(tmp_path, page: Image.Image) -> None:
    path = tmp_path / "really_a_png.pdf"
    path.write_bytes(docgen.image_bytes(page, "PNG"))
    assert open_document(path).format is DocumentFormat.PNG


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", CorruptDocumentError),
        (b"hello, plain text\n", UnsupportedFormatError),
        (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", UnsupportedFormatError),
        (b"<html><body>hi</body></html>", UnsupportedFormatError),
        (b"PK\x03\x04not really a zip", CorruptDocumentError),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, CorruptDocumentError),
        (b"%PDF-1.7\n garbage", CorruptDocumentError),
    ],
)
def test_bad_bytes_give_typed_errors(data: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        open_document(data)


def test_a_pdf_without_pages_says_so() -> None:
    """pdfium refuses a PDF whose page tree is empty with a stale error code, "(PDFium:
    Success)" or "Data format error" (whichever came last): never "Success"."""
    import pikepdf

    out = io.BytesIO()
    pikepdf.new().save(out)
    for _ in range(3):
        with pytest.raises(CorruptDocumentError, match="cannot open PDF") as info:
            open_document(out.getvalue())
        assert "Success" not in str(info.value)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "BMP", "TIFF", "PDF", "HEIC"])
def test_truncated_files_give_typed_errors(page: Image.Image, fmt: str) -> None:
    data = docgen.image_bytes(page, fmt)
    with pytest.raises(InputError):
        list(open_document(data[: len(data) // 3]).iter_images())


def test_a_multi_frame_tiff_cut_anywhere_is_read_or_refused_as_corrupt() -> None:
    # Pillow's TIFF plugin lets parsing errors through as they come (a cut inside a later
    # frame's tags gave ``TypeError: Missing dimensions`` while counting the frames)
    frames = [docgen.render_lines([f"Frame {i}"], width=300) for i in range(3)]
    data = docgen.multi_frame_tiff(frames)
    outcomes = set()
    for cut in range(8, len(data), max(len(data) // 150, 1)):
        try:
            pages = list(open_document(data[:cut]).iter_images())
        except InputError as exc:
            outcomes.add(type(exc).__name__)
        else:
            outcomes.add(f"{len(pages)} pages")
    assert "CorruptDocumentError" in outcomes


def test_file_over_size_limit(tmp_path, page: Image.Image) -> None:
    data = docgen.image_bytes(page, "PNG")
    limits = Limits(max_file_bytes=len(data) - 1)
    path = tmp_path / "big.png"
    path.write_bytes(data)
    for source in (data, path, io.BytesIO(data)):
        with pytest.raises(DocumentTooLargeError, match="limit"):
            open_document(source, limits=limits)


def test_path_to_a_pipe_is_read_only_up_to_the_size_limit(tmp_path) -> None:
    """A path whose size stat cannot tell (a FIFO, /dev/stdin, /dev/zero: st_size 0) was read
    whole before the size check: unbounded memory, a MemoryError on /dev/zero, a hang while
    the writer keeps the pipe open. It is read one byte past the limit, like a file object."""
    import threading
    import time

    limits = Limits(max_file_bytes=10_000)
    fifo = tmp_path / "doc.png"
    os.mkfifo(fifo)
    release = threading.Event()

    def writer() -> None:
        with open(fifo, "wb") as out:
            out.write(b"\x89PNG\r\n\x1a\n" + b"\0" * 50_000)
            out.flush()
            release.wait(10)  # a producer that has more to send

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    start = time.monotonic()
    try:
        with pytest.raises(DocumentTooLargeError, match="limit"):
            open_document(fifo, limits=limits)
        assert time.monotonic() - start < 5
    finally:
        release.set()
        thread.join(10)


def test_png_declaring_billions_of_pixels_is_refused_before_decoding() -> None:
    with pytest.raises(TooManyPixelsError):
        list(open_document(png_declaring(100_000, 100_000)).iter_images())


def test_page_over_pixel_limit(page: Image.Image) -> None:
    with pytest.raises(TooManyPixelsError, match="pixels"):
        list(open_document(docgen.image_bytes(page, "PNG"),
                           limits=Limits(max_pixels=1000)).iter_images())


def test_pdf_pixels_counted_at_300_dpi() -> None:
    # A 200x100 inch page is 60000x30000 pixels at 300 DPI: over 100 M.
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    pdf.new_page(200 * 72, 100 * 72)
    buf = io.BytesIO()
    pdf.save(buf)
    with pytest.raises(TooManyPixelsError):
        list(open_document(buf.getvalue()).iter_images())


def test_tiff_every_frame_is_a_page() -> None:
    frames = [docgen.render_lines([f"Frame {i}"], width=400) for i in range(3)]
    doc = open_document(docgen.multi_frame_tiff(frames))
    assert doc.total_pages == 3
    assert [n for n, _ in doc.iter_images()] == [1, 2, 3]


def test_more_than_30_pages_processes_the_first_30_and_reports_total() -> None:
    pages = [Image.new("RGB", (60, 80), "white") for _ in range(35)]
    doc = open_document(docgen.pdf_from_images(pages, dpi=72))
    assert doc.total_pages == 35
    assert doc.page_numbers == list(range(1, 31))
    assert len(list(doc.iter_images())) == 30


def test_pdf_rendered_at_300_dpi() -> None:
    pdf = docgen.pdf_from_images([Image.new("RGB", (144, 72), "white")], dpi=72)  # 2x1 inch
    ((_, image),) = list(open_document(pdf).iter_images())
    assert image.size == (600, 300)


def test_page_selection() -> None:
    pages = [Image.new("RGB", (60, 80), "white") for _ in range(5)]
    doc = open_document(docgen.pdf_from_images(pages, dpi=72), pages="2,4-5")
    assert doc.page_numbers == [2, 4, 5]
    with pytest.raises(PageRangeError):
        open_document(docgen.pdf_from_images(pages, dpi=72), pages="9")
    with pytest.raises(PageRangeError):
        parse_page_spec("a-b")
    with pytest.raises(PageRangeError, match="'3-1': it ends before it starts"):
        parse_page_spec("1, 3-1")  # not "pages are 1-based"
    assert parse_page_spec([3, 1, 3]) == [1, 3]


def test_huge_page_range_is_refused_at_once() -> None:
    """A range is expanded into page numbers: '1-1000000000' (an agent's tool call, a typo)
    used to build a billion-int set (minutes and tens of GB) before any check. No document
    can have pages beyond PDFium's 0xFFFFF, so such a selection is a PageRangeError at once."""
    pages = [Image.new("RGB", (60, 80), "white") for _ in range(2)]
    for spec in ("1-1000000000", "2,99999999999", [1, 10**12]):
        with pytest.raises(PageRangeError, match="does not exist"):
            parse_page_spec(spec)
    with pytest.raises(PageRangeError, match="does not exist"):
        open_document(docgen.pdf_from_images(pages, dpi=72), pages="1-4000000000")
    assert parse_page_spec("1048570-1048575")[-1] == 0xFFFFF


def test_encrypted_pdf() -> None:
    data = docgen.encrypted_pdf("s3cret")
    with pytest.raises(EncryptedDocumentError, match="password"):
        open_document(data)
    with pytest.raises(EncryptedDocumentError, match="wrong password"):
        open_document(data, password="nope")
    doc = open_document(data, password="s3cret")
    assert len(list(doc.iter_images())) == 1


def test_pdf_error_does_not_depend_on_the_pdf_before() -> None:
    """pdfium's last error is stale when a PDF fails to load without one (an empty page
    tree): right after an encrypted PDF, such a file was reported as encrypted."""
    import pikepdf

    buf = io.BytesIO()
    pikepdf.new().save(buf)  # no pages at all
    empty = buf.getvalue()
    for before in (docgen.encrypted_pdf("s3cret"), empty, b"%PDF-1.7\n1 0 obj"):
        with contextlib.suppress(InputError):
            open_document(before)
        with pytest.raises(CorruptDocumentError):  # (its message may be pdfium's stale one)
            open_document(empty)
    with pytest.raises(EncryptedDocumentError):
        open_document(docgen.encrypted_pdf("s3cret"))


def test_password_protected_office_file_is_an_encrypted_document() -> None:
    """A DOCX/XLSX/PPTX saved with a password is an OLE file (EncryptionInfo and
    EncryptedPackage streams), not a zip; the fixture is an XLSX encrypted with the password
    "secret" by msoffcrypto-tool. A legacy binary Office file stays unsupported, with a hint."""
    data = (Path(__file__).parent / "fixtures" / "password_protected.xlsx").read_bytes()
    with pytest.raises(EncryptedDocumentError, match="password-protected"):
        open_document(data)
    legacy = data.replace("EncryptedPackage".encode("utf-16-le"), b"\0" * 32)
    with pytest.raises(UnsupportedFormatError, match="legacy DOC, XLS or PPT"):
        open_document(legacy)


@pytest.mark.parametrize("mode", ["1", "L", "P", "RGBA", "CMYK", "I;16", "LA", "I", "F"])
def test_odd_image_modes_convert_to_rgb_keeping_ink(mode: str) -> None:
    base = Image.new("L", (40, 20), 255)
    base.paste(0, (10, 5, 30, 15))
    if mode == "I;16":
        img = Image.frombytes("I;16", base.size, bytes(
            b for v in base.getdata() for b in struct.pack("<H", v * 257)))
    elif mode == "RGBA":
        img = base.convert("RGBA")
        img.putalpha(Image.new("L", base.size, 255))
    else:
        img = base.convert(mode)
    fmt = "TIFF" if mode in ("I;16", "CMYK", "I", "F", "LA") else "PNG"
    ((_, out),) = list(open_document(docgen.image_bytes(img, fmt)).iter_images())
    assert out.mode == "RGB"
    assert out.getpixel((20, 10))[0] < 60  # ink stays dark
    assert out.getpixel((2, 2))[0] > 200  # paper stays light


@pytest.mark.parametrize("kind", ["float 0..1", "10-bit in 16", "12-bit in 16"])
def test_float_and_few_bit_samples_keep_their_paper_white(kind: str) -> None:
    """A float TIFF on the 0..1 scale came out all black and 10-bit samples in a 16-bit
    PNG (paper at 1023) at 3 of 255: either page then read as empty, with no error."""
    import numpy as np

    page = np.full((20, 40), 255, dtype=np.uint32)
    page[5:15, 10:30] = 0
    if kind == "float 0..1":
        img = Image.fromarray((page / 255.0).astype(np.float32))
        data = docgen.image_bytes(img, "TIFF")
    else:
        top = 1023 if kind.startswith("10") else 4095
        img = Image.fromarray((page * top // 255).astype(np.uint16))
        data = docgen.image_bytes(img, "PNG")
    ((_, out),) = list(open_document(data).iter_images())
    assert out.getpixel((20, 10))[0] < 60  # ink stays dark
    assert out.getpixel((2, 2))[0] > 200  # paper stays light


def test_transparent_png_composited_on_white() -> None:
    img = Image.new("RGBA", (20, 20), (0, 0, 0, 0))
    ((_, out),) = list(open_document(docgen.image_bytes(img, "PNG")).iter_images())
    assert out.getpixel((5, 5)) == (255, 255, 255)


def test_exif_orientation_applied() -> None:
    img = Image.new("RGB", (40, 20), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 CW on display
    data = docgen.image_bytes(img, "JPEG", exif=exif.tobytes())
    ((_, out),) = list(open_document(data).iter_images())
    assert out.size == (20, 40)


def test_tiny_and_strip_images() -> None:
    for size in ((1, 1), (20000, 60)):
        ((_, out),) = list(
            open_document(docgen.image_bytes(Image.new("L", size, 255), "PNG")).iter_images()
        )
        assert out.size == size


def test_missing_file_and_directory(tmp_path) -> None:
    with pytest.raises(InputError, match="not found"):
        open_document(tmp_path / "nope.png")
    with pytest.raises(InputError, match="directory"):
        open_document(tmp_path)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=64))
def test_sniffing_random_bytes_never_crashes(data: bytes) -> None:
    with contextlib.suppress(InputError):
        sniff_format(data)


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=1, max_size=256), st.sampled_from(["JPEG", "PNG", "BMP", "TIFF"]))
def test_magic_plus_random_bytes_gives_typed_error_or_image(data: bytes, fmt: str) -> None:
    magic = {"JPEG": b"\xff\xd8\xff", "PNG": b"\x89PNG\r\n\x1a\n", "BMP": b"BM" + b"\0" * 24,
             "TIFF": b"II*\x00"}[fmt]
    try:
        for _, img in open_document(magic + data).iter_images():
            assert img.mode == "RGB"
    except InputError:
        pass


def test_os_error_paths_have_no_traceback_noise(tmp_path) -> None:
    path = tmp_path / "unreadable.png"
    path.write_bytes(b"x")
    os.chmod(path, 0)
    if os.geteuid() == 0:
        pytest.skip("root can read any file")
    with pytest.raises(InputError):
        open_document(path)


def test_image_only_pdf_has_no_text_layer(page: Image.Image) -> None:
    doc = open_document(docgen.pdf_from_images([page]))
    layers = [dp.text_layer(0) for dp in doc.iter_pages()]  # pages are open while iterated
    assert layers == [None]


def test_short_text_layer_is_used_unless_the_page_is_a_scan(page: Image.Image) -> None:
    """A text layer of a few characters is all a page without images says (a spreadsheet's
    one cell): it is read. On a scanned page it is a stamp or a page number: OCR reads the
    page instead."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    blank = Image.new("RGB", page.size, "white")
    plain = open_document(docgen.with_text(docgen.pdf_from_images([blank]), "Total 42"))
    # the same page without its (white) image: only the text object is left
    doc = pdfium.PdfDocument(docgen.with_text(docgen.pdf_from_images([blank]), "Total 42"))
    first = doc[0]
    for obj in list(first.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,))):
        first.remove_obj(obj)
    first.gen_content()
    out = io.BytesIO()
    doc.save(out)
    text_only = open_document(out.getvalue())
    layers = [dp.text_layer(0) for dp in text_only.iter_pages()]
    assert layers[0] is not None and layers[0].text == "Total 42"
    assert [w.text for w in layers[0].words] == ["Total", "42"]
    scanned = [dp.text_layer(0) for dp in plain.iter_pages()]
    assert scanned == [None]
    # text turned into outlines (filled paths) with a real page number: OCR reads the page;
    # a stroked frame is no such thing
    for fill, expected in ((pdfium_c.FPDF_FILLMODE_WINDING, None), (0, "Total 42")):
        shaped = pdfium.PdfDocument(out.getvalue())
        shaped_page = shaped[0]  # held: the page must outlive the calls on its handle
        path = pdfium_c.FPDFPageObj_CreateNewRect(100, 100, 200, 50)
        assert pdfium_c.FPDFPath_SetDrawMode(path, fill, 1)
        pdfium_c.FPDFPage_InsertObject(shaped_page.raw, path)
        assert pdfium_c.FPDFPage_GenerateContent(shaped_page.raw)
        buf = io.BytesIO()
        shaped.save(buf)
        (layer,) = [dp.text_layer(0) for dp in open_document(buf.getvalue()).iter_pages()]
        assert (layer.text if layer else None) == expected


def test_filled_pdf_form_fields_are_read_and_drawn() -> None:
    """Filled-in form fields (widget annotations, not page content) are what a form says:
    the text layer reads only page content, and without a form environment pdfium does not
    draw widgets either, so both the text layer and OCR of the page lost every value."""
    import numpy as np

    data = docgen.filled_form_pdf([("Full name:", "Johnathan Smithers"),
                                   ("Plate number:", "KX-4471-ZB")])
    pages = open_document(data).iter_pages()
    doc_page = next(pages)
    page = doc_page.text_layer(0)
    assert page is not None
    assert "Johnathan Smithers" in page.text and "KX-4471-ZB" in page.text
    smithers = next(w for w in page.words if w.text == "Smithers")
    x0, y0, x1, y1 = smithers.bounding_box.rect()
    scale = 300 / 72  # the field's rectangle, in the pixels of the page rendered at 300 DPI
    assert 160 * scale < x0 < x1 < 400 * scale
    assert (792 - 694) * scale <= y0 < y1 <= (792 - 674) * scale
    ink = np.asarray(doc_page.image().convert("L"))[int(y0):int(y1), int(x0):int(x1)] < 128
    assert ink.mean() > 0.05  # and the value is drawn on the image OCR reads
