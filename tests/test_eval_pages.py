"""Regressions on real pages of ``../shared/eval`` (skipped where that data is absent), and
the rules they led to.

The evaluation data is not copied into the project (its licences forbid it); set
``OCR_LOADERS_EVAL`` to its directory when the project is checked out elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image

from ocr_loaders.engines import hangul
from ocr_loaders.engines.layout import LineResult
from ocr_loaders.engines.local import LocalEngine
from tests.conftest import AMX_BF16

EVAL = Path(os.environ.get("OCR_LOADERS_EVAL",
                           Path(__file__).resolve().parents[2] / "shared" / "eval"))


def _eval_page(relative: str) -> Image.Image:
    path = EVAL / relative
    if not path.is_file():
        pytest.skip(f"evaluation page {relative} not found under {EVAL} (set OCR_LOADERS_EVAL)")
    return Image.open(path).convert("RGB")


def _line(text: str, confidence: float) -> LineResult:
    quad = [(0.0, 0.0), (100.0, 0.0), (100.0, 20.0), (0.0, 20.0)]
    return LineResult(quad=quad, text=text, confidence=confidence)


@pytest.mark.parametrize(("text", "confidence", "expected"), [
    ("대한민국 법원 판결문", 0.79, True),      # real Korean lines read at >= 0.79
    ("바삽라", 0.0, False),                    # a figure on a Chinese page
    ("반벅190", 0.32, False),                  # a stamp on a form
    ("여", 0.86, False),                       # one syllable needs more
    ("여.", 0.7, False),                       # ... also with punctuation beside it
    ("갑", 0.95, True),
    ("ㅡㅡ", 0.95, False),                     # loose jamo: a rule, never text
    ("Condensing Note 0.30", 0.3, True),       # no Hangul: the other rules decide
])
def test_credible_hangul_readings(text: str, confidence: float, expected: bool) -> None:
    assert hangul.credible(_line(text, confidence)) is expected


def test_receipt_rules_are_not_read_as_korean(engine: LocalEngine) -> None:
    # two dotted rules of this receipt read as Hangul at 0.25 and 0.33 made it a "Korean
    # page" and their junk syllables came out as two lines
    page = engine.recognize_image(_eval_page("en_sroie/587.jpg"))
    assert not hangul.HANGUL.search(page.text)
    assert "TAX INVOICE" in page.text and "Kuala Lumpur" in page.text


def test_figure_on_a_chinese_page_is_not_read_as_hangul(engine: LocalEngine) -> None:
    page = engine.recognize_image(_eval_page("zh_pumpkin_book/pumpkin_p118.png"))
    assert not hangul.HANGUL.search(page.text)
    assert len(page.text) > 300


def test_reference_marks_of_a_japanese_form_are_kept(engine: LocalEngine) -> None:
    # PP-OCRv6 gave the blank more probability than ※ and the notes lost their marks:
    # 4 of the page's 16 came out before engines/ctcmarks.py, 14 after (13 with the detector
    # at 1280 px, which finds more of the page's lines)
    page = engine.recognize_image(_eval_page("ja_mhlw_forms/02-i-yoshiki-new__BESI5.png"))
    assert page.text.count("※") >= 12
    assert "※1:褥瘡" in page.text and "合併疾患※1" in page.text


def test_spaces_dropped_in_a_table_are_kept(engine: LocalEngine) -> None:
    # PP-OCRv6 gave the blank more probability than the space: GWPharmaceuticals,
    # O(10/01/2015) before engines/ctcmarks.py
    page = engine.recognize_image(_eval_page("en_scribe_benchmark/table_01.png"))
    assert "GW Pharmaceuticals" in page.text and "O (10/01/2015)" in page.text


@AMX_BF16
def test_doubtful_accents_on_a_scanned_table_are_plain(engine: LocalEngine) -> None:
    # Intércept Phàrmaceuticals, (IÒNS.O), (ĠLPG.O), Bluēbird Biò before engines/accents.py
    page = engine.recognize_image(_eval_page("en_scribe_benchmark/table_01.png"))
    assert "Intercept Pharmaceuticals" in page.text
    assert "(IONS.O)" in page.text and "(GLPG.O)" in page.text and "Bluebird Bio" in page.text


def test_printed_accents_stay(engine: LocalEngine) -> None:
    page = engine.recognize_image(
        _eval_page("en_docbank/272.tar_1809.07187.gz_author_FKThielemann_finb_7.jpg"))
    assert "Fröhlich" in page.text and "Martínez" in page.text
