"""Straight or curly quotes as printed (engines/quotes.py): PP-OCRv6 writes ``'`` and ``"``
for both; the glyph decides."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw, ImageFont

from ocr_loaders.engines.layout import LineResult, Piece, rect_quad
from ocr_loaders.engines.local import LocalEngine
from ocr_loaders.engines.quotes import candidate, set_quotes, typographic

DEJAVU = "/usr/share/fonts/truetype/dejavu/"


@pytest.mark.parametrize(("text", "curly", "expected"), [
    ("Banach's", [True], "Banach’s"),
    ('"claim"', [True, True], "“claim”"),
    ('("claim")', [True, True], "(“claim”)"),
    ("'16", [True], "‘16"),
    ("'settled'", [True, True], "‘settled’"),
    ('"Banach\'s', [True, False], "“Banach's"),   # paired in order
    ('"defectors."', [True, True, True, True], "“defectors.”"),  # more read, all curly
    ('"B"', [True], "“B”"),                        # fewer read, all curly
    ('"B"', [False, True, True], '"B"'),           # counts differ and not all curly
    ("don't", [False], "don't"),
    ("don't", [], "don't"),                        # Tesseract read no quote
])
def test_typographic_pairs_quotes_in_order(text: str, curly: list[bool], expected: str) -> None:
    assert typographic(text, curly) == expected


def test_only_latin_words_with_straight_quotes_are_checked() -> None:
    quad = rect_quad(0, 0, 10, 10)
    assert candidate(Piece("don't", 1.0, quad))
    assert not candidate(Piece("“claim”", 1.0, quad))  # curly already
    assert not candidate(Piece("'사용'", 1.0, quad))     # Korean: engines/marks.py
    assert not candidate(Piece("plain", 1.0, quad))


def test_a_change_is_made_in_the_line_text_at_the_word_index() -> None:
    """The word's text and the line's token change together, one character for one."""
    import numpy as np

    class Curly:  # stands in for Tesseract: what it reads decides
        def recognize_line(self, image: Image.Image, lang: str) -> tuple[str, float, list]:
            return "it’s", 0.9, []

    words = [Piece(t, 1.0, rect_quad(20 * k, 0, 20 * k + 18, 20))
             for k, t in enumerate(["it's", "it's", "“x”"])]
    line = LineResult(rect_quad(0, 0, 60, 20), "it's it's “x”", 0.9, words)
    gray = np.full((40, 80), 255, np.uint8)
    set_quotes([line], gray, Curly(), lambda fn, items: [fn(i) for i in items])  # type: ignore[arg-type]
    assert line.text == "it’s it’s “x”"
    assert [w.text for w in line.words] == ["it’s", "it’s", "“x”"]


def _page(lines: list[tuple[str, str]], size: int) -> Image.Image:
    img = Image.new("RGB", (1500, 60 + 2 * size * len(lines)), "white")
    draw = ImageDraw.Draw(img)
    for i, (font, text) in enumerate(lines):
        draw.text((40, 30 + 2 * size * i), text, font=ImageFont.truetype(DEJAVU + font, size),
                  fill="black")
    return img


@pytest.mark.parametrize("size", [28, 40])
def test_typeset_quotes_come_out_curly_and_plain_ones_straight(engine: LocalEngine,
                                                               size: int) -> None:
    """A serif line set with typographic quotes and apostrophes, and sans-serif and
    monospaced lines typed with straight ones, on one page."""
    page = engine.recognize_image(_page([
        ("DejaVuSerif.ttf", "Banach’s “claim” was ‘settled’ long ago."),
        ("DejaVuSans.ttf", "The user's \"quoted\" words aren't curly."),
        ("DejaVuSansMono.ttf", "It's \"plain\" text, don't worry."),
    ], size))
    lines = page.text.split("\n")
    assert lines[0] == "Banach’s “claim” was ‘settled’ long ago."
    assert lines[1] == "The user's \"quoted\" words aren't curly."
    assert lines[2] == "It's \"plain\" text, don't worry."
    # the words are the line's tokens still, with their boxes
    assert [w.text for w in page.words[:6]] == lines[0].split()
