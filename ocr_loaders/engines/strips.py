"""Fold extreme strips (a 20000x60 banner, a receipt tape scanned sideways) into a near-square
page before detection, and map the boxes back.

The detector scales a page so its longest side is ``det_limit_side_len`` (1280 px): a 20000x60
strip would become 1280x4 px, where no text survives (PP-OCR even refuses the resize). Cutting
the strip into segments and stacking them, like wrapping a long line, keeps the text at its own
size. Cuts are made in blank columns (between words) near the ideal position, so a word is
almost never split; every quad found in the folded image is shifted back to where it came from.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from ocr_loaders.engines.layout import true_runs

MAX_RATIO = 8.0
"""Pages longer than this many times their short side are folded."""
GAP = 24
"""White pixels between stacked segments."""


@dataclass(frozen=True)
class Segment:
    """A piece of the strip: ``start..end`` along its long side, pasted at ``offset`` (y for a
    horizontal strip, x for a vertical one) in the folded image."""

    start: int
    end: int
    offset: int


@dataclass(frozen=True)
class Folded:
    image: Image.Image
    segments: tuple[Segment, ...]
    vertical: bool
    short: int
    """The strip's short side (each segment's thickness in the folded image)."""

    def unfold(self, quad: Sequence[Sequence[float]]) -> list[tuple[float, float]]:
        """A quad of the folded image in the original page's pixels."""
        xs = [p[0] for p in quad]
        ys = [p[1] for p in quad]
        across = (sum(xs) / len(xs)) if self.vertical else (sum(ys) / len(ys))
        seg = min(self.segments, key=lambda s: _distance(across, s, self.short))
        if self.vertical:
            return [(x - seg.offset, y + seg.start) for x, y in zip(xs, ys, strict=True)]
        return [(x + seg.start, y - seg.offset) for x, y in zip(xs, ys, strict=True)]


def _distance(across: float, seg: Segment, short: int) -> float:
    lo, hi = seg.offset, seg.offset + short
    return 0.0 if lo <= across <= hi else min(abs(across - lo), abs(across - hi))


def needs_folding(width: int, height: int) -> bool:
    return max(width, height) > MAX_RATIO * max(min(width, height), 1)


def fold(image: Image.Image) -> Folded | None:
    """``image`` folded into stacked segments, or ``None`` when it is not an extreme strip."""
    if not needs_folding(image.width, image.height):
        return None
    vertical = image.height > image.width
    strip = image.transpose(Image.Transpose.TRANSPOSE) if vertical else image
    length, short = strip.width, strip.height
    rows = max(2, round((length / max(short, 1)) ** 0.5 / 1.5))
    target = length / rows
    ink = _ink_columns(strip)
    cuts = [0]
    while length - cuts[-1] > target * 1.2:
        cuts.append(_blank_near(ink, cuts[-1] + int(target), window=int(target * 0.25)))
    cuts.append(length)
    segments = []
    for i, (start, end) in enumerate(itertools.pairwise(cuts)):
        segments.append(Segment(start, end, i * (short + GAP)))
    width = max(s.end - s.start for s in segments)
    height = len(segments) * (short + GAP) - GAP
    folded = Image.new("RGB", (width, height), (255, 255, 255))
    for seg in segments:
        folded.paste(strip.crop((seg.start, 0, seg.end, short)), (0, seg.offset))
    if vertical:
        folded = folded.transpose(Image.Transpose.TRANSPOSE)
    return Folded(folded, tuple(segments), vertical, short)


def _ink_columns(strip: Image.Image) -> np.ndarray:
    """Per column, how much darker than the page its darkest pixel is (0: blank)."""
    gray = np.asarray(strip.convert("L"), dtype=np.int16)
    background = int(np.median(gray))
    return np.maximum(background - gray.min(axis=0), 0)


def _blank_near(ink: np.ndarray, at: int, window: int) -> int:
    """The column nearest ``at`` in the middle of the widest blank run within ``window``."""
    lo, hi = max(at - window, 1), min(at + window, len(ink) - 1)
    if lo >= hi:
        return min(max(at, 1), len(ink) - 1)
    runs = true_runs(ink[lo:hi] < 40)
    if not runs:
        return at
    start, end = max(runs, key=lambda run: run[1] - run[0])
    return lo + (start + end) // 2


__all__ = ["MAX_RATIO", "Folded", "Segment", "fold", "needs_folding"]
