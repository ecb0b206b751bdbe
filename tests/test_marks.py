"""Korean quotes and middle dots (engines/marks.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ocr_loaders.engines.marks import korean_marks


def test_quotes_open_at_word_starts_and_close_elsewhere() -> None:
    assert korean_marks("이하 '1차 계약'이라 한다") == "이하 ‘1차 계약’이라 한다"
    assert korean_marks("계약`이라 ('피고')") == "계약’이라 (‘피고’)"
    assert korean_marks("court's") == "court’s"


def test_middle_dots_only_between_hangul() -> None:
    assert korean_marks("사용-수익 확인ㆍ설명 조사:확인") == "사용·수익 확인·설명 조사·확인"
    assert korean_marks("조사*확인") == "조사·확인"  # a court decision's scan, read by Tesseract
    assert korean_marks("2019-1234 A-B 다-1 -원 주문: 원고 2*3 계약* 원") == (
        "2019-1234 A-B 다-1 -원 주문: 원고 2*3 계약* 원")


@given(st.text(alphabet=list("가나다 '`-:*ㆍ1A.(")))
def test_one_character_for_one(text: str) -> None:
    out = korean_marks(text)
    assert len(out) == len(text)
    assert all(a == b or a in "'`-:*ㆍ" for a, b in zip(text, out))


def test_filled_glyphs_are_lenticular() -> None:
    import numpy as np

    from ocr_loaders.engines.marks import _filled

    solid = np.zeros((20, 30), dtype=bool)
    solid[2:18, 3:9] = True  # a filled bracket, then a gap, then a letter
    solid[2:18, 14:26] = True
    square = np.zeros((20, 30), dtype=bool)
    square[2:18, 3:5] = True  # [: a bar and two short strokes
    square[2:4, 3:9] = square[16:18, 3:9] = True
    assert _filled(solid) and not _filled(square) and not _filled(np.zeros((5, 5), bool))


def test_the_tip_of_a_neighbouring_glyph_is_not_a_bracket() -> None:
    import numpy as np

    from ocr_loaders.engines.marks import _filled

    # a word box padded into the previous word: a 3x2 blob of its last syllable comes first
    # (fully inked, it once read as a filled bracket), then a thin square bracket
    ink = np.zeros((20, 40), dtype=bool)
    ink[9:12, 0:2] = True
    ink[2:18, 8:10] = True
    ink[2:4, 8:14] = ink[16:18, 8:14] = True
    assert not _filled(ink)
    ink[2:18, 8:14] = True  # the bracket filled: lenticular
    assert _filled(ink)
