"""Born-digital PDF pages: read the text layer instead of OCR (exact text, confidence 1.0).

PDFs made by a program (and every Office file, which is converted to PDF) carry their text.
Reading it with pypdfium2 is exact and about a hundred times faster than OCR. A layer that is
missing or garbled (unmapped glyphs in the private use area, replacement or control
characters) is not trusted, nor one of under ``MIN_CHARS`` characters on a page that draws an
image (a scan with a stamp or page number as text); the page is OCR'd instead. A short layer
on a page without images is all the page says in text ("Total 42", a spreadsheet's one cell),
and OCR of small print at 300 DPI can lose it. Boxes are the characters' font
boxes at the rendering DPI, in the same pixel space an OCR'd page would have.

pdfium inserts a space wherever glyphs stand apart without one in the file. Japanese and
Chinese documents are often letter-spaced (justified headings, "保 医 発"), which would turn
every character into a word, and writers put a little room between kanji and Latin digits
("平成 30 年"). A space pdfium made up is dropped when the gap is under ``CJK_JOIN_GAP`` of the
left character's width (letter spacing measured on government notices: 0.2-0.3; real gaps:
0.8 and more) and it stands between two Han, kana or full-width characters in a line that
is mostly such single characters, or between one of them and a digit. Other spaces stay:
word spaces are as narrow as letter spacing, and in Office files pdfium makes those up too
("甲 乙", "局 Contract"); Hangul is spaced by word.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from ocr_loaders.models import BoundingBox, Page, Word

POINTS_PER_INCH = 72.0
MIN_CHARS = 8
MAX_BAD_FRACTION = 0.05
ANGLE_TOLERANCE = 0.01
"""Radians within which two characters are turned alike (and a character counts as level)."""
ROTATED_LINE_SHIFT = 0.5
"""Turned characters whose centres are further apart across their direction than this share
of the font size are on different lines (letters of one line: 0-0.05)."""
CJK_JOIN_GAP = 0.6
"""A made-up space between CJK characters is dropped below this gap (in character widths)..."""
LETTER_SPACED_MIN_TOKENS = 3
LETTER_SPACED_SHARE = 0.6
"""...in lines of at least 3 tokens of which at least 60% are single CJK characters."""
DIGITS = frozenset("0123456789")

_CJK = re.compile(
    r"[\u3000-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]"
)
"""Han, kana, CJK punctuation and full-width forms (not Hangul: Korean spaces its words)."""


def _bad(ch: str) -> bool:
    code = ord(ch)
    return (
        ch == "\ufffd"
        or 0xE000 <= code <= 0xF8FF
        or (code < 32 and ch not in "\r\n\t")
    )


def _chars(textpage: Any, count: int) -> str:
    """The page's characters, one per pdfium character index (so index i has box i).

    ``get_text_range`` drops some characters (control codes left by TeX fonts), which would
    shift every box after them; unpaired surrogates become U+FFFD.
    """
    import pypdfium2.raw as pdfium_c

    unicode_of = pdfium_c.FPDFText_GetUnicode
    handle = textpage.raw
    out = []
    for i in range(count):
        code = unicode_of(handle, i)
        out.append("\ufffd" if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF else chr(code))
    return "".join(out)


def _rotated_runs(textpage: Any, text: str) -> set[int]:
    """Line breaks pdfium made up inside rotated text (a spreadsheet header turned 90
    degrees, a chart's axis label), to be skipped.

    pdfium breaks a turned run of characters as if it were level: "rotated text" came out as
    "rotate", "d te", "xt". Between two characters turned by the same angle whose centres
    lie on one line (off it by under ``ROTATED_LINE_SHIFT`` of the font size, across the
    run's direction), the line breaks it made up are dropped; the spaces it made up stay
    (they fall between the words). Where pdfium puts level text in the middle of a turned
    run, or the characters step across lines, the pieces stay apart.
    """
    import pypdfium2.raw as pdfium_c

    handle = textpage.raw
    angles = [pdfium_c.FPDFText_GetCharAngle(handle, i) % math.tau for i in range(len(text))]
    if all(min(a, math.tau - a) < ANGLE_TOLERANCE for a in angles):
        return set()  # a level page: nothing to do (the usual case)
    skip: set[int] = set()
    previous: tuple[float, float, float] | None = None  # angle and centre of the last turned
    breaks: list[int] = []
    for i, ch in enumerate(text):
        if pdfium_c.FPDFText_IsGenerated(handle, i):
            if ch in "\r\n":
                breaks.append(i)
            continue
        if ch.isspace():
            continue
        angle = angles[i]
        if min(angle, math.tau - angle) < ANGLE_TOLERANCE:
            previous, breaks = None, []
            continue
        left, bottom, right, top = textpage.get_charbox(i, loose=True)
        x, y = (left + right) / 2, (bottom + top) / 2
        if previous is not None and abs(previous[0] - angle) < ANGLE_TOLERANCE:
            # across the run: pdfium's angle is clockwise, the run goes (cos, -sin)
            shift = abs((x - previous[1]) * math.sin(angle) + (y - previous[2]) * math.cos(angle))
            if shift < ROTATED_LINE_SHIFT * pdfium_c.FPDFText_GetFontSize(handle, i):
                skip.update(breaks)
        previous, breaks = (angle, x, y), []
    return skip


def _made_up_joins(textpage: Any, text: str) -> set[int]:
    """Indexes of the spaces pdfium made up that are not word breaks (see the module
    docstring): inside letter-spaced CJK lines, and between CJK characters and digits."""
    import pypdfium2.raw as pdfium_c

    def narrow(i: int) -> bool:
        if not pdfium_c.FPDFText_IsGenerated(textpage.raw, i):
            return False
        left, _, right, _ = textpage.get_charbox(i - 1, loose=True)
        gap = textpage.get_charbox(i + 1, loose=True)[0] - right
        return right > left and gap < CJK_JOIN_GAP * (right - left)

    joins: set[int] = set()
    start = 0
    for line in re.split(r"(?<=[\r\n])", text):
        tokens = line.split()
        singles = sum(1 for t in tokens if len(t) == 1 and _CJK.match(t))
        spaced = (len(tokens) >= LETTER_SPACED_MIN_TOKENS
                  and singles >= LETTER_SPACED_SHARE * len(tokens))
        for m in re.finditer(r"(?<=\S) (?=\S)", line):
            i = start + m.start()
            before, after = _CJK.match(text[i - 1]), _CJK.match(text[i + 1])
            letter_spaced = spaced and before and after
            by_digit = (before and text[i + 1] in DIGITS) or (after and text[i - 1] in DIGITS)
            if (letter_spaced or by_digit) and narrow(i):
                joins.add(i)
        start += len(line)
    return joins


def _draws_images(pdf_page: Any) -> bool:
    """Whether the page has an image object (at any depth of its form objects)."""
    import pypdfium2.raw as pdfium_c

    images = pdf_page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,))
    return next(iter(images), None) is not None


def text_layer_page(pdf_page: Any, *, dpi: int, page_id: int) -> Page | None:
    """The page's words from its text layer, or None when the layer is missing or garbled."""
    textpage = pdf_page.get_textpage()
    try:
        count = textpage.count_chars()
        if count <= 0:
            return None
        text = _chars(textpage, count)
        visible = [c for c in text if not c.isspace()]
        if len(visible) < MIN_CHARS and _draws_images(pdf_page):
            return None
        if sum(_bad(c) for c in visible) > MAX_BAD_FRACTION * len(visible):
            return None
        joins = _made_up_joins(textpage, text)
        skip = _rotated_runs(textpage, text)
        to_pixels, width_px, height_px = _display_transform(pdf_page, dpi / POINTS_PER_INCH)
        lines: list[list[tuple[str, list[tuple[float, float, float, float]]]]] = [[]]
        current: list[tuple[float, float, float, float]] = []
        chars: list[str] = []

        def flush_word() -> None:
            if chars:
                lines[-1].append(("".join(chars), list(current)))
                chars.clear()
                current.clear()

        for i, ch in enumerate(text):
            if i in skip:
                continue
            if ch in "\r\n":
                flush_word()
                if lines[-1]:
                    lines.append([])
                continue
            if i in joins:
                continue
            if ch.isspace() or _bad(ch):
                flush_word()
                continue
            left, bottom, right, top = textpage.get_charbox(i, loose=True)
            x_a, y_a = to_pixels(left, top)
            x_b, y_b = to_pixels(right, bottom)
            current.append((min(x_a, x_b), min(y_a, y_b), max(x_a, x_b), max(y_a, y_b)))
            chars.append(ch)
        flush_word()
    finally:
        textpage.close()
    words: list[Word] = []
    text_lines: list[str] = []
    for line in lines:
        if not line:
            continue
        text_lines.append(" ".join(w for w, _ in line))
        for word_text, boxes in line:
            x0 = min(b[0] for b in boxes)
            y0 = min(b[1] for b in boxes)
            x1 = max(b[2] for b in boxes)
            y1 = max(b[3] for b in boxes)
            words.append(
                Word(
                    bounding_box=BoundingBox.from_rect(x0, y0, x1, y1),
                    confidence=1.0,
                    id=len(words),
                    text=word_text,
                )
            )
    return Page(
        confidence=1.0,
        height=max(1, round(height_px)),
        id=page_id,
        text="\n".join(text_lines),
        width=max(1, round(width_px)),
        words=words,
    )


def _display_transform(
    pdf_page: Any, scale: float
) -> tuple[Callable[[float, float], tuple[float, float]], float, float]:
    """A function from PDF user space (points, y up) to the pixels of the page as pdfium
    renders it (its crop box, turned by its ``/Rotate``, y down), and that image's size.

    Char boxes come in user space whatever the page's rotation; a page stored sideways with
    ``/Rotate 90`` (a landscape page) is shown, rendered and OCR'd turned, so its boxes must
    be turned too (they came out above the page, at negative y, before).
    """
    left, bottom, right, top = pdf_page.get_cropbox()
    width, height = (right - left) * scale, (top - bottom) * scale
    rotation = pdf_page.get_rotation() % 360

    def to_pixels(x: float, y: float) -> tuple[float, float]:
        u, v = (x - left) * scale, (top - y) * scale  # unrotated, y down
        if rotation == 90:
            return height - v, u
        if rotation == 180:
            return width - u, height - v
        if rotation == 270:
            return v, width - u
        return u, v

    if rotation in (90, 270):
        return to_pixels, height, width
    return to_pixels, width, height
