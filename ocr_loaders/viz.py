"""Pictures of OCR output: word boxes coloured by confidence, a chunk's highlight, and a
before/after view of the low-confidence filter. Every function returns a new PIL image
(notebooks display it inline) and never modifies the one given.

Pages can be given as a :class:`~ocr_loaders.models.Page`, a page record or a LangChain /
LlamaIndex page document (anything with the contract's ``words`` metadata); boxes are in the
pixels of the OCR'd page image, which :func:`page_image` reproduces; an image of another
size (a page read by a remote API at its own resolution) is scaled to the page's ``width`` x
``height`` first.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from ocr_loaders.inputs import DEFAULT_LIMITS, Limits, Source, open_document
from ocr_loaders.models import Page

Box = tuple[int, int, int, int]

BINS: list[tuple[float, tuple[int, int, int], str]] = [
    (0.90, (46, 160, 67), ">= 0.90"),
    (0.70, (230, 180, 0), "0.70-0.90"),
    (0.50, (240, 120, 20), "0.50-0.70"),
    (0.00, (215, 40, 40), "< 0.50"),
]
"""Confidence bins: lower bound, colour, legend label."""

HIGHLIGHT = (255, 215, 0)
REMOVED = (215, 40, 40)


def page_image(source: Source, page: int = 1, *, limits: Limits = DEFAULT_LIMITS) -> Image.Image:
    """The RGB image of a 1-based page exactly as the engine saw it (PDFs at 300 DPI)."""
    doc = open_document(source, pages=[page], limits=limits)
    for doc_page in doc.iter_pages():
        return doc_page.image().copy()
    raise ValueError(f"page {page} not found")  # pragma: no cover - open_document checks


def confidence_colour(confidence: float) -> tuple[int, int, int]:
    """The bin colour for a word confidence."""
    for lower, colour, _ in BINS:
        if confidence >= lower:
            return colour
    return BINS[-1][1]


def draw_words(
    image: Image.Image, page: Any, *, fill: bool = True, legend: bool = True, width: int = 2
) -> Image.Image:
    """Each word's box, outlined (and lightly filled) in its confidence colour."""
    out = _in_page_frame(image, page).convert("RGB")
    overlay = Image.new("RGBA", out.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for word in _words(page):
        colour = confidence_colour(float(word["confidence"]))
        polygon = [tuple(p) for p in word["box"]]
        draw.polygon(polygon, outline=(*colour, 255), fill=(*colour, 60) if fill else None,
                     width=width)
    out = Image.alpha_composite(out.convert("RGBA"), overlay).convert("RGB")
    if legend:
        out = _with_legend(out, [(colour, label) for _, colour, label in BINS], "confidence")
    return out


def draw_chunk(image: Image.Image, chunk: Any, *, merge: str = "line") -> Image.Image:
    """The boxes of a chunk's words (per-line unions by default) highlighted on its page."""
    out = _in_page_frame(image, chunk).convert("RGBA")
    overlay = Image.new("RGBA", out.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for x0, y0, x1, y1 in chunk_rectangles(chunk, merge=merge):
        draw.rectangle((x0 - 2, y0 - 2, x1 + 2, y1 + 2), fill=(*HIGHLIGHT, 90),
                       outline=(*HIGHLIGHT, 255), width=3)
    return Image.alpha_composite(out, overlay).convert("RGB")


def compare_filtering(image: Image.Image, before: Any, after: Any) -> Image.Image:
    """Side by side: all words by confidence on the left; on the right the words the filter
    kept, with the removed ones crossed out in red."""
    kept = {int(w["id"]) for w in _words(after)}
    image = _in_page_frame(image, before)
    left = draw_words(image, before, legend=False)
    right = draw_words(image, after, legend=False)
    draw = ImageDraw.Draw(right)
    for word in _words(before):
        if int(word["id"]) not in kept:
            x0, y0, x1, y1 = _rect(word["box"])
            draw.rectangle((x0, y0, x1, y1), outline=REMOVED, width=3)
            draw.line((x0, y0, x1, y1), fill=REMOVED, width=3)
    gap = 20
    both = Image.new("RGB", (left.width + right.width + gap, left.height), "white")
    both.paste(left, (0, 0))
    both.paste(right, (left.width + gap, 0))
    entries = [(c, label) for _, c, label in BINS] + [(REMOVED, "removed by the filter")]
    return _with_legend(both, entries, "before | after")


def chunk_rectangles(chunk: Any, *, merge: str = "line") -> list[Box]:
    """Rectangles to highlight for a chunk: one per line (``merge="line"``) or per word.

    A whole page document (indexed without chunking) has ``words`` instead of ``boxes``:
    its words' boxes are used.
    """
    metadata = _metadata(chunk)
    boxes = metadata.get("boxes")
    if boxes is None:
        words = metadata.get("words") or []
        if isinstance(words, str):
            words = json.loads(words)
        boxes = [w["box"] for w in words if w.get("box")]
    if isinstance(boxes, str):  # flat, vector-store-safe metadata
        boxes = json.loads(boxes)
    rects = [_rect(box) for box in boxes]
    if merge == "word":
        return rects
    return merge_lines(rects)


def merge_lines(rects: Sequence[Box]) -> list[Box]:
    """Union of consecutive word rectangles that share a text line (vertical overlap)."""
    lines: list[list[int]] = []
    for x0, y0, x1, y1 in rects:
        if lines:
            lx0, ly0, lx1, ly1 = lines[-1]
            overlap = min(ly1, y1) - max(ly0, y0)
            if overlap > 0.5 * min(ly1 - ly0, y1 - y0) and x0 >= lx0:
                lines[-1] = [lx0, min(ly0, y0), max(lx1, x1), max(ly1, y1)]
                continue
        lines.append([x0, y0, x1, y1])
    return [(a, b, c, d) for a, b, c, d in lines]


def save(image: Image.Image, path: str | Path) -> Path:
    """Save a picture (format from the suffix) and return its path."""
    target = Path(path)
    image.save(target)
    return target


# --- helpers ---------------------------------------------------------------------------------


def _metadata(item: Any) -> dict[str, Any]:
    if isinstance(item, dict):
        return item
    metadata = getattr(item, "metadata", None)
    if isinstance(metadata, dict):
        return metadata
    raise TypeError(f"expected a page, a record or a document, not {type(item).__name__}")


def _in_page_frame(image: Image.Image, item: Any) -> Image.Image:
    """``image`` scaled to the page's ``width`` x ``height``, the frame its boxes are in,
    when it differs: a page read by a remote API (which renders at its own resolution), or a
    picture of the page at another size, still gets every box on its words."""
    size: tuple[object, object]
    if isinstance(item, Page):
        size = (item.width, item.height)
    else:
        try:
            meta = _metadata(item)
        except TypeError:
            return image
        size = (meta.get("width"), meta.get("height"))
    width, height = size
    if (isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0
            and (width, height) != image.size):
        return image.resize((width, height), Image.Resampling.LANCZOS)
    return image


def _words(item: Any) -> list[dict[str, Any]]:
    """Words as contract dicts from a Page or anything with ``words`` metadata."""
    if isinstance(item, Page):
        return [
            {"id": w.id, "text": w.text, "confidence": w.confidence,
             "box": w.bounding_box.points()}
            for w in item.words
        ]
    words = _metadata(item).get("words", [])
    return json.loads(words) if isinstance(words, str) else list(words)


def _rect(box: Sequence[Sequence[float]]) -> Box:
    xs = [int(p[0]) for p in box]
    ys = [int(p[1]) for p in box]
    return min(xs), min(ys), max(xs), max(ys)


def _with_legend(
    image: Image.Image, entries: Sequence[tuple[tuple[int, int, int], str]], title: str
) -> Image.Image:
    """The image with a legend strip underneath (scaled to the image's width)."""
    size = max(14, image.width // 70)
    try:
        font: ImageFont.FreeTypeFont | ImageFont.ImageFont = ImageFont.load_default(size)
    except TypeError:  # Pillow < 10.1
        font = ImageFont.load_default()
    strip = Image.new("RGB", (image.width, int(size * 2.2)), "white")
    draw = ImageDraw.Draw(strip)
    x = size // 2
    y = int(size * 0.5)
    draw.text((x, y), f"{title}:", fill="black", font=font)
    x += int(draw.textlength(f"{title}: ", font=font)) + size // 2
    for colour, label in entries:
        draw.rectangle((x, y, x + size, y + size), fill=colour)
        x += size + size // 3
        draw.text((x, y), label, fill="black", font=font)
        x += int(draw.textlength(label, font=font)) + size
    out = Image.new("RGB", (image.width, image.height + strip.height), "white")
    out.paste(image, (0, 0))
    out.paste(strip, (0, image.height))
    return out
