"""Text inside the pictures of born-digital pages: OCR'd and merged into the text layer."""

from __future__ import annotations

import io

import pytest

from ocr_loaders.engines.local import LocalEngine
from ocr_loaders.engines.pictures import (
    BACKGROUND_LAYER_CHARS,
    MAX_PICTURES,
    merge_pictures,
    pictures_to_read,
)
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
    (((region, turn),),) = [dp.pictures() for dp in open_document(data).iter_pages()]
    assert turn == 0
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
    ((inner, angle),) = picture_boxes(src[0])
    assert angle == 0
    dst = pdfium.PdfDocument.new()
    page = dst.new_page(800, 800)
    form = pdfium_c.FPDF_NewFormObjectFromXObject(
        pdfium_c.FPDF_NewXObjectFromPage(dst.raw, src.raw, 0))
    pdfium_c.FPDFPageObj_Transform(form, 0.5, 0, 0, 0.5, 100, 50)
    pdfium_c.FPDFPage_InsertObject(page.raw, form)
    assert pdfium_c.FPDFPage_GenerateContent(page.raw)
    ((placed, angle),) = picture_boxes(page)
    assert angle == 0
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
    layer word (text under the figure) is left out."""
    layer = _page([
        [_word(0, "left-one", 50, 100, 400, 130)],
        [_word(1, "left-two", 50, 500, 400, 530)],
        [_word(2, "right-one", 550, 100, 900, 130)],
        [_word(3, "caption", 600, 320, 700, 340)],
        [_word(4, "right-two", 550, 500, 900, 530)],
    ])
    reading = _page([  # boxes in page pixels
        [_word(0, "Figure", 560, 220, 660, 250, 0.9), _word(1, "text", 670, 220, 740, 250, 0.8)],
        [_word(2, "caption", 602, 321, 698, 339, 0.9)],  # over the layer's "caption"
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
    closing = _page([[_word(0, "Closing", 50, 600, 200, 630, 0.9)]])
    merged = merge_pictures(layer, [((40, 590, 400, 700), closing)])
    assert merged.text.split("\n")[:3] == ["left-one", "left-two", "Closing"]


def test_picture_lines_in_sentences_and_table_rows() -> None:
    """A picture inside a sentence joins its line where it stands; a picture in a table's
    right cell follows its row's text (it went inside the left cell's lines); pictures of
    many rows read as one region still go row by row."""
    sentence = _page([[_word(0, "The", 50, 100, 100, 130), _word(1, "part", 110, 100, 160, 130),
                       _word(2, "ships", 300, 100, 360, 130)]])
    inline = _page([[_word(0, "ZETA-9", 170, 98, 290, 132, 0.9)]])
    merged = merge_pictures(sentence, [((165, 95, 295, 135), inline)])
    assert merged.text == "The part ZETA-9 ships"
    assert [w.text for w in merged.words] == ["The", "part", "ZETA-9", "ships"]
    # the same page shown upside down (/Rotate 180): boxes in the shown image, order upright
    upside = _page([[_word(0, "The", 900, 870, 950, 900), _word(1, "part", 840, 870, 890, 900),
                     _word(2, "ships", 640, 870, 700, 900)]])
    picture = _page([[_word(0, "ZETA-9", 710, 868, 830, 902, 0.9)]])
    merged = merge_pictures(upside, [((705, 865, 835, 905), picture)], turn=180)
    assert merged.text == "The part ZETA-9 ships"
    cell = _page([[_word(0, "Left-one", 50, 100, 300, 130)],
                  [_word(1, "Left-two", 50, 150, 300, 180)],
                  [_word(2, "Left-three", 50, 200, 300, 230)],
                  [_word(3, "After", 50, 300, 200, 330)]])
    picture = _page([[_word(0, "Quarterly", 500, 140, 700, 190, 0.9)]])
    merged = merge_pictures(cell, [((480, 100, 900, 240), picture)])
    assert merged.text.split("\n") == ["Left-one", "Left-two", "Quarterly", "Left-three",
                                        "After"]
    rows = _page([[_word(k, f"Item-{k}", 50, 100 + 60 * k, 300, 130 + 60 * k)]
                  for k in range(3)])
    codes = _page([[_word(k, f"CODE-{k}", 500, 100 + 60 * k, 700, 130 + 60 * k, 0.9)]
                   for k in range(3)])
    merged = merge_pictures(rows, [((480, 90, 720, 270), codes)])
    assert merged.text.split("\n") == ["Item-0", "CODE-0", "Item-1", "CODE-1", "Item-2",
                                        "CODE-2"]


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
    tiny = ((10, 10, 20, 300), 0)  # a rule: 10 px wide
    tiles = [((100, 100 + 50 * k, 600, 150 + 50 * k), 0) for k in range(3)]  # in strips
    other = ((700, 700, 900, 800), 90)
    off_page = ((-50, 900, 1200, 1100), 0)
    assert pictures_to_read([other, tiny, *tiles, off_page], 1000, 1000) == [
        ((100, 100, 600, 250), 0), ((700, 700, 900, 800), 90), ((0, 900, 1000, 1000), 0)]
    icons = [((40 * k, 0, 40 * k + 20, 20), 0) for k in range(MAX_PICTURES + 1)]
    assert pictures_to_read(icons, 1000, 1000) == [((0, 0, 40 * MAX_PICTURES + 20, 20), 0)]
    # a picture over most of a page full of text is its background (or a scan the layer
    # holds): not read; on a page with a stamp's worth of text, it is read
    background = ((0, 0, 1000, 900), 0)
    assert pictures_to_read([background], 1000, 1000, layer_chars=BACKGROUND_LAYER_CHARS) == []
    assert pictures_to_read([background], 1000, 1000, layer_chars=14) == [background]


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_pictures_on_pages_shown_turned(engine: LocalEngine, rotation: int) -> None:
    """A page shown turned by its ``/Rotate``: its picture is turned upright before OCR
    (upside down it read as junk), its lines go between the paragraphs around it (they
    came after them), and its boxes lie on its ink in the page as rendered."""
    import numpy as np

    from ocr_loaders.inputs import DocumentFormat, Limits
    from ocr_loaders.office import convert_to_pdf
    from tests.test_office import _turned

    pdf = convert_to_pdf(_docx_with_picture(["INVOICE NO 2024-0042"]), DocumentFormat.DOCX,
                         limits=Limits())
    data = _turned(pdf, rotation)
    page = engine.recognize(data).pages[0]
    assert page.text == "Text before the picture\nINVOICE NO 2024-0042\nText after the picture"
    (image,) = [dp.image() for dp in open_document(data).iter_pages()]
    ink = np.asarray(image.convert("L")) < 128
    for word in page.words[4:-4]:
        x0, y0, x1, y1 = word.bounding_box.rect()
        assert ink[y0:y1, x0:x1].mean() > 0.05, (word.text, rotation)


def test_text_laid_over_a_picture_is_not_read_into_it(engine: LocalEngine) -> None:
    """Text drawn over a picture (the lines under a transparent stamp) is the layer's: the
    picture is read from the page rendered without it (it read ``D D ROVED``)."""
    stamp = docgen.pdf_from_images([docgen.render_lines(["APPROVED"], size=90, width=900)],
                                   dpi=150)
    # a sentence across the stamp's letters (the page is 432 x 111 points)
    data = docgen.with_text(stamp, "Terms of this agreement apply",
                            at=(10, 45), size=22)
    page = engine.recognize(data).pages[0]
    assert sorted(page.text.split("\n")) == [
        "APPROVED", "Terms of this agreement apply"], page.text
