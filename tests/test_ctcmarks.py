"""Reference marks and spaces given back from PP-OCRv6's frame probabilities (engines/ctcmarks.py),
decoded by rapidocr's own CTC decoder with the wheel's character list."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from ocr_loaders.engines.ctcmarks import MIN_PROBABILITY, MarkRecoveringDecoder
from ocr_loaders.engines.local import LocalEngine


@pytest.fixture(scope="module")
def decoder() -> Any:
    decode = LocalEngine()._load().text_rec.postprocess_op
    assert isinstance(decode, MarkRecoveringDecoder)  # what the engine installs
    return decode


def _frames(decoder: Any, frames: list[dict[str, float]]) -> np.ndarray:
    """One line of frame probabilities: each frame's given classes, the rest to blank."""
    index = {c: i for i, c in enumerate(decoder.character)}
    preds = np.zeros((1, len(frames), len(decoder.character)), dtype=np.float32)
    for t, frame in enumerate(frames):
        for char, p in frame.items():
            preds[0, t, index[char]] = p
        preds[0, t, 0] = 1.0 - sum(frame.values())
    return preds


def _text(decoder: Any, preds: np.ndarray) -> str:
    (text, _score), = decoder(preds)[0]
    return str(text)


def test_a_mark_that_loses_to_blank_is_decoded(decoder: Any) -> None:
    # 合併疾患※１ read as 合併疾患1: the mark had 0.2 where blank had 0.8
    preds = _frames(decoder, [{"患": 0.9}, {}, {"※": 0.2}, {"※": 0.1}, {}, {"1": 0.9}])
    assert decoder.decoder(preds.copy())[0][0][0] == "患1"  # rapidocr alone
    assert _text(decoder, preds) == "患※1"


def test_the_postal_mark_before_a_japanese_postcode_is_kept() -> None:
    """``〒100-8916``: PP-OCRv6 gave the mark 0.21 at a frame the blank won with 0.58, and
    dropped it, as it drops ``※``."""
    from PIL import Image, ImageDraw

    from tests import docgen

    lines = ["〒100-8916 東京都千代田区霞が関1-2-2", "送付先 〒530-0001 大阪府大阪市北区梅田1-1-3"]
    fnt = docgen.font(29)
    img = Image.new("RGB", (1200, 200), "white")
    draw = ImageDraw.Draw(img)
    for i, text in enumerate(lines):
        draw.text((40, 40 + 70 * i), text, font=fnt, fill="black")
    text = LocalEngine().recognize(docgen.image_bytes(img, "PNG")).text
    assert text.count("〒") == 2, text


def test_the_postal_mark_behind_a_lookalike(decoder: Any) -> None:
    """In bfloat16 the mark at ``送付先 〒530`` came third (blank 0.37, ``=`` 0.33, ``〒``
    0.17) and was dropped: behind a look-alike of it, it is recovered from 0.1."""
    behind = [{"先": 0.9}, {"〒": 0.17, "=": 0.33, " ": 0.13}, {"5": 0.9}]
    assert _text(decoder, _frames(decoder, behind)) == "先〒5"
    weak = [{"先": 0.9}, {"〒": 0.08, "=": 0.33}, {"5": 0.9}]
    assert _text(decoder, _frames(decoder, weak)) == "先5"
    other = [{"先": 0.9}, {"〒": 0.17, "A": 0.33}, {"5": 0.9}]  # not a look-alike
    assert _text(decoder, _frames(decoder, other)) == "先5"


def test_only_one_mark_per_gap_and_none_below_the_threshold(decoder: Any) -> None:
    low = MIN_PROBABILITY / 2
    assert _text(decoder, _frames(decoder, [{"A": 0.9}, {"※": low}, {"1": 0.9}])) == "A1"
    two = _frames(decoder, [{"A": 0.9}, {"※": 0.3}, {}, {"※": 0.2}, {"1": 0.9}])
    assert _text(decoder, two) == "A※1"
    # separate gaps each keep their own mark
    gaps = _frames(decoder, [{"※": 0.3}, {"A": 0.9}, {"※": 0.3}, {"1": 0.9}])
    assert _text(decoder, gaps) == "※A※1"


def test_marks_already_read_and_other_characters_are_left_alone(decoder: Any) -> None:
    preds = _frames(decoder, [{"※": 0.9}, {"1": 0.9}, {"2": 0.3}, {"3": 0.9}])
    before = preds.copy()
    assert decoder.recover(preds) == 0
    assert np.array_equal(preds, before)
    assert _text(decoder, preds) == "※13"


def test_a_recovered_character_keeps_its_own_probability(decoder: Any) -> None:
    preds = _frames(decoder, [{"A": 0.9}, {"※": 0.25}, {"1": 0.9}])
    (_, score), = decoder(preds)[0]
    assert score == pytest.approx((0.9 + 0.25 + 0.9) / 3, abs=1e-4)


def test_nothing_is_recovered_on_a_line_read_as_nothing(decoder: Any) -> None:
    preds = _frames(decoder, [{}] * 20 + [{"※": 0.3}] + [{}] * 20)
    assert decoder(preds)[0][0][0] == ""


def test_a_mark_is_not_doubled_beside_the_same_mark(decoder: Any) -> None:
    # the gap's best frame is not next to the mark read, so CTC would not merge the two
    preds = _frames(decoder, [{"A": 0.9}, {"※": 0.9}, {"※": 0.1}, {"※": 0.3}, {"1": 0.9}])
    assert _text(decoder, preds) == "A※1"


def test_only_where_the_character_is_the_runner_up(decoder: Any) -> None:
    # a more probable digit at that frame: the mark is not what the model half saw
    preds = _frames(decoder, [{"A": 0.9}, {"1": 0.3, "※": 0.1}, {"B": 0.9}])
    assert _text(decoder, preds) == "AB"
    # a space at a trailing blank run (the line's end) is never added
    end = _frames(decoder, [{"A": 0.9}, {"B": 0.9}, {" ": 0.4}, {}])
    assert _text(decoder, end) == "AB"


def test_read_only_output_is_copied(decoder: Any) -> None:
    preds = _frames(decoder, [{"A": 0.9}, {"※": 0.3}, {"1": 0.9}])
    preds.flags.writeable = False
    assert _text(decoder, preds) == "A※1"


def test_a_dropped_space_between_latin_words_is_decoded(decoder: Any) -> None:
    # GWPharmaceuticals: the space had 0.3 at a blank frame between W and P
    preds = _frames(decoder, [{"G": 0.9}, {"W": 0.9}, {" ": 0.3}, {"P": 0.9}, {"h": 0.9}])
    assert decoder.decoder(preds.copy())[0][0][0] == "GWPh"
    assert _text(decoder, preds) == "GW Ph"


def test_no_space_on_cjk_lines_beside_spaces_or_below_the_threshold(decoder: Any) -> None:
    cjk = _frames(decoder, [{"为": 0.9}, {"l": 0.9}, {" ": 0.3}, {"r": 0.9}])
    assert _text(decoder, cjk) == "为lr"
    beside = _frames(decoder, [{"A": 0.9}, {" ": 0.3}, {" ": 0.9}, {"B": 0.9}])
    assert _text(decoder, beside) == "A B"
    low = _frames(decoder, [{"A": 0.9}, {" ": 0.05}, {"B": 0.9}])
    assert _text(decoder, low) == "AB"
    accented = _frames(decoder, [{"é": 0.9}, {" ": 0.3}, {"B": 0.9}])
    assert _text(decoder, accented) == "éB"  # ASCII on both sides only


def test_a_url_scheme_gets_back_its_second_slash() -> None:
    """CTC merges repeated characters no blank frame separates: small print's ``//`` after a
    URL's scheme came out ``/`` (``https:/portal.scourt.go.kr``, three Korean eval pages)."""
    from ocr_loaders.engines.layout import words_of_text
    from ocr_loaders.engines.linereader import _pp_line

    quad = [(0.0, 0.0), (400.0, 0.0), (400.0, 20.0), (0.0, 20.0)]
    pieces = [("see", 0.9, [(0, 0), (30, 0), (30, 20), (0, 20)]),
              ("https:/portal.go.kr/a//b", 0.9, [(40, 0), (300, 0), (300, 20), (40, 20)]),
              ("ftp:/f.org", 0.9, [(310, 0), (400, 0), (400, 20), (310, 20)])]
    line = _pp_line(quad, "see https:/portal.go.kr/a//b ftp:/f.org", 0.9, pieces)
    assert line.text == "see https://portal.go.kr/a//b ftp://f.org"
    assert [w.text for w in words_of_text(line)] == line.text.split()
    assert _pp_line(quad, "ratio 3:/4 and http://x.org", 0.9, []).text == (
        "ratio 3:/4 and http://x.org")


def test_the_pronoun_i_read_as_a_lower_case_l() -> None:
    """``ads l've seen`` on a Scribe deposition: ``l've``, ``l'm``, ``l'll``, ``l'd`` are the
    pronoun; French ``l'ami`` and other words stay."""
    from ocr_loaders.engines.layout import words_of_text
    from ocr_loaders.engines.linereader import _pp_line

    quad = [(0.0, 0.0), (400.0, 0.0), (400.0, 20.0), (0.0, 20.0)]
    pieces = [("ads", 0.9, [(0, 0), (30, 0), (30, 20), (0, 20)]),
              ("l've", 0.9, [(40, 0), (80, 0), (80, 20), (40, 20)]),
              ("seen,", 0.9, [(90, 0), (140, 0), (140, 20), (90, 20)]),
              ("l'm", 0.9, [(150, 0), (180, 0), (180, 20), (150, 20)])]
    line = _pp_line(quad, "ads l've seen, l'm", 0.9, pieces)
    assert line.text == "ads I've seen, I'm"
    assert [w.text for w in words_of_text(line)] == line.text.split()
    for text in ("l'ami de l'homme", "all'm", "l'velo", "lI've"):
        assert _pp_line(quad, text, 0.9, []).text == text


def test_a_doubtful_accent_is_read_as_the_plain_letter(decoder: Any) -> None:
    """``Phàrmaceuticals`` on a poor scan: ``à`` best at 0.63 with ``a`` at 0.36 is an ``a``
    (engines/accents.py); the letter keeps the plain letter's own probability."""
    frames = [{"h": 0.95}, {"à": 0.63, "a": 0.36}, {"r": 0.95}]
    (text, score), = decoder(_frames(decoder, frames))[0]
    assert text == "har"
    assert score == pytest.approx((0.95 + 0.36 + 0.95) / 3, abs=1e-3)
    # rapidocr alone reads the accent
    assert decoder.decoder(_frames(decoder, frames))[0][0][0] == "hàr"


def test_an_accent_over_two_frames_is_one_decision(decoder: Any) -> None:
    # CTC may spread a letter over two frames: one doubted, one sure; decided per letter
    # (frame by frame it came out ``haàr``)
    frames = [{"h": 0.95}, {"à": 0.6, "a": 0.3}, {"à": 0.9, "a": 0.05}, {"r": 0.95}]
    assert _text(decoder, _frames(decoder, frames)) == "har"
    sure = [{"h": 0.95}, {"à": 0.9, "a": 0.05}, {"à": 0.95, "a": 0.02}, {"r": 0.95}]
    assert _text(decoder, _frames(decoder, sure)) == "hàr"


def test_a_printed_accent_stays(decoder: Any) -> None:
    # Fröhlich on a DocBank page: the plain letter had 0.03 against 0.97
    assert _text(decoder, _frames(decoder, [{"r": 0.95}, {"ö": 0.96, "o": 0.03},
                                            {"h": 0.95}])) == "röh"
    # the runner-up is another letter, not the plain one: Éorged for Forged stays as read
    assert _text(decoder, _frames(decoder, [{"É": 0.37, "F": 0.3}, {"o": 0.95}])) == "Éo"


def test_accents_on_cjk_lines_are_left_alone(decoder: Any) -> None:
    # pinyin beside Chinese in a textbook
    frames = [{"中": 0.95}, {}, {"à": 0.6, "a": 0.35}]
    assert _text(decoder, _frames(decoder, frames)) == "中à"


def test_the_postal_mark_a_lookalike_beat_before_a_postcode(decoder: Any) -> None:
    """On an AMX CPU the ``送付先 〒530`` frame above was a tie (blank and ``=`` 0.358), and
    with the input 64 px wider ``=`` won (0.38, blank 0.34, ``〒`` 0.16): a look-alike read
    where the mark came next among characters, on a CJK line and before a digit, is the
    mark; ``=`` elsewhere stays."""
    seen = {"=": 0.38, "〒": 0.16, " ": 0.12}  # blank 0.34
    won = [{"先": 0.9}, seen, {"=": 0.6, "〒": 0.12}, {}, {"5": 0.9}]
    assert _text(decoder, _frames(decoder, won)) == "先〒5"
    english = [{"x": 0.9}, seen, {"5": 0.9}]  # no CJK on the line
    assert _text(decoder, _frames(decoder, english)) == "x=5"
    not_digit = [{"先": 0.9}, seen, {"先": 0.9}]
    assert _text(decoder, _frames(decoder, not_digit)) == "先=先"
    third = [{"先": 0.9}, {"=": 0.38, "〒": 0.12, "-": 0.2}, {"5": 0.9}]  # not the runner-up
    assert _text(decoder, _frames(decoder, third)) == "先=5"
    weak = [{"先": 0.9}, {"=": 0.6, "〒": 0.08}, {"5": 0.9}]
    assert _text(decoder, _frames(decoder, weak)) == "先=5"
    # a run whose later frame doubts the mark more is still one mark, not ``〒=``
    run = [{"先": 0.9}, seen, {"=": 0.6, "〒": 0.08}, {}, {"5": 0.9}]
    assert _text(decoder, _frames(decoder, run)) == "先〒5"
    # the mark already read before it, blank frames between: not a second one
    after_mark = [{"〒": 0.9}, {}, seen, {"5": 0.9}]
    assert _text(decoder, _frames(decoder, after_mark)) == "〒=5"
