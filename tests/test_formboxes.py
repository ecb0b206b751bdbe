"""Checkboxes found in the pixels: which squares are boxes, and how a box joins its line."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from ocr_loaders.engines import formboxes
from ocr_loaders.engines.layout import LineResult, Piece, rect_quad
from tests import docgen


def _page(draw_boxes: list[tuple[int, int, str]], size: int = 24) -> np.ndarray:
    img = Image.new("L", (400, 120), 255)
    d = ImageDraw.Draw(img)
    for x, y, kind in draw_boxes:
        d.rectangle((x, y, x + size, y + size), outline=0, width=2)
        if kind == "tick":
            d.line((x + 5, y + 12, x + 10, y + 19, x + 20, y + 5), fill=0, width=2)
        elif kind == "cross":
            d.line((x + 4, y + 4, x + size - 4, y + size - 4), fill=0, width=2)
            d.line((x + 4, y + size - 4, x + size - 4, y + 4), fill=0, width=2)
        elif kind == "filled":
            d.rectangle((x, y, x + size, y + size), fill=0)
    return np.asarray(img)


def test_each_kind_of_box_is_told_apart() -> None:
    gray = _page([(20, 20, "empty"), (80, 20, "tick"), (140, 20, "cross"), (200, 20, "filled")])
    found = sorted(formboxes.find_boxes(gray, height=28))
    assert [mark for _, mark in found] == ["☐", "☑", "☒", "■"]
    assert found[0][0] == (20, 20, 45, 45)


def test_letters_and_big_frames_are_not_boxes() -> None:
    img = Image.new("L", (600, 160), 255)
    d = ImageDraw.Draw(img)
    d.text((20, 20), "O D 0 Q o", font=docgen.font(32, cjk=False), fill=0)
    d.rectangle((300, 10, 560, 150), outline=0, width=2)  # a table cell, far taller than text
    assert formboxes.find_boxes(np.asarray(img), height=36) == []


def _line(words: list[tuple[str, float, float]], y0: float = 20, y1: float = 46) -> LineResult:
    pieces = [Piece(t, 0.95, rect_quad(a, y0, b, y1)) for t, a, b in words]
    return LineResult(quad=rect_quad(pieces[0].quad[0][0], y0, pieces[-1].quad[1][0], y1),
                      text=" ".join(t for t, _, _ in words), confidence=0.95, words=pieces)


def test_a_box_joins_its_line_in_reading_order() -> None:
    line = _line([("Married:", 10, 110), ("Yes", 150, 190), ("No", 240, 270)])
    formboxes._place([line], (120, 22, 142, 44), "☑", 26)
    formboxes._place([line], (205, 22, 227, 44), "☐", 26)
    assert line.text == "Married: ☑ Yes ☐ No"
    assert [w.text for w in line.words] == line.text.split()


def test_a_look_alike_reading_becomes_the_box_and_text_is_never_replaced() -> None:
    line = _line([("⊠", 10, 34), ("Not", 44, 90), ("applicable", 96, 220)])
    formboxes._place([line], (10, 22, 34, 44), "☒", 26)
    assert line.text == "☒ Not applicable"
    cell = _line([("J", 10, 34), ("Smith", 44, 120)])
    formboxes._place([cell], (10, 22, 34, 44), "☑", 26)  # a letter in a comb field's cell
    assert cell.text == "J Smith"


def test_a_box_far_from_any_line_is_a_line_of_its_own() -> None:
    lines = [_line([("Title", 10, 90)])]
    formboxes._place(lines, (300, 100, 322, 122), "☑", 26)
    assert [ln.text for ln in lines] == ["Title", "☑"]


def test_pages_with_cjk_text_are_left_alone() -> None:
    gray = _page([(20, 60, "empty")])
    line = _line([("口座番号", 60, 200)], 58, 86)
    assert formboxes.add_checkboxes([line], gray)[0].text == "口座番号"


def test_a_square_read_as_a_box_is_written_as_one_unless_it_ends_the_line() -> None:
    line = _line([("Married:", 10, 110), ("□", 120, 142), ("Yes", 150, 190)])
    formboxes._place([line], (120, 22, 142, 44), "☐", 26)
    assert line.text == "Married: ☐ Yes"
    proof = _line([("holds.", 10, 110), ("□", 120, 142)])  # end of a proof
    formboxes._place([proof], (120, 22, 142, 44), "☐", 26)
    assert proof.text == "holds. □"
