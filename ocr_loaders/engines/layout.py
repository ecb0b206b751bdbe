"""Geometry shared by engines: words from recogniser pieces, their boxes, ink.

A *word* is a maximal run of non-whitespace characters of a line's text, in every script, as
in the API: ``"Total 合計 1,200円"`` has three words. Recognisers report pieces (characters or
sub-words with boxes); :func:`merge_pieces` turns them into those words, with the union of the
pieces' boxes and their mean confidence.

Also: ink masks and runs for the engines' pixel checks, and word boxes tightened to their ink.
The page's reading order is in ``engines/order.py``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7a3\uf900-\ufaff\uff00-\uffef]")
"""CJK characters (ideographs, kana, Hangul, full-width forms): lines with one get no
recovered spaces (``engines/ctcmarks.py``); words with one no quote check
(``engines/quotes.py``)."""

Point = tuple[float, float]
Quad = list[Point]


@dataclass
class Piece:
    """A recogniser's output unit: text, confidence in 0..1, and a quad in page pixels."""

    text: str
    confidence: float
    quad: Quad


@dataclass
class LineResult:
    """One detected text line: its quad, text and the words within it."""

    quad: Quad
    text: str
    confidence: float
    words: list[Piece] = field(default_factory=list)
    pieces: list[Piece] = field(default_factory=list)  # the recogniser's raw units

    @property
    def rect(self) -> tuple[float, float, float, float]:
        return quad_rect(self.quad)


def quad_rect(quad: Sequence[Sequence[float]]) -> tuple[float, float, float, float]:
    xs = [p[0] for p in quad]
    ys = [p[1] for p in quad]
    return min(xs), min(ys), max(xs), max(ys)


def rect_quad(x0: float, y0: float, x1: float, y1: float) -> Quad:
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def union_quad(quads: Sequence[Sequence[Sequence[float]]]) -> Quad:
    """Union of quads. A single quad is kept as is (it may be rotated)."""
    if len(quads) == 1:
        return [(float(p[0]), float(p[1])) for p in quads[0]]
    rects = [quad_rect(q) for q in quads]
    return rect_quad(
        min(r[0] for r in rects), min(r[1] for r in rects),
        max(r[2] for r in rects), max(r[3] for r in rects),
    )


def locate_pieces(text: str, pieces: Sequence[Piece]) -> list[tuple[int, int] | None]:
    """Where each piece sits in ``text`` (located in order), or None."""
    spans: list[tuple[int, int] | None] = []
    pos = 0
    for piece in pieces:
        token = piece.text.strip()
        idx = text.find(token, pos) if token else -1
        if idx < 0:
            spans.append(None)
            continue
        spans.append((idx, idx + len(token)))
        pos = idx + len(token)
    return spans


def merge_pieces(text: str, pieces: Sequence[Piece]) -> list[Piece]:
    """Group recogniser pieces into the whitespace-separated words of ``text``.

    Pieces are located in ``text`` in order; a piece that follows whitespace starts a new word.
    Pieces that cannot be located are attached to the current word (their box still counts).
    The returned words' texts are exactly the tokens of ``text.split()`` when all pieces align.
    """
    words: list[list[Piece]] = []
    pos = 0
    for piece in pieces:
        token = piece.text.strip()
        if not token:
            continue
        idx = text.find(token, pos)
        if idx < 0:
            if not words:
                words.append([])
            words[-1].append(piece)
            continue
        gap = text[pos:idx]
        if not words or (gap and any(c.isspace() for c in gap)):
            words.append([])
        words[-1].append(piece)
        pos = idx + len(token)
    tokens = text.split()
    merged: list[Piece] = []
    for i, group in enumerate(words):
        if not group:
            continue
        joined = "".join(p.text.strip() for p in group)
        word_text = tokens[i] if len(words) == len(tokens) else joined
        conf = sum(p.confidence for p in group) / len(group)
        merged.append(Piece(word_text, conf, union_quad([p.quad for p in group])))
    return merged


def without_nested(pieces: Sequence[Piece]) -> list[Piece]:
    """The pieces without those that lie (half or more) inside a wider one:
    two readers' pieces of the same text put together (a word ``₩12,500`` of one and the
    characters ``1 2 , 5 0 0`` of the other) would make every character twice over."""
    rects = [quad_rect(p.quad) for p in pieces]
    kept: list[Piece] = []
    for k, (piece, (x0, _, x1, _)) in enumerate(zip(pieces, rects, strict=True)):
        # half its width or more under a piece 1.5 times as wide (neighbouring syllables of
        # one reader overlap by a third at most: ``합`` and ``계`` by 9 of 24 px)
        inside = any(
            j != k and cx1 - cx0 > 1.5 * (x1 - x0)
            and min(x1, cx1) - max(x0, cx0) >= 0.5 * (x1 - x0)
            for j, (cx0, _, cx1, _) in enumerate(rects))
        if not inside:
            kept.append(piece)
    return kept


def words_of_text(line: LineResult) -> list[Piece]:
    """The line's words with texts that are exactly ``line.text.split()``, in order.

    The usual case returns ``line.words`` as they are. Where a step rewrote the text and
    its pieces disagree with it (a won sign put in, a reading spliced from two readers),
    the words that match a token keep their boxes and the tokens between them share the
    span of the words they replace (or, with none, the gap between their neighbours) by
    character count: the page's ``words`` must spell its ``text``, or citations and the
    loaders' word alignment point at text that is not there.
    """
    tokens = line.text.split()
    words = line.words
    if [w.text for w in words] == tokens:
        return words
    lx0, ly0, lx1, ly1 = quad_rect(line.quad)
    out: list[Piece] = []
    matcher = difflib.SequenceMatcher(None, [w.text for w in words], tokens, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.extend(words[i1:i2])
            continue
        if j1 == j2:
            continue  # words without text in the line: nothing to spell
        old = words[i1:i2]
        if old:
            rects = [quad_rect(w.quad) for w in old]
            x0, x1 = min(r[0] for r in rects), max(r[2] for r in rects)
            y0, y1 = min(r[1] for r in rects), max(r[3] for r in rects)
            confidence = sum(w.confidence for w in old) / len(old)
        else:
            x0 = quad_rect(out[-1].quad)[2] if out else lx0
            x1 = quad_rect(words[i2].quad)[0] if i2 < len(words) else lx1
            x1 = max(x1, x0)
            y0, y1, confidence = ly0, ly1, line.confidence
        if out:  # not over the word before
            x0 = max(x0, min(quad_rect(out[-1].quad)[2], x1))
        total = sum(len(t) for t in tokens[j1:j2])
        at = 0
        for token in tokens[j1:j2]:
            a = x0 + (x1 - x0) * at / total
            at += len(token)
            b = x0 + (x1 - x0) * at / total
            out.append(Piece(token, confidence, rect_quad(a, y0, b, y1)))
    return out


def split_line_evenly(text: str, quad: Quad, confidence: float) -> list[Piece]:
    """Words of a line whose recogniser gave no piece boxes: boxes by character share."""
    tokens = text.split()
    if not tokens:
        return []
    x0, y0, x1, y1 = quad_rect(quad)
    total = max(len(text), 1)
    words: list[Piece] = []
    pos = 0
    for token in tokens:
        start = text.find(token, pos)
        end = start + len(token)
        pos = end
        wx0 = x0 + (x1 - x0) * start / total
        wx1 = x0 + (x1 - x0) * end / total
        words.append(Piece(token, confidence, rect_quad(wx0, y0, wx1, y1)))
    return words


def darkest_channel(image: np.ndarray) -> np.ndarray:
    """A grey image of ``image`` (BGR or grey, uint8) in which each pixel is its darkest
    channel (dark in any channel is ink: red stamps, blue pens).

    Taken channel by channel: numpy's ``image.min(axis=2)`` reduces along the short, strided
    last axis and took 74 ms on a 2339 x 1654 page, this 2.6 ms (about 5% of a page's time
    on the English eval pages, where the form-box check needs it).
    """
    if image.ndim != 3:
        return image
    if image.shape[2] == 1:
        return image[:, :, 0]
    return np.minimum(np.minimum(image[:, :, 0], image[:, :, 1]), image[:, :, 2])


def true_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``(start, end)`` of every run of True in a 1-D boolean array (end exclusive)."""
    padded = np.concatenate(([False], mask, [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1]).tolist()
    return list(zip(edges[::2], edges[1::2], strict=True))



def ink_mask(region: np.ndarray) -> np.ndarray:
    """Dark pixels of a grey region: below the midpoint of its darkest and lightest."""
    return np.asarray(region < (int(region.min()) + int(region.max())) / 2)



def first_glyph(ink: np.ndarray, min_height: int = 1) -> np.ndarray | None:
    """The ink of the first glyph from the left of a mask (its first run of inked columns,
    cropped to the rows it inks); None without ink. Runs whose ink is under ``min_height``
    rows tall are passed over (the tip of a neighbouring glyph that a padded box reaches)."""
    for start, end in true_runs(np.asarray(ink.any(axis=0))):
        glyph = ink[:, start:end]
        rows = np.flatnonzero(glyph.any(axis=1))
        if rows[-1] + 1 - rows[0] >= min_height:
            return np.asarray(glyph[rows[0]:rows[-1] + 1])
    return None


def tighten_to_ink(gray: Any, quad: Quad) -> Quad:
    """Shrink a near-axis-aligned word box to the dark pixels inside it (never grows it).

    Recognisers place word boxes from line geometry, so they carry the line's padding; boxes
    tight on the ink match what people (and evaluation ground truth) draw around words.
    """
    x0, y0, x1, y1 = quad_rect(quad)
    (ax, ay), (bx, by) = quad[0], quad[1]
    if abs(by - ay) > 0.2 * max(abs(bx - ax), 1.0):  # rotated word: keep the quad
        return quad
    h, w = gray.shape[:2]
    ix0, iy0 = max(int(x0), 0), max(int(y0), 0)
    ix1, iy1 = min(round(x1), w), min(round(y1), h)
    if ix1 - ix0 < 2 or iy1 - iy0 < 2:
        return quad
    region = gray[iy0:iy1, ix0:ix1]
    lo, hi = int(region.min()), int(region.max())
    if hi - lo < 48:
        return quad
    threshold = (lo + hi) / 2
    ink = region < threshold
    # ink just outside the box: a run at its edge that goes on past it is cut from a
    # neighbouring line (a dot or accent of the word itself ends inside the box)
    cut_top = iy0 > 0 and bool((gray[iy0 - 1, ix0:ix1] < threshold).any())
    cut_bottom = iy1 < h and bool((gray[iy1, ix0:ix1] < threshold).any())
    top, bottom = _own_rows(ink, cut_top, cut_bottom)
    if bottom <= top:
        return quad
    cols = ink[top:bottom].any(axis=0).nonzero()[0]
    if len(cols) == 0:
        return quad
    return rect_quad(
        ix0 + float(cols[0]), iy0 + float(top),
        ix0 + float(cols[-1]) + 1, iy0 + float(bottom),
    )


NEIGHBOUR_GAP = 0.15
"""Blank rows, as a share of a word's main ink run, that part its ink from a neighbour's."""


def _own_rows(ink: np.ndarray, cut_top: bool = True, cut_bottom: bool = True) -> tuple[int, int]:
    """The rows ``[top, bottom)`` of a word box's own ink.

    Detected boxes are padded, so on closely set lines a box also holds the descenders of
    the line above or the ascenders of the line below: a short run of inked rows at the
    box's edge, going on past it (``cut_top`` / ``cut_bottom``: ink just outside that edge),
    parted from the word's own (most inked) run by blank rows. Such runs are left out (on a
    deposition page they had made every box of a line twice the height of its words); dots,
    accents and strokes inside the box, at an edge with no ink beyond it (a tight box, the
    image border) or parted by a thin gap are kept. Not handled: a mark lighter than the
    neighbour's ink in its box (a lone ``.`` under heavy descenders) is taken for the
    neighbour.
    """
    runs = true_runs(np.asarray(ink.any(axis=1)))
    if not runs:
        return 0, 0
    if len(runs) > 1:
        amounts = [int(ink[start:end].sum()) for start, end in runs]
        core = runs[amounts.index(max(amounts))]
        height = core[1] - core[0]
        last = ink.shape[0]

        def neighbour(run: tuple[int, int]) -> bool:
            start, end = run
            at_edge = (start == 0 and cut_top) or (end == last and cut_bottom)
            gap = core[0] - end if end <= core[0] else start - core[1]
            return at_edge and end - start <= 0.5 * height and gap >= NEIGHBOUR_GAP * height

        runs = [run for run in runs if run == core or not neighbour(run)]
    return runs[0][0], runs[-1][1]


def tighten_line(gray: Any, line: LineResult) -> None:
    """Tighten a line's word boxes to their ink horizontally, and to the line's ink vertically.

    Every word of a line shares the line's top and bottom (as font boxes do), so a word without
    ascenders or descenders is not squeezed to its x-height.
    """
    tight = [tighten_to_ink(gray, w.quad) for w in line.words]
    changed = [(w, q) for w, q in zip(line.words, tight) if q is not w.quad]
    if not changed:
        return
    top = min(quad_rect(q)[1] for _, q in changed)
    bottom = max(quad_rect(q)[3] for _, q in changed)
    for word, quad in changed:
        x0, _, x1, _ = quad_rect(quad)
        word.quad = rect_quad(x0, top, x1, bottom)
