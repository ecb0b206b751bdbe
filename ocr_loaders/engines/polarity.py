"""Light text on a dark ground, turned dark on light for Tesseract.

Tesseract's line recogniser is trained on dark ink on light paper. PP-OCRv6 reads either
way, but the Korean lines go to Tesseract, and white Hangul on a dark or coloured ground (a
dark-mode screenshot, a slide, a table header or banner in a report) came back as noise
(``분기 매출은 전년 대비 14% 증가한`` read ``1406 증가한 2소 2 .``); the rule painter
(``rules.without_rules``) made it worse by taking the dark ground along the crop's edges for
table rules. A crop whose ink is lighter than its ground is therefore inverted first.

Which is the ground: most of a crop is ground, so its median grey is the ground's shade,
and so is the median of its outer rows and columns (a detected line's box has a margin
around its glyphs). Each alone misleads: bold type can cover most of a tight crop (the
median is ink), and a table cell's crop takes in the rules above and below it (its edges
are mostly rule: a review's ruled Korean table with 6 px rules had 12 of 15 cells inverted
and misread). The ink is lighter only when both say so; the ink's shade is the tail of the
histogram farther from the ground (the 2nd percentile on paper, the 98th on a dark ground).
"""

from __future__ import annotations

import numpy as np

INK_TAIL = 2.0
"""Percentile (from either end) that stands for the ink's shade."""


def light_ink(crop: np.ndarray) -> bool:
    """Whether the text of a line crop (BGR or grey, uint8) is lighter than its ground."""
    gray = crop.mean(axis=2) if crop.ndim == 3 else crop.astype(np.float64)
    if gray.size == 0:
        return False
    step = max(1, int(np.sqrt(gray.size / 20_000)))  # a sample is enough for three shades
    dark, middle, light = np.percentile(gray[::step, ::step],
                                        (INK_TAIL, 50.0, 100.0 - INK_TAIL))
    edges = float(np.median(np.concatenate((gray[0], gray[-1], gray[:, 0], gray[:, -1]))))
    return all(light - ground > ground - dark for ground in (middle, edges))


def dark_on_light(crop: np.ndarray) -> np.ndarray:
    """The crop itself, or its negative when its ink is lighter than its ground."""
    return 255 - crop if light_ink(crop) else crop
