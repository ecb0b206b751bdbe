"""Born-digital PDF pages: read the text layer instead of OCR (exact text, confidence 1.0).

PDFs made by a program (and every Office file, which is converted to PDF) carry their text.
Reading it with pypdfium2 is exact and about a hundred times faster than OCR. A layer that is
missing or garbled (unmapped glyphs in the private use area, replacement or control
characters) is not trusted, nor one of under ``MIN_CHARS`` characters on a page that draws an
image or fills a path (a scan, or text turned into outlines, with a stamp or page number as
text); the page is OCR'd instead. A short layer on a page without either is all the page
says in text ("Total 42", a spreadsheet's one cell), and OCR of small print at 300 DPI can
lose it. Boxes are the characters' font
boxes at the rendering DPI, in the same pixel space an OCR'd page would have
(``ocr_loaders/pdfpage.py``: rotation, crop box, clip paths).

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
from typing import Any

from ocr_loaders.limits import POINTS_PER_INCH
from ocr_loaders.models import BoundingBox, Page, Word
from ocr_loaders.pdfpage import (
    clipped_away,
    display_transform,
    draws_filled_paths,
    draws_images,
)

MIN_CHARS = 8
MAX_BAD_FRACTION = 0.05
ANGLE_TOLERANCE = 0.01
"""Radians within which two characters are turned alike (and a character counts as level)."""
ROTATED_LINE_SHIFT = 0.5
"""Turned characters whose centres are further apart across their direction than this share
of the font size are on different lines (letters of one line: 0-0.05)."""
ROTATED_WORD_GAP = 0.15
"""Turned characters further apart along their run than this share of the font size, with
no space between them, are two words (letters: about 0; a word space: 0.25-0.35)."""
CONTINUED_LINE_GAP = 1.0
CONTINUED_LINE_OVERLAP = 0.5
"""A made-up line break is read as a space when the next character starts at most this many
font heights after the last one, overlapping it vertically by at least half the smaller's
height (a superscript and the text after it: 0.8)."""
CELL_TOUCH = 0.05
"""On a spreadsheet's row, characters closer than this share of their height are one
cell's (font runs); further apart, two cells' (cell padding: 2 points, 0.14 of 16 pt)."""
CJK_JOIN_GAP = 0.6
"""A made-up space between CJK characters is dropped below this gap (in character widths)..."""
LETTER_SPACED_MIN_TOKENS = 3
LETTER_SPACED_SHARE = 0.6
"""...in lines of at least 3 tokens of which at least 60% are single CJK characters."""
DIGITS = frozenset("0123456789")
_LIST_MARKER = re.compile(r"(?:^|(?<=[\r\n]))[ \t]*[\ue000-\uf8ff](?=[ \t]+\S)")
"""A list's bullet: a private-use glyph (Word's Symbol and Wingdings bullets, U+F0B7,
U+F0A7...) alone at the start of a line, before the item's text. Not a sign of a garbled
layer (those garble whole words); it is left out of the text like any private-use glyph."""

_CJK = re.compile(
    r"[\u3000-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]"
)
"""Han, kana, CJK punctuation and full-width forms (not Hangul: Korean spaces its words)."""


LINE_END_HYPHEN = "\x02"
"""What pdfium reads a hyphen that ends a line as (it then leaves the line break out)."""


def _bad(ch: str) -> bool:
    code = ord(ch)
    return (
        ch == "\ufffd"
        or 0xE000 <= code <= 0xF8FF
        or (code < 32 and ch not in "\r\n\t" + LINE_END_HYPHEN)
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


def _char_angles(textpage: Any, count: int) -> list[float] | None:
    """Each character's angle (radians, 0 to tau), or None when every one is level (the
    usual page: then nothing has to look at angles)."""
    import pypdfium2.raw as pdfium_c

    handle = textpage.raw
    angles = [pdfium_c.FPDFText_GetCharAngle(handle, i) % math.tau for i in range(count)]
    return None if all(_level(a) for a in angles) else angles


def _level(angle: float) -> bool:
    """Whether an angle (0 to tau) is level, within ``ANGLE_TOLERANCE``."""
    return min(angle, math.tau - angle) < ANGLE_TOLERANCE


def _rotated_runs(textpage: Any, text: str,
                  angles: list[float] | None) -> tuple[set[int], set[int]]:
    """Line breaks pdfium made up inside rotated text (a spreadsheet header turned 90
    degrees, a chart's axis label), to be skipped, and those of them that stand for a word
    space, to be read as one.

    pdfium breaks a turned run of characters as if it were level: "rotated text" came out as
    "rotate", "d te", "xt". Between two characters turned by the same angle whose centres
    lie on one line (off it by under ``ROTATED_LINE_SHIFT`` of the font size, across the
    run's direction), the line breaks it made up are dropped; the spaces it made up stay
    (they fall between the words). Where it made up no space but the characters stand
    apart along the run by over ``ROTATED_WORD_GAP`` of the font size (a text box turned 90
    degrees on a slide: "Rotated ninety degrees" came out "Rotatedninetydegrees"), the first
    break becomes the space. Where pdfium puts level text in the middle of a turned run, or
    the characters step across lines, the pieces stay apart.
    """
    import pypdfium2.raw as pdfium_c

    if angles is None:
        return set(), set()  # a level page: nothing to do (the usual case)
    handle = textpage.raw
    skip: set[int] = set()
    spaces: set[int] = set()
    previous: tuple[float, float, float, float] | None = None  # angle, centre, far end
    breaks: list[int] = []
    for i, ch in enumerate(text):
        if pdfium_c.FPDFText_IsGenerated(handle, i):
            if ch in "\r\n":
                breaks.append(i)
            continue
        if ch.isspace():
            continue
        angle = angles[i]
        if _level(angle):
            previous, breaks = None, []
            continue
        left, bottom, right, top = textpage.get_charbox(i, loose=True)
        x, y = (left + right) / 2, (bottom + top) / 2
        # along the run: pdfium's angle is clockwise, the run goes (cos, -sin)
        along_x, along_y = math.cos(angle), -math.sin(angle)
        start = min(left * along_x, right * along_x) + min(bottom * along_y, top * along_y)
        end = max(left * along_x, right * along_x) + max(bottom * along_y, top * along_y)
        if previous is not None and abs(previous[0] - angle) < ANGLE_TOLERANCE and breaks:
            size = pdfium_c.FPDFText_GetFontSize(handle, i)
            shift = abs((x - previous[1]) * along_y - (y - previous[2]) * along_x)
            if shift < ROTATED_LINE_SHIFT * size:
                skip.update(breaks)
                if start - previous[3] > ROTATED_WORD_GAP * size:
                    spaces.add(breaks[0])
        previous, breaks = (angle, x, y, end), []
    return skip, spaces


def _continued_lines(textpage: Any, text: str, angles: list[float] | None) -> set[int]:
    """Line breaks pdfium made up in the middle of a level line, to be read as a word break.

    After a raised or lowered character (``mc²``, a footnote mark) pdfium starts a new line
    although the text goes on along the same line: "E equals mc2" / "and more text". A made-up
    break is such a one when the visible characters either side of it are level, the next
    starts where the last ended (not before it, at most ``CONTINUED_LINE_GAP`` font heights
    after it) and they overlap vertically by at least ``CONTINUED_LINE_OVERLAP`` of the
    smaller one's height.
    """
    import pypdfium2.raw as pdfium_c

    handle = textpage.raw
    out: set[int] = set()
    n = len(text)
    i = 0
    while i < n:
        if text[i] not in "\r\n" or not pdfium_c.FPDFText_IsGenerated(handle, i):
            i += 1
            continue
        end = i
        while end < n and text[end] in "\r\n":
            end += 1
        before, after = i - 1, end
        while before >= 0 and text[before].isspace():
            before -= 1
        while after < n and text[after].isspace():
            after += 1
        if before >= 0 and after < n and (
                angles is None or (_level(angles[before]) and _level(angles[after]))):
            p_left, p_bottom, p_right, p_top = textpage.get_charbox(before, loose=True)
            q_left, q_bottom, _, q_top = textpage.get_charbox(after, loose=True)
            height = max(p_top - p_bottom, q_top - q_bottom)
            overlap = min(p_top, q_top) - max(p_bottom, q_bottom)
            smaller = min(p_top - p_bottom, q_top - q_bottom)
            if (p_right - 0.25 * (p_right - p_left) <= q_left
                    <= p_right + CONTINUED_LINE_GAP * height
                    and smaller > 0 and overlap >= CONTINUED_LINE_OVERLAP * smaller):
                out.update(range(i, end))
        i = end
    return out


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


def _textpage(pdf_page: Any) -> Any:
    """The page's text, in the order its own lines read.

    pdfium orders lines as the page is shown, turned by its ``/Rotate``: a portrait page
    shown sideways (``/Rotate 90``) came out last line first, read right to left across
    the shown image. Where the text is level in the page's own space (every character's
    angle 0), it is taken from the page unturned; where it is turned there (a landscape
    page stored sideways, shown upright by its ``/Rotate``), as shown. Boxes are in user
    space either way.
    """
    if not shown_turn(pdf_page):
        return pdf_page.get_textpage()
    rotation = pdf_page.get_rotation()
    pdf_page.set_rotation(0)
    try:
        return pdf_page.get_textpage()
    finally:
        pdf_page.set_rotation(rotation)


def shown_turn(pdf_page: Any) -> int:
    """The quarter turn (degrees, counterclockwise) that shows the page's text upright in
    its rendered image: its ``/Rotate`` when the text is level in the page's own space (a
    portrait page shown sideways), else none (text drawn turned, to be shown upright)."""
    rotation = pdf_page.get_rotation() % 360
    if not rotation:
        return 0
    textpage = pdf_page.get_textpage()
    try:
        count = textpage.count_chars()
        return rotation if count > 0 and _char_angles(textpage, count) is None else 0
    finally:
        textpage.close()


def _cell_gaps(textpage: Any, text: str) -> tuple[set[int], set[int], set[int]]:
    """On a spreadsheet's page: what pdfium made up between cells of a row, as
    ``(breaks to read as a word space, separators to drop, indexes to start a word at)``.

    pdfium does not know cells. It put one row's cells on lines of their own (``Kim`` /
    ``7`` / ``3`` / ``月``), split one cell's font runs (``3月``: a Latin digit and a CJK
    character are set in two fonts) with a made-up break, and wrote a right-aligned number
    and the next cell's text as one word (``42日本語``: 2 points apart, no space). Between
    two visible characters on one row (overlapping vertically by half the smaller's
    height), the second starting where the first ends or after it: made-up separators are
    a word space when the gap is over ``CELL_TOUCH`` of the height, and dropped under it
    (one cell's runs); with no separator, characters of two text objects that far apart
    are two words.
    """
    import ctypes

    import pypdfium2.raw as pdfium_c

    handle = textpage.raw
    spaces: set[int] = set()
    drop: set[int] = set()
    starts: set[int] = set()
    previous: int | None = None
    between: list[int] = []  # separators since the previous visible character
    for i, ch in enumerate(text):
        made_up = bool(pdfium_c.FPDFText_IsGenerated(handle, i))
        if ch.isspace() or _bad(ch):
            between.append(i if made_up else -1)  # -1: a space the file has
            continue
        if previous is not None and -1 not in between:
            p_left, p_bottom, p_right, p_top = textpage.get_charbox(previous, loose=True)
            q_left, q_bottom, _, q_top = textpage.get_charbox(i, loose=True)
            height = max(p_top - p_bottom, q_top - q_bottom)
            overlap = min(p_top, q_top) - max(p_bottom, q_bottom)
            smaller = min(p_top - p_bottom, q_top - q_bottom)
            gap = q_left - p_right
            if (smaller > 0 and overlap >= 0.5 * smaller
                    and q_left >= p_right - 0.25 * (p_right - p_left)):
                apart = gap > CELL_TOUCH * height
                if between:
                    (spaces if apart else drop).update(between)
                elif apart and (ctypes.cast(pdfium_c.FPDFText_GetTextObject(handle, previous),
                                            ctypes.c_void_p).value
                                != ctypes.cast(pdfium_c.FPDFText_GetTextObject(handle, i),
                                               ctypes.c_void_p).value):
                    starts.add(i)
        previous, between = i, []
    return spaces, drop, starts


_Word = tuple[str, list[tuple[float, float, float, float]]]


def _rows(lines: list[list[_Word]]) -> list[list[_Word]]:
    """A spreadsheet page's lines put in its rows, each row left to right.

    pdfium's order is the order Calc printed the cells in, which is not always the sheet's:
    cells mixing scripts (``Tokyo 東京``, ``서울 Seoul``; set in two fonts) came after the
    last row of the page. pdfium's lines are kept whole (a header turned 90 degrees is one
    line standing upright) and taken top to bottom by their middles; a line whose middle is
    more than half the first line's height below the first line's of a row starts the next
    row (a wrapped cell's second line is a row of its own, under its first).
    """
    placed = []
    for line in lines:
        if not line:
            continue
        boxes = [b for _, word_boxes in line for b in word_boxes]
        x0 = min(b[0] for b in boxes)
        y0 = min(b[1] for b in boxes)
        y1 = max(b[3] for b in boxes)
        placed.append(((y0 + y1) / 2, y1 - y0, x0, line))
    placed.sort(key=lambda p: (p[0], p[2]))
    rows: list[list[tuple[float, float, float, list[_Word]]]] = []
    for unit in placed:
        if rows and unit[0] - rows[-1][0][0] <= 0.5 * rows[-1][0][1]:
            rows[-1].append(unit)
        else:
            rows.append([unit])
    return [[w for _, _, w in sorted((k for unit in row for k in _keyed(unit[3])),
                                     key=lambda k: (k[0], k[1]))] for row in rows]


def _keyed(line: list[_Word]) -> list[tuple[float, int, _Word]]:
    """A line's words keyed for a row's left-to-right order: each by its own left edge (a
    pdfium line may hold cells of a row apart: ``Alice 42`` with ``Tokyo 東京`` between
    them), or all by the line's when it is turned (upright words, stacked: one cell)."""
    rects = [(min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
              max(b[3] for b in boxes)) for _, boxes in line]
    if any(r[3] - r[1] > r[2] - r[0] and len(w) > 1 for r, (w, _) in zip(rects, line,
                                                                      strict=True)):
        left = min(r[0] for r in rects)
        return [(left, k, word) for k, word in enumerate(line)]
    return [(r[0], 0, word) for r, word in zip(rects, line, strict=True)]


def text_layer_page(pdf_page: Any, *, dpi: int, page_id: int,
                    cells: bool = False) -> Page | None:
    """The page's words from its text layer, or None when the layer is missing or garbled.
    ``cells``: a spreadsheet's page, whose text objects are cells (``_cell_gaps``)."""
    import pypdfium2.raw as pdfium_c

    textpage = _textpage(pdf_page)
    try:
        count = textpage.count_chars()
        if count <= 0:
            return None
        text = _chars(textpage, count)
        visible = [c for c in text if not c.isspace()]
        if len(visible) < MIN_CHARS and (draws_images(pdf_page)
                                          or draws_filled_paths(pdf_page)):
            return None
        bad = sum(_bad(c) for c in visible) - len(_LIST_MARKER.findall(text))
        if bad > MAX_BAD_FRACTION * len(visible):
            return None
        joins = _made_up_joins(textpage, text)
        angles = _char_angles(textpage, count)
        skip, spaces = _rotated_runs(textpage, text, angles)
        hidden = clipped_away(pdf_page, textpage, text)
        spaces |= _continued_lines(textpage, text, angles)
        starts: set[int] = set()
        if cells:
            cell_spaces, drop, starts = _cell_gaps(textpage, text)
            spaces = (spaces | cell_spaces) - drop
            skip |= drop
        to_box, width_px, height_px = display_transform(pdf_page, dpi / POINTS_PER_INCH)
        lines: list[list[tuple[str, list[tuple[float, float, float, float]]]]] = [[]]
        current: list[tuple[float, float, float, float]] = []
        chars: list[str] = []

        def flush_word() -> None:
            if chars:
                lines[-1].append(("".join(chars), list(current)))
                chars.clear()
                current.clear()

        def add_char(i: int, ch: str) -> None:
            box = to_box(*textpage.get_charbox(i, loose=True))
            x0, y0, x1, y1 = box
            if not (0 <= x0 + x1 <= 2 * width_px and 0 <= y0 + y1 <= 2 * height_px):
                return  # off the page (cut away by the crop box): not shown, not read
            if x0 < 0 or y0 < 0 or x1 > width_px or y1 > height_px:  # cut to the image
                box = (max(x0, 0), max(y0, 0), min(x1, width_px), min(y1, height_px))
            current.append(box)
            chars.append(ch)

        for i, ch in enumerate(text):
            if i in spaces:
                flush_word()
                continue
            if i in skip:
                continue
            # a hyphen ending a line ("well-" / "known"): pdfium gives it as U+0002 and no
            # line break after it; the hyphen ends its word and its line, as printed
            hyphen = ch == LINE_END_HYPHEN and bool(pdfium_c.FPDFText_IsHyphen(textpage.raw, i))
            if ch in "\r\n" or hyphen:
                if hyphen and i not in hidden:
                    add_char(i, "-")
                flush_word()
                if lines[-1]:
                    lines.append([])
                continue
            if i in joins:
                continue
            if ch.isspace() or _bad(ch):
                flush_word()
                continue
            if i in hidden:
                continue
            if i in starts:
                flush_word()
            add_char(i, ch)
        flush_word()
    finally:
        textpage.close()
    if cells:
        lines = _rows(lines)
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
    if not words:
        return None  # all its text is off the page: what the page shows is for OCR to read
    return Page(
        confidence=1.0,
        height=height_px,
        id=page_id,
        text="\n".join(text_lines),
        width=width_px,
        words=words,
    )
