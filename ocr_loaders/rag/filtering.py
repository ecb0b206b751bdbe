"""The low-confidence filter: keep OCR noise out of an index.

``filter_low_confidence(items, min_word_confidence=0.5)`` works on an :class:`OCRResult`, page
records, and LangChain / LlamaIndex page documents, and gives back the same kind of object.

- ``action="drop"``: words under the word threshold are cut out of the page text (lines keep
  their breaks; a line left empty disappears) and out of ``words``; a page under the page
  threshold is dropped.
- ``action="mask"``: such words become ``"\\ufffd"`` (the API's unknown character) in the text
  and in ``words``, so positions and boxes stay; low pages are kept and flagged.
- ``action="flag"``: nothing is removed; ``low_confidence_word_ids`` lists the words.

Metadata says what was done: ``dropped_words`` / ``masked_words`` / ``flagged_words`` (counts)
and ``low_confidence`` (the page is under the page threshold, or words were flagged). Word ids
never change, so citations made before filtering stay valid.
"""

from __future__ import annotations

import numbers
from typing import Any, Literal

from ocr_loaders.documents import PageRecord
from ocr_loaders.models import UNKNOWN_CHAR, OCRResult, Page, Word
from ocr_loaders.rag.align import align_words
from ocr_loaders.rag.items import as_record, like

Action = Literal["drop", "mask", "flag"]


def filter_low_confidence(
    items: Any,
    *,
    min_word_confidence: float | None = None,
    min_page_confidence: float | None = None,
    action: Action = "drop",
) -> Any:
    """Drop, mask or flag words and pages under the thresholds (see the module docstring).

    ``items``: an OCRResult, one page item, or a list of them. Returns the same shape.
    ``min_word_confidence`` needs page items (their ``words``); chunks and other items without
    words take ``min_page_confidence`` only (a chunk's confidence is its words' mean).
    """
    if action not in ("drop", "mask", "flag"):
        raise ValueError(f"action must be 'drop', 'mask' or 'flag', not {action!r}")
    for name, value in (("min_word_confidence", min_word_confidence),
                        ("min_page_confidence", min_page_confidence)):
        check_threshold(name, value)
    options = {"word": min_word_confidence, "page": min_page_confidence, "action": action}
    if isinstance(items, OCRResult):
        return _filter_result(items, **options)  # type: ignore[arg-type]
    if isinstance(items, (list, tuple)):
        out = []
        for item in items:
            kept = _filter_item(item, **options)  # type: ignore[arg-type]
            if kept is not None:
                out.append(kept)
        return out
    return _filter_item(items, **options)  # type: ignore[arg-type]


def check_threshold(name: str, value: object) -> None:
    """Confidences are 0..1: a threshold outside (or not a number) is a mistake to report,
    not one to apply (2 would drop every word, -1 none)."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= float(value) <= 1:
        raise ValueError(f"{name} must be a number from 0 to 1 (or None), not {value!r}")


def filter_record(
    record: PageRecord, *, word: float | None, page: float | None, action: Action
) -> PageRecord | None:
    """One page record filtered; None when the page itself is dropped."""
    meta = dict(record.metadata)
    has_words = "words" in meta
    if word is not None and not has_words:
        # a chunk (only ``word_ids``), a ``mode="single"`` document or another loader's: it
        # has no word confidences, so "0 words dropped" would be a false report
        raise ValueError(
            "min_word_confidence needs a page's 'words' metadata (each word's confidence), "
            "which this item has not (a chunk, a mode='single' document or another loader's "
            "document): filter page documents before chunking, or load with min_confidence="
        )
    low_page = page is not None and float(meta.get("confidence", 1.0)) < page
    if low_page and action == "drop":
        return None
    words: list[dict[str, Any]] = list(meta.get("words") or [])
    low = [w for w in words if word is not None and float(w["confidence"]) < word]
    text = record.text
    # an earlier pass's record is added to, not replaced (a page loaded with min_confidence
    # and then filtered by page confidence keeps its dropped_words; a flagged chunk filtered
    # again keeps its flagged ids)
    if action == "flag":
        ids = list(meta.get("low_confidence_word_ids") or [])
        known = set(ids)
        new = [w["id"] for w in low if w["id"] not in known]
        meta["flagged_words"] = int(meta.get("flagged_words") or 0) + len(new)
        meta["low_confidence_word_ids"] = ids + new
    else:
        if action == "mask":  # a word masked before is not masked (nor counted) twice
            low = [w for w in low if w["text"] != UNKNOWN_CHAR]
        cut = 0
        if low:
            text, words, cut = _rewrite(text, words, {id(w) for w in low}, action)
            if words and action == "drop":
                meta["confidence"] = sum(float(w["confidence"]) for w in words) / len(words)
        key = "dropped_words" if action == "drop" else "masked_words"
        meta[key] = int(meta.get(key) or 0) + cut
        flagged = meta.get("low_confidence_word_ids")
        if action == "drop" and cut and isinstance(flagged, list) and has_words:
            # an earlier flag pass's ids name only words that are still there
            left = {w["id"] for w in words}
            meta["low_confidence_word_ids"] = [i for i in flagged if i in left]
            meta["flagged_words"] = len(meta["low_confidence_word_ids"])
    if has_words:  # an item without words does not get an empty list of them
        meta["words"] = words
    meta["low_confidence"] = bool(meta.get("low_confidence")) or low_page or (
        action == "flag" and bool(meta["low_confidence_word_ids"]))
    return PageRecord(text=text, metadata=meta)


def _filter_item(item: Any, *, word: float | None, page: float | None, action: Action) -> Any:
    kept = filter_record(as_record(item), word=word, page=page, action=action)
    return None if kept is None else like(item, kept)


def _rewrite(
    text: str, words: list[dict[str, Any]], low: set[int], action: Action
) -> tuple[str, list[dict[str, Any]], int]:
    """The text with low words cut out (or masked), the matching word list, and how many
    words that was. A low word not found in the text (text edited after OCR: lower-cased,
    normalised) stays, in the text and in ``words``: cutting it from the list alone would
    report it gone while the text still holds it."""
    spans = align_words(text, words)
    pieces: list[str] = []
    cursor = 0
    cut = 0
    out_words: list[dict[str, Any]] = []
    for w, span in zip(words, spans):
        if id(w) not in low or span is None:
            out_words.append(w)
            continue
        cut += 1
        if action == "mask":
            out_words.append({**w, "text": UNKNOWN_CHAR})
        pieces.append(text[cursor:span.start])
        if action == "mask":
            pieces.append(UNKNOWN_CHAR)
        cursor = span.end
    pieces.append(text[cursor:])
    rebuilt = "".join(pieces)
    if action == "drop":
        rebuilt = _tidy(text, rebuilt)
    return rebuilt, out_words, cut


def _tidy(original: str, rebuilt: str) -> str:
    """Collapse the spaces left by cut words and drop lines that became empty; lines that
    lost nothing stay as they were (blank lines, the paragraph breaks, included). Words
    hold no line break, so the lines are one for one with the original's (if a word did
    hold one, every line is tidied)."""
    rebuilts = rebuilt.split("\n")
    originals: list[str | None] = list(original.split("\n"))
    if len(originals) != len(rebuilts):
        originals = [None] * len(rebuilts)
    lines = []
    for before, after in zip(originals, rebuilts):
        if after != before:
            after = " ".join(after.split())
            if not after:
                continue
        lines.append(after)
    return "\n".join(lines)


def _filter_result(
    result: OCRResult, *, word: float | None, page: float | None, action: Action
) -> OCRResult:
    """A new OCRResult with the same filter applied to every page (API shape kept)."""
    pages: list[Page] = []
    numbers: list[int] = []
    for index, p in enumerate(result.pages):
        record = PageRecord(
            text=p.text,
            metadata={
                "confidence": p.confidence,
                "words": [
                    {"id": w.id, "text": w.text, "confidence": w.confidence,
                     "box": w.bounding_box.points(), "_word": w}
                    for w in p.words
                ],
            },
        )
        kept = filter_record(record, word=word, page=page, action=action)
        if kept is None:
            continue
        new_words = [
            _word(w) for w in kept.metadata["words"]
        ]
        pages.append(p.model_copy(update={
            "text": kept.text, "words": new_words, "confidence": kept.metadata["confidence"],
        }))
        numbers.append(result.page_number(index))
    filtered = OCRResult.from_pages(
        pages, model_version=result.model_version, page_numbers=numbers,
        total_pages=result.total_pages,
    )
    return filtered.model_copy(update={
        "api_version": result.api_version, "mime_type": result.mime_type,
        "num_billed_pages": result.num_billed_pages, "stored": result.stored,
    })


def _word(entry: dict[str, Any]) -> Word:
    original: Word = entry["_word"]
    if entry["text"] == original.text:
        return original
    return original.model_copy(update={"text": entry["text"]})


__all__ = ["filter_low_confidence", "filter_record"]
