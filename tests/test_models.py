"""The response model parses and emits exactly the API's JSON."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ocr_loaders
from ocr_loaders.models import BoundingBox, OCRResult, Page, Word

FIXTURE = Path(__file__).parent / "fixtures" / "hello_response.json"


def test_documented_example_round_trips_byte_for_byte() -> None:
    # The documented hello.png response (first three words as published, the rest completed
    # in the same shape), indented as stored.
    raw = FIXTURE.read_text()
    result = OCRResult.from_json(raw)
    assert result.to_json(indent=2) + "\n" == raw
    compact = json.dumps(json.loads(raw))
    assert json.dumps(result.to_api_dict()) == compact


def test_snake_case_attributes_and_camel_case_wire() -> None:
    result = OCRResult.from_json(FIXTURE.read_text())
    assert result.api_version == "1.1"
    assert result.num_billed_pages == 1
    assert result.model_version == "ocr-2.2.1"
    assert result.pages[0].words[0].bounding_box.vertices[0].x == 65
    wire = result.to_api_dict()
    assert list(wire) == [
        "apiVersion", "confidence", "metadata", "mimeType", "modelVersion",
        "numBilledPages", "pages", "stored", "text",
    ]
    assert list(wire["pages"][0]["words"][0]) == ["boundingBox", "confidence", "id", "text"]
    assert "total_pages" not in wire and "totalPages" not in wire


def test_from_pages_numbering_and_confidence() -> None:
    def page(i: int, conf: float, n: int) -> Page:
        words = [
            Word(bounding_box=BoundingBox.from_rect(0, 0, 10, 10), confidence=conf, id=k, text="w")
            for k in range(n)
        ]
        return Page(confidence=conf, height=100, id=i, text="w", width=50, words=words)

    result = OCRResult.from_pages(
        [page(0, 0.9, 1), page(1, 0.5, 3)], model_version="m", page_numbers=[2, 5], total_pages=9
    )
    assert [m.page for m in result.metadata.pages] == [2, 5]
    assert [p.id for p in result.pages] == [0, 1]
    assert result.num_billed_pages == 2
    assert result.total_pages == 9
    assert result.confidence == pytest.approx((0.9 * 1 + 0.5 * 3) / 4)
    assert result.text == "w\nw"


def test_bounding_box_order_is_tl_tr_br_bl() -> None:
    box = BoundingBox.from_rect(1.4, 2.6, 10.5, 20)
    assert box.points() == [[1, 3], [10, 3], [10, 20], [1, 20]]
    assert box.rect() == (1, 3, 10, 20)


_vertex = st.fixed_dictionaries({"x": st.integers(0, 10**5), "y": st.integers(0, 10**5)})
_word = st.fixed_dictionaries(
    {
        "boundingBox": st.fixed_dictionaries(
            {"vertices": st.lists(_vertex, min_size=4, max_size=4)}
        ),
        "confidence": st.floats(0, 1),
        "id": st.integers(0, 10**6),
        "text": st.text(min_size=1),
    }
)


@given(words=st.lists(_word, max_size=5), text=st.text(), conf=st.floats(0, 1))
def test_any_valid_response_round_trips(words: list, text: str, conf: float) -> None:
    doc = {
        "apiVersion": "1.1",
        "confidence": conf,
        "metadata": {"pages": [{"height": 7, "page": 1, "width": 9}]},
        "mimeType": "multipart/form-data",
        "modelVersion": "m",
        "numBilledPages": 1,
        "pages": [
            {"confidence": conf, "height": 7, "id": 0, "text": text, "width": 9, "words": words}
        ],
        "stored": False,
        "text": text,
    }
    raw = json.dumps(doc, ensure_ascii=False, sort_keys=True)  # the API emits sorted keys
    assert OCRResult.from_json(raw).to_json() == raw


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                               max_size=4),
    max_leaves=20,
)


def _mutations(base: dict) -> st.SearchStrategy:
    """The documented response with one field (at any depth) replaced by arbitrary JSON."""
    paths: list[tuple] = []

    def walk(node: object, path: tuple) -> None:
        paths.append(path)
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, (*path, key))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, (*path, i))

    walk(base, ())
    return st.tuples(st.sampled_from(paths[1:]), _json)


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_parser_gives_a_model_or_a_validation_error(data: st.DataObject) -> None:
    """Whatever JSON a server sends (a mutated valid response, or anything at all), the parser
    returns a model or raises pydantic's ValidationError; never another exception."""
    import copy

    from pydantic import ValidationError

    base = json.loads(FIXTURE.read_text())
    if data.draw(st.booleans()):
        path, value = data.draw(_mutations(base))
        doc = copy.deepcopy(base)
        node = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    else:
        doc = data.draw(_json)
    try:
        OCRResult.from_json(json.dumps(doc))
    except ValidationError:
        return


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_parser_on_random_bytes(raw: bytes) -> None:
    from pydantic import ValidationError

    with contextlib.suppress(ValidationError):
        OCRResult.from_json(raw)


def test_public_api_is_pinned() -> None:
    assert sorted(ocr_loaders.__all__) == sorted(
        [
            "APIError", "BoundingBox", "ConversionError", "CorruptDocumentError",
            "DocumentFormat", "DocumentTooLargeError", "EncryptedDocumentError", "InputError",
            "Limits", "LocalEngine", "OCREngine", "OCRError", "OCRResult", "Page", "PageEngine",
            "PageMetadata", "PageRangeError", "TooManyPixelsError", "UnsupportedFormatError",
            "UpstageEngine", "Vertex", "Word", "__version__", "get_engine", "open_document",
            "recognize", "sniff_format",
        ]
    )


def test_core_import_does_not_load_frameworks() -> None:
    import subprocess
    import sys

    code = (
        "import sys, ocr_loaders, ocr_loaders.inputs, ocr_loaders.engines.local;"
        "bad=[m for m in sys.modules if m.startswith(('langchain','llama_index'))];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
