"""Born-digital PDF pages: read the text layer instead of OCR (exact text, confidence 1.0).

PDFs made by a program (and every Office file, which is converted to PDF) carry their text.
Reading it with pypdfium2 is exact and about a hundred times faster than OCR. A layer that is
missing, nearly empty or garbled (unmapped glyphs in the private use area, replacement or
control characters) is not trusted; the page is OCR'd instead. Boxes are the characters' font
boxes at the rendering DPI, in the same pixel space an OCR'd page would have.
"""

from __future__ import annotations

from typing import Any

from ocr_loaders.models import BoundingBox, Page, Word

POINTS_PER_INCH = 72.0
MIN_CHARS = 8
MAX_BAD_FRACTION = 0.05


def _bad(ch: str) -> bool:
    code = ord(ch)
    return (
        ch == "\ufffd"
        or 0xE000 <= code <= 0xF8FF
        or (code < 32 and ch not in "\r\n\t")
    )


def text_layer_page(pdf_page: Any, *, dpi: int, page_id: int) -> Page | None:
    """The page's words from its text layer, or None when the layer is missing or garbled."""
    textpage = pdf_page.get_textpage()
    try:
        count = textpage.count_chars()
        if count <= 0:
            return None
        text = textpage.get_text_range(0, count)
        if len(text) != count:  # no 1:1 char/box mapping: do not guess
            return None
        visible = [c for c in text if not c.isspace()]
        if len(visible) < MIN_CHARS:
            return None
        if sum(_bad(c) for c in visible) > MAX_BAD_FRACTION * len(visible):
            return None
        width_pt, height_pt = pdf_page.get_size()
        scale = dpi / POINTS_PER_INCH
        lines: list[list[tuple[str, list[tuple[float, float, float, float]]]]] = [[]]
        current: list[tuple[float, float, float, float]] = []
        chars: list[str] = []

        def flush_word() -> None:
            if chars:
                lines[-1].append(("".join(chars), list(current)))
                chars.clear()
                current.clear()

        for i, ch in enumerate(text):
            if ch in "\r\n":
                flush_word()
                if lines[-1]:
                    lines.append([])
                continue
            if ch.isspace() or _bad(ch):
                flush_word()
                continue
            left, bottom, right, top = textpage.get_charbox(i, loose=True)
            y_top, y_bottom = (height_pt - top) * scale, (height_pt - bottom) * scale
            current.append((left * scale, y_top, right * scale, y_bottom))
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
        height=max(1, round(height_pt * scale)),
        id=page_id,
        text="\n".join(text_lines),
        width=max(1, round(width_pt * scale)),
        words=words,
    )
