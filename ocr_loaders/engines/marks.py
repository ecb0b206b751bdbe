"""Korean punctuation that Tesseract ``kor`` reads as ASCII look-alikes; put it right.

Korean documents are typeset with curly single quotes around defined terms (‘1차 계약’이라
한다) and a middle dot between paired nouns (사용·수익, 확인·설명). Tesseract writes the quotes
as ``'`` or a backtick and the dot as ``-`` or the Hangul letter ``ㆍ`` (araea), which breaks
the words apart for search and citation. On lines read as Korean, one character is replaced
by one character (so word boxes stay put):

- ``'`` and `````: opening ``‘`` at the start of a word (after a space, the line start or an
  opening bracket), closing ``’`` after anything else;
- ``-``, ``ㆍ`` and ``ᆞ`` between two Hangul syllables: ``·`` (a hyphen never joins Hangul
  words; numbers and Latin words keep theirs).

Measured on ../shared/eval ko_court_decisions: 60 quotes and 31 dots of 21,689 characters.
"""

from __future__ import annotations

import re

from ocr_loaders.engines.layout import LineResult

_QUOTE = re.compile(r"['`]")
_DOT = re.compile(r"(?<=[\uac00-\ud7a3])[-\u318d\u119e](?=[\uac00-\ud7a3])")
_OPENERS = set("([{<「『【〈《“‘")


def korean_marks(text: str) -> str:
    """``text`` with Korean quotes and middle dots (same length, see the module docstring)."""
    text = _DOT.sub("·", text)

    def quote(m: re.Match[str]) -> str:
        before = text[m.start() - 1] if m.start() else " "
        return "‘" if before.isspace() or before in _OPENERS else "’"

    return _QUOTE.sub(quote, text)


def fix_line(line: LineResult) -> None:
    """Apply :func:`korean_marks` to a line and its words (in place)."""
    line.text = korean_marks(line.text)
    for piece in line.words:
        piece.text = korean_marks(piece.text)


__all__ = ["fix_line", "korean_marks"]
