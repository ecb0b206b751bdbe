"""Where each OCR word sits in its page text, so text and boxes can be cut together.

Page text is the words in reading order, a line per text line (the API's layout). Words are
found left to right from a cursor; a word that cannot be found (text edited by hand) gets no
span and is placed on the current line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Span:
    """A word's character range in the page text and its line number (0-based)."""

    start: int
    end: int
    line: int


def align_words(text: str, words: Sequence[dict[str, Any]]) -> list[Span | None]:
    """The span of each word in ``text``, in order; None for words not found."""
    spans: list[Span | None] = []
    cursor = 0
    line = 0
    for word in words:
        needle = str(word.get("text", ""))
        pos = text.find(needle, cursor) if needle else -1
        if pos < 0:
            spans.append(None)
            continue
        line += text.count("\n", cursor, pos)
        end = pos + len(needle)
        spans.append(Span(pos, end, line))
        cursor = end
    return spans
