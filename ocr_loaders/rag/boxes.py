"""A word box's extreme ys (the API's quadrilateral: four ``[x, y]`` points), fast.

The chunker reads a few thousand boxes per page set (the median word height, the gap between
two lines for a paragraph break); these are the comparisons ``min``/``max`` would make, in the
same order (so the same results), written out.
"""

from __future__ import annotations

from collections.abc import Sequence

# A box's extreme ys, for the API's quadrilateral, by comparisons written out: the same
# comparisons in the same order as ``min``/``max`` (so the same results), for a fraction of the
# cost of the builtins' generic ones (those were 4% of the main thread's instructions on the
# eval pages: the median height and the paragraph test read a few thousand boxes).


def box_top(box: Sequence[Sequence[float]]) -> float:
    if len(box) != 4:
        return float(min(p[1] for p in box))
    y, y1, y2, y3 = box[0][1], box[1][1], box[2][1], box[3][1]
    if y1 < y:
        y = y1
    if y2 < y:
        y = y2
    if y3 < y:
        y = y3
    return float(y)


def box_bottom(box: Sequence[Sequence[float]]) -> float:
    if len(box) != 4:
        return float(max(p[1] for p in box))
    y, y1, y2, y3 = box[0][1], box[1][1], box[2][1], box[3][1]
    if y1 > y:
        y = y1
    if y2 > y:
        y = y2
    if y3 > y:
        y = y3
    return float(y)


def box_height(box: Sequence[Sequence[float]]) -> float:
    if len(box) != 4:
        return box_bottom(box) - box_top(box)
    y0, y1, y2, y3 = box[0][1], box[1][1], box[2][1], box[3][1]  # each read once, for both
    lo = hi = y0
    if y1 < lo:
        lo = y1
    if y1 > hi:
        hi = y1
    if y2 < lo:
        lo = y2
    if y2 > hi:
        hi = y2
    if y3 < lo:
        lo = y3
    if y3 > hi:
        hi = y3
    return float(hi) - float(lo)
