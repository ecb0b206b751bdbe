"""Straight or curly quotes as printed (engines/quotes.py): PP-OCRv6 writes ``'`` and ``"``
for both; the glyph decides."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from ocr_loaders.engines.layout import LineResult, Piece, rect_quad
from ocr_loaders.engines.local import LocalEngine
from ocr_loaders.engines.quotes import candidate, set_quotes, typographic

DEJAVU = "/usr/share/fonts/truetype/dejavu/"


@pytest.mark.parametrize(("text", "expected"), [
    ("Banach's", "Banach’s"),
    ('"claim"', "“claim”"),
    ('("claim")', "(“claim”)"),
    ("'16", "‘16"),                 # as word processors set a year
    ("'settled'", "‘settled’"),
    ("\"'Tis", "“‘Tis"),            # a quote after an opening quote opens too
    ('was—"final"—they', "was—“final”—they"),
    ('and/"or"', "and/“or”"),
    ('"defectors."', "“defectors.”"),
    ("no.'\"", "no.’”"),             # a quote after a closing quote closes
    ('Wait…"', "Wait…”"),
])
def test_curly_quotes_face_by_their_place(text: str, expected: str) -> None:
    assert typographic(text) == expected


def test_only_latin_words_with_straight_quotes_are_checked() -> None:
    quad = rect_quad(0, 0, 10, 10)
    assert candidate(Piece("don't", 1.0, quad))
    assert not candidate(Piece("“claim”", 1.0, quad))  # curly already
    assert not candidate(Piece("'사용'", 1.0, quad))     # Korean: engines/marks.py
    assert not candidate(Piece("plain", 1.0, quad))
    assert not candidate(Piece('"', 1.0, quad))          # a lone quote: which way it faces?
    assert candidate(Piece("Acme™'s", 1.0, quad))
    assert candidate(Piece("€5's", 1.0, quad))


def test_the_line_votes_and_changes_text_and_words_together() -> None:
    """Most of the quotes read on the line are curly: all of its quotes are, in the word's
    text and the line's token together, one character for one."""
    import numpy as np

    class Curly:  # stands in for Tesseract: what it reads decides
        def recognize_line(self, image: Image.Image, lang: str) -> tuple[str, float, list]:
            return "it’s" if image.width < 40 else "it's", 0.9, []

    # two narrow words read curly, one wide one straight (the crops are enlarged 2x)
    words = [Piece(t, 1.0, rect_quad(x0, 0, x1, 20))
             for t, (x0, x1) in zip(["it's", "it's", "“x”", "don't"],
                                    [(0, 8), (10, 18), (20, 28), (30, 60)])]
    line = LineResult(rect_quad(0, 0, 60, 20), "it's it's “x” don't", 0.9, words)
    gray = np.full((40, 80), 255, np.uint8)
    set_quotes([line], gray, Curly(), lambda fn, items: [fn(i) for i in items])  # type: ignore[arg-type]
    assert line.text == "it’s it’s “x” don’t"
    assert [w.text for w in line.words] == ["it’s", "it’s", "“x”", "don’t"]
    straight = LineResult(rect_quad(0, 0, 60, 20), "don't it's", 0.9, [
        Piece("don't", 1.0, rect_quad(0, 0, 30, 20)), Piece("it's", 1.0, rect_quad(32, 0, 40, 20))])
    set_quotes([straight], gray, Curly(), lambda fn, items: [fn(i) for i in items])  # type: ignore[arg-type]
    assert straight.text == "don't it's"  # one of two: no majority
    # words that are not the text's tokens at their index are left alone
    swapped = LineResult(rect_quad(0, 0, 60, 20), "ok it's", 0.9, [
        Piece("it's", 1.0, rect_quad(0, 0, 8, 20)), Piece("ok", 1.0, rect_quad(10, 0, 18, 20))])
    set_quotes([swapped], gray, Curly(), lambda fn, items: [fn(i) for i in items])  # type: ignore[arg-type]
    assert swapped.text == "ok it's" and swapped.words[0].text == "it's"


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


def test_a_long_strip_gets_its_quotes_too(engine: LocalEngine) -> None:
    # images over 8 times wider than tall are read folded into rows (engines/strips.py)
    img = Image.new("RGB", (1600, 144), "white")
    ImageDraw.Draw(img).text((20, 50), "Banach’s “claim” was ‘settled’ long ago.",
                             font=ImageFont.truetype(DEJAVU + "DejaVuSerif.ttf", 40), fill="black")
    assert engine.recognize_image(img).text == "Banach’s “claim” was ‘settled’ long ago."


def test_without_english_tesseract_data_quotes_stay_as_read(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A tessdata folder without ``eng`` (Korean only): no quote check, no failure."""
    from ocr_loaders.engines.tesseract import find_tessdata

    tessdata = find_tessdata(("kor",))
    if tessdata is None:
        pytest.skip("no Tesseract kor data")
    for name in ("kor.traineddata", "osd.traineddata"):
        if (Path(tessdata) / name).exists():
            (tmp_path / name).symlink_to(Path(tessdata) / name)
    engine = LocalEngine(tessdata=str(tmp_path))
    page = engine.recognize_image(_page([("DejaVuSerif.ttf", "Banach’s “claim” was fine.")], 32))
    assert page.text == "Banach's \"claim\" was fine."


def test_a_line_of_many_quoted_fields_reads_a_few_for_its_vote() -> None:
    """A printout of quoted fields: Tesseract reads the line's first ``VOTERS`` words with a
    quote, and the vote applies to all of them."""
    import numpy as np

    from ocr_loaders.engines.quotes import VOTERS

    read: list[int] = []

    class Curly:
        def recognize_line(self, image: Image.Image, lang: str) -> tuple[str, float, list]:
            read.append(image.width)
            return "“x”", 0.9, []

    fields = [f'"f{k}",' for k in range(20)]
    words = [Piece(t, 1.0, rect_quad(40 * k, 0, 40 * k + 30, 20)) for k, t in enumerate(fields)]
    line = LineResult(rect_quad(0, 0, 800, 20), " ".join(fields), 0.9, words)
    set_quotes([line], np.full((40, 820), 255, np.uint8), Curly(),  # type: ignore[arg-type]
               lambda fn, items: [fn(i) for i in items])
    assert len(read) == VOTERS
    assert line.text.split() == [f"“f{k}”," for k in range(20)]
