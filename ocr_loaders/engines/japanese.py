"""Japanese pages: PP-OCRv6 reads Japanese with Chinese habits; put them right.

PP-OCRv6's one recogniser serves Chinese and Japanese, so on Japanese pages it writes the
Chinese form of some kanji (增 for 増, 查 for 査) and the Latin middle dot ``·`` for the
katakana middle dot ``・``. On a page that is Japanese (kana among its characters), those
characters are mapped to their Japanese forms, one character for one so word boxes stay put.
Hangul line re-reading is also skipped there: Tesseract ``kor`` turns form checkboxes and
kanji into stray jamo and syllables.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ocr_loaders.engines.layout import LineResult

KANA = re.compile(r"[\u3041-\u309f\u30a0-\u30ff\uff66-\uff9f]")
MIN_KANA = 10
"""Kana characters that make a page Japanese (Chinese text has none)."""

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


def to_japanese(line: LineResult) -> None:
    """Map a line's Chinese forms to Japanese ones, in its text and its words (in place)."""
    line.text = line.text.translate(_TO_JAPANESE)
    for piece in line.words:
        piece.text = piece.text.translate(_TO_JAPANESE)


__all__ = ["is_japanese", "to_japanese"]
