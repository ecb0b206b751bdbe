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
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence

import numpy as np

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
