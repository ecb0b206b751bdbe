"""Which characters count as accented plain letters (engines/accents.py)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ocr_loaders.engines.accents import plain_letter, unseen_capital_accents
from ocr_loaders.engines.layout import ink_mask


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


DEJAVU = "/usr/share/fonts/truetype/dejavu/"


def _ink(printed: str, font: str, size: int) -> np.ndarray:
    """The ink mask of ``printed`` cut to its own ink, as a word box is."""
    img = Image.new("L", (20 * size, 3 * size), 255)
    ImageDraw.Draw(img).text((size, size), printed, font=ImageFont.truetype(DEJAVU + font, size),
                             fill=0)
    gray = np.asarray(img)
    rows, cols = np.flatnonzero((gray < 128).any(axis=1)), np.flatnonzero((gray < 128).any(axis=0))
    return ink_mask(gray[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1])


@pytest.mark.parametrize("font", ["DejaVuSans.ttf", "DejaVuSerif.ttf"])
@pytest.mark.parametrize("size", [16, 24, 36])
@pytest.mark.parametrize(("printed", "read"), [
    # the recogniser's readings of plain capitals under a line's descenders (eval pages)
    ("October.", "Öctober."), ("(SGEN.O)", "(SGEN.Ó)"), ("ALAM", "ÁLAM"), ("GLPG", "ĠLPG"),
    # printed accents stay, over capitals and small letters, with brackets beside them
    ("Émile", "Émile"), ("ÉTÉ", "ÉTÉ"), ("Öztürk", "Öztürk"), ("(Ó)", "(Ó)"),
    ("ÓSCAR", "ÓSCAR"), ("École", "École"), ("Ecole", "École"),
])
def test_capital_accents_the_ink_does_not_show_go(printed: str, read: str, font: str,
                                                  size: int) -> None:
    assert unseen_capital_accents(read, _ink(printed, font, size)) == printed


# the column tops of ``Łoś,`` set in small capitals on a DocBank PDF (32 px box), read
# ``LOŚ,``: a wide first letter, the accent 3 px above it at columns 49-52
LOS_TOPS = ([3] * 9 + [25, 25, 25, 25, 24, 23, 22, 18] + [32] * 4
            + [15, 13, 11, 10, 10, 9, 9, 9, 8, 8, 9, 9, 9, 10, 11, 11, 13, 15] + [32] * 3
            + [12, 10, 9, 9, 15, 5, 4, 2, 1, 0, 0, 19] + [32] * 6 + [23, 23, 23])


def test_each_letter_is_its_run_of_columns_when_there_is_one_per_character() -> None:
    ink = np.zeros((32, len(LOS_TOPS)), dtype=bool)
    for column, top in enumerate(LOS_TOPS):
        ink[top:28, column] = top < 32
    # letters taken as equally wide put the accent's columns over the ``o``
    assert unseen_capital_accents("LOŚ,", ink) == "LOŚ,"
    ink[:3] = False  # no accent above the cap line: it goes
    assert unseen_capital_accents("LOŚ,", ink) == "LOS,"


def test_foreign_words_are_left_as_read() -> None:
    # a word box may cut off the dot of ``Ż`` (a DocBank PDF): with other letters that are
    # not ASCII the word is a foreign name, not an English one misread
    assert unseen_capital_accents("Żyliński", _ink("Zylinski", "DejaVuSerif.ttf", 24)) == (
        "Żyliński")


def test_a_word_of_accented_capitals_alone_is_left_as_read() -> None:
    # nothing to compare its height with
    assert unseen_capital_accents("É", _ink("E", "DejaVuSans.ttf", 24)) == "É"
    assert unseen_capital_accents("ÉÀ", _ink("EA", "DejaVuSans.ttf", 24)) == "ÉÀ"
