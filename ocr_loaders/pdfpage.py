"""What a PDF page draws and where it shows it, for reading its text layer.

pdfium gives a text layer's character boxes in PDF user space and every character it holds,
shown or not. This module answers the questions about the page around them: the pixels of
the page as rendered (its crop box, cut to its media box, turned by its ``/Rotate``), which
characters their object's clip path hides, and whether the page draws images or filled
paths (a scan, or text turned into outlines). Raw pdfium calls where a page may hold
thousands of objects.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any


def clipped_away(pdf_page: Any, textpage: Any, text: str) -> set[int]:
    """Characters their text object's clip path hides: a spreadsheet's chart or turned header
    printed across a page break is drawn whole on both pages, each clipped to its print
    area, so without this one page's layer read the other's labels on empty paper.

    A clip path is taken as the intersection of its paths' bounding boxes (generous for a
    clip that is not a rectangle: such text stays). Its points are in the space the object
    was drawn in, which is the page's unless it sits in a form XObject; a character outside
    its own object's bounds is one of those and is kept.

    Text objects that lie inside their clip are found first, one call per object; only when
    some do not are the characters looked at one by one (the per-character pass cost ~8 ms
    of the ~40 ms a 2,900-character page took).
    """
    import ctypes

    import pypdfium2.raw as pdfium_c

    if not _partly_clipped(pdf_page):
        return set()
    handle = textpage.raw
    clips: dict[int, tuple[float, float, float, float] | None] = {}
    hidden: set[int] = set()
    for i, ch in enumerate(text):
        if ch.isspace() or pdfium_c.FPDFText_IsGenerated(handle, i):
            continue
        obj = pdfium_c.FPDFText_GetTextObject(handle, i)
        key = ctypes.cast(obj, ctypes.c_void_p).value
        if not key:
            continue
        if key not in clips:
            clips[key] = _clip_box(obj)
        clip = clips[key]
        if clip is None:
            continue
        left, bottom, right, top = textpage.get_charbox(i, loose=True)
        x, y = (left + right) / 2, (bottom + top) / 2
        if clip[0] <= x <= clip[2] and clip[1] <= y <= clip[3]:
            continue
        bounds = [ctypes.c_float() for _ in range(4)]
        if pdfium_c.FPDFPageObj_GetBounds(obj, *(ctypes.byref(b) for b in bounds)):
            o_left, o_bottom, o_right, o_top = (b.value for b in bounds)
            slack = max(right - left, top - bottom)
            if (o_left - slack <= x <= o_right + slack
                    and o_bottom - slack <= y <= o_top + slack):
                hidden.add(i)
    return hidden


def _partly_clipped(pdf_page: Any) -> bool:
    """Whether a text object of the page (at its top level: the per-character pass keeps
    text of form objects anyway) reaches outside its clip path's box. Raw pdfium calls:
    pypdfium2's object wrappers cost ~10 us each, and a page set one object per character
    (Japanese notices) has over a thousand."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    page = pdf_page.raw
    bounds = [ctypes.c_float() for _ in range(4)]
    refs = [ctypes.byref(b) for b in bounds]
    for k in range(pdfium_c.FPDFPage_CountObjects(page)):
        obj = pdfium_c.FPDFPage_GetObject(page, k)
        if pdfium_c.FPDFPageObj_GetType(obj) != pdfium_c.FPDF_PAGEOBJ_TEXT:
            continue
        clip = _clip_box(obj)
        if clip is None:
            continue
        if not pdfium_c.FPDFPageObj_GetBounds(obj, *refs):
            return True
        left, bottom, right, top = (b.value for b in bounds)
        if left < clip[0] or bottom < clip[1] or right > clip[2] or top > clip[3]:
            return True
    return False


def _clip_box(obj: Any) -> tuple[float, float, float, float] | None:
    """The bounding box of a page object's clip path (None: not clipped)."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    clip = pdfium_c.FPDFPageObj_GetClipPath(obj)
    if not clip:
        return None
    box: tuple[float, float, float, float] | None = None
    for k in range(pdfium_c.FPDFClipPath_CountPaths(clip)):
        xs: list[float] = []
        ys: list[float] = []
        for j in range(pdfium_c.FPDFClipPath_CountPathSegments(clip, k)):
            segment = pdfium_c.FPDFClipPath_GetPathSegment(clip, k, j)
            x, y = ctypes.c_float(), ctypes.c_float()
            if segment and pdfium_c.FPDFPathSegment_GetPoint(
                    segment, ctypes.byref(x), ctypes.byref(y)):
                xs.append(x.value)
                ys.append(y.value)
        if not xs:
            continue
        path = (min(xs), min(ys), max(xs), max(ys))
        box = path if box is None else (max(box[0], path[0]), max(box[1], path[1]),
                                        min(box[2], path[2]), min(box[3], path[3]))
    return box


def draws_filled_paths(pdf_page: Any) -> bool:
    """Whether the page fills a path (at any depth): text turned into outlines, as design and
    print PDFs often have it, is filled paths; a short text layer beside it (a page number)
    is not all the page says. Lines and frames are stroked, not filled."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    fill, stroke = ctypes.c_int(), ctypes.c_int()
    for obj in pdf_page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_PATH,)):
        if (pdfium_c.FPDFPath_GetDrawMode(obj.raw, ctypes.byref(fill), ctypes.byref(stroke))
                and fill.value):
            return True
    return False


def draws_images(pdf_page: Any) -> bool:
    """Whether the page has an image object (at any depth of its form objects)."""
    import pypdfium2.raw as pdfium_c

    images = pdf_page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,))
    return next(iter(images), None) is not None


Box = tuple[float, float, float, float]


def display_transform(pdf_page: Any, scale: float) -> tuple[Callable[..., Box], int, int]:
    """A function from a box in PDF user space (left, bottom, right, top; points, y up) to
    the box ``(x0, y0, x1, y1)`` in the pixels of the page as pdfium renders it (its crop box
    cut to its media box, turned by its ``/Rotate``, y down), and that image's size.

    Char boxes come in user space whatever the page's rotation; a page stored sideways with
    ``/Rotate 90`` (a landscape page) is shown, rendered and OCR'd turned, so its boxes must
    be turned too (they came out above the page, at negative y, before). The image is as
    pypdfium2 renders it: each side rounded up (a Letter page at 300 DPI is 3301 pixels
    high, 792 * 300 / 72 being a hair over 3300), the page's box stretched over it; a crop
    box reaching past the media box shows only their intersection.
    """
    import ctypes

    import pypdfium2.raw as pdfium_c

    rect = pdfium_c.FS_RECTF()
    if pdfium_c.FPDF_GetPageBoundingBox(pdf_page.raw, ctypes.byref(rect)):
        left, right = sorted((rect.left, rect.right))
        bottom, top = sorted((rect.bottom, rect.top))
    else:  # pragma: no cover - pdfium fails only on a page it could not load
        left, bottom, right, top = pdf_page.get_cropbox()
    rotation = pdf_page.get_rotation() % 360
    shown_width = math.ceil(pdf_page.get_width() * scale)  # as pypdfium2's render sizes it
    shown_height = math.ceil(pdf_page.get_height() * scale)
    width, height = (
        (shown_height, shown_width) if rotation in (90, 270) else (shown_width, shown_height)
    )
    scale_x = width / (right - left) if right > left else scale
    scale_y = height / (top - bottom) if top > bottom else scale

    # per rotation, written out: no min/max per character (a page has thousands)
    def level(x0: float, y0: float, x1: float, y1: float) -> Box:
        return ((x0 - left) * scale_x, (top - y1) * scale_y,
                (x1 - left) * scale_x, (top - y0) * scale_y)

    def turned_90(x0: float, y0: float, x1: float, y1: float) -> Box:
        return (height - (top - y0) * scale_y, (x0 - left) * scale_x,
                height - (top - y1) * scale_y, (x1 - left) * scale_x)

    def turned_180(x0: float, y0: float, x1: float, y1: float) -> Box:
        return (width - (x1 - left) * scale_x, height - (top - y0) * scale_y,
                width - (x0 - left) * scale_x, height - (top - y1) * scale_y)

    def turned_270(x0: float, y0: float, x1: float, y1: float) -> Box:
        return ((top - y1) * scale_y, width - (x1 - left) * scale_x,
                (top - y0) * scale_y, width - (x0 - left) * scale_x)

    to_box = {90: turned_90, 180: turned_180, 270: turned_270}.get(rotation, level)
    return to_box, max(1, shown_width), max(1, shown_height)


MAX_FORM_DEPTH = 15
"""Form objects nested deeper than this are not looked into (pypdfium2's own limit)."""


def _intersect(a: Box, b: Box) -> Box | None:
    box = (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))
    return box if box[0] < box[2] and box[1] < box[3] else None


Matrix = tuple[float, float, float, float, float, float]
"""A PDF matrix (a, b, c, d, e, f): x' = a x + c y + e, y' = b x + d y + f."""


def _on_rect(m: Matrix, box: Box) -> Box:
    """The bounding box of a box carried by a matrix."""
    a, b, c, d, e, f = m
    xs = [a * x + c * y + e for x in (box[0], box[2]) for y in (box[1], box[3])]
    ys = [b * x + d * y + f for x in (box[0], box[2]) for y in (box[1], box[3])]
    return min(xs), min(ys), max(xs), max(ys)


def _then(inner: Matrix, outer: Matrix) -> Matrix:
    """``inner`` followed by ``outer``."""
    a, b, c, d, e, f = inner
    g, h, i, j, k, m = outer
    return (a * g + b * i, a * h + b * j, c * g + d * i, c * h + d * j,
            e * g + f * i + k, e * h + f * j + m)


def picture_boxes(pdf_page: Any) -> list[tuple[Box, float]]:
    """Where the page shows pictures, in user space (left, bottom, right, top), for OCR of
    the text inside them (a scanned letterhead, a screenshot, a chart pasted as an image),
    which the text layer does not hold; with each, the angle its image is drawn turned by
    in user space (degrees, counterclockwise: a landscape page stored sideways draws its
    pictures turned 90 degrees, to be shown upright by its ``/Rotate``).

    Images inside form objects are placed by their forms' matrices (pdfium gives a child's
    bounds in its form's space) and cut to their forms' and their own clip boxes. A picture
    under invisible text is left out: that is a scan with its OCR layer (OCRmyPDF,
    Tesseract's and Acrobat's searchable PDFs write their text in render mode 3), whose
    text the layer already holds. Raw pdfium calls, only bounds of images, forms and
    invisible text asked for: a page may set each character as an object of its own.
    """
    import ctypes

    import pypdfium2.raw as pdfium_c

    bounds = [ctypes.c_float() for _ in range(4)]
    refs = [ctypes.byref(b) for b in bounds]
    matrix = pdfium_c.FS_MATRIX()
    images: list[tuple[Box, float]] = []
    hidden_text: list[tuple[float, float]] = []

    def own_matrix(obj: Any) -> Matrix | None:
        if not pdfium_c.FPDFPageObj_GetMatrix(obj, ctypes.byref(matrix)):
            return None
        return (matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f)

    def place(obj: Any, outer: tuple[Matrix, Box] | None) -> Box | None:
        if not pdfium_c.FPDFPageObj_GetBounds(obj, *refs):
            return None
        box: Box | None = (bounds[0].value, bounds[1].value, bounds[2].value, bounds[3].value)
        clip = _clip_box(obj)
        if clip is not None and box is not None:
            box = _intersect(box, clip)
        if box is not None and outer is not None:
            box = _intersect(_on_rect(outer[0], box), outer[1])
        return box

    def walk(objects: list[Any], outer: tuple[Matrix, Box] | None, depth: int) -> None:
        for obj in objects:
            kind = pdfium_c.FPDFPageObj_GetType(obj)
            if kind == pdfium_c.FPDF_PAGEOBJ_TEXT:
                if (pdfium_c.FPDFTextObj_GetTextRenderMode(obj)
                        != pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE):
                    continue
                box = place(obj, outer)
                if box is not None:
                    hidden_text.append(((box[0] + box[2]) / 2, (box[1] + box[3]) / 2))
            elif kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
                box = place(obj, outer)
                drawn = own_matrix(obj)
                if box is not None and drawn is not None:
                    if outer is not None:
                        drawn = _then(drawn, outer[0])
                    images.append((box, math.degrees(math.atan2(drawn[1], drawn[0]))))
            elif kind == pdfium_c.FPDF_PAGEOBJ_FORM and depth < MAX_FORM_DEPTH:
                box = place(obj, outer)
                own = own_matrix(obj)
                if box is None or own is None:
                    continue
                children = [pdfium_c.FPDFFormObj_GetObject(obj, k)
                            for k in range(pdfium_c.FPDFFormObj_CountObjects(obj))]
                walk(children, (own if outer is None else _then(own, outer[0]), box),
                     depth + 1)

    page = pdf_page.raw
    walk([pdfium_c.FPDFPage_GetObject(page, k)
          for k in range(pdfium_c.FPDFPage_CountObjects(page))], None, 0)
    return [
        (box, angle) for box, angle in images
        if not any(box[0] <= x <= box[2] and box[1] <= y <= box[3] for x, y in hidden_text)
    ]
