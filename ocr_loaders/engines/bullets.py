"""Bullets of Korean lines: the marks Tesseract ``kor`` has no letters for, read by PP-OCRv6.

Korean reports and notices set off their items with ``□``, ``○``, ``①``, ``▶``
(``□ 추진 배경``, ``○ 기간 : ...``). Tesseract ``kor`` writes them as signs or Hangul
(``[1``, ``ㅁ``, ``디`` for ``□``; ``(:``, ``()`` for ``○``; ``『`` for ``▶``), glues them to
the next syllable (``(내`` for ``○ 내``), cuts one in two (``[`` + ``디``) or drops it.
PP-OCRv6 reads them (``○`` as a Latin ``O``: it has no ``○``), so a line's first piece that
may be a misread bullet, or the blank before a line's first piece, is read again by it and
replaced when it reads a bullet with confidence. Rendered report lines (30 px): 4 of 13
bullets right before, 12 after.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ocr_loaders.engines.hangul import SYLLABLE, WIDE_LETTER, Recognizer, crop_piece
from ocr_loaders.engines.layout import (
    LineResult,
    Piece,
    Quad,
    locate_pieces,
    merge_pieces,
    quad_rect,
    rect_quad,
    union_quad,
)

BULLETS = frozenset("□■○●◎◇◆△▲▽▼▷▶►▸◁◀•※☐" + "".join(map(chr, range(0x2460, 0x2474))))
"""Item marks and circled numbers (``①`` to ``⑳``) at a line's start."""
CIRCLED = frozenset(map(chr, range(0x2460, 0x2474)))
"""``①`` to ``⑳``, which may also stand inside a line (``① 키오스크 ② 모바일``)."""
ROUND = frozenset("Oo")
"""What PP-OCRv6 reads for ``○`` (0.91-0.95), taken as it at a line's start."""
SCORE = 0.85
"""Least PP-OCRv6 score for a bullet (``□`` read at 0.88-0.98, ``①`` at 0.99)."""
OPENERS = frozenset("[(<{『「〈《|ㅁ口")
"""What a first piece starts with when Tesseract wrote a bullet as a sign or a jamo."""
DOUBTED = 0.9
"""Tesseract confidence under which a first piece's box may hold more than its text..."""
ROOM = 0.8
"""...when it is this many line heights wider than its characters."""
BLANK_START = 0.8
"""Line heights of blank before a line's first piece beyond which a dropped bullet may be."""


def restore_bullets(
    lines: list[tuple[LineResult, list[Piece]]], bgr: np.ndarray, recognize: Recognizer
) -> list[tuple[LineResult, list[Piece]]]:
    """Tesseract's lines with the bullets it misread or dropped at their start put right."""
    # (line, 0: its first piece, -1: a bullet before it, k: its k-th piece; the crop's box)
    jobs: list[tuple[int, int, Quad]] = []
    crops: list[np.ndarray] = []
    for li, (line, pieces) in enumerate(lines):
        if not pieces:
            continue
        spans = locate_pieces(line.text, pieces)
        if _bullet_like(pieces[0]):
            two = _cut_in_two(pieces, spans)
            if not _set_apart(line.text, spans[1 if two else 0], pieces[0]):
                continue  # ``((마을``: Tesseract's ``○○마을``, a name left out, no bullet
            quad = union_quad([pieces[0].quad, pieces[1].quad]) if two else pieces[0].quad
            jobs.append((li, 0, quad))
        else:
            x0, y0, _, y1 = quad_rect(line.quad)
            first = quad_rect(pieces[0].quad)[0]
            if first - x0 >= BLANK_START * (y1 - y0):  # a blank where a bullet may be
                quad = rect_quad(max(x0, first - (y1 - y0) * WIDE_LETTER), y0, first, y1)
            elif _room_for_more(pieces[0]):  # a box that takes in a bullet before its text
                quad = pieces[0].quad
            else:
                continue
            jobs.append((li, -1, quad))
        crop = crop_piece(bgr, quad, one_letter=True)
        if crop.size and min(crop.shape[:2]) >= 4:
            crops.append(crop)
        else:
            jobs.pop()
    for li, (_, pieces) in enumerate(lines):  # circled numbers inside the line
        for pi, piece in enumerate(pieces[1:], 1):
            if _numeral_like(piece):
                crop = crop_piece(bgr, piece.quad)
                if crop.size and min(crop.shape[:2]) >= 4:
                    jobs.append((li, pi, piece.quad))
                    crops.append(crop)
    if not crops:
        return lines
    out = list(lines)
    # last job first: numerals (one piece for one) before the bullet that may add or drop
    # a piece at the line's start, so that each job's piece index still holds
    for (li, where, quad), (text, score) in reversed(list(zip(jobs, recognize(crops),
                                                              strict=True))):
        text = "".join(text.split())
        if where > 0:
            if text in CIRCLED and score >= SCORE:
                out[li] = _with_numeral(*out[li], where, text, score)
            continue
        if text in ROUND:
            text = "○"
        if text not in BULLETS or score < SCORE:
            continue
        out[li] = _with_bullet(*out[li], text, score, where, quad)
    return out


def _with_numeral(line: LineResult, pieces: list[Piece], k: int, mark: str,
                  score: float) -> tuple[LineResult, list[Piece]]:
    """The line with its ``k`` th piece (``6``, ``(8)``) read as a circled number."""
    span = locate_pieces(line.text, pieces)[k]
    if span is None:
        return line, pieces
    text = line.text[:span[0]] + mark + line.text[span[1]:]
    new = [*pieces[:k], Piece(mark, score, pieces[k].quad), *pieces[k + 1:]]
    return (LineResult(quad=line.quad, text=text, confidence=line.confidence,
                       words=merge_pieces(text, new), pieces=new), new)


def _numeral_like(piece: Piece) -> bool:
    """Whether a piece inside a line may be a circled number Tesseract misread: up to three
    characters, none Hangul, a digit among them, doubted (``6``, ``(8)``, ``0)``)."""
    text = piece.text.strip()
    return (0 < len(text) <= 3 and piece.confidence < DOUBTED
            and any(c.isdigit() for c in text) and not SYLLABLE.search(text))


def _with_bullet(line: LineResult, pieces: list[Piece], bullet: str, score: float,
                 where: int, quad: Quad) -> tuple[LineResult, list[Piece]]:
    """The line with ``bullet`` in place of its first piece (``where`` 0: or of its first two,
    when they are one sign cut in two; what follows the bullet in a wide piece is kept) or
    before it (-1), in the left square of the box it was read in (``quad``)."""
    first = pieces[0]
    x0, y0, _, y1 = quad_rect(first.quad)
    if where < 0:
        bx0, by0, _, by1 = quad_rect(quad)
        mark = Piece(bullet, score, rect_quad(bx0, by0, bx0 + (by1 - by0), by1))
        new = [mark, *pieces]
        text = f"{bullet} {line.text.lstrip()}"
    else:
        spans = locate_pieces(line.text, pieces)
        drop = 2 if _cut_in_two(pieces, spans) else 1
        rest = first.text.strip()[1:] if drop == 1 and _wide(first) else ""
        last = spans[drop - 1]
        if last is None:
            return line, pieces
        span_end = last[1]
        head = [Piece(bullet, score, rect_quad(x0, y0, x0 + (y1 - y0), y1))]
        if rest:
            head.append(Piece(rest, first.confidence,
                              rect_quad(x0 + (y1 - y0), y0, quad_rect(first.quad)[2], y1)))
        new = [*head, *pieces[drop:]]
        text = " ".join([bullet, rest, line.text[span_end:]]).strip()
    text = " ".join(text.split())
    return (LineResult(quad=line.quad, text=text, confidence=line.confidence,
                       words=merge_pieces(text, new), pieces=new), new)


def _bullet_like(piece: Piece) -> bool:
    """Whether a line's first piece may be a misread bullet: up to two characters starting
    with a bracket, a bar or ``ㅁ`` (``[1``, ``(:``, ``(내``), or one letter (``디``, ``6``)."""
    text = piece.text.strip()
    return bool(text) and len(text) <= 2 and (text[0] in OPENERS or len(text) == 1)


def _set_apart(text: str, span: tuple[int, int] | None, first: Piece) -> bool:
    """Whether a bullet-like first piece stands as a bullet does: a space after it, or the
    word it starts glued to it (``(내`` for ``○ 내``). Korean court decisions write a name
    left out as ``○○`` set against the next word (``○○마을``, read ``((마을``)."""
    if span is None:
        return False
    if span[1] >= len(text) or text[span[1]].isspace():
        return True
    return bool(SYLLABLE.search(first.text))


def _cut_in_two(pieces: Sequence[Piece], spans: list[tuple[int, int] | None]) -> bool:
    """Whether a line's first two pieces are one sign cut in two: one character each, set
    against each other, together no wider than a letter (``[`` + ``디`` for ``□``)."""
    if len(pieces) < 2 or spans[0] is None or spans[1] is None or spans[0][1] != spans[1][0]:
        return False
    if len(pieces[0].text.strip()) != 1 or len(pieces[1].text.strip()) != 1:
        return False
    x0, y0, _, y1 = quad_rect(pieces[0].quad)
    return quad_rect(pieces[1].quad)[2] - x0 <= WIDE_LETTER * (y1 - y0)


def _room_for_more(piece: Piece) -> bool:
    """Whether a Hangul piece Tesseract doubts is a letter wider than its text: its box took
    in the bullet before it, which it left out (``사업`` over ``□ 사업``)."""
    text = piece.text.strip()
    x0, y0, x1, y1 = quad_rect(piece.quad)
    return piece.confidence < DOUBTED and x1 - x0 >= (len(text) + ROOM) * (y1 - y0)


def _wide(piece: Piece) -> bool:
    """Whether a piece's box is wider than one letter (``WIDE_LETTER`` heights)."""
    x0, y0, x1, y1 = quad_rect(piece.quad)
    return x1 - x0 > WIDE_LETTER * (y1 - y0)


__all__ = ["BULLETS", "restore_bullets"]
