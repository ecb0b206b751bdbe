"""DOCX, PPTX and XLSX through LibreOffice, and their failure modes."""

from __future__ import annotations

import io
import shutil
import zipfile

import pytest

from ocr_loaders.errors import ConversionError, CorruptDocumentError, DocumentTooLargeError
from ocr_loaders.inputs import DocumentFormat, Limits, open_document
from tests import docgen

pytestmark = [
    pytest.mark.office,
    pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed"),
]


def test_docx_text_is_read(engine) -> None:
    data = docgen.docx_bytes(["Contract number 4521", "Signed in Seoul"])
    result = engine.recognize(data)
    assert docgen.cer(result.text, "Contract number 4521\nSigned in Seoul") < 0.05, result.text
    assert result.pages[0].width == 2550  # Letter width at 300 DPI


def test_pptx_and_xlsx_are_read(engine) -> None:
    pptx = engine.recognize(docgen.pptx_bytes("Quarterly Review", "Sales doubled"))
    assert "Quarterly" in pptx.text and "doubled" in pptx.text
    xlsx = engine.recognize(docgen.xlsx_bytes([["Item", "Price"], ["Apples", 42]]))
    assert "Apples" in xlsx.text and "42" in xlsx.text


def test_spreadsheet_cells_are_printed_whole(engine) -> None:
    """Calc prints a cell's text clipped at the next filled cell and a number too wide for its
    column as ###: the conversion widens columns to fit (a very long text wraps instead), so
    every cell's text reaches the PDF, on every sheet."""
    long = " ".join(f"clause{i}" for i in range(80))
    data = docgen.xlsx_bytes(
        [["Description", "Qty"], ["cherry tomatoes from the market", 100],
         [long, 7], ["total", 123456789012]],
        widths=(8, 3),
        more_sheets=[[["second sheet notes", "x"]]],
    )
    text = engine.recognize(data).text  # the PDF's text layer: exactly what was printed
    words = text.split()
    for expected in ("Description", "cherry", "tomatoes", "market", "100", "123456789012",
                     "second", "sheet", "notes", *(f"clause{i}" for i in range(80))):
        assert expected in words, (expected, text)
    assert "#" not in text


def test_spreadsheet_rows_keep_their_cells_apart_and_together(engine) -> None:
    """pdfium knows no cells: a right-aligned number ran into the next cell's CJK text
    (``42日本語``), a row came out a line per cell (``Kim`` / ``7`` / ``3`` / ``月``) and one
    cell's two font runs (``3月``: Latin digit, CJK character) were split."""
    data = docgen.xlsx_bytes([["Name", "Age", "Note"], ["Bob", 42, "日本語"], ["Kim", 7, "3月"],
                              ["Alice", "Tokyo 東京", 5], ["Dan", 11, "Paris"],
                              ["Carol", 9, "서울 Seoul"]], widths=(20, 10, 20))
    page = engine.recognize(data).pages[0]
    # cells mixing scripts (two fonts) came after the page's last row, in pdfium's order
    assert page.text == ("Name Age Note\nBob 42 日本語\nKim 7 3月\nAlice Tokyo 東京 5\n"
                         "Dan 11 Paris\nCarol 9 서울 Seoul")
    assert [w.text for w in page.words] == page.text.split()
    x0, _, x1, _ = page.words[4].bounding_box.rect()  # "42" ends before "日本語" starts
    assert x1 <= page.words[5].bounding_box.rect()[0] and x1 - x0 < 100


def test_spreadsheet_merged_cells_are_printed_whole(engine) -> None:
    """A merged cell's text is printed over the merged columns only: Calc's optimal width
    does not count merged cells, so a heading merged over short columns was clipped ("Quarterly
    sales report for the northern region" -> "Quarterly sales report"). Merges are undone
    before the columns are fitted; hidden rows stay hidden."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment

    wb = Workbook()
    ws = wb.active
    ws["A1"] = "Quarterly sales report for the northern region"
    ws.merge_cells("A1:B1")
    ws["C1"] = "Q1"
    ws.append(["ab", "cd", "ef"])
    ws["A3"] = "Merged heading spanning three columns"
    ws.merge_cells("A3:C3")
    long = " ".join(f"note{i}" for i in range(40))
    ws["A5"] = long
    ws["A5"].alignment = Alignment(wrap_text=True)
    ws.merge_cells("A5:A7")
    ws["B5"] = "beside"
    ws["A9"] = "hidden row text"
    ws.row_dimensions[9].hidden = True
    ws["A10"] = "after"
    buf = io.BytesIO()
    wb.save(buf)
    words = engine.recognize(buf.getvalue()).text.split()
    for expected in ("Quarterly", "northern", "region", "Q1", "spanning", "three", "columns",
                     *(f"note{i}" for i in range(40)), "beside", "after"):
        assert expected in words, (expected, words)
    assert "hidden" not in words


def test_office_formats_sniffed_regardless_of_name(tmp_path) -> None:
    path = tmp_path / "slides.png"
    path.write_bytes(docgen.pptx_bytes("A", "B"))
    assert open_document(path).format is DocumentFormat.PPTX


def test_zip_bomb_refused_before_conversion() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", b"\0" * (2 * 1024 * 1024))
    with pytest.raises(DocumentTooLargeError, match="unpacks"):
        open_document(buf.getvalue(), limits=Limits(max_unzipped_bytes=1024 * 1024))


def test_damaged_docx_gives_conversion_error() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/document.xml", "<not really word")
    with pytest.raises((ConversionError, CorruptDocumentError)):
        open_document(buf.getvalue())


def test_missing_libreoffice_is_a_clear_error(monkeypatch) -> None:
    monkeypatch.setenv("OCR_LOADERS_SOFFICE", "/nonexistent/soffice")
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ConversionError, match="LibreOffice"):
        open_document(docgen.docx_bytes(["x"]))


@pytest.mark.parametrize("make", [lambda: docgen.docx_bytes(["slow"]),
                                  lambda: docgen.xlsx_bytes([["slow", 1]])])
def test_conversion_timeout_kills_libreoffice(make) -> None:
    with pytest.raises(ConversionError, match="within"):
        open_document(make(), limits=Limits(conversion_timeout=0.05))


def test_office_text_layer_is_exact_and_ocr_can_be_forced() -> None:
    from ocr_loaders.engines.local import LocalEngine

    lines = ["Contract number 4521", "Signed in Seoul 서울특별시 甲 乙"]
    data = docgen.docx_bytes(lines)
    result = LocalEngine().recognize(data)
    assert result.text == "\n".join(lines)
    page = result.pages[0]
    assert page.confidence == 1.0 and [w.text for w in page.words] == page.text.split()
    x0, y0, x1, y1 = page.words[0].bounding_box.rect()
    assert 0 < x0 < x1 < page.width / 2 and 0 < y0 < y1 < page.height / 4
    forced = LocalEngine(use_text_layer=False).recognize(data)
    assert forced.pages[0].confidence < 1.0
    assert docgen.cer(forced.text, "\n".join(lines)) < 0.1, forced.text
    # the text layer and OCR agree on where the first word is
    fx0, fy0, _fx1, _fy1 = forced.pages[0].words[0].bounding_box.rect()
    assert abs(fx0 - x0) < 15 and abs(fy0 - y0) < 30


def test_letter_spaced_cjk_text_layer_keeps_its_words() -> None:
    """pdfium puts a space between letter-spaced characters: in a letter-spaced CJK line it is
    dropped; real word spaces, which LibreOffice leaves to pdfium too, stay."""
    from ocr_loaders.engines.local import LocalEngine

    data = docgen.docx_bytes(["厚生労働省保険局医療課長", "서울특별시 甲 乙 丙 Contract number"],
                             letter_spaced=[0])
    page = LocalEngine().recognize(data).pages[0]
    assert page.text == "厚生労働省保険局医療課長\n서울특별시 甲 乙 丙 Contract number"
    assert [w.text for w in page.words][:2] == ["厚生労働省保険局医療課長", "서울특별시"]
    x0, _, x1, _ = page.words[0].bounding_box.rect()
    assert x1 - x0 > 12 * 20 * 200 / 72  # the box spans all twelve spaced 20 pt characters


def _turned(pdf: bytes, rotation: int, *, content: tuple[float, ...] | None = None,
            crop: tuple[float, float, float, float] | None = None) -> bytes:
    """``pdf``'s first page with ``/Rotate rotation``; ``content``: its objects transformed by
    that matrix on a page of swapped size (a landscape page stored sideways, as generators
    write them, shown upright by its ``/Rotate``); ``crop``: a crop box off the origin."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    doc = pdfium.PdfDocument(pdf)
    page = doc[0]
    if content is not None:
        for obj in list(page.get_objects(max_depth=1)):
            pdfium_c.FPDFPageObj_Transform(obj.raw, *content)
        width, height = page.get_size()
        page.set_mediabox(0, 0, height, width)
        page.set_cropbox(0, 0, height, width)
    if crop is not None:
        page.set_cropbox(*crop)
    page.set_rotation(rotation)
    page.gen_content()
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


@pytest.mark.parametrize(("rotation", "content", "crop"), [
    (0, None, None), (90, None, None), (180, None, None), (270, None, None),
    (0, None, (50, 300, 560, 760)), (90, None, (50, 300, 560, 760)),
    (90, (0, 1, -1, 0, 792, 0), None), (270, (0, -1, 1, 0, 0, 612), None),
    (0, None, (-100, -100, 700, 900)), (90, None, (-100, 300, 560, 900)),
])
def test_text_layer_boxes_sit_on_the_rendered_words(rotation, content, crop) -> None:
    """Char boxes come in PDF user space; the page is rendered (and OCR'd, and shown) turned
    by its /Rotate and cut to its crop box: every word's box lies on its ink in that image,
    and the page's size is the image's, to the pixel. (Boxes of a landscape page stored
    sideways were upright strips beside the words; a Letter page was 3300 pixels high and
    its image 3301; a crop box reaching past the media box, which pdfium cuts to it, gave a
    page too large and boxes shifted off the words.)"""
    import numpy as np

    from ocr_loaders.office import convert_to_pdf

    lines = ["Contract number 4521", "Signed in Seoul", "Third line here"]
    pdf = convert_to_pdf(docgen.docx_bytes(lines), DocumentFormat.DOCX, limits=Limits())
    doc = open_document(_turned(pdf, rotation, content=content, crop=crop))
    (page, image), = [(dp.text_layer(0), dp.image()) for dp in doc.iter_pages()]
    # in the text's own order, however the page is shown (pdfium reads a page shown
    # sideways across the shown image: /Rotate 90 gave the last line first)
    assert page is not None and page.text.splitlines() == lines
    assert (page.width, page.height) == image.size
    ink = np.asarray(image.convert("L")) < 128
    for word in page.words:
        x0, y0, x1, y1 = word.bounding_box.rect()
        assert 0 <= x0 < x1 <= image.width and 0 <= y0 < y1 <= image.height, word
        assert ink[y0:y1, x0:x1].mean() > 0.1, word  # on the glyphs, not beside them
        if content is not None:  # shown upright: words run across the page
            assert x1 - x0 > y1 - y0, word


def test_text_cut_away_by_the_crop_box_or_a_clip_is_not_read() -> None:
    """Text off the shown page (outside the crop box) or hidden by its clip path (a chart
    printed across a spreadsheet's page break is drawn on both pages, clipped) is not on the
    page: it was read, with boxes outside the image or on empty paper."""
    import ctypes

    import numpy as np
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    from ocr_loaders.office import convert_to_pdf

    lines = ["Contract number 4521", "Signed in Seoul"]
    pdf = convert_to_pdf(docgen.docx_bytes(lines), DocumentFormat.DOCX, limits=Limits())
    doc = pdfium.PdfDocument(pdf)
    page = doc[0]
    for text, x in (("Shown label", 60), ("Clipped label", 400)):
        obj = pdfium_c.FPDFPageObj_NewTextObj(doc.raw, b"Helvetica", ctypes.c_float(20))
        encoded = (text + "\0").encode("utf-16-le")
        buffer = ctypes.create_string_buffer(encoded, len(encoded))
        pdfium_c.FPDFText_SetText(obj, ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort)))
        pdfium_c.FPDFPageObj_Transform(obj, 1, 0, 0, 1, x, 300)
        pdfium_c.FPDFPage_InsertObject(page.raw, obj)
    clip = pdfium_c.FPDF_CreateClipPath(0, 0, 380, 792)
    pdfium_c.FPDFPage_InsertClipPath(page.raw, clip)  # clips every object on the page
    pdfium_c.FPDF_DestroyClipPath(clip)
    page.set_cropbox(0, 200, 612, 792)  # the page's lowest part is cut away
    page.gen_content()
    out = io.BytesIO()
    doc.save(out)
    (read, image), = [(dp.text_layer(0), dp.image()) for dp in open_document(
        out.getvalue()).iter_pages()]
    assert read is not None and read.text.splitlines() == [*lines, "Shown label"]
    ink = np.asarray(image.convert("L")) < 128
    for word in read.words:
        x0, y0, x1, y1 = word.bounding_box.rect()
        assert 0 <= x0 < x1 <= image.width and 0 <= y0 < y1 <= image.height, word
        assert ink[y0:y1, x0:x1].mean() > 0.1, word


def test_text_turned_90_degrees_keeps_its_word_spaces() -> None:
    """pdfium puts a line break, not a space, between the words of a text box turned 90
    degrees on a slide (after level text): the breaks were dropped and the words ran
    together ("Rotatedninetydegrees")."""
    from pptx import Presentation
    from pptx.util import Inches, Pt

    from ocr_loaders.office import convert_to_pdf

    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    for text, rotation, x, y, width, size in (("Level slide title here", 0, 0.5, 0.3, 8, 40),
                                              ("Rotated ninety degrees", 90, 1, 3, 4, 24),
                                              ("Turned the other way", 270, 5, 3, 4, 24)):
        box = slide.shapes.add_textbox(Inches(x), Inches(y), Inches(width), Inches(0.8))
        box.text_frame.text = text
        box.text_frame.paragraphs[0].runs[0].font.size = Pt(size)
        box.rotation = rotation
    buf = io.BytesIO()
    prs.save(buf)
    pdf = convert_to_pdf(buf.getvalue(), DocumentFormat.PPTX, limits=Limits())
    page, = [dp.text_layer(0) for dp in open_document(pdf).iter_pages()]
    assert page is not None
    assert page.text.splitlines() == [
        "Level slide title here", "Rotated ninety degrees", "Turned the other way"]
    assert len(page.words) == 11


@pytest.mark.parametrize("rotation", [90, 180])
def test_rotated_spreadsheet_headers_are_read_whole(engine, rotation) -> None:
    """pdfium breaks text turned 90 degrees as if it were level ("rotate", "d te", "xt"):
    the turned header comes back as its words, the level cells as theirs."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment

    wb = Workbook()
    ws = wb.active
    ws["A1"] = "Quarterly revenue total"
    ws["A1"].alignment = Alignment(text_rotation=rotation)
    ws["B1"] = "level cell"
    ws["A2"] = "second row"
    buf = io.BytesIO()
    wb.save(buf)
    page = engine.recognize(buf.getvalue()).pages[0]
    lines = page.text.splitlines()
    assert "Quarterly revenue total" in " ".join(lines), page.text
    assert any(line.endswith("second row") for line in lines), page.text
    assert [w.text for w in page.words][:3] == ["Quarterly", "revenue", "total"]
    x0, y0, x1, y1 = page.words[0].bounding_box.rect()
    assert y1 - y0 > x1 - x0  # a turned word: its box stands upright


def test_raised_and_lowered_characters_keep_their_line() -> None:
    """pdfium starts a new line after a superscript although the text goes on ("E equals
    mc2" / "and more text"): such a made-up break is a word break; real line breaks stay."""
    import docx

    doc = docx.Document()
    for before, mark, after, raised in (("E equals mc", "2", " and more text", True),
                                        ("Water is H", "2", "O here", False),
                                        ("A note", "1", " follows.", True)):
        paragraph = doc.add_paragraph(before)
        run = paragraph.add_run(mark)
        run.font.superscript, run.font.subscript = raised, not raised
        paragraph.add_run(after)
    doc.add_paragraph("Next paragraph line")
    buf = io.BytesIO()
    doc.save(buf)
    (page,) = [dp.text_layer(0) for dp in open_document(buf.getvalue()).iter_pages()]
    assert page is not None
    assert page.text.splitlines() == ["E equals mc2 and more text", "Water is H2O here",
                                      "A note1 follows.", "Next paragraph line"]


def test_hyphen_at_a_line_end_is_kept_with_its_line_break() -> None:
    """pdfium reads a hyphen that ends a line as U+0002 and leaves out the line break after
    it: the hyphen is the text's, and so is the break ("well-" / "known", as printed)."""
    import docx

    doc = docx.Document()
    doc.add_paragraph("Plain first line")
    paragraph = doc.add_paragraph("A well-")
    paragraph.runs[0].add_break()
    paragraph.add_run("known method on the next line")
    buf = io.BytesIO()
    doc.save(buf)
    (page,) = [dp.text_layer(0) for dp in open_document(buf.getvalue()).iter_pages()]
    assert page is not None
    assert page.text.splitlines() == ["Plain first line", "A well-",
                                      "known method on the next line"]
    assert [w.text for w in page.words] == page.text.split()
    hyphenated, after = page.words[4], page.words[5]
    assert hyphenated.text == "well-" and after.text == "known"
    _, _, right, bottom = hyphenated.bounding_box.rect()
    left, next_top, _, _ = after.bounding_box.rect()
    assert next_top >= bottom - 5 and left < right  # the next word starts the next line


def test_word_bullets_do_not_make_a_list_look_garbled() -> None:
    """Word's list bullets are Symbol/Wingdings glyphs in the private use area (U+F0B7): a
    short bulleted list has more than 5% of them, and the page was OCR'd as a garbled layer."""
    import docx

    items = ["apples", "pears", "milk", "bread", "eggs", "butter", "cheese", "coffee"]
    doc = docx.Document()
    doc.add_paragraph("Shopping list")
    for item in items:
        doc.add_paragraph(item, style="List Bullet")
    buf = io.BytesIO()
    doc.save(buf)
    (page,) = [dp.text_layer(0) for dp in open_document(buf.getvalue()).iter_pages()]
    assert page is not None
    assert page.text.splitlines() == ["Shopping list", *items]
    # words of private-use glyphs still make a garbled layer, bullets before them or not
    garbled = docgen.docx_bytes(["Invoice", "\uf0b7 \ue010\ue011\ue012 \ue013\ue014",
                                 "\ue015\ue016\ue017\ue018 \ue019\ue01a\ue01b"])
    assert [dp.text_layer(0) for dp in open_document(garbled).iter_pages()] == [None]


def test_spreadsheet_macro_failure_falls_back_to_a_plain_conversion(monkeypatch, caplog) -> None:
    """If the column-fitting macro stops on an error, the sheets are converted as they are
    (a warning says so) instead of the file failing."""
    import logging

    import ocr_loaders.office as office

    broken = office._SPREADSHEET_MACRO.replace("  sheets = doc.getSheets()",
                                               "  Error 5\n  sheets = doc.getSheets()")
    assert broken != office._SPREADSHEET_MACRO
    monkeypatch.setattr(office, "_SPREADSHEET_MACRO", broken)
    with caplog.at_level(logging.WARNING, logger="ocr_loaders"):
        pdf = office.convert_to_pdf(docgen.xlsx_bytes([["Item", "Price"], ["Apples", 42]]),
                                    DocumentFormat.XLSX, limits=Limits())
    assert pdf.startswith(b"%PDF")
    assert "could not be fitted" in caplog.text
    (page,) = [dp.text_layer(0) for dp in open_document(pdf).iter_pages()]
    assert page is not None and "Apples" in page.text


def test_wide_spreadsheet_rows_stay_on_one_line() -> None:
    """Columns widened to fit would run over the page's width, and Calc prints the columns
    that do not fit on further pages, splitting every row: the sheet is scaled to one page
    wide, so each row reads as one line."""
    rows = [[f"r{r}c{c} cell" for c in range(24)] for r in range(5)]
    doc = open_document(docgen.xlsx_bytes(rows, widths=()))
    pages = [dp.text_layer(0) for dp in doc.iter_pages()]
    assert len(pages) == 1 and pages[0] is not None
    lines = pages[0].text.splitlines()
    assert lines == [" ".join(row) for row in rows]
