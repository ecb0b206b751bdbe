"""Recognition batches bounded by width, so memory stays flat without slowing narrow lines.

PP-OCRv6's recogniser pads every line of a batch to the widest one (at least 320 px at its
48 px height) and its working memory grows with lines x padded width: measured about 1.4 MB
per line-height unit (6 lines 80 heights wide: +670 MB; one such line: +117 MB). Batching
only pays for narrow lines (10 heights wide: 27 ms per line in sixes, 46 ms alone); from
20 heights on, a line costs the same alone or in a batch. So lines are sorted by width and
cut into batches of at most ``max_lines`` whose count times padded width stays within
``budget`` line heights.
"""

from __future__ import annotations

from collections.abc import Sequence

MIN_RATIO = 320 / 48
"""The recogniser's narrowest input, in line heights (rapidocr pads to 320 x 48)."""


def rec_batches(ratios: Sequence[float], *, max_lines: int, budget: float) -> list[list[int]]:
    """Indexes of ``ratios`` (line width / height) grouped into batches, narrowest first.

    A batch holds at most ``max_lines`` lines and ``len(batch) * widest <= budget`` unless it
    is a single line (a line wider than the budget goes alone).
    """
    order = sorted(range(len(ratios)), key=lambda i: ratios[i])
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:
        widest = max(ratios[i], MIN_RATIO)  # sorted: this line is the batch's widest
        if current and (len(current) >= max_lines or (len(current) + 1) * widest > budget):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches
