"""Circles in Korean lines (``engines/circles.py``): names left out (``○○은행``), round
bullets and circled numbers, which neither Tesseract ``kor`` nor PP-OCRv6 reads."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from ocr_loaders.engines.circles import circle_runs, restore_circles
from ocr_loaders.engines.layout import LineResult, Piece, merge_pieces, rect_quad
from ocr_loaders.engines.local import LocalEngine
from tests import docgen

COURT = [
    "회사 ○○종합건설(이하 '○○종합건설'이라고 한다)에 대한 임대차보증금",
    "○○마을 지주공동사업 추진위원회의 추진위원으로서 이 사건 사업의",
    "【원고, 상고인】 주식회사 ○○은행 (소송대리인 법무법인 세상)",
    "원고가 ○○○과 임대차계약을 체결하지 않았거나 피고 ○○○은",
    "○ 기간 : 2024. 1. 1. ~ 2024. 12. 31.",
]


@pytest.mark.parametrize("size", [20, 30, 40])
def test_names_left_out_of_a_court_decision(engine: LocalEngine, size: int) -> None:
    """Tesseract read the circles ``((``, ``〉(``, ``(〉(〉``, ``< 7( )(〉``; the eval's court
    decisions have ten such runs (each was wrong before)."""
    img = docgen.render_lines(COURT, size=size, width=1500)
    text = engine.recognize(docgen.image_bytes(img, "PNG")).pages[0].text
    lines = text.split("\n")
    assert len(lines) == len(COURT), text
    assert lines[0].startswith("회사 ○○종합건설(이하 ‘○○종합건설’"), text
    assert lines[1].startswith("○○마을 지주"), text
    assert "주식회사 ○○은행 (소송" in lines[2], text
    assert lines[3] == "원고가 ○○○과 임대차계약을 체결하지 않았거나 피고 ○○○은", text
    assert lines[4].startswith("○ 기간"), text


def test_circled_numbers_are_read_by_pp_ocr(engine: LocalEngine) -> None:
    """A circle with ink inside is a circled number, not a name left out: PP-OCRv6 reads
    it (``①``; ``⑫`` it reads ``12``), where Tesseract wrote ``(01)``, ``0)``, ``62``, ``@``."""
    lines = ["○ 내 용 : ① 키오스크 주문 ③ 공공 앱 활용",
             "① 기간을 정한 임대차계약은 ② 상가건물 임대차보호법",
             "□ 사업 개요 ⑫ 항목과 ⑳ 항목"]
    img = docgen.render_lines(lines, size=30, width=1500)
    got = engine.recognize(docgen.image_bytes(img, "PNG")).pages[0].text.split("\n")
    assert [[c for c in line if c in "○①②③⑫⑳"] for line in got] == [
        ["○", "①", "③"], ["①", "②"], ["⑫", "⑳"]], got


def _drawn_line() -> tuple[np.ndarray, LineResult, list[Piece]]:
    """A 40 px high line: a circle pair, a Latin ``O``, a square, a circled ``1`` and a
    circle; pieces as Tesseract might give them."""
    img = Image.new("L", (420, 40), 255)
    draw = ImageDraw.Draw(img)
    draw.ellipse((10, 6, 38, 34), outline=0, width=2)  # ○○ touching
    draw.ellipse((38, 6, 66, 34), outline=0, width=2)
    draw.text((90, 4), "O", fill=0, font=docgen.font(30, cjk=False))
    draw.rectangle((140, 6, 168, 34), outline=0, width=2)  # □
    draw.ellipse((200, 6, 228, 34), outline=0, width=2)  # ① : ink inside
    draw.line((214, 12, 214, 28), fill=0, width=3)
    draw.ellipse((300, 6, 328, 34), outline=0, width=2)  # ○ alone
    draw.rectangle((332, 8, 356, 32), fill=0)  # a letter after it, glued
    page = np.asarray(img.convert("RGB"))[:, :, ::-1].copy()
    words = [("((", 8, 68), ("O", 88, 112), ("[]", 138, 170), ("(1)", 198, 230),
             ("(가", 298, 358)]
    pieces = [Piece(t, 0.4, rect_quad(x0, 0, x1, 40)) for t, x0, x1 in words]
    text = " ".join(t for t, *_ in words)
    line = LineResult(quad=rect_quad(0, 0, 420, 40), text=text, confidence=0.5,
                      words=merge_pieces(text, pieces), pieces=pieces)
    return page, line, pieces


def test_only_round_holes_as_tall_as_the_line_are_circles() -> None:
    page, line, _ = _drawn_line()
    runs = circle_runs(page[:, :, 0], line.quad)
    assert [(r.count, r.filled) for r in runs] == [(2, False), (1, True), (1, False)]
    assert runs[0].x0 < 14 and runs[0].x1 > 60  # both circles of the pair
    assert 195 < runs[1].x0 < runs[1].x1 < 232 and 296 < runs[2].x0 < runs[2].x1 < 332


def test_signs_over_circles_become_circles() -> None:
    page, line, pieces = _drawn_line()
    asked: list[tuple[int, int]] = []

    def read(crops: list[np.ndarray]) -> list[tuple[str, float]]:
        asked.extend(c.shape[:2] for c in crops)
        return [("①", 0.99)] * len(crops)

    ((out, new),) = restore_circles([(line, pieces)], page, read)
    assert out.text == "○○ O [] ① ○가"  # the Hangul glued after a circle stays its own
    assert [w.text for w in out.words] == out.text.split()
    assert len(asked) == 1  # only the circle with ink inside is read
    assert [p.text for p in new] == ["○○", "O", "[]", "①", "○", "가"]
    unsure = restore_circles([(line, pieces)], page, lambda crops: [("0", 0.99)] * len(crops))
    assert unsure[0][0].text == "○○ O [] (1) ○가"  # no circled number read: left alone


def test_lines_without_circles_are_left_alone() -> None:
    """Brackets, ``0`` and ``O`` in a Korean line with no circle in its pixels."""
    lines = ["주식회사 (주)한국 O사 제0호 (이하 '원고')"]
    img = docgen.render_lines(lines, size=30, width=900)
    page = np.asarray(img)[:, :, ::-1].copy()
    pieces = [Piece(t, 0.5, rect_quad(50 + 120 * k, 45, 160 + 120 * k, 95))
              for k, t in enumerate(lines[0].split())]
    line = LineResult(quad=rect_quad(40, 40, 880, 100), text=lines[0], confidence=0.9,
                      words=merge_pieces(lines[0], pieces), pieces=pieces)
    assert circle_runs(page[:, :, 0], line.quad) == []
    ((out, _),) = restore_circles([(line, pieces)], page, lambda crops: [])
    assert out is line


def test_latin_lines_and_digits_after_a_circled_number_are_kept() -> None:
    """A review's findings: on a line of Latin x-height letters ``o``'s hole is 0.7 of the
    ink (``snow ○cean``), and the digits glued after a circled number in one piece were
    replaced with it (``(1)2023년`` -> ``①년``)."""
    img = Image.new("L", (420, 40), 255)
    draw = ImageDraw.Draw(img)
    draw.text((10, 4), "snow ocean", fill=0, font=docgen.font(30, cjk=False))
    page = np.asarray(img.convert("RGB"))[:, :, ::-1].copy()
    pieces = [Piece("snow", 0.6, rect_quad(8, 0, 90, 40)),
              Piece("ocean", 0.6, rect_quad(100, 0, 200, 40))]
    line = LineResult(quad=rect_quad(0, 0, 420, 40), text="snow ocean", confidence=0.6,
                      words=merge_pieces("snow ocean", pieces), pieces=pieces)
    assert restore_circles([(line, pieces)], page, lambda crops: [])[0][0] is line

    img = Image.new("L", (420, 40), 255)
    draw = ImageDraw.Draw(img)
    draw.ellipse((10, 6, 38, 34), outline=0, width=2)  # ①
    draw.line((24, 12, 24, 28), fill=0, width=3)
    draw.text((44, 4), "2023", fill=0, font=docgen.font(30, cjk=False))
    draw.text((120, 4), "년 기준", fill=0, font=docgen.font(30))
    page = np.asarray(img.convert("RGB"))[:, :, ::-1].copy()
    pieces = [Piece("(1)2023년", 0.4, rect_quad(8, 0, 150, 40)),
              Piece("기준", 0.9, rect_quad(165, 0, 230, 40))]
    text = "(1)2023년 기준"
    line = LineResult(quad=rect_quad(0, 0, 420, 40), text=text, confidence=0.5,
                      words=merge_pieces(text, pieces), pieces=pieces)
    ((out, _),) = restore_circles([(line, pieces)], page, lambda crops: [("①", 0.99)])
    assert "2023" in out.text and out.text.endswith("년 기준"), out.text


SET_AGAINST = [
    "피고 ○○○(1970년생)은 원고 ○○○의 배우자이다.",
    "피고 ○○○, ○○○, ○○○ 및 ○○○은 연대하여 지급하라.",
    "위 계약은 2020. ○. ○. 해지되었고, 2021. ○○. ○○. 다시 체결되었다.",
    "피고인 김○○, 이○○, 박○○에 대한 판결",
    "원고 (○○○)는 피고 [○○]와 계약하였다.",
    "♡ 사랑해요 ♡ 고마워요 ㅇㅇ",
]


def test_what_is_set_against_circles_stays(engine: LocalEngine) -> None:
    """A review's lines: Tesseract's pieces mix the circles' signs with the brackets, digits
    and commas set against them (``()()()(1970``), and the first version replaced them all
    (``피고 ○○○년생)은``, three names run into one, ``♡`` a circle). The glyphs beside the
    circles are counted in the pixels and that many characters stay; a heart is no circle."""
    img = docgen.render_lines(SET_AGAINST, size=30, width=1500)
    got = engine.recognize(docgen.image_bytes(img, "PNG")).pages[0].text.split("\n")
    assert [got[k] for k in (0, 1, 4)] == [SET_AGAINST[k] for k in (0, 1, 4)], got
    # where Tesseract's boxes are far off the ink, a sign of the circles' may stay
    # (``○○),``), but nothing printed is lost and the circles are counted right
    for k in (2, 3):
        assert got[k].count("○") == SET_AGAINST[k].count("○"), got
        assert [c for c in got[k] if c in ",.0123456789"] == [
            c for c in SET_AGAINST[k] if c in ",.0123456789"], got
    assert "○" not in got[5], got
