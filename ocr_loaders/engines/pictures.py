"""Text inside the pictures of a born-digital page, merged into its text layer.

A page read from its text layer (``ocr_loaders/textlayer.py``) holds the text the program
wrote, not the text inside its images: a scanned letterhead or signature stamp in a Word
file, a screenshot or a chart pasted as a picture, a scan with a Bates number stamped on as
text. Those are OCR'd on their own (``pictures_to_read``) and their lines put into the
layer's reading order (``merge_pictures``). Words the OCR reads where the layer already has
a word (a caption written over a photo, text under a picture) are left out, so nothing is
read twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from PIL import Image

from ocr_loaders.inputs import DocPage
from ocr_loaders.models import BoundingBox, Page, Word
from ocr_loaders.rag.align import align_words

Rect = tuple[float, float, float, float]

MIN_SIDE = 16
"""Pictures under this many pixels on a side (at 300 DPI: bullets, rules, icons) hold no
readable text and are not OCR'd."""
MAX_PICTURES = 12
"""Past this many separate pictures on a page (a scan cut into strips, a mosaic of icons),
one OCR of their common box replaces a read of each."""
MARGIN = 16
"""White pixels around a picture's crop: text touching its edge is still detected."""
OVERLAP = 0.3
"""An OCR word overlapping a layer word by this share of its own area is that word read
again, and left out."""


@dataclass
class _Line:
    text: str
    words: list[Word]
    box: Rect = field(init=False)

    def __post_init__(self) -> None:
        rects = [w.bounding_box.rect() for w in self.words]
        self.box = (min(r[0] for r in rects), min(r[1] for r in rects),
                    max(r[2] for r in rects), max(r[3] for r in rects))


def _touch(a: Rect, b: Rect, gap: float = 2.0) -> bool:
    return (a[0] - gap <= b[2] and b[0] - gap <= a[2]
            and a[1] - gap <= b[3] and b[1] - gap <= a[3])


def _union(a: Rect, b: Rect) -> Rect:
    return min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])


def pictures_to_read(boxes: Sequence[Rect], width: int, height: int) -> list[Rect]:
    """The regions to OCR, in page pixels: pictures cut to the page, those touching merged
    (tiles of one picture), the too small left out, many merged into one."""
    regions: list[Rect] = []
    for x0, y0, x1, y1 in boxes:
        box = (max(x0, 0.0), max(y0, 0.0), min(x1, float(width)), min(y1, float(height)))
        if box[2] - box[0] >= MIN_SIDE and box[3] - box[1] >= MIN_SIDE:
            regions.append(box)
    merged = True
    while merged:
        merged = False
        for i in range(len(regions)):
            for j in range(i + 1, len(regions)):
                if _touch(regions[i], regions[j]):
                    regions[i] = _union(regions[i], regions.pop(j))
                    merged = True
                    break
            if merged:
                break
    if len(regions) > MAX_PICTURES:
        whole = regions[0]
        for box in regions[1:]:
            whole = _union(whole, box)
        regions = [whole]
    return sorted(regions, key=lambda r: (r[1], r[0]))


def _lines(page: Page) -> list[_Line]:
    """The page's text lines with their words (lines without words dropped)."""
    spans = align_words(page.text, [{"text": w.text} for w in page.words])
    texts = page.text.split("\n")
    grouped: list[list[Word]] = [[] for _ in texts]
    line = 0
    for word, span in zip(page.words, spans, strict=True):
        if span is not None:
            line = span.line
        grouped[line].append(word)
    return [_Line(text, words) for text, words in zip(texts, grouped, strict=True) if words]


def _overlap(a: Rect, b: Rect) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def _new_only(reading: Page, layer_boxes: Sequence[Rect]) -> list[_Line]:
    """The reading's lines without the words the layer already has there."""
    out: list[_Line] = []
    for line in _lines(reading):
        kept_words: list[Word] = []
        for word in line.words:
            rect = word.bounding_box.rect()
            area = max((rect[2] - rect[0]) * (rect[3] - rect[1]), 1)
            if all(_overlap(rect, box) < OVERLAP * area for box in layer_boxes):
                kept_words.append(word)
        if len(kept_words) == len(line.words):
            out.append(line)
        elif kept_words:
            out.append(_Line(_join(line, kept_words), kept_words))
    return out


def _join(line: _Line, kept: Sequence[Word]) -> str:
    """The line's text for some of its words: the original text between neighbours that
    both stay (no space inside CJK runs), one space where words were left out."""
    spans = align_words(line.text, [{"text": w.text} for w in line.words])
    parts: list[str] = []
    previous = -2
    keep = {id(w) for w in kept}
    for index, (word, span) in enumerate(zip(line.words, spans, strict=True)):
        if id(word) not in keep:
            continue
        if parts:
            before = spans[index - 1]
            parts.append(line.text[before.end:span.start]
                         if previous == index - 1 and before and span else " ")
        parts.append(line.text[span.start:span.end] if span else word.text)
        previous = index
    return "".join(parts)


def _shifted(page: Page, dx: float, dy: float) -> Page:
    words = [
        w.model_copy(update={"bounding_box": BoundingBox.from_points(
            [(v.x + dx, v.y + dy) for v in w.bounding_box.vertices])})
        for w in page.words
    ]
    return page.model_copy(update={"words": words})


def _position(lines: Sequence[_Line], new: Sequence[_Line]) -> int:
    """Where a picture's lines go among the layer's: before the first line that overlaps
    them across and is centred below their top (the text under a figure, in its column);
    else after the last such line above them (a figure closing its column); else before
    the first line wholly below them; else at the end."""
    top = min(line.box[1] for line in new)
    bottom = max(line.box[3] for line in new)
    left = min(line.box[0] for line in new)
    right = max(line.box[2] for line in new)
    across = [i for i, line in enumerate(lines) if line.box[0] < right and left < line.box[2]]
    below = [i for i in across if (lines[i].box[1] + lines[i].box[3]) / 2 > top]
    if below:
        return below[0]
    if across:
        return across[-1] + 1
    return next((i for i, line in enumerate(lines) if line.box[1] >= bottom), len(lines))


def merge_pictures(layer: Page, readings: Sequence[tuple[Rect, Page]]) -> Page:
    """The layer page with the new lines of each picture's reading (``(region, page read
    from the region's crop)``, boxes in the crop's pixels) put in reading order, each
    picture's as a block (``_position``)."""
    lines = _lines(layer)
    layer_boxes = [w.bounding_box.rect() for w in layer.words]
    placed: list[tuple[int, list[_Line]]] = []
    for region, reading in readings:
        new = _new_only(_shifted(reading, region[0], region[1]), layer_boxes)
        if not new:
            continue
        placed.append((_position(lines, new), new))
    if not placed:
        return layer
    ordered: list[_Line] = []
    for i in range(len(lines) + 1):
        for at, new in placed:
            if at == i:
                ordered.extend(new)
        if i < len(lines):
            ordered.append(lines[i])
    words = [w.model_copy(update={"id": n})
             for n, w in enumerate(w for line in ordered for w in line.words)]
    return layer.model_copy(update={
        "confidence": sum(w.confidence for w in words) / len(words),
        "text": "\n".join(line.text for line in ordered),
        "words": words,
    })


def with_pictures(page: DocPage, layer: Page,
                  recognize: Callable[[Image.Image], Page]) -> Page:
    """The page read from its text layer (``layer``) with the text inside its pictures,
    each read by ``recognize`` from its crop of the rendered page."""
    regions = pictures_to_read(page.pictures(), layer.width, layer.height)
    if not regions:
        return layer
    image = page.image()
    readings: list[tuple[Rect, Page]] = []
    try:
        for x0, y0, x1, y1 in regions:
            box = (round(x0), round(y0), round(x1), round(y1))
            crop = image.crop(box)
            framed = Image.new("RGB", (crop.width + 2 * MARGIN, crop.height + 2 * MARGIN),
                               "white")
            framed.paste(crop, (MARGIN, MARGIN))
            readings.append(((box[0] - MARGIN, box[1] - MARGIN, box[2], box[3]),
                             recognize(framed)))
    finally:
        image.close()
    return merge_pictures(layer, readings)
