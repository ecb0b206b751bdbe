"""Which line crops have light ink on a dark ground (``engines/polarity.py``)."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from ocr_loaders.engines.polarity import dark_on_light, light_ink
from tests import docgen


def _crop(ground: tuple[int, int, int], ink: tuple[int, int, int]) -> np.ndarray:
    """A BGR line crop of a few words in ``ink`` on ``ground`` (RGB colours)."""
    img = Image.new("RGB", (600, 60), ground)
    ImageDraw.Draw(img).text((10, 8), "Quarterly revenue 2,340", font=docgen.font(36, cjk=False),
                             fill=ink)
    return np.asarray(img)[:, :, ::-1].copy()


def test_light_ink_on_dark_and_coloured_grounds() -> None:
    assert light_ink(_crop((30, 30, 30), (235, 235, 235)))  # dark mode
    assert light_ink(_crop((20, 60, 140), (255, 255, 255)))  # a blue banner
    assert light_ink(_crop((0, 0, 0), (255, 255, 0)))  # yellow on black


def test_dark_ink_is_left_alone() -> None:
    assert not light_ink(_crop((255, 255, 255), (0, 0, 0)))
    assert not light_ink(_crop((230, 230, 230), (0, 0, 0)))  # a grey table header
    assert not light_ink(_crop((255, 255, 255), (150, 150, 150)))  # grey print
    assert not light_ink(_crop((120, 160, 220), (0, 0, 0)))  # black on mid blue
    assert not light_ink(np.zeros((0, 0, 3), dtype=np.uint8))
    blank = np.full((40, 300, 3), 255, dtype=np.uint8)
    assert dark_on_light(blank) is blank


def test_dark_on_light_inverts_light_ink() -> None:
    crop = _crop((30, 30, 30), (235, 235, 235))
    out = dark_on_light(crop)
    assert out.dtype == np.uint8 and out.shape == crop.shape
    assert not light_ink(out)
    assert int(np.median(out)) == 255 - int(np.median(crop))
    grey = crop[:, :, 0]
    assert light_ink(grey) and not light_ink(dark_on_light(grey))


def test_bold_type_covering_most_of_the_crop() -> None:
    """Heavy type that covers more than half of a tight crop is still dark ink on paper (its
    edges are paper). Inverting takes both the crop's median and its edges to be dark, so the
    negatives of this crop and of the next test's are left alone too: rare, and left as they
    were before inverting existed."""
    crop = np.full((40, 200), 255, dtype=np.uint8)
    crop[4:36, 4:196] = 0  # ink over 77% of the crop
    crop[10:30, 20:40] = 255  # a counter
    assert not light_ink(crop)


def test_a_table_cell_between_thick_rules() -> None:
    """A cell's crop takes in the rules above and below it: its edges are mostly rule, but
    most of it is paper (a review's table with 6 px rules had 12 of 15 cells inverted)."""
    crop = _crop((255, 255, 255), (0, 0, 0))
    crop[:6] = 0
    crop[-6:] = 0
    assert not light_ink(crop)
    assert not light_ink(_boxed(crop))


def _boxed(crop: np.ndarray) -> np.ndarray:
    """The crop with a 2 px frame drawn tight round it."""
    out = crop.copy()
    out[:2] = out[-2:] = 0
    out[:, :2] = out[:, -2:] = 0
    return out
