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

- ``<`` starting a word before a Hangul syllable and ``>`` ending one after a syllable:
  ``〈`` and ``〉``, the angle brackets of Korean titles (``[임대차보증금]〈다가구주택
  사건〉``); a comparison stands between its terms (``점수>80``, ``가<나``).

- ``[21`` starting a line: the point marker ``[2]`` of a court decision's summary (its ``]``
  read ``1``).

- ``[`` and ``]`` at a word's edge whose glyph is filled: ``【`` and ``】``, the black lenticular
  brackets of Korean headings (【주 문】, 【이 유】); Tesseract has no such letter. A thin bracket
  covers about 40% of its box, a lenticular one over 60%.

Measured on ../shared/eval ko_court_decisions: 60 quotes, 37 dots and 14 brackets of 21,689
characters.
"""

from __future__ import annotations

import re

import cv2
import numpy as np

from ocr_loaders.engines.layout import (
    LineResult,
    Piece,
    first_glyph,
    ink_mask,
    quad_rect,
    true_runs,
)

MARK_BOTTOM = 0.55
"""A quote's mark ends above this share of the word box's height..."""
HIGH_MARK_BOTTOM = 0.45
"""...or this share, where Tesseract read the mark as ``ㆍ`` (a middle dot is lower)..."""
MARK_SIZE = 0.35
"""...is at most this share of it tall (``ㅇ`` atop a syllable: 0.42)..."""
MARK_WIDTH = 0.36
"""...and this wide (two marks run together included; ``ㅇ`` atop a syllable: 0.45), and the
marks of one quote are at most this far apart (``MARK_GAP``)."""
MARK_GAP = 0.3
MERGED_MARKS = 0.24
"""Width, in heights, from which one mark is two run together (one measured 0.13, the two
of ``“`` with their gap 0.32)."""
DOT_SIZE = 0.3
"""A middle dot is at most this share of the word box's height wide and tall..."""
DOT_GAP = 0.08
"""...at least this share of it tall and this far from the ink either side..."""
DOT_BAND = (0.2, 0.8)
"""...and inks only rows within this band of it (a closing quote starts higher)."""
DOT_MIN_SYLLABLES = 4
"""Fewest syllables a word without a quote must have to get a dropped middle dot back."""
_DOUBLE = frozenset('"“”')
"""What Tesseract writes at a word's start for either opening quote (and ``_ARAEA``)."""
_ARAEA = frozenset("\u318d\u119e")
FILLED = 0.55
"""Share of its box a bracket glyph must cover to be lenticular (【) rather than square."""

_QUOTE = re.compile(r"['`]")
_DOT = re.compile(r"(?<=[\uac00-\ud7a3])[-:*\u318d\u119e](?=[\uac00-\ud7a3])")
_MARKER = re.compile(r"\[[0-9]{1,2}1(?=\s|$)")
_ANGLE_OPEN = re.compile(r"(?:^|(?<=[\s\[\]()]))<(?=[\uac00-\ud7a3])")
_ANGLE_CLOSE = re.compile(r"(?<=[\uac00-\ud7a3])>(?=$|[\s\[\](),.])")
_OPENERS = set("([{<「『【〈《“‘")


def korean_marks(text: str) -> str:
    """``text`` with Korean quotes, middle dots and angle brackets (same length, see the
    module docstring)."""
    text = _ANGLE_OPEN.sub("〈", _DOT.sub("·", text))

    def angle(m: re.Match[str]) -> str:  # not closing a ``<`` left as it is (``<2024년``)
        return ">" if "<" in text[:m.start()].rsplit("〈", 1)[-1] else "〉"

    text = _ANGLE_CLOSE.sub(angle, text)

    def quote(m: re.Match[str]) -> str:
        before = text[m.start() - 1] if m.start() else " "
        return "‘" if before.isspace() or before in _OPENERS else "’"

    return _QUOTE.sub(quote, text)


def fix_line(line: LineResult, gray: np.ndarray | None = None) -> None:
    """Apply :func:`korean_marks` to a line and its words (in place), and with the page's
    grey image, turn filled square brackets into lenticular ones and tell single opening
    quotes from double ones (``_opening_quote``)."""
    if line.words:
        line.words[0].text = _point_marker(line.words[0].text)
    tokens = len(line.text.split()) == len(line.words)  # the words are the text's tokens
    for piece in line.words:
        piece.text = korean_marks(piece.text)
        if gray is not None and tokens:  # (the text is rebuilt from the words below)
            piece.text = _middle_dot(piece, gray)
        if gray is not None and ("[" in piece.text[:1] or "]" in piece.text[-1:]):
            piece.text = _lenticular(piece, gray)
        if gray is not None and piece.text[:1] in _DOUBLE:
            piece.text = _opening_quote(piece, gray) + piece.text[1:]
        elif gray is not None and piece.text[:1] in _ARAEA and len(piece.text) > 1:
            # ``ㆍ주택임대차법`` for ``‘주택임대차법``: a mark high in the line is a quote
            piece.text = _opening_quote(piece, gray, HIGH_MARK_BOTTOM) + piece.text[1:]
    if tokens:
        line.text = _closing_quotes(" ".join(p.text for p in line.words))
        for piece, token in zip(line.words, line.text.split()):
            piece.text = token
    else:
        line.text = _point_marker(korean_marks(line.text))


def _point_marker(text: str) -> str:
    """``text`` with a first word ``[21`` as the point marker ``[2]`` of a court decision's
    summary, its ``]`` read ``1`` (4 of the eval's markers); one character for one."""
    found = _MARKER.match(text.lstrip())
    if found is None:
        return text
    end = len(text) - len(text.lstrip()) + found.end()
    return text[:end - 1] + "]" + text[end:]


def _opening_quote(piece: Piece, gray: np.ndarray, bottom: float = MARK_BOTTOM) -> str:
    """The opening quote a word starts with, by its marks: ``‘`` for one, ``“`` for two.

    Tesseract ``kor`` reads the single quotes of Korean defined terms (‘실제 ...’) as ``"``
    (8 of the 30 on the eval's court decisions). A quote's marks are small blobs in the top
    half of the line, before the first letter; counted on the 39 opening quotes of those
    pages (ground-truth boxes), every one was right.
    """
    first = piece.text[0]
    x0, y0, _, y1 = (round(v) for v in quad_rect(piece.quad))
    h = y1 - y0
    start = max(x0 - int(0.15 * h), 0)
    region = gray[max(y0, 0):max(y1, 0), start:max(x0 + int(0.9 * h), 0)]
    if h < 8 or region.size == 0 or int(region.max()) - int(region.min()) < 64:
        return first
    ink = ink_mask(region).astype(np.uint8)
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    marks: list[tuple[int, int]] = []  # (left, right) of each mark, left to right
    for left, top, width, height, area in sorted(stats[1:].tolist()):
        mark_like = (top + height <= bottom * h and height <= MARK_SIZE * h
                     and width <= MARK_WIDTH * h)
        if area < 2 or (start + left + width <= x0 and not mark_like):
            continue  # a speck, or the previous word's ink in the margin
        if not mark_like:
            break  # the first letter
        if marks and left - marks[-1][1] > MARK_GAP * h:
            break
        marks.append((left, left + width))
    if len(marks) == 1 and marks[0][1] - marks[0][0] >= MERGED_MARKS * h:
        return "“"  # two marks run together on a blurred scan
    return {1: "‘", 2: "“"}.get(len(marks), first)


def _syllable(c: str) -> bool:
    return "\uac00" <= c <= "\ud7a3"


def _middle_dot(piece: Piece, gray: np.ndarray) -> str:
    """The word's text with the middle dot its pixels show between two syllables, where
    Tesseract read it as a closing quote (``건축’분양하는``) or dropped it (``주장증명하여야``;
    2 of the 37 dots of the Korean eval pages).

    A middle dot stands alone in its columns, small, in the middle of the line's height; a
    closing quote is high, and every part of a syllable shares its columns with other strokes
    or is tall (``이``'s ``ㅣ``). Which syllables it stands between is worked out from where
    it is in the box, the syllables taken as equally wide. A word that holds no quote gets a
    dot only when it is at least ``DOT_MIN_SYLLABLES`` syllables long (two nouns joined).
    """
    text = piece.text
    syllables = [k for k, c in enumerate(text) if _syllable(c)]
    quotes = [k for k, c in enumerate(text) if c in "’'"]
    if len(syllables) < 2 or len(quotes) > 1:
        return text
    if quotes:  # between two syllables, or nothing to do
        k = quotes[0]
        if not (0 < k < len(text) - 1 and _syllable(text[k - 1]) and _syllable(text[k + 1])):
            return text
    elif len(syllables) < DOT_MIN_SYLLABLES or len(syllables) != len(text):
        return text
    x0, y0, x1, y1 = (round(v) for v in quad_rect(piece.quad))
    h = y1 - y0
    region = gray[max(y0, 0):max(y1, 0), max(x0, 0):max(x1, 0)]
    if h < 10 or region.size == 0 or int(region.max()) - int(region.min()) < 64:
        return text
    ink = ink_mask(region)
    dots = []
    islands = true_runs(np.asarray(ink.any(axis=0)))
    for i, (start, end) in enumerate(islands):
        if i == 0 or i == len(islands) - 1 or end - start > DOT_SIZE * h:
            continue
        rows = np.flatnonzero(ink[:, start:end].any(axis=1))
        top, bottom = int(rows[0]), int(rows[-1]) + 1
        tall, wide = bottom - top, end - start
        # square, set apart: the stub of a small ``ㅏ`` cut off its stroke is a flat blob
        # 1 px from it (``바로`` in 20 px print read ``바·로``)
        apart = min(start - islands[i - 1][1], islands[i + 1][0] - end) >= DOT_GAP * h
        if (DOT_GAP * h <= tall <= DOT_SIZE * h and 0.5 <= wide / tall <= 2 and apart
                and top >= DOT_BAND[0] * h and bottom <= DOT_BAND[1] * h):
            dots.append((start, end))
    if len(dots) != 1:
        return text
    (start, end), = dots
    width = (region.shape[1] - (end - start)) / len(syllables)  # a syllable's, about
    before = round(start / width)  # syllables left of the dot
    if not 0 < before < len(syllables):
        return text
    if quotes:
        k = quotes[0]
        return text[:k] + "·" + text[k + 1:] if syllables.index(k - 1) + 1 == before else text
    k = syllables[before]
    return text[:k] + "·" + text[k:]


def _closes(before: str, open_quote: str) -> bool:
    """Whether a ``"`` after ``before`` may close the quote ``open_quote`` opened: not after
    a space, and a single quote's not after a digit (an inch mark: ``‘모니터(27" 규격)``);
    a double quote's after anything (``“Hello"``, ``“2024"``)."""
    return not before.isspace() and (open_quote == "“" or not before.isdigit())


def _closing_quotes(text: str) -> str:
    """``"`` that closes a quote (not at a word's start) as the closing form of the quote it
    closes: ``’`` after ``‘``, ``”`` after ``“`` (``‘주택임대차법"이라고``)."""
    if '"' not in text:
        return text
    out = list(text)
    open_quote = ""
    for k, c in enumerate(out):
        if c in "‘“" and (k == 0 or out[k - 1].isspace() or out[k - 1] in _OPENERS):
            open_quote = c
        elif c in "’”":
            open_quote = ""
        elif c == '"' and k and open_quote and _closes(out[k - 1], open_quote):
            out[k] = "’" if open_quote == "‘" else "”"
            open_quote = ""
    return "".join(out)


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
