"""Skewed pages read level: the page image turned by its text's slope, boxes turned back.

A scan fed in at a slant or a photographed page has text lines that slope by a few degrees.
The detector and recogniser cope with that line by line, but the steps that look at the page
around a line (the Hanja and bracket checks on word crops, word boxes tightened to their ink)
work on upright rectangles, which then take in the neighbouring lines. Above
``DESKEW_MIN_DEGREES`` the page is therefore turned level before it is read, and every box is
turned back, so that boxes stay in the pixels of the image the caller gave (as quads that
follow the slant).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image

DESKEW_MIN_DEGREES = 1.5
"""Pages whose text slopes by less than this are read as they are (reading order alone copes
with a small slope: ``order.page_skew``; word boxes of upright rectangles are still close).
Turning costs a second detection and a resampling, which can cost characters on small noisy
print: a 100-DPI FUNSD fax sloping by 1.1 degrees lost BoW_F1 .562 -> .427 when turned."""


@dataclass(frozen=True)
class Turn:
    """A rotation about the image centre that makes the text level, with the canvas grown to
    hold the whole page. ``to_original`` maps a point of the level image to the given one."""

    degrees: float
    width: int
    height: int
    level_width: int
    level_height: int

    def matrix(self) -> tuple[float, float, float, float, float, float]:
        """``(a, b, c, d, e, f)``: level (x, y) -> original (a x + b y + c, d x + e y + f)."""
        rad = math.radians(self.degrees)
        cos, sin = math.cos(rad), math.sin(rad)
        cx, cy = self.width / 2, self.height / 2
        lx, ly = self.level_width / 2, self.level_height / 2
        return (cos, -sin, cx - cos * lx + sin * ly, sin, cos, cy - sin * lx - cos * ly)

    def to_original(self, quad: Sequence[Sequence[float]]) -> list[tuple[float, float]]:
        a, b, c, d, e, f = self.matrix()
        return [(a * x + b * y + c, d * x + e * y + f) for x, y in quad]

    def apply(self, image: Image.Image) -> Image.Image:
        """The level image (white where the turned page leaves the canvas)."""
        fill = (255,) * len(image.getbands()) if image.mode != "P" else 255
        return image.transform(
            (self.level_width, self.level_height), Image.Transform.AFFINE, data=self.matrix(),
            resample=Image.Resampling.BICUBIC, fillcolor=fill,
        )


def turn_for(degrees: float, width: int, height: int) -> Turn:
    """The turn that levels text sloping by ``degrees`` (clockwise positive, image
    coordinates, as ``order.page_skew`` measures it) on a ``width`` x ``height`` page."""
    rad = math.radians(degrees)
    cos, sin = abs(math.cos(rad)), abs(math.sin(rad))
    return Turn(
        degrees=degrees, width=width, height=height,
        level_width=math.ceil(width * cos + height * sin),
        level_height=math.ceil(width * sin + height * cos),
    )
