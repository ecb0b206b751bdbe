"""Table rules along the edges of line crops are painted out; strokes of letters are not."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from ocr_loaders.engines.rules import without_rules
from tests import docgen


def _crop(text: str, rule_at: int | None, width: int = 120, height: int = 44,
          x: int = 40) -> np.ndarray:
    """A line crop as the detector's padded box gives it: text with a few pixels of margin
    above and below, and maybe a cell rule running through it from top to bottom."""
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    draw.text((x, 2), text, font=docgen.font(29), fill="black")
    if rule_at is not None:
        draw.line([(rule_at, 0), (rule_at, height - 1)], fill="black", width=2)
    return np.asarray(img)[:, :, ::-1].copy()


def test_a_cell_rule_at_the_edge_is_painted_out_and_the_text_kept() -> None:
    crop = _crop("10", rule_at=114)
    clean = without_rules(crop)
    assert clean is not crop
    assert clean[:, -9:].min() == 255  # the rule is gone
    text_cols = slice(35, 90)
    assert np.array_equal(clean[:, text_cols], crop[:, text_cols])  # the digits are not


def test_letters_and_brackets_are_not_rules() -> None:
    for text in ("[2]", "|", "1l", "(₩"):
        crop = _crop(text, rule_at=None, width=70, x=2)  # at the crop's left edge
        assert without_rules(crop) is crop, text


def test_a_rule_in_the_middle_is_left_alone() -> None:
    crop = _crop("", rule_at=60)
    assert without_rules(crop) is crop
