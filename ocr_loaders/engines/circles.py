"""Circles of Korean lines (``○``), found in the pixels: names left out and round bullets.

Korean court decisions write a name left out as circles set against the next word (``주식회사
○○은행``, ``○○종합건설이``, ``피고 ○○○은``), and reports set off items with ``○``. Tesseract
``kor`` has no ``○``: it writes brackets and signs (``((``, ``〉(``, ``(〉(〉``, ``( /(_〉``,
``C 〉( )(ㆍ``), and PP-OCRv6 has none either (it reads ``O``). A circle is easy to see,
though: a round hole about as tall as the line's ink, which no letter of a Korean line has
(``ㅇ`` in a syllable is a third of the height; Latin ``O`` and ``0`` have taller than wide
holes a little over half of it). So the holes of a line's ink are measured, and where round,
tall ones lie under a run of such signs, the run becomes that many circles. On the eval
pages: the 9 circle runs of the Korean court decisions, all misread before, and 3 circled
numbers (``(01)`` for ``①``) now read as printed; no other page changed.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ocr_loaders.engines.bullets import CIRCLED
from ocr_loaders.engines.bullets import SCORE as NUMERAL_SCORE
from ocr_loaders.engines.hangul import OPENING_QUOTES, Recognizer, crop_piece
from ocr_loaders.engines.layout import (
    LineResult,
    Piece,
    darkest_channel,
    locate_pieces,
    merge_pieces,
    quad_rect,
    rect_quad,
)

CIRCLE = "○"

LOOKALIKES = frozenset("()[]{}<>〈〉《》「」/\\|_-~.,:;·ㆍ•°@©®OoＯ0〇QCcDㅇ◦○◯")
"""What Tesseract and PP-OCRv6 write for circles; a run of these (and spaces) is replaced."""
QUOTES = "".join(sorted(OPENING_QUOTES))
"""Opening quotes that may stand before circles (kept)."""

ROUNDNESS = (0.8, 1.25)
"""Width over height of a circle's hole."""
FILL = (0.55, 0.85)
"""Area of a hole's outline over its bounding box: a circle's is pi/4 (measured 0.69-0.72 on
pixel outlines); a square's (``□``) is near 1."""
TALL = 0.7
"""Least height of a circle's hole, in heights of the line's ink (circles measured 0.87-1.0;
``ㅇ`` in a syllable 0.23-0.38, ``이``'s 0.53-0.58)."""
TOUCHING = 0.5
"""Circles closer than this many of their heights are one run (``○○``)."""
SPACE = 0.35
"""Blank after a run, in circle heights, that stands for a space (``○ 기간``)."""
SCORE = 0.9
"""Confidence given to a circle (its shape is unambiguous)."""
FILLED = 0.03
"""Share of ink in the middle of a circle's hole above which something is written in it."""
INK = 0.25
"""A pixel this share of the way from the paper's shade to the darkest is ink."""
"""Confidence given to a circle (its shape is unambiguous)."""


@dataclass
class _Run:
    """Circles side by side: how many, and where (page pixels); ``filled``: one circle with
    ink inside (``①``), read by PP-OCRv6 instead."""

    count: int
    x0: int
    y0: int
    x1: int
    y1: int
    filled: bool = False


def restore_circles(lines: list[tuple[LineResult, list[Piece]]], bgr: np.ndarray,
                    recognize: Recognizer) -> list[tuple[LineResult, list[Piece]]]:
    """Tesseract's lines with the runs of signs that lie over circles read as circles, or
    over a circled number (``①``: a circle with ink inside) as the number PP-OCRv6 reads
    there (``recognize``; left alone when it reads none of ``①`` to ``⑳``)."""
    gray: np.ndarray | None = None
    found: list[tuple[int, _Run]] = []
    for li, (line, pieces) in enumerate(lines):
        if pieces and any(c in LOOKALIKES and c != CIRCLE for c in line.text):
            gray = darkest_channel(bgr) if gray is None else gray
            found += [(li, run) for run in circle_runs(gray, line.quad)]
    if gray is None or not found:
        return lines
    filled = [run for _, run in found if run.filled]
    readings = dict(zip(map(id, filled), recognize([
        crop_piece(bgr, rect_quad(run.x0, run.y0, run.x1, run.y1)) for run in filled])))
    out = list(lines)
    for li, run in reversed(found):  # right to left within a line: spans stay valid
        mark = CIRCLE * run.count
        if run.filled:
            text, score = readings[id(run)]
            mark = _circled(text)
            if not mark or score < NUMERAL_SCORE:
                continue
        out[li] = _with_circles(*out[li], run, mark, gray)
    return out


def circle_runs(gray: np.ndarray, quad: list[tuple[float, float]]) -> list[_Run]:
    """The runs of circles in a line's box of a grey page, left to right."""
    h, w = gray.shape[:2]
    x0, y0, x1, y1 = (round(v) for v in quad_rect(quad))
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    crop = gray[y0:y1, x0:x1]
    if crop.size == 0 or min(crop.shape) < 6 or int(crop.max()) - int(crop.min()) < 64:
        return []
    # ink is anything a quarter of the way from the paper to the darkest ink: a circle's
    # thin stroke, grey where it is anti-aliased or scanned small, stays closed
    lo, hi = int(crop.min()), int(crop.max())
    ink = (crop < hi - INK * (hi - lo)).astype(np.uint8)
    rows = np.flatnonzero(ink.any(axis=1))
    ink_height = int(rows[-1] - rows[0] + 1)
    contours, hierarchy = cv2.findContours(ink, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return []
    holes: list[tuple[int, int, int, int, bool]] = []
    for contour, (_, _, _, parent) in zip(contours, hierarchy[0]):
        if parent < 0:
            continue
        hx, hy, hw, hh = cv2.boundingRect(contour)
        if (hh >= TALL * ink_height and ROUNDNESS[0] <= hw / hh <= ROUNDNESS[1]
                and FILL[0] <= cv2.contourArea(contour) / (hw * hh) <= FILL[1]):
            inside = ink[hy + hh // 4:hy + hh - hh // 4, hx + hw // 4:hx + hw - hw // 4]
            holes.append((x0 + hx, y0 + hy, x0 + hx + hw, y0 + hy + hh,
                          bool(inside.size and inside.mean() > FILLED)))
    holes.sort()
    runs: list[_Run] = []
    for hx0, hy0, hx1, hy1, filled in holes:
        last = runs[-1] if runs else None
        if (last is not None and not filled and not last.filled
                and hx0 - last.x1 < TOUCHING * (hy1 - hy0)):
            last.count += 1
            last.x1, last.y0, last.y1 = hx1, min(last.y0, hy0), max(last.y1, hy1)
        else:
            runs.append(_Run(1, hx0, hy0, hx1, hy1, filled))
    return runs


def _with_circles(line: LineResult, pieces: list[Piece], run: _Run, mark: str,
                  gray: np.ndarray) -> tuple[LineResult, list[Piece]]:
    """The line with the look-alike characters over ``run`` replaced by ``mark`` (the
    line as it was when the characters there are not all look-alikes). An opening quote
    before them stays (``“<〉(`` for ``‘○○``), as does the rest of a piece that holds Hangul
    after them (``(마을``)."""
    spans = locate_pieces(line.text, pieces)
    height = run.y1 - run.y0
    covered: list[tuple[int, int, int]] = []  # (piece, quote characters, sign characters)
    for k, (piece, span) in enumerate(zip(pieces, spans)):
        if span is None:
            continue
        px0, _, px1, _ = quad_rect(piece.quad)
        if px1 <= run.x0 or px0 >= run.x1:
            continue
        text = line.text[span[0]:span[1]]
        body = text.lstrip(QUOTES)
        signs = next((n for n, c in enumerate(body) if not _misread(c)), len(body))
        if signs == 0:
            continue  # a Hangul piece whose box reaches over the circles
        if signs < len(body) and px0 > run.x1 - height / 2:
            continue  # signs at the head of a piece that starts after the run (``(이하``)
        if (any(c not in LOOKALIKES for c in body[:signs])
                and not run.x0 - height / 2 <= px0 < run.x1 - height / 2):
            continue  # Latin letters or digits in a piece that starts beside the circles
        covered.append((k, len(text) - len(body), signs))
    if not covered:
        return line, pieces
    (first, quoted, _), (last, last_quoted, last_signs) = covered[0], covered[-1]
    start = spans[first][0] + quoted  # type: ignore[index]
    end = spans[last][0] + last_quoted + last_signs  # type: ignore[index]
    if any(not (c.isspace() or _misread(c)) for c in line.text[start:end]):
        return line, pieces
    # a space after the circles where the pixels have one (Tesseract put some where the
    # next word is set against them: ``( )( )( 은``)
    after = line.text[end:].lstrip()
    if after and _blank_after(gray, run) >= SPACE * height:
        after = " " + after
    text = line.text[:start] + mark + after
    new = list(pieces[:first])
    fx0, fy0, _, fy1 = quad_rect(pieces[first].quad)
    if quoted:  # the quote before the circles
        quote = pieces[first].text.strip()[:quoted]
        new.append(Piece(quote, pieces[first].confidence,
                         rect_quad(fx0, fy0, max(fx0 + 1, min(fx0 + height // 2, run.x0)), fy1)))
    score = SCORE if mark[0] == CIRCLE else NUMERAL_SCORE
    new.append(Piece(mark, score, rect_quad(run.x0, run.y0, run.x1, run.y1)))
    tail = pieces[last].text.strip()[last_quoted + last_signs:]
    if tail:  # the Hangul after the signs in the last covered piece (``)(ㆍ은``)
        _, ty0, tx1, ty1 = quad_rect(pieces[last].quad)
        new.append(Piece(tail, pieces[last].confidence,
                         rect_quad(min(run.x1 + 1, tx1 - 1), ty0, tx1, ty1)))
    new += pieces[last + 1:]
    return (LineResult(quad=line.quad, text=text, confidence=line.confidence,
                       words=merge_pieces(text, new), pieces=new), new)


def _circled(text: str) -> str:
    """The circled number PP-OCRv6 read in a circle: ``①``, or its digits (``12`` for ``⑫``,
    which it reads so); empty if none."""
    text = "".join(text.split())
    if text in CIRCLED:
        return text
    if text.isascii() and text.isdigit() and 1 <= int(text) <= len(CIRCLED):
        return chr(0x2460 + int(text) - 1)
    return ""


def _misread(c: str) -> bool:
    """Whether a character may be a misread circle: a look-alike sign, or a Latin letter or
    digit (``7(`` read over a circle), these only when the piece lies over the circles."""
    return c in LOOKALIKES or (c.isascii() and c.isalnum())


def _blank_after(gray: np.ndarray, run: _Run) -> int:
    """Columns of paper between the run's last circle (its stroke right of the hole) and
    the next ink on its rows."""
    band = gray[run.y0:run.y1, run.x1:]
    if band.size == 0:
        return 0
    lo, hi = int(band.min()), int(band.max())
    if hi - lo < 64:
        return band.shape[1]
    inked: np.ndarray = np.asarray((band < (lo + hi) / 2).any(axis=0))
    stroke = int(np.argmin(inked)) if not inked.all() else len(inked)
    rest = np.flatnonzero(inked[stroke:])
    return int(rest[0]) if len(rest) else len(inked) - stroke


__all__ = ["CIRCLE", "circle_runs", "restore_circles"]
