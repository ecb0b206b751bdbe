"""Latin words on Korean lines: Tesseract ``kor`` misreads them, PP-OCRv6 reads them again.

Korean pages are read line by line with Tesseract ``kor`` (``hangul.read_line``; ``kor+eng``
turns short Korean words into Latin look-alikes). ``kor`` has Hangul, Hanja, digits and
punctuation but reads Latin letters as digits or junk: on rendered Korean lines every Latin
word came out wrong (``USB`` -> ``450``, ``HDMI`` -> ``"10141``, ``Samsung`` -> ``530754118``,
``www.example.com`` -> ``070/\\.6×3110!6.0017``, ``₩15,000`` -> ``\\15,000``). PP-OCRv6, which
has no Hangul, reads the same crops right at 0.99 and more.

So each run of consecutive Tesseract pieces that are not good Hangul (``_suspect``: pieces
without Hangul syllables that hold a letter, a digit or a glyph Korean text does not use,
loose jamo, and Hangul Tesseract doubts) is cropped, out to its neighbours, and read by
PP-OCRv6: first quickly (narrow padding); where that agrees with Tesseract the run stays, and
otherwise, when that reading is Latin, the usual reading replaces the run when it scores at
least ``MIN_SCORE`` (or ``MIN_SCORE_OVER_TESSERACT`` and more than Tesseract's run) and is Latin
(``_latin``): ASCII with at least one letter, so digits Tesseract read stay its own (PP-OCRv6's
reading of a date cut at its first digit is not better). A ``W`` before a number there is the
won sign ``₩``, which PP-OCRv6 reads as ``W``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

from ocr_loaders.engines.layout import (
    LineResult,
    Piece,
    locate_pieces,
    merge_pieces,
    quad_rect,
    rect_quad,
)

Recognizer = Callable[[list[np.ndarray]], list[tuple[str, float]]]
"""Reads a batch of BGR crops with PP-OCRv6: ``[(text, score), ...]``."""

SYLLABLE = re.compile(r"[\uac00-\ud7a3]")
JAMO = re.compile(r"[\u1100-\u11ff\u3130-\u318f]")
ALNUM = re.compile(r"[A-Za-z0-9]")
FOREIGN_GLYPHS = re.compile(r"[『』「」\\|<>×]")
"""Glyphs Tesseract ``kor`` writes for Latin letters that Korean text itself hardly uses."""
LATIN = re.compile(r"[\x21-\x7e ]+")
WON = re.compile(r"(?<![A-Za-z0-9])(?:W(?=\s?\d{1,3}(?:,\d{3})+(?!\d)|\s?\d+(?:\.\d+)?$)"
                 r"|N(?=\s?\d{1,3}(?:,\d{3})+(?!\d)))")
"""``W`` before an amount (``W15,000``, ``W 300``), or ``N`` before one grouped in thousands
(``N15,000``; PP-OCRv6 reads the won sign either way): the won sign on a Korean line. Not
after a digit: that ``W`` is a unit (``충전기 65W 1개`` read ``65₩ 1개``)."""

DOUBTED_HANGUL = 0.5
"""Tesseract confidence under which a Hangul piece may be a misread Latin letter (``티`` at
0.0 for ``El``); real Hangul reads at 0.8-0.97."""
MIN_SCORE = 0.9
"""Least PP-OCRv6 score for its reading to replace Tesseract's..."""
MIN_SCORE_OVER_TESSERACT = 0.8
"""...or, when it scores more than Tesseract's own pieces of the run (their mean confidence),
this. A unit after a number crops short and scores lower: ``1L 2`` read at 0.87 where
Tesseract wrote ``1Ｌ2`` (a full-width letter) at 0.85, ``2L 6`` at 0.88 where it wrote ``21
6`` at 0.6 and 0.79."""
SURE_DIGITS = 0.9
"""Tesseract confidence from which a run of digits is its own (``_sure_digits``)."""
DIGITS = re.compile(r"[0-9.,:;()\-/%~]+")
REACH = 0.3
"""How far (in line heights) a run's crop reaches past its pieces towards its neighbours."""


def _suspect(piece: Piece) -> bool:
    """Whether a Tesseract piece may be (part of) a misread Latin word."""
    text = piece.text.strip()
    if not text:
        return False
    if SYLLABLE.search(text):
        return piece.confidence < DOUBTED_HANGUL
    return bool(JAMO.search(text) or ALNUM.search(text) or FOREIGN_GLYPHS.search(text))


def _latin(text: str, has_hangul: bool) -> bool:
    """Whether PP-OCRv6's reading can stand for a run: ASCII with a letter (two letters for a
    run that held Hangul, which PP-OCRv6 may have read as one look-alike letter)."""
    if not LATIN.fullmatch(text) or "|" in text:
        return False
    return len(re.findall(r"[A-Za-z]", text)) >= (2 if has_hangul else 1)


def _squeeze(text: str) -> str:
    return "".join(text.split())


def _runs(pieces: Sequence[Piece], text: str | None = None) -> list[tuple[int, int]]:
    """``(first, end)`` of each run of consecutive suspect pieces (end exclusive), but runs of
    digits that Tesseract is sure of (``_sure_digits``). With the line's ``text``, a run of
    Latin look-alikes takes in one doubted syllable attached to it (``_tail_syllable``)."""
    runs: list[tuple[int, int]] = []
    start: int | None = None
    spans = locate_pieces(text, pieces) if text is not None else None
    for i, piece in enumerate([*pieces, None]):
        if piece is not None and _suspect(piece):
            if start is None:
                start = i
        elif start is not None:
            if not _sure_digits(pieces[start:i]):
                end = i + 1 if spans is not None and _tail_syllable(pieces, spans, i) else i
                runs.append((start, end))
            start = None
    return runs


ATTACHED_DOUBT = 0.8
"""Tesseract confidence under which a syllable attached to a run of Latin look-alikes may be
the rest of the Latin word: ``PDF`` is read ``『`` (0.92) + ``매`` (0.71, 0.38 elsewhere), and
the run ``『`` alone was read again as ``P`` (``P매``); a real particle after a Latin word
(``USB를``) reads at 0.9 and more."""


def _tail_syllable(pieces: Sequence[Piece], spans: Sequence[tuple[int, int] | None],
                   i: int) -> bool:
    """Whether piece ``i``, right after a run, is one doubted syllable attached to it (no
    space between) and the run ends in a Latin look-alike (a letter or a foreign glyph)."""
    if i >= len(pieces):
        return False
    here, prev = spans[i], spans[i - 1]
    if here is None or prev is None:
        return False
    piece, before = pieces[i], pieces[i - 1].text
    return (prev[1] == here[0] and len(piece.text) == 1 and SYLLABLE.match(piece.text) is not None
            and piece.confidence < ATTACHED_DOUBT
            and (FOREIGN_GLYPHS.search(before) is not None
                 or re.search(r"[A-Za-z]$", before) is not None))


def _sure_digits(pieces: Sequence[Piece]) -> bool:
    """Digits and punctuation read at ``SURE_DIGITS`` or more: Tesseract's own digits are
    good (dates, case numbers: ``95나4429``, whose ``95`` PP-OCRv6 read as ``95L`` with the
    edge of the next syllable), while Latin it misreads as digits scores lower (``USB`` as
    ``450`` at 0.77, ``Samsung`` as ``530754118`` at 0.64, ``A4`` as ``4`` at 0.4)."""
    return all(p.confidence >= SURE_DIGITS and DIGITS.fullmatch(p.text.strip())
               for p in pieces)


def _run_rect(line: LineResult, pieces: Sequence[Piece], first: int, end: int
              ) -> tuple[float, float, float, float]:
    """The run's box, from the line's top to its bottom: its pieces' span, reaching
    ``REACH`` heights towards a neighbour across a space (never past it), and cut at the
    edge of one attached to it (a particle: PP-OCRv6 reads the edge of ``나`` as ``L``)."""
    lx0, ly0, lx1, ly1 = quad_rect(line.quad)
    reach = REACH * (ly1 - ly0)
    rects = [quad_rect(p.quad) for p in pieces[first:end]]
    spans = locate_pieces(line.text, pieces)
    x0 = min(r[0] for r in rects)
    x1 = max(r[2] for r in rects)
    if first == 0:
        x0 -= reach
    else:  # Tesseract's boxes may overlap (``458`` for USB spanned the ``를`` after it)
        before = quad_rect(pieces[first - 1].quad)[2]
        spaced = _spaced(line.text, spans[first - 1], spans[first])
        x0 = max(x0 - reach, before) if spaced else max(x0, min(before, x1 - 1))
    if end == len(pieces):
        x1 += reach
    else:
        after = quad_rect(pieces[end].quad)[0]
        spaced = _spaced(line.text, spans[end - 1], spans[end])
        x1 = min(x1 + reach, after) if spaced else min(x1, max(after, x0 + 1))
    return max(x0, lx0 - reach), ly0, min(x1, lx1 + reach), ly1


def _spaced(text: str, left: tuple[int, int] | None, right: tuple[int, int] | None) -> bool:
    """Whether whitespace separates two located pieces (unknown: no)."""
    return left is not None and right is not None and any(
        c.isspace() for c in text[left[1]:right[0]])


def _crop(bgr: np.ndarray, rect: tuple[float, float, float, float]) -> np.ndarray:
    x0, y0, x1, y1 = rect
    return bgr[max(int(y0), 0):max(int(np.ceil(y1)), 0), max(int(x0), 0):max(int(np.ceil(x1)), 0)]


def _split(text: str, score: float, rect: tuple[float, float, float, float]) -> list[Piece]:
    """The reading's words as pieces, the run's width shared by their characters."""
    x0, y0, x1, y1 = rect
    step = (x1 - x0) / max(len(text), 1)
    out: list[Piece] = []
    for match in re.finditer(r"\S+", text):
        a, b = x0 + match.start() * step, x0 + match.end() * step
        out.append(Piece(match.group(), score, rect_quad(a, y0, b, y1)))
    return out


Change = tuple[str, float, tuple[float, float, float, float]]
"""A run's new reading, its score and its box."""


def _rebuilt(line: LineResult, pieces: list[Piece], changes: dict[tuple[int, int], Change]
             ) -> tuple[LineResult, list[Piece]]:
    """The line with each changed run's text and pieces replaced by its new reading."""
    spans = locate_pieces(line.text, pieces)
    out_text: list[str] = []
    out_pieces: list[Piece] = []
    pos = 0
    i = 0
    runs = {first: end for first, end in changes}
    while i < len(pieces):
        end = runs.get(i)
        if end is None:
            out_pieces.append(pieces[i])
            i += 1
            continue
        reading, score, rect = changes[(i, end)]
        found = [s for s in spans[i:end] if s is not None]
        if found:  # the run's text, from its first piece found to its last
            before, after = line.text[pos:found[0][0]], line.text[found[-1][1]:]
            old = "".join(p.text for p in pieces[i:end]).strip()
            reading = _with_colon(with_brackets(_without_overlap(reading, before, after), old),
                                  old, before)
            out_text.append(before)
            out_text.append(reading)
            pos = found[-1][1]
        else:
            out_text.append(f" {reading} ")
        out_pieces.extend(_split(reading, score, rect))
        i = end
    out_text.append(line.text[pos:])
    text = " ".join("".join(out_text).split())
    return (LineResult(quad=line.quad, text=text, confidence=line.confidence,
                       words=merge_pieces(text, out_pieces)), out_pieces)


OPENING, CLOSING = "([{（【〔「", ")]}）】〕」"


def with_brackets(reading: str, old: str) -> str:
    """``reading`` with the bracket that opened (and closed) Tesseract's run when PP-OCRv6's
    crop missed it: ``만원(₩15,000,000)은`` came out ``만원₩15,000,000)은`` in 33 of 48
    renderings (Tesseract ``(#15,000,000)``, PP-OCRv6 ``₩15,000,000)``)."""
    if not reading or not old:
        return reading
    kind = OPENING.find(old[0])
    if kind >= 0 and reading[0] != old[0]:
        reading = old[0] + reading
        if old[-1] == CLOSING[kind] and reading.count(old[0]) > reading.count(CLOSING[kind]):
            reading += CLOSING[kind]
    return reading


def _with_colon(reading: str, old: str, before: str) -> str:
    """``reading`` after the colon that began Tesseract's run, when PP-OCRv6's crop missed it
    and the run followed a label (``소비자 가격: ₩459,000``: Tesseract ``가격:\\#\\459,000``,
    one run with the colon, PP-OCRv6 ``₩459,000``, which came out ``가격₩459,000``). A
    label's colon is followed by a space."""
    if (not old.startswith(":") or reading.startswith(":") or not before.strip()
            or before[-1:].isspace() or not SYLLABLE.search(before[-1:])):
        return reading
    return f": {reading}"


def _without_overlap(reading: str, before: str, after: str) -> str:
    """``reading`` without the signs at its ends that the text touching the run already has:
    the crop reaches past the run's pieces, so a reading of ``Gil`` before ``-dong`` came
    out ``Gil-`` (``Gil--dong``). Only signs (no letters, digits or spaces) are dropped, and
    never all that has a letter or digit."""

    def signs(part: str) -> bool:
        return bool(part) and not any(c.isalnum() or c.isspace() for c in part)

    lead = max((k for k in range(1, len(reading) + 1)
                if signs(reading[:k]) and before.endswith(reading[:k])), default=0)
    trail = max((k for k in range(1, len(reading) - lead + 1)
                 if signs(reading[-k:]) and after.startswith(reading[-k:])), default=0)
    kept = reading[lead:len(reading) - trail]
    if not any(c.isalnum() for c in kept):
        return reading
    # an opening bracket that ends the reading is the next word's, across a space
    # (``Min-ho (`` before `` (이민호)``: ``( (이민호)``), and a closing one that begins it
    # the word's before
    if kept[-1:] in OPENING and after.lstrip()[:1] == kept[-1:]:
        kept = kept[:-1].rstrip()
    if kept[:1] in CLOSING and before.rstrip()[-1:] == kept[:1]:
        kept = kept[1:].lstrip()
    return kept if any(c.isalnum() for c in kept) else reading


TRAILING_COUNT = re.compile(r"(?<=[^\d\s])(\d+)$")
"""Digits that end a run after something else (``2Ｌ6`` for ``2L 6``; not ``458`` for ``USB``)."""


def _with_count(reading: str, text: str, pieces: Sequence[Piece], first: int, end: int) -> str:
    """PP-OCRv6's reading of a run with the count Tesseract read at its end put back.

    A unit and the count of a measure word after it (``용량 2L 6병``, ``사이즈 XL 1벌``,
    ``배터리 AA 4개``): Tesseract's piece ``2Ｌ6`` has a box that ends before the ``6``, whose
    glyph its next piece ``병`` covers, so the run's crop shows ``2L`` alone and the count
    was lost (``2L병``). Put back when the reading ends in a letter, Tesseract's run ends in
    digits after something else that is as long as the reading (``L6전자`` for ``LG전자``:
    its ``6`` is the ``G``), and the next piece is a syllable attached to the run that starts
    where the run's box ends (not over it: junk).
    """
    run = _squeeze("".join(p.text for p in pieces[first:end]))
    count = TRAILING_COUNT.search(run)
    if count is None or not re.search(r"[A-Za-z]$", reading) or end >= len(pieces):
        return reading
    if count.start() < len(_squeeze(reading)):
        return reading  # the digits stand for a letter of the reading (``L6`` for ``LG``)
    if SYLLABLE.match(pieces[end].text.strip()) is None:
        return reading
    if quad_rect(pieces[end - 1].quad)[2] > quad_rect(pieces[end].quad)[0]:
        return reading  # boxes that overlap: junk over the next word (``1101/1`` for HDMI)
    spans = locate_pieces(text, pieces)
    if spans[end - 1] is None or _spaced(text, spans[end - 1], spans[end]):
        return reading
    return f"{reading} {count.group(1)}"


def restore_latin(
    lines: list[tuple[LineResult, list[Piece]]], bgr: np.ndarray, quick: Recognizer,
    full: Recognizer,
) -> list[tuple[LineResult, list[Piece]]]:
    """Tesseract's Korean lines with their misread Latin runs read again by PP-OCRv6."""
    jobs: list[tuple[int, tuple[int, int], tuple[float, float, float, float]]] = []
    crops: list[np.ndarray] = []
    for li, (line, pieces) in enumerate(lines):
        for run in _runs(pieces, line.text):
            rect = _run_rect(line, pieces, *run)
            crop = _crop(bgr, rect)
            if crop.size and min(crop.shape[:2]) >= 4:
                jobs.append((li, run, rect))
                crops.append(crop)
    if not crops:
        return lines
    readings = quick(crops)
    again = []  # runs whose quick reading is Latin and not Tesseract's: read the usual way
    for k, (li, (first, end), _) in enumerate(jobs):
        pieces = lines[li][1][first:end]
        text = readings[k][0]
        if (_squeeze(text) != _squeeze("".join(p.text for p in pieces))
                and _latin(text, any(SYLLABLE.search(p.text) for p in pieces))):
            again.append(k)
    changes: dict[int, dict[tuple[int, int], Change]] = {}
    for k, (text, score) in zip(again, full([crops[k] for k in again])):
        li, (first, end), rect = jobs[k]
        pieces = lines[li][1][first:end]
        text = WON.sub("₩", " ".join(text.split()))
        has_hangul = any(SYLLABLE.search(p.text) for p in pieces)
        theirs = sum(p.confidence for p in pieces) / len(pieces)
        sure = score >= MIN_SCORE or (score >= MIN_SCORE_OVER_TESSERACT and score > theirs)
        if not sure or not _latin(text.replace("₩", "W"), has_hangul):
            continue
        if _squeeze(text) == _squeeze("".join(p.text for p in pieces)):
            continue
        text = _with_count(text, lines[li][0].text, lines[li][1], first, end)
        changes.setdefault(li, {})[(first, end)] = (text, score, rect)
    if not changes:
        return lines
    return [_rebuilt(line, pieces, changes[li]) if li in changes else (line, pieces)
            for li, (line, pieces) in enumerate(lines)]
