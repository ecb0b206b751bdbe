"""Table rules in line crops: the cell borders a padded line box reaches into.

A number set against a cell's rule is cropped with the rule, and Tesseract reads the two
together (on a Korean invoice ``2`` beside the rule came out ``디``, ``1년`` after the left
rule ``|보``). A rule is told from a stroke of a letter by its length: it runs through the
crop's whole height, its first and last rows included, as it runs on above and below the line;
a glyph, even ``[`` or ``|``, stops short of the padding the detector leaves around the text.
"""

from __future__ import annotations

import numpy as np

from ocr_loaders.engines.layout import darkest_channel

RULE_SPAN = 0.95
"""Share of a crop's rows (or columns) a dark column (row) must cover to be a rule..."""
EDGE = 0.25
"""...within this share of the crop's width (height) from either edge."""


def without_rules(crop: np.ndarray) -> np.ndarray:
    """The crop (BGR or grey) with the rules along its edges painted its lightest colour (a
    copy; the crop itself when it has none)."""
    gray = darkest_channel(crop)
    h, w = gray.shape
    if h < 8 or w < 8:
        return crop
    lo, hi = int(gray.min()), int(gray.max())
    if hi - lo < 64:  # no ink
        return crop
    dark = gray < (lo + hi) / 2
    cols = _edge_lines(dark, w)
    rows = _edge_lines(dark.T, h)
    if not cols.any() and not rows.any():
        return crop
    out = crop.copy()
    light = crop.reshape(-1, crop.shape[2]).max(axis=0) if crop.ndim == 3 else hi
    out[:, _widened(cols)] = light
    out[_widened(rows), :] = light
    return out


def _edge_lines(dark: np.ndarray, size: int) -> np.ndarray:
    """Columns of ``dark`` (rows of the image it is taken from) near its edges that are dark
    in at least ``RULE_SPAN`` of their cells and at both ends."""
    lines = (dark.mean(axis=0) >= RULE_SPAN) & dark[0] & dark[-1]
    edge = max(1, int(EDGE * size))
    lines[edge:size - edge] = False
    return np.asarray(lines)


def _widened(lines: np.ndarray) -> np.ndarray:
    """The lines and the one pixel on either side of each (the rule's anti-aliased edges)."""
    out = lines.copy()
    out[1:] |= lines[:-1]
    out[:-1] |= lines[1:]
    return out
