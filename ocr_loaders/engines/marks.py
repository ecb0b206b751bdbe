"""Korean punctuation that Tesseract ``kor`` reads as ASCII look-alikes; put it right.

Korean documents are typeset with curly single quotes around defined terms (‘1차 계약’이라
한다) and a middle dot between paired nouns (사용·수익, 확인·설명). Tesseract writes the quotes
as ``'`` or a backtick and the dot as ``-`` or the Hangul letter ``ㆍ`` (araea), which breaks
the words apart for search and citation. On lines read as Korean, one character is replaced
by one character (so word boxes stay put):

- ``'`` and `````: opening ``‘`` at the start of a word (after a space, the line start or an
  opening bracket), closing ``’`` after anything else;
- ``-``, ``:``, ``*``, ``ㆍ`` and ``ᆞ`` between two Hangul syllables: ``·`` (neither a hyphen,
  a colon nor an asterisk joins Hangul words without a space; numbers and Latin words keep
  theirs).

- ``[`` and ``]`` at a word's edge whose glyph is filled: ``【`` and ``】``, the black lenticular
  brackets of Korean headings (【주 문】, 【이 유】); Tesseract has no such letter. A thin bracket
  covers about 40% of its box, a lenticular one over 60%.

Measured on ../shared/eval ko_court_decisions: 60 quotes, 37 dots and 14 brackets of 21,689
characters.
"""

from __future__ import annotations

import re

import numpy as np

from ocr_loaders.engines.layout import LineResult, Piece, first_glyph, ink_mask, quad_rect

FILLED = 0.55
"""Share of its box a bracket glyph must cover to be lenticular (【) rather than square."""

_QUOTE = re.compile(r"['`]")
_DOT = re.compile(r"(?<=[\uac00-\ud7a3])[-:*\u318d\u119e](?=[\uac00-\ud7a3])")
_OPENERS = set("([{<「『【〈《“‘")


def korean_marks(text: str) -> str:
    """``text`` with Korean quotes and middle dots (same length, see the module docstring)."""
    text = _DOT.sub("·", text)

    def quote(m: re.Match[str]) -> str:
        before = text[m.start() - 1] if m.start() else " "
        return "‘" if before.isspace() or before in _OPENERS else "’"

    return _QUOTE.sub(quote, text)


def fix_line(line: LineResult, gray: np.ndarray | None = None) -> None:
    """Apply :func:`korean_marks` to a line and its words (in place), and with the page's
    grey image, turn filled square brackets into lenticular ones."""
    for piece in line.words:
        piece.text = korean_marks(piece.text)
        if gray is not None and ("[" in piece.text[:1] or "]" in piece.text[-1:]):
            piece.text = _lenticular(piece, gray)
    if len(line.text.split()) == len(line.words):  # the words are the text's tokens
        line.text = " ".join(p.text for p in line.words)
    else:
        line.text = korean_marks(line.text)


def _lenticular(piece: Piece, gray: np.ndarray) -> str:
    """The word's text with its edge brackets made lenticular where their glyph is filled."""
    x0, y0, x1, y1 = (round(v) for v in quad_rect(piece.quad))
    h = max(y1 - y0, 1)
    pad = int(0.3 * h)
    region = gray[max(y0, 0):max(y1, 0), max(x0 - pad, 0):max(x1 + pad, 0)]
    if region.size == 0:
        return piece.text
    ink = ink_mask(region)
    text = piece.text
    if text.startswith("[") and _filled(ink):
        text = "【" + text[1:]
    if text.endswith("]") and _filled(ink[:, ::-1]):
        text = text[:-1] + "】"
    return text


def _filled(ink: np.ndarray) -> bool:
    """Whether the first glyph from the left of an ink mask fills most of its box. Brackets
    span most of the line, so shorter ink is passed over: the padding reaches the previous
    word, whose last syllable's tip (a 3x2 px blob) otherwise counted as a filled bracket."""
    glyph = first_glyph(ink, min_height=ink.shape[0] // 2)
    return glyph is not None and float(glyph.mean()) >= FILLED


__all__ = ["fix_line", "korean_marks"]
