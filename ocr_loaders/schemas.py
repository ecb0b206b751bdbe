"""Other OCR services' JSON shapes, converted from an :class:`OCRResult`.

Tools written for NAVER CLOVA General OCR (V2) or Google Cloud Vision ``DOCUMENT_TEXT_DETECTION``
can consume our results unchanged. Both converters derive lines from the page text (lines are
``\\n``-separated, words are the whitespace tokens of a line, in order), which is how the API
defines a word, and take geometry and confidence from ``page.words``.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from ocr_loaders.models import BoundingBox, OCRResult, Page, Word

SCHEMAS = ("upstage", "clova", "google")
"""Accepted names of :func:`convert` (``upstage`` is the API's own JSON)."""

_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def convert(result: OCRResult, name: str) -> dict[str, Any]:
    """The result as JSON of the named schema: ``upstage`` (the API's), ``clova``, ``google``."""
    converters: dict[str, Callable[[OCRResult], dict[str, Any]]] = {
        "upstage": OCRResult.to_api_dict,
        "clova": to_clova,
        "google": to_google,
    }
    try:
        return converters[name.lower()](result)
    except KeyError:
        raise ValueError(f"unknown schema {name!r}: use one of {', '.join(SCHEMAS)}") from None


_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")


def detected_languages(text: str) -> list[tuple[str, float]]:
    """The page's languages by the share of its script, largest first: ``[("en", 0.86),
    ("ko", 0.14)]``. Ideographs count as Japanese beside kana, as Korean (Hanja) beside
    Hangul, else as Chinese; a Latin letter counts half (a word of CJK is about half as many
    characters). Text without letters is ``[("en", 1.0)]``."""
    kana, hangul, han = (len(p.findall(text)) for p in (_KANA, _HANGUL, _HAN))
    counts = {
        "en": len(_LATIN.findall(text)) / 2,
        "ja": kana + (han if kana else 0),
        "ko": hangul + (han if hangul and not kana else 0),
        "zh": 0 if kana or hangul else han,
    }
    total = sum(counts.values())
    if not total:
        return [("en", 1.0)]
    ranked = sorted(((c / total, lang) for lang, c in counts.items() if c), reverse=True)
    return [(lang, round(share, 3)) for share, lang in ranked]


def detect_language(text: str) -> str:
    """BCP-47 code of the main script (:func:`detected_languages`): an English form with a
    few Korean labels is ``en``, a Korean deed with Hanja ``ko``."""
    return detected_languages(text)[0][0]


# --- shared: words grouped into the page text's lines ----------------------------------------


def page_lines(page: Page) -> list[list[Word]]:
    """The page's words grouped by text line (empty lines dropped).

    When ``page.words`` are exactly the whitespace tokens of ``page.text`` (the API's contract)
    they are split by each line's token count. Otherwise words are aligned to tokens greedily by
    text, and words that match no token join the current line, so no word is ever lost.
    """
    token_lines = [line.split() for line in page.text.split("\n")]
    token_lines = [t for t in token_lines if t]
    words = list(page.words)
    if sum(len(t) for t in token_lines) == len(words):
        out: list[list[Word]] = []
        start = 0
        for tokens in token_lines:
            out.append(words[start : start + len(tokens)])
            start += len(tokens)
        return out
    flat = [(tok, i) for i, tokens in enumerate(token_lines) for tok in tokens]
    grouped: dict[int, list[Word]] = {}
    pos, line = 0, 0
    for word in words:
        for k in range(pos, min(pos + 8, len(flat))):
            if flat[k][0] == word.text:
                pos, line = k + 1, flat[k][1]
                break
        grouped.setdefault(line, []).append(word)
    return [grouped[k] for k in sorted(grouped)]


def _union(boxes: Sequence[BoundingBox], page: Page) -> BoundingBox:
    if not boxes:
        return BoundingBox.from_rect(0, 0, page.width, page.height)
    rects = [b.rect() for b in boxes]
    return BoundingBox.from_rect(
        min(r[0] for r in rects), min(r[1] for r in rects),
        max(r[2] for r in rects), max(r[3] for r in rects),
    )


def _vertices(box: BoundingBox, cast: Callable[[int], float | int]) -> list[dict[str, Any]]:
    return [{"x": cast(v.x), "y": cast(v.y)} for v in box.vertices]


# --- CLOVA General OCR V2 --------------------------------------------------------------------


def to_clova(result: OCRResult) -> dict[str, Any]:
    """CLOVA General OCR V2 JSON: one ``images[]`` entry per page, one field per word.

    ``lineBreak`` is true on the last word of each text line; vertices are floats as CLOVA
    sends them; ``pageIndex`` is the 0-based page of the source document.
    """
    images = []
    for index, page in enumerate(result.pages):
        fields = []
        for line in page_lines(page):
            for k, word in enumerate(line):
                fields.append({
                    "valueType": "ALL",
                    "boundingPoly": {"vertices": _vertices(word.bounding_box, float)},
                    "inferText": word.text,
                    "inferConfidence": round(float(word.confidence), 4),
                    "type": "NORMAL",
                    "lineBreak": k == len(line) - 1,
                })
        number = result.page_number(index)
        images.append({
            "uid": uuid.uuid4().hex,
            "name": f"page-{number}",
            "inferResult": "SUCCESS",
            "message": "SUCCESS",
            "validationResult": {"result": "NO_REQUESTED"},
            "convertedImageInfo": {
                "width": page.width, "height": page.height, "pageIndex": number - 1,
            },
            "fields": fields,
        })
    return {
        "version": "V2",
        "requestId": str(uuid.uuid4()),
        "timestamp": int(time.time() * 1000),
        "images": images,
    }


# --- Google Cloud Vision ---------------------------------------------------------------------


def to_google(result: OCRResult) -> dict[str, Any]:
    """Google Vision ``images:annotate`` JSON: ``{"responses": [...]}``, one response per page.

    Each response has ``textAnnotations`` (the full page text first, then one per word) and a
    ``fullTextAnnotation`` whose blocks are paragraphs of vertically adjacent lines. The last
    symbol of a word carries ``detectedBreak``: ``SPACE`` inside a line, ``EOL_SURE_SPACE`` at a
    line end inside a paragraph, ``LINE_BREAK`` at the end of a paragraph. A page without text
    has only its ``context``.
    """
    responses: list[dict[str, Any]] = []
    for index, page in enumerate(result.pages):
        context = {"pageNumber": result.page_number(index)}
        if not page.words:
            # as Google answers for an image without text: no annotations at all (clients
            # test ``if response.text_annotations:``; an empty description read as text)
            responses.append({"context": context})
            continue
        languages = detected_languages(page.text)
        lang = languages[0][0]
        lines = page_lines(page)
        text = "".join(" ".join(w.text for w in line) + "\n" for line in lines)
        annotations: list[dict[str, Any]] = [{
            "locale": lang,
            "description": text,
            "boundingPoly": {"vertices": _vertices(_union([w.bounding_box for w in page.words],
                                                          page), int)},
        }]
        annotations += [
            {"description": w.text, "boundingPoly": {"vertices": _vertices(w.bounding_box, int)}}
            for line in lines for w in line
        ]
        blocks = [_google_block(para, page) for para in _paragraphs(lines)]
        responses.append({
            "textAnnotations": annotations,
            "fullTextAnnotation": {
                "pages": [{
                    "property": {"detectedLanguages": [
                        {"languageCode": code, "confidence": share} for code, share in languages
                    ]},
                    "width": page.width,
                    "height": page.height,
                    "blocks": blocks,
                    "confidence": float(page.confidence),
                }],
                "text": text,
            },
            "context": context,
        })
    return {"responses": responses}


def _paragraphs(lines: list[list[Word]]) -> list[list[list[Word]]]:
    """Group consecutive lines into paragraphs: a vertical gap over 0.8 line heights splits."""
    paragraphs: list[list[list[Word]]] = []
    prev: tuple[int, int] | None = None
    for line in lines:
        rects = [w.bounding_box.rect() for w in line]
        top, bottom = min(r[1] for r in rects), max(r[3] for r in rects)
        height = max(bottom - top, 1)
        if prev is None or top - prev[1] > 0.8 * height or top < prev[0]:
            paragraphs.append([])
        paragraphs[-1].append(line)
        prev = (top, bottom)
    return paragraphs


def _google_block(paragraph: list[list[Word]], page: Page) -> dict[str, Any]:
    words_json = []
    for li, line in enumerate(paragraph):
        for wi, word in enumerate(line):
            if wi < len(line) - 1:
                brk = "SPACE"
            elif li < len(paragraph) - 1:
                brk = "EOL_SURE_SPACE"
            else:
                brk = "LINE_BREAK"
            words_json.append(_google_word(word, brk))
    box = {"vertices": _vertices(_union([w.bounding_box for ln in paragraph for w in ln], page),
                                 int)}
    confs = [w.confidence for ln in paragraph for w in ln]
    conf = float(sum(confs) / len(confs)) if confs else 0.0
    return {
        "boundingBox": box,
        "paragraphs": [{"boundingBox": box, "words": words_json, "confidence": conf}],
        "blockType": "TEXT",
        "confidence": conf,
    }


def _google_word(word: Word, brk: str) -> dict[str, Any]:
    """A word with one symbol per character; symbol boxes split the word box evenly."""
    chars = list(word.text)
    tl, tr, br, bl = (word.bounding_box.points() + [[0, 0]] * 4)[:4]
    n = max(len(chars), 1)

    def lerp(a: list[int], b: list[int], t: float) -> dict[str, int]:
        return {"x": round(a[0] + (b[0] - a[0]) * t), "y": round(a[1] + (b[1] - a[1]) * t)}

    symbols = []
    for i, ch in enumerate(chars):
        t0, t1 = i / n, (i + 1) / n
        symbol: dict[str, Any] = {
            "boundingBox": {"vertices": [lerp(tl, tr, t0), lerp(tl, tr, t1),
                                         lerp(bl, br, t1), lerp(bl, br, t0)]},
            "text": ch,
            "confidence": float(word.confidence),
        }
        if i == len(chars) - 1:
            symbol["property"] = {"detectedBreak": {"type": brk}}
        symbols.append(symbol)
    return {
        "property": {"detectedLanguages": [{"languageCode": detect_language(word.text)}]},
        "boundingBox": {"vertices": _vertices(word.bounding_box, int)},
        "symbols": symbols,
        "confidence": float(word.confidence),
    }


__all__ = ["SCHEMAS", "convert", "detect_language", "page_lines", "to_clova", "to_google"]
