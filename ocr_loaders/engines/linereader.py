"""PP-OCRv6 recognition of a page's line crops, on demand (``LineReader``).

The embedded engine (``engines/local.py``) decides which lines PP-OCRv6 reads, which
Tesseract reads, and which are read again; this module runs PP-OCRv6's recogniser on the
crops it is given: in batches by width (``engines/batching.py``), side by side on a pool when
the runtime gains from it, once per line, stretched for lines short of CTC frames, and
quickly for word crops screened for Hanja. Word boxes come back in page pixels.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any, TypeVar

import numpy as np
from PIL import Image

from ocr_loaders.engines import hangul
from ocr_loaders.engines.batching import rec_batches
from ocr_loaders.engines.layout import CJK, LineResult, Piece, merge_pieces, split_line_evenly

T = TypeVar("T")

SCREEN_RATIO = 2.0
"""Narrowest input, in line heights, of the quick pass over word crops checked for Hanja."""

STRETCH_BELOW = 0.85
"""Lines PP-OCRv6 scores below this are read again stretched (``LineReader.read_stretched``)..."""
STRETCH_MIN_CHARS = 8
"""...when they have at least this many characters, none of them CJK..."""
STRETCH = 1.5
"""...with their crop this many times wider."""


class LineReader:
    """PP-OCRv6 recognition of line crops, on demand: once per line, and once more stretched
    for the lines ``read_stretched`` picks."""

    def __init__(self, rapid: Any, boxes: np.ndarray, crops: list[np.ndarray], *,
                 max_lines: int = 6, budget: float = 60.0,
                 pool: ThreadPoolExecutor | None = None) -> None:
        self.rapid = rapid
        self.pool = pool
        """Where batches run side by side (``None``: one after the other)."""
        self.max_lines = max_lines
        self.budget = budget
        self.boxes = boxes
        self.crops = crops
        self.lines: dict[int, LineResult] = {}
        self.korean: set[int] = set()
        self.mixed: dict[int, tuple[LineResult, list[Piece]]] = {}
        """Tesseract readings of lines with some Hangul (not mostly), to weigh against PP's."""

    def quad(self, i: int) -> list[tuple[float, float]]:
        return [(float(x), float(y)) for x, y in self.boxes[i]]

    def read(self, indices: Sequence[int] | range) -> None:
        todo = [i for i in indices if i not in self.lines]
        self.lines.update(self._recognise(todo, [self.crops[i] for i in todo]))

    def read_stretched(self, indices: Sequence[int]) -> None:
        """Read again, stretched ``STRETCH`` times wider, the lines (already read) that look
        short of CTC frames, and keep the stretched reading where it scores higher.

        The recogniser gives one CTC frame per 8 px of a crop scaled to 48 px high. Condensed
        Latin type (fax headers, tight table cells) with the detector's margin above and
        below has more characters than frames, and CTC drops the surplus at a low score
        (``Condetaiy Noe Tis amle ied ony`` at 0.51, stretched ``Confldentiality Note: This
        facaimile is intended only`` at 0.94). Lines of CJK characters (several frames
        each) and short lines are left alone: stretched, ``□無`` became ``無`` on 15
        Japanese form cells. Measured on the eval pages' lines scored below 0.85, against
        their ground-truth words: FUNSD edit distance 1704 -> 1406 (11 lines better, 2
        worse), Scribe 72 -> 68, no other dataset changed (22 lines re-read on 95 pages).
        Word boxes come from the unstretched crop, so they stay in page pixels.
        """
        todo = [i for i in indices if i in self.lines and _frame_starved(self.lines[i])]
        wide = [_stretched(self.crops[i], STRETCH) for i in todo]
        for i, line in self._recognise(todo, wide).items():
            if (line.text.strip() and line.confidence > self.lines[i].confidence
                    and not CJK.search(line.text)):
                self.lines[i] = line

    def _recognise(self, ids: Sequence[int], images: Sequence[np.ndarray]
                   ) -> dict[int, LineResult]:
        """PP-OCRv6's lines for the crops ``ids`` read from ``images`` (the crops or
        stretched copies of them, in the same order), with word boxes in page pixels."""
        from rapidocr.ch_ppocr_rec import TextRecInput

        def one(batch: list[int]) -> dict[int, LineResult]:
            batch_ids = [ids[k] for k in batch]
            rec = self.rapid.text_rec(TextRecInput(img=[images[k] for k in batch],
                                                   return_word_box=True))
            texts = list(rec.txts or [])
            scores = [float(s) for s in rec.scores]
            try:  # frames map to the unstretched crop: boxes from its size
                rec = self.rapid.cal_rec_boxes([self.crops[i] for i in batch_ids],
                                               self.boxes[batch_ids], rec, False)
                pieces_per_line = list(rec.word_results)
            except Exception:  # word boxes are a refinement; fall back to even splitting
                pieces_per_line = [()] * len(texts)
            return {i: _pp_line(self.quad(i), text, score, pieces)
                    for i, text, score, pieces in zip(batch_ids, texts, scores,
                                                      pieces_per_line)}

        out: dict[int, LineResult] = {}
        for lines in self._each(one, self._batches(images)):
            out.update(lines)
        return out

    def plain(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        """Text and score of arbitrary crops (no word boxes)."""
        from rapidocr.ch_ppocr_rec import TextRecInput

        def one(batch: list[int]) -> list[tuple[str, float]]:
            rec = self.rapid.text_rec(TextRecInput(img=[crops[k] for k in batch],
                                                   return_word_box=False))
            return [(text, float(score)) for text, score in zip(rec.txts or [], rec.scores)]

        return self._per_crop(crops, one)

    def ideographs(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        """Text and score of word crops checked for Hanja (``hangul.restore_hanja``).

        rapidocr pads every input to at least 320 x 48 px (6.7 line heights); a one-syllable
        crop is about one height wide, so most of that work reads padding: 877 crops on the
        13 Korean eval pages took 20.5 s, 1.6 s a page. A quick pass pads them to
        ``SCREEN_RATIO`` heights only (6.1 s); its readings differ from the usual ones, so
        only the crops where it sees an ideograph (250) are read again the usual way, and
        the rest keep the quick reading, which has no ideograph and so changes nothing
        (measured: the same text on all Korean eval pages and PDFs, 1 s a page faster).
        """
        out = self.quick(crops)
        again = [k for k, (text, _) in enumerate(out) if hangul.IDEOGRAPH.search(text)]
        for k, reading in zip(again, self.plain([crops[k] for k in again])):
            out[k] = reading
        return out

    def quick(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        """Text and score of word crops padded to only ``SCREEN_RATIO`` heights (rapidocr's
        own padding is 6.7): about a third of the work on word crops, and readings that may
        differ from the usual ones, so they only screen crops for a usual reading."""
        rec = self.rapid.text_rec

        def one(batch: list[int]) -> list[tuple[str, float]]:
            ratios = [crops[k].shape[1] / max(crops[k].shape[0], 1) for k in batch]
            widest = max(SCREEN_RATIO, *ratios)
            inputs = np.concatenate([rec.resize_norm_img(crops[k], widest)[np.newaxis]
                                     for k in batch]).astype(np.float32)
            texts, _ = rec.postprocess_op(rec.session(inputs), False, wh_ratio_list=ratios,
                                          max_wh_ratio=widest)
            return [(text, float(score)) for text, score in texts]

        return self._per_crop(crops, one)

    def _per_crop(self, crops: Sequence[np.ndarray],
                  one: Callable[[list[int]], list[tuple[str, float]]]
                  ) -> list[tuple[str, float]]:
        """``one`` (a batch's readings) over the crops' batches, readings in crop order."""
        out: list[tuple[str, float]] = [("", 0.0)] * len(crops)
        batches = self._batches(crops)
        for batch, readings in zip(batches, self._each(one, batches)):
            for k, reading in zip(batch, readings):
                out[k] = reading
        return out

    def _each(self, fn: Callable[[list[int]], T], batches: list[list[int]]) -> list[T]:
        """``fn`` over ``batches``, side by side on ``pool`` when there is one (widest, the
        last, first: the two streams then finish together), results in ``batches``' order."""
        if self.pool is None or len(batches) < 2:
            return [fn(batch) for batch in batches]
        futures = [self.pool.submit(fn, batch) for batch in batches[::-1]]
        # all finished before a failure is raised: none is still decoding an output of the
        # recogniser's held buffers when the page ends (and they are released)
        wait(futures)
        return [future.result() for future in futures][::-1]

    def _batches(self, crops: Sequence[np.ndarray]) -> list[list[int]]:
        ratios = [c.shape[1] / max(c.shape[0], 1) for c in crops]
        return rec_batches(ratios, max_lines=self.max_lines, budget=self.budget)


def _frame_starved(line: LineResult) -> bool:
    """Whether a reading may have lost characters for want of CTC frames: a low score on a
    long enough line without CJK characters (``LineReader.read_stretched``)."""
    text = line.text
    return (line.confidence < STRETCH_BELOW and len(text) - text.count(" ") >= STRETCH_MIN_CHARS
            and not CJK.search(text))


def _stretched(crop: np.ndarray, factor: float) -> np.ndarray:
    """``crop`` resized ``factor`` times wider, same height."""
    h, w = crop.shape[:2]
    wide = Image.fromarray(crop).resize((max(1, round(w * factor)), h), Image.Resampling.BICUBIC)
    return np.ascontiguousarray(np.asarray(wide))


SCHEME = re.compile(r"\b(https?|ftp|HTTPS?|FTP):/(?=[^/\s])")
"""A URL's scheme with one slash: CTC merges repeated characters that no blank frame
separates, and small print's ``//`` came out ``/`` (``https:/portal.scourt.go.kr``, three
Korean eval pages); a scheme is always followed by two."""


PRONOUN_I = re.compile(r"(?<![\w'’])l(?=['’](?:ve|m|ll|d)\b)")
"""``l've``, ``l'm``, ``l'll``, ``l'd``: the pronoun I read as a lower-case L (PP-OCRv6 on a
Scribe deposition: ``ads l've seen``); no English or French word is spelt so (French elides
``l'`` before vowels only). One letter for one."""


def _pp_line(quad: list[tuple[float, float]], text: str, score: float, pieces: Any) -> LineResult:
    text = PRONOUN_I.sub("I", SCHEME.sub(r"\1://", " ".join(text.split())))
    parts = [
        Piece(str(t), float(c), [(float(x), float(y)) for x, y in b])
        for t, c, b in (pieces or ())
        if b is not None
    ]
    words = merge_pieces(text, parts) if parts else split_line_evenly(text, quad, score)
    return LineResult(quad=quad, text=text, confidence=score, words=words, pieces=parts)
