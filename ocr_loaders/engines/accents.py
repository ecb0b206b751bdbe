"""Accents PP-OCRv6 is unsure of on plain Latin letters: read the plain letter instead.

PP-OCRv6's character list is multilingual (about 18,000 classes, some 250 of them accented
Latin letters), and on a poor scan of English it now and then reads a plain letter with an
accent it gives little weight against the plain one: ``Phàrmaceúticals``, ``Intércept``,
``(IÒNS.O)``, ``Àfter``, ``NOTÉ:``. At such a frame the plain letter is the runner-up with a
fair share of the probability; where an accent is really printed (``Fröhlich``,
``Martínez``, ``à la`` on the DocBank pages) the plain letter gets almost none.

So a frame whose best class is an accented Latin letter is decoded as its plain letter when
the plain letter's probability is at least ``PLAIN_SHARE`` of the accented one's, on lines
without CJK characters (Chinese textbooks print pinyin). The letter keeps the plain
letter's own probability as its confidence.

Measured on ../shared/eval (bfloat16, 124 pages): of the 41 frames read as accented Latin
letters on the English pages, 15 had the plain letter at 0.17-0.94 of the accented one, all
on scans (FUNSD 5, Scribe 10) where the ground truth has the plain letter; the 26 others
include every accent the ground truth has (plain letter at most 0.08 of it) and stay.
This leans on the engine's languages (English, Korean, Chinese, Japanese): in a poor scan of
French, an accent the model doubts as much would also go.

Some wrong accents the model is sure of: over capitals on dense tables, where the line
above's descenders are in its crop. Those are checked against the word's ink
(:func:`unseen_capital_accents`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence

import numpy as np

from ocr_loaders.engines.layout import CJK, LineResult, ink_mask, quad_rect, true_runs

PLAIN_SHARE = 0.15
"""Least probability of the plain letter, as a share of the accented letter's, for the plain
letter to be read instead."""

MIN_ACCENTED = 0.2
"""Frames whose accented letters all have less probability than this are not looked at (an
accented letter below it is rarely a frame's best class; this keeps the check cheap)."""


def plain_letter(char: str) -> str | None:
    """The ASCII letter ``char`` is with its accents taken off (``é`` -> ``e``), or None for
    characters that are not an accented ASCII letter."""
    if len(char) != 1 or char.isascii():
        return None
    bare = "".join(c for c in unicodedata.normalize("NFD", char)
                   if not unicodedata.combining(c))
    return bare if len(bare) == 1 and bare.isascii() and bare.isalpha() else None


class DoubtfulAccents:
    """Finds and settles doubtful accents in a batch of PP-OCRv6 frame probabilities."""

    def __init__(self, characters: Sequence[str]) -> None:
        index = {c: i for i, c in enumerate(characters)}
        pairs = [(i, index[plain]) for i, c in enumerate(characters)
                 if (plain := plain_letter(c)) is not None and plain in index]
        self.accented = np.array([a for a, _ in pairs], dtype=np.int64)
        """Classes of accented Latin letters..."""
        self.plain = np.array([p for _, p in pairs], dtype=np.int64)
        """...and of their plain letters."""

    def settle(self, preds: np.ndarray, cjk_line: Callable[[int], bool]) -> int:
        """Decode the doubtful accents of ``preds`` (lines x frames x classes, in place) as
        their plain letters, except on the lines ``cjk_line(row)`` says hold CJK characters
        (asked only for lines with an accented letter); how many were changed."""
        if preds.ndim != 3 or not self.accented.size:
            return 0
        accented = preds[:, :, self.accented]
        which = accented.argmax(axis=2)
        chance = np.take_along_axis(accented, which[:, :, np.newaxis], axis=2)[:, :, 0]
        rows, frames = np.nonzero(chance >= MIN_ACCENTED)
        cjk: dict[int, bool] = {}
        # frames where an accented letter is the best class, in runs of one letter (CTC may
        # spread a letter over neighbouring frames): (row, last frame, pair) -> frames
        runs: dict[tuple[int, int, int], list[int]] = {}
        for row, frame in zip(rows.tolist(), frames.tolist()):
            pair = int(which[row, frame])
            if int(preds[row, frame].argmax()) != self.accented[pair]:
                continue
            if row not in cjk:
                cjk[row] = cjk_line(row)
            if cjk[row]:
                continue
            run = runs.pop((row, frame - 1, pair), [])  # (frames come row by row, in order)
            runs[(row, frame, pair)] = [*run, frame]
        changed = 0
        for (row, _, pair), run in runs.items():
            accent, plain = int(self.accented[pair]), int(self.plain[pair])
            # one decision for the letter: the run's best share of the plain letter
            if max(preds[row, f, plain] / preds[row, f, accent] for f in run) < PLAIN_SHARE:
                continue
            for f in run:
                probabilities = preds[row, f]
                own = probabilities[plain]
                np.minimum(probabilities, own * np.float32(0.999), out=probabilities)
                probabilities[plain] = own
            changed += 1
        return changed


RISE = 0.08
"""Least height, as a share of the word box's, that an accent over a capital rises above every
other glyph of its word (DejaVu: a capital's accent tops the ascenders by ~0.15 of the box)."""
CORE = 0.6
"""Middle share of a letter's columns, when they are estimated, that is looked at (its
neighbours' ink kept out)."""


def unseen_capital_accents(text: str, ink: np.ndarray) -> str:
    """``text`` (a Latin word) with accents over capitals that its ink does not show taken
    off (``Öctober`` -> ``October``); ``ink`` is the word box's ink mask.

    On dense tables the recogniser's crop holds the descenders of the line above, and it
    reads them as an accent over a capital at full confidence (``(SGEN.Ó)``, ``ÁLAM``,
    ``Öctober.``: the plain letter at 0.03-0.05, as sure as a printed accent, so
    ``PLAIN_SHARE`` keeps them). The word box is cut to the word's own ink (those
    descenders left out), and an accent over a capital rises above every other glyph of its
    word (ascenders, digits, brackets), so a capital whose columns reach no higher than the
    rest's has none. A letter's columns are its run of inked columns when the word has one
    run per character; otherwise the middle of its share of the width, letters taken as
    equally wide (glyphs touch). Left as read: words with other letters that are not ASCII
    (a foreign name, ``Żyliński``, whose dot the box may have cut off), and words whose
    accented capitals are all there is (nothing to compare with).
    """
    n = len(text)
    h, w = ink.shape
    accented = [k for k, c in enumerate(text) if c.isupper() and _accent_above(c)]
    if (not accented or len(accented) == n or h < 8 or w < 2 * n
            or not all(c.isascii() for k, c in enumerate(text) if k not in accented)):
        return text
    inked = np.asarray(ink.any(axis=0))
    tops = np.where(inked, ink.argmax(axis=0), h)
    runs = true_runs(inked)
    if len(runs) == n:  # one run of columns per character: each letter's own
        spans = runs
        cores = runs
    else:
        step = w / n
        margin = (1 - CORE) / 2 * step
        spans = [(int(k * step), int(np.ceil((k + 1) * step))) for k in range(n)]
        cores = [(int(k * step + margin), int(np.ceil((k + 1) * step - margin)))
                 for k in range(n)]
    own = np.zeros(w, dtype=bool)  # columns of any accented letter (all of them kept out)
    for k in accented:
        own[spans[k][0]:spans[k][1]] = True
    others = tops[~own]
    if not others.size or others.min() >= h:
        return text
    highest = int(others.min())
    out = list(text)
    for k in accented:
        core = tops[cores[k][0]:cores[k][1]]
        if core.size and int(core.min()) > highest - RISE * h:
            out[k] = plain_letter(text[k]) or text[k]
    return "".join(out)


def _accent_above(char: str) -> bool:
    """Whether ``char`` is a plain Latin letter with a mark above it (acute, diaeresis...)."""
    if plain_letter(char) is None:
        return False
    return any(unicodedata.combining(c) == 230 for c in unicodedata.normalize("NFD", char))


def settle_capitals(lines: Sequence[LineResult], gray: np.ndarray) -> None:
    """:func:`unseen_capital_accents` on the words of ``lines`` without CJK (in place; the
    line's text changes with its word where the words are its tokens)."""
    for line in lines:
        if not _CAPITAL.search(line.text) or CJK.search(line.text):
            continue
        tokens = line.text.split()
        for k, piece in enumerate(line.words):
            if not _CAPITAL.search(piece.text):
                continue
            x0, y0, x1, y1 = (round(v) for v in quad_rect(piece.quad))
            region = gray[max(y0, 0):max(y1, 0), max(x0, 0):max(x1, 0)]
            if region.size == 0 or int(region.max()) - int(region.min()) < 48:
                continue
            text = unseen_capital_accents(piece.text, ink_mask(region))
            if text != piece.text:
                if len(tokens) == len(line.words) and tokens[k] == piece.text:
                    tokens[k] = text
                    line.text = " ".join(tokens)
                piece.text = text


_CAPITAL = re.compile(r"[À-ÖØ-ÞĀ-ɏ]")
"""Accented Latin letters, capitals among them (which are, ``_accent_above`` says)."""
