"""Japanese form marks (engines/japanese.py): circles, check marks and checkboxes."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from ocr_loaders.engines.japanese import _marks, checkboxes, has_kana, is_chinese, simplified_only
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


def test_simplified_chinese_lines_are_told_from_japanese_ones() -> None:
    """A kana-less line with more simplified-only characters (发, 专) than Japanese or
    Traditional ones is Chinese; the forms PP-OCRv6 writes on Japanese pages (查, 增, 從, the
    Latin middle dot) are not simplified-only, and kana make a line Japanese."""
    assert is_chinese("增值税专用发票") and is_chinese("发票号码 12345678")
    assert not is_chinese("検查日 月 日") and not is_chinese("改善·不変·增悪")
    assert not is_chinese("専從") and not is_chinese("請求書") and not is_chinese("12345")
    assert not is_chinese("発行日について发") and has_kana("発行日について发")
    # 剂 for 剤 on a Japanese form: the Japanese forms around it outnumber it
    assert not is_chinese("□ 濃厚流動食·経腸栄養剂") and is_chinese("中华人民共和国")
    assert [c for c in "发专们这书查增從齡気" if simplified_only(c)] == list("发专们这书")


def test_a_number_read_in_mixed_widths_gets_one() -> None:
    from ocr_loaders.engines.japanese import _one_width

    # PP-OCRv6 read a full-width phone number partly half-width
    read = "センター（01２０－1２3－４５6）まで"
    assert _one_width(read) == "センター（０１２０－１２３－４５６）まで"
    assert _one_width("合計１,２00円") == "合計1,200円"  # most of it half-width
    # numbers in one width, and different numbers in different widths, are left alone
    for text in ("令和6年3月1日", "2024年３月１５日", "22：00〜翌6：00", "3－4"):
        assert _one_width(text) == text
