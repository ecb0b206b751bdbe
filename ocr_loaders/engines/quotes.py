"""Straight or typographic quotes, as printed: ``'`` and ``"`` read where the page has ``’``
``‘`` ``“`` ``”``.

PP-OCRv6 writes nearly every single quote and apostrophe as ``'`` and most double quotes as
``"``, whatever the glyph: its training labels were normalised (on the eval's quotes it put at
most 0.15 of a frame's probability on ``’``, whether the page's glyph was curly or straight).
Typeset documents (word processors, LaTeX) print curly ones (``Banach’s “claim”``), typewriters,
many forms and receipts straight ones; a user searching for the text, or comparing it with the
document's own text, needs the one printed.

Tesseract's ``eng`` model tells them apart (its training text kept them): each word holding a
straight quote is read again by Tesseract alone, and its reading says which kind the glyphs
are. Only that is taken from it: which characters the word has, and whether a quote is single
or double, stay PP-OCRv6's (Tesseract is the weaker reader of the two; on the eval's pages it
wrote ``“‘defectors.’’`` for ``"defectors."``, all four curly, which is what is used). A curly
glyph is written by its place: ``‘`` / ``“`` at a word's start or after an opening bracket,
``’`` / ``”`` elsewhere (an apostrophe is ``’``, a year's ``‘14`` as word processors set them).
One character for one: boxes stay put.

Measured on the eval's English pages (``benchmarks/bench_engines.py``): Computer Modern and
Times quotes read curly, the straight ticks of a deposition's sans-serif font and of forms
straight; about 3 ms of Tesseract a word, only for words with a quote.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np
from PIL import Image

from ocr_loaders.engines.layout import LineResult, Piece, quad_rect
from ocr_loaders.engines.tesseract import Tesseract

CURLY = frozenset("‘’“”‚„‹›«»")
"""Tesseract's readings of a curly (typographic) quote."""
STRAIGHT = frozenset("'\"`")
"""...and of a straight one."""
PAD = 0.25
"""Margin around a word's box, in line heights, for Tesseract (it needs some white)."""
MIN_HEIGHT = 8
"""Fewest pixels a word must be tall for the glyphs to be told apart."""

_ASCII = frozenset("'\"")
_OPENERS = frozenset("([{<“‘")
_NOT_LATIN = re.compile(r"[^\u0000-\u024f\u2000-\u206f]")
"""Any character outside Latin scripts and general punctuation: no word for Tesseract eng."""


def candidate(piece: Piece) -> bool:
    """Whether a word holds a straight quote and is Latin (``eng`` can read it)."""
    return any(q in piece.text for q in _ASCII) and not _NOT_LATIN.search(piece.text)


def printed_styles(tess: Tesseract, gray: np.ndarray, piece: Piece) -> list[bool]:
    """For each quote Tesseract reads in the word's box, left to right, whether it is curly."""
    x0, y0, x1, y1 = (round(v) for v in quad_rect(piece.quad))
    h = y1 - y0
    if h < MIN_HEIGHT or x1 <= x0:
        return []
    pad = max(2, round(PAD * h))
    region = gray[max(y0 - pad, 0):y1 + pad, max(x0 - pad, 0):x1 + pad]
    if region.size == 0:
        return []
    text, _, _ = tess.recognize_line(Image.fromarray(np.ascontiguousarray(region)), "eng")
    return [c in CURLY for c in text if c in CURLY or c in STRAIGHT]


def typographic(text: str, curly: list[bool]) -> str:
    """``text`` with its straight quotes curly where ``curly`` says so: the word's quotes and
    Tesseract's paired in order when there are as many, or all of them when Tesseract read
    every quote curly; otherwise ``text`` as it is."""
    places = [k for k, c in enumerate(text) if c in _ASCII]
    if not places or not curly:
        return text
    if len(curly) != len(places):
        if not all(curly):
            return text
        curly = [True] * len(places)
    out = list(text)
    for k, is_curly in zip(places, curly):
        if not is_curly:
            continue
        opening = k == 0 or text[k - 1] in _OPENERS
        if text[k] == "'":
            out[k] = "‘" if opening else "’"
        else:
            out[k] = "“" if opening else "”"
    return "".join(out)


def set_quotes(lines: list[LineResult], gray: np.ndarray, tess: Tesseract,
               each: Callable[[Callable[[int], list[bool]], Sequence[int]], list[list[bool]]]
               ) -> None:
    """Curly quotes where the page prints them, in the words and text of ``lines`` (in place;
    lines whose words are not their text's tokens are left alone). ``each`` maps a function
    over word indices (the engine's threads: Tesseract lets go of the GIL)."""
    todo = _to_check(lines)
    if not todo:
        return
    styles = each(lambda i: printed_styles(tess, gray, todo[i][0].words[todo[i][1]]),
                  range(len(todo)))
    for (line, k), curly in zip(todo, styles):
        piece = line.words[k]
        text = typographic(piece.text, curly)
        if text == piece.text:
            continue
        tokens = line.text.split()
        if tokens[k] == piece.text:
            tokens[k] = text
            line.text = " ".join(tokens)
        piece.text = text


def has_quotes(lines: list[LineResult]) -> bool:
    """Whether any word of ``lines`` is for :func:`set_quotes` to check."""
    return bool(_to_check(lines))


def _to_check(lines: list[LineResult]) -> list[tuple[LineResult, int]]:
    """``(line, word index)`` of the Latin words holding a straight quote, on lines whose
    words are their text's tokens (a word's change is made in the text at its index)."""
    return [(line, k) for line in lines
            if any(q in line.text for q in _ASCII) and len(line.text.split()) == len(line.words)
            for k, piece in enumerate(line.words) if candidate(piece)]
