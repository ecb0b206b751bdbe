"""Which characters count as accented plain letters (engines/accents.py)."""

from __future__ import annotations

import pytest

from ocr_loaders.engines.accents import plain_letter


@pytest.mark.parametrize(("char", "plain"), [
    ("é", "e"), ("À", "A"), ("Ġ", "G"), ("ē", "e"), ("ö", "o"), ("Ò", "O"),
    ("e", None),    # already plain
    ("ß", None),    # no accent to take off
    ("æ", None),
    ("중", None),   # Hangul decomposes into jamo, not a Latin letter
    ("ä̈", None),    # two characters
])
def test_plain_letter(char: str, plain: str | None) -> None:
    assert plain_letter(char) == plain
