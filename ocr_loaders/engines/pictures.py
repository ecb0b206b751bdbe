"""Text inside the pictures of a born-digital page, merged into its text layer.

A page read from its text layer (``ocr_loaders/textlayer.py``) holds the text the program
wrote, not the text inside its images: a scanned letterhead or signature stamp in a Word
file, a screenshot or a chart pasted as a picture, a scan with a Bates number stamped on as
text. Those are OCR'd on their own, cut from the page rendered without its text (the lines
under a transparent stamp are the layer's) and turned upright (a page shown sideways by its
``/Rotate``), and their lines put into the layer's reading order one by one
(``merge_pictures``). Words the OCR reads where the layer already has a word (text under a
picture) are left out, so nothing is read twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from PIL import Image

from ocr_loaders.inputs import DocPage
from ocr_loaders.models import BoundingBox, Page, Word
from ocr_loaders.rag.align import align_words

Rect = tuple[float, float, float, float]
Picture = tuple[Rect, int]
"""A picture's box in page pixels and the quarter turn (degrees, counterclockwise) that
shows it upright."""

MIN_SIDE = 16
"""Pictures under this many pixels on a side (at 300 DPI: bullets, rules, icons) hold no
readable text and are not OCR'd."""
MAX_PICTURES = 12
"""Past this many separate pictures on a page (a scan cut into strips, a mosaic of icons),
one OCR of their common box replaces a read of each (its lines are still placed one by one)."""
BACKGROUND_AREA = 0.6
BACKGROUND_LAYER_CHARS = 200
"""A picture over ``BACKGROUND_AREA`` of the page, on a page whose layer holds
``BACKGROUND_LAYER_CHARS`` characters or more, is a background (a slide's or a letter's
design) or a scan whose text the layer holds (text drawn under the image): not read. A
full-page OCR of a decorative background cost 3.4 s and added nothing. A scan whose layer
is a stamp alone (a Bates number) is read."""
MARGIN = 16
"""White pixels around a picture's crop: text touching its edge is still detected."""
OVERLAP = 0.3
"""An OCR word overlapping a layer word by this share of its own area is that word read
again, and left out."""
SAME_ROW = 0.5
"""Lines overlapping vertically by this share of the lower one's height are on one row."""


@dataclass
class _Line:
    text: str
    words: list[Word]
    box: Rect = field(init=False)
    """The line's box in the upright frame of the page (set by ``merge_pictures``)."""

    def __post_init__(self) -> None:
        self.box = _union_of(self.words)


def _union_of(words: Sequence[Word]) -> Rect:
    rects = [w.bounding_box.rect() for w in words]
    return (min(r[0] for r in rects), min(r[1] for r in rects),
            max(r[2] for r in rects), max(r[3] for r in rects))


def _touch(a: Rect, b: Rect, gap: float = 2.0) -> bool:
    return (a[0] - gap <= b[2] and b[0] - gap <= a[2]
            and a[1] - gap <= b[3] and b[1] - gap <= a[3])


def _union(a: Rect, b: Rect) -> Rect:
    return min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])


def pictures_to_read(pictures: Sequence[Picture], width: int, height: int,
                     layer_chars: int = 0) -> list[Picture]:
    """The regions to OCR, in page pixels, with their quarter turns: pictures cut to the
    page, those touching merged (tiles of one picture), the too small and backgrounds
    (``BACKGROUND_AREA``) left out, many merged into one."""
    regions: list[Picture] = []
    for (x0, y0, x1, y1), turn in pictures:
        box = (max(x0, 0.0), max(y0, 0.0), min(x1, float(width)), min(y1, float(height)))
        if box[2] - box[0] < MIN_SIDE or box[3] - box[1] < MIN_SIDE:
            continue
        area = (box[2] - box[0]) * (box[3] - box[1])
        if area >= BACKGROUND_AREA * width * height and layer_chars >= BACKGROUND_LAYER_CHARS:
            continue
        regions.append((box, turn))
    merged = True
    while merged:
        merged = False
        for i in range(len(regions)):
            for j in range(i + 1, len(regions)):
                if _touch(regions[i][0], regions[j][0]):
                    regions[i] = (_union(regions[i][0], regions.pop(j)[0]), regions[i][1])
                    merged = True
                    break
            if merged:
                break
    if len(regions) > MAX_PICTURES:
        whole = regions[0][0]
        for box, _ in regions[1:]:
            whole = _union(whole, box)
        regions = [(whole, regions[0][1])]
    return sorted(regions, key=lambda r: (r[0][1], r[0][0]))


def _turned_point(x: float, y: float, turn: int, width: float, height: float
                  ) -> tuple[float, float]:
    """Where ``(x, y)`` of a ``width`` x ``height`` image lands when the image is turned
    ``turn`` degrees counterclockwise (as ``Image.rotate(turn, expand=True)``)."""
    if turn == 90:
        return y, width - x
    if turn == 180:
        return width - x, height - y
    if turn == 270:
        return height - y, x
    return x, y


def _turned_rect(rect: Rect, turn: int, width: float, height: float) -> Rect:
    a = _turned_point(rect[0], rect[1], turn, width, height)
    b = _turned_point(rect[2], rect[3], turn, width, height)
    return min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])


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


def _placed(page: Page, region: Rect, turn: int, crop_width: float, crop_height: float
            ) -> Page:
    """A reading of a crop (turned ``turn`` degrees counterclockwise and framed by
    ``MARGIN``) with its boxes in the page's pixels."""
    # the framed crop turned back: its size as read
    read_w, read_h = ((crop_height, crop_width) if turn in (90, 270)
                      else (crop_width, crop_height))
    back = (360 - turn) % 360

    def to_page(x: float, y: float) -> tuple[float, float]:
        bx, by = _turned_point(x - MARGIN, y - MARGIN, back, read_w, read_h)
        return bx + region[0], by + region[1]

    words = [
        w.model_copy(update={"bounding_box": BoundingBox.from_points(
            [to_page(v.x, v.y) for v in w.bounding_box.vertices])})
        for w in page.words
    ]
    return page.model_copy(update={"words": words})


def _position(lines: Sequence[_Line], new: _Line) -> int:
    """Where a picture's line goes among the layer's (boxes in the upright frame): before
    the first line that overlaps it across and is centred below its top (the text under a
    figure, in its column); else after the last such line above it (a figure closing its
    column); else after the last line beside it on its row (a picture in a table's cell,
    after its row's text); else before the first line wholly below it; else at the end."""
    top, bottom, left, right = new.box[1], new.box[3], new.box[0], new.box[2]
    across = [i for i, line in enumerate(lines) if line.box[0] < right and left < line.box[2]]
    below = [i for i in across if (lines[i].box[1] + lines[i].box[3]) / 2 > top]
    if below:
        return below[0]
    if across:
        return across[-1] + 1
    beside = [i for i, line in enumerate(lines) if _same_row(line.box, new.box)]
    if beside:
        return beside[-1] + 1
    return next((i for i, line in enumerate(lines) if line.box[1] >= bottom), len(lines))


def _same_row(a: Rect, b: Rect) -> bool:
    shared = min(a[3], b[3]) - max(a[1], b[1])
    return shared >= SAME_ROW * min(a[3] - a[1], b[3] - b[1])


def _inline(lines: Sequence[_Line], spans: Sequence[list[tuple[float, float]]],
            new: _Line) -> int | None:
    """The layer line a picture's line sits inside (on its row, with layer words on both
    sides of it: a picture in a sentence), or None. ``spans``: each line's words' left and
    right edges in the upright frame."""
    for i, line in enumerate(lines):
        if (_same_row(line.box, new.box)
                and any(right <= new.box[0] + 2 for _, right in spans[i])
                and any(left >= new.box[2] - 2 for left, _ in spans[i])):
            return i
    return None


def merge_pictures(layer: Page, readings: Sequence[tuple[Rect, Page]], *,
                   turn: int = 0) -> Page:
    """The layer page with the new lines of each picture's reading (``(region, page read
    from it)``, boxes in page pixels) put in reading order, line by line: into the layer
    line they sit inside, else by ``_position``. ``turn`` (degrees, counterclockwise) shows
    the page's text upright: positions are compared in that frame."""
    width, height = layer.width, layer.height
    lines = _lines(layer)
    spans: list[list[tuple[float, float]]] = []
    for line in lines:
        line.box = _turned_rect(line.box, turn, width, height)
        upright = [_turned_rect(w.bounding_box.rect(), turn, width, height) for w in line.words]
        spans.append([(r[0], r[2]) for r in upright])
    layer_boxes = [w.bounding_box.rect() for w in layer.words]
    inserted: dict[int, list[_Line]] = {}
    joined: dict[int, list[Word]] = {}
    for _, reading in readings:
        for new in _new_only(reading, layer_boxes):
            new.box = _turned_rect(new.box, turn, width, height)
            host = _inline(lines, spans, new)
            if host is not None:
                joined.setdefault(host, []).extend(new.words)
            else:
                inserted.setdefault(_position(lines, new), []).append(new)
    if not inserted and not joined:
        return layer
    ordered: list[_Line] = []
    for i in range(len(lines) + 1):
        ordered.extend(inserted.get(i, ()))
        if i < len(lines):
            ordered.append(_with_words(lines[i], joined[i], turn, width, height)
                           if i in joined else lines[i])
    words = [w.model_copy(update={"id": n})
             for n, w in enumerate(w for line in ordered for w in line.words)]
    return layer.model_copy(update={
        "confidence": sum(w.confidence for w in words) / len(words),
        "text": "\n".join(line.text for line in ordered),
        "words": words,
    })


def _with_words(line: _Line, extra: Sequence[Word], turn: int, width: float,
                height: float) -> _Line:
    """A layer line with a picture's words put where they stand along it."""
    def left(word: Word) -> float:
        return _turned_rect(word.bounding_box.rect(), turn, width, height)[0]

    words = sorted([*line.words, *extra], key=left)
    return _Line(" ".join(w.text for w in words), words)


def with_pictures(page: DocPage, layer: Page,
                  recognize: Callable[[Image.Image], Page]) -> Page:
    """The page read from its text layer (``layer``) with the text inside its pictures,
    each read by ``recognize`` from its crop of the page rendered without its text."""
    chars = sum(not c.isspace() for c in layer.text)
    regions = pictures_to_read(page.pictures(), layer.width, layer.height, chars)
    if not regions:
        return layer
    image = page.picture_image()
    readings: list[tuple[Rect, Page]] = []
    try:
        for (x0, y0, x1, y1), turn in regions:
            box = (round(x0), round(y0), round(x1), round(y1))
            crop = image.crop(box)
            upright = crop.rotate(turn, expand=True) if turn else crop
            framed = Image.new("RGB", (upright.width + 2 * MARGIN,
                                       upright.height + 2 * MARGIN), "white")
            framed.paste(upright, (MARGIN, MARGIN))
            reading = _placed(recognize(framed), box, turn, crop.width, crop.height)
            readings.append((box, reading))
    finally:
        image.close()
    return merge_pictures(layer, readings, turn=page.text_turn())
