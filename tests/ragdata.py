"""Page records built from lines of words with boxes laid out like a real page."""

from __future__ import annotations

from collections.abc import Sequence

from ocr_loaders.documents import PageRecord


def make_record(
    lines: Sequence[Sequence[str]],
    confidences: Sequence[float] | None = None,
    *,
    source: str = "doc.pdf",
    page: int = 1,
    paragraph_gap_after: Sequence[int] = (),
) -> PageRecord:
    """Words left to right, lines top to bottom (40 px high, 60 px apart; an extra 100 px after
    the line indexes in ``paragraph_gap_after``)."""
    words = []
    y = 50
    for li, line in enumerate(lines):
        x = 40
        for text in line:
            w = 18 * max(len(text), 1)
            conf = confidences[len(words)] if confidences else 0.99
            words.append({
                "id": len(words), "text": text, "confidence": conf,
                "box": [[x, y], [x + w, y], [x + w, y + 40], [x, y + 40]],
            })
            x += w + 18
        y += 60 + (100 if li in paragraph_gap_after else 0)
    text = "\n".join(" ".join(line) for line in lines)
    metadata = {
        "source": source, "page": page, "total_pages": 1, "width": 2000, "height": y + 50,
        "confidence": sum(w["confidence"] for w in words) / max(len(words), 1), "words": words,
        "engine": "local", "model_version": "test",
    }
    return PageRecord(text=text, metadata=metadata)
