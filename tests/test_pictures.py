"""Text inside the pictures of born-digital pages: OCR'd and merged into the text layer."""

from __future__ import annotations

import io

import pytest

from ocr_loaders.engines.local import LocalEngine
from ocr_loaders.engines.pictures import MAX_PICTURES, merge_pictures, pictures_to_read
from ocr_loaders.inputs import open_document
from ocr_loaders.models import BoundingBox, Page, Word
from ocr_loaders.pdfpage import picture_boxes
from tests import docgen


def _docx_with_picture(picture_lines: list[str]) -> bytes:
    import docx
    from docx.shared import Inches

    doc = docx.Document()
    doc.add_paragraph("Text before the picture")
    png = io.BytesIO(docgen.image_bytes(
        docgen.render_lines(picture_lines, size=40, width=900), "PNG"))
    doc.add_picture(png, width=Inches(4))
    doc.add_paragraph("Text after the picture")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _scan(lines: list[str]) -> bytes:
    return docgen.pdf_from_images([docgen.render_lines(lines, size=40)], dpi=150)


def test_text_inside_a_word_picture_is_read_in_place(engine: LocalEngine) -> None:
    """A DOCX with a picture of text between two paragraphs: the layer has the paragraphs,
    OCR reads the picture, and its lines come between them with boxes on the picture."""
    data = _docx_with_picture(["Quarterly revenue 4,250", "Picture text only"])
    page = engine.recognize(data).pages[0]
    assert page.text == ("Text before the picture\nQuarterly revenue 4,250\n"
                         "Picture text only\nText after the picture")
    assert [w.id for w in page.words] == list(range(len(page.words)))
    assert [w.text for w in page.words] == page.text.split()
    ((region,),) = [dp.pictures() for dp in open_document(data).iter_pages()]
    read = page.words[4:-4]  # between the paragraphs' four words each
    assert [w.text for w in read] == ["Quarterly", "revenue", "4,250", "Picture", "text", "only"]
    for word in read:
        x0, y0, x1, y1 = word.bounding_box.rect()
        assert region[0] - 2 <= x0 < x1 <= region[2] + 2, (word.text, region)
        assert region[1] - 2 <= y0 < y1 <= region[3] + 2, (word.text, region)
    assert 0.9 < page.confidence < 1.0
    layer_only = LocalEngine(read_pictures=False).recognize(data).pages[0]
    assert layer_only.text == "Text before the picture\nText after the picture"
    assert layer_only.confidence == 1.0


def test_a_scan_with_a_stamped_number_is_read_whole(engine: LocalEngine) -> None:
    """A scan with a visible text stamp (a Bates number, "COPY 000123") has a text layer of
    the stamp alone: the scan under it used to be lost; now it is OCR'd."""
    data = docgen.with_text(_scan(["Scanned invoice 1234", "Amount due 99"]),
                            "EXHIBIT-000123", at=(450, 20))
    page = engine.recognize(data).pages[0]
    lines = page.text.split("\n")
    assert lines[-1] == "EXHIBIT-000123", page.text  # at the page's bottom
    assert docgen.cer("\n".join(lines[:-1]), "Scanned invoice 1234\nAmount due 99") < 0.1
    stamp = [w for w in page.words if w.text == "EXHIBIT-000123"]
    assert len(stamp) == 1 and stamp[0].confidence == 1.0


def test_a_searchable_scan_is_not_read_twice(engine: LocalEngine) -> None:
    """A scan carrying its OCR text invisibly (OCRmyPDF, Acrobat) is read from that layer
    alone: its picture is not OCR'd again."""
    text = "Scanned invoice 1234"
    data = docgen.with_text(_scan([text]), text, at=(24, 60), size=19, invisible=True)
    assert [dp.pictures() for dp in open_document(data).iter_pages()] == [[]]
    page = engine.recognize(data).pages[0]
    assert page.text == text and page.confidence == 1.0
    # the same text drawn visibly over the picture: the picture is read, nothing twice
    visible = docgen.with_text(_scan([text]), text, at=(24, 60), size=19)
    assert [len(dp.pictures()) for dp in open_document(visible).iter_pages()] == [1]


def test_pictures_inside_form_objects_are_placed_on_the_page() -> None:
    """pdfium gives a form's children their bounds in the form's space: a picture inside a
    form drawn at half size, moved by (100, 50), is found where the page shows it."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    src = pdfium.PdfDocument(_scan(["Inner picture"]))
    (inner,) = picture_boxes(src[0])
    dst = pdfium.PdfDocument.new()
    page = dst.new_page(800, 800)
    form = pdfium_c.FPDF_NewFormObjectFromXObject(
        pdfium_c.FPDF_NewXObjectFromPage(dst.raw, src.raw, 0))
    pdfium_c.FPDFPageObj_Transform(form, 0.5, 0, 0, 0.5, 100, 50)
    pdfium_c.FPDFPage_InsertObject(page.raw, form)
    assert pdfium_c.FPDFPage_GenerateContent(page.raw)
    (placed,) = picture_boxes(page)
    expected = (inner[0] / 2 + 100, inner[1] / 2 + 50, inner[2] / 2 + 100, inner[3] / 2 + 50)
    assert placed == pytest.approx(expected, abs=0.01)


def _word(i: int, text: str, x0: float, y0: float, x1: float, y1: float,
          confidence: float = 1.0) -> Word:
    return Word(bounding_box=BoundingBox.from_rect(x0, y0, x1, y1), confidence=confidence,
                id=i, text=text)


def _page(lines: list[list[Word]], texts: list[str] | None = None) -> Page:
    words = [w for line in lines for w in line]
    text = "\n".join(texts or [" ".join(w.text for w in line) for line in lines])
    return Page(confidence=1.0, height=1000, id=0, text=text, width=1000, words=words)


def test_merged_lines_go_under_their_column_without_words_read_twice() -> None:
    """Two columns; a figure in the right column, above its second line: the figure's lines
    go before that line (not before the left column's lower lines), and an OCR word on a
    layer word (a caption written over the figure) is left out."""
    layer = _page([
        [_word(0, "left-one", 50, 100, 400, 130)],
        [_word(1, "left-two", 50, 500, 400, 530)],
        [_word(2, "right-one", 550, 100, 900, 130)],
        [_word(3, "caption", 600, 320, 700, 340)],
        [_word(4, "right-two", 550, 500, 900, 530)],
    ])
    # read from a crop whose corner is at (540, 200): boxes in the crop's pixels
    reading = _page([
        [_word(0, "Figure", 20, 20, 120, 50, 0.9), _word(1, "text", 130, 20, 200, 50, 0.8)],
        [_word(2, "caption", 62, 121, 158, 139, 0.9)],  # over the layer's "caption"
    ])
    merged = merge_pictures(layer, [((540, 200, 950, 450), reading)])
    assert merged.text.split("\n") == [
        "left-one", "left-two", "right-one", "Figure text", "caption", "right-two"]
    assert [w.id for w in merged.words] == list(range(7))
    figure = merged.words[3]
    assert figure.text == "Figure" and figure.bounding_box.rect() == (560, 220, 660, 250)
    assert merged.confidence == pytest.approx((5 + 0.9 + 0.8) / 7)
    assert merge_pictures(layer, [((540, 200, 950, 450), _page([]))]) == layer
    # a picture closing the left column (no line below it there) follows its last line
    closing = _page([[_word(0, "Closing", 10, 10, 200, 40, 0.9)]])
    merged = merge_pictures(layer, [((40, 590, 400, 700), closing)])
    assert merged.text.split("\n")[:3] == ["left-one", "left-two", "Closing"]


def test_partly_known_lines_keep_their_own_spacing() -> None:
    """A CJK line written without spaces keeps them out when a word in it is left out;
    where words were left out one space stands."""
    layer = _page([[_word(0, "表", 300, 100, 330, 130)]])
    reading = _page([[_word(0, "売", 0, 0, 30, 30, 0.9), _word(1, "上", 30, 0, 60, 30, 0.9),
                      _word(2, "表", 300, 100, 330, 130, 0.9),
                      _word(3, "高", 400, 0, 430, 30, 0.9)]], texts=["売上 表 高"])
    merged = merge_pictures(layer, [((0, 0, 500, 200), reading)])
    assert merged.text.split("\n") == ["売上 高", "表"]


def test_which_pictures_are_read() -> None:
    tiny = (10, 10, 20, 300)  # a rule: 10 px wide
    tiles = [(100, 100 + 50 * k, 600, 150 + 50 * k) for k in range(3)]  # a picture in strips
    other = (700, 700, 900, 800)
    off_page = (-50, 900, 1200, 1100)
    assert pictures_to_read([other, tiny, *tiles, off_page], 1000, 1000) == [
        (100, 100, 600, 250), (700, 700, 900, 800), (0, 900, 1000, 1000)]
    icons = [(40 * k, 0, 40 * k + 20, 20) for k in range(MAX_PICTURES + 1)]
    assert pictures_to_read(icons, 1000, 1000) == [(0, 0, 40 * MAX_PICTURES + 20, 20)]
