"""Pictures: boxes land on the words, colours follow confidence, chunks highlight only their
words, the filter comparison marks removed words."""

from __future__ import annotations

import pytest

from ocr_loaders import viz
from ocr_loaders.documents import result_records
from tests import docgen
from tests.frameworks import PAGE1, small_page


@pytest.fixture(scope="module")
def page_and_record(engine, tmp_path_factory):
    path = tmp_path_factory.mktemp("viz") / "page.png"
    path.write_bytes(docgen.image_bytes(small_page(PAGE1), "PNG"))
    result = engine.recognize(path)
    (record,) = result_records(result, source=str(path), engine="local")
    return viz.page_image(path), result.pages[0], record


def _inside(word: dict) -> tuple[int, int]:
    x0, y0, _x1, y1 = viz._rect(word["box"])
    return x0 + 1, (y0 + y1) // 2  # on the outline's left edge


def test_words_drawn_in_their_confidence_colour(page_and_record) -> None:
    image, page, record = page_and_record
    assert image.size == (page.width, page.height)
    for item in (page, record):
        drawn = viz.draw_words(image, item, fill=False, legend=False)
        assert drawn.size == image.size and drawn is not image
        for word in record.metadata["words"]:
            assert drawn.getpixel(_inside(word)) == viz.confidence_colour(word["confidence"])
    with_legend = viz.draw_words(image, record)
    assert with_legend.height > image.height
    low = dict(record.metadata, words=[dict(w, confidence=0.3) for w in record.metadata["words"]])
    word = low["words"][0]
    drawn = viz.draw_words(image, low, fill=False, legend=False)
    assert drawn.getpixel(_inside(word)) == viz.BINS[-1][1]


def test_chunk_highlight_covers_exactly_its_words(page_and_record) -> None:
    image, _, record = page_and_record
    words = record.metadata["words"]
    first_line = [w for w in words if viz._rect(w["box"])[3] < viz._rect(words[-1]["box"])[1]]
    assert first_line and len(first_line) < len(words)
    chunk = {"boxes": [w["box"] for w in first_line]}
    (rect,) = viz.chunk_rectangles(chunk)  # one line -> one union
    assert rect[0] == min(viz._rect(w["box"])[0] for w in first_line)
    drawn = viz.draw_chunk(image, chunk)
    changed = [
        (x, y) for x in range(0, image.width, 4) for y in range(0, image.height, 4)
        if drawn.getpixel((x, y)) != image.getpixel((x, y))
    ]
    assert changed
    x0, y0, x1, y1 = rect
    assert all(x0 - 6 <= x <= x1 + 6 and y0 - 6 <= y <= y1 + 6 for x, y in changed)
    import json

    flat = {"boxes": json.dumps(chunk["boxes"])}
    assert viz.chunk_rectangles(flat) == viz.chunk_rectangles(chunk)
    assert len(viz.chunk_rectangles(chunk, merge="word")) == len(first_line)


def test_compare_filtering_marks_removed_words(page_and_record) -> None:
    image, _, record = page_and_record
    words = record.metadata["words"]
    after = dict(record.metadata, words=words[1:])
    both = viz.compare_filtering(image, record, after)
    assert both.width == image.width * 2 + 20 and both.height > image.height
    x0, y0, _, _ = viz._rect(words[0]["box"])
    assert both.getpixel((image.width + 20 + x0 + 1, y0 + 1)) == viz.REMOVED
    assert both.getpixel((x0 + 1, y0 + 1)) != viz.REMOVED


def test_an_image_of_another_size_is_drawn_in_the_page_frame(page_and_record) -> None:
    """Boxes are in the page's ``width`` x ``height`` pixels; a picture of the page at another
    resolution (as a remote API may render it) is scaled to that frame first."""
    image, page, record = page_and_record
    half = image.resize((image.width // 2, image.height // 2))
    for item in (page, record):
        drawn = viz.draw_words(half, item, fill=False, legend=False)
        assert drawn.size == (page.width, page.height)
        for word in record.metadata["words"]:
            assert drawn.getpixel(_inside(word)) == viz.confidence_colour(word["confidence"])
    chunk = {**{k: v for k, v in record.metadata.items() if k != "words"},
             "boxes": [w["box"] for w in record.metadata["words"]]}
    assert viz.draw_chunk(half, chunk).size == image.size
    assert viz.draw_chunk(half, {"boxes": chunk["boxes"]}).size == half.size  # no frame given
