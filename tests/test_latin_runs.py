"""Which Tesseract pieces of a Korean line are re-read as Latin, and how a line is rebuilt."""

from __future__ import annotations

import numpy as np
import pytest

from ocr_loaders.engines import latin
from ocr_loaders.engines.layout import LineResult, Piece, merge_pieces, rect_quad


def _piece(text: str, x0: float, x1: float, confidence: float = 0.93) -> Piece:
    return Piece(text, confidence, rect_quad(x0, 10, x1, 40))


def _line(pieces: list[Piece], text: str) -> LineResult:
    return LineResult(quad=rect_quad(0, 5, 1000, 45), text=text, confidence=0.9,
                      words=merge_pieces(text, pieces))


def test_suspect_pieces() -> None:
    assert latin._suspect(_piece("450", 0, 1))  # USB
    assert latin._suspect(_piece("『", 0, 1))  # the P of PDF
    assert latin._suspect(_piece("ㅇ", 0, 1))  # loose jamo: the C of Corp.
    assert latin._suspect(_piece("티", 0, 1, confidence=0.0))  # "El", doubted
    assert not latin._suspect(_piece("포트를", 0, 1))  # good Hangul
    assert not latin._suspect(_piece(",", 0, 1))  # punctuation: nothing to gain
    assert not latin._suspect(_piece("(", 0, 1))


def test_latin_readings() -> None:
    assert latin._latin("USB", False)
    assert latin._latin("Co.,", False)
    assert not latin._latin("2019.", False)  # digits stay Tesseract's
    assert not latin._latin("0|", False)  # PP-OCRv6's look-alike for 이
    assert not latin._latin("USB号", False)  # not ASCII: a particle read as Chinese
    assert not latin._latin("E", True)  # a run with Hangul needs two letters
    assert latin._latin("PDF", True)


def test_runs_and_rebuilt_line_keep_attached_particles() -> None:
    pieces = [_piece("4050", 0, 60, 0.22), _piece("를", 60, 90), _piece("연결하고", 110, 220)]
    line = _line(pieces, "4050를 연결하고")
    assert latin._runs(pieces) == [(0, 1)]
    rect = latin._run_rect(line, pieces, 0, 1)
    assert rect[2] <= 60 and rect[0] < 0 + 1e-9  # reaches left, never into 를
    new, new_pieces = latin._rebuilt(line, pieces, {(0, 1): ("USB", 0.99, rect)})
    assert new.text == "USB를 연결하고"
    assert [w.text for w in new.words] == ["USB를", "연결하고"]
    assert [p.text for p in new_pieces] == ["USB", "를", "연결하고"]


def test_a_doubted_syllable_attached_to_a_look_alike_joins_its_run() -> None:
    # PDF read as 『 (sure) + 매 (doubted): the run takes 매 in, so PP-OCRv6 reads all of PDF
    pieces = [_piece("자료를", 0, 90), _piece("『", 110, 125, 0.92), _piece("매", 125, 150, 0.71),
              _piece("형식으로", 170, 280)]
    text = "자료를 『매 형식으로"
    assert latin._runs(pieces, text) == [(1, 3)]
    assert latin._runs(pieces) == [(1, 2)]
    # a particle it is sure of stays out (USB를), and so does a syllable after a space
    sure = [_piece("450", 0, 60, 0.77), _piece("를", 60, 90, 0.93), _piece("연결", 110, 170)]
    assert latin._runs(sure, "450를 연결") == [(0, 1)]
    spaced = [_piece("『", 0, 15, 0.92), _piece("매", 30, 55, 0.71)]
    assert latin._runs(spaced, "『 매") == [(0, 1)]


def test_a_run_of_several_words_is_replaced_whole() -> None:
    pieces = [_piece("이", 0, 30), _piece("530754118", 40, 200, 0.64),
              _piece("티", 210, 240, 0.0), _piece("6[『01105", 240, 400, 0.12),
              _piece("와", 420, 450)]
    line = _line(pieces, "이 530754118 티6[『01105 와")
    assert latin._runs(pieces) == [(1, 4)]
    rect = latin._run_rect(line, pieces, 1, 4)
    new, _ = latin._rebuilt(line, pieces, {(1, 4): ("Samsung Electronics", 0.99, rect)})
    assert new.text == "이 Samsung Electronics 와"
    assert [w.text for w in new.words] == ["이", "Samsung", "Electronics", "와"]


def test_restore_latin_reads_only_runs_that_disagree() -> None:
    pieces = [_piece("가격은", 0, 90), _piece("\\15,000", 100, 230, 0.91),
              _piece("이다", 240, 300), _piece("2019.", 320, 400, 0.42)]
    line = _line(pieces, "가격은 \\15,000 이다 2019.")
    bgr = np.full((60, 1000, 3), 255, dtype=np.uint8)
    asked: list[int] = []

    def quick(crops: list[np.ndarray]) -> list[tuple[str, float]]:
        return [("W15,000", 0.99), ("2019.", 0.99)][:len(crops)]

    def full(crops: list[np.ndarray]) -> list[tuple[str, float]]:
        asked.append(len(crops))
        return [("W15,000", 0.99)]

    out = latin.restore_latin([(line, pieces)], bgr, quick, full)
    assert asked == [1]  # the date agreed in the quick pass
    assert out[0][0].text == "가격은 ₩15,000 이다 2019."


@pytest.mark.parametrize(("read", "written"), [
    ("W15,000", "₩15,000"), ("W 300", "₩ 300"), ("N15,000", "₩15,000"),
    ("N1,250,000", "₩1,250,000"), ("N95", "N95"), ("KN95", "KN95"), ("WiFi 6", "WiFi 6"),
    ("N 5", "N 5"), ("TW15,000", "TW15,000"),
])
def test_won_sign(read: str, written: str) -> None:
    """PP-OCRv6 reads the won sign as ``W`` or, grouped in thousands, ``N``."""
    assert latin.WON.sub("₩", read) == written
