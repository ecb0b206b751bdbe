"""Lines that mix Korean and English: each reader keeps what it reads right.

PP-OCRv6 has no Hangul (``Contact: 홍길동 (Hong Gil-dong)`` -> ``Contact: 喜 (Hong
Gil-dong)``); Tesseract ``kor`` has no Latin (``001018대: 홍길동 (1008 11-00108)``) and
``kor+eng`` still misreads some (``Hong`` -> ``1008``, ``₩`` -> ``¥``, a short Korean word as
Latin look-alikes: ``홍길동`` -> ``32S``). :func:`splice_hangul` puts Tesseract's Hangul into
PP-OCRv6's reading where PP-OCRv6 read less; :func:`with_english` (Korean pages) and
:func:`read_lookalikes` get a Tesseract reading worth splicing.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

import numpy as np

from ocr_loaders.engines.hangul import (
    CREDIBLE_HANGUL,
    DOUBTED_PIECE,
    HANGUL,
    IDEOGRAPH,
    KOREAN_PAGE_LANG,
    MIXED_PAGE_LANG,
    SYLLABLE,
    columns,
    read_line,
)
from ocr_loaders.engines.latin import WON, with_brackets
from ocr_loaders.engines.layout import (
    LineResult,
    Piece,
    locate_pieces,
    merge_pieces,
    quad_rect,
    rect_quad,
    without_nested,
)
from ocr_loaders.engines.tesseract import Tesseract

LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'.-]*[A-Za-z]")
"""A Latin word of two letters or more."""
SURE_LATIN = 0.9
"""Least PP-OCRv6 piece score at which its Latin words are taken as what the line says."""
SURE_IDEOGRAPH = 0.85
SURE_IDEOGRAPH_FOR_HANGUL = 0.99
"""Least PP-OCRv6 piece score at which its Han character replaces one Tesseract wrote as a
digit, a letter or a sign, and as a Hangul syllable (PP-OCRv6 reads real Hanja at >= 0.995
and Hangul look-alikes at <= 0.988: ``hangul.restore_hanja``)."""


SURE_KOREAN_WORD = 0.9
"""Least Tesseract confidence of a piece of two syllables or more whose syllables PP-OCRv6's
Han characters never replace."""


def sure_latin_words(line: LineResult) -> list[str]:
    """The Latin words of PP-OCRv6's reading of a line that it is sure of (words scored
    ``SURE_LATIN`` or more on average over their pieces: a line with CJK characters has a
    piece per character)."""
    return [w for word in line.words if word.confidence >= SURE_LATIN
            for w in LATIN_WORD.findall(word.text)]


def _within(pieces: Sequence[Piece], spans: list[tuple[int, int] | None], lo: int,
            hi: int) -> list[int]:
    """Indices of the pieces located (``spans``) in the text range ``lo..hi``."""
    return [k for k, span in enumerate(spans)
            if span is not None and span[0] < hi and span[1] > lo]


def _agreeing(ops: Sequence[tuple[str, int, int, int, int]]) -> int:
    """Characters two aligned readings have the same (``SequenceMatcher`` opcodes)."""
    return sum(i2 - i1 for tag, i1, i2, _, _ in ops if tag == "equal")


def with_english(tess: Tesseract, crop: np.ndarray, bgr: np.ndarray, pp: LineResult,
                 kor: tuple[LineResult, list[Piece]]) -> tuple[LineResult, list[Piece]]:
    """A Korean page's mixed line read again with ``kor+eng`` when ``kor`` lost Latin words
    PP-OCRv6 is sure of; the reading that keeps more of them is returned.

    Korean pages are read with ``kor`` alone (``kor+eng`` turns short Korean words into
    Latin look-alikes), which reads English as digits and junk: ``Contact: 홍길동 (Hong
    Gil-dong)`` came out ``001018대: 홍길동 (1008 11-00108)`` at 0.54, lost to PP-OCRv6's
    ``Contact: 喜 (Hong Gil-dong)``. Asked only for lines where the ``kor`` reading lacks
    Latin words PP-OCRv6 is sure of, four letters in all or more.
    """
    words = sure_latin_words(pp)
    missing = [w for w in words if w not in kor[0].text]
    if sum(map(len, missing)) < 4:
        return kor
    alt = read_line(tess, crop, pp.quad, False, MIXED_PAGE_LANG)
    if alt is not None and not HANGUL.search(alt[0].text):
        # its Hangul read as Latin look-alikes (``홍길동`` -> ``32S``): those pieces by ``kor``
        alt = read_lookalikes(tess, bgr, pp, alt)
    if alt is None:
        return kor
    kept = sum(w in alt[0].text for w in words)
    return alt if kept > len(words) - len(missing) else kor


def splice_hangul(pp: LineResult, tess: tuple[LineResult, list[Piece]]
                  ) -> tuple[LineResult, list[Piece]] | None:
    """PP-OCRv6's reading of a mixed line with Tesseract's Hangul put where PP-OCRv6 wrote
    fewer characters (look-alikes, or nothing), or None when there is no such place.

    Each reader is right where the other is wrong: PP-OCRv6 has no Hangul (``Contact: 喜
    (Hong Gil-dong)``), Tesseract misreads Latin words and signs (``Contact: 홍길동 (1008
    Gil-dong)``, ``₩`` as ``¥``), so neither whole reading stands. The two are aligned
    character by character; where Tesseract has Hangul syllables and PP-OCRv6 fewer columns
    its text (and pieces) are taken when its pieces there score ``CREDIBLE_HANGUL`` on
    average and PP-OCRv6 read nothing there, doubts it or read it narrower (``doubted``),
    everywhere else PP-OCRv6's. Half of PP-OCRv6's characters must be found the same in
    Tesseract's reading, so that the alignment means something: a Chinese line that
    Tesseract read as junk (``$i] m FE m -2수설,…``) agreed on a few spaces and ``m`` s, and
    its ``수열, 메바`` went into the line. The whole Tesseract line need not be credible: its Latin
    words, which bring its score down (``Contact: 홍길동 (1078 911 0008)`` at 0.5), are not
    taken.
    """
    line, tess_pieces = tess
    a, b = pp.text, line.text
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    ops = matcher.get_opcodes()
    if _agreeing(ops) < max(2, len(a) / 2):
        return None  # the readings hardly agree: no place is known to be the same text
    pp_spans = locate_pieces(a, pp.pieces)
    tess_spans = locate_pieces(b, tess_pieces)
    text: list[str] = []
    pieces: list[Piece] = []
    taken = False

    def add(source: Sequence[Piece], spans: list[tuple[int, int] | None], lo: int,
            hi: int) -> None:
        for k in _within(source, spans, lo, hi):
            if source[k] not in pieces:
                pieces.append(source[k])

    def sure(j1: int, j2: int) -> bool:  # Tesseract's own pieces there are credible
        scores = [tess_pieces[k].confidence for k in _within(tess_pieces, tess_spans, j1, j2)]
        return bool(scores) and sum(scores) / len(scores) >= CREDIBLE_HANGUL

    def doubted(i1: int, i2: int, j1: int, j2: int) -> bool:
        """PP-OCRv6 read nothing there, doubts what it read, or read it in under half of
        the width Tesseract's pieces take (``喜`` at 0.94 for the three syllables of
        ``홍길동``)."""
        mine = [pp.pieces[k] for k in _within(pp.pieces, pp_spans, i1, i2)]
        if not a[i1:i2].strip() or not mine:
            return True
        if sum(p.confidence for p in mine) / len(mine) < DOUBTED_PIECE:
            return True
        theirs = [quad_rect(tess_pieces[k].quad)
                  for k in _within(tess_pieces, tess_spans, j1, j2)]
        if not theirs:
            return False
        x0, x1 = min(r[0] for r in theirs), max(r[2] for r in theirs)
        covered = sum(max(0.0, min(r[2], x1) - max(r[0], x0))
                      for r in (quad_rect(p.quad) for p in mine))
        return covered < 0.5 * (x1 - x0)

    for tag, i1, i2, j1, j2 in ops:
        theirs = b[j1:j2]
        if (tag != "equal" and SYLLABLE.search(theirs)
                and columns(a[i1:i2]) < columns(theirs) and sure(j1, j2)
                and doubted(i1, i2, j1, j2)):
            text.append(theirs)
            add(tess_pieces, tess_spans, j1, j2)
            taken = True
        else:
            text.append(a[i1:i2])
            add(pp.pieces, pp_spans, i1, i2)
    if not taken:
        return None
    merged = " ".join("".join(text).split())
    pieces.sort(key=lambda p: quad_rect(p.quad)[0])
    pieces = without_nested(pieces)
    confidence = min(pp.confidence, line.confidence)
    spliced = LineResult(quad=pp.quad, text=merged, confidence=confidence,
                         words=merge_pieces(merged, pieces), pieces=pieces)
    return won_signs(spliced, pieces)


YEN_FOR_WON = re.compile(r"[¥\\](?=\s?\d{1,3}(?:,\d{3})+(?!\d))")
"""``¥`` or ``\\`` before an amount grouped in thousands: Tesseract ``kor+eng`` 's won sign
(and in Korean code pages the backslash is the won sign)."""
WON_LOOKALIKES = "W₩N¥\\"
"""The won sign and what the readers write for it."""
SIGNED_AMOUNT = re.compile(r"[W₩N¥\\]\s?(\d{1,3}(?:,\d{3})+)(?!\d)")
"""An amount grouped in thousands after a won sign or a reader's look-alike of it."""


def won_signs(line: LineResult, pieces: list[Piece]) -> tuple[LineResult, list[Piece]]:
    """The line with ``W`` or ``N`` before an amount read as the won sign when the line has
    Hangul (both readers write ``Total: ₩15,000 (부가세 포함)`` with a ``W``), and ``¥``
    before a grouped amount (Tesseract's ``Total: ¥15,000 (부가세 포함)``)."""
    if not SYLLABLE.search(line.text):
        return line, pieces
    signs = [*WON.finditer(line.text), *YEN_FOR_WON.finditer(line.text)]
    return _with_chars(line, pieces, {m.start(): "₩" for m in signs})


def won_cells(line: LineResult) -> LineResult:
    """A line of a Korean page that PP-OCRv6 read (an amount alone in a table cell, with no
    Hangul of its own) with ``W`` or ``N`` before an amount as the won sign: PP-OCRv6 has no
    ``₩`` (``합계금액 ₩5,766,750`` came out ``W5,766,750`` in 12 of 12 renderings)."""
    signs = {m.start(): "₩" for m in WON.finditer(line.text)}
    if not signs or not line.pieces:
        return line
    return _with_chars(line, line.pieces, signs)[0]


def tesseract_reading(pp: LineResult, tess: tuple[LineResult, list[Piece]]
                      ) -> tuple[LineResult, list[Piece]]:
    """Tesseract's reading of a line, taken over PP-OCRv6's, made final: the Han characters
    PP-OCRv6 is sure of (``splice_ideographs``) and won signs (``won_signs``)."""
    return won_signs(*_lost_won_signs(pp, *splice_ideographs(pp, tess)))


def _lost_won_signs(pp: LineResult, line: LineResult, pieces: list[Piece]
                    ) -> tuple[LineResult, list[Piece]]:
    """Tesseract's reading with the won signs it dropped (``Total: 15,000 (부가세 포함)``)
    put back before the amounts PP-OCRv6 read with one (``Total: W15,000 (早川平)``), in a
    line with Hangul: before each piece that starts with such an amount and has no sign."""
    amounts = {m.group(1) for m in SIGNED_AMOUNT.finditer(pp.text)}
    if not amounts or not SYLLABLE.search(line.text):
        return line, pieces
    spans = locate_pieces(line.text, pieces)
    marked = {
        k: span[0] for k, (piece, span) in enumerate(zip(pieces, spans, strict=True))
        if span is not None and any(piece.text.strip().startswith(a) for a in amounts)
        and not line.text[:span[0]].rstrip().endswith(tuple(WON_LOOKALIKES))
    }
    if not marked:
        return line, pieces
    text = line.text
    for at in sorted(marked.values(), reverse=True):
        text = text[:at] + "₩" + text[at:]
    new_pieces = [Piece("₩" + p.text.strip(), p.confidence, p.quad) if k in marked else p
                  for k, p in enumerate(pieces)]
    return (LineResult(quad=line.quad, text=text, confidence=line.confidence,
                       words=merge_pieces(text, new_pieces), pieces=new_pieces), new_pieces)


def _with_chars(line: LineResult, pieces: list[Piece], changes: dict[int, str]
                ) -> tuple[LineResult, list[Piece]]:
    """The line with characters replaced (``changes``: index in its text to what stands
    there instead: a character, or it and characters after it), in its text and in the
    pieces (same boxes) that hold them."""
    if not changes:
        return line, pieces
    text = "".join(changes.get(i, c) for i, c in enumerate(line.text))
    new_pieces = [
        piece if span is None or not any(span[0] <= i < span[1] for i in changes)
        else Piece("".join(changes.get(i, line.text[i]) for i in range(*span)),
                   piece.confidence, piece.quad)
        for piece, span in zip(pieces, locate_pieces(line.text, pieces), strict=True)
    ]
    return (LineResult(quad=line.quad, text=text, confidence=line.confidence,
                       words=merge_pieces(text, new_pieces), pieces=new_pieces), new_pieces)


LOOKALIKE_HANGUL = 0.85
"""Least ``kor`` confidence for Hangul read in place of ``kor+eng`` 's Latin look-alikes:
``홍길동`` read so at 0.97; a form's handwritten signature came out ``존스`` at 0.66."""


def read_lookalikes(tess: Tesseract, bgr: np.ndarray, pp: LineResult,
                    alt: tuple[LineResult, list[Piece]]) -> tuple[LineResult, list[Piece]] | None:
    """``alt`` (a ``kor+eng`` reading without Hangul) with its pieces where it wrote more
    columns than PP-OCRv6 read again with ``kor`` alone, or None when none reads as
    credible Hangul (or ``alt`` has Hangul, or agrees with PP-OCRv6 nowhere): ``kor+eng``
    writes short Korean words as Latin look-alikes (``홍길동`` -> ``32S``) and ``kor`` writes
    the English around them as junk, so only the look-alikes are re-read, and
    :func:`splice_hangul` takes the result."""
    line, pieces = alt
    a, b = pp.text, line.text
    if HANGUL.search(b):
        return None  # Hangul read as such: splice_hangul's business
    ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    if _agreeing(ops) < 2:
        return None  # no place is known to be the same text
    spans = locate_pieces(b, pieces)
    text = b
    dropped: set[int] = set()
    added: list[Piece] = []
    for tag, i1, i2, j1, j2 in reversed(ops):  # from the end: earlier offsets stay valid
        if (tag == "equal" or len(b[j1:j2].strip()) < 2
                or columns(a[i1:i2]) >= columns(b[j1:j2])):
            continue
        inside = _within(pieces, spans, j1, j2)
        if not inside or dropped.intersection(inside):
            # a piece read again already for a later part of it (``(#fCHL|&)`` holds two
            # such parts: read and put in twice, ``(박대니얼)HL박대니얼))``)
            continue
        rects = [quad_rect(pieces[k].quad) for k in inside]
        x0, y0 = max(int(min(r[0] for r in rects)), 0), max(int(min(r[1] for r in rects)), 0)
        x1, y1 = int(max(r[2] for r in rects)) + 1, int(max(r[3] for r in rects)) + 1
        crop = bgr[y0:y1, x0:x1]
        if min(crop.shape[:2]) < 4:
            continue
        read = read_line(tess, crop, rect_quad(x0, y0, x1, y1), False, KOREAN_PAGE_LANG)
        if (read is None or not SYLLABLE.search(read[0].text)
                or read[0].confidence < LOOKALIKE_HANGUL):
            continue
        # the reading is of the pieces' whole boxes: it replaces the pieces' whole text
        start = min(j1, *(spans[k][0] for k in inside))  # type: ignore[index]
        end = max(j2, *(spans[k][1] for k in inside))  # type: ignore[index]
        # with the bracket that opened (and closed) the pieces, which ``kor`` may drop
        # (``(#fCHL|&)`` read ``박대니얼)``)
        text = text[:start] + with_brackets(read[0].text.strip(), text[start:end].strip()
                                            ) + text[end:]
        dropped.update(inside)
        added += read[1]
    if not added:
        return None
    kept = [p for k, p in enumerate(pieces) if k not in dropped] + added
    kept.sort(key=lambda p: quad_rect(p.quad)[0])
    return (LineResult(quad=line.quad, text=text, confidence=line.confidence,
                       words=merge_pieces(text, kept), pieces=kept), kept)


def splice_ideographs(pp: LineResult, tess: tuple[LineResult, list[Piece]]
                      ) -> tuple[LineResult, list[Piece]]:
    """Tesseract's reading of a line with the Han characters PP-OCRv6 is sure of put where
    Tesseract wrote as many other characters.

    Tesseract's ``kor`` knows few Hanja: ``서기 2024年 3月 1日`` (a Korean date written
    with Hanja units) came out ``서기 2024주 33 18``, while PP-OCRv6 read ``2024年3月1日``
    at 1.0 and dropped ``서기``. The two readings are aligned without their spaces; where
    they differ one for one and PP-OCRv6 has Han characters, each is taken when PP-OCRv6's
    piece there scores ``SURE_IDEOGRAPH`` (``SURE_IDEOGRAPH_FOR_HANGUL`` over a Hangul
    syllable), and Han characters only PP-OCRv6 read right after a character both read are
    put in (``서기 2024 393 18`` at 60 px). Where Tesseract wrote a few more signs than
    PP-OCRv6's Han characters (``393`` for ``3月``), those go in their place when none of them
    is Hangul or Han. Readings that hardly agree (PP-OCRv6 read only the Hanja of a Korean
    line, ``甲乙`` for ``甲 은행과 乙 회사``) are matched by position instead
    (``_ideographs_in_place``). Tesseract's spacing and pieces (their boxes) stay.
    """
    if not IDEOGRAPH.search(pp.text):
        return tess
    line, pieces = tess
    theirs_at = [i for i, c in enumerate(line.text) if not c.isspace()]
    mine_at = [i for i, c in enumerate(pp.text) if not c.isspace()]
    theirs = "".join(line.text[i] for i in theirs_at)
    mine = "".join(pp.text[i] for i in mine_at)
    ops = difflib.SequenceMatcher(None, theirs, mine, autojunk=False).get_opcodes()
    if _agreeing(ops) < max(2, len(mine) / 2):
        # the readings hardly agree: no place is known to be the same text
        placed = _ideographs_in_place(pp, tess)
        return _with_chars(line, pieces, placed) if placed else tess
    pp_spans = locate_pieces(pp.text, pp.pieces)
    tess_spans = locate_pieces(line.text, pieces)

    def score(j: int) -> float:
        inside = _within(pp.pieces, pp_spans, mine_at[j], mine_at[j] + 1)
        return min((pp.pieces[k].confidence for k in inside), default=0.0)

    def in_korean_word(at: int) -> bool:
        """Whether the syllable at ``at`` is in a Korean word Tesseract is sure of: PP-OCRv6
        reads Hangul look-alikes as sure as Hanja on some CPUs (``(부가세`` at 0.96, its
        ``부`` read ``早`` at 0.99 in bfloat16, 0.988 in float32)."""
        return any(pieces[k].confidence >= SURE_KOREAN_WORD
                   and len(SYLLABLE.findall(pieces[k].text)) >= 2
                   for k in _within(pieces, tess_spans, at, at + 1))

    changes: dict[int, str] = {}
    for n, (tag, i1, i2, j1, j2) in enumerate(ops):
        if (tag == "insert" and n and ops[n - 1][0] == "equal"
                and all(IDEOGRAPH.match(c) and score(j) >= SURE_IDEOGRAPH
                        for j, c in enumerate(mine[j1:j2], j1))):
            # what Tesseract left out after a character both read (``2024 393`` for
            # ``2024年 3月``): with that character
            at = theirs_at[i1 - 1]
            changes[at] = line.text[at] + mine[j1:j2]
            continue
        if tag != "replace":
            continue
        if i2 - i1 != j2 - j1:
            olds = theirs[i1:i2]
            where = theirs_at[i1:i2]
            if (j2 - j1 < i2 - i1 <= 3 * (j2 - j1)
                    and not HANGUL.search(olds) and not IDEOGRAPH.search(olds)
                    and where[-1] - where[0] == len(where) - 1  # one run of its text
                    and len(_within(pieces, tess_spans, where[0], where[-1] + 1)) == 1
                    and all(IDEOGRAPH.match(c) and score(j) >= SURE_IDEOGRAPH
                            for j, c in enumerate(mine[j1:j2], j1))):
                changes[where[0]] = mine[j1:j2]
                changes.update((i, "") for i in where[1:])
            continue
        for k in range(i2 - i1):
            new, old = mine[j1 + k], theirs[i1 + k]
            if not IDEOGRAPH.match(new) or IDEOGRAPH.match(old):
                continue
            if HANGUL.match(old) and in_korean_word(theirs_at[i1 + k]):
                continue
            if score(j1 + k) >= (SURE_IDEOGRAPH_FOR_HANGUL if HANGUL.match(old)
                                 else SURE_IDEOGRAPH):
                changes[theirs_at[i1 + k]] = new
    return _with_chars(line, pieces, changes) if changes else tess


def _ideographs_in_place(pp: LineResult, tess: tuple[LineResult, list[Piece]]
                         ) -> dict[int, str]:
    """Han characters of PP-OCRv6 put in place of one-character Tesseract pieces under them
    (``_with_chars`` changes): a piece that is no Han character and no Hangul Tesseract is
    sure of, and one PP-OCRv6 piece of a single Han character whose middle is over it
    (``SURE_IDEOGRAPH``, or ``SURE_IDEOGRAPH_FOR_HANGUL`` over a Hangul syllable).
    ``甲 은행과 乙 회사`` at 45 px: Tesseract ``ㅇ`` (0.31) for ``乙``, PP-OCRv6 ``甲乙``."""
    line, pieces = tess
    hanja = [(quad_rect(p.quad), p) for p in pp.pieces
             if len(p.text.strip()) == 1 and IDEOGRAPH.match(p.text.strip())]
    if not hanja:
        return {}
    changes: dict[int, str] = {}
    for piece, span in zip(pieces, locate_pieces(line.text, pieces), strict=True):
        old = piece.text.strip()
        if span is None or len(old) != 1 or IDEOGRAPH.match(old):
            continue
        if SYLLABLE.match(old) and piece.confidence >= DOUBTED_PIECE:
            continue
        x0, _, x1, _ = quad_rect(piece.quad)
        under = [p for (a, _, b, _), p in hanja if x0 <= (a + b) / 2 <= x1]
        if len(under) != 1:
            continue
        sure = SURE_IDEOGRAPH_FOR_HANGUL if HANGUL.match(old) else SURE_IDEOGRAPH
        if under[0].confidence >= sure:
            at = span[0] + line.text[span[0]:span[1]].index(old)
            changes[at] = under[0].text.strip()
    return changes
