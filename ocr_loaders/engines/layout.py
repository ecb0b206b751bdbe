"""Geometry shared by engines: words from recogniser pieces, and page reading order.

A *word* is a maximal run of non-whitespace characters of a line's text, in every script, as
in the API: ``"Total 合計 1,200円"`` has three words. Recognisers report pieces (characters or
sub-words with boxes); :func:`merge_pieces` turns them into those words, with the union of the
pieces' boxes and their mean confidence.

Reading order (:func:`reading_order`) is a recursive XY-cut: a region is cut at a vertical
white gap into text columns when both sides look like running text (wide lines), else at wide
horizontal gaps into blocks; inside a block, lines are rows sorted top to bottom, left to right.
Tables and forms (narrow cells) therefore read row by row, and two-column papers column by column.
A skewed page is ordered as if it were level (:func:`page_skew`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from statistics import median
from typing import Any

import numpy as np

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


# --- reading order ---------------------------------------------------------------------------


def _rows(lines: list[LineResult]) -> list[list[LineResult]]:
    """Group lines whose vertical centres fall within each other's extent; sort each row by x."""
    rows: list[list[LineResult]] = []
    for line in sorted(lines, key=lambda ln: (ln.rect[1] + ln.rect[3]) / 2):
        _x0, y0, _x1, y1 = line.rect
        cy = (y0 + y1) / 2
        if rows:
            last = rows[-1]
            ry0 = median([ln.rect[1] for ln in last])
            ry1 = median([ln.rect[3] for ln in last])
            rcy = (ry0 + ry1) / 2
            if ry0 <= cy <= ry1 and y0 <= rcy <= y1:
                last.append(line)
                continue
        rows.append([line])
    return [sorted(row, key=lambda ln: ln.rect[0]) for row in rows]


def _gaps(intervals: list[tuple[float, float]], min_gap: float) -> list[float]:
    """Cut positions in the middle of empty stretches at least ``min_gap`` wide."""
    cuts: list[float] = []
    ordered = sorted(intervals)
    if not ordered:
        return cuts
    reach = ordered[0][1]
    for lo, hi in ordered[1:]:
        if lo - reach >= min_gap:
            cuts.append((lo + reach) / 2)
        reach = max(reach, hi)
    return cuts


def _split(lines: list[LineResult], cuts: list[float], axis: int) -> list[list[LineResult]]:
    groups: list[list[LineResult]] = [[] for _ in range(len(cuts) + 1)]
    for line in lines:
        centre = (line.rect[axis] + line.rect[axis + 2]) / 2
        groups[sum(1 for c in cuts if centre > c)].append(line)
    return [g for g in groups if g]


def _looks_like_text_columns(groups: list[list[LineResult]], region_width: float) -> bool:
    """Columns of running text: each side has several rows of lines wider than a table cell."""
    for group in groups:
        if len(group) < 3 or _labels(group):
            return False
        widths = [ln.rect[2] - ln.rect[0] for ln in group]
        if median(widths) < 0.18 * region_width:
            return False
    return True


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


def _sparse_gutters(
    lines: list[LineResult], x0: float, x1: float, min_width: float, max_crossing: float
) -> list[float]:
    """Column gutters: vertical stretches at least ``min_width`` wide that at most
    ``max_crossing`` lines cross, with lines on both sides, despite a few spanning lines.

    A stretch must be about as clear as the clearest one (crossed at its clearest by at most
    one line more): the gap between the ends of a column's lines, which only its few longest
    lines cross, is no gutter (a Korean court page's left column was cut there, its long
    lines taken for headings across the page). The cut is the middle of the stretch's
    clearest part, give or take one line, so that a heading centred over the gutter crosses
    it (``_spanners`` keeps it across the columns).
    """
    size = int(x1 - x0) + 1
    cover = np.zeros(size + 1, dtype=np.int32)
    for ln in lines:
        cover[max(int(ln.rect[0] - x0), 0)] += 1
        cover[min(int(ln.rect[2] - x0), size)] -= 1
    crossing = np.cumsum(cover)[:size]
    stretches = [(start, end) for start, end in true_runs(crossing <= max_crossing)
                 if end - start >= min_width]
    if not stretches:
        return []
    clearest = [int(crossing[start:end].min()) for start, end in stretches]
    cuts: list[float] = []
    for (start, end), least in zip(stretches, clearest, strict=True):
        if least > min(clearest) + 1:
            continue
        part = _clear_part(crossing, start, end, least, min_width)
        if part is not None:
            cuts.append(x0 + (part[0] + part[1]) / 2)
    return cuts


def _clear_part(crossing: np.ndarray, start: int, end: int, least: int,
                min_width: float) -> tuple[int, int] | None:
    """Where to cut a stretch: around its clearest point, the widest run at least
    ``min_width`` wide and with lines on both sides that at most one line more crosses than
    that point (the gap beside a column's few long lines, also that wide, is no such run:
    it does not hold the clearest point); else the widest such run of the clearest point
    alone (a column that ends the text in a line or two: the stretch runs on over those
    lines to the page's edge); None without either."""
    here = crossing[start:end]
    for most in (least + 1, least):
        parts = [(start + a, start + b) for a, b in true_runs(here <= most)
                 if start + a > 0 and start + b < len(crossing) and b - a >= min_width
                 and int(here[a:b].min()) == least]
        if parts:
            return max(parts, key=lambda part: part[1] - part[0])
    return None


def _spanners(lines: list[LineResult], cuts: list[float]) -> list[LineResult]:
    """Lines across a gutter: those that cross a cut and either reach into the columns on
    both sides or are centred in the gutter (a heading over the columns); a column's long
    line that only reaches into the gutter stays in its column."""
    out: list[LineResult] = []
    for cut in cuts:
        left = max((ln.rect[2] for ln in lines if ln.rect[2] <= cut), default=cut)
        right = min((ln.rect[0] for ln in lines if ln.rect[0] >= cut), default=cut)
        for ln in lines:
            lx0, _, lx1, _ = ln.rect
            if not lx0 < cut < lx1 or any(ln is s for s in out):
                continue
            if (lx0 < left and lx1 > right) or left <= (lx0 + lx1) / 2 <= right:
                out.append(ln)
    return out


def _has_running_text(column: list[LineResult], page_width: float,
                      before: list[LineResult] | None = None) -> bool:
    """At least three lines of words (:func:`_wordy`) filling most of a column at least a
    quarter of the page wide, or two of at most five lines (short paragraphs); a column may
    also hold a table. A column of form labels or values has no such lines, and one of
    labels ending in colons (:func:`_labels`) is none either.

    The last column (``before``: the column left of it) may be where the text ends
    (:func:`_text_ends_in`).
    """
    c0 = min(ln.rect[0] for ln in column)
    c1 = max(ln.rect[2] for ln in column)
    if _labels(column):
        return False
    if c1 - c0 >= 0.25 * page_width:
        full = [ln for ln in column
                if ln.rect[2] - ln.rect[0] >= 0.6 * (c1 - c0) and _wordy(ln.text)]
        if len(full) >= 3 or (len(full) == 2 and len(full) >= 0.4 * len(column)):
            return True
    return before is not None and _text_ends_in(column, before, page_width)


def _text_ends_in(column: list[LineResult], before: list[LineResult],
                  page_width: float) -> bool:
    """Whether the last column is where the running text of the column before it ends: its
    top line is a line of words level with that text's first full line, and it is either about as
    wide as that column with its top line full (a full line, then the short end of the text)
    or just one or two lines of words (a right column of one line, ``month.``, was read
    beside the left column's first line). A receipt's column of amounts is none (figures)."""
    if not _has_running_text(before, page_width):
        return False
    b0 = min(ln.rect[0] for ln in before)
    b1 = max(ln.rect[2] for ln in before)
    # where the running text of the column before starts (under a heading, maybe)
    b_top = min((ln.rect[1] for ln in before
                 if ln.rect[2] - ln.rect[0] >= 0.6 * (b1 - b0) and _wordy(ln.text)),
                default=None)
    top = min(column, key=lambda ln: ln.rect[1])
    if (b_top is None or not _wordy(top.text)
            or abs(top.rect[1] - b_top) > top.rect[3] - top.rect[1]):
        return False
    if len(column) <= 2:
        return all(_wordy(ln.text) for ln in column)
    c0 = min(ln.rect[0] for ln in column)
    c1 = max(ln.rect[2] for ln in column)
    return c1 - c0 >= 0.8 * (b1 - b0) and top.rect[2] - top.rect[0] >= 0.6 * (c1 - c0)


def _labels(column: list[LineResult]) -> bool:
    """Whether at least half of a column's lines end in a colon: a form's labels, whose
    values stand in the next column on the same rows (so the rows are read across)."""
    return 2 * sum(1 for ln in column if ln.text.rstrip()[-1:] in (":", "：")) >= len(column)


def _wordy(text: str) -> bool:
    """Whether a line reads as words rather than figures (no fewer letters than digits): a
    receipt's column of amounts and dates is no running text, however wide its lines."""
    letters = sum(1 for ch in text if ch.isalpha())
    return letters >= sum(1 for ch in text if ch.isdigit())


def _columns_between_spanners(
    lines: list[LineResult], line_h: float, depth: int
) -> list[list[LineResult]] | None:
    """Text columns interrupted by a few lines that cross the gutter (a title, a centred
    heading, a full-width figure caption or footer).

    A gutter is a vertical stretch that only a few lines cross (:func:`_sparse_gutters`); the
    lines across it (:func:`_spanners`) split the page into bands, read top to bottom, each
    band column by column. ``None`` when the page does not look like that: the spanning lines
    must be few, each column but the last must hold running text (:func:`_has_running_text`;
    the last may be the end of the text, a few short lines) and every column must overlap its
    neighbour over most of its height, so forms with labels and values keep their row order.
    """
    if len(lines) < 6:
        return None
    x0 = min(ln.rect[0] for ln in lines)
    x1 = max(ln.rect[2] for ln in lines)
    width = x1 - x0
    cuts = _sparse_gutters(lines, x0, x1, line_h, max_crossing=max(3.0, 0.05 * len(lines)))
    if not cuts:
        return None
    spanners = _spanners(lines, cuts)
    if len(spanners) > 0.2 * len(lines):
        return None
    spanner_ids = {id(ln) for ln in spanners}
    columns = _split([ln for ln in lines if id(ln) not in spanner_ids], cuts, 0)
    if len(columns) < 2 or not all(
            _has_running_text(col, width, columns[k - 1] if k == len(columns) - 1 else None)
            for k, col in enumerate(columns)):
        return None
    extents = [(min(ln.rect[1] for ln in c), max(ln.rect[3] for ln in c)) for c in columns]
    for (a0, a1), (b0, b1) in itertools.pairwise(extents):
        if min(a1, b1) - max(a0, b0) < 0.5 * min(a1 - a0, b1 - b0):
            return None

    def by_columns(band: list[LineResult]) -> list[list[LineResult]]:
        return [row for col in _split(band, cuts, 0) for row in _order(col, line_h, depth + 1)]

    out: list[list[LineResult]] = []
    band: list[LineResult] = []
    for line in sorted(lines, key=lambda ln: ln.rect[1]):
        if id(line) in spanner_ids:
            if band:
                out += by_columns(band)
                band = []
            out.append([line])
        else:
            band.append(line)
    if band:
        out += by_columns(band)
    return out


def _order(lines: list[LineResult], line_h: float, depth: int) -> list[list[LineResult]]:
    if len(lines) <= 1 or depth > 12:
        return _rows(lines)
    x0 = min(ln.rect[0] for ln in lines)
    x1 = max(ln.rect[2] for ln in lines)
    xcuts = _gaps([(ln.rect[0], ln.rect[2]) for ln in lines], 1.0 * line_h)
    if xcuts:
        groups = _split(lines, xcuts, 0)
        if len(groups) > 1 and _looks_like_text_columns(groups, x1 - x0):
            return [row for g in groups for row in _order(g, line_h, depth + 1)]
    banded = _columns_between_spanners(lines, line_h, depth)
    if banded is not None:
        return banded
    ycuts = _gaps([(ln.rect[1], ln.rect[3]) for ln in lines], 0.8 * line_h)
    if ycuts:
        groups = _split(lines, ycuts, 1)
        if len(groups) > 1:
            return [row for g in groups for row in _order(g, line_h, depth + 1)]
    return _rows(lines)


SKEW_MIN_DEGREES = 0.5
"""Pages whose lines slope by less than this are ordered as they are..."""
SKEW_MIN_ASPECT = 4.0
"""...the slope being the median over lines at least this many times wider than tall."""


def page_skew(lines: Sequence[LineResult]) -> float:
    """The page's text slope in degrees (clockwise positive, image coordinates): the median
    slope of its long lines' top and bottom edges; 0.0 under ``SKEW_MIN_DEGREES`` or with
    fewer than three long lines."""
    slopes: list[float] = []
    for ln in lines:
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = ln.quad[:4]
        top, left = math.hypot(x1 - x0, y1 - y0), math.hypot(x3 - x0, y3 - y0)
        if top < SKEW_MIN_ASPECT * max(left, 1.0):
            continue
        slopes.append(math.degrees(math.atan2(y1 - y0, x1 - x0)))
        slopes.append(math.degrees(math.atan2(y2 - y3, x2 - x3)))
    if len(slopes) < 6:
        return 0.0
    angle = median(slopes)
    return angle if abs(angle) >= SKEW_MIN_DEGREES and abs(angle) < 45 else 0.0


def _stand_in(line: LineResult, move: Callable[[float, float], Point]) -> LineResult:
    """A stand-in for ``line`` with each corner of its quad moved by ``move`` (ordering only
    reads the quad and the text)."""
    return LineResult(quad=[move(x, y) for x, y in line.quad], text=line.text,
                      confidence=line.confidence)


def _quarter_clockwise(right: float) -> Callable[[float, float], Point]:
    """Points turned a quarter clockwise, ``right`` (the page's right edge) becoming the top."""
    return lambda x, y: (y, right - x)


def _turned(degrees: float) -> Callable[[float, float], Point]:
    """Points turned by ``degrees`` (clockwise in image coordinates) about the origin."""
    rad = math.radians(degrees)
    cos, sin = math.cos(rad), math.sin(rad)
    return lambda x, y: (x * cos - y * sin, x * sin + y * cos)


VERTICAL_ASPECT = 1.5
"""A line standing this many times taller than wide is a column of vertical writing..."""
VERTICAL_SHARE = 0.5
"""...and a page with at least this share of such lines is written in columns."""


def _standing(line: LineResult) -> bool:
    """Whether a line stands ``VERTICAL_ASPECT`` times taller than wide (a column)."""
    x0, y0, x1, y1 = line.rect
    return (y1 - y0) > VERTICAL_ASPECT * (x1 - x0)


def written_in_columns(lines: Sequence[LineResult]) -> bool:
    """Whether the page's lines are mostly columns of vertical writing (Japanese or Chinese
    tategaki, read top to bottom, columns right to left). A CJK page lying on its side has
    such lines too, but it is turned upright before its lines are ordered."""
    if len(lines) < 2:
        return False
    return sum(1 for ln in lines if _standing(ln)) >= VERTICAL_SHARE * len(lines)


def reading_order(lines: Sequence[LineResult]) -> list[list[LineResult]]:
    """Order lines for reading; returns rows (visual lines), each a left-to-right list.

    On a skewed page (a scan fed in at a slant, a photo) the lines' upright rectangles grow
    tall and overlap the next rows, and rows and columns would be cut across; the lines are
    therefore ordered as if the page were level (their quads turned back by
    :func:`page_skew`). A page written in columns (:func:`written_in_columns`) is read as
    :func:`_columns_order` says. The lines themselves, boxes included, are not changed.
    """
    items = [ln for ln in lines if ln.text.strip()]
    if not items:
        return []
    if written_in_columns(items):
        return _columns_order(items)
    angle = page_skew(items)
    if angle:
        return _moved_order(items, _turned(-angle))
    return _order(items, _line_height(items), 0)


def _columns_order(items: list[LineResult]) -> list[list[LineResult]]:
    """A page of vertical writing: its level lines above the columns (a title) first, then
    the columns as if the page were turned a quarter clockwise, the rightmost on top (each
    column a row: right to left, each top to bottom; they read left to right before, a
    vertical Japanese notice last column first), then its level lines below them (a footer,
    a page number). Level lines among the columns (a short column, digits set across) are
    read with them. A title taken among the columns had come out seventh, joined to one."""
    standing = [ln for ln in items if _standing(ln)]
    top = min(ln.rect[1] for ln in standing)
    bottom = max(ln.rect[3] for ln in standing)
    above: list[LineResult] = []
    among: list[LineResult] = []
    below: list[LineResult] = []
    for ln in items:
        centre = (ln.rect[1] + ln.rect[3]) / 2
        if _standing(ln) or top <= centre <= bottom:
            among.append(ln)
        else:
            (above if centre < top else below).append(ln)
    rows = _order(above, _line_height(above), 0) if above else []
    rows += _moved_order(among, _quarter_clockwise(max(ln.rect[2] for ln in among)))
    return rows + (_order(below, _line_height(below), 0) if below else [])


def _moved_order(items: list[LineResult],
                 move: Callable[[float, float], Point]) -> list[list[LineResult]]:
    """``items`` in the reading order of stand-ins whose corners ``move`` moved."""
    stand_ins = [_stand_in(ln, move) for ln in items]
    original = {id(stand_in): ln for stand_in, ln in zip(stand_ins, items, strict=True)}
    rows = _order(stand_ins, _line_height(stand_ins), 0)
    return [[original[id(stand_in)] for stand_in in row] for row in rows]


def _line_height(lines: Sequence[LineResult]) -> float:
    return median([ln.rect[3] - ln.rect[1] for ln in lines]) or 1.0


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
