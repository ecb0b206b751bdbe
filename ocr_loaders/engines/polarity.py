"""Light text on a dark ground, turned dark on light for Tesseract.

Tesseract's line recogniser is trained on dark ink on light paper. PP-OCRv6 reads either
way, but the Korean lines go to Tesseract, and white Hangul on a dark or coloured ground (a
dark-mode screenshot, a slide, a table header or banner in a report) came back as noise
(``분기 매출은 전년 대비 14% 증가한`` read ``1406 증가한 2소 2 .``); the rule painter
(``rules.without_rules``) made it worse by taking the dark ground along the crop's edges for
table rules. A crop whose ink is lighter than its ground is therefore inverted first.

Which is the ground: the crop's edges (a detected line's box has a margin around its
glyphs), so the median grey of its outer rows and columns is the ground's shade, even where
bold type covers most of the crop; the ink is the tail of the crop's histogram farther from
it (the 2nd percentile on paper, the 98th on a dark ground).
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
    step = max(1, int(np.sqrt(gray.size / 20_000)))  # a sample is enough for two shades
    dark, light = np.percentile(gray[::step, ::step], (INK_TAIL, 100.0 - INK_TAIL))
    ground = float(np.median(np.concatenate((gray[0], gray[-1], gray[:, 0], gray[:, -1]))))
    return bool(light - ground > ground - dark)


def dark_on_light(crop: np.ndarray) -> np.ndarray:
    """The crop itself, or its negative when its ink is lighter than its ground."""
    return 255 - crop if light_ink(crop) else crop
