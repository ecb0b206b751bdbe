"""Japanese pages: PP-OCRv6 reads Japanese with Chinese habits; put them right.

PP-OCRv6's one recogniser serves Chinese and Japanese, so on Japanese pages it writes the
Chinese form of some kanji (增 for 増, 查 for 査) and the Latin middle dot ``·`` for the
katakana middle dot ``・``. On a page that is Japanese (kana among its characters), those
characters are mapped to their Japanese forms, one character for one so word boxes stay put,
and so are form marks: ``〇`` outside numerals is the circle ``○``, a lone ``√`` the check mark
``✓``, and checkboxes read as ``口``/``ロ`` become ``□`` (see :func:`checkboxes`).

Which script a line is in is decided per line, so that a page mixing scripts (a trilingual
invoice, a tourist leaflet) keeps each: on a Japanese page a line with kana is Japanese (it is
not sent to Tesseract for Hangul), a line without kana and mostly of simplified-only
characters is Chinese and keeps its forms (:func:`is_chinese`), the other lines are mapped,
and a line without kana may still be Korean (``LocalEngine._may_be_korean``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

import numpy as np

from ocr_loaders.engines.layout import LineResult, Piece, first_glyph, ink_mask, quad_rect

KANA = re.compile(r"[\u3041-\u309f\u30a0-\u30ff\uff66-\uff9f]")
KATAKANA = re.compile(r"[\u30a0-\u30ff\uff66-\uff9f]")
MIN_CHECKBOXES = 2
"""Checkboxes read as □ that a page needs before look-alikes are compared with them."""
CHECKBOX_SIZE_TOLERANCE = 0.15
RULE_SHARE = 0.8
"""Rows or columns of a box inked over this share are table rules, not glyph strokes."""
_NUMERALS = "〇一二三四五六七八九十百千万"
_CIRCLE = re.compile(rf"(?<![{_NUMERALS}])〇(?![{_NUMERALS}])")
_CHECK = re.compile(r"√(?![\w(])")
MIN_KANA = 10
"""Kana characters that make a page Japanese (Chinese text has none)."""
IDEOGRAPH = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

# Chinese forms PP-OCRv6 writes for kanji whose Japanese form differs; none of the left-hand
# characters is used in modern Japanese, so the mapping cannot damage a Japanese text.
_TO_JAPANESE = str.maketrans({
    "·": "・", "增": "増", "查": "査", "项": "項", "齡": "齢", "徵": "徴", "從": "従",
    "别": "別", "恶": "悪", "说": "説", "书": "書", "对": "対", "时": "時", "间": "間",
    "门": "門", "问": "問", "关": "関", "实": "実", "经": "経", "际": "際", "证": "証",
    "请": "請", "认": "認", "记": "記", "设": "設", "计": "計", "险": "険", "护": "護",
    "报": "報", "东": "東", "车": "車", "长": "長", "发": "発", "员": "員", "气": "気",
    "图": "図", "变": "変", "产": "産", "续": "続", "费": "費",
    "务": "務", "劳": "労", "动": "動", "资": "資", "导": "導", "处": "処",
})


def is_japanese(texts: Iterable[str]) -> bool:
    """Whether a page's text holds enough kana to be Japanese."""
    count = 0
    for text in texts:
        count += len(KANA.findall(text))
        if count >= MIN_KANA:
            return True
    return False


def has_kana(text: str) -> bool:
    """Whether a line has kana of its own (it is then Japanese, not Chinese or Korean)."""
    return bool(KANA.search(text))


def _encodes(char: str, codec: str) -> bool:
    try:
        char.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


@functools.lru_cache(maxsize=8192)
def simplified_only(char: str) -> bool:
    """Whether an ideograph is a Simplified Chinese form used neither in Japanese nor in
    Traditional Chinese (发 专 们 这 书): in GB 2312 but in neither CP932 (JIS X 0208 and its
    Windows extensions) nor Big5. 2184 of the unified ideographs are; 查, 增 and 從, which
    PP-OCRv6 writes on Japanese pages, are not."""
    return (bool(IDEOGRAPH.match(char)) and _encodes(char, "gb2312")
            and not _encodes(char, "cp932") and not _encodes(char, "big5"))


@functools.lru_cache(maxsize=8192)
def not_simplified(char: str) -> bool:
    """Whether an ideograph is one Simplified Chinese text does not use (outside GB 2312):
    Japanese and Traditional forms such as 経 腸 栄 査 動."""
    return bool(IDEOGRAPH.match(char)) and not _encodes(char, "gb2312")


def is_chinese(text: str) -> bool:
    """Whether a line is Simplified Chinese: no kana, and more simplified-only characters
    (:func:`simplified_only`) than ideographs outside Simplified Chinese (:func:`not_simplified`).
    Its forms stay as they are, also on a Japanese page (``发票`` is not ``発票`` on a
    trilingual invoice).

    PP-OCRv6 seldom writes simplified-only forms for Japanese kanji: none in 240 kanji-only
    lines rendered in three Noto fonts at two sizes (申請書, 経費精算書, 労働条件通知書...), one
    in the 877 lines of the 12 Japanese eval pages (``□ 濃厚流動食·経腸栄養剂``, 剂 for 剤),
    where the Japanese forms around it (濃 動 経 腸 栄 養) outnumber it.
    """
    if has_kana(text):
        return False
    balance = sum(simplified_only(c) - not_simplified(c) for c in text)
    return balance > 0


def _marks(text: str) -> str:
    """Form marks: a circle ``〇`` outside kanji numerals is ``○``; a ``√`` not before a
    number or letter is the check mark ``✓``."""
    text = _CIRCLE.sub("○", text)
    return _CHECK.sub("✓", text)


_NUMBER = re.compile(r"[0-9０-９]+(?:[-－,，.．:：/／][0-9０-９]+)*")
"""A number, maybe with separators (a phone number, a date, an amount)."""
_TO_FULL = str.maketrans("0123456789", "０１２３４５６７８９")
_TO_HALF = str.maketrans("０１２３４５６７８９", "0123456789")


def _one_width(text: str) -> str:
    """Numbers whose digits PP-OCRv6 read partly full-width and partly half-width
    (``01２０－1２3－４５6`` for ``０１２０－１２３－４５６``) written in the width most of
    their digits and separators have (full-width on a tie); other numbers as they are."""
    def unify(found: re.Match[str]) -> str:
        number = found[0]
        if not (any("0" <= c <= "9" for c in number) and any("０" <= c <= "９" for c in number)):
            return number
        full = sum(1 for c in number if "\uff01" <= c <= "\uff5e")
        return number.translate(_TO_FULL if 2 * full >= len(number) else _TO_HALF)

    return _NUMBER.sub(unify, text)


def to_japanese(line: LineResult) -> None:
    """Map a line's Chinese forms to Japanese ones, in its text and its words (in place);
    numbers read in mixed widths get one (``_one_width``)."""
    line.text = _one_width(_marks(line.text.translate(_TO_JAPANESE)))
    for piece in line.words:
        piece.text = _one_width(_marks(piece.text.translate(_TO_JAPANESE)))


def checkboxes(lines: list[LineResult], gray: np.ndarray) -> None:
    """Word-initial ``口`` / ``ロ`` that are the page's own checkboxes become ``□`` (in place).

    PP-OCRv6 reads the same printed checkbox as ``□`` on one line and as the kanji ``口`` or
    the katakana ``ロ`` on the next (``口なし``, ``ロ問題なし``). When the page has checkboxes
    read as ``□`` at word starts, a word-initial look-alike whose ink box has their size
    (width within ``CHECKBOX_SIZE_TOLERANCE``) is one too: the kanji 口 is drawn narrower
    than a checkbox. A ``ロ`` before katakana (``ロボット``) is left alone, as in sans fonts
    the katakana is nearly as wide as a checkbox.
    """
    sizes = [size for line in lines for word in line.words
             if word.text.startswith("□") and (size := _first_square_ink(word, gray))]
    if len(sizes) < MIN_CHECKBOXES:
        return
    height = float(np.median([h for h, _ in sizes]))
    width = float(np.median([w for _, w in sizes]))
    for line in lines:
        changed = False
        for word in line.words:
            if word.text[:1] not in ("口", "ロ") or KATAKANA.match(word.text[1:2]):
                continue  # ロボット: in sans fonts ロ is nearly as wide as a checkbox
            size = _first_square_ink(word, gray)
            # the width decides (a stroke of the next line or a rule can add height)
            if size and abs(size[1] - width) <= CHECKBOX_SIZE_TOLERANCE * width and (
                (1 - CHECKBOX_SIZE_TOLERANCE) * height <= size[0] <= 2 * height
            ):
                word.text = "□" + word.text[1:]
                changed = True
        if changed and len(line.text.split()) == len(line.words):
            line.text = " ".join(w.text for w in line.words)


def _first_square_ink(word: Piece, gray: np.ndarray) -> tuple[int, int] | None:
    """Height and width of the ink of a word's first glyph: the first run of inked columns
    from the word's left edge, table rules (rows or columns inked across the box) removed."""
    x0, y0, x1, y1 = (round(v) for v in quad_rect(word.quad))
    h = y1 - y0
    if h <= 2:
        return None
    pad = max(2, h // 8)
    region = gray[max(y0, 0):max(y1, 0), max(x0 - pad, 0):max(min(x0 + 2 * h, x1 + pad), 0)]
    if region.size == 0:
        return None
    ink = ink_mask(region)
    ink[ink.mean(axis=1) > RULE_SHARE] = False  # horizontal rules
    ink[:, ink.mean(axis=0) > RULE_SHARE] = False  # vertical rules
    glyph = first_glyph(ink)
    return None if glyph is None else (glyph.shape[0], glyph.shape[1])


__all__ = ["checkboxes", "has_kana", "is_chinese", "is_japanese", "not_simplified",
           "simplified_only", "to_japanese"]
