"""Skewed pages: read level, boxes turned back into the given image's pixels."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image, ImageDraw

from ocr_loaders.engines.deskew import turn_for
from ocr_loaders.engines.local import LocalEngine
from tests import docgen

LINES = ["Invoice number 2024-0117 for services", "Delivered to the main office in Seoul",
         "Payment is due within thirty days", "Questions go to the accounts team",
         "Thank you for your business with us"]


def _skewed(img: Image.Image, degrees: float) -> Image.Image:
    """``img`` with its content sloping down to the right by ``degrees`` (as a slanted scan)."""
    return turn_for(-degrees, img.width, img.height).apply(img)


def test_a_turn_maps_level_pixels_back_to_the_given_image() -> None:
    img = Image.new("RGB", (600, 400), "white")
    ImageDraw.Draw(img).rectangle((420, 90, 440, 110), fill="black")  # centre (430.5, 100.5)
    turn = turn_for(5.0, img.width, img.height)
    level = np.asarray(turn.apply(img).convert("L")) < 128
    ys, xs = np.nonzero(level)
    (x, y), = turn.to_original([(xs.mean() + 0.5, ys.mean() + 0.5)])
    assert (x, y) == pytest.approx((430.5, 100.5), abs=1.0)
    assert (turn.level_width, turn.level_height) > img.size  # the whole page fits


@pytest.mark.parametrize("degrees", [3.0, -5.0])
def test_a_skewed_scan_reads_like_the_level_one(engine: LocalEngine, degrees: float) -> None:
    img = _skewed(docgen.render_lines(LINES, size=32, width=1000), degrees)
    page = engine.recognize(docgen.image_bytes(img, "PNG")).pages[0]
    assert (page.width, page.height) == img.size
    assert docgen.cer(page.text, "\n".join(LINES)) < 0.03, page.text
    ink = np.asarray(img.convert("L")) < 128
    for word in page.words:
        (x0, y0), (x1, y1), *_ = word.bounding_box.points()
        if x1 - x0 > 60:  # long enough for its slope to show: it follows the text's
            assert math.degrees(math.atan2(y1 - y0, x1 - x0)) == pytest.approx(degrees, abs=1.0)
        cx = round(sum(p[0] for p in word.bounding_box.points()) / 4)
        cy = round(sum(p[1] for p in word.bounding_box.points()) / 4)
        assert ink[cy - 12:cy + 12, cx - 40:cx + 40].any(), word.text  # on its ink


def test_deskew_can_be_turned_off(engine: LocalEngine) -> None:
    img = _skewed(docgen.render_lines(LINES[:3], size=32, width=1000), 4.0)
    plain = LocalEngine(deskew=False)
    plain._rapid = engine._load()  # share the loaded models
    page = plain.recognize(docgen.image_bytes(img, "PNG")).pages[0]
    # without turning, boxes are the upright rectangles of the ink
    assert all(w.bounding_box.points()[0][1] == w.bounding_box.points()[1][1]
               for w in page.words)
    assert docgen.cer(page.text, "\n".join(LINES[:3])) < 0.05, page.text


def test_a_page_scanned_sideways_and_slanted_is_turned_upright_then_level(
    engine: LocalEngine,
) -> None:
    # turned 93 degrees counter-clockwise: OSD turns it back by 90, 3 degrees of slope remain
    img = docgen.render_lines(LINES, size=32, width=1000).rotate(93, expand=True,
                                                                  fillcolor="white")
    page = engine.recognize(docgen.image_bytes(img, "PNG")).pages[0]
    assert docgen.cer(page.text, "\n".join(LINES)) < 0.03, page.text
    assert (page.width, page.height) == img.size  # the given image's pixels
    # each word's quad runs along its text in the given image: 93 degrees counter-clockwise
    slopes = [math.degrees(math.atan2(p[1][1] - p[0][1], p[1][0] - p[0][0]))
              for p in (w.bounding_box.points() for w in page.words if len(w.text) > 4)]
    assert slopes and all(s == pytest.approx(-93.0, abs=1.5) for s in slopes), slopes
