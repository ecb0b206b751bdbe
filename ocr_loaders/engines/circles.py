"""Circles of Korean lines (``○``), found in the pixels: names left out and round bullets.

Korean court decisions write a name left out as circles set against the next word (``주식회사
○○은행``, ``○○종합건설이``, ``피고 ○○○은``), and reports set off items with ``○``. Tesseract
``kor`` has no ``○``: it writes brackets and signs (``((``, ``〉(``, ``(〉(〉``, ``( /(_〉``,
``C 〉( )(ㆍ``), and PP-OCRv6 has none either (it reads ``O``). A circle is easy to see,
though: a round hole about as tall as the line's ink, which no letter of a Korean line has
(``ㅇ`` in a syllable is a third of the height; Latin ``O`` and ``0`` have taller than wide
holes a little over half of it). So the holes of a line's ink are measured, and where round,
tall ones lie under a run of such signs, the run becomes that many circles; what is set
against the circles inside Tesseract's pieces (``()()()(1970`` for ``○○○(1970``) is kept by
counting its glyphs in the pixels (``_with_circles``). A circle with ink inside is a circled
number, named by PP-OCRv6. Only lines holding Hangul are looked at (on a line of Latin
x-height letters, ``o``'s hole is 0.7 of the ink). On the eval pages: the 9 circle runs of
the Korean court decisions, all misread before, and 3 circled numbers (``(01)`` for ``①``)
now read as printed; no other page changed. On a review's generated pages, where
Tesseract's boxes are far off the ink, a sign of the circles' may stay (``김○○),``).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import cv2
import numpy as np

from ocr_loaders.engines.bullets import CIRCLED
from ocr_loaders.engines.bullets import SCORE as NUMERAL_SCORE
from ocr_loaders.engines.hangul import OPENING_QUOTES, SYLLABLE, Recognizer, crop_piece
from ocr_loaders.engines.layout import (
    LineResult,
    Piece,
    darkest_channel,
    locate_pieces,
    merge_pieces,
    quad_rect,
    rect_quad,
    true_runs,
)

CIRCLE = "○"

LOOKALIKES = frozenset("()[]{}<>〈〉《》「」/\\|_-~.,:;·ㆍ•°@©®Oo0QCcDㅇ◦○◯")
"""What Tesseract and PP-OCRv6 write for circles; a run of these (and spaces) is replaced.
Any ASCII letter or digit counts too (``7(`` read over a circle: ``_misread``); what is set
against the circles is kept by counting its glyphs in the pixels."""
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
TOUCHING = 0.2
"""Circles closer than this many of their heights are one run (``○○``; a space between
them, ``○ ○ ○``, is wider)."""
SPACE = 0.35
"""Blank after a run, in circle heights, that stands for a space (``○ 기간``)..."""
NO_SPACE = 0.2
"""...and under which a space Tesseract read there is none (a set-against word is 0.10-0.18
away; between the two, Tesseract's reading stands)."""
NEXT_MARGIN = 0.1
"""Circle heights before the next piece's box where glyphs are not counted as set against
the circles (the next piece's ink may start there)."""
DIGITS_SCORE = 0.7
"""Least PP-OCRv6 score for the digits it reads inside a circle (``12`` for ``⑫``)."""
FILLED_SIGNS = 4
"""Most signs Tesseract reads for a circled number (``(01)``, ``62``, ``@``)."""
SIGNS_PER_CIRCLE = 3
"""Most signs Tesseract reads for one circle (``()()()`` for three, ``( /(_〉`` for two)."""
MIN_GLYPH_INK = 4
MIN_GLYPH_SHARE = 0.1
"""Least ink pixels (and share of the line's height) of a glyph beside circles: a period
at 20 px has 4; the tip of the next letter over the box's edge, 2."""
CIRCULAR = 0.8
"""Least area of a circle's hole over its enclosing circle's (``_circular``)."""
SCORE = 0.9
"""Confidence given to a circle (its shape is unambiguous)."""
FILLED = 0.03
"""Share of ink in the middle of a circle's hole above which something is written in it."""
INK = 0.25
"""A pixel this share of the way from the paper's shade to the darkest is ink."""


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
        # signs to replace, and Hangul to measure a circle against (``ㅇ`` alone is as tall
        # as its ink; on a line of Latin x-height letters, ``o``'s hole is 0.7 of it)
        if (pieces and any(c in LOOKALIKES and c != CIRCLE for c in line.text)
                and SYLLABLE.search(line.text) is not None):
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
            # the circle is in the pixels: PP-OCRv6 only names what is inside it, and digits
            # it reads less surely than its own ``①`` (``⑫`` read ``12`` at 0.81)
            least = NUMERAL_SCORE if mark == "".join(text.split()) else DIGITS_SCORE
            if not mark or score < least:
                continue
        others = [other for lj, other in found if lj == li and other is not run]
        out[li] = _with_circles(*out[li], run, mark, gray, others)
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
            filled = bool(inside.size and inside.mean() > FILLED)
            # an empty hole must be a circle (``♡`` is not); a circled number's digits may
            # touch its ring and dent the hole's outline
            if filled or _circular(contour):
                holes.append((x0 + hx, y0 + hy, x0 + hx + hw, y0 + hy + hh, filled))
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
                  gray: np.ndarray, others: list[_Run]) -> tuple[LineResult, list[Piece]]:
    """The line with the look-alike characters Tesseract read over ``run`` replaced by
    ``mark``; the line as it was when that cannot be told.

    Tesseract's pieces mix the circles' signs with what is set against them
    (``()()()(1970`` for ``○○○(1970``, ``010-(`` + ``)()(`` + ``7()-1234,`` for
    ``010-○○○○-1234,``), so the glyphs before and after the circles inside those pieces are
    counted in the pixels, and that many characters at each end stay. An opening quote before
    the signs stays (``“<〉(`` for ``‘○○``), as does the Hangul after them in a piece
    (``(마을``). Pieces that reach over another run of circles are left alone.
    """
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
        if any(px0 < other.x1 and px1 > other.x0 for other in others):
            return line, pieces  # one piece over two runs: which signs are whose is unknown
        covered.append((k, len(text) - len(body), signs))
    if not covered:
        return line, pieces
    (first, quoted, _), (last, last_quoted, last_signs) = covered[0], covered[-1]
    start = spans[first][0] + quoted  # type: ignore[index]
    end = spans[last][0] + last_quoted + last_signs  # type: ignore[index]
    signs_text = line.text[start:end]
    if any(not (c.isspace() or _misread(c)) for c in signs_text):
        return line, pieces
    chars = [c for c in signs_text if not c.isspace()]
    # the glyphs set against the circles inside the covered pieces, counted in the pixels
    _, qy0, _, qy1 = quad_rect(line.quad)  # the whole line: commas sit low, quotes high
    band = gray[max(round(qy0), 0):max(round(qy1), 0)]
    fx0, fy0, _, fy1 = quad_rect(pieces[first].quad)
    _, ly0, lx1, ly1 = quad_rect(pieces[last].quad)
    tail = pieces[last].text.strip()[last_quoted + last_signs:]  # Hangul after the signs
    # the signs end where the Hangul after them in the piece starts, or else where the next
    # piece does (the piece's own box may stop short of its last comma)
    if tail:
        edge = lx1 - _width(tail, height)
    else:
        edge = (quad_rect(pieces[last + 1].quad)[0] if last + 1 < len(pieces)
                else quad_rect(line.quad)[2])
    # from the previous piece (Tesseract's box of the signs may leave out a colon before them)
    prev_x1 = quad_rect(pieces[first - 1].quad)[2] if first else fx0
    before_from = max([fx0 + height // 3 if quoted else min(fx0, prev_x1)]
                      + [o.x1 + 1 for o in others if o.x1 <= run.x0])
    before = after = 0  # a circled number's signs are its own (``(2)`` for ``②``)...
    if not run.filled or len(chars) > FILLED_SIGNS:  # ...unless there are more (``(1)2023``)
        before = _glyphs(band, round(before_from), run.x0, circle_right=True,
                         neighbour=not quoted and first > 0 and prev_x1 < fx0)
        # Tesseract's box of the next piece may start a little after its ink
        after = _glyphs(band, run.x1, round(edge - NEXT_MARGIN * height), circle_right=False)
    if before + after >= len(chars):
        return line, pieces  # no sign left for the circles
    if len(chars) - before - after > SIGNS_PER_CIRCLE * run.count + 1:
        return line, pieces  # more than circles are read as: something printed would go
    head, rest = "".join(chars[:before]), "".join(chars[len(chars) - after:]) if after else ""
    # a space after the circles where the pixels have one: Tesseract put some where the next
    # word is set against them (``( )( )( 은``) and left some out (``③기타``)
    following = rest or line.text[end:].lstrip()
    blank = _blank_after(gray, run)
    spaced = line.text[end:end + 1].isspace() if not rest else False
    space = " " if following and (blank >= SPACE * height
                                  or (spaced and blank >= NO_SPACE * height)) else ""
    lead = line.text[:start]
    if (not head and lead and not lead[-1].isspace() and lead[-1] not in OPENING_QUOTES
            and _blank_before(gray, run) >= SPACE * height):
        lead += " "  # ``피고 ○○○`` read ``피고(2(27(2,``
    text = lead + head + mark + space + rest + (
        line.text[end:] if rest else line.text[end:].lstrip())
    new = list(pieces[:first])
    if quoted or head:  # the quote and the glyphs before the circles
        new.append(Piece(pieces[first].text.strip()[:quoted] + head, pieces[first].confidence,
                         rect_quad(fx0, fy0, max(fx0 + 1, run.x0 - 1), fy1)))
    score = SCORE if mark[0] == CIRCLE else NUMERAL_SCORE
    new.append(Piece(mark, score, rect_quad(run.x0, run.y0, run.x1, run.y1)))
    if rest:
        new.append(Piece(rest, pieces[last].confidence,
                         rect_quad(run.x1 + 1, ly0, max(run.x1 + 2, edge), ly1)))
    if tail:  # the Hangul after the signs in the last covered piece (``)(ㆍ은``)
        new.append(Piece(tail, pieces[last].confidence,
                         rect_quad(min(max(edge, run.x1 + 1), lx1 - 1), ly0, lx1, ly1)))
    new += pieces[last + 1:]
    text = " ".join(text.split())
    return (LineResult(quad=line.quad, text=text, confidence=line.confidence,
                       words=merge_pieces(text, new), pieces=new), new)


def _glyphs(band: np.ndarray, x0: int, x1: int, circle_right: bool,
            neighbour: bool = False) -> int:
    """Glyphs (runs of inked columns) of a band of the page from ``x0`` to ``x1``, beside a
    circle run (on the right with ``circle_right``), not counting the ink that runs on from
    the run's side (the circle's own stroke), nor with ``neighbour`` the ink that runs on
    from the other end (the previous piece's letter, past its box)."""
    region = band[:, max(x0, 0):max(x1, 0)]
    if region.size == 0:
        return 0
    lo, hi = int(band.min()), int(band.max())
    if hi - lo < 64:
        return 0
    ink = np.asarray(region < hi - INK * (hi - lo))
    per_column = ink.sum(axis=0)
    least = max(MIN_GLYPH_INK, int(MIN_GLYPH_SHARE * band.shape[0]))
    stroke_side = len(per_column) if circle_right else 0
    runs = [(a, b) for a, b in true_runs(per_column > 0)
            if int(per_column[a:b].sum()) >= least or stroke_side in (a, b)]
    if circle_right and runs and runs[-1][1] == len(per_column):
        runs = runs[:-1]
    if not circle_right and runs and runs[0][0] == 0:
        runs = runs[1:]
    if neighbour and circle_right and runs and runs[0][0] == 0:
        runs = runs[1:]
    return len(runs)


def _width(text: str, height: int) -> float:
    """About how wide ``text`` is set: a height for each wide (CJK) character, half one for
    the others (the width of the Hangul, or the ``”``, after the signs in a piece)."""
    return sum(height if unicodedata.east_asian_width(c) in "WF" else height / 2 for c in text)


def _circular(contour: np.ndarray) -> bool:
    """Whether a hole's outline is a circle: its area is most of its enclosing circle's
    (a circle's outline measured 0.9; a heart's, ``♡``, much less)."""
    _, radius = cv2.minEnclosingCircle(contour)
    return cv2.contourArea(contour) >= CIRCULAR * np.pi * radius * radius


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


def _blank_before(gray: np.ndarray, run: _Run) -> int:
    """Columns of paper between the run's first circle and the ink before it on its rows."""
    mirrored = _Run(run.count, gray.shape[1] - run.x1, run.y0, gray.shape[1] - run.x0, run.y1)
    return _blank_after(gray[:, ::-1], mirrored)


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
