"""Shared pieces for the framework tests: a folder of real documents, a counting engine and a
deterministic bag-of-words embedding (so retrieval results mean something)."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterator
from pathlib import Path

from PIL import Image

from ocr_loaders.engines.base import PageEngine
from ocr_loaders.inputs import DocPage
from ocr_loaders.models import Page
from tests import docgen

PAGE1 = ["Quarterly report 2024", "Revenue grew by 12 percent"]
PAGE2 = ["Invoice number 4471", "Total amount due 980 dollars"]
PAGE3 = ["Meeting notes Monday", "Budget approved for hiring"]


def small_page(lines: list[str]) -> Image.Image:
    return docgen.render_lines(lines, size=32, width=900)


def write_corpus(folder: Path) -> dict[str, Path]:
    """A PNG, a JPEG, a 2-page scanned PDF and a 2-frame TIFF, each with known lines."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "png": folder / "report.png",
        "jpg": folder / "notes.jpg",
        "pdf": folder / "scan.pdf",
        "tiff": folder / "frames.tiff",
    }
    files["png"].write_bytes(docgen.image_bytes(small_page(PAGE1), "PNG"))
    files["jpg"].write_bytes(docgen.image_bytes(small_page(PAGE3), "JPEG", quality=95))
    files["pdf"].write_bytes(docgen.pdf_from_images([small_page(PAGE1), small_page(PAGE2)]))
    files["tiff"].write_bytes(docgen.multi_frame_tiff([small_page(PAGE2), small_page(PAGE3)]))
    return files


class CountingEngine(PageEngine):
    """A real engine that delegates to another and counts the pages it recognised."""

    def __init__(self, inner: PageEngine) -> None:
        self.inner = inner
        self.name = inner.name
        self.calls = 0

    @property
    def model_version(self) -> str:
        return self.inner.model_version

    def recognize_image(self, image: Image.Image, *, page_id: int = 0) -> Page:
        return self.inner.recognize_image(image, page_id=page_id)

    def recognize_page(self, page: DocPage, *, page_id: int = 0) -> Page:
        self.calls += 1
        return self.inner.recognize_page(page, page_id=page_id)

    def iter_document(self, doc):  # type: ignore[no-untyped-def]
        yield from super().iter_document(doc)


def words(text: str) -> Iterator[str]:
    return (w.lower() for w in re.findall(r"\w+", text))


def bow_vector(text: str, dim: int = 256) -> list[float]:
    """Hashing-trick bag of words, L2-normalised: same words, same direction."""
    vec = [0.0] * dim
    for w in words(text):
        vec[int(hashlib.md5(w.encode()).hexdigest(), 16) % dim] += 1.0
    norm = math.sqrt(sum(v * v for v in vec)) or 1.0
    return [v / norm for v in vec]
