"""Form checkboxes: squares drawn on the page, written as ``☐``, ``☑``, ``☒`` or ``■``.

PP-OCRv6 drops checkboxes: on rendered forms ``☐ Send me the newsletter`` came out without its
box, ``Married: ☑ Yes ☐ No`` as ``Married: Yes No`` (which answer was ticked is lost), ``☒``
as ``⊠`` at best; on the FUNSD eval forms none of the 21 checkboxes of the ground truth was
read. Whether a box is ticked is often the point of a form, so boxes are found in the
pixels instead: a connected run of ink whose bounding box is a square about a text line
high, inked along all four sides and in all four corners (letters such as ``O`` and ``D``
have round corners). What is inside tells which it is: nothing (``☐``), two diagonals
(``☒``), ink all over (``■``) or other ink, a tick (``☑``).

A box joins the line it sits in (its word is put in reading order, replacing what the
recogniser read there when that was a box look-alike such as ``□`` or ``⊠``, and never a
word of other text: a letter in a comb field's cell stays a letter), or stands as a line of
its own. Pages with CJK text are left alone: ``口`` and the ``ㅁ`` of Hangul syllables are
squares too (Japanese forms' own ``□`` are handled in ``engines/japanese.py``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import cv2
import numpy as np

from ocr_loaders.engines.layout import LineResult, Piece, quad_rect, rect_quad, union_quad

EMPTY, TICKED, CROSSED, FILLED = "☐", "☑", "☒", "■"
LOOK_ALIKES = frozenset("□☐☑☒■⊠⊡▢口ロ")
"""What the recogniser may have read for a checkbox; such a word is the box's own."""
CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7a3\uf900-\ufaff]")

MIN_SIDE, MAX_SIDE = 0.25, 1.2
"""A box's side, in median line heights (detected lines are padded: the 8 px boxes of a
100-dpi form stand in lines 26 px high)..."""
MIN_PIXELS = 6
"""...and in pixels."""
MAX_ASPECT = 1.3
"""Longer side over shorter side."""
EDGE_BAND = 0.2
"""Share of the side that counts as its edge (stroke width, some blur)."""
MIN_EDGE_INK = 0.85
"""Share of each side's length that must be inked within its edge band."""
EMPTY_INSIDE, FILLED_INSIDE = 0.12, 0.6
"""Inked share of the inside (within the frame's strokes) up to which a box is empty (specks
of a scan), and from which it is filled."""
SOLID = 0.8
"""Inked share of the whole square from which it is a filled box."""
GAP = 0.25
"""Clear space a box needs on its left and right, in its widths."""
KEPT_READINGS = frozenset("□☐■")
"""Readings that already say "a box": kept unless the box is ticked or crossed, or is a ``□``
with a label after it (then ``☐``, as the boxes found are written). A ``□`` that ends its line
is also the end-of-proof mark of papers."""
DIAGONAL_INK = 0.6
"""Share of each diagonal of the inside that is inked in a crossed box."""
BOX_CONFIDENCE = 0.9


def add_checkboxes(lines: list[LineResult], gray: np.ndarray) -> list[LineResult]:
    """``lines`` with the page's checkboxes put in (``lines`` changed in place; new lines
    for boxes that stand alone)."""
    if not lines or any(CJK.search(line.text) for line in lines):
        return lines
    heights = sorted(r[3] - r[1] for r in (quad_rect(line.quad) for line in lines))
    height = heights[len(heights) // 2]
    if height < 6:
        return lines
    out = list(lines)
    for rect, mark in find_boxes(gray, height):
        _place(out, rect, mark, height)
    return out


def find_boxes(gray: np.ndarray, height: float
               ) -> list[tuple[tuple[int, int, int, int], str]]:
    """Checkboxes on a grey page whose text lines are ``height`` px high: ``(x0, y0, x1, y1)``
    and the box's character."""
    _, ink = cv2.threshold(gray, 0, 1, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    lo, hi = max(MIN_SIDE * height, MIN_PIXELS), MAX_SIDE * height
    found: list[tuple[tuple[int, int, int, int], str]] = []
    for x, y, w, h in _framed(ink, stats[1:count], lo, hi).tolist():
        mark = _kind(ink[y:y + h, x:x + w])
        if mark is not None and _isolated(ink, (x, y, x + w, y + h)):
            found.append(((x, y, x + w, y + h), mark))
    return found


def _framed(ink: np.ndarray, stats: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """``(x, y, w, h)`` of the components that may be boxes: a square's size, and ink
    enough in all four corners and along all four edge bands for ``_kind``'s checks (a
    side ``MIN_EDGE_INK`` inked needs at least that many inked pixels in its band).

    The same checks as ``_kind``'s first ones, as necessary conditions, for all
    components at once from the ink's integral image: a dense page has a thousand
    letter-sized components, and ``_kind`` on each took 0.12 s.
    """
    x, y, w, h = (stats[:, k].astype(np.int64) for k in range(4))
    square = ((lo <= w) & (w <= hi) & (lo <= h) & (h <= hi)
              & (np.maximum(w, h) <= MAX_ASPECT * np.minimum(w, h)))
    x, y, w, h = x[square], y[square], w[square], h[square]
    band = np.maximum(1, np.round(EDGE_BAND * np.minimum(w, h)).astype(np.int64))
    total = cv2.integral(ink.astype(np.uint8))  # (rows + 1, cols + 1) sums

    def inked(x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray) -> np.ndarray:
        return total[y1, x1] - total[y0, x1] - total[y1, x0] + total[y0, x0]

    right, bottom = x + w, y + h
    keep = np.ones(len(x), bool)
    for x0, y0, x1, y1 in ((x, y, x + band, y + band), (right - band, y, right, y + band),
                           (x, bottom - band, x + band, bottom),
                           (right - band, bottom - band, right, bottom)):
        keep &= inked(x0, y0, x1, y1) > 0
    for (x0, y0, x1, y1), length in (((x, y, right, y + band), w),
                                     ((x, bottom - band, right, bottom), w),
                                     ((x, y, x + band, bottom), h),
                                     ((right - band, y, right, bottom), h)):
        keep &= inked(x0, y0, x1, y1) >= MIN_EDGE_INK * length
    return np.stack([x, y, w, h], axis=1)[keep]


def _kind(ink: np.ndarray) -> str | None:
    """The box character for the ink of a candidate square, or None if it is no box."""
    h, w = ink.shape
    band = max(1, round(EDGE_BAND * min(h, w)))
    sides = (ink[:band].any(axis=0), ink[-band:].any(axis=0),
             ink[:, :band].any(axis=1), ink[:, -band:].any(axis=1))
    if min(float(side.mean()) for side in sides) < MIN_EDGE_INK:
        return None
    corners = (ink[:band, :band], ink[:band, -band:], ink[-band:, :band], ink[-band:, -band:])
    if not all(corner.any() for corner in corners):
        return None
    if float(ink.mean()) >= SOLID:
        return FILLED
    edge = _stroke(ink) + 1  # the frame's own strokes, and a pixel of blur beside them
    inside = ink[edge:h - edge, edge:w - edge]
    if inside.size == 0:
        return EMPTY
    share = float(inside.mean())
    if share <= EMPTY_INSIDE:
        return EMPTY
    if share >= FILLED_INSIDE:
        return FILLED
    return CROSSED if _crossed(inside) else TICKED


def _stroke(ink: np.ndarray) -> int:
    """The thickness of the square's frame: the widest of its four sides, each measured as
    the median run of ink from the edge inwards over the middle half of the side."""
    widths = []
    for side in (ink, ink[::-1], ink.T, ink.T[::-1]):  # from the top, bottom, left, right
        n = side.shape[1]
        middle = side[: side.shape[0] // 2, n // 4: max(n - n // 4, n // 4 + 1)]
        # rows inked from the edge until the first gap, per column
        runs = np.argmin(np.vstack([middle, np.zeros((1, middle.shape[1]), bool)]), axis=0)
        widths.append(int(np.median(runs)))
    return max(1, max(widths))


def _isolated(ink: np.ndarray, rect: tuple[int, int, int, int]) -> bool:
    """Whether no ink touches the square on its left or right (a checkbox stands apart from
    its label by a space; the square bowl of a bold ``B`` touches the next letter)."""
    x0, y0, x1, y1 = rect
    gap = max(1, round(GAP * (x1 - x0)))
    rows = ink[y0 + 1:y1 - 1]
    return not (rows[:, max(x0 - gap, 0):x0].any() or rows[:, x1:x1 + gap].any())


def _crossed(inside: np.ndarray) -> bool:
    """Whether both diagonals of the inside are inked (within a pixel)."""
    h, w = inside.shape
    n = max(h, w)
    t = np.linspace(0, 1, n)
    rows = np.clip(np.round(t * (h - 1)).astype(int), 0, h - 1)
    cols = np.clip(np.round(t * (w - 1)).astype(int), 0, w - 1)
    grown = cv2.dilate(inside.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    down = float(grown[rows, cols].mean())
    up = float(grown[rows[::-1], cols].mean())
    return min(down, up) >= DIAGONAL_INK


def _place(lines: list[LineResult], rect: tuple[int, int, int, int], mark: str,
           height: float) -> None:
    """Put one box into the line it sits in, or as a line of its own."""
    x0, y0, x1, y1 = rect
    cy = (y0 + y1) / 2
    reach = 1.5 * height
    best: LineResult | None = None
    best_off = float("inf")
    for line in lines:  # the line it sits in whose middle is nearest
        lx0, ly0, lx1, ly1 = quad_rect(line.quad)
        off = abs((ly0 + ly1) / 2 - cy)
        if ly0 <= cy <= ly1 and lx0 - reach <= x1 and x0 <= lx1 + reach and off < best_off:
            best, best_off = line, off
    quad = rect_quad(x0, y0, x1, y1)
    if best is None:
        lines.append(LineResult(quad=quad, text=mark, confidence=BOX_CONFIDENCE,
                                words=[Piece(mark, BOX_CONFIDENCE, quad)]))
        return
    words = best.words
    over = [k for k, word in enumerate(words) if _overlap(quad_rect(word.quad), rect) > 0.5]
    if over:
        k = over[0]
        word = words[k]
        if word.text in KEPT_READINGS and mark in (EMPTY, FILLED):
            if not (word.text == "□" and mark == EMPTY and k < len(words) - 1):
                return  # an end-of-proof mark ends its line; a checkbox has its label after
            mark = EMPTY
        if word.text in LOOK_ALIKES:
            words[k] = Piece(mark, max(word.confidence, BOX_CONFIDENCE), word.quad)
        elif word.text[:1] in LOOK_ALIKES and len(over) == 1:
            words[k] = Piece(mark + word.text[1:], word.confidence, word.quad)
        else:
            return  # other text there (a letter in a comb field's cell): not a checkbox
    else:
        at = sum(1 for word in words if quad_rect(word.quad)[0] < x0)
        words.insert(at, Piece(mark, BOX_CONFIDENCE, quad))
    best.text = " ".join(word.text for word in words)
    best.quad = union_quad([best.quad, quad]) if not _inside(rect, best.quad) else best.quad


def _overlap(word: Sequence[float], box: Sequence[float]) -> float:
    """Share of the box's width that the word covers."""
    return max(0.0, min(word[2], box[2]) - max(word[0], box[0])) / max(box[2] - box[0], 1)


def _inside(rect: Sequence[float], quad: Sequence[Sequence[float]]) -> bool:
    x0, y0, x1, y1 = quad_rect(quad)
    return x0 <= rect[0] and rect[2] <= x1 and y0 <= rect[1] and rect[3] <= y1
