"""Japanese form marks (engines/japanese.py): circles, check marks and checkboxes."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from ocr_loaders.engines.japanese import _marks, checkboxes
from ocr_loaders.engines.layout import LineResult, Piece, rect_quad
from tests import docgen


def test_circles_and_check_marks() -> None:
    assert _marks("(該当するものに〇)") == "(該当するものに○)"
    assert _marks("二〇一九年") == "二〇一九年"  # a kanji numeral keeps its zero
    assert _marks("「√」を記入") == "「✓」を記入" and _marks("√2") == "√2"


def test_checkbox_look_alikes_of_the_page_size_become_checkboxes() -> None:
    """A word drawn with a checkbox but read 口 or ロ takes □; the kanji 口 and the
    katakana ロ as drawn stay (narrower than the page's checkboxes)."""
    drawn = ["□なし", "□あり", "□なし", "□あり", "口座", "ロボット"]
    read = ["□なし", "□あり", "口なし", "ロあり", "口座", "ロボット"]
    img = Image.new("RGB", (700, 60 * len(drawn) + 40), "white")
    draw = ImageDraw.Draw(img)
    font = docgen.font(40)
    words = []
    for i, (shown, text) in enumerate(zip(drawn, read)):
        x, y = 40, 30 + 60 * i
        draw.text((x, y), shown, font=font, fill="black")
        x0, y0, x1, y1 = draw.textbbox((x, y), shown, font=font)
        words.append(Piece(text, 0.9, rect_quad(x0, y0, x1, y1)))
    lines = [LineResult(quad=w.quad, text=w.text, confidence=0.9, words=[w]) for w in words]
    checkboxes(lines, np.asarray(img.convert("L")))
    assert [line.text for line in lines] == ["□なし", "□あり", "□なし", "□あり", "口座", "ロボット"]
