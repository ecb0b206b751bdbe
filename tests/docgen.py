"""Generate real documents of every supported format with known text, for tests."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

CJK_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
LATIN_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def font(size: int = 40, cjk: bool = True) -> ImageFont.FreeTypeFont:
    path = CJK_FONT if cjk and Path(CJK_FONT).exists() else LATIN_FONT
    return ImageFont.truetype(path, size)


def render_lines(
    lines: Sequence[str], *, size: int = 40, width: int = 1400, margin: int = 50
) -> Image.Image:
    """White page with black text lines, spaced 1.8 line heights apart."""
    fnt = font(size)
    step = int(size * 1.8)
    img = Image.new("RGB", (width, margin * 2 + step * len(lines)), "white")
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        draw.text((margin, margin + i * step), line, font=fnt, fill="black")
    return img


def image_bytes(img: Image.Image, fmt: str, **kwargs: object) -> bytes:
    buf = io.BytesIO()
    if fmt.upper() == "HEIC":
        import pillow_heif

        pillow_heif.register_heif_opener()
        fmt = "HEIF"
    img.save(buf, format=fmt, **kwargs)
    return buf.getvalue()


def multi_frame_tiff(images: Sequence[Image.Image]) -> bytes:
    buf = io.BytesIO()
    frames = [Image.frombytes(im.mode, im.size, im.tobytes()) for im in images]  # fresh info
    frames[0].save(buf, format="TIFF", save_all=True, append_images=frames[1:])
    return buf.getvalue()


def pdf_from_images(images: Sequence[Image.Image], dpi: int = 150) -> bytes:
    """An image-only (scanned) PDF, one page per image."""
    buf = io.BytesIO()
    images[0].save(buf, format="PDF", save_all=True, append_images=list(images[1:]),
                   resolution=float(dpi))
    return buf.getvalue()


def text_pdf(pages: Sequence[str]) -> bytes:
    """A born-digital PDF with real text, one string per page (pypdfium2 cannot write text,
    so the pages are rendered images embedded via Pillow; text-layer PDFs come from DOCX)."""
    return pdf_from_images([render_lines([p]) for p in pages])


def docx_bytes(paragraphs: Sequence[str], *, letter_spaced: Sequence[int] = ()) -> bytes:
    """A DOCX with one 20 pt paragraph per string; those at the indexes ``letter_spaced`` get
    5 pt between characters, as justified CJK headings have."""
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = docx.Document()
    for i, p in enumerate(paragraphs):
        run = doc.add_paragraph().add_run(p)
        run.font.size = Pt(20)
        if i in letter_spaced:
            spacing = OxmlElement("w:spacing")
            spacing.set(qn("w:val"), "100")  # twentieths of a point
            run._element.get_or_add_rPr().append(spacing)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def pptx_bytes(title: str, body: str) -> bytes:
    from pptx import Presentation

    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[1])
    slide.shapes.title.text = title
    slide.placeholders[1].text = body
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


def xlsx_bytes(rows: Sequence[Sequence[object]], *, widths: Sequence[float] = (30, 20),
               more_sheets: Sequence[Sequence[Sequence[object]]] = ()) -> bytes:
    """A workbook: ``rows`` on its first sheet (16 pt, columns ``widths`` characters wide),
    each of ``more_sheets`` on a sheet of its own (default widths)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(list(row))
    for row in ws.iter_rows():
        for cell in row:
            cell.font = Font(size=16)
    for number, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(number)].width = width
    for sheet_rows in more_sheets:
        sheet = wb.create_sheet()
        for row in sheet_rows:
            sheet.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def with_text(pdf: bytes, text: str, *, at: tuple[float, float] = (20, 20), size: float = 12,
              invisible: bool = False) -> bytes:
    """``pdf`` with ``text`` written on its first page as a real text object (Helvetica,
    ``size`` points, its baseline starting ``at`` in user space); ``invisible`` writes it
    in render mode 3, as searchable scans carry their OCR text."""
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    doc = pdfium.PdfDocument(pdf)
    page = doc[0]
    obj = pdfium_c.FPDFPageObj_NewTextObj(doc.raw, b"Helvetica", ctypes.c_float(size))
    encoded = (text + "\0").encode("utf-16-le")
    buffer = ctypes.create_string_buffer(encoded, len(encoded))
    assert pdfium_c.FPDFText_SetText(obj, ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort)))
    if invisible:
        assert pdfium_c.FPDFTextObj_SetTextRenderMode(obj, pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE)
    pdfium_c.FPDFPageObj_Transform(obj, 1, 0, 0, 1, *at)
    pdfium_c.FPDFPage_InsertObject(page.raw, obj)
    assert pdfium_c.FPDFPage_GenerateContent(page.raw)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def encrypted_pdf(password: str) -> bytes:
    import pikepdf

    src = pikepdf.open(io.BytesIO(pdf_from_images([render_lines(["Secret page"])])))
    buf = io.BytesIO()
    src.save(buf, encryption=pikepdf.Encryption(owner=password, user=password, R=6))
    return buf.getvalue()


def cer(pred: str, ref: str) -> float:
    """Character error rate (Levenshtein distance / reference length), whitespace-insensitive."""
    a = "".join(pred.split())
    b = "".join(ref.split())
    if not b:
        return 0.0 if not a else 1.0
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1] / len(b)


def filled_form_pdf(fields: Sequence[tuple[str, str]]) -> bytes:
    """A one-page PDF form (Letter, Helvetica): each field's label in the page content, 40
    points apart from y=680 down, and its value in a text field at x=160..400 beside it, as
    form fillers write them: the first field with its appearance stream, the others with
    only their value (``NeedAppearances``: the viewer draws them)."""
    import pikepdf
    from pikepdf import Array, Dictionary, Name, String

    pdf = pikepdf.new()
    font = pdf.make_indirect(Dictionary(Type=Name.Font, Subtype=Name.Type1,
                                        BaseFont=Name.Helvetica, Encoding=Name.WinAnsiEncoding))
    page = pdf.add_blank_page(page_size=(612, 792))
    page.obj.Resources = Dictionary(Font=Dictionary(F1=font))
    content = [b"BT /F1 14 Tf 72 730 Td (Application for a parking permit) Tj ET"]
    widgets = []
    for k, (label, value) in enumerate(fields):
        y = 680 - 40 * k
        content.append(f"BT /F1 12 Tf 72 {y} Td ({label}) Tj ET".encode())
        widget = Dictionary(Type=Name.Annot, Subtype=Name.Widget, FT=Name.Tx, F=4,
                            T=String(f"field{k}"), V=String(value), DA=String("/F1 12 Tf 0 g"),
                            Rect=Array([160, y - 6, 400, y + 14]), P=page.obj)
        if k == 0:
            appearance = pdf.make_stream(f"/Tx BMC BT /F1 12 Tf 2 6 Td ({value}) Tj ET EMC"
                                         .encode())
            appearance.Type, appearance.Subtype = Name.XObject, Name.Form
            appearance.BBox = Array([0, 0, 240, 20])
            appearance.Resources = Dictionary(Font=Dictionary(F1=font))
            widget.AP = Dictionary(N=appearance)
        widgets.append(pdf.make_indirect(widget))
    page.obj.Contents = pdf.make_stream(b"\n".join(content))
    page.obj.Annots = Array(widgets)
    pdf.Root.AcroForm = Dictionary(Fields=Array(widgets), NeedAppearances=True,
                                   DA=String("/F1 12 Tf 0 g"),
                                   DR=Dictionary(Font=Dictionary(F1=font)))
    buf = io.BytesIO()
    pdf.save(buf)
    return buf.getvalue()

