"""The one response model: the Upstage Document OCR API's JSON, as pydantic classes.

Attributes are snake_case in Python and camelCase on the wire. Fields are declared in the
order the API emits them (alphabetical), so ``result.to_json()`` of a parsed API response is
byte-for-byte the API's JSON (with the same ``json.dumps`` settings). Every engine returns an
:class:`OCRResult`; everything downstream (schemas, loaders, chunking) reads only this.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

API_VERSION = "1.1"
UNKNOWN_CHAR = "\ufffd"


class _APIModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=False
    )

    def to_api_dict(self) -> dict[str, Any]:
        """The JSON-ready dict with the API's camelCase keys."""
        return self.model_dump(by_alias=True, mode="json")


class Vertex(_APIModel):
    """A point in page pixels (origin top-left)."""

    x: int
    y: int


class BoundingBox(_APIModel):
    """Four vertices, clockwise from the top-left: TL, TR, BR, BL."""

    vertices: list[Vertex]

    @classmethod
    def from_points(cls, points: Iterable[Sequence[float]]) -> BoundingBox:
        """Build from ``[[x, y], ...]`` (four points, TL, TR, BR, BL), rounding to pixels."""
        return cls(vertices=[Vertex(x=round(p[0]), y=round(p[1])) for p in points])

    @classmethod
    def from_rect(cls, x0: float, y0: float, x1: float, y1: float) -> BoundingBox:
        """Axis-aligned rectangle as four vertices."""
        return cls.from_points([(x0, y0), (x1, y0), (x1, y1), (x0, y1)])

    def points(self) -> list[list[int]]:
        """``[[x, y], ...]`` in TL, TR, BR, BL order (the metadata contract's ``box``)."""
        return [[v.x, v.y] for v in self.vertices]

    def rect(self) -> tuple[int, int, int, int]:
        """The enclosing axis-aligned rectangle ``(x0, y0, x1, y1)``."""
        xs = [v.x for v in self.vertices]
        ys = [v.y for v in self.vertices]
        return min(xs), min(ys), max(xs), max(ys)


class Word(_APIModel):
    """One recognised word: a whitespace-separated token of the page text."""

    bounding_box: BoundingBox
    confidence: float
    id: int
    text: str


class Page(_APIModel):
    """One page. ``id`` is 0-based; text lines are joined by ``\\n`` in reading order."""

    confidence: float
    height: int
    id: int
    text: str
    width: int
    words: list[Word] = Field(default_factory=list)


class PageMetadata(_APIModel):
    """Size of a processed page; ``page`` is 1-based."""

    height: int
    page: int
    width: int


class ResultMetadata(_APIModel):
    pages: list[PageMetadata] = Field(default_factory=list)


class OCRResult(_APIModel):
    """A whole document's OCR, in the API's exact shape.

    ``total_pages`` (not serialised) is the page count of the source document, which can exceed
    ``len(pages)`` when a page limit or a page selection applied.
    """

    api_version: str = API_VERSION
    confidence: float
    metadata: ResultMetadata = Field(default_factory=ResultMetadata)
    mime_type: str = "multipart/form-data"
    model_version: str
    num_billed_pages: int
    pages: list[Page]
    stored: bool = False
    text: str
    total_pages: int | None = Field(default=None, exclude=True)

    @classmethod
    def from_pages(
        cls,
        pages: Sequence[Page],
        *,
        model_version: str,
        page_numbers: Sequence[int] | None = None,
        total_pages: int | None = None,
    ) -> OCRResult:
        """Assemble a result from pages; ``page_numbers`` are 1-based (default 1..n).

        Document confidence is the mean of page confidences weighted by word count, and the
        document text is the page texts joined by a newline, as the API does.
        """
        numbers = list(page_numbers) if page_numbers is not None else list(range(1, len(pages) + 1))
        if len(numbers) != len(pages):
            raise ValueError("page_numbers and pages differ in length")
        weights = [max(len(p.words), 1) for p in pages]
        conf = (
            sum(p.confidence * w for p, w in zip(pages, weights)) / sum(weights) if pages else 0.0
        )
        return cls(
            confidence=conf,
            metadata=ResultMetadata(
                pages=[PageMetadata(height=p.height, page=n, width=p.width)
                       for p, n in zip(pages, numbers)]
            ),
            model_version=model_version,
            num_billed_pages=len(pages),
            pages=list(pages),
            text="\n".join(p.text for p in pages),
            total_pages=total_pages if total_pages is not None else len(pages),
        )

    @classmethod
    def from_json(cls, data: str | bytes) -> OCRResult:
        """Parse the API's JSON."""
        return cls.model_validate_json(data)

    def to_json(self, *, indent: int | None = None, ensure_ascii: bool = False) -> str:
        """The API's JSON (camelCase keys in the API's order)."""
        return json.dumps(self.to_api_dict(), indent=indent, ensure_ascii=ensure_ascii)

    def page_number(self, index: int) -> int:
        """1-based page number of ``pages[index]`` in the source document."""
        if index < len(self.metadata.pages):
            return self.metadata.pages[index].page
        return index + 1


__all__ = [
    "API_VERSION",
    "UNKNOWN_CHAR",
    "BoundingBox",
    "OCRResult",
    "Page",
    "PageMetadata",
    "ResultMetadata",
    "Vertex",
    "Word",
]
