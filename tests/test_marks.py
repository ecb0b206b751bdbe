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


def test_angle_brackets_against_hangul() -> None:
    assert korean_marks("[임대차보증금] <다가구주택 사건>[공2024상,104]") == (
        "[임대차보증금] 〈다가구주택 사건〉[공2024상,104]")
    assert korean_marks("금액 < 한도, a<b, 3 > 2, <주>") == "금액 < 한도, a<b, 3 > 2, 〈주〉"
    # comparisons, and a ``>`` whose ``<`` was not one, stay (a review's lines)
    assert korean_marks("점수>80 <2024년 1월> 가<나") == "점수>80 <2024년 1월> 가<나"


@given(st.text(alphabet=list("가나다 '`-:*ㆍ<>1A.(")))
def test_one_character_for_one(text: str) -> None:
    out = korean_marks(text)
    assert len(out) == len(text)
    assert all(a == b or a in "'`-:*ㆍ<>" for a, b in zip(text, out))


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


KOREAN_QUOTES = ["중개대상물 확인·설명서 중 ‘실제 권리관계 또는 공시되지 않은 물건",
                 "주택임대차보호법(이하 ‘주택임대차법’이라고 한다) 제3조 제4항은",
                 "위 계약 제2조는 “계약의 기간연장, 갱신을 한 때에는”이라고 규정한다",
                 "(이하 ‘2차 근질권설정계약’이라 한다)을 체결하였는데, 위 근질권"]


def test_single_and_double_opening_quotes_of_korean_lines(engine) -> None:
    """Tesseract wrote ``‘`` as ``"``, ``“`` or ``ㆍ`` (8 of the 30 on the eval's court
    decisions): its marks are counted in the pixels, and the closing ``"`` follows its
    opener (``‘주택임대차법"이라고``)."""
    from tests import docgen

    for size in (24, 30, 40):
        img = docgen.render_lines(KOREAN_QUOTES, size=size, width=1700)
        text = engine.recognize(docgen.image_bytes(img, "PNG")).pages[0].text
        assert text == "\n".join(KOREAN_QUOTES), (size, text)


def test_quote_marks_are_counted_left_of_the_first_letter() -> None:
    import numpy as np

    from ocr_loaders.engines.layout import Piece, rect_quad
    from ocr_loaders.engines.marks import _opening_quote

    gray = np.full((40, 120), 255, dtype=np.uint8)
    gray[3:5, 2:4] = 0  # a speck of the previous word, in the margin
    gray[6:14, 12:16] = 0  # one mark, high in the line
    gray[8:18, 24:34] = 0  # a letter's top jamo: no mark (too big)
    gray[20:34, 22:40] = 0
    word = Piece('"실제', 0.9, rect_quad(10, 2, 110, 36))
    assert _opening_quote(word, gray) == "‘"
    gray[6:14, 19:22] = 0  # a second mark beside the first
    assert _opening_quote(word, gray) == "“"
    gray[6:14, 16:19] = 0  # the two run together (a blurred scan): one wide mark
    assert _opening_quote(word, gray) == "“"
    gray[6:14, 12:22] = 255
    gray[18:22, 12:16] = 0  # a mark at mid-height (a middle dot) is no quote
    assert _opening_quote(word, gray) == '"'


def test_a_closing_quote_follows_its_opener() -> None:
    from ocr_loaders.engines.marks import _closing_quotes

    assert _closing_quotes('(이하 ‘주택임대차법"이라고 한다)') == "(이하 ‘주택임대차법’이라고 한다)"
    assert _closing_quotes('“계약의 갱신"이라고') == "“계약의 갱신”이라고"
    assert _closing_quotes('그는 "말했다"') == '그는 "말했다"'  # no curly opener: as read
    assert _closing_quotes('‘모니터(27" 규격) 인도’는') == '‘모니터(27" 규격) 인도’는'  # inches
    assert _closing_quotes('“Hello" 와 “2024"') == "“Hello” 와 “2024”"


def test_a_point_marker_whose_bracket_was_read_as_one() -> None:
    from ocr_loaders.engines.layout import LineResult, Piece, merge_pieces, rect_quad
    from ocr_loaders.engines.marks import fix_line

    def line(text: str) -> LineResult:
        pieces = [Piece(t, 0.9, rect_quad(60 * k, 0, 60 * k + 50, 30))
                  for k, t in enumerate(text.split())]
        return LineResult(quad=rect_quad(0, 0, 600, 30), text=text, confidence=0.9,
                          words=merge_pieces(text, pieces))

    for read, expected in (("[21 대항력을 갖춘", "[2] 대항력을 갖춘"),
                           ("[11 소액사건에서", "[1] 소액사건에서"),
                           ("[2] 주택의", "[2] 주택의"), ("제 [21 조항", "제 [21 조항"),
                           ("[2021 기준", "[2021 기준")):
        got = line(read)
        fix_line(got)
        assert got.text == expected and [w.text for w in got.words] == expected.split()


def _rendered_word(text: str, size: int) -> tuple[object, object]:
    """A word rendered in the CJK test font, as a grey page and a Tesseract-like piece boxed
    around its ink (rows of the line's full height)."""
    import numpy as np
    from PIL import Image, ImageDraw

    from ocr_loaders.engines.layout import Piece, rect_quad
    from tests import docgen

    img = Image.new("L", (40 + size * len(text), 2 * size), 255)
    ImageDraw.Draw(img).text((20, size // 3), text, font=docgen.font(size), fill=0)
    gray = np.asarray(img)
    cols = np.flatnonzero((gray < 128).any(axis=0))
    rows = np.flatnonzero((gray < 128).any(axis=1))
    box = rect_quad(int(cols[0]), int(rows[0]) - 1, int(cols[-1]) + 1, int(rows[-1]) + 2)
    return gray, Piece(text, 0.9, box)


def test_a_middle_dot_read_as_a_quote_or_dropped() -> None:
    """``건축·분양하는`` read ``건축’분양하는``, ``주장·증명하여야`` read ``주장증명하여야`` on the
    eval's court decisions: the dot is found in the pixels, small and alone in its columns
    in the middle of the line, and put between the syllables it stands between."""
    from ocr_loaders.engines.marks import _middle_dot

    for size in (24, 30, 40):
        gray, piece = _rendered_word("건축·분양하는", size)
        piece.text = "건축’분양하는"
        assert _middle_dot(piece, gray) == "건축·분양하는", size
        gray, piece = _rendered_word("주장·증명하여야", size)
        piece.text = "주장증명하여야"
        assert _middle_dot(piece, gray) == "주장·증명하여야", size
        gray, piece = _rendered_word("임대차·매매계약", size)
        piece.text = "임대차매매계약"
        assert _middle_dot(piece, gray) == "임대차·매매계약", size


def test_no_middle_dot_where_there_is_none() -> None:
    """A closing quote between syllables is high in the line (``‘전부명령’이라``) and stays;
    words without a dot get none, small print included (``바로``: the stub of a 20 px ``ㅏ``
    cut off its stroke was taken for a dot)."""
    from ocr_loaders.engines.marks import _middle_dot

    for size in (16, 20, 30):
        gray, piece = _rendered_word("전부명령’이라", size)
        assert _middle_dot(piece, gray) == "전부명령’이라", size
        for word in ("본문바로출력", "사법정보공개포털", "임대차보증금반환", "가나다라마바사"):
            gray, piece = _rendered_word(word, size)
            assert _middle_dot(piece, gray) == word, (word, size)
