"""Straight or typographic quotes, as printed: ``'`` and ``"`` read where the page has ``’``
``‘`` ``“`` ``”``.

PP-OCRv6 writes nearly every single quote and apostrophe as ``'`` and most double quotes as
``"``, whatever the glyph: its training labels were normalised (on the eval's quotes it put at
most 0.15 of a frame's probability on ``’``, whether the page's glyph was curly or straight).
Typeset documents (word processors, LaTeX) print curly ones (``Banach’s “claim”``), typewriters,
many forms and receipts straight ones; a user searching for the text, or comparing it with the
document's own text, needs the one printed.

Tesseract's ``eng`` model tells them apart (its training text kept them): each word holding a
straight quote is read again by Tesseract alone, enlarged to ``READ_HEIGHT`` when smaller, and
the line's quotes are curly when most of those Tesseract reads on the line are (one line is one
font: a vote, because one reading alone is often wrong on small or skewed print). Only that is
taken from Tesseract: which characters a word has, and whether a quote is single or double,
stay PP-OCRv6's (Tesseract is the weaker reader; it wrote ``“‘defectors.’’`` for
``"defectors."``). A curly quote is written by its place: ``‘`` / ``“`` at a word's start or
after an opening bracket, opening quote, dash or slash, ``’`` / ``”`` elsewhere (an apostrophe is
``’``; a year's ``‘14`` as word processors set it). A quote standing alone as a word is left
as it is (which way it faces is not known). One character for one: boxes stay put.

Measured on DejaVu Sans, Serif and Mono pages at 16-40 px, level and turned 3 degrees
(``benchmarks/bench_quotes.py``, 336 straight and 504 curly quotes): per word without
enlarging, 78% of the straight quotes and 88% of the curly ones came out as printed; with the
line vote and enlarging, 324/336 and 503/504 (the misses: one straight line at 16 px turned
3 degrees in Serif and one in Mono, where Tesseract read ``'idea'`` and ``can't`` curly).
About 2-3 ms of Tesseract a word, only for words with a quote.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import cv2
import numpy as np
from PIL import Image

from ocr_loaders.engines.layout import CJK, LineResult, Piece, quad_rect
from ocr_loaders.engines.tesseract import Tesseract

CURLY = frozenset("‘’“”‚„‹›«»")
"""Tesseract's readings of a curly (typographic) quote."""
STRAIGHT = frozenset("'\"`")
"""...and of a straight one."""
PAD = 0.25
"""Margin around a word's box, in line heights, for Tesseract (it needs some white)."""
MIN_HEIGHT = 8
"""Fewest pixels a word must be tall for the glyphs to be told apart."""
READ_HEIGHT = 40
"""Height, in pixels, that a smaller word's box is enlarged to for Tesseract."""
VOTERS = 4
"""Most words of a line Tesseract reads for its vote (the line's first ones with a quote):
a printout of quoted fields (``"a","b",...``) costs a few words a line, not every field."""

_ASCII = frozenset("'\"")
_OPENERS = frozenset("([{<“‘—–/")
"""What a quote opens after (besides nothing: a word's start), the quotes before it as
already decided (``"'Tis`` opens twice, ``no.'"`` closes twice)."""


def candidate(piece: Piece) -> bool:
    """Whether a word holds a straight quote and no CJK (``eng`` can read it), and is more
    than quotes and punctuation (a lone quote's side is not known)."""
    text = piece.text
    return (any(q in text for q in _ASCII) and not CJK.search(text)
            and any(c.isalnum() for c in text))


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
    if h < READ_HEIGHT:  # small print: Tesseract takes curly for straight and back
        scale = READ_HEIGHT / h
        region = cv2.resize(region, (round(region.shape[1] * scale),
                                     round(region.shape[0] * scale)),
                            interpolation=cv2.INTER_CUBIC)
    text, _, _ = tess.recognize_line(Image.fromarray(np.ascontiguousarray(region)), "eng")
    return [c in CURLY for c in text if c in CURLY or c in STRAIGHT]


def typographic(text: str) -> str:
    """``text`` with its straight quotes curly, each by its place (module docstring)."""
    out = list(text)
    for k, c in enumerate(text):
        if c not in _ASCII:
            continue
        opening = k == 0 or out[k - 1] in _OPENERS
        if c == "'":
            out[k] = "‘" if opening else "’"
        else:
            out[k] = "“" if opening else "”"
    return "".join(out)


def set_quotes(lines: list[LineResult], gray: np.ndarray, tess: Tesseract,
               each: Callable[[Callable[[int], list[bool]], Sequence[int]], list[list[bool]]]
               ) -> None:
    """Curly quotes where the page prints them, in the words and text of ``lines`` (in place;
    lines whose words are not their text's tokens are left alone): a line's quotes are
    curly when most of the quotes Tesseract reads in its words (up to ``VOTERS`` of them)
    are. ``each`` maps a function over word indices (the engine's threads: Tesseract lets go
    of the GIL)."""
    todo = _to_check(lines)
    if not todo:
        return
    sample: list[tuple[LineResult, int]] = []  # the words Tesseract reads: a few a line
    per_line: dict[int, int] = {}
    for line, k in todo:
        if per_line.get(id(line), 0) < VOTERS:
            per_line[id(line)] = per_line.get(id(line), 0) + 1
            sample.append((line, k))
    styles = each(lambda i: printed_styles(tess, gray, sample[i][0].words[sample[i][1]]),
                  range(len(sample)))
    votes: dict[int, list[int]] = {}  # id(line) -> [curly, read]
    for (line, _), style in zip(sample, styles):
        vote = votes.setdefault(id(line), [0, 0])
        vote[0] += sum(style)
        vote[1] += len(style)
    tokens: dict[int, list[str]] = {}  # id(line) -> its text's tokens, as changed
    for line, k in todo:
        curly, read = votes[id(line)]
        if 2 * curly <= read:
            continue
        piece = line.words[k]
        own = tokens.setdefault(id(line), line.text.split())
        if own[k] != piece.text:  # the word is not the text's token there: left alone
            continue
        own[k] = piece.text = typographic(piece.text)
        line.text = " ".join(own)


def has_quotes(lines: list[LineResult]) -> bool:
    """Whether any word of ``lines`` is for :func:`set_quotes` to check."""
    return bool(_to_check(lines))


def _to_check(lines: list[LineResult]) -> list[tuple[LineResult, int]]:
    """``(line, word index)`` of the words holding a straight quote (``candidate``), on lines
    whose words are their text's tokens (a word's change is made in the text at its index)."""
    return [(line, k) for line in lines
            if any(q in line.text for q in _ASCII) and len(line.text.split()) == len(line.words)
            for k, piece in enumerate(line.words) if candidate(piece)]
